// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Chains and partial views (issue 14) against the model: a vectored lock is one MDL per
 * segment linked through Next, a view is partial MDLs (IoBuildPartialMdl) of its parent's.
 * The model checks the MDL contracts (partial MDLs freed before their source is unlocked or
 * freed, no freed MDL left on a live Next, locks undone before the process goes); these
 * scenarios check what the driver reports against the model's own page tables.
 */
#include <string.h>
#include <sys/wait.h>

#include "wm_test.h"
#include "wt_chain.h"
#include "../../core/checksum.h"

static struct kumem_mdl describe(struct wm_process *p, HANDLE h, uint32_t id, uint64_t *pfns,
				 uint64_t max)
{
	uint64_t *upfn = pfns ? wm_user_alloc(p, (max * 8 + PG - 1) / PG * PG, WM_RW) : NULL;
	struct kumem_describe_args d = { .id = id, .pfns = (uintptr_t)upfn, .max_pfns = max };

	CHECK_EQ(IOC(p, h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE");
	if (pfns) {
		CHECK_EQ(d.pfns_written, d.mdl.page_count < max ? d.mdl.page_count : max,
			 "PFNs written");
		memcpy(pfns, upfn, d.pfns_written * 8);
	}
	return d.mdl;
}

/* DESCRIBE_CHAIN into the process's memory; returns the chain's length. */
static uint32_t describe_chain(struct wm_process *p, HANDLE h, uint32_t id,
			       struct kumem_mdl_elem *out, uint32_t max)
{
	struct kumem_mdl_elem *ue = wm_user_alloc(p, PG * 8, WM_RW);
	struct kumem_describe_chain_args d = { .id = id, .max_elems = max, .elems = (uintptr_t)ue };

	CHECK(max * sizeof(*ue) <= PG * 8, "room");
	CHECK_EQ(IOC(p, h, KUMEM_IOC_DESCRIBE_CHAIN, d), 0, "DESCRIBE_CHAIN");
	CHECK_EQ(d.elems_written, d.chain_length < max ? d.chain_length : max, "elems written");
	memcpy(out, ue, d.elems_written * sizeof(*ue));
	return d.chain_length;
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

static uint64_t kcsum(struct wm_process *p, HANDLE h, uint32_t id, uint64_t off, uint64_t len)
{
	uint64_t sum = 0;

	CHECK_EQ(wt_kop(p, h, KUMEM_IOC_KERNEL_CHECKSUM, id, off, len, 0, &sum), 0, "checksum");
	return sum;
}

/*
 * Every element of region @id against @segs cut to [off, off + len): its geometry, and its
 * PFNs against the model's page tables for those user addresses.
 */
static void check_elements(struct wm_process *p, HANDLE h, uint32_t id,
			   const struct kumem_segment *segs, uint32_t n, uint64_t off, uint64_t len)
{
	struct kumem_mdl_elem e[16];
	uint64_t pfn[64], at = 0, end = off + len, first = 0, pos = 0;
	uint32_t i, k = 0, chain;
	struct kumem_mdl m;

	m = describe(p, h, id, pfn, 64);
	chain = describe_chain(p, h, id, e, 16);
	CHECK_EQ(m.chain_length, chain, "DESCRIBE and DESCRIBE_CHAIN agree on the length");
	for (i = 0; i < n; at += segs[i].len, i++) {
		uint64_t from, to, va, pages, j;

		if (at + segs[i].len <= off || at >= end)
			continue;
		from = off > at ? off - at : 0;
		to = end - at < segs[i].len ? end - at : segs[i].len;
		va = segs[i].addr + from;
		pages = ((va + (to - from) - 1) / PG) - va / PG + 1;
		CHECK(k < chain, "element %u exists", k);
		CHECK_EQ(e[k].index, k, "index");
		CHECK_EQ(e[k].start_va, va & ~(uint64_t)(PG - 1), "element StartVa");
		CHECK_EQ(e[k].byte_offset, va % PG, "element ByteOffset");
		CHECK_EQ(e[k].byte_count, to - from, "element ByteCount");
		CHECK_EQ(e[k].page_count, pages, "element pages");
		CHECK_EQ(e[k].offset, pos, "element offset in the region");
		CHECK_EQ(e[k].first_pfn, first, "element first PFN index");
		for (j = 0; j < pages; j++)
			CHECK_EQ(pfn[first + j],
				 wm_user_pfn(p, (void *)(uintptr_t)((va & ~(uint64_t)(PG - 1)) +
								    j * PG)),
				 "PFN = the model's page table");
		pos += to - from;
		first += pages;
		k++;
	}
	CHECK_EQ(chain, k, "elements");
	CHECK_EQ(m.byte_count, len, "ByteCount of the whole");
	CHECK_EQ(m.page_count, first, "pages of the whole");
	CHECK_EQ(m.byte_offset, e[0].byte_offset, "ByteOffset: the first element's");
	CHECK_EQ(m.start_va, e[0].start_va, "StartVa: the first element's");
	CHECK_EQ(!!(m.flags & KUMEM_MDL_CHAINED), k > 1, "CHAINED iff several elements");
	CHECK_EQ(!!(m.flags & KUMEM_MDL_KERNEL_MAPPED), k == 1, "one linear mapping iff one MDL");
}

/* Three segments in no address order, any alignment, none sharing a page. */
static uint8_t *three_segments(struct wm_process *p, struct kumem_segment s[3])
{
	uint8_t *buf = wm_user_alloc(p, 16 * PG, WM_RW);
	int i;

	for (i = 0; i < 16 * (int)PG; i++)
		buf[i] = (uint8_t)(i * 31 + (i >> 12));
	s[0] = (struct kumem_segment){ (uintptr_t)buf + 5 * PG + 0x64, PG };	  /* pages 5-6 */
	s[1] = (struct kumem_segment){ (uintptr_t)buf + 0xfff, PG + 1 };	  /* pages 0-1 */
	s[2] = (struct kumem_segment){ (uintptr_t)buf + 9 * PG + 7, 2 * PG + 9 }; /* 9-11 */
	return buf;
}

static void chain_pfns_in(bool is32)
{
	struct wm_process *a = wm_process_create("a.exe", is32);
	struct kumem_segment s[3];
	uint8_t all[5 * PG], *buf;
	struct kumem_stats st0;
	size_t total, i;
	uint32_t id, bad;
	NTSTATUS st;
	HANDLE h;
	int wrong = 0;

	a->debug_privilege = true;
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	buf = three_segments(a, s);
	CHECK(!is32 || (uintptr_t)buf + 16 * PG <= 1ull << 32,
	      "a WOW64 process's memory is below 4 GiB");
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st, &bad);
	CHECK_EQ(st, 0, "LOCK_USERV");
	CHECK_EQ(bad, KUMEM_NO_SEGMENT, "bad_segment on success");
	CHECK_EQ(a->locked_pages, 7, "7 pages locked, one MDL per segment");
	st0 = wt_stats(a, h);
	CHECK_EQ(st0.regions, 1, "one region");
	CHECK_EQ(st0.pinned_pages, 7, "the whole chain counted");
	total = gather(s, 3, all);
	check_elements(a, h, id, s, 3, 0, total);
	CHECK_EQ(kcsum(a, h, id, 0, total), kumem_checksum(all, total), "checksum of the whole");
	CHECK_EQ(kcsum(a, h, id, PG - 10, 30), kumem_checksum(all + PG - 10, 30),
		 "checksum across the first joint");
	CHECK_EQ(kcsum(a, h, id, total - 1, 1), kumem_checksum(all + total - 1, 1), "last byte");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, id, PG - 3, PG + 10, 0xee, NULL), 0,
		 "fill across both joints");
	memset(all + PG - 3, 0xee, PG + 10);
	for (i = 0; i < 3; i++)
		wrong += memcmp((void *)(uintptr_t)s[i].addr,
				all + (i == 0	? 0
				       : i == 1 ? PG
						: 2 * PG + 1),
				s[i].len) != 0;
	CHECK_EQ(wrong, 0, "the process sees the fill at the right bytes of each segment");
	CHECK_EQ(buf[5 * PG + 0x63], (uint8_t)((5 * PG + 0x63) * 31 + 5), "byte before s0 kept");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, id, total, 1, 0, NULL), STATUS_END_OF_FILE,
		 "fill past the end: ERANGE");
	CHECK_EQ(wt_release(a, h, id), 0, "release");
	CHECK_EQ(a->locked_pages, 0, "every MDL unlocked");
	if (is32) { /* a segment above a 32-bit process's address space */
		struct kumem_segment high[2] = { s[0], { 1ull << 32, 100 } };

		lockv(a, h, high, 2, KUMEM_KERNEL_READ, &st, &bad);
		CHECK_EQ(st, STATUS_INVALID_USER_BUFFER, "WOW64: a segment above 4 GiB is EFAULT");
		CHECK_EQ(bad, 1, "... and named");
		CHECK_EQ(a->locked_pages, 0, "nothing locked");
	}
	CHECK_EQ(wt_stats(a, h).regions, 0, "no region");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

static void chain_pfns(void)
{
	chain_pfns_in(false);
}

/* The same from a WOW64 process: its segments, the array and the PFNs 4-byte aligned. */
static void chain_pfns_wow64(void)
{
	chain_pfns_in(true);
}

/* A refused chain: the status, the segment blamed, and nothing left locked or counted. */
static void refused(struct wm_process *p, HANDLE h, const struct kumem_segment *s, uint32_t n,
		    uint32_t flags, NTSTATUS want, uint32_t want_bad, const char *what)
{
	uint32_t bad;
	NTSTATUS st;

	lockv(p, h, s, n, flags, &st, &bad);
	CHECK(st == want, "%s: status %#x, want %#x", what, (unsigned)st, (unsigned)want);
	CHECK(bad == want_bad, "%s: bad_segment %u, want %u", what, bad, want_bad);
	CHECK(p->locked_pages == 0, "%s: %lld pages left locked", what, (long long)p->locked_pages);
	CHECK(wt_stats(p, h).regions == 0, "%s: a region left", what);
}

static void chain_refusals(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *buf = wm_user_alloc(a, 8 * PG, WM_RW), *ro = wm_user_alloc(a, 2 * PG, WM_RO);
	uint8_t *mixed = wm_user_alloc(a, 2 * PG, WM_RW);
	uintptr_t b = (uintptr_t)buf;
	struct kumem_segment s[3], many[KUMEM_MAX_SEGMENTS + 1];
	uint32_t rw = KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, i, id, bad;
	struct kumem_lockv_args args = { 0 };
	NTSTATUS st;
	HANDLE h;

	wm_user_protect(a, mixed + PG, WM_RO);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	s[0] = (struct kumem_segment){ b, 100 };
	s[1] = (struct kumem_segment){ b + 2 * PG, 0 };
	refused(a, h, s, 2, rw, STATUS_INVALID_PARAMETER, 1, "a zero-length segment");
	s[1] = (struct kumem_segment){ b + 50, 10 };
	refused(a, h, s, 2, rw, STATUS_INVALID_PARAMETER, 1, "overlapping segments");
	s[1] = (struct kumem_segment){ b + 200, 10 };
	refused(a, h, s, 2, rw, STATUS_INVALID_PARAMETER, 1, "two segments sharing a page");
	s[1] = (struct kumem_segment){ b + 3 * PG, PG };
	s[2] = (struct kumem_segment){ b + PG - 1, 2 }; /* pages 0-1: shares page 0 with s[0] */
	refused(a, h, s, 3, rw, STATUS_INVALID_PARAMETER, 2, "a page shared across a joint");
	s[1] = (struct kumem_segment){ b + 3 * PG, PG };
	s[2] = (struct kumem_segment){ 0x10000, 10 };
	refused(a, h, s, 3, rw, STATUS_INVALID_USER_BUFFER, 2,
		"an unmapped segment, after two "
		"locked ones");
	s[2] = (struct kumem_segment){ b + 7 * PG + 100, PG }; /* runs past the buffer */
	refused(a, h, s, 3, rw, STATUS_INVALID_USER_BUFFER, 2, "a segment running off the end");
	s[2] = (struct kumem_segment){ (uintptr_t)ro + 5, 100 };
	refused(a, h, s, 3, rw, STATUS_INVALID_USER_BUFFER, 2,
		"a read-only segment locked for the kernel to write");
	s[2] = (struct kumem_segment){ (uintptr_t)mixed + PG - 10, 20 };
	refused(a, h, s, 3, KUMEM_KERNEL_READ, STATUS_ACCESS_DENIED, 2,
		"a segment mixing writable and read-only pages (one MDL, one access mode)");
	/* refused before the array is read: bad_segment untouched, as Linux leaves it */
	refused(a, h, s, 0, rw, STATUS_INVALID_PARAMETER, 12345, "no segment");
	for (i = 0; i <= KUMEM_MAX_SEGMENTS; i++)
		many[i] = (struct kumem_segment){ b, 1 };
	args.segs = (uintptr_t)many; /* (the count is refused before the array is read) */
	args.count = KUMEM_MAX_SEGMENTS + 1;
	args.flags = rw;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_LOCK_USERV, args), STATUS_INVALID_PARAMETER,
		 "more than KUMEM_MAX_SEGMENTS");
	refused(a, h, s, 2, 0, STATUS_INVALID_PARAMETER, 12345, "no access flag");
	args.segs = 0x10000;
	args.count = 2;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_LOCK_USERV, args), STATUS_INVALID_USER_BUFFER,
		 "the segment array itself unmapped");
	CHECK_EQ(wt_stats(a, h).regions, 0, "no region");

	/* a read lock of read-only memory is fine (IoReadAccess), as on Linux */
	s[2] = (struct kumem_segment){ (uintptr_t)ro + 5, 100 };
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ, &st, &bad);
	CHECK_EQ(st, 0, "a read lock over a read-only segment");
	CHECK_EQ(a->locked_pages, 3, "three pages");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, id, 0, 1, 1, NULL), STATUS_ACCESS_DENIED,
		 "no kernel fill through a read lock");
	/* KUMEM_MAX_SEGMENTS segments, one a page: the maximum is accepted */
	{
		uint8_t *big = wm_user_alloc(a, KUMEM_MAX_SEGMENTS * PG, WM_RW);

		for (i = 0; i < KUMEM_MAX_SEGMENTS; i++)
			many[i] = (struct kumem_segment){ (uintptr_t)big + i * PG + i % 4000, 1 };
		id = lockv(a, h, many, KUMEM_MAX_SEGMENTS, KUMEM_KERNEL_READ, &st, &bad);
		CHECK_EQ(st, 0, "KUMEM_MAX_SEGMENTS segments");
		CHECK_EQ(describe(a, h, id, NULL, 0).chain_length, KUMEM_MAX_SEGMENTS,
			 "chain length");
	}
	wm_close(a, h);
	CHECK_EQ(a->locked_pages, 0, "closing the handle unlocked every MDL");
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* Views at every boundary of a chain, views of views, and the ranges refused. */
static void views_boundaries(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_segment s[3];
	uint8_t all[5 * PG];
	uint64_t total, j0, j1;
	uint32_t id, v, vv;
	NTSTATUS st;
	HANDLE h;
	struct {
		uint64_t off, len;
		const char *what;
	} cases[] = {
		{ 0, 1, "the first byte" },
		{ 0, 0, "the last byte" },
		{ 0, 0, "the whole" },
		{ 0, 0, "one byte each side of the first joint" },
		{ 0, 0, "the first joint to the second" },
		{ 0, 0, "across both joints" },
		{ 0, 0, "inside the second element" },
	};
	size_t i;

	a->debug_privilege = true;
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	three_segments(a, s);
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	total = gather(s, 3, all);
	j0 = s[0].len;
	j1 = s[0].len + s[1].len;
	cases[1].off = total - 1, cases[1].len = 1;
	cases[2].off = 0, cases[2].len = total;
	cases[3].off = j0 - 1, cases[3].len = 2;
	cases[4].off = j0, cases[4].len = j1 - j0;
	cases[5].off = j0 - 5, cases[5].len = j1 - j0 + 10;
	cases[6].off = j0 + 3, cases[6].len = 4000;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = view(a, h, id, cases[i].off, cases[i].len, &st);
		CHECK(st == 0, "view of %s: %#x", cases[i].what, (unsigned)st);
		check_elements(a, h, v, s, 3, cases[i].off, cases[i].len);
		CHECK(describe(a, h, v, NULL, 0).flags & KUMEM_MDL_VIEW, "%s: a view",
		      cases[i].what);
		CHECK(kcsum(a, h, v, 0, cases[i].len) ==
			      kumem_checksum(all + cases[i].off, cases[i].len),
		      "checksum of the view of %s", cases[i].what);
		CHECK_EQ(wt_release(a, h, v), 0, "release the view");
	}
	CHECK_EQ(a->locked_pages, 7, "views lock nothing of their own");
	view(a, h, id, total, 1, &st);
	CHECK_EQ(st, STATUS_END_OF_FILE, "a view starting past the end: ERANGE");
	view(a, h, id, 0, total + 1, &st);
	CHECK_EQ(st, STATUS_END_OF_FILE, "a view running past the end: ERANGE");
	view(a, h, id, 1, 0, &st);
	CHECK_EQ(st, STATUS_INVALID_PARAMETER, "an empty view: EINVAL");
	view(a, h, id + 100, 0, 1, &st);
	CHECK_EQ(st, STATUS_NOT_FOUND, "a view of no region: ENOENT");

	/* a view of a view is a view of the same pages at the offsets added */
	v = view(a, h, id, 100, total - 200, &st);
	CHECK_EQ(st, 0, "view");
	vv = view(a, h, v, j0 - 150, 300, &st);
	CHECK_EQ(st, 0, "view of the view");
	check_elements(a, h, vv, s, 3, j0 - 50, 300);
	CHECK_EQ(kcsum(a, h, vv, 0, 300), kumem_checksum(all + j0 - 50, 300), "its bytes");
	view(a, h, v, total - 200, 1, &st);
	CHECK_EQ(st, STATUS_END_OF_FILE, "past the end of the view (not of the parent): ERANGE");
	/* the kernel writes through a view into the process's memory */
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, vv, 45, 10, 0x3c, NULL), 0, "fill");
	CHECK_EQ(((uint8_t *)(uintptr_t)s[0].addr)[j0 - 5], 0x3c, "seen in segment 0");
	CHECK_EQ(((uint8_t *)(uintptr_t)s[1].addr)[4], 0x3c, "seen in segment 1");
	CHECK_EQ(((uint8_t *)(uintptr_t)s[1].addr)[5], all[j0 + 5], "and not past the fill");
	wm_close(a, h);
	CHECK_EQ(a->locked_pages, 0, "closing the handle undid the chain and its views");
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* The parent released first: its pages stay locked for the views, in any release order. */
static void parent_released_first(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_segment s[3];
	uint8_t all[5 * PG];
	uint32_t id, v1, v2, v3;
	uint64_t total;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	three_segments(a, s);
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	total = gather(s, 3, all);
	v1 = view(a, h, id, 10, total - 20, &st);
	v2 = view(a, h, v1, 4000, 200, &st);
	v3 = view(a, h, id, 0, 5, &st);
	CHECK_EQ(st, 0, "views");
	CHECK_EQ(wt_release(a, h, id), 0, "release the parent");
	CHECK_EQ(wt_release(a, h, id), STATUS_NOT_FOUND, "the parent's id is gone");
	CHECK_EQ(wt_stats(a, h).regions, 4, "three views, and the parent's record they hold");
	CHECK_EQ(a->locked_pages, 7, "the parent's MDLs stay locked for its views");
	CHECK_EQ(kcsum(a, h, v2, 0, 200), kumem_checksum(all + 4010, 200), "a view still reads");
	CHECK_EQ(wt_release(a, h, v1), 0, "release the middle view");
	CHECK_EQ(kcsum(a, h, v2, 0, 200), kumem_checksum(all + 4010, 200), "its view still reads");
	CHECK_EQ(wt_release(a, h, v2), 0, "release");
	CHECK_EQ(a->locked_pages, 7, "one view left");
	CHECK_EQ(wt_release(a, h, v3), 0, "release the last view");
	CHECK_EQ(a->locked_pages, 0, "the last view gave the pages back");
	CHECK_EQ(wt_stats(a, h).regions, 0, "nothing left");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* A view of method 2 pages is mapped into the process from its first byte's page to its
 * last byte's: the same physical pages as the parent's mapping. */
static void shared_views(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_alloc_args al;
	uint64_t ppfn[8], vpfn[8];
	struct kumem_mdl_elem e[2];
	struct kumem_mdl m;
	uint8_t *parent, *mine;
	uint32_t id, v, vv, ro, rov;
	NTSTATUS st;
	HANDLE h;

	a->debug_privilege = true;
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	id = wt_alloc(a, h, 5 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &al);
	CHECK_EQ(st, 0, "ALLOC_SHARED");
	parent = (uint8_t *)(uintptr_t)al.user_addr;
	v = view(a, h, id, PG + 100, 2 * PG, &st);
	CHECK_EQ(st, 0, "VIEW of method 2");
	CHECK_EQ(a->user_mappings, 2, "the view is mapped in the process");
	m = describe(a, h, v, vpfn, 8);
	describe(a, h, id, ppfn, 8);
	CHECK(m.start_va && !(m.start_va % PG), "StartVa: a page of the view's own mapping");
	CHECK(m.start_va != al.user_addr, "not the parent's mapping");
	CHECK_EQ(m.byte_offset, 100, "ByteOffset");
	CHECK_EQ(m.page_count, 3, "pages 1-3 of the parent");
	CHECK_EQ(m.chain_length, 1, "one partial MDL");
	CHECK(m.flags & KUMEM_MDL_USER_MAPPED, "user mapped");
	CHECK(m.flags & KUMEM_MDL_KERNEL_MAPPED, "linear");
	CHECK_EQ(vpfn[0], ppfn[1], "PFN 0 = the parent's 1");
	CHECK_EQ(vpfn[2], ppfn[3], "PFN 2 = the parent's 3");
	CHECK_EQ(describe_chain(a, h, v, e, 2), 1, "chain length");
	CHECK_EQ(e[0].start_va, m.start_va, "element StartVa: the mapping");
	mine = (uint8_t *)(uintptr_t)m.start_va;
	CHECK_EQ(wm_user_pfn(a, mine + PG), ppfn[2], "the process's page table");
	mine[100] = 0xab; /* the view's first byte */
	CHECK_EQ(parent[PG + 100], 0xab, "a store through the view is in the parent");
	parent[3 * PG + 99] = 0xcd; /* the view's last byte */
	CHECK_EQ(mine[2 * PG + 99], 0xcd, "and the other way");
	CHECK_EQ(wt_kop(a, h, KUMEM_IOC_KERNEL_FILL, v, 1, 2, 0x11, NULL), 0, "kernel fill");
	CHECK_EQ(parent[PG + 101] + parent[PG + 102], 0x22, "through the partial MDL's mapping");
	vv = view(a, h, v, PG, 50, &st);
	CHECK_EQ(st, 0, "view of the view");
	m = describe(a, h, vv, vpfn, 1);
	CHECK_EQ(vpfn[0], ppfn[2], "its page");
	CHECK_EQ(((uint8_t *)(uintptr_t)m.start_va)[m.byte_offset], parent[2 * PG + 100],
		 "its first byte");
	CHECK_EQ(a->user_mappings, 3, "three mappings");
	CHECK_EQ(wt_release(a, h, id), 0, "release the parent");
	/* the parent's record lives on for its views, and its mapping with it (one process) */
	CHECK_EQ(a->user_mappings, 3, "the parent's mapping stays while its views live");
	CHECK_EQ(mine[100], 0xab, "the view still shows the pages");
	CHECK_EQ(wt_release(a, h, v), 0, "release");
	CHECK_EQ(wt_release(a, h, vv), 0, "release");
	CHECK_EQ(a->user_mappings, 0, "all unmapped");

	/* a read-only region's view is mapped read-only too */
	ro = wt_alloc(a, h, 2 * PG, KUMEM_USER_READ, &st, &al);
	rov = view(a, h, ro, 10, 10, &st);
	CHECK_EQ(st, 0, "view of a read-only region");
	CHECK(describe(a, h, rov, NULL, 0).flags & KUMEM_MDL_USER_READ_ONLY, "read-only");
	CHECK(!wm_user_range_ok(a, (void *)(uintptr_t)describe(a, h, rov, NULL, 0).start_va, 1,
				true),
	      "the view's mapping cannot be written");
	wm_close(a, h);
	CHECK_EQ(a->user_mappings, 0, "closing unmapped the view");
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* A process ends holding chains and views (no close: the handle table runs down), and one
 * whose handle lives on in another process (the exit notification): nothing leaks. */
static void process_dies(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_segment s[3];
	struct kumem_alloc_args al;
	uint32_t id, m2;
	NTSTATUS st;
	HANDLE h, hb;
	int round;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	for (round = 0; round < 2; round++) {
		h = wt_open(a);
		three_segments(a, s);
		id = lockv(a, h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
		CHECK_EQ(st, 0, "LOCK_USERV");
		view(a, h, view(a, h, id, 1, 6000, &st), 2, 5000, &st);
		CHECK_EQ(st, 0, "views");
		m2 = wt_alloc(a, h, 3 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &al);
		view(a, h, m2, 10, PG, &st);
		CHECK_EQ(st, 0, "a view of method 2");
		CHECK_EQ(a->user_mappings, 2, "two mappings");
		if (round == 0) {
			wm_process_exit(a); /* IRP_MJ_CLEANUP at handle run-down */
		} else {
			hb = wm_dup(a, h, b);
			wm_close(a, h);
			wm_process_exit(a); /* the exit notification: b still holds the file */
			CHECK_EQ(wt_stats(b, hb).regions, 0, "a's regions are gone");
			wm_close(b, hb);
		}
		CHECK_EQ(a->locked_pages, 0, "no locked page");
		CHECK_EQ(a->user_mappings, 0, "no mapping");
		wt_nothing_held();
		a = wm_process_create("a2.exe", false);
	}
	wm_process_exit(a);
	wm_process_exit(b);
	wm_driver_unload(); /* pool, MDLs: Verifier's unload checks */
}

/* Ring submissions need one linear kernel buffer: a chain of several MDLs is refused, a view
 * inside one element is accepted. (core/ring_ops.c: the same rule as on Linux.) */
static void chain_kaddr(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_segment s[3];
	uint32_t id, v;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	three_segments(a, s);
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	CHECK(!(describe(a, h, id, NULL, 0).flags & KUMEM_MDL_KERNEL_MAPPED), "not linear");
	v = view(a, h, id, s[0].len + 1, 100, &st);
	CHECK(describe(a, h, v, NULL, 0).flags & KUMEM_MDL_KERNEL_MAPPED, "a view in one element");
	id = lockv(a, h, s, 1, KUMEM_KERNEL_READ, &st, NULL);
	CHECK_EQ(st, 0, "one segment");
	CHECK(describe(a, h, id, NULL, 0).flags & KUMEM_MDL_KERNEL_MAPPED, "one segment: linear");
	CHECK(!(describe(a, h, id, NULL, 0).flags & KUMEM_MDL_CHAINED), "and not chained");
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/*
 * Rings: a chain of several MDLs is seen through its one mapping (across a joint here;
 * test_chain_ring.c does the rest), and ring COPY between two views of one region works and
 * the process sees the bytes moved.
 */
static void chain_rings(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_ring_create c = { .sq_entries = 8, .cq_entries = 16 };
	struct kumem_segment s[3];
	struct kumem_sqe e = { 0 };
	struct kumem_cqe cqe;
	uint8_t *src, *dst, want[300];
	uint32_t id, v1, v2;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	three_segments(a, s);
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	CHECK_EQ(IOC(a, h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE");
	e.op = KUMEM_OP_CHECKSUM;
	e.region = id;
	e.offset = s[0].len - 5; /* across the first joint (test_chain_ring.c: the rest) */
	e.len = 10;
	cqe = ring_one(a, h, &c, &e);
	CHECK_EQ(cqe.result, 0, "a ring op on a chain of three MDLs");
	memcpy(want, (uint8_t *)(uintptr_t)s[0].addr + s[0].len - 5, 5);
	memcpy(want + 5, (void *)(uintptr_t)s[1].addr, 5);
	CHECK_EQ(cqe.value, kumem_checksum(want, 10), "its sum, across the joint");
	/* two views of the same region, each inside one segment (one partial MDL each) */
	v1 = view(a, h, id, 20, 300, &st);			/* in segment 0 */
	v2 = view(a, h, id, s[0].len + s[1].len + 5, 300, &st); /* in segment 2 */
	CHECK_EQ(st, 0, "views");
	src = (uint8_t *)(uintptr_t)s[0].addr + 20;
	dst = (uint8_t *)(uintptr_t)s[2].addr + 5;
	memcpy(want, src, sizeof(want));
	CHECK(memcmp(dst, want, sizeof(want)), "the bytes differ before the copy");
	memset(&e, 0, sizeof(e));
	e.op = KUMEM_OP_COPY;
	e.region = v1;
	e.dst_region = v2;
	e.len = 300;
	e.user_data = 99;
	cqe = ring_one(a, h, &c, &e);
	CHECK_EQ(cqe.result, 0, "ring COPY between two views of one region");
	CHECK_EQ(cqe.user_data, 99, "its completion");
	CHECK_EQ(memcmp(dst, want, sizeof(want)), 0, "the process sees the bytes copied");
	CHECK_EQ(wt_release(a, h, id), 0, "release the parent");
	memset(&e, 0, sizeof(e));
	e.op = KUMEM_OP_CHECKSUM;
	e.region = v2;
	e.len = 300;
	cqe = ring_one(a, h, &c, &e);
	CHECK_EQ(cqe.result, 0, "a ring op on a view whose parent's id is gone");
	CHECK_EQ(cqe.value, kumem_checksum(want, sizeof(want)), "its sum");
	CHECK_EQ(wt_release(a, h, (uint32_t)c.ring_fd), 0, "release the ring");
	wm_close(a, h);
	CHECK_EQ(a->locked_pages, 0, "nothing locked");
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* Views are regions for the handle's quota (1024), charged no bytes: the pages are the
 * parent's. PFNs of a chain need SeDebugPrivilege, as for any region. */
static void chain_quota(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_describe_args d = { 0 };
	struct kumem_segment s[3];
	uint64_t *upfn;
	uint32_t id, i;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	three_segments(a, s);
	id = lockv(a, h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	upfn = wm_user_alloc(a, PG, WM_RW);
	d.id = id;
	d.pfns = (uintptr_t)upfn;
	d.max_pfns = 7;
	CHECK_EQ(IOC(a, h, KUMEM_IOC_DESCRIBE, d), STATUS_PRIVILEGE_NOT_HELD,
		 "a chain's PFNs without SeDebugPrivilege: EPERM");
	for (i = 1; i < 1024; i++) {
		view(a, h, id, i % 5000, 100, &st);
		CHECK(st == 0, "view %u: %#x", i, (unsigned)st);
	}
	view(a, h, id, 0, 1, &st);
	CHECK_EQ(st, STATUS_TOO_MANY_OPENED_FILES, "the 1025th region of the handle: ENOSPC");
	CHECK_EQ(a->locked_pages, 7, "1023 views lock nothing more");
	wm_close(a, h);
	CHECK_EQ(a->locked_pages, 0, "closing the handle undid all of them");
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* ---- races, made deterministic with hooks --------------------------------------------------- */

static struct {
	struct wm_process *p;
	HANDLE h;
	uint32_t id;
	NTSTATUS st;
} racer;

static void *release_it(void *arg)
{
	(void)arg;
	racer.st = wt_release(racer.p, racer.h, racer.id);
	return NULL;
}

static void *close_it(void *arg)
{
	(void)arg;
	wm_close(racer.p, racer.h);
	return NULL;
}

/* hook: another thread of the process does it now, and finishes */
static void other_thread(void *fn)
{
	wm_thread_join(wm_thread_start(racer.p, (void *(*)(void *))fn, NULL));
}

/* The parent's id released by another thread between two IoBuildPartialMdl calls of a view
 * across a joint: the view holds what it was cut from; the last release unlocks. */
static void parent_released_during_view(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_segment s[3];
	uint8_t all[5 * PG];
	uint32_t v;
	NTSTATUS st;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	racer.p = a;
	racer.h = wt_open(a);
	three_segments(a, s);
	gather(s, 3, all);
	racer.id = lockv(a, racer.h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
	CHECK_EQ(st, 0, "LOCK_USERV");
	wm_hook("IoBuildPartialMdl", 2, other_thread, (void *)release_it);
	v = view(a, racer.h, racer.id, s[0].len - 10, 100, &st);
	CHECK_EQ(st, 0, "the view, its parent's id released meanwhile");
	CHECK_EQ(racer.st, 0, "the release from the other thread");
	CHECK_EQ(wt_release(a, racer.h, racer.id), STATUS_NOT_FOUND, "the parent's id is gone");
	CHECK_EQ(kcsum(a, racer.h, v, 0, 100), kumem_checksum(all + s[0].len - 10, 100),
		 "the view reads the chain's bytes");
	CHECK_EQ(a->locked_pages, 7, "the chain stays locked for the view");
	CHECK_EQ(wt_release(a, racer.h, v), 0, "release the view");
	CHECK_EQ(a->locked_pages, 0, "now unlocked");
	wm_close(a, racer.h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
}

/* The handle closed (IRP_MJ_CLEANUP) while a view or a vectored lock is on its way: the call
 * fails (EBADFD) and nothing it made outlives the file. */
static void closed_during(const char *routine, int nth, bool lock)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_segment s[3];
	NTSTATUS st;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	racer.p = a;
	racer.h = wt_open(a);
	three_segments(a, s);
	if (!lock) {
		racer.id = lockv(a, racer.h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
		CHECK_EQ(st, 0, "LOCK_USERV");
	}
	wm_hook(routine, nth, other_thread, (void *)close_it);
	if (lock)
		lockv(a, racer.h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
	else
		view(a, racer.h, racer.id, 100, s[0].len, &st);
	CHECK_EQ(st, STATUS_DATA_ERROR, "the call whose handle was closed meanwhile: EBADFD");
	CHECK_EQ(a->locked_pages, 0, "nothing locked");
	wt_nothing_held();
	wm_process_exit(a);
	wm_driver_unload();
}

static void closed_during_view(void)
{
	closed_during("IoBuildPartialMdl", 2, false);
}

static void closed_during_lockv(void)
{
	closed_during("MmProbeAndLockPages", 3, true);
}

/* ---- the model's own IoBuildPartialMdl rules, driven directly ------------------------------ */

enum partial_misuse {
	PM_UNLOCK_SOURCE, /* MmUnlockPages of a source while a partial MDL lives */
	PM_FREE_PAGES,	  /* MmFreePagesFromMdl of a source while a partial MDL lives */
	PM_FREE_LINKED,	  /* IoFreeMdl of an MDL a live MDL's Next points to */
	PM_TARGET_SMALL,  /* a target MDL too small for the range: 0xCF */
	PM_OUTSIDE,	  /* a range outside the source */
	PM_MAP_TWICE,	  /* MmMapLockedPagesSpecifyCache(KernelMode) of an inherited mapping */
	PM_PROBE_PARTIAL, /* MmProbeAndLockPages of a partial MDL */
	PM_COUNT
};

static void partial_misuse(struct wm_process *a, uint8_t *mem, enum partial_misuse what)
{
	PHYSICAL_ADDRESS lo = { .QuadPart = 0 }, hi = { .QuadPart = -1 }, skip = { .QuadPart = 0 };
	PMDL src, part, other;

	wm_become(a);
	src = IoAllocateMdl(mem + 100, 3 * PG, FALSE, FALSE, NULL);
	MmProbeAndLockPages(src, UserMode, IoWriteAccess);
	part = IoAllocateMdl(mem + PG, 10, FALSE, FALSE, NULL);
	switch (what) {
	case PM_UNLOCK_SOURCE:
		IoBuildPartialMdl(src, part, mem + PG, 10);
		MmUnlockPages(src);
		break;
	case PM_FREE_PAGES:
		other = MmAllocatePagesForMdlEx(lo, hi, skip, 2 * PG, MmCached,
						MM_ALLOCATE_FULLY_REQUIRED);
		IoBuildPartialMdl(other, part, MmGetMdlVirtualAddress(other), 10);
		MmFreePagesFromMdl(other);
		break;
	case PM_FREE_LINKED:
		src->Next = part;
		IoFreeMdl(part);
		break;
	case PM_TARGET_SMALL:
		IoBuildPartialMdl(src, part, mem + PG, 2 * PG);
		break;
	case PM_OUTSIDE:
		IoBuildPartialMdl(src, part, mem + 50, 10);
		break;
	case PM_MAP_TWICE:
		MmGetSystemAddressForMdlSafe(src, NormalPagePriority);
		IoBuildPartialMdl(src, part, mem + PG, 10);
		MmMapLockedPagesSpecifyCache(part, KernelMode, MmCached, NULL, FALSE,
					     NormalPagePriority);
		break;
	case PM_PROBE_PARTIAL:
		IoBuildPartialMdl(src, part, mem + PG, 10);
		MmProbeAndLockPages(part, UserMode, IoReadAccess);
		break;
	default:
		break;
	}
}

static void model_partial_mdls(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 4 * PG, WM_RW), *va;
	struct wm_counts c0, c1;
	PMDL src, part;
	int what, status;
	pid_t pid;

	mem[PG + 5] = 0x5e;
	wm_become(a);
	src = IoAllocateMdl(mem + 100, 3 * PG, FALSE, FALSE, NULL);
	MmProbeAndLockPages(src, UserMode, IoWriteAccess);
	/* a source without a system mapping: the partial MDL gets its own */
	part = IoAllocateMdl(mem + PG + 5, PG, FALSE, FALSE, NULL);
	IoBuildPartialMdl(src, part, mem + PG + 5, PG);
	CHECK_EQ(part->MdlFlags & (MDL_PARTIAL | MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA),
		 MDL_PARTIAL, "MDL_PARTIAL, not locked, not mapped");
	CHECK_EQ(MmGetMdlPfnArray(part)[0], wm_user_pfn(a, mem + PG), "its first frame");
	CHECK_EQ(MmGetMdlPfnArray(part)[1], wm_user_pfn(a, mem + 2 * PG), "its second frame");
	wm_counts(&c0);
	va = MmGetSystemAddressForMdlSafe(part, NormalPagePriority);
	CHECK(va && *va == 0x5e, "its own system mapping shows the page");
	CHECK_EQ(part->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED),
		 MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED, "mapped by itself");
	wm_counts(&c1);
	CHECK_EQ(c1.kernel_mappings, c0.kernel_mappings + 1, "one system mapping more");
	IoFreeMdl(part);
	wm_counts(&c1);
	CHECK_EQ(c1.kernel_mappings, c0.kernel_mappings, "IoFreeMdl released it");
	/* a mapped source: the partial MDL inherits the mapping, offset */
	va = MmGetSystemAddressForMdlSafe(src, NormalPagePriority);
	part = IoAllocateMdl(mem + PG + 5, 10, FALSE, FALSE, NULL);
	IoBuildPartialMdl(src, part, mem + PG + 5, 10);
	CHECK(part->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, "inherits MDL_MAPPED_TO_SYSTEM_VA");
	CHECK(MmGetSystemAddressForMdlSafe(part, NormalPagePriority) == va + PG + 5 - 100,
	      "the source's mapping, offset");
	IoFreeMdl(part);
	MmUnlockPages(src);
	IoFreeMdl(src);
	CHECK_EQ(a->locked_pages, 0, "all undone");

	/* each misuse stops the machine, for that reason */
	for (what = 0; what < PM_COUNT; what++) {
		static const char *const why[PM_COUNT] = {
			"0xC4: MmUnlockPages of the source of 1 partial",
			"0xC4: MmFreePagesFromMdl of the source of 1 partial",
			"0xC4: IoFreeMdl: a live MDL's Next still points",
			"0xCF: TARGET_MDL_TOO_SMALL",
			"is outside the source's bytes",
			"0xC4: MDL mapped to system space twice",
			"0xC4: MmProbeAndLockPages on an MDL that is locked already or is not",
		};
		char said[512] = "";
		size_t len;
		ssize_t got;
		int fd[2];

		CHECK(pipe(fd) == 0, "pipe");
		fflush(stderr);
		pid = fork();
		if (pid == 0) {
			dup2(fd[1], 2);
			partial_misuse(a, mem, what);
			_exit(0);
		}
		close(fd[1]);
		for (len = 0; len < sizeof(said) - 1; len += (size_t)got) {
			got = read(fd[0], said + len, sizeof(said) - 1 - len);
			if (got <= 0)
				break;
		}
		close(fd[0]);
		said[len] = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 100,
		      "misuse %d: the model did not stop the machine (status %#x)", what, status);
		CHECK(strstr(said, why[what]), "misuse %d stopped it for another reason: %s", what,
		      said);
	}
	wm_become(wm_system);
	wm_process_exit(a);
}

/* ---- every fallible call failing in turn ---------------------------------------------------- */

enum f_op { F_LOCKV, F_VIEW_CHAIN, F_VIEW_SHARED };

static int f_one(enum f_op op, int n)
{
	struct wm_process *a;
	struct kumem_segment s[3];
	struct kumem_alloc_args al;
	uint32_t id = 0, before;
	NTSTATUS st;
	bool fired;
	HANDLE h;

	wm_init();
	a = wm_process_create("a.exe", false);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	three_segments(a, s);
	if (op == F_VIEW_CHAIN)
		id = lockv(a, h, s, 3, KUMEM_KERNEL_READ, &st, NULL);
	else if (op == F_VIEW_SHARED)
		id = wt_alloc(a, h, 4 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &al);
	before = (uint32_t)wt_stats(a, h).regions;
	wm_fail_plan(n, STATUS_INSUFFICIENT_RESOURCES);
	if (op == F_LOCKV)
		lockv(a, h, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &st, NULL);
	else
		view(a, h, id, 100, s[0].len + 200, &st);
	fired = wm_fail_fired();
	wm_fail_plan(0, 0);
	if (fired) {
		CHECK(!NT_SUCCESS(st), "call %d failed but the IOCTL succeeded", n);
		CHECK_EQ(wt_stats(a, h).regions, before, "no region after a failed create");
		CHECK_EQ(a->locked_pages, op == F_VIEW_CHAIN ? 7 : 0, "locked pages: the parent's");
		CHECK_EQ(a->user_mappings, op == F_VIEW_SHARED ? 1 : 0, "mappings: the parent's");
	} else {
		CHECK_EQ(st, 0, "the operation without injected failure");
	}
	wm_close(a, h);
	wm_process_exit(a);
	wt_nothing_held();
	wm_driver_unload();
	return fired ? 0 : 1;
}

static int f_one_of(int n, const void *op)
{
	return f_one(*(const enum f_op *)op, n);
}

static void f_every(enum f_op op)
{
	CHECK(wt_each_fallible_call(63, f_one_of, &op) >= 2,
	      "at least two fallible calls were exercised");
}

static void f_lockv(void)
{
	f_every(F_LOCKV);
}

static void f_view_chain(void)
{
	f_every(F_VIEW_CHAIN);
}

static void f_view_shared(void)
{
	f_every(F_VIEW_SHARED);
}

const struct wt_scenario wt_chain[] = {
	{ "chain: vectored lock, PFNs per segment = the model's page tables", chain_pfns },
	{ "chain: the same from a WOW64 process", chain_pfns_wow64 },
	{ "chain: zero-length, overlap, shared page, unmapped, read-only refused", chain_refusals },
	{ "chain: views at every boundary, views of views, ERANGE", views_boundaries },
	{ "chain: parent released while views live", parent_released_first },
	{ "chain: method 2 views mapped into the process page-granularly", shared_views },
	{ "chain: process dies holding chains and views", process_dies },
	{ "chain: one linear kernel buffer only for one MDL", chain_kaddr },
	{ "chain: views count against the handle's regions; PFNs need the privilege", chain_quota },
	{ "chain: rings over a chain, COPY between two views of one region", chain_rings },
	{ "chain: the parent released by another thread while a view is built",
	  parent_released_during_view },
	{ "chain: the handle closed while a view is built", closed_during_view },
	{ "chain: the handle closed while a vectored lock runs", closed_during_lockv },
	{ "chain: the model's IoBuildPartialMdl rules, and each misuse stopping it",
	  model_partial_mdls },
	{ "chain: failed allocation at every step: LOCK_USERV", f_lockv },
	{ "chain: failed allocation at every step: VIEW of a chain", f_view_chain },
	{ "chain: failed allocation at every step: VIEW of method 2", f_view_shared },
	{ NULL, NULL },
};
