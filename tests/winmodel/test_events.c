// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Event streams (windows/events.c) under the model's contracts: what tests/guest/t_events.c
 * and t_kernel_api.c cover on Linux. The process consumes through its own mappings with
 * core/evring.c, as libkumem does; kernel producers call the driver's API (the functions the
 * export driver will publish), at DISPATCH_LEVEL where a DPC would.
 */
#include <sys/wait.h>

#include "wt_events.h"

struct check {
	uint64_t next, seen, bad;
	uint32_t want_len; /* 0: any */
};

/* A record as the generator and emit_seq write it: seq, then bytes equal to (uint8_t)seq. */
static int check_record(void *ctx, const void *payload, uint32_t len)
{
	struct check *c = ctx;
	const uint8_t *p = payload;
	uint64_t seq;
	uint32_t i;

	memcpy(&seq, p, 8);
	if ((c->want_len && len != c->want_len) || seq != c->next)
		c->bad++;
	for (i = 8; i < len; i++)
		if (p[i] != (uint8_t)seq) {
			c->bad++;
			break;
		}
	c->next = seq + 1;
	c->seen++;
	return 0;
}

static void fill_seq(uint8_t *buf, uint32_t len, uint64_t seq)
{
	memcpy(buf, &seq, 8);
	memset(buf + 8, (uint8_t)seq, len - 8);
}

static NTSTATUS wait_ready(struct stream *s, int64_t timeout_ns, uint32_t *ready)
{
	struct kumem_events_wait w = { .events_id = (uint32_t)s->a.events_fd,
				       .timeout_ns = timeout_ns };
	NTSTATUS st = IOC(s->p, s->h, KUMEM_IOC_EVENTS_WAIT, w);

	*ready = w.ready;
	return st;
}

/* ---- layout and the double mapping ------------------------------------------------------- */

static void ev_layout(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_counts c0, c1;
	struct stream s;
	uint32_t i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	wm_counts(&c0);
	CHECK_EQ(stream_create(a, wt_open(a), 16 * PAGE, &s), 0, "EVENTS_CREATE");
	wm_counts(&c1);
	CHECK(s.a.events_fd > 0, "an id");
	CHECK_EQ(s.a.map_len, (2 + 2 * 16) * PAGE, "map_len: 2 control pages + data twice");
	CHECK_EQ(s.a.data_offset, 2 * PAGE, "data_offset");
	CHECK_EQ(a->user_mappings, 2, "two user mappings in the process");
	CHECK_EQ(c1.kernel_mappings - c0.kernel_mappings, 1, "one system mapping");
	CHECK_EQ(c1.phys_pages - c0.phys_pages, 2 + 16, "2 + 16 pages, not 2 + 32");
	/* the second copy of the data is the first one's frames, in the process's space */
	for (i = 0; i < 16; i++)
		CHECK_EQ(wm_user_pfn(a, s.data + i * PAGE),
			 wm_user_pfn(a, s.data + (16 + i) * PAGE),
			 "data page i and i + n are one frame");
	CHECK(wm_user_pfn(a, s.data) != wm_user_pfn(a, s.data + PAGE), "distinct data frames");
	CHECK(wm_user_writable(a, s.cons, PAGE), "the consumer page is writable");
	CHECK(!wm_user_writable(a, s.prod, 8), "the producer page is read-only for the process");
	CHECK(!wm_user_writable(a, s.data, 8), "the data are read-only");
	CHECK(!wm_user_writable(a, s.data + 16 * PAGE, 8), "both copies");
	for (i = 0; i < 34 * PAGE - PAGE; i++)
		if (((uint8_t *)s.prod)[i])
			break;
	CHECK_EQ(i, 33 * PAGE, "zeroed");
	CHECK_EQ(stream_release(&s), 0, "RELEASE");
	CHECK_EQ(a->user_mappings, 0, "both unmapped at release");
	CHECK_EQ(stream_release(&s), STATUS_NOT_FOUND, "a second RELEASE: ENOENT");
	wm_close(a, s.h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* Every size, across the wrap, through the second copy; the kernel writes, the process reads. */
static void ev_produce_consume(void)
{
	static const uint32_t sizes[] = { 8, 24, 200, 1000, 4096 };
	struct wm_process *a = wm_process_create("a.exe", false);
	static uint8_t buf[4096];
	PKUMEM_EVENTS e;
	struct stream s;
	size_t k;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 8 * PAGE, &s), 0, "EVENTS_CREATE 32 KiB");
	e = stream_ref(&s);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct check c = { .want_len = sizes[k] };
		uint64_t seq, wrapped = 0;

		for (seq = 0; seq < 200; seq++) {
			uint64_t at = s.ev.pos & s.ev.mask;

			fill_seq(buf, sizes[k], seq);
			CHECK_EQ(emit_at_dispatch(e, buf, sizes[k]), 0, "emit at DISPATCH_LEVEL");
			wrapped += at + kumem_ev_record_total(sizes[k]) > s.ev.size;
			CHECK_EQ(kumem_ev_consume(&s.ev, check_record, &c, 64), 1, "one record");
		}
		CHECK_EQ(c.seen, 200, "200 records");
		CHECK_EQ(c.bad, 0, "in order, intact");
		/* records straddle the end unless their size divides the area's */
		CHECK(s.ev.size % kumem_ev_record_total(sizes[k]) == 0 || wrapped > 0,
		      "%u-byte records crossed the end", sizes[k]);
	}
	CHECK_EQ(KumemEventsReserve(e, 8 * PAGE / 4, (void **)&(void *){ 0 }, &(uint64_t){ 0 }),
		 -KUMEM_E2BIG, "a record over a quarter of the area: E2BIG");
	KumemEventsPut(e);
	CHECK_EQ(stream_release(&s), 0, "RELEASE");
	wm_close(a, s.h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* A full stream refuses and counts; commit wakes only a consumer that had caught up. */
static void ev_full_drop(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t buf[64];
	uint32_t ready;
	PKUMEM_EVENTS e;
	struct stream s;
	struct check c = { .want_len = 64 };
	uint64_t seq = 0, drops = 0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	e = stream_ref(&s);
	CHECK_EQ(wait_ready(&s, 0, &ready), 0, "WAIT, looking only");
	CHECK_EQ(ready, 0, "nothing ready yet");
	for (;;) {
		int err;

		fill_seq(buf, 64, seq);
		err = emit_at_dispatch(e, buf, 64);
		if (err == -KUMEM_ENOSPC)
			break;
		CHECK_EQ(err, 0, "emit");
		seq++;
	}
	CHECK_EQ(seq, 4 * PAGE / kumem_ev_record_total(64), "the area holds exactly that many");
	for (drops = 1; drops < 5; drops++)
		CHECK_EQ(emit_at_dispatch(e, buf, 64), -KUMEM_ENOSPC, "still full");
	CHECK_EQ(s.prod->dropped, 5, "five drops counted on the producer page");
	CHECK_EQ(wait_ready(&s, 0, &ready), 0, "WAIT");
	CHECK_EQ(ready, 1, "ready");
	CHECK_EQ(kumem_ev_consume(&s.ev, check_record, &c, 1000), (int)seq, "all of them");
	CHECK_EQ(c.bad, 0, "intact");
	CHECK_EQ(emit_at_dispatch(e, buf, 64), 0, "room again once consumed");
	KumemEventsPut(e);
	wm_close(a, s.h); /* cleanup releases the stream */
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* The generator thread and the WAIT IOCTL: every record, in order, no drops. */
static void ev_generator_wait(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_events_gen g = { .count = 3000, .record_len = 200 };
	struct check c = { .want_len = 200 };
	uint32_t ready;
	struct stream s;
	int idle = 0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 8 * PAGE, &s), 0, "EVENTS_CREATE");
	g.events_id = (uint32_t)s.a.events_fd;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "EVENTS_GEN");
	while (c.seen < 3000 && idle < 50) {
		int n = kumem_ev_consume(&s.ev, check_record, &c, 64);

		CHECK(n >= 0, "consume: %d", n);
		if (n)
			idle = 0;
		else if (wait_ready(&s, 100 * 1000 * 1000, &ready) == 0 && !ready)
			idle++;
	}
	CHECK_EQ(c.seen, 3000, "3000 records (a generator that waits for space)");
	CHECK_EQ(c.bad, 0, "in order, intact, across the wrap");
	CHECK_EQ(s.prod->dropped, 0, "no drops");
	/* the generator publishes produced after a batch's commits: bounded wait, then check */
	for (idle = 0; idle < 1000 && s.prod->produced < 3000; idle++)
		usleep(10 * 1000);
	CHECK_EQ(s.prod->produced, 3000, "produced counted");
	/* a paced generator facing a consumer that does not read: drops, counted */
	g.count = 1000; /* 72 KB of records into 32 KiB */
	g.record_len = 64;
	g.rate = 20000;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "paced EVENTS_GEN");
	for (idle = 0; idle < 1000 && s.prod->produced + s.prod->dropped < 3000 + 1000; idle++)
		usleep(10 * 1000);
	CHECK(s.prod->dropped > 0, "a full stream drops and counts");
	CHECK_EQ(s.prod->produced + s.prod->dropped, 3000 + 1000, "produced + dropped = generated");
	g.count = 0;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "stop");
	g.count = 1;
	g.record_len = 12;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), STATUS_INVALID_PARAMETER, "record_len 12");
	g.record_len = 8 * PAGE / 4;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), STATUS_INVALID_PARAMETER,
		 "over a quarter of the area");
	g.record_len = 8;
	g.reserved1 = 1;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), STATUS_INVALID_PARAMETER, "reserved");
	CHECK_EQ(stream_release(&s), 0, "RELEASE");
	wm_close(a, s.h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* Bad arguments, and only the owner may use a stream. */
static void ev_args(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_events_create bad = { 0 };
	struct kumem_events_gen g = { .count = 1, .record_len = 8 };
	uint32_t ready;
	struct stream s, other;
	HANDLE h, hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	bad.data_bytes = 3 * PAGE;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_EVENTS_CREATE, bad), STATUS_INVALID_PARAMETER, "3 pages");
	bad.data_bytes = 2 * PAGE;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_EVENTS_CREATE, bad), STATUS_INVALID_PARAMETER, "under 4");
	bad.data_bytes = 8ull << 20;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_EVENTS_CREATE, bad), STATUS_INVALID_PARAMETER,
		 "over 4 MiB on Windows");
	bad.data_bytes = 4 * PAGE;
	bad.user_addr = 1;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_EVENTS_CREATE, bad), STATUS_INVALID_PARAMETER, "user_addr in");
	CHECK_EQ(stream_create(a, h, 1024 * PAGE, &s), 0, "4 MiB, the largest");
	CHECK_EQ(stream_release(&s), 0, "release it");
	CHECK_EQ(stream_create(a, h, 4 * PAGE, &s), 0, "EVENTS_CREATE");
	g.events_id = 0x7777;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_EVENTS_GEN, g), STATUS_NOT_FOUND, "GEN of no stream");
	other = s;
	other.a.events_fd = 0x7777;
	CHECK_EQ(wait_ready(&other, 0, &ready), STATUS_NOT_FOUND, "WAIT on no stream");
	/* the handle in another process: the stream is not its memory */
	hb = wm_dup(a, h, b);
	other = s;
	other.p = b;
	other.h = hb;
	CHECK_EQ(wait_ready(&other, 0, &ready), STATUS_ACCESS_DENIED, "WAIT from b");
	g.events_id = (uint32_t)s.a.events_fd;
	CHECK_EQ(IOC(b, hb, KUMEM_IOC_EVENTS_GEN, g), STATUS_ACCESS_DENIED, "GEN from b");
	CHECK_EQ(stream_release(&other), STATUS_ACCESS_DENIED, "RELEASE from b");
	CHECK_EQ(a->user_mappings, 2, "still mapped in a");
	wm_close(b, hb);
	/* a 32-bit process gets addresses below 4 GiB */
	{
		struct wm_process *w = wm_process_create("wow64.exe", true);
		struct stream s32;

		CHECK_EQ(stream_create(w, wt_open(w), 4 * PAGE, &s32), 0, "EVENTS_CREATE, WOW64");
		CHECK(s32.a.user_addr < (1ull << 32) && s32.a.user_ro_addr < (1ull << 32),
		      "WOW64: both pieces below 4 GiB");
		wm_close(w, s32.h);
		wm_process_exit(w);
	}
	wm_close(a, h);
	wm_process_exit(a);
	wm_process_exit(b);
	wt_nothing_held();
	wm_driver_unload();
}

/* The consumer page is the process's to write: impossible positions kill the stream only. */
static void ev_hostile(void)
{
	/* ahead of the producer (0), far ahead, or more than a lap behind it */
	static const uint64_t lies[] = { 8, 1ull << 40, (uint64_t) - (4 * PAGE + 8) };
	struct wm_process *a = wm_process_create("a.exe", false);
	size_t k;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	for (k = 0; k < sizeof(lies) / sizeof(lies[0]); k++) {
		struct kumem_events_gen g = { .count = 10, .record_len = 8 };
		uint8_t rec[8] = { 0 };
		uint32_t ready;
		PKUMEM_EVENTS e;
		struct stream s;
		int i;

		CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
		e = stream_ref(&s);
		*s.cons = lies[k];
		CHECK_EQ(wait_ready(&s, 0, &ready), STATUS_DATA_ERROR, "WAIT: EBADFD");
		CHECK_EQ(emit_at_dispatch(e, rec, 8), -KUMEM_EINVAL, "reserve refuses: EINVAL");
		g.events_id = (uint32_t)s.a.events_fd;
		CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "EVENTS_GEN");
		for (i = 0; i < 500 && !(s.prod->flags & KUMEM_RING_DEAD); i++)
			usleep(2000);
		CHECK(s.prod->flags & KUMEM_RING_DEAD, "the generator marks the stream dead");
		CHECK_EQ(s.prod->produced, 0, "and produced nothing");
		/* the consumer's own code refuses it too */
		CHECK_EQ(kumem_ev_consume(&s.ev, check_record, &(struct check){ 0 }, 8), 0,
			 "the consumer's view (its own position) is unharmed");
		*s.cons = 0;
		CHECK_EQ(wait_ready(&s, 0, &ready), STATUS_DATA_ERROR, "dead stays dead");
		KumemEventsPut(e);
		CHECK_EQ(stream_release(&s), 0, "RELEASE a dead stream");
		wm_close(a, s.h);
	}
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

struct waiter {
	struct stream *s;
	NTSTATUS st;
	uint32_t ready;
	int64_t timeout_ns;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->st = wait_ready(w->s, w->timeout_ns, &w->ready);
	return NULL;
}

/* A sleeping consumer is woken by a commit at DISPATCH_LEVEL, by release, by termination. */
static void ev_wakeups(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t rec[16] = { 0 };
	struct waiter w;
	struct wm_thread *t;
	PKUMEM_EVENTS e;
	struct stream s;
	uint64_t t0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	e = stream_ref(&s);
	w = (struct waiter){ .s = &s, .timeout_ns = -1 };
	t = wm_thread_start(a, wait_thread, &w);
	CHECK(wm_wait_blocked(t, 5000), "the consumer sleeps");
	CHECK_EQ(emit_at_dispatch(e, rec, 16), 0, "a record from a DPC");
	wm_thread_join(t);
	CHECK_EQ(w.st, 0, "woken");
	CHECK_EQ(w.ready, 1, "ready");
	/* a timeout: one deadline */
	CHECK_EQ(kumem_ev_consume(&s.ev, check_record, &(struct check){ 0 }, 8), 1, "consume");
	t0 = KeQueryInterruptTime();
	CHECK_EQ(wait_ready(&s, 50 * 1000 * 1000, &w.ready), 0, "WAIT 50 ms");
	CHECK_EQ(w.ready, 0, "the timeout passed");
	CHECK(KeQueryInterruptTime() - t0 >= 45 * 10000, "after about 50 ms");
	/* termination: the alertable wait ends */
	w = (struct waiter){ .s = &s, .timeout_ns = -1 };
	t = wm_thread_start(a, wait_thread, &w);
	CHECK(wm_wait_blocked(t, 5000), "the consumer sleeps");
	wm_thread_terminate(t);
	wm_thread_join(t);
	CHECK_EQ(w.st, STATUS_CANCELLED, "a terminating thread gets out: EINTR");
	/* release while a consumer sleeps, with a kernel producer still holding the stream */
	w = (struct waiter){ .s = &s, .timeout_ns = -1 };
	t = wm_thread_start(a, wait_thread, &w);
	CHECK(wm_wait_blocked(t, 5000), "the consumer sleeps");
	CHECK_EQ(stream_release(&s), 0, "RELEASE");
	wm_thread_join(t);
	CHECK_EQ(w.st, STATUS_DATA_ERROR, "the sleeper leaves: EBADFD");
	CHECK_EQ(a->user_mappings, 0, "unmapped at release, though a producer holds it");
	CHECK_EQ(emit_at_dispatch(e, rec, 16), -KUMEM_EBADFD, "the producer is told: EBADFD");
	KumemEventsPut(e); /* the last reference: the pages go */
	wm_close(a, s.h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* Close with producers running: a record reserved before the release, the generator. */
static void ev_close_producing(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_events_gen g = { .count = 1000000000, .record_len = 32 };
	struct wm_counts c;
	void *payload;
	uint64_t pos;
	PKUMEM_EVENTS e;
	struct stream s, s2;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	e = stream_ref(&s);
	CHECK_EQ(KumemEventsReserve(e, 100, &payload, &pos), 0, "reserve");
	CHECK_EQ(stream_create(a, s.h, 8 * PAGE, &s2), 0, "a second stream");
	g.events_id = (uint32_t)s2.a.events_fd;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "a generator that waits for space");
	usleep(20000);
	wm_counts(&c);
	CHECK_EQ(c.system_threads, 1, "the generator runs");
	wm_close(a, s.h); /* cleanup: both streams */
	wm_counts(&c);
	CHECK_EQ(c.system_threads, 0, "cleanup stopped the generator");
	CHECK_EQ(a->user_mappings, 0, "and unmapped both");
	memset(payload, 0x5a, 100); /* the reserved record is still the producer's to write */
	KumemEventsCommit(e, pos, false);
	KumemEventsPut(e);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* The owner exits while its handle lives on in another process: the exit backstop unmaps. */
static void ev_exit_backstop(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_events_gen g = { .count = 1000000000, .record_len = 64 };
	struct stream s;
	HANDLE hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	g.events_id = (uint32_t)s.a.events_fd;
	CHECK_EQ(IOC(a, s.h, KUMEM_IOC_EVENTS_GEN, g), 0, "a generator");
	hb = wm_dup(a, s.h, b);
	wm_process_exit(a); /* no cleanup: b holds the file; 0x76 if a's mappings survive */
	CHECK_EQ(a->user_mappings, 0, "a's mappings undone before its address space went");
	wm_close(b, hb); /* cleanup now, in b: nothing of a's left to undo */
	wm_process_exit(b);
	wt_nothing_held();
	wm_driver_unload();
}

/* The last handle closes in another process: cleanup there attaches to the owner to unmap. */
static void ev_cleanup_elsewhere(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct stream s;
	HANDLE hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	CHECK_EQ(stream_create(a, wt_open(a), 4 * PAGE, &s), 0, "EVENTS_CREATE");
	hb = wm_dup(a, s.h, b);
	wm_close(a, s.h);
	CHECK_EQ(a->user_mappings, 2, "a's handle closed, b's still open: still mapped");
	wm_close(b, hb); /* IRP_MJ_CLEANUP in b; a mapping undone in b would bugcheck */
	CHECK_EQ(a->user_mappings, 0, "undone in a, from b's cleanup");
	wm_process_exit(a);
	wm_process_exit(b);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- every fallible call fails in turn -------------------------------------------------- */

static int fault_run(int n, const void *unused)
{
	struct wm_process *a;
	struct stream s;
	NTSTATUS st;
	bool fired;
	HANDLE h;
	(void)unused;

	wm_init();
	a = wm_process_create("a.exe", false);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	wm_fail_plan(n, STATUS_INSUFFICIENT_RESOURCES);
	st = stream_create(a, h, 8 * PAGE, &s);
	if (st == 0) {
		struct kumem_events_gen g = { .count = 50,
					      .record_len = 16,
					      .events_id = (uint32_t)s.a.events_fd };

		st = IOC(a, h, KUMEM_IOC_EVENTS_GEN, g);
	}
	fired = wm_fail_fired();
	wm_fail_plan(0, 0);
	if (fired) {
		CHECK(!NT_SUCCESS(st), "call %d failed but the IOCTLs succeeded", n);
		CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES, "ENOMEM");
	} else {
		CHECK_EQ(st, 0, "create and generate without injected failure");
	}
	if (a->user_mappings == 0)
		CHECK_EQ(wt_stats(a, h).allocated_pages, 0, "a failed create leaves no page");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
	return fired ? 0 : 1;
}

static void ev_faults(void)
{
	int fired = wt_each_fallible_call(63, fault_run, NULL);

	CHECK(fired > 7, "only %d fallible calls: the steps were not all reached", fired + 1);
}

const struct wt_scenario wt_events[] = {
	{ "events: layout, double mapping, protections", ev_layout },
	{ "events: produce at DISPATCH_LEVEL, consume across the wrap", ev_produce_consume },
	{ "events: full stream drops and counts", ev_full_drop },
	{ "events: generator thread and WAIT", ev_generator_wait },
	{ "events: bad arguments, other processes, WOW64", ev_args },
	{ "events: hostile consumer positions", ev_hostile },
	{ "events: wake-ups (commit, timeout, termination, release)", ev_wakeups },
	{ "events: close with producers running", ev_close_producing },
	{ "events: owner exits, handle lives on elsewhere", ev_exit_backstop },
	{ "events: last handle closed in another process", ev_cleanup_elsewhere },
	{ "events: failed allocation at every step", ev_faults },
	{ NULL, NULL },
};
