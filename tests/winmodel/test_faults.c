// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Fault injection: every fallible kernel call the driver makes (pool, MDLs, page
 * allocation, mappings, probe-and-lock, thread creation, device and link creation) fails in
 * turn, the n-th for n = 1, 2, ... until an operation goes through without the injected
 * failure being reached. Each run is a fresh machine (fork); after each the driver must have
 * answered with an error or success, and left nothing behind: the process exit and the unload
 * check locked pages, mappings, pool blocks, MDLs, threads, devices, notify routines.
 */
#include <sys/wait.h>

#include "wm_test.h"

typedef NTSTATUS (*op_fn)(struct wm_process *p, HANDLE h, void *mem);

static NTSTATUS op_lock_read(struct wm_process *p, HANDLE h, void *mem)
{
	NTSTATUS st;

	wt_lock(p, h, (uint8_t *)mem + 10, 3 * 4096, KUMEM_KERNEL_READ, &st);
	return st;
}

static NTSTATUS op_lock_write(struct wm_process *p, HANDLE h, void *mem)
{
	NTSTATUS st;

	wt_lock(p, h, mem, 2 * 4096, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st);
	return st;
}

static NTSTATUS op_alloc(struct wm_process *p, HANDLE h, void *mem)
{
	NTSTATUS st;

	(void)mem;
	wt_alloc(p, h, 5 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	return st;
}

static NTSTATUS op_alloc_contig(struct wm_process *p, HANDLE h, void *mem)
{
	NTSTATUS st;

	(void)mem;
	wt_alloc(p, h, 3 * 4096, KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &st, NULL);
	return st;
}

static NTSTATUS ring(struct wm_process *p, HANDLE h, uint32_t flags, bool event)
{
	struct kumem_ring_create c = { .sq_entries = 8, .flags = flags };

	if (event)
		c.event_handle = (uintptr_t)wm_event_create(p, EVENT_MODIFY_STATE | SYNCHRONIZE);
	return IOC(p, h, KUMEM_IOC_RING_CREATE, c);
}

static NTSTATUS op_ring(struct wm_process *p, HANDLE h, void *mem)
{
	(void)mem;
	return ring(p, h, 0, true);
}

static NTSTATUS op_ring_sqpoll(struct wm_process *p, HANDLE h, void *mem)
{
	(void)mem;
	return ring(p, h, KUMEM_RING_SQPOLL, false);
}

static NTSTATUS op_direct(struct wm_process *p, HANDLE h, void *mem)
{
	struct kumem_xfer x = { .addr = (uintptr_t)mem + 3 * 4096, .len = 4096 };

	return wm_ioctl(p, h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), mem, 4096, NULL);
}

/* One machine: load, open, the n-th fallible call of @op fails. Returns 0 when the plan's
 * failure was reached (there may be a further n to try), 1 when it was not. */
static int one_run(op_fn op, int n)
{
	struct wm_process *a;
	struct wm_counts c;
	NTSTATUS st;
	bool fired;
	void *mem;
	HANDLE h;

	wm_init();
	a = wm_process_create("a.exe", false);
	mem = wm_user_alloc(a, 4 * 4096, WM_RW);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_fail_plan(n, STATUS_INSUFFICIENT_RESOURCES);
	st = op(a, h, mem);
	fired = wm_fail_fired();
	if (fired) {
		CHECK(!NT_SUCCESS(st), "call %d failed but the IOCTL succeeded", n);
		CHECK_EQ(wt_stats(a, h).regions, 0, "no region after a failed create");
	} else {
		CHECK_EQ(st, 0, "the operation without injected failure");
	}
	wm_fail_plan(0, 0);
	wm_close(a, h);
	wm_process_exit(a);
	wm_counts(&c);
	wm_driver_unload();
	return fired ? 0 : 1;
}

static int one_run_of(int n, const void *op)
{
	return one_run(*(const op_fn *)op, n);
}

static void every_step(op_fn op)
{
	wt_each_fallible_call(63, one_run_of, &op);
}

static void f_lock_read(void)
{
	every_step(op_lock_read);
}

static void f_lock_write(void)
{
	every_step(op_lock_write);
}

static void f_alloc(void)
{
	every_step(op_alloc);
}

static void f_alloc_contig(void)
{
	every_step(op_alloc_contig);
}

static void f_ring(void)
{
	every_step(op_ring);
}

static void f_ring_sqpoll(void)
{
	every_step(op_ring_sqpoll);
}

static void f_direct(void)
{
	every_step(op_direct);
}

/* DriverEntry itself: each of its fallible calls fails in turn; a failed DriverEntry must
 * leave nothing (wm_driver_load checks), a successful one must unload clean. */
static void f_driver_entry(void)
{
	int n, status;
	pid_t pid;

	for (n = 1; n < 32; n++) {
		pid = fork();
		if (pid == 0) {
			NTSTATUS st;

			wm_init();
			wm_fail_plan(n, 0);
			st = wm_driver_load();
			if (!wm_fail_fired()) {
				CHECK_EQ(st, 0, "DriverEntry");
				wm_driver_unload();
				_exit(42);
			}
			CHECK(!NT_SUCCESS(st) || (wm_driver_unload(), 1), "DriverEntry");
			_exit(0);
		}
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 42),
		      "DriverEntry with fallible call %d failing: exit %d", n, WEXITSTATUS(status));
		if (WEXITSTATUS(status) == 42)
			return;
	}
}

const struct wt_scenario wt_faults[] = {
	{ "failed allocation at every step: DriverEntry", f_driver_entry },
	{ "failed allocation at every step: LOCK_USER read", f_lock_read },
	{ "failed allocation at every step: LOCK_USER write", f_lock_write },
	{ "failed allocation at every step: ALLOC_SHARED", f_alloc },
	{ "failed allocation at every step: ALLOC_SHARED contiguous", f_alloc_contig },
	{ "failed allocation at every step: RING_CREATE with event", f_ring },
	{ "failed allocation at every step: RING_CREATE SQPOLL", f_ring_sqpoll },
	{ "failed allocation at every step: DIRECT checksum", f_direct },
	{ NULL, NULL },
};
