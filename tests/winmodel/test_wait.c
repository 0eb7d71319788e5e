// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios: ENTER(GETEVENTS) as an overlapped, pended request (windows/irp_wait.c). Each
 * wait ends exactly once (the model stops the machine at a second IoCompleteRequest), with
 * the status of whoever ended it: completions posted (STATUS_SUCCESS), its one deadline
 * (STATUS_IO_TIMEOUT), CancelIoEx or the thread's exit (STATUS_CANCELLED), the ring's release
 * (STATUS_DATA_ERROR) or the handle's cleanup (STATUS_CANCELLED). Many rings' waits go to one
 * completion port. After each scenario: no request pending, no timer inserted, and the
 * unload's leak checks (pool, threads, pages).
 */
#include <sys/wait.h>
#include <time.h>

#include "wm_test.h"

struct ring {
	struct kumem_ring_create c;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
};

static void ring_new(struct wm_process *p, HANDLE h, uint32_t entries, uint32_t flags,
		     struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->c.sq_entries = entries;
	r->c.flags = flags;
	CHECK_EQ(IOC(p, h, KUMEM_IOC_RING_CREATE, r->c), 0, "RING_CREATE");
	r->ctrl = (void *)(uintptr_t)r->c.user_addr;
	r->sq = (void *)((uint8_t *)r->ctrl + r->c.sq_offset);
}

/* Publish @n NOPs (zeroed slots are NOPs) without handing them to the driver. */
static void publish_nops(struct ring *r, uint32_t n)
{
	uint32_t tail = r->ctrl->sq_tail;

	for (uint32_t i = 0; i < n; i++)
		memset(&r->sq[(tail + i) & (r->c.sq_entries - 1)], 0, sizeof(struct kumem_sqe));
	__atomic_store_n(&r->ctrl->sq_tail, tail + n, __ATOMIC_RELEASE);
}

/* ENTER(to_submit) without waiting: consumes what was published, posts completions. */
static NTSTATUS submit(struct wm_process *p, HANDLE h, struct ring *r, uint32_t n)
{
	struct kumem_ring_enter e = { .to_submit = n, .ring_id = (uint32_t)r->c.ring_fd };

	return IOC(p, h, KUMEM_IOC_RING_ENTER, e);
}

/* Consume every posted completion (the process's side). */
static void reap_all(struct ring *r)
{
	__atomic_store_n(&r->ctrl->cq_head, __atomic_load_n(&r->ctrl->cq_tail, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

struct pended {
	struct kumem_ring_enter e;
	struct wm_overlapped ov;
};

static NTSTATUS getevents(struct wm_process *p, HANDLE h, struct ring *r, uint32_t min,
			  int64_t timeout_ns, struct pended *w)
{
	memset(&w->e, 0, sizeof(w->e));
	w->e.flags = KUMEM_ENTER_GETEVENTS;
	w->e.min_complete = min;
	w->e.timeout_ns = timeout_ns;
	w->e.ring_id = (uint32_t)r->c.ring_fd;
	return wm_ioctl_overlapped(p, h, KUMEM_IOC_RING_ENTER, &w->e, sizeof(w->e), &w->e,
				   sizeof(w->e), &w->ov);
}

static uint64_t now_ms(void)
{
	return KeQueryInterruptTime() / 10000;
}

static void all_quiet(void)
{
	CHECK_EQ(wm_irps_pending(), 0, "requests still pending");
	CHECK_EQ(wm_timers_inserted(), 0, "timers still inserted");
}

/* Completions posted by another ENTER, and by the SQPOLL thread, end the wait. */
static void wait_by_notify(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct pended w1, w2, w3;
	struct ring r, s;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	ring_new(a, h, 8, 0, &r);
	CHECK_EQ(getevents(a, h, &r, 2, -1, &w1), STATUS_PENDING, "GETEVENTS 2: pended");
	CHECK_EQ(getevents(a, h, &r, 3, 5000ll * 1000 * 1000, &w2), STATUS_PENDING,
		 "GETEVENTS 3 with a deadline: pended");
	CHECK(!w1.ov.done && !w2.ov.done, "nothing completed yet");
	publish_nops(&r, 1);
	CHECK_EQ(submit(a, h, &r, 1), 0, "one NOP");
	CHECK(!wm_overlapped_wait(&w1.ov, 50), "one completion does not satisfy 2");
	publish_nops(&r, 1);
	CHECK_EQ(submit(a, h, &r, 1), 0, "a second NOP");
	CHECK(wm_overlapped_wait(&w1.ov, 2000), "the second completion ends the wait for 2");
	CHECK_EQ(w1.ov.status, STATUS_SUCCESS, "GETEVENTS 2");
	CHECK_EQ(w1.ov.info, sizeof(struct kumem_ring_enter), "the block comes back");
	CHECK_EQ(w1.e.flags, KUMEM_ENTER_GETEVENTS, "the block as sent");
	CHECK(!w2.ov.done, "the wait for 3 goes on");
	publish_nops(&r, 1);
	CHECK_EQ(submit(a, h, &r, 1), 0, "a third NOP");
	CHECK(wm_overlapped_wait(&w2.ov, 2000), "the third ends the wait for 3");
	CHECK_EQ(w2.ov.status, STATUS_SUCCESS, "GETEVENTS 3");
	CHECK_EQ(wm_timers_inserted(), 0, "its deadline's timer was cancelled");
	/* already satisfied: completed in dispatch, not pended */
	CHECK_EQ(getevents(a, h, &r, 3, -1, &w3), STATUS_SUCCESS, "GETEVENTS 3 of 3: at once");

	/* the SQPOLL thread's completions */
	ring_new(a, h, 8, KUMEM_RING_SQPOLL, &s);
	CHECK_EQ(getevents(a, h, &s, 4, -1, &w1), STATUS_PENDING, "SQPOLL ring: pended");
	publish_nops(&s, 4);
	{
		struct kumem_ring_enter e = { .flags = KUMEM_ENTER_WAKEUP,
					      .ring_id = (uint32_t)s.c.ring_fd };

		CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_ENTER, e), 0, "WAKEUP");
	}
	CHECK(wm_overlapped_wait(&w1.ov, 5000), "the SQPOLL thread's completions end it");
	CHECK_EQ(w1.ov.status, STATUS_SUCCESS, "GETEVENTS on the SQPOLL ring");
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

static void armed_twice(void *arg)
{
	(void)arg;
	CHECK(0, "a second KeSetTimer: the deadline was re-armed");
}

/* One deadline: the timer armed once, its DPC ends the wait; not re-armed by completions. */
static void wait_by_deadline(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct pended w;
	struct ring r;
	uint64_t t0, ms;
	HANDLE h;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	ring_new(a, h, 16, 0, &r);
	wm_hook("KeSetTimer", 2, armed_twice, NULL);
	t0 = now_ms();
	CHECK_EQ(getevents(a, h, &r, 16, 200ll * 1000 * 1000, &w), STATUS_PENDING, "pended");
	CHECK_EQ(wm_timers_inserted(), 1, "one timer for its deadline");
	/* completions that do not satisfy it do not move the deadline */
	for (i = 0; i < 6; i++) {
		usleep(30 * 1000);
		publish_nops(&r, 1);
		CHECK_EQ(submit(a, h, &r, 1), 0, "a NOP");
	}
	CHECK(wm_overlapped_wait(&w.ov, 5000), "the deadline ends the wait");
	ms = now_ms() - t0;
	CHECK_EQ(w.ov.status, STATUS_IO_TIMEOUT, "deadline: STATUS_IO_TIMEOUT (-ETIMEDOUT)");
	CHECK_EQ(w.ov.info, 0, "nothing copied back on a timeout");
	CHECK(ms >= 195, "a 200 ms deadline ended after %llu ms", (unsigned long long)ms);
	/* bounded loosely: a busy host stretches it; a second arming is the hook's to catch */
	CHECK(ms < 4000, "a 200 ms deadline took %llu ms", (unsigned long long)ms);
	CHECK_EQ(wm_timers_inserted(), 0, "the timer expired");
	/* a deadline already past when ENTER starts: no pending at all */
	CHECK_EQ(getevents(a, h, &r, 16, 0, &w), STATUS_IO_TIMEOUT, "timeout 0: at once");
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* CancelIoEx: STATUS_CANCELLED, the deadline's timer gone with it; a second cancel finds
 * nothing. */
static void wait_by_cancel(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct pended w1, w2;
	struct ring r;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	ring_new(a, h, 8, 0, &r);
	CHECK_EQ(getevents(a, h, &r, 1, -1, &w1), STATUS_PENDING, "pended, no deadline");
	CHECK_EQ(getevents(a, h, &r, 1, 60ll * 1000 * 1000 * 1000, &w2), STATUS_PENDING,
		 "pended, 60 s deadline");
	CHECK(wm_cancel_io(a, h, &w2.ov), "CancelIoEx finds the second");
	CHECK(wm_overlapped_wait(&w2.ov, 2000), "cancelled");
	CHECK_EQ(w2.ov.status, STATUS_CANCELLED, "STATUS_CANCELLED (ERROR_OPERATION_ABORTED)");
	CHECK_EQ(wm_timers_inserted(), 0, "its 60 s timer was cancelled with it");
	CHECK(!w1.ov.done, "the other wait goes on");
	CHECK(!wm_cancel_io(a, h, &w2.ov), "a second CancelIoEx finds nothing");
	CHECK(wm_cancel_io(a, h, &w1.ov), "CancelIoEx the first");
	CHECK(wm_overlapped_wait(&w1.ov, 2000), "cancelled");
	CHECK_EQ(w1.ov.status, STATUS_CANCELLED, "STATUS_CANCELLED");
	/* the ring still works */
	publish_nops(&r, 1);
	CHECK_EQ(submit(a, h, &r, 1), 0, "a NOP after the cancels");
	CHECK_EQ(getevents(a, h, &r, 1, -1, &w1), STATUS_SUCCESS, "and its completion");
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* RELEASE, IRP_MJ_CLEANUP and the process's exit each end every wait of theirs. */
static void wait_by_close(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct pended w[4];
	struct ring r, s;
	HANDLE h, hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	ring_new(a, h, 8, 0, &r);
	ring_new(a, h, 8, KUMEM_RING_SQPOLL, &s);
	CHECK_EQ(getevents(a, h, &r, 1, -1, &w[0]), STATUS_PENDING, "pended on r");
	CHECK_EQ(getevents(a, h, &r, 2, 30ll * 1000 * 1000 * 1000, &w[1]), STATUS_PENDING,
		 "pended on r, deadline");
	CHECK_EQ(getevents(a, h, &s, 1, -1, &w[2]), STATUS_PENDING, "pended on s");
	CHECK_EQ(wt_release(a, h, (uint32_t)r.c.ring_fd), 0, "RELEASE r");
	CHECK(wm_overlapped_wait(&w[0].ov, 2000) && wm_overlapped_wait(&w[1].ov, 2000),
	      "RELEASE ended both waits on r");
	CHECK_EQ(w[0].ov.status, STATUS_DATA_ERROR, "RELEASE: STATUS_DATA_ERROR (-EBADFD)");
	CHECK_EQ(w[1].ov.status, STATUS_DATA_ERROR, "RELEASE: STATUS_DATA_ERROR (-EBADFD)");
	CHECK(!w[2].ov.done, "the wait on s goes on");
	/* the last handle: IRP_MJ_CLEANUP must complete it (the model checks none is left) */
	wm_close(a, h);
	CHECK(w[2].ov.done, "cleanup ended the wait on s");
	CHECK_EQ(w[2].ov.status, STATUS_CANCELLED, "cleanup: STATUS_CANCELLED");

	/* a process exiting with a wait pending: its thread's exit cancels it */
	hb = wt_open(b);
	ring_new(b, hb, 8, 0, &r);
	CHECK_EQ(getevents(b, hb, &r, 1, 30ll * 1000 * 1000 * 1000, &w[3]), STATUS_PENDING,
		 "b pends");
	wm_process_exit(b);
	CHECK(w[3].ov.done, "exit ended b's wait");
	CHECK_EQ(w[3].ov.status, STATUS_CANCELLED, "thread exit: STATUS_CANCELLED");
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* A ring whose indices are corrupt dies; its waiters learn it (STATUS_DATA_ERROR). */
static void wait_dead_ring(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct pended w;
	struct ring r;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	ring_new(a, h, 8, 0, &r);
	CHECK_EQ(getevents(a, h, &r, 1, -1, &w), STATUS_PENDING, "pended");
	__atomic_store_n(&r.ctrl->sq_tail, 1000, __ATOMIC_RELEASE); /* 1000 of 8: impossible */
	CHECK_EQ(submit(a, h, &r, 1), STATUS_DATA_ERROR, "ENTER on corrupt indices: EBADFD");
	CHECK(wm_overlapped_wait(&w.ov, 2000), "the waiter was told");
	CHECK_EQ(w.ov.status, STATUS_DATA_ERROR, "the waiter: EBADFD");
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- between ENTER's look at the CQ and the queueing ----------------------------------------- */

struct between {
	struct wm_process *p;
	HANDLE h;
	struct ring *r;
	bool release;		      /* release the ring instead of posting a completion */
	struct wm_overlapped *cancel; /* or CancelIoEx this request (before it has a routine) */
};

/* Runs in the waiter's own dispatch, just before IoCsqInsertIrp: the notify path finds no
 * waiter queued yet. Only the waiter's second look after queueing can save it. */
static void between_look_and_queue(void *arg)
{
	struct between *b = arg;

	if (b->cancel) {
		CHECK(wm_cancel_io(b->p, b->h, b->cancel), "CancelIoEx finds the request");
		return;
	}
	if (b->release) {
		CHECK_EQ(wt_release(b->p, b->h, (uint32_t)b->r->c.ring_fd), 0, "RELEASE meanwhile");
		return;
	}
	publish_nops(b->r, 1);
	CHECK_EQ(submit(b->p, b->h, b->r, 1), 0, "a NOP meanwhile");
}

static void wait_no_lost_wakeup(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct between b = { .p = a };
	struct pended w;
	struct ring r;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	b.h = wt_open(a);
	ring_new(a, b.h, 8, 0, &r);
	b.r = &r;
	wm_hook("IoCsqInsertIrp", 1, between_look_and_queue, &b);
	CHECK_EQ(getevents(a, b.h, &r, 1, -1, &w), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&w.ov, 1000),
	      "a completion posted between the look and the queueing was lost");
	CHECK_EQ(w.ov.status, STATUS_SUCCESS, "completed by its own second look");
	reap_all(&r);
	b.release = true;
	wm_hook("IoCsqInsertIrp", 1, between_look_and_queue, &b); /* counts from here */
	CHECK_EQ(getevents(a, b.h, &r, 1, 30ll * 1000 * 1000 * 1000, &w), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&w.ov, 1000), "a release between the look and the queueing was "
					       "missed");
	CHECK_EQ(w.ov.status, STATUS_DATA_ERROR, "EBADFD");
	/* cancelled before the queue set its cancel routine: the queue completes it at insertion */
	ring_new(a, b.h, 8, 0, &r);
	b.release = false;
	b.cancel = &w.ov;
	wm_hook("IoCsqInsertIrp", 1, between_look_and_queue, &b);
	CHECK_EQ(getevents(a, b.h, &r, 1, 30ll * 1000 * 1000 * 1000, &w), STATUS_PENDING, "pended");
	CHECK(wm_overlapped_wait(&w.ov, 1000), "a cancel before the queueing was missed");
	CHECK_EQ(w.ov.status, STATUS_CANCELLED, "cancelled by the queue at insertion");
	wm_close(a, b.h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- cancel racing completion and the deadline -------------------------------------------- */

struct race {
	struct wm_process *p;
	HANDLE h;
	struct ring *r;
	volatile int stop;
	struct pended *cur; /* the wait the canceller aims at */
	long cancels;
};

static void *race_submitter(void *arg)
{
	struct race *x = arg;

	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		usleep(rand() % 1500);
		publish_nops(x->r, 1);
		CHECK_EQ(submit(x->p, x->h, x->r, 1), 0, "submitter's NOP");
	}
	return NULL;
}

static void *race_canceller(void *arg)
{
	struct race *x = arg;

	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		struct pended *w = __atomic_load_n(&x->cur, __ATOMIC_ACQUIRE);

		if (w && wm_cancel_io(x->p, x->h, &w->ov))
			__atomic_add_fetch(&x->cancels, 1, __ATOMIC_RELAXED);
		usleep(rand() % 400);
	}
	return NULL;
}

/*
 * Three threads end the same waits: NOPs posted (success), CancelIoEx (cancelled) and a
 * deadline of 0.3 or 2 ms, or none (timeout). Each wait must end once, with one of the three, and
 * nothing may be left: the model stops the machine at a second completion, a completion with a
 * cancel routine set, a timer freed while inserted, a DPC's pool freed while it runs.
 */
static void wait_race(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct race x = { .p = a };
	struct wm_thread *t1, *t2;
	long n[3] = { 0 }, i;
	static struct pended w[400];
	struct ring r;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	srand(1);
	x.h = wt_open(a);
	ring_new(a, x.h, 64, 0, &r);
	x.r = &r;
	t1 = wm_thread_start(a, race_submitter, &x);
	t2 = wm_thread_start(a, race_canceller, &x);
	for (i = 0; i < 400; i++) {
		NTSTATUS st;

		reap_all(&r);
		st = getevents(a, x.h, &r, 1,
			       i % 3 == 0   ? -1
			       : i % 3 == 1 ? 300000
					    : 2000000,
			       &w[i]);

		__atomic_store_n(&x.cur, &w[i], __ATOMIC_RELEASE);
		CHECK(wm_overlapped_wait(&w[i].ov, 5000), "wait %ld ended (dispatch said %#x)", i,
		      (unsigned)st);
		__atomic_store_n(&x.cur, NULL, __ATOMIC_RELEASE);
		switch (w[i].ov.status) {
		case STATUS_SUCCESS:
			n[0]++;
			break;
		case STATUS_CANCELLED:
			n[1]++;
			break;
		case STATUS_IO_TIMEOUT:
			n[2]++;
			break;
		default:
			CHECK(0, "wait %ld ended with %#x", i, (unsigned)w[i].ov.status);
		}
	}
	__atomic_store_n(&x.stop, 1, __ATOMIC_RELEASE);
	wm_thread_join(t1);
	wm_thread_join(t2);
	fprintf(stderr, "race: %ld completed, %ld cancelled, %ld timed out (%ld cancels hit)\n",
		n[0], n[1], n[2], x.cancels);
	CHECK(n[0] > 0 && n[1] > 0 && n[2] > 0, "each of the three ended some waits");
	/* CancelIoEx finds a request the notify path may still complete first */
	CHECK(n[1] <= x.cancels, "more cancelled waits than cancels");
	wm_close(a, x.h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- many rings, one completion port ------------------------------------------------------ */

#define NRINGS 8

static void wait_port(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_port *port = wm_port_create();
	struct pended w[NRINGS], now;
	struct ring r[NRINGS];
	struct wm_overlapped *ov;
	ULONG_PTR key;
	int i, seen = 0, cancelled = 0;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_port_associate(port, a, h, 0x4b55);
	for (i = 0; i < NRINGS; i++) {
		ring_new(a, h, 8, 0, &r[i]);
		CHECK_EQ(getevents(a, h, &r[i], 1, -1, &w[i]), STATUS_PENDING, "one wait per ring");
	}
	CHECK(!wm_port_get(port, &key, 50), "no packet before any completion");
	/* rings 5, 2 and 7 get a completion each, in that order */
	for (i = 5; i >= 0; i = i == 5 ? 2 : i == 2 ? 7 : -1) {
		publish_nops(&r[i], 1);
		CHECK_EQ(submit(a, h, &r[i], 1), 0, "a NOP");
		ov = wm_port_get(port, &key, 2000);
		CHECK(ov == &w[i].ov, "the packet names ring %d's wait", i);
		CHECK_EQ(key, 0x4b55, "with the handle's key");
		CHECK_EQ(ov->status, STATUS_SUCCESS, "completed");
		seen |= 1 << i;
	}
	/* the rest are cancelled: one packet each */
	for (i = 0; i < NRINGS; i++)
		if (!(seen & 1 << i))
			CHECK(wm_cancel_io(a, h, &w[i].ov), "cancel ring %d's wait", i);
	while ((ov = wm_port_get(port, &key, 200))) {
		CHECK_EQ(ov->status, STATUS_CANCELLED, "a cancelled wait's packet");
		cancelled++;
	}
	CHECK_EQ(cancelled, NRINGS - 3, "one packet per cancelled wait");
	/* satisfied at once: completed in dispatch, and still a packet (no error) */
	CHECK_EQ(getevents(a, h, &r[5], 1, -1, &now), STATUS_SUCCESS, "at once");
	CHECK(wm_port_get(port, &key, 1000) == &now.ov, "a packet for it too");
	/* failed in dispatch: no packet */
	now.e.ring_id = 999;
	CHECK_EQ(wm_ioctl_overlapped(a, h, KUMEM_IOC_RING_ENTER, &now.e, sizeof(now.e), &now.e,
				     sizeof(now.e), &now.ov),
		 STATUS_NOT_FOUND, "no such ring");
	CHECK(!wm_port_get(port, &key, 50), "no packet for a request failed in dispatch");
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- enter mode: a waiter gets its batches ------------------------------------------------ */

static void wait_batches(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_enter e = { 0 };
	struct kumem_sqe *s;
	struct ring r;
	uint32_t id;
	NTSTATUS st;
	HANDLE h;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_alloc(a, h, 64u << 20, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, NULL);
	CHECK_EQ(st, 0, "64 MiB region");
	ring_new(a, h, 8, 0, &r);
	for (int round = 0; round < 2; round++) {
		for (i = 0; i < 3; i++) {
			s = &r.sq[(r.ctrl->sq_tail + i) & 7];
			memset(s, 0, sizeof(*s));
			s->op = KUMEM_OP_FILL;
			s->region = id;
			s->len = 64u << 20;
			s->value = (uint32_t)i;
		}
		__atomic_store_n(&r.ctrl->sq_tail, r.ctrl->sq_tail + 3, __ATOMIC_RELEASE);
		e.to_submit = 3;
		e.ring_id = (uint32_t)r.c.ring_fd;
		e.flags = round ? KUMEM_ENTER_GETEVENTS : 0;
		e.min_complete = round ? 3 : 0;
		e.timeout_ns = -1;
		CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_ENTER, e), 0, "ENTER 3 x 64 MiB");
		if (!round) {
			/* one batch is 64 MiB of work: a short count, the rest queued */
			CHECK_EQ(e.submitted, 1, "without GETEVENTS: one batch");
			e.to_submit = 2;
			e.flags = KUMEM_ENTER_GETEVENTS;
			e.min_complete = 3;
			CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_ENTER, e), 0, "the rest, waiting");
			CHECK_EQ(e.submitted, 2, "a waiter gets the batches it needs");
		} else {
			CHECK_EQ(e.submitted, 3, "with GETEVENTS: all three batches");
		}
		reap_all(&r);
	}
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- every fallible call failing in turn --------------------------------------------------- */

static int wait_fault_one(int n, const void *unused)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8 };
	struct pended w;
	struct ring r;
	bool fired_here;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_fail_plan(n, 0);
	st = IOC(a, h, KUMEM_IOC_RING_CREATE, c);
	if (NT_SUCCESS(st)) {
		memset(&r, 0, sizeof(r));
		r.c = c;
		r.ctrl = (void *)(uintptr_t)c.user_addr;
		r.sq = (void *)((uint8_t *)r.ctrl + c.sq_offset);
		st = getevents(a, h, &r, 1, 10ll * 1000 * 1000 * 1000, &w);
		if (st == STATUS_PENDING) {
			publish_nops(&r, 1);
			CHECK_EQ(submit(a, h, &r, 1), 0, "NOP");
			CHECK(wm_overlapped_wait(&w.ov, 2000), "completed");
			CHECK_EQ(w.ov.status, 0, "success");
		} else {
			CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES,
				 "GETEVENTS failing to pend: ENOMEM");
		}
	} else {
		CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES, "RING_CREATE: ENOMEM");
	}
	fired_here = wm_fail_fired();
	wm_fail_plan(0, 0);
	wm_close(a, h);
	all_quiet();
	wm_process_exit(a);
	wm_driver_unload();
	(void)unused;
	return fired_here ? 0 : 1; /* 1: the plan's n-th call was never made */
}

static void wait_faults(void)
{
	int fired = wt_each_fallible_call(199, wait_fault_one, NULL);

	CHECK(fired >= 5, "only %d fallible calls on the path", fired);
	fprintf(stderr, "faults: %d fallible calls failed in turn\n", fired);
}

const struct wt_scenario wt_wait[] = {
	{ "wait: completed by completions (ENTER, SQPOLL)", wait_by_notify },
	{ "wait: one deadline, its DPC", wait_by_deadline },
	{ "wait: CancelIoEx", wait_by_cancel },
	{ "wait: release, cleanup, exit", wait_by_close },
	{ "wait: dead ring", wait_dead_ring },
	{ "wait: no lost wake-up between look and queueing", wait_no_lost_wakeup },
	{ "wait: cancel races completion and deadline", wait_race },
	{ "wait: many rings, one completion port", wait_port },
	{ "wait: enter-mode batches for a waiter", wait_batches },
	{ "wait: each fallible call fails in turn", wait_faults },
	{ NULL, NULL },
};
