// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios: the driver's ordinary life under the model's contracts (both methods, both
 * transfers, rings in both modes), and the lifetimes that end it (process exit with regions
 * and rings live, the last handle closed in another process, unload).
 */
#include "wm_test.h"
#include "../../core/checksum.h"

static void load_unload(void)
{
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	wm_driver_unload();
}

/* Both methods: the same pages seen by the process and through the driver's mapping. */
static void methods(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_describe_args d = { 0 };
	struct kumem_alloc_args al;
	uint8_t *mem, *shared;
	uint64_t sum;
	uint32_t id1, id2;
	NTSTATUS st;
	HANDLE h;
	int i, bad = 0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	mem = wm_user_alloc(a, 5 * 4096, WM_RW);
	for (i = 0; i < 5 * 4096; i++)
		mem[i] = (uint8_t)(i * 7);
	id1 = wt_lock(a, h, mem + 0x10, 4 * 4096, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st);
	CHECK_EQ(st, 0, "LOCK_USER");
	CHECK_EQ(a->locked_pages, 5, "5 pages locked in the process");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id1, 0, 4 * 4096, 0, &sum), 0, "checksum");
	CHECK_EQ(sum, kumem_checksum(mem + 0x10, 4 * 4096), "the driver sees the process's bytes");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, id1, 100, 200, 0x5c, NULL), 0, "fill");
	for (i = 0; i < 200; i++)
		bad += mem[0x10 + 100 + i] != 0x5c;
	CHECK_EQ(bad, 0, "the process sees the driver's fill");

	id2 = wt_alloc(a, h, 3 * 4096 - 5, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &al);
	CHECK_EQ(st, 0, "ALLOC_SHARED");
	shared = (uint8_t *)(uintptr_t)al.user_addr;
	CHECK_EQ(a->user_mappings, 1, "one user mapping in the process");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, id2, 0, 3 * 4096 - 5, 0x77, NULL), 0, "fill");
	CHECK_EQ(shared[0] + shared[3 * 4096 - 6], 2 * 0x77, "the process sees the fill");
	shared[5] = 1;
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id2, 5, 1, 0, &sum), 0, "checksum");
	{
		uint8_t one = 1;

		CHECK_EQ(sum, kumem_checksum(&one, 1), "the driver sees the process's store");
	}
	d.id = id2;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE");
	CHECK_EQ(d.mdl.start_va, al.user_addr, "DESCRIBE: StartVa is the user mapping");
	CHECK_EQ(d.mdl.page_count, 3, "3 pages");

	CHECK_EQ(wt_release(a, h, id1), 0, "release method 1");
	CHECK_EQ(a->locked_pages, 0, "unlocked");
	CHECK_EQ(wt_release(a, h, id2), 0, "release method 2");
	CHECK_EQ(a->user_mappings, 0, "unmapped");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

static void transfers(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *data = wm_user_alloc(a, 3 * 4096, WM_RW);
	uint64_t *sum_at = (uint64_t *)(data + 2 * 4096);
	struct kumem_xfer x = { 0 };
	uint64_t sum = 0;
	HANDLE h;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	for (i = 0; i < 5000; i++)
		data[i] = (uint8_t)(i * 13);
	CHECK_EQ(wm_ioctl(a, h, KUMEM_IOC_BUFFERED_CHECKSUM, data, 5000, &sum, 8, NULL), 0,
		 "BUFFERED");
	CHECK_EQ(sum, kumem_checksum(data, 5000), "BUFFERED sum");
	x.addr = (uintptr_t)sum_at;
	x.len = 5000;
	CHECK_EQ(wm_ioctl(a, h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), data, 5000, NULL), 0,
		 "DIRECT");
	CHECK_EQ(*sum_at, kumem_checksum(data, 5000), "DIRECT sum written to the process");
	x.addr = 0x1000;
	CHECK_EQ(wm_ioctl(a, h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), data, 5000, NULL),
		 STATUS_INVALID_USER_BUFFER, "DIRECT to an unmapped address: EFAULT (SEH)");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- rings -------------------------------------------------------------------------------- */

struct wt_ring {
	struct kumem_ring_create c;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
	struct kumem_cqe *cq;
};

static NTSTATUS ring_create(struct wm_process *p, HANDLE h, uint32_t entries, uint32_t flags,
			    struct wt_ring *r)
{
	NTSTATUS st;

	memset(r, 0, sizeof(*r));
	r->c.sq_entries = entries;
	r->c.flags = flags;
	r->c.idle_us = 50;
	st = IOC(p, h, KUMEM_IOC_RING_CREATE, r->c);
	if (NT_SUCCESS(st)) {
		r->ctrl = (void *)(uintptr_t)r->c.user_addr;
		r->sq = (void *)((uint8_t *)r->ctrl + r->c.sq_offset);
		r->cq = (void *)((uint8_t *)r->ctrl + r->c.cq_offset);
	}
	return st;
}

static void ring_submit(struct wt_ring *r, const struct kumem_sqe *e)
{
	uint32_t tail = r->ctrl->sq_tail;

	r->sq[tail & (r->c.sq_entries - 1)] = *e;
	__atomic_store_n(&r->ctrl->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

static NTSTATUS ring_enter(struct wm_process *p, HANDLE h, struct wt_ring *r, uint32_t submit,
			   uint32_t min, uint32_t flags, int64_t timeout_ns)
{
	struct kumem_ring_enter e = { .to_submit = submit,
				      .min_complete = min,
				      .flags = flags,
				      .timeout_ns = timeout_ns,
				      .ring_id = (uint32_t)r->c.ring_fd };

	return IOC(p, h, KUMEM_IOC_RING_ENTER, e);
}

static void rings_enter_mode(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_sqe e = { 0 };
	struct wt_ring r;
	uint64_t sum;
	uint32_t id;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_alloc(a, h, 8192, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	CHECK_EQ(ring_create(a, h, 8, 0, &r), 0, "RING_CREATE");
	e.op = KUMEM_OP_FILL;
	e.region = id;
	e.len = 8192;
	e.value = 0x42;
	e.user_data = 7;
	ring_submit(&r, &e);
	memset(&e, 0, sizeof(e));
	e.op = KUMEM_OP_CHECKSUM;
	e.region = id;
	e.len = 8192;
	e.user_data = 8;
	ring_submit(&r, &e);
	CHECK_EQ(ring_enter(a, h, &r, 2, 2, KUMEM_ENTER_GETEVENTS, -1), 0, "ENTER");
	CHECK_EQ(r.ctrl->cq_tail, 2, "two completions");
	CHECK_EQ(r.cq[0].result + r.cq[1].result, 0, "both succeeded");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id, 0, 8192, 0, &sum), 0, "checksum");
	CHECK_EQ(r.cq[1].value, sum, "the ring's checksum is the driver's");
	CHECK_EQ(ring_enter(a, h, &r, 0, 3, KUMEM_ENTER_GETEVENTS, 10 * 1000 * 1000),
		 STATUS_IO_TIMEOUT, "GETEVENTS for more than there is: ETIMEDOUT");
	CHECK_EQ(wt_release(a, h, (uint32_t)r.c.ring_fd), 0, "release the ring");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* SQPOLL start/stop: the thread serves the ring, sleeps, is woken, stops at release. */
static void rings_sqpoll(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_sqe e = { 0 };
	struct wm_counts c;
	struct wt_ring r;
	uint32_t id, i;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_alloc(a, h, 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	CHECK_EQ(ring_create(a, h, 16, KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF, &r), 0,
		 "RING_CREATE SQPOLL");
	wm_counts(&c);
	CHECK_EQ(c.system_threads, 1, "one SQPOLL thread");
	for (i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		e.op = KUMEM_OP_FILL;
		e.region = id;
		e.len = 4096;
		e.value = i;
		e.user_data = i;
		ring_submit(&r, &e);
		/* the thread may be asleep: wake it, then wait for the completion */
		CHECK_EQ(ring_enter(a, h, &r, 0, i + 1, KUMEM_ENTER_GETEVENTS | KUMEM_ENTER_WAKEUP,
				    2000 * 1000 * 1000ll),
			 0, "completion from the SQPOLL thread");
	}
	CHECK_EQ(r.cq[2].user_data, 2, "in order");
	CHECK_EQ(wt_release(a, h, (uint32_t)r.c.ring_fd), 0, "release stops the thread");
	wm_counts(&c);
	CHECK_EQ(c.system_threads, 0, "the thread has terminated");
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* The caller's event: referenced with its access checked, signalled on completions. */
static void rings_user_event(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8 };
	struct kumem_ring_enter e = { .to_submit = 1 };
	HANDLE ev_ro, ev;
	KEVENT *event;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	ev_ro = wm_event_create(a, SYNCHRONIZE);
	c.event_handle = (uintptr_t)ev_ro;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), STATUS_INVALID_PARAMETER,
		 "an event handle without EVENT_MODIFY_STATE is refused");
	c.event_handle = (uintptr_t)h;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), STATUS_INVALID_PARAMETER,
		 "a handle that is no event is refused");
	ev = wm_event_create(a, EVENT_MODIFY_STATE | SYNCHRONIZE);
	c.event_handle = (uintptr_t)ev;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "ring with an event");
	event = a->handles[((uintptr_t)ev >> 2) - 1].obj;
	CHECK_EQ(KeReadStateEvent(event), 0, "not signalled yet");
	__atomic_store_n(&((struct kumem_ring_ctrl *)(uintptr_t)c.user_addr)->sq_tail, 1,
			 __ATOMIC_RELEASE); /* a NOP */
	e.ring_id = (uint32_t)c.ring_fd;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_ENTER, e), 0, "ENTER");
	CHECK_EQ(KeReadStateEvent(event), 1, "the completion signalled the caller's event");
	wm_close(a, h);
	wm_process_exit(a); /* the event's references: the handle's and the ring's, both gone */
	CHECK_EQ(wm_object_refs(event), 0, "no reference to the event left");
	wm_driver_unload();
}

/* ---- lifetimes ---------------------------------------------------------------------------- */

/* The process exits with regions of both kinds and rings (one SQPOLL) live: the handle
 * table's run-down must undo everything before the address space goes. */
static void exit_with_everything_live(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 4 * 4096, WM_RW);
	struct wt_ring r1, r2;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wt_lock(a, h, mem, 4 * 4096, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, 0, "LOCK_USER");
	wt_alloc(a, h, 4096, KUMEM_USER_READ, &st, NULL);
	CHECK_EQ(st, 0, "ALLOC_SHARED");
	CHECK_EQ(ring_create(a, h, 8, 0, &r1), 0, "ring");
	CHECK_EQ(ring_create(a, h, 8, KUMEM_RING_SQPOLL, &r2), 0, "SQPOLL ring");
	wm_process_exit(a); /* bugchecks 0x76 if anything is left */
	wt_nothing_held();
	wm_driver_unload();
}

/* A handle duplicated into B: A's close leaves the file open; B's close is the last, and
 * its cleanup undoes A's mappings by attaching to A. */
static void last_handle_closed_in_other_process(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	uint8_t *mem = wm_user_alloc(a, 2 * 4096, WM_RW);
	NTSTATUS st;
	HANDLE ha, hb;
	uint32_t id;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	ha = wt_open(a);
	wt_lock(a, ha, mem, 2 * 4096, KUMEM_KERNEL_READ, &st);
	id = wt_alloc(a, ha, 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	CHECK_EQ(st, 0, "ALLOC_SHARED");
	hb = wm_dup(a, ha, b);
	CHECK_EQ(wt_kop(b, hb, KUMEM_IOC_KERNEL_FILL, id, 0, 1, 1, NULL), STATUS_ACCESS_DENIED,
		 "B may not use A's region");
	CHECK_EQ(wt_release(b, hb, id), STATUS_ACCESS_DENIED, "nor release it");
	wm_close(a, ha);
	CHECK_EQ(a->user_mappings, 1, "A's mapping lives on (B holds the file)");
	wm_close(b, hb);
	CHECK_EQ(a->user_mappings + a->locked_pages, 0, "B's cleanup undid A's regions");
	wm_process_exit(a);
	wm_process_exit(b);
	wm_driver_unload();
}

/* A exits while B still holds the file: the exit notification must undo A's regions. */
static void owner_exits_handle_lives_elsewhere(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	uint8_t *mem = wm_user_alloc(a, 2 * 4096, WM_RW);
	struct wt_ring r;
	NTSTATUS st;
	HANDLE ha, hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	ha = wt_open(a);
	wt_lock(a, ha, mem, 2 * 4096, KUMEM_KERNEL_READ, &st);
	wt_alloc(a, ha, 4096, KUMEM_USER_READ, &st, NULL);
	CHECK_EQ(ring_create(a, ha, 8, KUMEM_RING_SQPOLL, &r), 0, "SQPOLL ring");
	hb = wm_dup(a, ha, b);
	wm_process_exit(a); /* the exit notification is the only thing that can save A */
	CHECK_EQ(wt_stats(b, hb).regions, 0, "A's regions are gone");
	wm_close(b, hb);
	wm_process_exit(b);
	wm_driver_unload();
}

const struct wt_scenario wt_basic[] = {
	{ "load and unload", load_unload },
	{ "method 1 and 2: the same pages on both sides", methods },
	{ "buffered and direct transfers", transfers },
	{ "ring in enter mode", rings_enter_mode },
	{ "SQPOLL start, serve, sleep, wake, stop", rings_sqpoll },
	{ "ring with the caller's event (ExEventObjectType, UserMode access)", rings_user_event },
	{ NULL, NULL },
};

const struct wt_scenario wt_lifetime[] = {
	{ "exit with regions and rings (SQPOLL) live", exit_with_everything_live },
	{ "last handle closed from another process", last_handle_closed_in_other_process },
	{ "owner exits while another process holds the handle",
	  owner_exits_handle_lives_elsewhere },
	{ NULL, NULL },
};
