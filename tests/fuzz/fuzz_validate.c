// SPDX-License-Identifier: MIT
/*
 * libFuzzer over core/validate.c and core/mdl.c: every ABI block the drivers check, with
 * arbitrary contents and limits. Besides the sanitizers' checks, what an accepted block
 * promises is verified: the geometry covers exactly the caller's range, page counts do not
 * overflow, ranges lie inside their region.
 */
#include <stdio.h>
#include <stdlib.h>

#include "validate.h"
#include "fuzz_input.h"

static void check_lock(struct fuzz_in *in, const struct kumem_limits *lim)
{
	struct kumem_lock_args a;
	struct kumem_geom g;
	uint64_t page = 1ull << lim->page_shift;

	fuzz_take(in, &a, sizeof(a));
	if (kumem_check_lock(&a, lim, &g))
		return;
	FUZZ_CHECK(a.len && a.len <= lim->max_region_bytes);
	FUZZ_CHECK(g.start_va % page == 0 && g.byte_offset < page);
	FUZZ_CHECK(g.start_va + g.byte_offset == a.addr && g.byte_count == a.len);
	/* the pages span [addr, addr + len) and no more */
	FUZZ_CHECK(g.page_count * page >= g.byte_offset + a.len);
	FUZZ_CHECK((g.page_count - 1) * page < g.byte_offset + a.len);
	FUZZ_CHECK(a.addr && a.addr + a.len <= lim->user_va_end && a.addr + a.len > a.addr);
}

static void check_alloc(struct fuzz_in *in, const struct kumem_limits *lim)
{
	struct kumem_alloc_args a;
	uint64_t pages = 0;

	fuzz_take(in, &a, sizeof(a));
	if (kumem_check_alloc(&a, lim, &pages))
		return;
	FUZZ_CHECK(a.len && pages && (pages << lim->page_shift) >= a.len);
	FUZZ_CHECK((pages << lim->page_shift) <= lim->max_region_bytes);
	FUZZ_CHECK(((pages - 1) << lim->page_shift) < a.len);
}

static void check_ranges(struct fuzz_in *in)
{
	uint64_t size = fuzz_u64(in), off = fuzz_u64(in), len = fuzz_u64(in), bytes = 0;
	unsigned int shift = 12 + fuzz_u8(in) % 10;

	if (!kumem_range_check(size, off, len))
		FUZZ_CHECK(off <= size && len <= size - off);
	if (!kumem_span_pages(off, len, shift, &bytes))
		FUZZ_CHECK(len == 0 || bytes >= 1);
	if (!kumem_descriptor_bytes(size, len, &bytes))
		FUZZ_CHECK(bytes >= size);
	if (!kumem_round_pages(len, shift, &bytes))
		FUZZ_CHECK(bytes >= len && bytes % (1ull << shift) == 0 && bytes - len < (1ull << shift));
}

static void check_small(struct fuzz_in *in, const struct kumem_limits *lim)
{
	union {
		struct kumem_region_ref ref;
		struct kumem_describe_args d;
		struct kumem_kernel_op op;
		struct kumem_xfer x;
		struct kumem_ring_create r;
	} u;
	uint8_t which = fuzz_u8(in);

	fuzz_take(in, &u, sizeof(u));
	switch (which % 6) {
	case 0:
		kumem_check_region_ref(&u.ref);
		break;
	case 1:
		kumem_check_describe(&u.d);
		break;
	case 2:
	case 3:
		if (!kumem_check_kernel_op(&u.op, which & 1) && (which & 1))
			FUZZ_CHECK(u.op.value <= 0xff);
		break;
	case 4:
		if (!kumem_check_xfer(&u.x, lim))
			FUZZ_CHECK(u.x.len <= lim->max_xfer_bytes);
		break;
	case 5: {
		uint32_t cpus = 1 + which / 6;

		if (!kumem_check_ring_create(&u.r, cpus)) {
			FUZZ_CHECK(u.r.sq_entries && !(u.r.sq_entries & (u.r.sq_entries - 1)));
			FUZZ_CHECK(u.r.cq_entries >= u.r.sq_entries);
			FUZZ_CHECK(u.r.sq_entries <= KUMEM_RING_MAX_ENTRIES);
			FUZZ_CHECK(u.r.idle_us <= KUMEM_RING_MAX_IDLE_US);
			FUZZ_CHECK(!(u.r.flags & KUMEM_RING_SQ_AFF) || u.r.sq_cpu < cpus);
		}
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct kumem_limits lim;
	uint8_t what = fuzz_u8(&in);

	/* limits as a driver would set them: a page size, and caps below the address space */
	lim.page_shift = 12 + fuzz_u8(&in) % 10;
	lim.max_region_bytes = fuzz_u64(&in) >> (fuzz_u8(&in) % 64);
	lim.max_contig_bytes = fuzz_u64(&in) >> 20;
	lim.max_xfer_bytes = lim.max_region_bytes;
	lim.user_va_end = (fuzz_u64(&in) >> 8) | (1ull << 20);
	switch (what % 4) {
	case 0:
		check_lock(&in, &lim);
		break;
	case 1:
		check_alloc(&in, &lim);
		break;
	case 2:
		check_ranges(&in);
		break;
	default:
		check_small(&in, &lim);
	}
	return 0;
}
