// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios for the review's findings (issue 12), each written to fail on the driver as it
 * was: races are made deterministic with hooks (a kernel routine's n-th call runs a step of
 * the scenario in another thread) and bounded waits.
 */
#include "wm_test.h"
#include "../../core/checksum.h"

/* ---- finding 1: the last handle closed while an IOCTL of the same file is running -------- */

static struct wm_process *closer_proc;
static HANDLE closer_handle;

static void *close_it(void *arg)
{
	(void)arg;
	wm_close(closer_proc, closer_handle);
	return NULL;
}

/* hook: another thread of the process closes the handle, now, and finishes doing so */
static void close_from_other_thread(void *arg)
{
	(void)arg;
	wm_thread_join(wm_thread_start(closer_proc, close_it, NULL));
}

static void close_during(const char *routine, int nth,
			 NTSTATUS (*op)(struct wm_process *, HANDLE, void *))
{
	struct wm_process *a = wm_process_create("a.exe", false);
	void *mem = wm_user_alloc(a, 4 * 4096, WM_RW);
	NTSTATUS st;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	closer_proc = a;
	closer_handle = wt_open(a);
	wm_hook(routine, nth, close_from_other_thread, NULL);
	st = op(a, closer_handle, mem);
	/* IRP_MJ_CLEANUP ran while the call was on its way: it must fail (EBADFD), and
	 * nothing it made may outlive the file (IRP_MJ_CLOSE has run by now) */
	CHECK_EQ(st, STATUS_DATA_ERROR, "the call whose handle was closed meanwhile");
	wt_nothing_held();
	wm_process_exit(a); /* 0x76 if pages are still locked or mapped in a.exe */
	wm_driver_unload(); /* 0xCE if a ring thread is still running, 0xC4 for leaked pool */
}

static NTSTATUS op_lock(struct wm_process *p, HANDLE h, void *mem)
{
	NTSTATUS st;

	wt_lock(p, h, mem, 4 * 4096, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st);
	return st;
}

static NTSTATUS op_alloc(struct wm_process *p, HANDLE h, void *mem)
{
	NTSTATUS st;

	(void)mem;
	wt_alloc(p, h, 2 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	return st;
}

static NTSTATUS op_ring_sqpoll(struct wm_process *p, HANDLE h, void *mem)
{
	struct kumem_ring_create c = { .sq_entries = 8, .flags = KUMEM_RING_SQPOLL };

	(void)mem;
	return IOC(p, h, KUMEM_IOC_RING_CREATE, c);
}

static void f1_lock(void)
{
	close_during("MmProbeAndLockPages", 1, op_lock);
}

static void f1_alloc(void)
{
	/* the second mapping call is the user mapping (the first: the system mapping) */
	close_during("MmMapLockedPagesSpecifyCache", 2, op_alloc);
}

static void f1_ring(void)
{
	close_during("PsCreateSystemThread", 1, op_ring_sqpoll);
}

/* ---- finding 4: what MmProbeAndLockPages raised is what the caller hears ------------------ */

static void f4_probe_status(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	void *mem = wm_user_alloc(a, 2 * 4096, WM_RW);
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_fail_next("MmProbeAndLockPages", STATUS_WORKING_SET_QUOTA);
	wt_lock(a, h, mem, 8192, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, STATUS_QUOTA_EXCEEDED, "working-set quota: EDQUOT, not EFAULT");
	wm_fail_next("MmProbeAndLockPages", STATUS_INSUFFICIENT_RESOURCES);
	wt_lock(a, h, mem, 8192, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES, "no resources: ENOMEM, not EFAULT");
	wt_lock(a, h, (void *)0x10000, 8192, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, STATUS_INVALID_USER_BUFFER, "an unmapped range: EFAULT");
	wt_nothing_held();
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- finding 5: a read-only lock of copy-on-write memory --------------------------------- */

/* The process writes after the lock: the driver must see the write, not the old page. */
static void f5_cow(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 3 * 4096, WM_COW);
	uint64_t sum;
	uint32_t id;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_lock(a, h, mem, 3 * 4096, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, 0, "read-only lock of copy-on-write pages");
	wm_user_store(a, mem + 5, 0x99);
	wm_user_store(a, mem + 2 * 4096 + 7, 0x98);
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id, 0, 3 * 4096, 0, &sum), 0, "checksum");
	CHECK_EQ(sum, kumem_checksum(mem, 3 * 4096),
		 "the driver reads what the process wrote after the lock");
	CHECK_EQ(wt_release(a, h, id), 0, "release");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* A range with one page the process cannot write (first, middle or last) among
 * copy-on-write ones: a read-only lock of the whole would pin the shared originals of the
 * others, so the range is refused (EACCES) and nothing is left held. */
static void f5_mixed(int ro_page)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 3 * 4096, WM_COW);
	NTSTATUS st;
	HANDLE h;

	wm_user_protect(a, mem + ro_page * 4096, WM_RO);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wt_lock(a, h, mem + 100, 3 * 4096 - 200, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, STATUS_ACCESS_DENIED, "a range mixing writable and read-only pages");
	wt_nothing_held();
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

static void f5_ro_first(void)
{
	f5_mixed(0);
}

static void f5_ro_middle(void)
{
	f5_mixed(1);
}

static void f5_ro_last(void)
{
	f5_mixed(2);
}

/* All read-only: nothing can diverge, a read-only lock is right; a fill is refused. */
static void f5_all_ro(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 2 * 4096, WM_RO);
	uint64_t sum;
	uint32_t id;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_lock(a, h, mem, 2 * 4096, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, 0, "read-only lock of read-only memory");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id, 0, 8192, 0, &sum), 0, "checksum");
	CHECK_EQ(sum, kumem_checksum(mem, 8192), "checksum");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, id, 0, 1, 1, NULL), STATUS_ACCESS_DENIED,
		 "no fill of a read-only lock");
	wt_lock(a, h, mem, 8192, KUMEM_KERNEL_WRITE, &st);
	CHECK_EQ(st, STATUS_INVALID_USER_BUFFER, "a write lock of read-only memory: EFAULT");
	CHECK_EQ(wt_release(a, h, id), 0, "release");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- finding 6: KUMEM_ALLOC_CONTIG is physically contiguous ------------------------------ */

static void f6_contig(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_describe_args d = { 0 };
	uint64_t pfns[16];
	NTSTATUS st;
	HANDLE h;
	int i;

	a->debug_privilege = true;
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	d.id = wt_alloc(a, h, 16 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG,
			&st, NULL);
	CHECK_EQ(st, 0, "ALLOC_SHARED contiguous, 16 pages");
	d.pfns = (uintptr_t)wm_user_alloc(a, 4096, WM_RW);
	d.max_pfns = 16;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE with PFNs");
	memcpy(pfns, (void *)(uintptr_t)d.pfns, sizeof(pfns));
	CHECK_EQ(d.pfns_written, 16, "16 PFNs");
	for (i = 1; i < 16; i++)
		CHECK_EQ(pfns[i], pfns[0] + i, "consecutive frames");
	CHECK(d.mdl.flags & KUMEM_MDL_CONTIGUOUS, "KUMEM_MDL_CONTIGUOUS reported (%#x)",
	      d.mdl.flags);
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- finding 2: the owner's exit waits for a teardown attached to it ------------------- */

static struct wm_thread *exiter;

static void *exit_process(void *arg)
{
	wm_process_exit(arg);
	return NULL;
}

/* hook: the owner exits now, in a thread of its own; wait (bounded) until that exit has
 * either finished or is waiting for something */
static void owner_exits_now(void *arg)
{
	exiter = wm_thread_start(arg, exit_process, arg);
	wm_wait_blocked(exiter, 500);
}

static void f2_exit_during_foreign_cleanup(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	void *mem = wm_user_alloc(a, 2 * 4096, WM_RW);
	NTSTATUS st;
	HANDLE ha, hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	ha = wt_open(a);
	wt_alloc(a, ha, 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	wt_lock(a, ha, mem, 8192, KUMEM_KERNEL_READ, &st);
	hb = wm_dup(a, ha, b);
	wm_close(a, ha);
	/* B's cleanup attaches to A to undo A's mapping; A exits right then */
	wm_hook("KeStackAttachProcess", 1, owner_exits_now, a);
	wm_close(b, hb);
	CHECK(exiter, "the cleanup attached to the owner");
	wm_thread_join(exiter);
	wm_process_exit(b);
	wm_driver_unload();
}

/* ---- finding 3: one process's teardown does not hold up every other process's exit ------- */

static volatile int gate_open;

static void gate(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 5000 && !gate_open; i++)
		usleep(1000);
}

static bool wait_done(struct wm_thread *t, int ms)
{
	int i;

	for (i = 0; i < ms && !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	return t->done;
}

static void f3_exit_not_serialised(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *c = wm_process_create("c.exe", false);
	struct kumem_ring_create rc = { .sq_entries = 8,
					.flags = KUMEM_RING_SQPOLL,
					.idle_us = 100000 };
	struct kumem_ring_enter e = { .flags = KUMEM_ENTER_WAKEUP };
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
	struct wm_thread *x, *y;
	bool c_done;
	uint32_t id;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_alloc(a, h, 1 << 20, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, rc), 0, "SQPOLL ring");
	ctrl = (void *)(uintptr_t)rc.user_addr;
	sq = (void *)((uint8_t *)ctrl + rc.sq_offset);
	/* the SQPOLL thread takes a long batch: held at its first completion notice */
	wm_hook_system("KeSetEvent", 1, gate, NULL);
	memset(sq, 0, sizeof(*sq));
	sq->op = KUMEM_OP_FILL;
	sq->region = id;
	sq->len = 1 << 20;
	sq->value = 1;
	__atomic_store_n(&ctrl->sq_tail, 1, __ATOMIC_RELEASE);
	e.ring_id = (uint32_t)rc.ring_fd;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_ENTER, e), 0, "WAKEUP");
	x = wm_thread_start(a, exit_process, a); /* A exits: must stop the busy ring thread */
	wm_wait_blocked(x, 500);
	y = wm_thread_start(c, exit_process, c); /* C, which has nothing to do with kumem */
	c_done = wait_done(y, 1000);
	gate_open = 1;
	wm_thread_join(x);
	wm_thread_join(y);
	CHECK(c_done, "an unrelated process's exit waited for another process's ring teardown");
	wm_driver_unload();
}

/* ---- finding 7: per-process and global caps ------------------------------------------- */

static void f7_bytes(void)
{
	struct wm_process *p[3] = { wm_process_create("a.exe", false),
				    wm_process_create("b.exe", false),
				    wm_process_create("c.exe", false) };
	HANDLE h[3][3];
	NTSTATUS st;
	int i, j, k;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	/* A and B: 2 handles x 4 x 1 GiB each (the per-handle quota is 4 GiB): 8 GiB each */
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 3; j++)
			h[i][j] = wt_open(p[i]);
		for (j = 0; j < 2; j++)
			for (k = 0; k < 4; k++) {
				wt_alloc(p[i], h[i][j], 1ull << 30, KUMEM_USER_READ, &st, NULL);
				CHECK_EQ(st, 0, "1 GiB region");
			}
		wt_alloc(p[i], h[i][2], 1ull << 30, KUMEM_USER_READ, &st, NULL);
		CHECK_EQ(st, STATUS_QUOTA_EXCEEDED, "a 9th GiB in one process, on a fresh handle");
	}
	h[2][0] = wt_open(p[2]);
	wt_alloc(p[2], h[2][0], 1ull << 30, KUMEM_USER_READ, &st, NULL);
	CHECK_EQ(st, STATUS_QUOTA_EXCEEDED, "a 17th GiB in the system");
	wt_alloc(p[2], h[2][0], 4096, KUMEM_USER_READ, &st, NULL);
	CHECK_EQ(st, STATUS_QUOTA_EXCEEDED, "and not even a page more");
	wm_process_exit(p[0]);
	wt_alloc(p[2], h[2][0], 1ull << 30, KUMEM_USER_READ, &st, NULL);
	CHECK_EQ(st, 0, "A's exit gave its share back");
	wm_process_exit(p[1]);
	wm_process_exit(p[2]);
	wm_driver_unload();
}

static void f7_count(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	HANDLE h[5];
	NTSTATUS st;
	int i, j;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	for (i = 0; i < 4; i++) {
		h[i] = wt_open(a);
		for (j = 0; j < 1024; j++) {
			wt_alloc(a, h[i], 4096, KUMEM_USER_READ, &st, NULL);
			CHECK_EQ(st, 0, "one-page region");
		}
	}
	h[4] = wt_open(a);
	wt_alloc(a, h[4], 4096, KUMEM_USER_READ, &st, NULL);
	CHECK_EQ(st, STATUS_TOO_MANY_OPENED_FILES, "the 4097th region of one process: ENOSPC");
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- finding 8: GETEVENTS waits once for its whole timeout -------------------------------- */

struct getevents {
	struct wm_process *p;
	HANDLE h;
	uint32_t ring;
	NTSTATUS st;
	uint64_t ms;
};

static void *getevents(void *arg)
{
	struct getevents *g = arg;
	struct kumem_ring_enter e = { .flags = KUMEM_ENTER_GETEVENTS,
				      .min_complete = 16,
				      .timeout_ns = 200 * 1000 * 1000ll,
				      .ring_id = g->ring };
	uint64_t t0 = KeQueryInterruptTime();

	g->st = IOC(g->p, g->h, KUMEM_IOC_RING_ENTER, e);
	g->ms = (KeQueryInterruptTime() - t0) / 10000;
	return NULL;
}

static void f8_deadline(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create rc = { .sq_entries = 16 };
	struct kumem_ring_enter e = { .to_submit = 1 };
	struct getevents g;
	struct kumem_ring_ctrl *ctrl;
	struct wm_thread *t;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	g.p = a;
	g.h = wt_open(a);
	CHECK_EQ(IOC(a, g.h, KUMEM_IOC_RING_CREATE, rc), 0, "ring");
	ctrl = (void *)(uintptr_t)rc.user_addr;
	g.ring = e.ring_id = (uint32_t)rc.ring_fd;
	t = wm_thread_start(a, getevents, &g);
	/*
	 * one NOP every 50 ms for 750 ms: each completion wakes the waiter, none satisfies it
	 * (16 of 16 would; the waiter asks for 16 and times out first). A timeout re-armed at
	 * every wake-up would end 200 ms after the last NOP, 950 ms or more; one deadline ends at
	 * ~200 ms. The bound between them leaves 500 ms for a busy machine.
	 */
	for (i = 0; i < 15; i++) {
		usleep(50 * 1000);
		__atomic_store_n(&ctrl->sq_tail, i + 1,
				 __ATOMIC_RELEASE); /* slots are zero: NOPs */
		CHECK_EQ(IOC(a, g.h, KUMEM_IOC_RING_ENTER, e), 0, "submit a NOP");
	}
	wm_thread_join(t);
	CHECK_EQ(g.st, STATUS_IO_TIMEOUT, "GETEVENTS for 16 of 15: ETIMEDOUT");
	CHECK(g.ms < 700, "a 200 ms timeout took %llu ms (re-armed at every wake-up)",
	      (unsigned long long)g.ms);
	wm_close(a, g.h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- finding 10: a WOW64 caller's PFN buffer is 4-byte aligned ---------------------------- */

static void f10_wow64_pfns(void)
{
	struct wm_process *a = wm_process_create("wow64.exe", true);
	struct kumem_describe_args d = { 0 };
	struct kumem_alloc_args al;
	NTSTATUS st;
	HANDLE h;

	a->debug_privilege = true;
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	d.id = wt_alloc(a, h, 2 * 4096, KUMEM_USER_READ, &st, &al);
	CHECK_EQ(st, 0, "ALLOC_SHARED from a 32-bit process");
	CHECK(al.user_addr + al.map_len <= (1ull << 32), "mapped below 4 GiB (%#llx)",
	      (unsigned long long)al.user_addr);
	d.pfns = (uintptr_t)wm_user_alloc(a, 4096, WM_RW) + 4; /* uint64_t aligns to 4 on x86 */
	d.max_pfns = 2;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE into a 4-byte aligned array");
	CHECK_EQ(d.pfns_written, 2, "2 PFNs");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- finding 10: the minimum Windows version, enforced where it is stated ---------------- */

static void f10_min_version(void)
{
	wm_windows_version = 0x0601; /* Windows 7: no MdlMappingNoWrite, NonPagedPoolNx */
	CHECK_EQ(wm_driver_load(), STATUS_NOT_SUPPORTED, "DriverEntry on Windows 7");
	wm_windows_version = 0x0602; /* Windows 8, the minimum */
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry on Windows 8");
	wm_driver_unload();
}

const struct wt_scenario wt_findings[] = {
	{ "finding 10: DriverEntry refuses Windows before 8", f10_min_version },
	{ "finding 2: owner exits while another process's cleanup is attached to it",
	  f2_exit_during_foreign_cleanup },
	{ "finding 3: an unrelated exit does not wait for a ring teardown",
	  f3_exit_not_serialised },
	{ "finding 7: per-process and global byte caps", f7_bytes },
	{ "finding 7: per-process region count cap", f7_count },
	{ "finding 8: GETEVENTS timeout is one deadline", f8_deadline },
	{ "finding 10: WOW64 PFN buffer aligned to 4", f10_wow64_pfns },
	{ "finding 4: MmProbeAndLockPages's exception code reaches the caller", f4_probe_status },
	{ "finding 5: read-only lock of copy-on-write memory sees later writes", f5_cow },
	{ "finding 5: read-only first page among copy-on-write ones", f5_ro_first },
	{ "finding 5: read-only middle page among copy-on-write ones", f5_ro_middle },
	{ "finding 5: read-only last page among copy-on-write ones", f5_ro_last },
	{ "finding 5: all read-only: read-only lock, no fill", f5_all_ro },
	{ "finding 6: KUMEM_ALLOC_CONTIG is physically contiguous", f6_contig },
	{ "finding 1: close during LOCK_USER from another thread", f1_lock },
	{ "finding 1: close during ALLOC_SHARED from another thread", f1_alloc },
	{ "finding 1: close during RING_CREATE SQPOLL from another thread", f1_ring },
	{ NULL, NULL },
};
