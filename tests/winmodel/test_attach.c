// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios: rings whose operations another driver defines (KumemRingCreateDriver,
 * windows/kumem_win.h), and a process attaching to them (KUMEM_IOC_RING_INFO). The provider
 * below is a test driver that lives only in this build: its "IOCTL" runs here, in the
 * process's context at PASSIVE_LEVEL, with the file object of the handle the process gave it
 * (the model's stand-in for ObReferenceObjectByHandle(IoFileObjectType, UserMode)).
 */
#include <sys/wait.h>

#include "wm_test.h"
#include "../../windows/kumem_win.h"

#define OP_TRIPLE 0x80 /* value = value * 3 + offset */
#define OP_REFUSE 0x81 /* -EPERM */

struct provider {
	volatile long executed, released, system_thread_calls;
};

static int provider_execute(PVOID priv, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	struct provider *p = priv;

	/* the documented contract: at most APC_LEVEL (the ring's fast mutex is held) */
	if (KeGetCurrentIrql() > APC_LEVEL)
		wm_bugcheck(0xC4, "the provider's Execute ran at IRQL %d", KeGetCurrentIrql());
	__atomic_add_fetch(&p->executed, 1, __ATOMIC_SEQ_CST);
	if (PsIsSystemThread(PsGetCurrentThread()))
		__atomic_add_fetch(&p->system_thread_calls, 1, __ATOMIC_SEQ_CST);
	switch (e->op) {
	case OP_TRIPLE:
		c->value = (uint64_t)e->value * 3 + e->offset;
		return 0;
	case OP_REFUSE:
		return -KUMEM_EPERM;
	default:
		return -KUMEM_EINVAL;
	}
}

static void provider_release(PVOID priv)
{
	__atomic_add_fetch(&((struct provider *)priv)->released, 1, __ATOMIC_SEQ_CST);
}

/* The provider's IOCTL: make a ring for the calling process @p in its kumem handle @h. */
static int provider_make_ring(struct wm_process *p, HANDLE h, struct provider *prov,
			      struct kumem_ring_create *a)
{
	const KUMEM_RING_DRIVER drv = { provider_execute, provider_release, prov };
	PFILE_OBJECT f = wm_file_ref(p, h);
	int err;

	wm_become(p);
	err = KumemRingCreateDriver(f, a, &drv);
	wm_become(wm_system);
	wm_file_deref(f);
	return err;
}

struct attached {
	struct kumem_ring_create c;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
	struct kumem_cqe *cq;
};

/* What libkumem's kumem_ring_attach_dev() does: RING_INFO, then the mapping it names. */
static NTSTATUS attach(struct wm_process *p, HANDLE h, uint32_t id, struct attached *r)
{
	NTSTATUS st;

	memset(r, 0, sizeof(*r));
	r->c.ring_fd = (int32_t)id;
	st = IOC(p, h, KUMEM_IOC_RING_INFO, r->c);
	if (NT_SUCCESS(st)) {
		r->ctrl = (void *)(uintptr_t)r->c.user_addr;
		r->sq = (void *)((uint8_t *)r->ctrl + r->c.sq_offset);
		r->cq = (void *)((uint8_t *)r->ctrl + r->c.cq_offset);
	}
	return st;
}

static void put_sqe(struct attached *r, uint8_t op, uint32_t value, uint64_t offset,
		    uint32_t region, uint64_t len, uint64_t user_data)
{
	uint32_t tail = r->ctrl->sq_tail;
	struct kumem_sqe *e = &r->sq[tail & (r->c.sq_entries - 1)];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->value = value;
	e->offset = offset;
	e->region = region;
	e->len = len;
	e->user_data = user_data;
	__atomic_store_n(&r->ctrl->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

static NTSTATUS enter(struct wm_process *p, HANDLE h, struct attached *r, uint32_t n, uint32_t min,
		      uint32_t flags)
{
	struct kumem_ring_enter e = { .to_submit = n,
				      .min_complete = min,
				      .flags = flags | (min ? KUMEM_ENTER_GETEVENTS : 0),
				      .timeout_ns = 5000ll * 1000 * 1000,
				      .ring_id = (uint32_t)r->c.ring_fd };

	return IOC(p, h, KUMEM_IOC_RING_ENTER, e);
}

/* A driver's ring, attached, used in enter mode: its ops and kumem's own on the handle's
 * regions; a pended wait on it; RING_INFO only for the owner; release gives Priv back. */
static void attach_enter(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8 };
	struct provider prov = { 0 };
	struct kumem_alloc_args al;
	struct wm_overlapped ov;
	struct kumem_ring_enter e;
	struct attached r;
	uint32_t id;
	NTSTATUS st;
	HANDLE h, hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_alloc(a, h, 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &al);
	CHECK_EQ(st, 0, "a region in the handle");
	CHECK_EQ(provider_make_ring(a, h, &prov, &c), 0, "KumemRingCreateDriver");
	CHECK(c.user_addr != 0 && c.ring_fd > 0, "a ring id and a mapping in the process");
	CHECK_EQ(attach(a, h, (uint32_t)c.ring_fd, &r), 0, "RING_INFO");
	CHECK_EQ(r.c.user_addr, c.user_addr, "RING_INFO: the same mapping");
	CHECK_EQ(r.c.map_len, c.map_len, "RING_INFO: the same length");
	CHECK_EQ(r.c.cq_entries, 16, "RING_INFO: 2 x 8 completions");
	CHECK_EQ(r.c.event_handle, 0, "RING_INFO: no event handle");

	put_sqe(&r, OP_TRIPLE, 14, 1, 0, 0, 1);
	put_sqe(&r, OP_REFUSE, 0, 0, 0, 0, 2);
	put_sqe(&r, KUMEM_OP_FILL, 0x3c, 0, id, 4096, 3);
	put_sqe(&r, 0x90, 0, 0, 0, 0, 4); /* the provider does not know it */
	CHECK_EQ(enter(a, h, &r, 4, 4, 0), 0, "ENTER 4, wait for 4");
	CHECK_EQ(r.ctrl->cq_tail, 4, "four completions");
	CHECK_EQ(r.cq[0].result, 0, "the provider's op");
	CHECK_EQ(r.cq[0].value, 43, "14 * 3 + 1");
	CHECK_EQ(r.cq[1].result, -KUMEM_EPERM, "the provider's refusal");
	CHECK_EQ(r.cq[2].result, 0, "kumem's FILL on the handle's region");
	CHECK_EQ(((uint8_t *)(uintptr_t)al.user_addr)[4095], 0x3c, "filled");
	CHECK_EQ(r.cq[3].result, -KUMEM_EINVAL, "an op the provider refuses as unknown");
	CHECK_EQ(prov.executed, 3, "Execute ran for the three driver ops");
	__atomic_store_n(&r.ctrl->cq_head, 4, __ATOMIC_RELEASE);

	/* a pended wait on a driver's ring, ended by the provider's completion */
	memset(&e, 0, sizeof(e));
	e.flags = KUMEM_ENTER_GETEVENTS;
	e.min_complete = 1;
	e.timeout_ns = -1;
	e.ring_id = (uint32_t)c.ring_fd;
	CHECK_EQ(wm_ioctl_overlapped(a, h, KUMEM_IOC_RING_ENTER, &e, sizeof(e), &e, sizeof(e), &ov),
		 STATUS_PENDING, "GETEVENTS pended on the driver's ring");
	put_sqe(&r, OP_TRIPLE, 1, 0, 0, 0, 5);
	CHECK_EQ(enter(a, h, &r, 1, 0, 0), 0, "ENTER 1");
	CHECK(wm_overlapped_wait(&ov, 2000), "the wait ended");
	CHECK_EQ(ov.status, 0, "with success");

	/* only the owner sees it */
	hb = wm_dup(a, h, b);
	CHECK_EQ(attach(b, hb, (uint32_t)c.ring_fd, &r), STATUS_NOT_FOUND,
		 "RING_INFO from another process: ENOENT");
	CHECK_EQ(attach(a, h, 4242, &r), STATUS_NOT_FOUND, "RING_INFO of no ring: ENOENT");
	wm_close(b, hb);
	CHECK_EQ(prov.released, 0, "Priv is the ring's while it lives");
	CHECK_EQ(wt_release(a, h, (uint32_t)c.ring_fd), 0, "RELEASE the ring");
	CHECK_EQ(prov.released, 1, "RELEASE gave Priv back, once");
	wm_close(a, h);
	wm_process_exit(a);
	wm_process_exit(b);
	wm_driver_unload();
}

/* SQPOLL: the ops run in the system thread; the owner's exit gives Priv back. */
static void attach_sqpoll_exit(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .flags = KUMEM_RING_SQPOLL };
	struct provider prov = { 0 };
	struct attached r;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	CHECK_EQ(provider_make_ring(a, h, &prov, &c), 0, "an SQPOLL driver ring");
	CHECK_EQ(attach(a, h, (uint32_t)c.ring_fd, &r), 0, "RING_INFO");
	CHECK_EQ(r.c.flags, KUMEM_RING_SQPOLL, "RING_INFO: SQPOLL");
	put_sqe(&r, OP_TRIPLE, 2, 0, 0, 0, 1);
	CHECK_EQ(enter(a, h, &r, 0, 1, KUMEM_ENTER_WAKEUP), 0, "WAKEUP, wait for 1");
	CHECK_EQ(r.cq[0].value, 6, "2 * 3");
	CHECK_EQ(prov.system_thread_calls, 1, "Execute ran in the SQPOLL system thread");
	/* the process exits holding the handle and the ring */
	wm_process_exit(a);
	CHECK_EQ(prov.released, 1, "the exit gave Priv back");
	wm_driver_unload();
}

/* Refusals: not kumem's file object, no Execute, bad sizes; Priv given back each time. */
static void attach_refusals(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct provider prov = { 0 };
	struct kumem_ring_create c = { .sq_entries = 8 };
	KUMEM_RING_DRIVER drv = { NULL, provider_release, &prov };
	PFILE_OBJECT f;
	NTSTATUS st;
	HANDLE h, hrw;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	hrw = wm_open_device(a, L"\\Device\\kumem-buffered", &st);
	CHECK(hrw, "open kumem-buffered");
	CHECK_EQ(provider_make_ring(a, hrw, &prov, &c), -KUMEM_EINVAL,
		 "a file object of another device: EINVAL");
	CHECK_EQ(prov.released, 1, "Priv given back");
	c.sq_entries = 6;
	CHECK_EQ(provider_make_ring(a, h, &prov, &c), -KUMEM_EINVAL, "6 entries: EINVAL");
	CHECK_EQ(prov.released, 2, "Priv given back");
	c.sq_entries = 8;
	f = wm_file_ref(a, h);
	wm_become(a);
	CHECK_EQ(KumemRingCreateDriver(f, &c, &drv), -KUMEM_EINVAL, "no Execute: EINVAL");
	CHECK_EQ(KumemRingCreateDriver(NULL, &c, &drv), -KUMEM_EINVAL, "no file: EINVAL");
	wm_become(wm_system);
	wm_file_deref(f);
	CHECK_EQ(prov.released, 4, "Priv given back");
	wm_close(a, hrw);
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

static int attach_fault_one(int n, const void *unused)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .flags = KUMEM_RING_SQPOLL };
	struct provider prov = { 0 };
	struct attached r;
	bool fired_here;
	HANDLE h;
	int err;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_fail_plan(n, 0);
	err = provider_make_ring(a, h, &prov, &c);
	fired_here = wm_fail_fired();
	wm_fail_plan(0, 0);
	if (err) {
		CHECK_EQ(err, -KUMEM_ENOMEM, "a failed creation: ENOMEM");
		CHECK_EQ(prov.released, 1, "Priv given back on failure");
	} else {
		CHECK_EQ(attach(a, h, (uint32_t)c.ring_fd, &r), 0, "RING_INFO");
	}
	wm_close(a, h);
	CHECK_EQ(prov.released, 1, "Priv given back exactly once");
	wm_process_exit(a);
	wm_driver_unload();
	(void)unused;
	return fired_here ? 0 : 1; /* 1: the plan's n-th call was never made */
}

static void attach_faults(void)
{
	int fired = wt_each_fallible_call(99, attach_fault_one, NULL);

	CHECK(fired >= 4, "only %d fallible calls on the path", fired);
	fprintf(stderr, "faults: %d fallible calls failed in turn\n", fired);
}

const struct wt_scenario wt_attach[] = {
	{ "attach: a driver's ring, enter mode, RING_INFO", attach_enter },
	{ "attach: a driver's SQPOLL ring, owner exits", attach_sqpoll_exit },
	{ "attach: refusals give Priv back", attach_refusals },
	{ "attach: each fallible call fails in turn", attach_faults },
	{ NULL, NULL },
};
