// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * ABI validation. Order of checks is part of the ABI: malformed blocks (reserved fields,
 * unknown flags) fail with EINVAL before any size or address is looked at, so a caller from a
 * newer libkumem gets the same answer whatever else is wrong.
 */
#include "validate.h"
#include "ring.h"

static int user_range_ok(uint64_t addr, uint64_t len, const struct kumem_limits *lim)
{
	if (len == 0)
		return 0;
	if (addr + (len - 1) < addr)
		return -KUMEM_EOVERFLOW;
	/* NULL page and anything past the end of user space is not the caller's memory. */
	if (addr == 0 || addr >= lim->user_va_end || len > lim->user_va_end - addr)
		return -KUMEM_EFAULT;
	return 0;
}

int kumem_check_lock(const struct kumem_lock_args *a, const struct kumem_limits *lim,
		     struct kumem_geom *g)
{
	int err;

	if (a->reserved[0] || a->reserved[1])
		return -KUMEM_EINVAL;
	if (!a->flags || (a->flags & ~KUMEM_LOCK_FLAGS_ALL))
		return -KUMEM_EINVAL;
	if (a->len == 0)
		return -KUMEM_EINVAL;
	err = kumem_geom_init(g, a->addr, a->len, lim->page_shift);
	if (err)
		return err;
	if (a->len > lim->max_region_bytes)
		return -KUMEM_E2BIG;
	return user_range_ok(a->addr, a->len, lim);
}

int kumem_check_lockv(const struct kumem_lockv_args *a)
{
	if (a->reserved[0] || a->reserved[1])
		return -KUMEM_EINVAL;
	if (!a->flags || (a->flags & ~KUMEM_LOCK_FLAGS_ALL))
		return -KUMEM_EINVAL;
	if (a->count == 0 || a->count > KUMEM_MAX_SEGMENTS)
		return -KUMEM_EINVAL;
	return 0;
}

/* Do two page spans [first, first + pages) meet? */
static bool spans_meet(const struct kumem_geom *a, const struct kumem_geom *b,
		       unsigned int page_shift)
{
	uint64_t a_first = a->start_va >> page_shift, b_first = b->start_va >> page_shift;

	return a_first < b_first + b->page_count && b_first < a_first + a->page_count;
}

int kumem_check_segments(const struct kumem_segment *s, uint32_t n, const struct kumem_limits *lim,
			 struct kumem_chain_seg *segs, uint64_t *total_pages, uint32_t *bad)
{
	uint64_t bytes = 0, pages = 0;
	uint32_t i, j;
	int err;

	*bad = KUMEM_NO_SEGMENT;
	for (i = 0; i < n; i++) {
		*bad = i;
		if (s[i].len == 0)
			return -KUMEM_EINVAL;
		err = kumem_geom_init(&segs[i].geom, s[i].addr, s[i].len, lim->page_shift);
		if (err)
			return err;
		err = user_range_ok(s[i].addr, s[i].len, lim);
		if (err)
			return err;
		/* each len is below user_va_end (2^64 / 2 at most), so the sum cannot wrap */
		if (s[i].len > lim->max_region_bytes - bytes)
			return -KUMEM_E2BIG;
		segs[i].first_page = pages;
		segs[i].offset = bytes;
		bytes += s[i].len;
		pages += segs[i].geom.page_count;
		for (j = 0; j < i; j++)
			if (spans_meet(&segs[j].geom, &segs[i].geom, lim->page_shift))
				return -KUMEM_EINVAL;
	}
	*bad = KUMEM_NO_SEGMENT;
	*total_pages = pages;
	return 0;
}

int kumem_check_view(const struct kumem_view_args *a)
{
	if (a->flags || a->reserved0 || a->reserved)
		return -KUMEM_EINVAL;
	if (a->parent == 0)
		return -KUMEM_ENOENT;
	if (a->len == 0)
		return -KUMEM_EINVAL;
	return 0;
}

int kumem_check_describe_chain(const struct kumem_describe_chain_args *a)
{
	if (a->reserved[0] || a->reserved[1])
		return -KUMEM_EINVAL;
	if (a->id == 0)
		return -KUMEM_ENOENT;
	if (a->elems == 0 && a->max_elems != 0)
		return -KUMEM_EINVAL;
	return 0;
}

int kumem_check_alloc(const struct kumem_alloc_args *a, const struct kumem_limits *lim,
		      uint64_t *pages)
{
	uint64_t rounded;
	int err;

	if (a->reserved[0] || a->reserved[1])
		return -KUMEM_EINVAL;
	if (a->flags & ~KUMEM_ALLOC_FLAGS_ALL)
		return -KUMEM_EINVAL;
	/* Write-only memory does not exist on the MMUs kumem runs on: READ is required. */
	if (!(a->flags & KUMEM_USER_READ))
		return -KUMEM_EINVAL;
	if (a->len == 0)
		return -KUMEM_EINVAL;
	err = kumem_round_pages(a->len, lim->page_shift, &rounded);
	if (err)
		return err;
	if (rounded > lim->max_region_bytes)
		return -KUMEM_E2BIG;
	if ((a->flags & KUMEM_ALLOC_CONTIG) && rounded > lim->max_contig_bytes)
		return -KUMEM_E2BIG;
	*pages = rounded >> lim->page_shift;
	return 0;
}

int kumem_check_region_ref(const struct kumem_region_ref *r)
{
	if (r->reserved)
		return -KUMEM_EINVAL;
	if (r->id == 0)
		return -KUMEM_ENOENT;
	return 0;
}

int kumem_check_describe(const struct kumem_describe_args *d)
{
	if (d->reserved0)
		return -KUMEM_EINVAL;
	if (d->id == 0)
		return -KUMEM_ENOENT;
	if (d->pfns == 0 && d->max_pfns != 0)
		return -KUMEM_EINVAL;
	return 0;
}

int kumem_check_kernel_op(const struct kumem_kernel_op *op, bool is_fill)
{
	if (op->reserved)
		return -KUMEM_EINVAL;
	if (is_fill ? op->value > 0xff : op->value != 0)
		return -KUMEM_EINVAL;
	if (op->id == 0)
		return -KUMEM_ENOENT;
	return 0;
}

int kumem_check_xfer(const struct kumem_xfer *x, const struct kumem_limits *lim)
{
	if (x->reserved)
		return -KUMEM_EINVAL;
	if (x->len > lim->max_xfer_bytes)
		return -KUMEM_E2BIG;
	return user_range_ok(x->addr, x->len, lim);
}

int kumem_check_ring_create(struct kumem_ring_create *a, uint32_t nr_cpus)
{
	if (a->flags & ~KUMEM_RING_FLAGS)
		return -KUMEM_EINVAL;
	/* a CPU only for a thread that exists, and only with the flag that says so */
	if ((a->flags & KUMEM_RING_SQ_AFF) && !(a->flags & KUMEM_RING_SQPOLL))
		return -KUMEM_EINVAL;
	if (a->flags & KUMEM_RING_SQ_AFF ? a->sq_cpu >= nr_cpus : a->sq_cpu != 0)
		return -KUMEM_EINVAL;
	/* a polling thread busy for minutes after each submission is a CPU given away */
	if (a->idle_us > KUMEM_RING_MAX_IDLE_US)
		return -KUMEM_EINVAL;
	if (!a->cq_entries)
		a->cq_entries = 2 * a->sq_entries;
	if (!kumem_pow2_ok(a->sq_entries, KUMEM_RING_MAX_ENTRIES) ||
	    !kumem_pow2_ok(a->cq_entries, 2 * KUMEM_RING_MAX_ENTRIES) ||
	    a->cq_entries < a->sq_entries)
		return -KUMEM_EINVAL;
	return 0;
}
