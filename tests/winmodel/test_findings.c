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

const struct wt_scenario wt_findings[] = {
	{ "finding 1: close during LOCK_USER from another thread", f1_lock },
	{ "finding 1: close during ALLOC_SHARED from another thread", f1_alloc },
	{ "finding 1: close during RING_CREATE SQPOLL from another thread", f1_ring },
	{ NULL, NULL },
};
