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

static void close_during(const char *routine, int nth, NTSTATUS (*op)(struct wm_process *,
								       HANDLE, void *))
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

const struct wt_scenario wt_findings[] = {
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
