/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Validation of every ioctl argument block, shared by both drivers so that the same bad input
 * gets the same error on Linux and Windows. Each function only reads the copy the driver made
 * of the caller's block (never user memory), and returns 0 or a negative KUMEM_E* value.
 */
#ifndef KUMEM_CORE_VALIDATE_H
#define KUMEM_CORE_VALIDATE_H

#include "os.h"
#include "mdl.h"
#include <kumem/kumem_abi.h>

/* What a driver allows; filled from its module parameters / registry values. */
struct kumem_limits {
	unsigned int page_shift;
	uint64_t max_region_bytes; /* one region */
	uint64_t max_contig_bytes; /* one KUMEM_ALLOC_CONTIG region */
	uint64_t max_xfer_bytes;   /* one buffered or direct call */
	uint64_t user_va_end;	   /* first address that is not user space */
};

/* Method 1: flags, reserved fields, address and length. On success fills @g. */
int kumem_check_lock(const struct kumem_lock_args *a, const struct kumem_limits *lim,
		     struct kumem_geom *g);

/* Method 2: flags, reserved fields, length. On success *pages is the number to allocate. */
int kumem_check_alloc(const struct kumem_alloc_args *a, const struct kumem_limits *lim,
		      uint64_t *pages);

/* Vectored method 1, the block alone: reserved fields, flags, count (1..KUMEM_MAX_SEGMENTS). */
int kumem_check_lockv(const struct kumem_lockv_args *a);

/*
 * Vectored method 1, the driver's copy of the @n segments: each nonempty, not wrapping, in
 * user space; all of them together within max_region_bytes; no two sharing a page (so none
 * overlap). Fills @segs[i] (geometry, first_page, offset) and *@total_pages. On failure
 * *@bad is the segment refused (the later one of a pair), or KUMEM_NO_SEGMENT.
 */
int kumem_check_segments(const struct kumem_segment *s, uint32_t n,
			 const struct kumem_limits *lim, struct kumem_chain_seg *segs,
			 uint64_t *total_pages, uint32_t *bad);

/* Partial view: flags and reserved fields zero, a parent id, len > 0 (the range itself is
 * checked against the parent with kumem_chain_slice()).
 */
int kumem_check_view(const struct kumem_view_args *a);
int kumem_check_describe_chain(const struct kumem_describe_chain_args *a);

int kumem_check_region_ref(const struct kumem_region_ref *r);
int kumem_check_describe(const struct kumem_describe_args *d);

/* Fill (is_fill) or checksum: fields only; the driver checks [offset, offset + len) against
 * the region with kumem_range_check() once it has looked the region up.
 */
int kumem_check_kernel_op(const struct kumem_kernel_op *op, bool is_fill);

/* Buffered/direct transfer: reserved field, length limit, user range. */
int kumem_check_xfer(const struct kumem_xfer *x, const struct kumem_limits *lim);

/*
 * Command ring creation: flags, entry counts, the SQPOLL CPU against the @nr_cpus the driver
 * can name (whether the caller may use that CPU is the driver's question). Fills in the
 * default cq_entries. OS-specific fields (event_handle) are the driver's to check.
 */
int kumem_check_ring_create(struct kumem_ring_create *a, uint32_t nr_cpus);

#endif
