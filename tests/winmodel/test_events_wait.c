// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios: KUMEM_IOC_EVENTS_WAIT as an overlapped, pended request (windows/events.c on
 * irp_wait.c). Each wait ends exactly once (the model stops the machine at a second
 * IoCompleteRequest), with the status of whoever ended it: a commit that makes a record ready
 * (STATUS_SUCCESS, ready = 1), its one deadline (STATUS_SUCCESS, ready = 0), CancelIoEx or
 * the thread's exit (STATUS_CANCELLED), the stream's release, cleanup or death
 * (STATUS_DATA_ERROR). Streams and a ring share one completion port. After each scenario: no
 * request pending, no timer inserted, and the unload's leak checks (pool, threads, pages).
 */
#include <sys/wait.h>

#include "wt_events.h"

struct pended {
	struct kumem_events_wait w;
	struct wm_overlapped ov;
};

static NTSTATUS wait_start(struct stream *s, int64_t timeout_ns, struct pended *p)
{
	memset(&p->w, 0, sizeof(p->w));
	p->w.events_id = (uint32_t)s->a.events_fd;
	p->w.timeout_ns = timeout_ns;
	p->w.ready = 0xdead; /* the driver's answer overwrites it */
	return wm_ioctl_overlapped(s->p, s->h, KUMEM_IOC_EVENTS_WAIT, &p->w, sizeof(p->w), &p->w,
				   sizeof(p->w), &p->ov);
}

static int drop_record(void *ctx, const void *payload, uint32_t len)
{
	(void)ctx;
	(void)payload;
	(void)len;
	return 0;
}

/* The process takes every committed record (its consumer_pos catches up). */
static void consume_all(struct stream *s)
{
	while (kumem_ev_consume(&s->ev, drop_record, NULL, 64) > 0)
		;
}

static void all_quiet(void)
{
	CHECK_EQ(wm_irps_pending(), 0, "requests still pending");
	CHECK_EQ(wm_timers_inserted(), 0, "timers still inserted");
}

static uint64_t now_ms(void)
{
	return KeQueryInterruptTime() / 10000;
}

/* A commit from a DPC completes the pended wait: ready = 1, the deadline's timer gone. */
static void evw_by_commit(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t rec[24] = { 1 };
	struct pended p1, p2;
	PKUMEM_EVENTS e;
	struct stream s;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	e = stream_ref(&s);
	CHECK_EQ(wait_start(&s, -1, &p1), STATUS_PENDING, "nothing ready, no deadline: pended");
	CHECK_EQ(wait_start(&s, 60ll * 1000 * 1000 * 1000, &p2), STATUS_PENDING,
		 "a second wait with a 60 s deadline: pended");
	CHECK_EQ(wm_timers_inserted(), 1, "one timer, for the second's deadline");
	CHECK(!wm_overlapped_wait(&p1.ov, 50), "nothing committed, nothing completed");
	CHECK_EQ(emit_at_dispatch(e, rec, sizeof(rec)), 0, "a record from a DPC");
	CHECK(p1.ov.done && p2.ov.done, "the commit completed both, in the DPC");
	CHECK_EQ(p1.ov.status, STATUS_SUCCESS, "first");
	CHECK_EQ(p1.ov.info, sizeof(struct kumem_events_wait), "the block comes back");
	CHECK_EQ(p1.w.ready, 1, "ready");
	CHECK_EQ(p2.ov.status, STATUS_SUCCESS, "second");
	CHECK_EQ(p2.w.ready, 1, "ready");
	CHECK_EQ(wm_timers_inserted(), 0, "the 60 s timer was cancelled");
	/* ready already: completed in dispatch, not pended */
	CHECK_EQ(wait_start(&s, -1, &p1), STATUS_SUCCESS, "a record waiting: at once");
	CHECK_EQ(p1.w.ready, 1, "ready");
	/* a commit the consumer had not caught up with wakes nobody; the stream still works */
	consume_all(&s);
	CHECK_EQ(wait_start(&s, 0, &p1), STATUS_SUCCESS, "timeout 0: a look, never pended");
	CHECK_EQ(p1.w.ready, 0, "nothing ready");
	KumemEventsPut(e);
	wm_close(a, s.h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

static void armed_twice(void *arg)
{
	(void)arg;
	CHECK(0, "a second KeSetTimer: the deadline was re-armed");
}

/* One deadline, armed once; it ends the wait with ready = 0 (poll's timeout, not an error). */
static void evw_by_deadline(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct pended p;
	struct stream s;
	uint64_t t0, ms;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	wm_hook("KeSetTimer", 2, armed_twice, NULL);
	t0 = now_ms();
	CHECK_EQ(wait_start(&s, 200ll * 1000 * 1000, &p), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&p.ov, 5000), "the deadline ends the wait");
	ms = now_ms() - t0;
	CHECK_EQ(p.ov.status, STATUS_SUCCESS, "a timeout is not an error");
	CHECK_EQ(p.ov.info, sizeof(struct kumem_events_wait), "the block comes back");
	CHECK_EQ(p.w.ready, 0, "ready = 0: the timeout passed");
	CHECK(ms >= 195, "a 200 ms deadline ended after %llu ms", (unsigned long long)ms);
	/* bounded loosely: a busy host stretches it; a second arming is the hook's to catch */
	CHECK(ms < 4000, "a 200 ms deadline took %llu ms", (unsigned long long)ms);
	wm_close(a, s.h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* CancelIoEx: STATUS_CANCELLED (-EINTR), the timer with it; a second cancel finds nothing. */
static void evw_by_cancel(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t rec[8] = { 0 };
	struct pended p1, p2;
	PKUMEM_EVENTS e;
	struct stream s;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	CHECK_EQ(wait_start(&s, -1, &p1), STATUS_PENDING, "pended, no deadline");
	CHECK_EQ(wait_start(&s, 60ll * 1000 * 1000 * 1000, &p2), STATUS_PENDING, "pended, 60 s");
	CHECK(wm_cancel_io(a, s.h, &p2.ov), "CancelIoEx finds the second");
	CHECK(wm_overlapped_wait(&p2.ov, 2000), "cancelled");
	CHECK_EQ(p2.ov.status, STATUS_CANCELLED, "STATUS_CANCELLED (ERROR_OPERATION_ABORTED)");
	CHECK_EQ(wm_timers_inserted(), 0, "its timer went with it");
	CHECK(!p1.ov.done, "the other wait goes on");
	CHECK(!wm_cancel_io(a, s.h, &p2.ov), "a second CancelIoEx finds nothing");
	CHECK(wm_cancel_io(a, s.h, &p1.ov), "CancelIoEx the first");
	CHECK(wm_overlapped_wait(&p1.ov, 2000), "cancelled");
	CHECK_EQ(p1.ov.status, STATUS_CANCELLED, "STATUS_CANCELLED");
	/* the stream still works */
	e = stream_ref(&s);
	CHECK_EQ(emit_at_dispatch(e, rec, sizeof(rec)), 0, "a record after the cancels");
	CHECK_EQ(wait_start(&s, -1, &p1), STATUS_SUCCESS, "and a wait sees it");
	CHECK_EQ(p1.w.ready, 1, "ready");
	KumemEventsPut(e);
	wm_close(a, s.h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* RELEASE, IRP_MJ_CLEANUP, the stream's death and the process's exit each end its waits. */
static void evw_by_close(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_events_gen g = { .count = 100, .record_len = 16 };
	struct stream s, t, u, v;
	struct pended p[5];
	PKUMEM_EVENTS e;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE s");
	CHECK_EQ(stream_create(a, s.h, 4 * PAGE, &t), 0, "EVENTS_CREATE t");
	CHECK_EQ(stream_create(a, s.h, 4 * PAGE, &u), 0, "EVENTS_CREATE u");
	e = stream_ref(&s); /* a kernel producer holds s past its release */
	CHECK_EQ(wait_start(&s, -1, &p[0]), STATUS_PENDING, "pended on s");
	CHECK_EQ(wait_start(&s, 30ll * 1000 * 1000 * 1000, &p[1]), STATUS_PENDING,
		 "pended on s, deadline");
	CHECK_EQ(wait_start(&t, -1, &p[2]), STATUS_PENDING, "pended on t");
	CHECK_EQ(stream_release(&s), 0, "RELEASE s");
	CHECK(p[0].ov.done && p[1].ov.done, "RELEASE ended both waits on s");
	CHECK_EQ(p[0].ov.status, STATUS_DATA_ERROR, "RELEASE: STATUS_DATA_ERROR (-EBADFD)");
	CHECK_EQ(p[1].ov.status, STATUS_DATA_ERROR, "RELEASE: STATUS_DATA_ERROR (-EBADFD)");
	CHECK(!p[2].ov.done, "the wait on t goes on");
	CHECK_EQ(emit_at_dispatch(e, &g, 8), -KUMEM_EBADFD, "the producer is told");
	KumemEventsPut(e);
	/* death: the process writes an impossible consumer_pos, the generator finds it */
	CHECK_EQ(wait_start(&u, -1, &p[3]), STATUS_PENDING, "pended on u");
	__atomic_store_n(u.cons, (uint64_t)1 << 40, __ATOMIC_RELEASE);
	g.events_id = (uint32_t)u.a.events_fd;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "a generator into u");
	CHECK(wm_overlapped_wait(&p[3].ov, 5000), "the dead stream's waiter is told");
	CHECK_EQ(p[3].ov.status, STATUS_DATA_ERROR, "death: STATUS_DATA_ERROR (-EBADFD)");
	/* the last handle: IRP_MJ_CLEANUP must complete the wait on t (the model checks) */
	wm_close(a, s.h);
	CHECK(p[2].ov.done, "cleanup ended the wait on t");
	CHECK_EQ(p[2].ov.status, STATUS_DATA_ERROR, "cleanup: STATUS_DATA_ERROR (-EBADFD)");

	/* a process exiting with a wait pending: its thread's exit cancels it */
	CHECK_EQ(stream_create(b, wt_open(b), 4 * PAGE, &v), 0, "b's stream");
	CHECK_EQ(wait_start(&v, 30ll * 1000 * 1000 * 1000, &p[4]), STATUS_PENDING, "b pends");
	wm_process_exit(b);
	CHECK(p[4].ov.done, "exit ended b's wait");
	CHECK_EQ(p[4].ov.status, STATUS_CANCELLED, "thread exit: STATUS_CANCELLED");
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- between EVENTS_WAIT's look and the queueing ----------------------------------------- */

struct between {
	struct stream *s;
	PKUMEM_EVENTS e;
	bool release;		      /* release the stream instead of committing a record */
	struct wm_overlapped *cancel; /* or CancelIoEx this request (before it has a routine) */
};

/* Runs in the waiter's own dispatch, just before IoCsqInsertIrp: the commit finds no waiter
 * queued yet. Only the waiter's second look after queueing can save it. */
static void between_look_and_queue(void *arg)
{
	struct between *b = arg;
	uint8_t rec[16] = { 7 };

	if (b->cancel) {
		CHECK(wm_cancel_io(b->s->p, b->s->h, b->cancel), "CancelIoEx finds the request");
		return;
	}
	if (b->release) {
		CHECK_EQ(stream_release(b->s), 0, "RELEASE meanwhile");
		return;
	}
	CHECK_EQ(emit_at_dispatch(b->e, rec, sizeof(rec)), 0, "a commit meanwhile");
}

static void evw_no_lost_wakeup(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct between b = { 0 };
	struct pended p;
	struct stream s, s2;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	b.s = &s;
	b.e = stream_ref(&s);
	wm_hook("IoCsqInsertIrp", 1, between_look_and_queue, &b);
	CHECK_EQ(wait_start(&s, -1, &p), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&p.ov, 1000),
	      "a commit between the look and the queueing was lost");
	CHECK_EQ(p.ov.status, STATUS_SUCCESS, "completed by its own second look");
	CHECK_EQ(p.w.ready, 1, "ready");
	KumemEventsPut(b.e);
	consume_all(&s);
	b.release = true;
	wm_hook("IoCsqInsertIrp", 1, between_look_and_queue, &b); /* counts from here */
	CHECK_EQ(wait_start(&s, 30ll * 1000 * 1000 * 1000, &p), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&p.ov, 1000), "a release between the look and the queueing was "
					       "missed");
	CHECK_EQ(p.ov.status, STATUS_DATA_ERROR, "EBADFD");
	/* cancelled before the queue set its cancel routine: completed at insertion */
	CHECK_EQ(stream_create(a, s.h, 4 * PAGE, &s2), 0, "another stream");
	b.s = &s2;
	b.release = false;
	b.cancel = &p.ov;
	wm_hook("IoCsqInsertIrp", 1, between_look_and_queue, &b);
	CHECK_EQ(wait_start(&s2, 30ll * 1000 * 1000 * 1000, &p), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&p.ov, 1000), "a cancel before the queueing was missed");
	CHECK_EQ(p.ov.status, STATUS_CANCELLED, "cancelled by the queue at insertion");
	wm_close(a, s.h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- commit racing cancel and the deadline ------------------------------------------------ */

struct race {
	struct stream *s;
	PKUMEM_EVENTS e;
	volatile int stop;
	struct pended *cur; /* the wait the canceller aims at */
	long cancels;
};

static void *race_producer(void *arg)
{
	struct race *x = arg;
	uint8_t rec[16] = { 0 };

	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		usleep(rand() % 1500);
		emit_at_dispatch(x->e, rec, sizeof(rec)); /* -ENOSPC when full: fine */
	}
	return NULL;
}

static void *race_canceller(void *arg)
{
	struct race *x = arg;

	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		struct pended *p = __atomic_load_n(&x->cur, __ATOMIC_ACQUIRE);

		if (p && wm_cancel_io(x->s->p, x->s->h, &p->ov))
			__atomic_add_fetch(&x->cancels, 1, __ATOMIC_RELAXED);
		usleep(rand() % 400);
	}
	return NULL;
}

/*
 * Three threads end the same waits: a producer committing from "DPCs" (ready), CancelIoEx
 * (cancelled) and a deadline of 0.3 or 2 ms, or none (ready = 0). Each wait must end once,
 * with one of the three; the model stops the machine at a second completion, a completion with
 * a cancel routine set, a timer freed while inserted, a DPC's pool freed while it runs.
 */
static void evw_race(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct race x = { 0 };
	struct wm_thread *t1, *t2;
	static struct pended p[400];
	long n[3] = { 0 }, i;
	struct stream s;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	srand(1);
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	x.s = &s;
	x.e = stream_ref(&s);
	t1 = wm_thread_start(a, race_producer, &x);
	t2 = wm_thread_start(a, race_canceller, &x);
	for (i = 0; i < 400; i++) {
		NTSTATUS st;

		consume_all(&s);
		st = wait_start(&s, i % 3 == 0 ? -1 : i % 3 == 1 ? 300000 : 2000000, &p[i]);
		__atomic_store_n(&x.cur, &p[i], __ATOMIC_RELEASE);
		CHECK(wm_overlapped_wait(&p[i].ov, 5000), "wait %ld ended (dispatch said %#x)", i,
		      (unsigned)st);
		__atomic_store_n(&x.cur, NULL, __ATOMIC_RELEASE);
		if (p[i].ov.status == STATUS_CANCELLED)
			n[1]++;
		else if (p[i].ov.status == STATUS_SUCCESS && p[i].w.ready <= 1)
			n[p[i].w.ready ? 0 : 2]++;
		else
			CHECK(0, "wait %ld ended with %#x, ready %u", i, (unsigned)p[i].ov.status,
			      p[i].w.ready);
	}
	__atomic_store_n(&x.stop, 1, __ATOMIC_RELEASE);
	wm_thread_join(t1);
	wm_thread_join(t2);
	fprintf(stderr, "race: %ld ready, %ld cancelled, %ld timed out (%ld cancels hit)\n", n[0],
		n[1], n[2], x.cancels);
	CHECK(n[0] > 0 && n[1] > 0 && n[2] > 0, "each of the three ended some waits");
	CHECK(n[1] <= x.cancels, "more cancelled waits than cancels");
	KumemEventsPut(x.e);
	wm_close(a, s.h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- several streams and a ring, one completion port ------------------------------------- */

#define NSTREAMS 4

static void evw_port(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_port *port = wm_port_create();
	struct kumem_ring_create rc = { .sq_entries = 8 };
	struct kumem_ring_enter re = { 0 }, sub = { 0 };
	struct wm_overlapped rov, *ov;
	struct stream s[NSTREAMS];
	struct pended p[NSTREAMS];
	struct kumem_ring_ctrl *ctrl;
	PKUMEM_EVENTS e;
	uint8_t rec[8] = { 0 };
	ULONG_PTR key;
	int i, cancelled = 0;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_port_associate(port, a, h, 0x4b55);
	for (i = 0; i < NSTREAMS; i++) {
		CHECK_EQ(stream_create(a, h, 4 * PAGE, &s[i]), 0, "EVENTS_CREATE");
		CHECK_EQ(wait_start(&s[i], -1, &p[i]), STATUS_PENDING, "one wait per stream");
	}
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, rc), 0, "RING_CREATE");
	re = (struct kumem_ring_enter){ .flags = KUMEM_ENTER_GETEVENTS,
					.min_complete = 1,
					.timeout_ns = -1,
					.ring_id = (uint32_t)rc.ring_fd };
	CHECK_EQ(wm_ioctl_overlapped(a, h, KUMEM_IOC_RING_ENTER, &re, sizeof(re), &re, sizeof(re),
				     &rov),
		 STATUS_PENDING, "and a ring's GETEVENTS");
	CHECK(!wm_port_get(port, &key, 50), "no packet before anything happened");
	/* stream 2, the ring, stream 0, in that order */
	e = stream_ref(&s[2]);
	CHECK_EQ(emit_at_dispatch(e, rec, sizeof(rec)), 0, "a record into stream 2");
	KumemEventsPut(e);
	ov = wm_port_get(port, &key, 2000);
	CHECK(ov == &p[2].ov, "the packet names stream 2's wait");
	CHECK_EQ(key, 0x4b55, "with the handle's key");
	CHECK_EQ(p[2].w.ready, 1, "ready");
	ctrl = (void *)(uintptr_t)rc.user_addr;
	memset((uint8_t *)ctrl + rc.sq_offset, 0, sizeof(struct kumem_sqe)); /* a NOP */
	__atomic_store_n(&ctrl->sq_tail, 1, __ATOMIC_RELEASE);
	sub.to_submit = 1;
	sub.ring_id = (uint32_t)rc.ring_fd;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_ENTER, sub), 0, "a NOP on the ring");
	CHECK(wm_port_get(port, &key, 2000) == &rov, "the next packet is the ring's");
	CHECK_EQ(rov.status, STATUS_SUCCESS, "GETEVENTS completed");
	e = stream_ref(&s[0]);
	CHECK_EQ(emit_at_dispatch(e, rec, sizeof(rec)), 0, "a record into stream 0");
	KumemEventsPut(e);
	CHECK(wm_port_get(port, &key, 2000) == &p[0].ov, "then stream 0's");
	/* the rest are cancelled: one packet each */
	for (i = 0; i < NSTREAMS; i++)
		if (i != 0 && i != 2)
			CHECK(wm_cancel_io(a, h, &p[i].ov), "cancel stream %d's wait", i);
	while ((ov = wm_port_get(port, &key, 200))) {
		CHECK_EQ(ov->status, STATUS_CANCELLED, "a cancelled wait's packet");
		cancelled++;
	}
	CHECK_EQ(cancelled, NSTREAMS - 2, "one packet per cancelled wait");
	/* failed in dispatch: no packet */
	p[0].w.events_id = 999;
	CHECK_EQ(wm_ioctl_overlapped(a, h, KUMEM_IOC_EVENTS_WAIT, &p[0].w, sizeof(p[0].w), &p[0].w,
				     sizeof(p[0].w), &p[0].ov),
		 STATUS_NOT_FOUND, "no such stream");
	CHECK(!wm_port_get(port, &key, 50), "no packet for a request failed in dispatch");
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- every fallible call failing in turn ------------------------------------------------- */

static int evw_fault_one(int n, const void *unused)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t rec[8] = { 0 };
	bool fired_here;
	struct pended p;
	struct stream s;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_fail_plan(n, STATUS_INSUFFICIENT_RESOURCES);
	st = stream_create(a, h, 4 * PAGE, &s);
	if (NT_SUCCESS(st)) {
		st = wait_start(&s, 10ll * 1000 * 1000 * 1000, &p);
		if (st == STATUS_PENDING) {
			PKUMEM_EVENTS e = stream_ref(&s);

			CHECK_EQ(emit_at_dispatch(e, rec, sizeof(rec)), 0, "emit");
			KumemEventsPut(e);
			CHECK(wm_overlapped_wait(&p.ov, 2000), "completed");
			CHECK_EQ(p.ov.status, 0, "success");
			CHECK_EQ(p.w.ready, 1, "ready");
		} else {
			CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES,
				 "EVENTS_WAIT failing to pend: ENOMEM");
		}
	} else {
		CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES, "EVENTS_CREATE: ENOMEM");
	}
	fired_here = wm_fail_fired();
	wm_fail_plan(0, 0);
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
	(void)unused;
	return fired_here ? 0 : 1; /* 1: the plan's n-th call was never made */
}

static void evw_faults(void)
{
	int fired = wt_each_fallible_call(199, evw_fault_one, NULL);

	CHECK(fired >= 5, "only %d fallible calls on the path", fired);
	fprintf(stderr, "faults: %d fallible calls failed in turn\n", fired);
}

const struct wt_scenario wt_events_wait[] = {
	{ "events wait: pended, completed by a commit from a DPC", evw_by_commit },
	{ "events wait: one deadline, ready = 0", evw_by_deadline },
	{ "events wait: CancelIoEx", evw_by_cancel },
	{ "events wait: release, death, cleanup, exit", evw_by_close },
	{ "events wait: no lost wake-up between look and queueing", evw_no_lost_wakeup },
	{ "events wait: commit races cancel and deadline", evw_race },
	{ "events wait: streams and a ring, one completion port", evw_port },
	{ "events wait: each fallible call fails in turn", evw_faults },
	{ NULL, NULL },
};
