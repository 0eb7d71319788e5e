// SPDX-License-Identifier: MIT
/* Chains (vectored locks) and partial views: the seed's MDL Next and IoBuildPartialMdl. */
#include "guest_util.h"

#define PG 4096u

static kumem_t *dev;

/* The bytes of @n segments, back to back, as the kernel should see them. */
static uint8_t *gather(const struct kumem_segment *s, unsigned n, size_t *len)
{
	uint8_t *out, *p;
	size_t total = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		total += s[i].len;
	out = malloc(total);
	if (!out)
		bail_out("malloc %zu", total);
	for (p = out, i = 0; i < n; i++, p += s[i - 1].len)
		memcpy(p, (void *)(uintptr_t)s[i].addr, s[i].len);
	*len = total;
	return out;
}

static uint64_t pagemap_pfn(int fd, uint64_t va)
{
	uint64_t e = 0;

	if (pread(fd, &e, 8, (off_t)(va / PG) * 8) != 8 || !(e >> 63))
		return 0;
	return e & ((1ull << 55) - 1);
}

static bool kernel_sum_is(kumem_region_t *r, uint64_t off, const uint8_t *want, size_t len)
{
	uint64_t sum = 0;

	return kumem_kernel_checksum(r, off, len, &sum) == 0 && sum == kumem_checksum(want, len);
}

/* Three segments from three buffers, unaligned, out of address order. */
static void unaligned_chain(uint8_t *a, uint8_t *b, uint8_t *c)
{
	const struct kumem_segment s[] = {
		{ (uintptr_t)(b + 100), 5000 },	   /* 2 pages */
		{ (uintptr_t)(a + 4095), 2 },	   /* straddles a page boundary: 2 pages */
		{ (uintptr_t)(c + 7), 3 * PG - 7 } /* ends on a page boundary: 3 pages */
	};
	const uint64_t pages[] = { 2, 2, 3 };
	struct kumem_stats base = stats_now(dev), during;
	long pins0 = foll_pins_held(true);
	struct kumem_mdl_elem e[4];
	struct kumem_mdl m;
	uint64_t pfns[8], off = 0;
	uint32_t chain_len = 0;
	kumem_region_t *r;
	uint8_t *want;
	size_t len, i, bad = 0;
	unsigned badseg = 99;
	int pm, n;

	fill_pattern(a, 2 * PG, 1);
	fill_pattern(b, 2 * PG, 2);
	fill_pattern(c, 3 * PG, 3);
	want = gather(s, 3, &len);
	if (!is_int(kumem_lock_user_segments(dev, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r,
					     &badseg),
		    0, "lock a chain of 3 unaligned segments"))
		return;
	is_int(badseg, KUMEM_NO_SEGMENT, "no segment blamed on success");
	is_int(kumem_region_len(r), 5000 + 2 + 3 * PG - 7, "the region's length is the sum");
	during = stats_now(dev);
	is_int(during.pinned_pages - base.pinned_pages, 7, "7 pages pinned, one region");
	is_int(during.regions - base.regions, 1, "one region for the whole chain");
	is_int(foll_pins_held(true) - pins0, 7, "7 FOLL_PIN pins held (/proc/vmstat)");

	is_int(kumem_region_describe(r, &m, NULL, 0), 0, "describe the chain");
	is_int(m.chain_length, 3, "chain_length 3");
	is_int(m.page_count, 7, "page_count is the chain's");
	is_int(m.byte_count, len, "byte_count is the chain's");
	is_int(m.flags, KUMEM_MDL_LOCKED | KUMEM_MDL_KERNEL_WRITES | KUMEM_MDL_CHAINED,
	       "flags: locked, chained, not one linear kernel buffer");
	n = kumem_region_describe_chain(r, e, 4, &chain_len);
	is_int(n, 3, "describe_chain writes 3 elements");
	is_int(chain_len, 3, "and says the chain has 3");
	for (i = 0; i < 3 && n == 3; i++) {
		ok(e[i].index == i && e[i].start_va == (s[i].addr & ~(uint64_t)(PG - 1)) &&
			   e[i].byte_offset == s[i].addr % PG && e[i].byte_count == s[i].len &&
			   e[i].page_count == pages[i] && e[i].offset == off,
		   "element %zu: StartVa, ByteOffset, ByteCount, pages, offset", i);
		off += s[i].len;
	}
	ok(n == 3 && e[0].first_pfn == 0 && e[1].first_pfn == 2 && e[2].first_pfn == 4,
	   "elements' pages follow each other in the PFN array");
	is_int(kumem_region_describe_chain(r, e, 1, &chain_len), 1, "room for one: one written");

	/* per segment, the PFNs are the process's pages (root) */
	pm = open("/proc/self/pagemap", O_RDONLY);
	n = kumem_region_describe(r, &m, pfns, 8);
	is_int(n, 7, "7 PFNs");
	for (i = 0; i < 3 && pm >= 0 && n == 7; i++) {
		uint64_t p, same = 0;

		for (p = 0; p < pages[i]; p++)
			same += pfns[e[i].first_pfn + p] != 0 &&
				pfns[e[i].first_pfn + p] == pagemap_pfn(pm, e[i].start_va + p * PG);
		is_int(same, pages[i], "segment %zu: every PFN equals /proc/self/pagemap", i);
	}
	if (pm >= 0)
		close(pm);

	ok(kernel_sum_is(r, 0, want, len), "kernel checksum over the chain = the gathered bytes");
	ok(kernel_sum_is(r, 4990, want + 4990, 30), "checksum across both joints");
	is_int(kumem_kernel_fill(r, 4999, 4, 0x5a), 0, "kernel fill across both joints");
	ok(b[100 + 4999] == 0x5a && a[4095] == 0x5a && a[4096] == 0x5a && c[7] == 0x5a &&
		   c[8] != 0x5a && b[100 + 4998] != 0x5a,
	   "the fill lands in the three buffers, nothing around it");
	for (i = 0; i < len; i++)
		bad += (i >= 4999 && i < 5003 ? 0x5a : want[i]) != (i < 5000   ? b[100 + i]
								    : i < 5002 ? a[4095 + i - 5000]
									       : c[7 + i - 5002]);
	is_int(bad, 0, "every byte of the three buffers is the fill or what it was");
	is_int(kumem_kernel_fill(r, len - 1, 2, 1), -ERANGE, "fill past the end -> ERANGE");

	is_int(kumem_region_release(r), 0, "release the chain");
	stats_check(dev, &base, "after the chain");
	is_int(foll_pins_held(true) - pins0, 0, "every FOLL_PIN pin given back");
	free(want);
}

/* Whole pages from separate buffers: the kernel sees one linear buffer. */
static void linear_chain(uint8_t *a, uint8_t *b)
{
	const struct kumem_segment s[] = { { (uintptr_t)(a + 50), PG - 50 },
					   { (uintptr_t)(b + PG), 2 * PG },
					   { (uintptr_t)a + 3 * PG, 9 } };
	struct kumem_mdl m;
	kumem_region_t *r;
	uint8_t *want;
	size_t len;

	fill_pattern(a, 4 * PG, 4);
	fill_pattern(b, 4 * PG, 5);
	want = gather(s, 3, &len);
	if (!is_int(kumem_lock_user_segments(dev, s, 3, KUMEM_KERNEL_READ, &r, NULL), 0,
		    "lock a chain whose segments meet on page boundaries"))
		return;
	is_int(kumem_region_describe(r, &m, NULL, 0), 0, "describe it");
	is_int(m.flags, KUMEM_MDL_LOCKED | KUMEM_MDL_KERNEL_MAPPED | KUMEM_MDL_CHAINED,
	       "flags: chained and one linear kernel buffer");
	ok(kernel_sum_is(r, 0, want, len), "kernel checksum of the linear chain");
	is_int(kumem_kernel_fill(r, 0, 1, 0), -EACCES, "read-only chain refuses a fill");
	kumem_region_release(r);
	free(want);
}

/* Refusals: raw ioctl to see bad_segment, and nothing may stay pinned. */
static int lockv_raw(int fd, const struct kumem_segment *s, uint32_t n, uint32_t flags,
		     uint32_t *bad)
{
	struct kumem_lockv_args a = { .segs = (uintptr_t)s, .count = n, .flags = flags };
	int err = rioctl(fd, KUMEM_IOC_LOCK_USERV, &a);

	*bad = a.bad_segment;
	if (!err)
		raw_release(fd, a.id);
	return err;
}

static void nothing_held(const struct kumem_stats *base, const char *what)
{
	struct kumem_stats now = stats_now(dev);

	ok(now.pinned_pages == base->pinned_pages && now.regions == base->regions,
	   "%s: nothing left pinned, no region", what);
}

static void refusals(uint8_t *a)
{
	struct kumem_stats base;
	struct kumem_segment big[KUMEM_MAX_SEGMENTS + 1];
	uint8_t *ro = anon(PG, PROT_READ, false),
		*hole = anon(3 * PG, PROT_READ | PROT_WRITE, true);
	const uint32_t rw = KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE;
	int fd = raw_open();
	uint32_t bad = 0;
	unsigned i;

	base = stats_now(dev);
	munmap(hole + PG, PG);
	{
		const struct kumem_segment s[] = { { (uintptr_t)a, 100 },
						   { (uintptr_t)a + 2 * PG, 10 },
						   { (uintptr_t)a + 200, 10 } };

		is_int(lockv_raw(fd, s, 3, rw, &bad), -EINVAL,
		       "two segments share a page -> EINVAL");
		is_int(bad, 2, "the later one is named");
		nothing_held(&base, "shared page");
	}
	{
		const struct kumem_segment s[] = { { (uintptr_t)a, 2 * PG },
						   { (uintptr_t)a + PG, 10 } };

		is_int(lockv_raw(fd, s, 2, rw, &bad), -EINVAL, "overlapping segments -> EINVAL");
		is_int(bad, 1, "segment 1 named");
	}
	{
		const struct kumem_segment s[] = { { (uintptr_t)a, 10 }, { (uintptr_t)a + PG, 0 } };

		is_int(lockv_raw(fd, s, 2, rw, &bad), -EINVAL, "zero-length segment -> EINVAL");
		is_int(bad, 1, "segment 1 named");
	}
	{
		const struct kumem_segment s[] = { { (uintptr_t)a, 2 * PG },
						   { (uintptr_t)hole, 3 * PG } };

		is_int(lockv_raw(fd, s, 2, rw, &bad), -EFAULT,
		       "a segment over an unmapped page -> EFAULT");
		is_int(bad, 1, "segment 1 named");
		nothing_held(&base, "unmapped, after segment 0 and part of 1 were pinned");
	}
	{
		const struct kumem_segment s[] = { { (uintptr_t)a, 2 * PG },
						   { (uintptr_t)ro, 100 } };

		is_int(lockv_raw(fd, s, 2, rw, &bad), -EFAULT,
		       "KERNEL_WRITE over a read-only mapping -> EFAULT");
		is_int(bad, 1, "segment 1 named");
		nothing_held(&base, "read-only");
		is_int(lockv_raw(fd, s, 2, KUMEM_KERNEL_READ, &bad), 0,
		       "the same chain for reading is fine");
	}
	for (i = 0; i <= KUMEM_MAX_SEGMENTS; i++)
		big[i] = (struct kumem_segment){ (uintptr_t)a + (uint64_t)i * PG + i % 7, 1 };
	is_int(lockv_raw(fd, big, KUMEM_MAX_SEGMENTS, rw, &bad), 0,
	       "KUMEM_MAX_SEGMENTS (%u) segments", KUMEM_MAX_SEGMENTS);
	is_int(lockv_raw(fd, big, KUMEM_MAX_SEGMENTS + 1, rw, &bad), -EINVAL, "one more -> EINVAL");
	is_int(lockv_raw(fd, big, 0, rw, &bad), -EINVAL, "none -> EINVAL");
	nothing_held(&base, "after the limits");
	close(fd);
	stats_check(dev, &base, "after every refusal (nothing left pinned)");
	munmap(ro, PG);
	munmap(hole, PG);
	munmap(hole + 2 * PG, PG);
}

/* Views of a chain at every boundary, views of views, the parent released first. */
static void views(uint8_t *a, uint8_t *b)
{
	const struct kumem_segment s[] = { { (uintptr_t)(a + 10), PG }, /* 2 pages */
					   { (uintptr_t)(b + 3), 100 } };
	struct kumem_stats base = stats_now(dev), during;
	kumem_region_t *r, *v, *vv, *first, *last, *tmp;
	struct kumem_mdl_elem e[2];
	struct kumem_mdl m;
	uint8_t *want;
	size_t len;

	fill_pattern(a, 2 * PG, 6);
	fill_pattern(b, PG, 7);
	want = gather(s, 2, &len);
	if (!is_int(kumem_lock_user_segments(dev, s, 2, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r,
					     NULL),
		    0, "lock a chain for views"))
		return;
	is_int(kumem_region_view(r, 0, 1, &first), 0, "view of the first byte");
	ok(kernel_sum_is(first, 0, want, 1), "it holds the first byte");
	is_int(kumem_region_view(r, len - 1, 1, &last), 0, "view of the last byte");
	ok(kernel_sum_is(last, 0, want + len - 1, 1), "it holds the last byte");
	is_int(kumem_region_view(r, len, 1, &tmp), -ERANGE, "view starting at the end -> ERANGE");
	is_int(kumem_region_view(r, len - 1, 2, &tmp), -ERANGE, "view one byte past -> ERANGE");
	is_int(kumem_region_view(r, 0, 0, &tmp), -EINVAL, "empty view -> EINVAL");
	is_int(kumem_region_view(r, PG - 1, 3, &v), 0, "view across the joint");
	is_int(kumem_region_describe(v, &m, NULL, 0), 0, "describe it");
	ok(m.chain_length == 2 && (m.flags & KUMEM_MDL_VIEW) && (m.flags & KUMEM_MDL_CHAINED) &&
		   m.byte_count == 3 && m.page_count == 2,
	   "a view of 2 elements, 3 bytes over 2 pages");
	is_int(kumem_region_describe_chain(v, e, 2, NULL), 2, "its elements");
	ok(e[0].start_va == (uintptr_t)a + PG && e[0].byte_offset == 9 && e[0].byte_count == 1 &&
		   e[1].start_va == (uintptr_t)b && e[1].byte_offset == 3 && e[1].byte_count == 2 &&
		   e[1].offset == 1 && e[1].first_pfn == 1,
	   "the last byte of segment 0 and the first two of segment 1");
	ok(kernel_sum_is(v, 0, want + PG - 1, 3), "kernel checksum through the view");
	is_int(kumem_region_view(v, 1, 2, &vv), 0, "a view of the view");
	is_int(kumem_kernel_fill(vv, 0, 2, 0xc3), 0, "fill through the view of the view");
	ok(b[3] == 0xc3 && b[4] == 0xc3 && b[5] == want[PG + 2] && a[10 + PG - 1] == want[PG - 1],
	   "lands in segment 1's first two bytes only");
	is_int(kumem_kernel_fill(vv, 1, 2, 0), -ERANGE, "past the view's end -> ERANGE");
	is_int(kumem_region_view(v, 3, 1, &tmp), -ERANGE, "a view past a view's end -> ERANGE");

	during = stats_now(dev);
	is_int(during.regions - base.regions, 5, "the chain and four views are regions");
	is_int(during.pinned_pages - base.pinned_pages, 3, "views pin nothing of their own");
	is_int(kumem_region_release(r), 0, "release the parent while views live");
	fill_pattern(b, PG, 8);
	{
		uint64_t sum = 0;

		ok(kumem_kernel_checksum(vv, 0, 2, &sum) == 0 && sum == kumem_checksum(b + 3, 2),
		   "the view still reaches the parent's pages");
	}
	is_int(stats_now(dev).pinned_pages - base.pinned_pages, 3, "the pages stay pinned");
	kumem_region_release(v);
	kumem_region_release(vv);
	kumem_region_release(first);
	kumem_region_release(last);
	stats_check(dev, &base, "after the last view");
	free(want);
}

/* Views of a plain region and of a method 2 region; ring COPY between two views of one. */
static void ring_views(uint8_t *a, uint8_t *b)
{
	const struct kumem_segment s[] = { { (uintptr_t)(a + 10), PG }, { (uintptr_t)(b + 3), 9 } };
	kumem_region_t *r, *v1, *v2, *sh, *shv, *ch;
	struct kumem_sqe *q;
	struct kumem_cqe c[2];
	kumem_ring_t *ring;
	uint8_t *p;
	int got = 0;

	fill_pattern(a, 4 * PG, 9);
	if (!is_int(kumem_lock_user(dev, a, 4 * PG, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r), 0,
		    "lock 4 pages") ||
	    !is_int(kumem_ring_create(dev, 8, 0, 0, &ring), 0, "a ring"))
		return;
	is_int(kumem_region_view(r, 5, 3000, &v1), 0, "view 1: [5, 3005)");
	is_int(kumem_region_view(r, 2 * PG + 1, 3000, &v2), 0, "view 2: [2 pages + 1, ...)");
	q = kumem_ring_get_sqe(ring);
	*q = (struct kumem_sqe){ .op = KUMEM_OP_COPY,
				 .region = kumem_region_id(v1),
				 .offset = 7,
				 .len = 2000,
				 .dst_region = kumem_region_id(v2),
				 .dst_offset = 11,
				 .user_data = 1 };
	q = kumem_ring_get_sqe(ring);
	*q = (struct kumem_sqe){ .op = KUMEM_OP_COPY,
				 .region = kumem_region_id(v1),
				 .len = 1,
				 .dst_region = kumem_region_id(v2),
				 .dst_offset = 3000,
				 .user_data = 2 };
	if (kumem_ring_submit(ring) >= 0 && kumem_ring_wait(ring, 2, 2000000000ll) == 0)
		got = kumem_ring_reap(ring, c, 2);
	is_int(got, 2, "two completions");
	ok(got == 2 && c[0].result == 0 && memcmp(a + 2 * PG + 1 + 11, a + 5 + 7, 2000) == 0,
	   "ring COPY between two views of one region");
	ok(got == 2 && c[1].result == -ERANGE, "COPY past view 2's end -> ERANGE completion");

	/* method 2: a view is a region too */
	is_int(kumem_alloc_shared(dev, 3 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &sh), 0,
	       "method 2 region");
	p = kumem_region_addr(sh);
	fill_pattern(p, 3 * PG, 10);
	is_int(kumem_region_view(sh, PG + 1, PG, &shv), 0, "view of it");
	ok(kernel_sum_is(shv, 0, p + PG + 1, PG), "checksum through the method 2 view");
	ok(kumem_region_addr(shv) && memcmp(kumem_region_addr(shv), p + PG + 1, PG) == 0,
	   "libkumem maps a method 2 view: kumem_region_addr() is its first byte");
	if (kumem_region_addr(shv))
		*(volatile uint8_t *)kumem_region_addr(shv) = 0xee;
	ok(p[PG + 1] == 0xee, "the view's mapping shares the parent's pages");
	ok(kumem_region_addr(v1) == NULL, "a view of a method 1 region has no address");

	/* a chain with a joint inside a page: the ring walks its elements */
	is_int(kumem_lock_user_segments(dev, s, 2, KUMEM_KERNEL_READ, &ch, NULL), 0,
	       "unaligned chain");
	q = kumem_ring_get_sqe(ring);
	*q = (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM,
				 .region = kumem_region_id(ch),
				 .len = PG + 9 };
	q = kumem_ring_get_sqe(ring);
	*q = (struct kumem_sqe){ .op = KUMEM_OP_FILL, .region = kumem_region_id(ch), .len = 1 };
	got = 0;
	if (kumem_ring_submit(ring) >= 0 && kumem_ring_wait(ring, 2, 2000000000ll) == 0)
		got = kumem_ring_reap(ring, c, 2);
	{
		uint8_t *want;
		size_t len;

		want = gather(s, 2, &len);
		ok(got == 2 && c[0].result == 0 && c[0].value == kumem_checksum(want, len),
		   "ring CHECKSUM over a non-linear chain = the gathered bytes");
		free(want);
	}
	ok(got == 2 && c[1].result == -EACCES, "ring FILL of a read-only chain -> EACCES");
	kumem_region_release(v1);
	is_int(kumem_region_view(ch, 100, 200, &v1), 0, "view inside segment 0 of that chain");
	q = kumem_ring_get_sqe(ring);
	*q = (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM,
				 .region = kumem_region_id(v1),
				 .len = 200 };
	got = 0;
	if (kumem_ring_submit(ring) >= 0 && kumem_ring_wait(ring, 1, 2000000000ll) == 0)
		got = kumem_ring_reap(ring, c, 1);
	ok(got == 1 && c[0].result == 0 && c[0].value == kumem_checksum(a + 110, 200),
	   "a view inside one segment is one linear buffer: the ring checksums it");
	kumem_region_release(v1);
	kumem_region_release(v2);
	kumem_region_release(ch);
	kumem_region_release(shv);
	kumem_region_release(sh);
	kumem_region_release(r);
	kumem_ring_destroy(ring);
}

/* One submission on @ring, waited for: its completion (result -1000 if none came). */
static struct kumem_cqe ring_one(kumem_ring_t *ring, struct kumem_sqe e)
{
	struct kumem_cqe c = { .result = -1000 };
	struct kumem_sqe *q = kumem_ring_get_sqe(ring);

	if (!q)
		return c;
	*q = e;
	if (kumem_ring_submit(ring) < 0 || kumem_ring_wait(ring, 1, 2000000000ll) ||
	    kumem_ring_reap(ring, &c, 1) != 1)
		c.result = -1000;
	return c;
}

/* Do the chain's buffers hold @want (its logical bytes)? Counts the bytes that differ. */
static size_t chain_differs(const struct kumem_segment *s, unsigned n, const uint8_t *want)
{
	size_t len, i, bad = 0;
	uint8_t *now = gather(s, n, &len);

	for (i = 0; i < len; i++)
		bad += now[i] != want[i];
	free(now);
	return bad;
}

/*
 * Ring ops over a chain whose joints lie inside pages, and COPY between views of it: each
 * must be what memset, the checksum and memmove give over the chain's logical bytes,
 * however source and destination overlap, across the joints too.
 */
static void ring_chains(uint8_t *a, uint8_t *b, uint8_t *c)
{
	const struct kumem_segment s[] = { { (uintptr_t)(b + 100),
					     5000 }, /* joints at 5000 and 5002 */
					   { (uintptr_t)(a + 4095), 2 },
					   { (uintptr_t)(c + 7), 3 * PG - 7 } };
	struct kumem_stats base = stats_now(dev);
	kumem_region_t *r, *v1, *v2, *sh;
	struct kumem_cqe done;
	kumem_ring_t *ring;
	uint8_t *want, *p;
	size_t len;
	uint32_t id, id1, id2;

	fill_pattern(a, 2 * PG, 11);
	fill_pattern(b, 2 * PG, 12);
	fill_pattern(c, 3 * PG, 13);
	want = gather(s, 3, &len);
	if (!is_int(kumem_lock_user_segments(dev, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r,
					     NULL),
		    0, "lock a chain with joints inside pages") ||
	    !is_int(kumem_ring_create(dev, 8, 0, 0, &ring), 0, "a ring"))
		return;
	id = kumem_region_id(r);
	done = ring_one(ring,
			(struct kumem_sqe){
				.op = KUMEM_OP_CHECKSUM, .region = id, .offset = 4990, .len = 30 });
	ok(done.result == 0 && done.value == kumem_checksum(want + 4990, 30),
	   "ring CHECKSUM across both joints");
	done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
						  .region = id,
						  .offset = 4998,
						  .len = 6,
						  .value = 0xa5 });
	memset(want + 4998, 0xa5, 6);
	ok(done.result == 0 && chain_differs(s, 3, want) == 0 && b[100 + 4999] == 0xa5 &&
		   a[4095] == 0xa5 && a[4096] == 0xa5 && c[8] == 0xa5,
	   "ring FILL across both joints: in the three buffers, every other byte as it was");

	/* COPY inside the chain, overlapping, across joints: forwards and backwards */
	done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
						  .region = id,
						  .offset = 4900,
						  .dst_region = id,
						  .dst_offset = 4903,
						  .len = 3000 });
	memmove(want + 4903, want + 4900, 3000);
	ok(done.result == 0 && chain_differs(s, 3, want) == 0,
	   "COPY 3 bytes up, overlapping, across both joints = memmove");
	done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
						  .region = id,
						  .offset = 4903,
						  .dst_region = id,
						  .dst_offset = 4899,
						  .len = 3001 });
	memmove(want + 4899, want + 4903, 3001);
	ok(done.result == 0 && chain_differs(s, 3, want) == 0,
	   "COPY 4 bytes down, overlapping, across both joints = memmove");

	/* two views of the chain, overlapping each other */
	is_int(kumem_region_view(r, 4000, 3000, &v1), 0, "view 1: [4000, 7000), both joints");
	is_int(kumem_region_view(r, 4501, 4000, &v2), 0, "view 2: [4501, 8501)");
	id1 = kumem_region_id(v1);
	id2 = kumem_region_id(v2);
	done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
						  .region = id1,
						  .offset = 0,
						  .dst_region = id2,
						  .dst_offset = 0,
						  .len = 2999 });
	memmove(want + 4501, want + 4000, 2999);
	ok(done.result == 0 && chain_differs(s, 3, want) == 0,
	   "COPY view 1 -> view 2 (destination above, overlapping) = memmove");
	done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
						  .region = id2,
						  .offset = 10,
						  .dst_region = id1,
						  .dst_offset = 0,
						  .len = 3000 });
	memmove(want + 4000, want + 4511, 3000);
	ok(done.result == 0 && chain_differs(s, 3, want) == 0,
	   "COPY view 2 -> view 1 (destination below, overlapping) = memmove");
	done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
						  .region = id2,
						  .offset = 0,
						  .dst_region = id1,
						  .dst_offset = 1,
						  .len = 3000 });
	ok(done.result == -ERANGE && chain_differs(s, 3, want) == 0,
	   "COPY past view 1's end -> ERANGE, nothing written");

	/* random copies among the chain and its two views, each against memmove */
	{
		const uint32_t ids[3] = { id, id1, id2 };
		const uint64_t base_of[3] = { 0, 4000, 4501 }, size_of[3] = { len, 3000, 4000 };
		uint64_t seed = 20261125, bad = 0, k;

		for (k = 0; k < 300; k++) {
			unsigned si, di;
			uint64_t n, so, dof;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			si = (unsigned)(seed >> 33) % 3;
			di = (unsigned)(seed >> 40) % 3;
			n = (seed >> 20) % (size_of[si] < size_of[di] ? size_of[si] : size_of[di]);
			so = (seed >> 7) % (size_of[si] - n + 1);
			dof = (seed >> 13) % (size_of[di] - n + 1);
			done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
								  .region = ids[si],
								  .offset = so,
								  .dst_region = ids[di],
								  .dst_offset = dof,
								  .len = n });
			memmove(want + base_of[di] + dof, want + base_of[si] + so, n);
			bad += done.result != 0 || chain_differs(s, 3, want) != 0;
		}
		is_int(bad, 0, "300 random COPYs among the chain and its views = memmove");
	}

	/* between the chain and a method 2 region, both ways */
	if (is_int(kumem_alloc_shared(dev, 2 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &sh), 0,
		   "method 2 region")) {
		p = kumem_region_addr(sh);
		done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
							  .region = id,
							  .offset = 4500,
							  .dst_region = kumem_region_id(sh),
							  .dst_offset = 1,
							  .len = 2 * PG - 1 });
		ok(done.result == 0 && memcmp(p + 1, want + 4500, 2 * PG - 1) == 0,
		   "COPY chain -> method 2 region gathers the elements");
		fill_pattern(p, 2 * PG, 14);
		done = ring_one(ring, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
							  .region = kumem_region_id(sh),
							  .offset = 0,
							  .dst_region = id2,
							  .dst_offset = 400,
							  .len = 600 });
		memcpy(want + 4501 + 400, p, 600);
		ok(done.result == 0 && chain_differs(s, 3, want) == 0,
		   "COPY method 2 region -> view of the chain scatters over the joints");
		kumem_region_release(sh);
	}
	kumem_region_release(v1);
	kumem_region_release(v2);
	kumem_region_release(r);
	kumem_ring_destroy(ring);
	stats_check(dev, &base, "after the ring ops on chains");
	free(want);
}

static bool back_to(const struct kumem_stats *base)
{
	struct kumem_stats now = stats_now(dev);

	return stats_same(&now, base);
}

/* A process killed holding chains and views: everything comes back. */
static int hold_and_die(void *arg)
{
	uint8_t *a = anon(8 * PG, PROT_READ | PROT_WRITE, true);
	const struct kumem_segment s[] = { { (uintptr_t)(a + 1), 100 },
					   { (uintptr_t)(a + 3 * PG), 2 * PG } };
	kumem_region_t *r, *v, *vv;
	kumem_t *d;

	(void)arg;
	if (kumem_open(&d) || kumem_lock_user_segments(d, s, 2, KUMEM_KERNEL_READ, &r, NULL) ||
	    kumem_region_view(r, 50, 100, &v) || kumem_region_view(v, 1, 10, &vv))
		return 1;
	kumem_region_release(r); /* only views hold the chain now */
	if (kumem_lock_user_segments(d, s, 2, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r, NULL) ||
	    kumem_region_view(r, 0, 1, &v))
		return 2;
	raise(SIGKILL);
	return 3;
}

/* `kumem inspect --self-chain 3`: the CLI asks the driver for a chain of its own buffers. */
static void cli_inspect(void)
{
	char out[4096] = "", *p;
	FILE *f = popen("/bin/kumem inspect --json --self-chain 3", "r");
	size_t got = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	int st = f ? pclose(f) : -1, elems = 0;

	out[got] = 0;
	is_int(st, 0, "kumem inspect --self-chain 3 exits 0");
	ok(strstr(out, "\"chain_length\": 3") != NULL, "it reports a chain of 3");
	for (p = out; (p = strstr(p, "\"byte_count\": 4096")); p++)
		elems++;
	is_int(elems, 3, "three elements of 4096 bytes");
	ok(strstr(out, "\"byte_offset\": 32") != NULL, "the second one 0x20 into its page");
}

int main(void)
{
	struct kumem_stats base;
	uint8_t *a, *b, *c;
	long pins0;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	a = anon((KUMEM_MAX_SEGMENTS + 2) * PG, PROT_READ | PROT_WRITE, true);
	b = anon(4 * PG, PROT_READ | PROT_WRITE, true);
	c = anon(4 * PG, PROT_READ | PROT_WRITE, true);

	unaligned_chain(a, b, c);
	linear_chain(a, b);
	refusals(a);
	views(a, b);
	ring_views(a, b);
	ring_chains(a, b, c);
	cli_inspect();
	pins0 = foll_pins_held(true);
	is_int(in_child(hold_and_die, NULL), KILLED_BY(SIGKILL),
	       "child killed holding chains+views");
	ok(wait_until(ASYNC_BOUND_MS, back_to(&base)), "counters back to baseline after the kill");
	ok(wait_until(ASYNC_BOUND_MS, foll_pins_held(true) == pins0),
	   "FOLL_PIN pins back to baseline after the kill");
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
