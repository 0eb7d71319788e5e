// SPDX-License-Identifier: GPL-2.0
/*
 * The work the driver does on shared memory, and the two transfers the I/O manager would
 * otherwise do for it:
 *
 *   kernel fill / checksum   through the region's own kernel mapping: no copy, no pin per call
 *   buffered checksum        copy_from_user into a kernel buffer first (METHOD_BUFFERED)
 *   direct checksum          pin the caller's pages for this call only (METHOD_IN_DIRECT)
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/highmem.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>

#include "kumem_internal.h"
#include "kumem_compat.h"
#include "../core/checksum.h"

/* Work on at most this much before giving the CPU a chance: regions reach a GiB. */
#define KUMEM_CHUNK	(1ul << 20)
#define KUMEM_PFN_BATCH 64

/* core/checksum.c is part of the kernel-side API: other drivers verify data with it. */
EXPORT_SYMBOL_GPL(kumem_checksum);
EXPORT_SYMBOL_GPL(kumem_csum_init);
EXPORT_SYMBOL_GPL(kumem_csum_update);
EXPORT_SYMBOL_GPL(kumem_csum_final);

static u32 kumem_mdl_flags(const struct kumem_region *r)
{
	u32 f = KUMEM_MDL_LOCKED;

	if (r->linear)
		f |= KUMEM_MDL_KERNEL_MAPPED;
	if (r->nsegs > 1)
		f |= KUMEM_MDL_CHAINED;
	if (r->parent)
		f |= KUMEM_MDL_VIEW;

	if (r->kind == KUMEM_REGION_USER_PINNED) {
		if (r->flags & KUMEM_KERNEL_WRITE)
			f |= KUMEM_MDL_KERNEL_WRITES;
		return f;
	}
	f |= KUMEM_MDL_KERNEL_ALLOCATED;
	if (atomic_read(&r->user_maps))
		f |= KUMEM_MDL_USER_MAPPED;
	if (!(r->flags & KUMEM_USER_WRITE))
		f |= KUMEM_MDL_USER_READ_ONLY;
	if (r->flags & KUMEM_ALLOC_CONTIG)
		f |= KUMEM_MDL_CONTIGUOUS;
	return f;
}

static int kumem_copy_pfns(const struct kumem_region *r, u64 __user *dst, u64 count)
{
	u64 batch[KUMEM_PFN_BATCH];
	u64 i, n;

	for (i = 0; i < count; i += n) {
		u64 j;

		n = min_t(u64, count - i, KUMEM_PFN_BATCH);
		for (j = 0; j < n; j++)
			batch[j] = page_to_pfn(r->pages[i + j]);
		if (copy_to_user(dst + i, batch, n * sizeof(u64)))
			return -EFAULT;
	}
	return 0;
}

long kumem_ioctl_describe(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_describe_args d;
	struct kumem_region *r;
	u64 count = 0;
	int err;

	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	err = kumem_check_describe(&d);
	if (err)
		return err;
	/* Physical frame numbers are root-only, as /proc/pid/pagemap has been since 4.2. */
	if (d.pfns && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	r = kumem_file_lookup(kf, d.id);
	if (!r)
		return -ENOENT;

	memset(&d.mdl, 0, sizeof(d.mdl));
	d.mdl.start_va = kumem_region_user_va(r);
	d.mdl.byte_offset = r->geom.byte_offset;
	d.mdl.byte_count = r->geom.byte_count;
	d.mdl.page_count = r->geom.page_count;
	d.mdl.descriptor_bytes = kumem_region_descriptor_bytes(r);
	d.mdl.flags = kumem_mdl_flags(r);
	d.mdl.id = d.id;
	d.mdl.chain_length = r->nsegs;
	if (d.pfns) {
		count = min(d.max_pfns, r->geom.page_count);
		err = kumem_copy_pfns(r, u64_to_user_ptr(d.pfns), count);
	}
	d.pfns_written = count;
	kumem_region_put(r);
	if (err)
		return err;
	return copy_to_user(uarg, &d, sizeof(d)) ? -EFAULT : 0;
}

/* Where element @s of @r starts in this process: the MDL's StartVa for that element. */
static u64 kumem_elem_start_va(struct kumem_region *r, const struct kumem_chain_seg *s)
{
	u64 base;

	if (r->kind == KUMEM_REGION_USER_PINNED)
		return kumem_region_user_va(r) ? s->geom.start_va : 0;
	base = kumem_region_user_va(r); /* method 2: the region's own mapping, if any */
	return base ? base + (s->first_page << PAGE_SHIFT) : 0;
}

long kumem_ioctl_describe_chain(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_mdl_elem __user *dst;
	struct kumem_describe_chain_args d;
	struct kumem_region *r;
	u32 i, n;
	int err = 0;

	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	err = kumem_check_describe_chain(&d);
	if (err)
		return err;
	r = kumem_file_lookup(kf, d.id);
	if (!r)
		return -ENOENT;
	dst = u64_to_user_ptr(d.elems);
	n = min(d.max_elems, r->nsegs);
	for (i = 0; i < n; i++) {
		const struct kumem_chain_seg *s = &r->segs[i];
		struct kumem_mdl_elem e = {
			.start_va = kumem_elem_start_va(r, s),
			.byte_count = s->geom.byte_count,
			.byte_offset = s->geom.byte_offset,
			.index = i,
			.page_count = s->geom.page_count,
			.offset = s->offset,
			.first_pfn = s->first_page,
		};

		if (copy_to_user(dst + i, &e, sizeof(e))) {
			err = -EFAULT;
			break;
		}
	}
	d.elems_written = n;
	d.chain_length = r->nsegs;
	kumem_region_put(r);
	if (err)
		return err;
	return copy_to_user(uarg, &d, sizeof(d)) ? -EFAULT : 0;
}

static void kumem_fill(u8 *p, u8 value, u64 len)
{
	while (len) {
		u64 n = min_t(u64, len, KUMEM_CHUNK);

		memset(p, value, n);
		p += n;
		len -= n;
		cond_resched();
	}
}

static void kumem_sum(struct kumem_csum *c, const u8 *p, u64 len)
{
	while (len) {
		u64 n = min_t(u64, len, KUMEM_CHUNK);

		kumem_csum_update(c, p, n);
		p += n;
		len -= n;
		cond_resched();
	}
}

long kumem_ioctl_kernel_op(struct kumem_file *kf, void __user *uarg, bool is_fill)
{
	struct kumem_kernel_op op;
	struct kumem_region *r;
	struct kumem_csum c;
	u64 off, left, n;
	u8 *p;
	int err;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	err = kumem_check_kernel_op(&op, is_fill);
	if (err)
		return err;
	r = kumem_file_lookup(kf, op.id);
	if (!r)
		return -ENOENT;
	err = kumem_range_check(r->geom.byte_count, op.offset, op.len);
	if (err)
		goto out_put;
	/* The caller's memory locked for reading only is mapped read-only: never write it. */
	if (is_fill && r->kind == KUMEM_REGION_USER_PINNED && !(r->flags & KUMEM_KERNEL_WRITE)) {
		err = -EACCES;
		goto out_put;
	}
	/* one piece for a linear region, one per segment touched for any other chain */
	kumem_csum_init(&c);
	for (off = op.offset, left = op.len; left; off += n, left -= n) {
		p = kumem_region_span(r, off, &n);
		n = min(n, left);
		if (is_fill)
			kumem_fill(p, op.value, n);
		else
			kumem_sum(&c, p, n);
	}
	if (!is_fill) {
		op.result = kumem_csum_final(&c);
		if (put_user(op.result, &((struct kumem_kernel_op __user *)uarg)->result))
			err = -EFAULT;
	}
out_put:
	kumem_region_put(r);
	return err;
}

/*
 * The transfers work in pieces of KUMEM_CHUNK: a call may name up to max_region_mb of the
 * caller's memory, none of it charged to RLIMIT_MEMLOCK, so it never holds more than one
 * piece at a time (a kernel buffer, or pinned pages), and stops for a fatal signal between
 * pieces.
 */

/* METHOD_BUFFERED: the data is copied into kernel memory and the driver works on the copy. */
static int kumem_buffered_sum(const struct kumem_xfer *x, u64 *sum)
{
	const u8 __user *src = u64_to_user_ptr(x->addr);
	struct kumem_csum c;
	u64 left = x->len;
	void *buf;
	int err = 0;

	kumem_csum_init(&c);
	buf = left ? kvmalloc(min_t(u64, left, KUMEM_CHUNK), GFP_KERNEL_ACCOUNT) : NULL;
	if (left && !buf)
		return -ENOMEM;
	while (left) {
		size_t n = min_t(u64, left, KUMEM_CHUNK);

		if (copy_from_user(buf, src, n)) {
			err = -EFAULT;
			break;
		}
		kumem_csum_update(&c, buf, n);
		src += n;
		left -= n;
		if (left && fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	kvfree(buf);
	*sum = kumem_csum_final(&c);
	return err;
}

/* Checksum @n pinned pages, the first from @off. */
static void kumem_sum_pages(struct kumem_csum *c, struct page **pages, unsigned long n, u32 off,
			    u64 *left)
{
	unsigned long i;

	for (i = 0; i < n; i++, off = 0) {
		u64 len = min_t(u64, *left, PAGE_SIZE - off);
		void *kaddr = kmap_local_page(pages[i]);

		kumem_csum_update(c, (u8 *)kaddr + off, len);
		kunmap_local(kaddr);
		*left -= len;
	}
}

#define KUMEM_XFER_PAGES (KUMEM_CHUNK >> PAGE_SHIFT)

/* METHOD_IN_DIRECT: the caller's pages are pinned for the call, one chunk at a time. */
static int kumem_direct_sum(const struct kumem_xfer *x, u64 *sum)
{
	struct kumem_csum c;
	struct kumem_geom g;
	struct page **pages;
	u64 done = 0, left = x->len;
	int err;

	err = kumem_geom_init(&g, x->addr, x->len, PAGE_SHIFT);
	if (err)
		return err;
	kumem_csum_init(&c);
	if (!x->len)
		goto out;
	pages = kmalloc_array(KUMEM_XFER_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	while (done < g.page_count) {
		unsigned long want = min_t(u64, g.page_count - done, KUMEM_XFER_PAGES);
		long got = pin_user_pages_fast(g.start_va + (done << PAGE_SHIFT), want, 0, pages);

		if (got <= 0) {
			err = got < 0 ? (int)got : -EFAULT;
			break;
		}
		kumem_sum_pages(&c, pages, got, done ? 0 : g.byte_offset, &left);
		unpin_user_pages(pages, got);
		done += got;
		if (done < g.page_count && fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(pages);
	if (err)
		return err;
out:
	*sum = kumem_csum_final(&c);
	return 0;
}

long kumem_ioctl_xfer(void __user *uarg, bool direct)
{
	struct kumem_limits lim;
	struct kumem_xfer x;
	u64 sum;
	int err;

	if (copy_from_user(&x, uarg, sizeof(x)))
		return -EFAULT;
	kumem_limits_get(&lim);
	err = kumem_check_xfer(&x, &lim);
	if (err)
		return err;
	err = direct ? kumem_direct_sum(&x, &sum) : kumem_buffered_sum(&x, &sum);
	if (err)
		return err;
	return put_user(sum, &((struct kumem_xfer __user *)uarg)->result) ? -EFAULT : 0;
}
