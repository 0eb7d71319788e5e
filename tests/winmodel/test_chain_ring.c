// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Ring submissions over chains (issue 14, item 2) against the model: a vectored lock of
 * several segments is mapped once in system space through an MDL listing every segment's
 * frames (windows/chain.c), and core/ring_ops.c walks the chain's elements over it. Every
 * result is checked against the same operation done here on the process's own bytes (the
 * segments' bytes back to back): FILL and CHECKSUM at random ranges, COPY within the region
 * and between two views of it against memmove, for joints inside pages and on page
 * boundaries. The model stops the machine if the one mapping outlives the segments' locks.
 */
#include <string.h>
#include <sys/wait.h>

#include "wm_test.h"
#include "wt_chain.h"
#include "../../core/checksum.h"

#define RW (KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE)

/* A fixed sequence (xorshift64): a failure names the iteration, and reruns the same way. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t below)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return below ? rnd_state % below : 0;
}

static struct kumem_cqe sub(struct wm_process *p, HANDLE h, struct kumem_ring_create *c, uint8_t op,
			    uint32_t region, uint64_t off, uint64_t len, uint32_t value,
			    uint32_t dst, uint64_t doff)
{
	struct kumem_sqe e = { .op = op,
			       .region = region,
			       .offset = off,
			       .len = len,
			       .value = value,
			       .dst_region = dst,
			       .dst_offset = doff,
			       .user_data = 0x5eed };

	return ring_one(p, h, c, &e);
}

/* The region's bytes as the process sees them: the segments' bytes back to back. */
static size_t gather(const struct kumem_segment *s, uint32_t n, uint8_t *out)
{
	size_t at = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		memcpy(out + at, (void *)(uintptr_t)s[i].addr, s[i].len);
		at += s[i].len;
	}
	return at;
}

enum layout { JOINTS_IN_PAGES, JOINTS_ON_PAGES };

/*
 * Four segments in no address order, none sharing a page, with random bytes. Inside pages:
 * every joint falls mid-page on both sides (ring_ops walks the elements). On pages: each
 * segment but the last ends at a page's end and each but the first starts at one (the chain
 * is one linear buffer in its one mapping, as Linux's vmap makes it).
 */
static size_t four_segments(struct wm_process *p, enum layout l, struct kumem_segment s[4])
{
	uint8_t *buf = wm_user_alloc(p, 24 * PG, WM_RW);
	size_t i;

	for (i = 0; i < 24 * PG; i++)
		buf[i] = (uint8_t)rnd(256);
	if (l == JOINTS_IN_PAGES) {
		s[0] = (struct kumem_segment){ (uintptr_t)buf + 12 * PG + 0x321, PG + 77 };
		s[1] = (struct kumem_segment){ (uintptr_t)buf + 2 * PG + 5, 3 };
		s[2] = (struct kumem_segment){ (uintptr_t)buf + 5 * PG + 0xabc, 3 * PG + 1 };
		s[3] = (struct kumem_segment){ (uintptr_t)buf + 18 * PG + 1, 2 * PG - 2 };
	} else {
		s[0] = (struct kumem_segment){ (uintptr_t)buf + 12 * PG + 0x321, 2 * PG - 0x321 };
		s[1] = (struct kumem_segment){ (uintptr_t)buf + 2 * PG, PG };
		s[2] = (struct kumem_segment){ (uintptr_t)buf + 5 * PG, 3 * PG };
		s[3] = (struct kumem_segment){ (uintptr_t)buf + 18 * PG, 2 * PG - 9 };
	}
	return s[0].len + s[1].len + s[2].len + s[3].len;
}

/* A random range of @size bytes: often at a joint or a page's edge, sometimes the whole. */
static void rnd_range(size_t size, const struct kumem_segment *s, uint64_t *off, uint64_t *len)
{
	uint64_t joint = 0;
	uint32_t i, k = (uint32_t)rnd(4);

	for (i = 0; i < k; i++)
		joint += s[i].len;
	switch (rnd(4)) {
	case 0: /* straddling a joint */
		*off = joint > 40 ? joint - rnd(40) - 1 : 0;
		break;
	case 1: /* from a page boundary of the region's bytes */
		*off = rnd(size / PG + 1) * PG;
		break;
	case 2:
		*off = 0;
		*len = size;
		return;
	default:
		*off = rnd(size);
	}
	if (*off >= size)
		*off = size - 1;
	*len = 1 + rnd(size - *off);
}

static void ring_ops_on(enum layout l, int rounds)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .cq_entries = 16 };
	static uint8_t want[16 * PG], got[16 * PG];
	struct kumem_segment s[4];
	struct kumem_cqe cqe;
	struct wm_counts n;
	uint64_t off, len, doff;
	size_t size;
	uint32_t id;
	NTSTATUS st;
	HANDLE h;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	size = four_segments(a, l, s);
	wm_counts(&n);
	id = lockv(a, h, s, 4, RW, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	{
		struct wm_counts m;

		wm_counts(&m);
		CHECK_EQ(m.kernel_mappings - n.kernel_mappings, 5,
			 "one system mapping per segment, and the chain's one mapping");
	}
	{
		struct kumem_describe_args d = { .id = id };

		CHECK_EQ(IOC(a, h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE");
		CHECK_EQ(
			!!(d.mdl.flags & KUMEM_MDL_KERNEL_MAPPED), l == JOINTS_ON_PAGES,
			"one linear kernel buffer exactly when the joints fall on page boundaries");
		CHECK(d.mdl.flags & KUMEM_MDL_CHAINED, "chained");
	}
	gather(s, 4, want);
	for (i = 0; i < rounds; i++) {
		uint8_t op = (uint8_t)(1 + rnd(3));
		uint64_t ksum = 0;

		rnd_range(size, s, &off, &len);
		switch (op) {
		case KUMEM_OP_FILL: {
			uint8_t v = (uint8_t)rnd(256);

			cqe = sub(a, h, &c, KUMEM_OP_FILL, id, off, len, v, 0, 0);
			CHECK_EQ(cqe.result, 0, "FILL");
			memset(want + off, v, len);
			break;
		}
		case KUMEM_OP_CHECKSUM:
			cqe = sub(a, h, &c, KUMEM_OP_CHECKSUM, id, off, len, 0, 0, 0);
			CHECK_EQ(cqe.result, 0, "CHECKSUM");
			CHECK(cqe.value == kumem_checksum(want + off, len),
			      "round %d: checksum of [%llu, +%llu)", i, (unsigned long long)off,
			      (unsigned long long)len);
			/* the kernel's own op: linear (SystemVa) or MDL by MDL, the same sum */
			CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id, off, len, 0, &ksum), 0,
				 "KERNEL_CHECKSUM");
			CHECK(ksum == cqe.value, "round %d: the kernel op's sum", i);
			break;
		default: /* COPY within the region, overlapping as it comes: memmove */
			doff = rnd(size - len + 1);
			cqe = sub(a, h, &c, KUMEM_OP_COPY, id, off, len, 0, id, doff);
			CHECK_EQ(cqe.result, 0, "COPY");
			memmove(want + doff, want + off, len);
			break;
		}
		CHECK_EQ(cqe.user_data, 0x5eed, "the completion's user_data");
		gather(s, 4, got);
		CHECK(memcmp(got, want, size) == 0, "round %d (op %u [%llu, +%llu)): the bytes", i,
		      op, (unsigned long long)off, (unsigned long long)len);
	}
	cqe = sub(a, h, &c, KUMEM_OP_FILL, id, size - 1, 2, 1, 0, 0);
	CHECK_EQ(cqe.result, -KUMEM_ERANGE, "past the chain's end");
	CHECK_EQ(wt_release(a, h, id), 0, "release the chain");
	wm_counts(&n);
	CHECK_EQ(n.kernel_mappings, 1, "only the ring's own mapping left");
	CHECK_EQ(wt_release(a, h, (uint32_t)c.ring_fd), 0, "release the ring");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

static void joints_in_pages(void)
{
	ring_ops_on(JOINTS_IN_PAGES, 300);
}

static void joints_on_pages(void)
{
	ring_ops_on(JOINTS_ON_PAGES, 300);
}

/*
 * Two views of one chain, each anywhere (across joints, a view of a view now and then),
 * and COPY from one to the other, overlapping as it comes: the region's bytes afterwards
 * are memmove's. Also COPY between the chain itself and a view of it.
 */
static void views_copy(enum layout l, int rounds)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .cq_entries = 16 };
	static uint8_t want[16 * PG], got[16 * PG];
	struct kumem_segment s[4];
	struct kumem_cqe cqe;
	uint64_t o1, l1, o2, l2, so, dof, len;
	uint32_t id, v1, v2, src, dst;
	size_t size;
	NTSTATUS st;
	HANDLE h;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	size = four_segments(a, l, s);
	id = lockv(a, h, s, 4, RW, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	gather(s, 4, want);
	for (i = 0; i < rounds; i++) {
		uint32_t vv = 0;

		rnd_range(size, s, &o1, &l1);
		rnd_range(size, s, &o2, &l2);
		v1 = view(a, h, id, o1, l1, &st);
		CHECK_EQ(st, 0, "view 1");
		v2 = view(a, h, id, o2, l2, &st);
		CHECK_EQ(st, 0, "view 2");
		src = v1;
		dst = v2;
		if (rnd(4) == 0 && l1 > 2) { /* the source a view of view 1 */
			uint64_t in = rnd(l1 - 1);

			vv = view(a, h, v1, in, l1 - in, &st);
			CHECK_EQ(st, 0, "view of view 1");
			src = vv;
			o1 += in;
			l1 -= in;
		}
		if (rnd(5) == 0) { /* the chain itself as the destination */
			dst = id;
			o2 = 0;
			l2 = size;
		}
		len = 1 + rnd(l1 < l2 ? l1 : l2);
		so = rnd(l1 - len + 1);
		dof = rnd(l2 - len + 1);
		cqe = sub(a, h, &c, KUMEM_OP_COPY, src, so, len, 0, dst, dof);
		CHECK_EQ(cqe.result, 0, "COPY between views");
		memmove(want + o2 + dof, want + o1 + so, len);
		gather(s, 4, got);
		CHECK(memcmp(got, want, size) == 0,
		      "round %d: COPY [%llu, +%llu) -> [%llu): the bytes are memmove's", i,
		      (unsigned long long)(o1 + so), (unsigned long long)len,
		      (unsigned long long)(o2 + dof));
		cqe = sub(a, h, &c, KUMEM_OP_CHECKSUM, dst, 0, l2, 0, 0, 0);
		CHECK_EQ(cqe.result, 0, "CHECKSUM of the destination");
		CHECK(cqe.value == kumem_checksum(want + o2, l2), "round %d: its sum", i);
		if (vv)
			CHECK_EQ(wt_release(a, h, vv), 0, "release the view of view 1");
		CHECK_EQ(wt_release(a, h, v1), 0, "release view 1");
		CHECK_EQ(wt_release(a, h, v2), 0, "release view 2");
	}
	CHECK_EQ(wt_release(a, h, id), 0, "release the chain");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

static void views_in_pages(void)
{
	views_copy(JOINTS_IN_PAGES, 250);
}

static void views_on_pages(void)
{
	views_copy(JOINTS_ON_PAGES, 250);
}

/*
 * The chain's id released while views and a ring's submissions use it: the views keep the
 * chain, and its one mapping, until the last of them goes; a handle closed with a chain
 * still mapped, and a process exiting with one, undo it before the segments' locks (the
 * model stops the machine otherwise).
 */
static void release_with_mapping_live(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .cq_entries = 16 };
	static uint8_t want[16 * PG];
	struct kumem_segment s[4];
	struct kumem_cqe cqe;
	struct wm_counts n;
	uint32_t id, v;
	size_t size;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	size = four_segments(a, JOINTS_IN_PAGES, s);
	id = lockv(a, h, s, 4, RW, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	gather(s, 4, want);
	v = view(a, h, id, s[0].len - 10, s[1].len + 30, &st);
	CHECK_EQ(st, 0, "a view across two joints");
	CHECK_EQ(wt_release(a, h, id), 0, "release the chain's id");
	cqe = sub(a, h, &c, KUMEM_OP_CHECKSUM, v, 0, s[1].len + 30, 0, 0, 0);
	CHECK_EQ(cqe.result, 0, "the view still reads through the chain's mapping");
	CHECK(cqe.value == kumem_checksum(want + s[0].len - 10, s[1].len + 30), "its sum");
	CHECK_EQ(sub(a, h, &c, KUMEM_OP_CHECKSUM, id, 0, 1, 0, 0, 0).result, -KUMEM_ENOENT,
		 "the released id is gone for the ring");
	CHECK_EQ(wt_release(a, h, v), 0, "release the view: the chain goes now");
	wm_counts(&n);
	CHECK_EQ(n.kernel_mappings, 1, "only the ring's own mapping left");
	CHECK_EQ(a->locked_pages, 0, "nothing locked");

	/* the handle closed with a chain mapped and a ring that used it */
	id = lockv(a, h, s, 4, RW, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV again");
	CHECK_EQ(sub(a, h, &c, KUMEM_OP_FILL, id, 1, size - 2, 0x5a, 0, 0).result, 0, "FILL");
	wm_close(a, h);
	CHECK_EQ(a->locked_pages, 0, "close: nothing locked");
	wt_nothing_held();

	/* the process exits holding a chain, a view and a ring that used them */
	h = wt_open(a);
	c = (struct kumem_ring_create){ .sq_entries = 8, .cq_entries = 16 };
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	id = lockv(a, h, s, 4, RW, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV a third time");
	v = view(a, h, id, 3, size - 6, &st);
	CHECK_EQ(st, 0, "a view");
	CHECK_EQ(sub(a, h, &c, KUMEM_OP_COPY, v, 0, 100, 0, id, s[0].len).result, 0, "COPY");
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/*
 * KUMEM_CHAIN_MAP_MAX_PAGES (4089): a chain of that many pages gets its one mapping and
 * works in rings; one page more keeps -EOPNOTSUPP (its Size would wrap), while the kernel
 * ops, which go MDL by MDL, still work on it.
 */
static void map_limit(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .cq_entries = 16 };
	const uint64_t limit = (0x7fff - sizeof(MDL)) / sizeof(PFN_NUMBER);
	struct kumem_segment s[2];
	uint8_t *buf;
	uint32_t id;
	uint64_t sum = 0;
	NTSTATUS st;
	HANDLE h;
	int extra;

	CHECK_EQ(limit, 4089, "the limit on x64");
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	buf = wm_user_alloc(a, (limit + 4) * PG, WM_RW);
	for (extra = 0; extra <= 1; extra++) {
		/* 2000 pages, a gap, then the rest; both ends mid-page */
		s[0] = (struct kumem_segment){ (uintptr_t)buf + 10, 2000 * PG - 10 };
		s[1] = (struct kumem_segment){ (uintptr_t)buf + 2001 * PG,
					       (limit - 2000 + extra) * PG - 20 };
		id = lockv(a, h, s, 2, RW, &st, NULL);
		CHECK_EQ(st, 0, "LOCK_USERV");
		buf[2000 * PG - 1] = 0x11;
		buf[2001 * PG] = 0x22;
		{
			struct kumem_cqe cqe =
				sub(a, h, &c, KUMEM_OP_CHECKSUM, id, 2000 * PG - 11, 2, 0, 0, 0);
			const uint8_t two[2] = { 0x11, 0x22 };

			if (!extra) {
				CHECK_EQ(cqe.result, 0, "at the limit: rings work");
				CHECK(cqe.value == kumem_checksum(two, 2), "across the joint");
			} else {
				CHECK_EQ(cqe.result, -KUMEM_EOPNOTSUPP, "one page more: refused");
			}
		}
		CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_CHECKSUM, id, 2000 * PG - 11, 2, 0, &sum), 0,
			 "the kernel's own checksum, MDL by MDL");
		CHECK_EQ(wt_release(a, h, id), 0, "release");
	}
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- every fallible call failing in turn ---------------------------------------------------- */

/*
 * LOCK_USERV, a VIEW across a joint and a ring COPY between them, with the @n-th fallible
 * call failing: whichever fails, nothing is left behind, and without a failure the copy
 * is right. Returns 1 when no call failed (every one was tried).
 */
static int f_one(int n, const void *unused)
{
	struct wm_process *a;
	struct kumem_ring_create c = { .sq_entries = 8, .cq_entries = 16 };
	static uint8_t want[16 * PG], got[16 * PG];
	struct kumem_segment s[4];
	struct kumem_cqe cqe;
	uint32_t id, v = 0;
	size_t size;
	NTSTATUS st;
	bool fired;
	HANDLE h;
	(void)unused;

	wm_init();
	a = wm_process_create("a.exe", false);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	size = four_segments(a, JOINTS_IN_PAGES, s);
	gather(s, 4, want);
	wm_fail_plan(n, STATUS_INSUFFICIENT_RESOURCES);
	id = lockv(a, h, s, 4, RW, &st, NULL);
	if (id)
		v = view(a, h, id, s[0].len - 7, s[1].len + 20, &st);
	if (v)
		cqe = sub(a, h, &c, KUMEM_OP_COPY, v, 0, s[1].len + 20, 0, id, 5);
	fired = wm_fail_fired();
	wm_fail_plan(0, 0);
	if (!fired) {
		CHECK(id && v, "LOCK_USERV and VIEW without injected failure");
		CHECK_EQ(cqe.result, 0, "the COPY");
		memmove(want + 5, want + s[0].len - 7, s[1].len + 20);
		gather(s, 4, got);
		CHECK(memcmp(got, want, size) == 0, "the bytes are memmove's");
	} else {
		CHECK(!id || !v, "call %d failed, yet LOCK_USERV and VIEW both succeeded", n);
		CHECK_EQ(wt_stats(a, h).regions, 1 + (id ? 1 : 0), "regions: the ring, the chain");
		CHECK_EQ(a->locked_pages, id ? 9 : 0, "locked pages: the chain's, if made");
	}
	if (id)
		CHECK_EQ(sub(a, h, &c, KUMEM_OP_CHECKSUM, id, 0, size, 0, 0, 0).result, 0,
			 "the chain works in rings after a failed view");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
	return fired ? 0 : 1;
}

static void every_call_fails(void)
{
	int fired = wt_each_fallible_call(63, f_one, NULL);

	/* segments' MDLs, locks, mappings, the chain's MDL and mapping, ... */
	CHECK(fired > 11, "at least a dozen fallible calls were exercised (%d)", fired);
}

static void fail_this_call(void *fn)
{
	wm_fail_next(fn, 0);
}

/*
 * The chain's one mapping failing alone (the fifth system mapping of a lock of four
 * segments): the lock fails with ENOMEM, nothing stays locked or mapped.
 */
static void chain_map_fails(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_segment s[4];
	struct wm_counts n;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	four_segments(a, JOINTS_IN_PAGES, s);
	wm_hook("MmMapLockedPagesSpecifyCache", 5, fail_this_call,
		(void *)"MmMapLockedPagesSpecifyCache");
	CHECK(!lockv(a, h, s, 4, RW, &st, NULL), "the lock fails with its chain's mapping");
	CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES, "ENOMEM");
	CHECK_EQ(a->locked_pages, 0, "nothing locked");
	wm_counts(&n);
	CHECK_EQ(n.kernel_mappings, 0, "nothing mapped");
	CHECK_EQ(wt_stats(a, h).regions, 0, "no region");
	CHECK(lockv(a, h, s, 4, RW, &st, NULL), "the same lock without the failure");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

const struct wt_scenario wt_chain_ring[] = {
	{ "chain ring: FILL/CHECKSUM/COPY at random, joints inside pages", joints_in_pages },
	{ "chain ring: FILL/CHECKSUM/COPY at random, joints on page boundaries", joints_on_pages },
	{ "chain ring: COPY between two views against memmove, joints inside pages",
	  views_in_pages },
	{ "chain ring: COPY between two views against memmove, joints on pages", views_on_pages },
	{ "chain ring: released, closed, exited with the chain's mapping live",
	  release_with_mapping_live },
	{ "chain ring: 4089 pages mapped once, one more refused", map_limit },
	{ "chain ring: every fallible call failing in turn", every_call_fails },
	{ "chain ring: the chain's one mapping failing", chain_map_fails },
	{ NULL, NULL },
};
