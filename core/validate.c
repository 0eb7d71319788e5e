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
