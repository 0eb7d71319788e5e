// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * libkumem's command-ring code (lib/kumem_rings.c, core/ring.c on the process's side) against
 * the driver in the model: the checks of tests/guest/t_ring.c and t_ring_limits.c that need no
 * Linux call (mmap of a ring fd, poll, epoll, /proc, signals), through the same library calls.
 * Only the system-call layer is stood in for (wm_lib.c): its kumem_sys_ring_*() do what
 * lib/kumem_sys_windows.c does, with the model's handles, events and overlapped requests.
 * Regions are made with their IOCTLs (wt_alloc, wt_lock): kumem.c's region calls are thin
 * wrappers of them, and what is tested here is the ring.
 *
 * Where Windows differs, by design, the Windows behaviour is asserted: the ring's mapping is
 * the driver's (RING_CREATE's user_addr, RING_INFO), not an mmap of a ring fd, so t_ring.c's
 * mmap refusals (MAP_PRIVATE, wrong size, partial) have no counterpart; poll/epoll become the
 * completion port. Not carried over: the SQPOLL thread's CPU as /proc shows it (SQ_AFF is
 * made and serves here; the affinity itself is not observed), SIGKILL of a blocked waiter and
 * of busy submitters (a pended wait ended by its thread's exit is test_wait.c's), the
 * per-user and global SQPOLL thread limits of t_ring_limits.c (module parameters; the
 * Windows driver has no such limit), the bad-pointer EFAULT (the I/O manager's probe, not
 * the library's).
 */
#include <errno.h>

#include "wm_test.h"
#include "wm_lib.h"
#include <kumem/kumem.h>
#include "../../lib/kumem_sys.h"
#include "../../core/checksum.h"

#define SECOND_NS 1000000000ll

static struct kumem dev;

static void machine_up(void)
{
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	dev.p = wm_process_create("ring.exe", false);
	dev.h = wt_open(dev.p);
}

static void machine_down(void)
{
	CHECK_EQ(wt_stats(dev.p, dev.h).allocated_pages, 0, "nothing left allocated");
	wm_close(dev.p, dev.h);
	wm_process_exit(dev.p);
	wt_nothing_held();
	wm_driver_unload();
}

static uint32_t shared_region(size_t len, uint8_t **addr)
{
	struct kumem_alloc_args a;
	NTSTATUS st;
	uint32_t id = wt_alloc(dev.p, dev.h, len, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &a);

	CHECK_EQ(st, 0, "ALLOC_SHARED");
	*addr = (uint8_t *)(uintptr_t)a.user_addr;
	return id;
}

/* What a Windows program does to see its ring's layout: KUMEM_IOC_RING_INFO on the handle. */
static struct kumem_ring_create ring_info(kumem_ring_t *r)
{
	struct kumem_ring_create a = { .ring_fd = kumem_ring_fd(r) };

	CHECK_EQ(kumem_sys_ioctl((kumem_sys_handle)&dev, KUMEM_IOC_RING_INFO, &a, sizeof(a)), 0,
		 "RING_INFO");
	return a;
}

static struct kumem_ring_ctrl *ring_ctrl(kumem_ring_t *r)
{
	return (struct kumem_ring_ctrl *)(uintptr_t)ring_info(r).user_addr;
}

static void fill_pattern(uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
}

/* submit one sqe and wait for its completion (t_ring.c's one()) */
static struct kumem_cqe one(kumem_ring_t *r, struct kumem_sqe s)
{
	struct kumem_cqe c = { .result = 12345 };
	struct kumem_sqe *e = kumem_ring_get_sqe(r);

	CHECK(e, "ring full");
	*e = s;
	if (kumem_ring_submit(r) < 0 || kumem_ring_wait(r, 1, 2 * SECOND_NS) ||
	    kumem_ring_reap(r, &c, 1) != 1)
		c.result = 99999;
	return c;
}

static void every_op(unsigned flags)
{
	uint32_t a, b, ro;
	kumem_ring_t *r;
	uint8_t *pa, *pb, *mem;
	struct kumem_cqe c;
	size_t i, bad = 0;
	NTSTATUS st;

	machine_up();
	CHECK_EQ(kumem_ring_create(&dev, 64, flags, 200, &r), 0, "create a 64-entry ring");
	a = shared_region(8192, &pa);
	mem = wm_user_alloc(dev.p, 3 * 4096, WM_RW);
	b = wt_lock(dev.p, dev.h, mem + 100, 8000, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st);
	CHECK_EQ(st, 0, "region b (method 1)");
	ro = wt_lock(dev.p, dev.h, mem, 100, KUMEM_KERNEL_READ, &st);
	CHECK_EQ(st, 0, "read-only lock");
	pb = mem + 100;

	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 7 });
	CHECK(c.result == 0 && c.user_data == 7, "NOP completes with its user_data");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
				       .region = a,
				       .offset = 10,
				       .len = 5000,
				       .value = 0x6b,
				       .user_data = 8 });
	for (i = 0; i < 8192; i++)
		bad += pa[i] != (i >= 10 && i < 5010 ? 0x6b : 0);
	CHECK(c.result == 0 && c.user_data == 8 && bad == 0, "FILL lands in the shared region");
	fill_pattern(pa, 8192, 5);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM, .region = a, .offset = 3, .len = 8000 });
	CHECK(c.result == 0 && c.value == kumem_checksum(pa + 3, 8000),
	      "CHECKSUM = core's checksum of the process's bytes (result %lld, user_data %llu)",
	      (long long)c.result, (unsigned long long)c.user_data);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
				       .region = a,
				       .offset = 1,
				       .len = 7000,
				       .dst_region = b,
				       .dst_offset = 500 });
	CHECK(c.result == 0 && memcmp(pb + 500, pa + 1, 7000) == 0,
	      "COPY region to region (method 2 -> method 1)");
	for (i = 0, bad = 0; i < 500; i++)
		bad += pb[i] != 0;
	CHECK_EQ(bad, 0, "COPY wrote nothing before dst_offset");

	/* bad submissions fail alone, the ring goes on */
	c = one(r, (struct kumem_sqe){ .op = 9 });
	CHECK_EQ(c.result, -EINVAL, "unknown op -> EINVAL completion");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM, .region = 999999, .len = 1 });
	CHECK_EQ(c.result, -ENOENT, "unknown region -> ENOENT completion");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL, .region = a, .offset = 8000, .len = 193 });
	CHECK_EQ(c.result, -ERANGE, "past the region -> ERANGE completion");
	c = one(r, (struct kumem_sqe){
			   .op = KUMEM_OP_CHECKSUM, .region = a, .offset = UINT64_MAX, .len = 2 });
	CHECK_EQ(c.result, -ERANGE, "offset+len overflow -> ERANGE");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL, .region = ro, .len = 1 });
	CHECK_EQ(c.result, -EACCES, "FILL of a read-only lock -> EACCES");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_COPY, .region = a, .len = 1, .dst_region = ro });
	CHECK_EQ(c.result, -EACCES, "COPY into a read-only lock -> EACCES");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL, .region = a, .len = 1, .value = 256 });
	CHECK_EQ(c.result, -EINVAL, "fill value 256 -> EINVAL");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .reserved = { 1, 0 } });
	CHECK_EQ(c.result, -EINVAL, "reserved field set -> EINVAL");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 77 });
	CHECK(c.result == 0 && c.user_data == 77, "the ring still works after bad entries");

	/* t_ring.c's poll()/epoll checks are Linux's; the Windows ways to wait for many rings
	 * (completion ports) are test_wait.c's */
	CHECK_EQ(kumem_ring_wait(r, 1, 1000000), -ETIMEDOUT, "wait with nothing pending times out");
	kumem_ring_destroy(r);
	CHECK_EQ(wt_release(dev.p, dev.h, a), 0, "release a");
	CHECK_EQ(wt_release(dev.p, dev.h, b), 0, "release b");
	CHECK_EQ(wt_release(dev.p, dev.h, ro), 0, "release ro");
	machine_down();
}

static void every_op_enter(void)
{
	every_op(0);
}

static void every_op_sqpoll(void)
{
	every_op(KUMEM_RING_SQPOLL);
}

/* Fill @n batch slots with NOPs numbered from @first (a whole entry each: slots hold old data). */
static void nops_at(struct kumem_sqe *s, unsigned n, uint64_t first)
{
	unsigned i;

	for (i = 0; i < n; i++)
		s[i] = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = first + i };
}

/* Check @n in-place completions: user_data from @first, result 0. */
static bool cqes_are(const struct kumem_cqe *c, int n, uint64_t first)
{
	int i;

	for (i = 0; i < n; i++)
		if (c[i].user_data != first + (uint64_t)i || c[i].result != 0)
			return false;
	return true;
}

/* kumem_ring_get_sqes() / peek_cqes() / cq_advance(): runs, the wrap, full, empty
 * (t_ring.c's batch_api), then a corrupt cq_tail. */
static void batch_api(unsigned flags)
{
	struct kumem_sqe *s1, *s2, *one_sqe;
	struct kumem_ring_create info;
	const struct kumem_cqe *c;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_cqe out;
	kumem_ring_t *r;
	int n;

	machine_up();
	CHECK_EQ(kumem_ring_create(&dev, 8, flags, 200, &r), 0, "an 8-entry ring");
	info = ring_info(r);
	CHECK_EQ(kumem_ring_peek_cqes(r, &c), 0, "no completions yet");
	CHECK_EQ(kumem_ring_get_sqes(r, 100, &s1), 8, "the whole empty SQ in one run");
	ctrl = (struct kumem_ring_ctrl *)((uint8_t *)s1 - info.sq_offset);
	CHECK(ctrl == (void *)(uintptr_t)info.user_addr, "the SQ is where RING_INFO says");
	nops_at(s1, 8, 0);
	CHECK_EQ(kumem_ring_get_sqes(r, 1, &s2), 0, "then it is full");
	CHECK(kumem_ring_get_sqe(r) == NULL, "for get_sqe too");
	CHECK_EQ(kumem_ring_submit(r), 8, "submit publishes all 8");
	CHECK_EQ(kumem_ring_wait(r, 8, 2 * SECOND_NS), 0, "8 completions");
	n = kumem_ring_peek_cqes(r, &c);
	CHECK(n == 8 && cqes_are(c, n, 0), "peeked in place, in order (%d)", n);
	kumem_ring_cq_advance(r, 5);
	n = kumem_ring_peek_cqes(r, &c);
	CHECK(n == 3 && cqes_are(c, n, 5), "advance gives back only 5");
	kumem_ring_cq_advance(r, 3);
	CHECK_EQ(kumem_ring_peek_cqes(r, &c), 0, "all given back");
	CHECK_EQ(ctrl->cq_head, 8, "cq_head published to the driver");

	/* move the SQ to slot 5 and the CQ to slot 13, then cross both wraps */
	CHECK_EQ(kumem_ring_get_sqes(r, 5, &s1), 5, "5 more");
	nops_at(s1, 5, 8);
	CHECK_EQ(kumem_ring_submit(r), 5, "submit 5");
	CHECK_EQ(kumem_ring_wait(r, 5, 2 * SECOND_NS), 0, "wait for 5");
	n = kumem_ring_peek_cqes(r, &c);
	CHECK(n == 5 && cqes_are(c, n, 8), "and their completions");
	kumem_ring_cq_advance(r, (unsigned)n);
	CHECK_EQ(kumem_ring_get_sqes(r, 8, &s1), 3, "a run stops at the wrap (3)");
	CHECK_EQ(kumem_ring_get_sqes(r, 8, &s2), 5, "the next starts at slot 0 (5)");
	CHECK(s2 + 5 == s1, "slot 0 follows the wrap");
	nops_at(s1, 3, 13);
	nops_at(s2, 5, 16);
	s2[1].flags = 1; /* entry 17 is malformed: its completion says so, alone */
	CHECK_EQ(kumem_ring_submit(r), 8, "both runs submitted at once");
	CHECK_EQ(kumem_ring_wait(r, 8, 2 * SECOND_NS), 0, "wait for 8");
	n = kumem_ring_peek_cqes(r, &c);
	CHECK(n == 3 && cqes_are(c, n, 13), "completions up to the CQ's wrap");
	kumem_ring_cq_advance(r, 3);
	n = kumem_ring_peek_cqes(r, &c);
	CHECK(n == 5 && c[0].user_data == 16 && c[0].result == 0 && c[1].user_data == 17 &&
		      c[1].result == -EINVAL && cqes_are(c + 2, 3, 18),
	      "the rest from slot 0, the malformed one -EINVAL");
	kumem_ring_cq_advance(r, 5);

	/* get_sqe and get_sqes share the slots they hand out */
	one_sqe = kumem_ring_get_sqe(r);
	CHECK(one_sqe, "get_sqe");
	one_sqe->op = KUMEM_OP_NOP;
	one_sqe->user_data = 21;
	CHECK_EQ(kumem_ring_get_sqes(r, 2, &s1), 2, "two more after a get_sqe");
	CHECK(s1 == one_sqe + 1, "right after it");
	nops_at(s1, 2, 22);
	CHECK_EQ(kumem_ring_submit(r), 3, "submit publishes all three");
	CHECK_EQ(kumem_ring_wait(r, 3, 2 * SECOND_NS), 0, "wait for 3");
	n = kumem_ring_peek_cqes(r, &c);
	CHECK(n == 3 && cqes_are(c, n, 21), "completed in order (%d: %llu %lld)", n,
	      n > 0 ? (unsigned long long)c[0].user_data : 0ull, n > 0 ? (long long)c[0].result : 0ll);
	kumem_ring_cq_advance(r, 3);

	/* the library does not trust a completion index that cannot be */
	ctrl->cq_tail += 1000;
	CHECK_EQ(kumem_ring_peek_cqes(r, &c), -EBADFD, "corrupt cq_tail -> EBADFD (peek)");
	CHECK_EQ(kumem_ring_reap(r, &out, 1), -EBADFD, "and reap");
	CHECK_EQ(kumem_ring_wait(r, 1, SECOND_NS), -EBADFD, "and wait");
	kumem_ring_destroy(r);
	machine_down();
}

static void batch_api_enter(void)
{
	batch_api(0);
}

static void batch_api_sqpoll(void)
{
	batch_api(KUMEM_RING_SQPOLL);
}

/*
 * A full SQ, and a full CQ as Linux specifies it (docs/rings.md): the kernel never consumes a
 * submission without room for its completion. With the CQ full the submissions stay in the SQ,
 * and kumem_ring_wait() hands them over once completions are reaped.
 */
static void full_queues(unsigned flags)
{
	struct kumem_ring_ctrl *ctrl;
	struct kumem_cqe cq[16];
	struct kumem_sqe *e;
	kumem_ring_t *r;
	unsigned i, k;

	machine_up();
	CHECK_EQ(kumem_ring_create(&dev, 8, flags, 100, &r), 0, "an 8-entry ring (CQ 16)");
	ctrl = ring_ctrl(r);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 8; i++) {
			e = kumem_ring_get_sqe(r);
			CHECK(e, "slot %u of batch %u", i, k);
			e->op = KUMEM_OP_NOP;
			e->user_data = k * 8 + i;
		}
		CHECK(kumem_ring_get_sqe(r) == NULL, "the SQ is full after 8 (batch %u)", k);
		CHECK_EQ(kumem_ring_submit(r), 8, "submit publishes 8");
		if (k < 2)
			CHECK_EQ(kumem_ring_wait(r, (k + 1) * 8, 2 * SECOND_NS), 0, "completions");
	}
	/* the third batch has no room in the CQ: not consumed (SQPOLL: the thread looks again
	 * and again; give it the time to misbehave) */
	if (flags & KUMEM_RING_SQPOLL)
		usleep(50 * 1000);
	CHECK_EQ(__atomic_load_n(&ctrl->cq_tail, __ATOMIC_ACQUIRE), 16, "CQ full, not overrun");
	CHECK_EQ(__atomic_load_n(&ctrl->sq_head, __ATOMIC_ACQUIRE), 16,
		 "the 8 without room stay in the SQ");
	CHECK(kumem_ring_get_sqe(r) == NULL, "so the SQ stays full");
	CHECK_EQ(kumem_ring_wait(r, 17, SECOND_NS), -EINVAL, "min_complete over the CQ -> EINVAL");
	CHECK_EQ(kumem_ring_reap(r, cq, 16), 16, "reap the full CQ");
	for (i = 0; i < 16; i++)
		CHECK_EQ(cq[i].user_data, i, "in order");
	CHECK_EQ(kumem_ring_wait(r, 8, 2 * SECOND_NS), 0, "the wait hands the rest over");
	CHECK_EQ(kumem_ring_reap(r, cq, 16), 8, "their 8 completions");
	for (i = 0; i < 8; i++)
		CHECK(cq[i].user_data == 16 + i && cq[i].result == 0, "in order (%u)", i);
	kumem_ring_destroy(r);
	machine_down();
}

static void full_enter(void)
{
	full_queues(0);
}

static void full_sqpoll(void)
{
	full_queues(KUMEM_RING_SQPOLL);
}

/* Parameters, sizes and refusals through kumem_ring_create_params() (t_ring.c's bad_create
 * and sq_affinity, t_ring_limits.c's idle_us bound, as far as they are no Linux call). */
static void create_params(void)
{
	struct kumem_ring_params p;
	struct kumem_ring_create info;
	struct kumem_sqe *s;
	struct kumem_cqe c;
	kumem_ring_t *r;
	struct wm_counts wc;

#define REFUSED(what, ...)                                                                         \
	do {                                                                                       \
		p = (struct kumem_ring_params){ __VA_ARGS__ };                                     \
		r = (kumem_ring_t *)1;                                                             \
		CHECK_EQ(kumem_ring_create_params(&dev, &p, &r), -EINVAL, what);                  \
		CHECK(r == NULL, "%s: *out is NULL", what);                                        \
	} while (0)

	machine_up();
	REFUSED("entries not a power of two", .sq_entries = 48);
	REFUSED("0 entries", .sq_entries = 0);
	REFUSED("too many entries", .sq_entries = KUMEM_RING_MAX_ENTRIES * 2);
	REFUSED("CQ smaller than SQ", .sq_entries = 64, .cq_entries = 32);
	REFUSED("unknown flag", .sq_entries = 8, .flags = 0x80);
	REFUSED("sq_cpu without SQ_AFF", .sq_entries = 8, .sq_cpu = 1);
	REFUSED("SQ_AFF without SQPOLL", .sq_entries = 8, .flags = KUMEM_RING_SQ_AFF);
	REFUSED("SQ_AFF on a CPU not there", .sq_entries = 8,
		.flags = KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF, .sq_cpu = 4096);
	REFUSED("idle_us above KUMEM_RING_MAX_IDLE_US", .sq_entries = 8,
		.flags = KUMEM_RING_SQPOLL, .idle_us = KUMEM_RING_MAX_IDLE_US + 1);
	REFUSED("idle_us 2^32-1", .sq_entries = 8, .flags = KUMEM_RING_SQPOLL,
		.idle_us = UINT32_MAX);
	CHECK_EQ(wt_stats(dev.p, dev.h).allocated_pages, 0, "refusals leave nothing");

	/* the default CQ is twice the SQ; the layout is docs/rings.md's */
	CHECK_EQ(kumem_ring_create(&dev, 16, 0, 0, &r), 0, "a 16-entry ring");
	info = ring_info(r);
	CHECK_EQ(info.sq_entries, 16, "sq_entries");
	CHECK_EQ(info.cq_entries, 32, "cq_entries = 2 x sq_entries");
	CHECK_EQ(info.sq_offset, 4096, "the SQ after the control page");
	CHECK_EQ(info.cq_offset, 4096 + 16 * sizeof(struct kumem_sqe), "the CQ after the SQ");
	CHECK(info.map_len >= info.cq_offset + 32 * sizeof(struct kumem_cqe), "map_len covers it");
	CHECK(info.map_len % 4096 == 0, "whole pages");
	CHECK(wm_user_writable(dev.p, (void *)(uintptr_t)info.user_addr, info.map_len),
	      "mapped read-write into the process");
	kumem_ring_destroy(r);

	p = (struct kumem_ring_params){ .sq_entries = 8, .cq_entries = 64 };
	CHECK_EQ(kumem_ring_create_params(&dev, &p, &r), 0, "a CQ larger than 2 x SQ");
	CHECK_EQ(ring_info(r).cq_entries, 64, "cq_entries as asked");
	CHECK_EQ(kumem_ring_get_sqes(r, 100, &s), 8, "8 SQ slots");
	kumem_ring_destroy(r);

	p = (struct kumem_ring_params){ .sq_entries = KUMEM_RING_MAX_ENTRIES };
	CHECK_EQ(kumem_ring_create_params(&dev, &p, &r), 0, "KUMEM_RING_MAX_ENTRIES");
	kumem_ring_destroy(r);

	/* SQ_AFF on CPU 1 of the model's two: made, and it serves (the thread's affinity is
	 * test_basic.c's rings_sqpoll; Linux reads it from /proc) */
	p = (struct kumem_ring_params){ .sq_entries = 16,
					.flags = KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF,
					.idle_us = 100,
					.sq_cpu = 1 };
	CHECK_EQ(kumem_ring_create_params(&dev, &p, &r), 0, "SQ_AFF on CPU 1");
	wm_counts(&wc);
	CHECK_EQ(wc.system_threads, 1, "its thread");
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 5 });
	CHECK(c.result == 0 && c.user_data == 5, "SQ_AFF: the thread serves the ring");
	kumem_ring_destroy(r);
	wm_counts(&wc);
	CHECK_EQ(wc.system_threads, 0, "gone at destroy");
	machine_down();
#undef REFUSED
}

/* The user scribbles over the indices: the driver stops serving, the library says so. */
static void hostile(unsigned flags)
{
	struct kumem_ring_enter en = { 0 };
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *e;
	struct kumem_cqe c;
	kumem_ring_t *r;
	int err;

	machine_up();
	CHECK_EQ(kumem_ring_create(&dev, 16, flags, 100, &r), 0, "ring");
	ctrl = ring_ctrl(r);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 1 });
	CHECK(c.result == 0 && c.user_data == 1, "one good entry");
	CHECK_EQ(ctrl->cq_tail, 1, "its completion is posted");
	ctrl->sq_tail = 1000; /* far past the capacity */
	/* the library republishes its own tail on submit: hostile indices need a raw ENTER,
	 * as t_ring.c's hostile() does it */
	en.ring_id = (uint32_t)kumem_ring_fd(r);
	en.to_submit = 1;
	en.flags = KUMEM_ENTER_WAKEUP;
	err = wm_lib_errno(IOC(dev.p, dev.h, KUMEM_IOC_RING_ENTER, en));
	if (flags & KUMEM_RING_SQPOLL) {
		/* the thread finds the bad index when it next looks, not during the call */
		CHECK(wm_lib_bit_within(&ctrl->sq_flags, KUMEM_RING_DEAD),
		      "the thread marks the ring dead (within %d ms)", WM_LIB_BOUND_MS);
		err = kumem_ring_wait(r, 1, SECOND_NS);
	}
	CHECK_EQ(err, -EBADFD, "corrupt sq_tail -> the ring is dead (EBADFD)");
	CHECK(ctrl->sq_flags & KUMEM_RING_DEAD, "and says so in sq_flags");
	CHECK_EQ(kumem_ring_wait(r, 1, SECOND_NS), -EBADFD, "the library's wait: EBADFD");
	e = kumem_ring_get_sqe(r);
	CHECK(e, "a slot (the library keeps its own tail)");
	e->op = KUMEM_OP_NOP;
	err = kumem_ring_submit(r);
	if (flags & KUMEM_RING_SQPOLL)
		/* SQPOLL's submit enters only when NEED_WAKEUP is set, and the thread that woke
		 * to find the ring corrupt cleared it before marking the ring dead: the submit
		 * publishes and returns, the wait above and below says EBADFD */
		CHECK_EQ(err, 1, "submit to a dead SQPOLL ring: published, no system call");
	else
		CHECK_EQ(err, -EBADFD, "the library's submit: EBADFD");
	CHECK_EQ(ctrl->cq_tail, 1, "nothing more completed");
	CHECK_EQ(kumem_ring_wait(r, 1, SECOND_NS), -EBADFD, "and the wait still says EBADFD");
	ctrl->cq_head = 0x80000000u; /* nonsense from the consumer side too */
	/* the library keeps its own copy of the index it owns and never reads it back */
	CHECK_EQ(kumem_ring_reap(r, &c, 1), 0, "the library is not misled by it");
	kumem_ring_destroy(r);
	machine_down();
}

static void hostile_enter(void)
{
	hostile(0);
}

static void hostile_sqpoll(void)
{
	hostile(KUMEM_RING_SQPOLL);
}

struct waiter {
	kumem_ring_t *r;
	unsigned min;
	int64_t timeout_ns;
	int err;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->err = kumem_ring_wait(w->r, w->min, w->timeout_ns);
	return NULL;
}

static void nop(kumem_ring_t *r, uint64_t user_data)
{
	struct kumem_sqe *e = kumem_ring_get_sqe(r);

	CHECK(e, "a slot");
	e->op = KUMEM_OP_NOP;
	e->user_data = user_data;
	CHECK_EQ(kumem_ring_submit(r), 1, "submit");
}

/*
 * SQPOLL start, serve, sleep, wake-up, stop; GETEVENTS with min_complete and a timeout
 * through kumem_ring_wait(), in enter mode and satisfied by the SQPOLL thread while another
 * thread of the process waits.
 */
static void sqpoll_and_waits(void)
{
	struct kumem_ring_ctrl *ctrl;
	struct kumem_cqe cq[4];
	struct wm_thread *t;
	struct wm_counts wc;
	struct waiter w;
	kumem_ring_t *r;
	uint64_t t0, ms;

	machine_up();
	/* enter mode: min_complete counts, the timeout is kept */
	CHECK_EQ(kumem_ring_create(&dev, 8, 0, 0, &r), 0, "enter-mode ring");
	nop(r, 1);
	nop(r, 2);
	t0 = wm_lib_now_ms();
	CHECK_EQ(kumem_ring_wait(r, 3, 50 * 1000000ll), -ETIMEDOUT, "2 ready, 3 wanted: ETIMEDOUT");
	ms = wm_lib_now_ms() - t0;
	CHECK(ms >= 50 && ms < WM_LIB_BOUND_MS, "after the 50 ms asked (%llu ms)", (unsigned long long)ms);
	CHECK_EQ(kumem_ring_wait(r, 2, 0), 0, "2 wanted: at once");
	CHECK_EQ(kumem_ring_wait(r, 3, 0), -ETIMEDOUT, "timeout 0: no system call, ETIMEDOUT");
	CHECK_EQ(kumem_ring_reap(r, cq, 4), 2, "reap 2");
	kumem_ring_destroy(r);

	/* SQPOLL: the thread starts, serves, sleeps with NEED_WAKEUP, is woken by submit */
	CHECK_EQ(kumem_ring_create(&dev, 8, KUMEM_RING_SQPOLL, 100, &r), 0, "SQPOLL ring");
	ctrl = ring_ctrl(r);
	wm_counts(&wc);
	CHECK_EQ(wc.system_threads, 1, "its thread started");
	CHECK(wm_lib_bit_within(&ctrl->sq_flags, KUMEM_SQ_NEED_WAKEUP),
	      "idle, it sleeps with NEED_WAKEUP (within %d ms)", WM_LIB_BOUND_MS);
	nop(r, 10); /* the library sees NEED_WAKEUP and enters with WAKEUP */
	CHECK_EQ(kumem_ring_wait(r, 1, 2 * SECOND_NS), 0, "woken, it serves");
	CHECK(kumem_ring_reap(r, cq, 4) == 1 && cq[0].user_data == 10, "the completion");

	/* another thread waits for 3 (no timeout); each submission is served by the thread */
	w = (struct waiter){ .r = r, .min = 3, .timeout_ns = -1, .err = 12345 };
	t = wm_thread_start(dev.p, wait_thread, &w);
	CHECK(wm_wait_blocked(t, WM_LIB_BOUND_MS), "the waiter blocks (pended GETEVENTS)");
	nop(r, 11);
	nop(r, 12);
	CHECK(wm_lib_value_within(&ctrl->cq_tail, 3), "two more served");
	usleep(20 * 1000); /* a wrong completion of the wait would have ended it by now */
	CHECK(!t->done && w.err == 12345, "2 of 3: the waiter still waits");
	nop(r, 13);
	wm_thread_join(t);
	CHECK_EQ(w.err, 0, "the third completion ends the wait");
	CHECK_EQ(kumem_ring_reap(r, cq, 4), 3, "three completions");
	CHECK(cq[0].user_data == 11 && cq[2].user_data == 13, "in order");

	/* a waiter with a timeout and nothing coming; then one the release ends */
	t0 = wm_lib_now_ms();
	CHECK_EQ(kumem_ring_wait(r, 1, 30 * 1000000ll), -ETIMEDOUT, "SQPOLL: timeout");
	CHECK(wm_lib_now_ms() - t0 >= 30, "not before the deadline");
	w = (struct waiter){ .r = r, .min = 1, .timeout_ns = -1, .err = 12345 };
	t = wm_thread_start(dev.p, wait_thread, &w);
	CHECK(wm_wait_blocked(t, WM_LIB_BOUND_MS), "a waiter for ever");
	{
		/* RELEASE from this thread while the other waits: what kumem_ring_destroy()
		 * sends (the library's ring object itself is freed after the join) */
		struct kumem_region_ref ref = { .id = (uint32_t)kumem_ring_fd(r) };

		CHECK_EQ(wm_ioctl(dev.p, dev.h, KUMEM_IOC_RELEASE, &ref, sizeof(ref), NULL, 0, NULL),
			 0, "RELEASE with a waiter");
	}
	wm_thread_join(t);
	CHECK_EQ(w.err, -EBADFD, "the release ends the wait: EBADFD");
	wm_counts(&wc);
	CHECK_EQ(wc.system_threads, 0, "and stops the thread");
	CHECK_EQ(kumem_ring_submit(r), 0, "nothing to submit");
	free(r); /* released above: kumem_ring_destroy() would release it twice */
	machine_down();
}

/* Release with the ring mapped: destroy unmaps it; a handle closed, or a process exiting,
 * with rings live and mapped unmaps them and stops their threads. */
static void release_mapped(void)
{
	struct kumem_ring_create info;
	kumem_ring_t *r, *r2;
	struct wm_counts wc0, wc;
	void *map;

	machine_up();
	wm_counts(&wc0);
	CHECK_EQ(kumem_ring_create(&dev, 16, 0, 0, &r), 0, "ring");
	info = ring_info(r);
	map = (void *)(uintptr_t)info.user_addr;
	wm_counts(&wc);
	CHECK_EQ(wc.user_mappings, wc0.user_mappings + 1, "mapped into the process");
	nop(r, 1);
	kumem_ring_destroy(r);
	wm_counts(&wc);
	CHECK_EQ(wc.user_mappings, wc0.user_mappings, "destroy unmaps it");
	CHECK(!wm_user_writable(dev.p, map, info.map_len), "the range is gone from the process");
	CHECK_EQ(wt_stats(dev.p, dev.h).allocated_pages, 0, "its pages are given back");

	/* the handle closed with two rings live, one with a thread and entries in flight */
	CHECK_EQ(kumem_ring_create(&dev, 16, 0, 0, &r), 0, "enter-mode ring");
	CHECK_EQ(kumem_ring_create(&dev, 16, KUMEM_RING_SQPOLL, 1000, &r2), 0, "SQPOLL ring");
	nop(r, 1);
	nop(r2, 2);
	wm_close(dev.p, dev.h);
	wm_counts(&wc);
	CHECK_EQ(wc.user_mappings, wc0.user_mappings, "close unmaps both");
	CHECK_EQ(wc.system_threads, 0, "and stops the thread");
	/* the handle is gone: a program would only free its memory now */
	free(r);
	free(r2);

	/* the process exits with a ring live */
	dev.h = wt_open(dev.p);
	CHECK_EQ(kumem_ring_create(&dev, 16, KUMEM_RING_SQPOLL, 1000, &r), 0, "ring at exit");
	nop(r, 3);
	wm_process_exit(dev.p);
	wt_nothing_held();
	wm_counts(&wc);
	CHECK_EQ(wc.system_threads, 0, "the exit stops the thread");
	wm_driver_unload();
}

/* ---- traffic (t_ring.c's stress, bounded by a count instead of seconds) -------------------- */

#define STRESS_ENTRIES 20000

struct stress {
	unsigned flags;
	bool batch;
	kumem_ring_t *r;
	uint32_t reg;
	const uint8_t *p;
	uint64_t sent, got, bad;
};

/* Every fourth entry a CHECKSUM of 64 bytes at a moving offset, the rest NOPs. */
static struct kumem_sqe stress_entry(const struct stress *s, uint64_t seq)
{
	return (struct kumem_sqe){
		.op = (seq & 3) ? KUMEM_OP_NOP : KUMEM_OP_CHECKSUM,
		.region = s->reg,
		.offset = seq % 4096,
		.len = 64,
		.user_data = seq,
	};
}

static void stress_check(struct stress *s, const struct kumem_cqe *c)
{
	uint64_t u = c->user_data;

	if (u != s->got || c->result ||
	    ((u & 3) == 0 && c->value != kumem_checksum(s->p + u % 4096, 64)))
		s->bad++;
	s->got++;
}

static void stress_queue(struct stress *s)
{
	struct kumem_sqe *e;
	unsigned n, i;

	if (!s->batch) {
		while (s->sent < STRESS_ENTRIES && (e = kumem_ring_get_sqe(s->r)))
			*e = stress_entry(s, s->sent++);
		return;
	}
	/* every slot handed out is submitted: ask for no more than are left to send */
	while (s->sent < STRESS_ENTRIES &&
	       (n = kumem_ring_get_sqes(s->r, STRESS_ENTRIES - s->sent < 64
						      ? (unsigned)(STRESS_ENTRIES - s->sent)
						      : 64,
					&e)) > 0)
		for (i = 0; i < n; i++)
			e[i] = stress_entry(s, s->sent++);
}

static void stress_reap(struct stress *s)
{
	struct kumem_cqe cq[64];
	const struct kumem_cqe *c;
	int n, i;

	do {
		if (s->batch) {
			n = kumem_ring_peek_cqes(s->r, &c);
		} else {
			n = kumem_ring_reap(s->r, cq, 64);
			c = cq;
		}
		for (i = 0; i < n; i++)
			stress_check(s, &c[i]);
		if (s->batch && n > 0)
			kumem_ring_cq_advance(s->r, (unsigned)n);
	} while (n > 0);
	if (n < 0)
		s->bad++;
}

static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	uint8_t *p;

	if (kumem_ring_create(&dev, 256, s->flags, 2000, &s->r)) {
		s->bad++;
		return NULL;
	}
	s->reg = shared_region(1 << 16, &p);
	fill_pattern(p, 1 << 16, 9);
	s->p = p;
	while (s->got < STRESS_ENTRIES) {
		stress_queue(s);
		if (kumem_ring_submit(s->r) < 0)
			break;
		if (kumem_ring_wait(s->r, 1, 2 * SECOND_NS) < 0)
			break;
		stress_reap(s);
	}
	kumem_ring_destroy(s->r);
	CHECK_EQ(wt_release(dev.p, dev.h, s->reg), 0, "release the region");
	return NULL;
}

/* Enter mode: two threads of the process, a ring each on one handle (one through the
 * per-entry calls, one through the batch calls); SQPOLL: one submitter and the thread. */
static void stress(unsigned flags)
{
	struct stress runs[2] = {
		{ .flags = flags, .batch = true },
		{ .flags = flags, .batch = false },
	};
	int i, n = (flags & KUMEM_RING_SQPOLL) ? 1 : 2;
	struct wm_thread *t[2];

	machine_up();
	for (i = 0; i < n; i++)
		t[i] = wm_thread_start(dev.p, stress_thread, &runs[i]);
	for (i = 0; i < n; i++)
		wm_thread_join(t[i]);
	for (i = 0; i < n; i++) {
		CHECK(runs[i].got == STRESS_ENTRIES && runs[i].sent == STRESS_ENTRIES,
		      "every submission completed (%llu of %d, %s calls)",
		      (unsigned long long)runs[i].got, STRESS_ENTRIES,
		      runs[i].batch ? "batch" : "per-entry");
		CHECK_EQ(runs[i].bad, 0, "in order, checksums right");
	}
	machine_down();
}

static void stress_enter(void)
{
	stress(0);
}

static void stress_sqpoll(void)
{
	stress(KUMEM_RING_SQPOLL);
}

/* kumem_ring_wait_start() and a completion port, as a Windows program waits for many rings
 * (Linux: epoll on the ring fds, t_ring.c): the packet names the ring, wait_end gives the
 * result, a cancelled wait ends with -EINTR, destroy ends a started one. */
static void port_waits(void)
{
	struct wm_port *port = wm_port_create();
	struct wm_overlapped *ov;
	kumem_ring_t *r[2];
	struct kumem_cqe c;
	ULONG_PTR key;
	int i;

	machine_up();
	CHECK_EQ(kumem_port_associate(&dev, port, 7), 0, "associate the handle with the port");
	CHECK_EQ(kumem_ring_create(&dev, 8, 0, 0, &r[0]), 0, "enter-mode ring");
	CHECK_EQ(kumem_ring_create(&dev, 8, KUMEM_RING_SQPOLL, 100, &r[1]), 0, "SQPOLL ring");
	for (i = 0; i < 2; i++)
		CHECK_EQ(kumem_ring_wait_start(r[i], 1, -1), 0, "start a wait on each");
	CHECK_EQ(kumem_ring_wait_start(r[0], 1, -1), -EBUSY, "one wait per ring at a time");
	CHECK(!wm_port_get(port, &key, 50), "no packet before a completion");
	nop(r[1], 42);
	ov = wm_port_get(port, &key, WM_LIB_BOUND_MS);
	CHECK(ov && key == 7, "a packet with the handle's key");
	CHECK(kumem_ring_from_overlapped(ov) == r[1], "it names the SQPOLL ring");
	CHECK_EQ(kumem_ring_wait_end(r[1]), 0, "its result");
	CHECK(kumem_ring_reap(r[1], &c, 1) == 1 && c.user_data == 42, "its completion");
	CHECK_EQ(kumem_ring_wait_cancel(r[0]), 0, "cancel the enter-mode ring's wait");
	ov = wm_port_get(port, &key, WM_LIB_BOUND_MS);
	CHECK(ov && kumem_ring_from_overlapped(ov) == r[0], "the cancelled wait's packet");
	CHECK_EQ(kumem_ring_wait_end(r[0]), -EINTR, "cancelled: EINTR");
	CHECK_EQ(kumem_ring_wait_start(r[1], 1, -1), 0, "a wait left running");
	kumem_ring_destroy(r[1]); /* ends it (-EBADFD) and waits for it */
	kumem_ring_destroy(r[0]);
	machine_down();
}

const struct wt_scenario wt_rings_lib[] = {
	{ "rings lib: every op, enter mode (t_ring.c)", every_op_enter },
	{ "rings lib: every op, SQPOLL (t_ring.c)", every_op_sqpoll },
	{ "rings lib: batch calls, wraps, corrupt cq_tail, enter mode", batch_api_enter },
	{ "rings lib: batch calls, wraps, corrupt cq_tail, SQPOLL", batch_api_sqpoll },
	{ "rings lib: full SQ, full CQ not overrun, enter mode", full_enter },
	{ "rings lib: full SQ, full CQ not overrun, SQPOLL", full_sqpoll },
	{ "rings lib: create parameters, sizes, refusals", create_params },
	{ "rings lib: hostile sq_tail, enter mode", hostile_enter },
	{ "rings lib: hostile sq_tail, SQPOLL", hostile_sqpoll },
	{ "rings lib: SQPOLL wake-up, GETEVENTS min_complete and timeouts", sqpoll_and_waits },
	{ "rings lib: release, close and exit with the ring mapped", release_mapped },
	{ "rings lib: traffic, enter mode, two threads (t_ring.c's stress)", stress_enter },
	{ "rings lib: traffic, SQPOLL (t_ring.c's stress)", stress_sqpoll },
	{ "rings lib: waits on a completion port, cancel, destroy", port_waits },
	{ NULL, NULL },
};
