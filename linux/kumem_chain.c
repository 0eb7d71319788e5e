// SPDX-License-Identifier: GPL-2.0
/*
 * Chains and partial views: the seed's MDLs linked through Next, and IoBuildPartialMdl.
 *
 *   vectored lock   several user ranges pinned into one page array, one vmap of all of
 *                   them, one charge, one id: a chain of elements (struct kumem_chain_seg)
 *   partial view    bytes [offset, offset + len) of a region as a region of its own: its own
 *                   elements, cut from its parent's by core/mdl.c, over the parent's pages
 *                   and mapping; it holds the parent, which owns everything
 *
 * The kernel sees a region's bytes through the one mapping of its pages in order. Where a
 * chain's segments meet on page boundaries that mapping shows them as one buffer
 * (r->linear) and everything works on it as on a plain region; where they do not, each
 * segment is still a buffer of its own in it, and the module's fill and checksum
 * (kumem_region_span) and the ring ops (core/ring_ops.c, given the segments) walk them.
 * Only kumem_region_kaddr(), which promises a linear buffer, refuses such a region (NULL).
 * A view inside one segment, or across joints that meet on page boundaries, is linear again.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/scatterlist.h>

#include "kumem_internal.h"

struct kumem_region *kumem_region_lock_segments(const struct kumem_segment *segs, u32 n, u32 flags,
						u32 *bad)
{
	struct kumem_lockv_args hdr = { .count = n, .flags = flags };
	struct kumem_chain_seg *chain;
	struct kumem_limits lim;
	struct kumem_region *r;
	struct kumem_geom g;
	u32 no_bad;
	u64 pages;
	int err;

	if (!bad)
		bad = &no_bad;
	*bad = KUMEM_NO_SEGMENT;
	err = kumem_check_lockv(&hdr);
	if (err)
		return ERR_PTR(err);
	if (!current->mm)
		return ERR_PTR(-EFAULT);
	chain = kmalloc_array(n, sizeof(*chain), GFP_KERNEL_ACCOUNT);
	if (!chain)
		return ERR_PTR(-ENOMEM);
	kumem_limits_get(&lim);
	err = kumem_check_segments(segs, n, &lim, chain, &pages, bad);
	if (err)
		goto err_free_chain;

	g = chain[0].geom;
	g.byte_count = chain[n - 1].offset + chain[n - 1].geom.byte_count;
	g.page_count = pages;
	r = kumem_region_new(KUMEM_REGION_USER_PINNED, flags, &g);
	if (!r) {
		err = -ENOMEM;
		goto err_free_chain;
	}
	if (n > 1) {
		r->segs = chain; /* the region owns it from here on */
		r->nsegs = n;
	} else {
		r->seg0 = chain[0];
		kfree(chain);
	}
	r->linear = kumem_chain_linear(r->segs, r->nsegs, PAGE_SHIFT);
	/* the same charge, pin and map as a plain lock, which is a chain of one */
	err = kumem_region_lock_pages(r, bad);
	if (err)
		goto err_free_shell;
	return r;

err_free_shell:
	kumem_region_free_shell(r); /* and the chain it owns */
	return ERR_PTR(err);
err_free_chain:
	kfree(chain);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(kumem_region_lock_segments);

long kumem_ioctl_lockv(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_lockv_args __user *u = uarg;
	struct kumem_lockv_args args;
	struct kumem_segment *segs;
	struct kumem_region *r;
	u32 bad = KUMEM_NO_SEGMENT;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	err = kumem_check_lockv(&args);
	if (err)
		return err;
	segs = kmalloc_array(args.count, sizeof(*segs), GFP_KERNEL);
	if (!segs)
		return -ENOMEM;
	if (copy_from_user(segs, u64_to_user_ptr(args.segs), args.count * sizeof(*segs))) {
		kfree(segs);
		return -EFAULT;
	}
	r = kumem_region_lock_segments(segs, args.count, args.flags, &bad);
	kfree(segs);
	if (put_user(bad, &u->bad_segment) && !IS_ERR(r)) {
		kumem_region_put(r);
		return -EFAULT;
	}
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = kumem_file_insert(kf, r, &args.id);
	if (err)
		return err;
	if (put_user(args.id, &u->id))
		return -EFAULT; /* the region stays; closing the file releases it */
	return 0;
}

struct kumem_region *kumem_region_view(struct kumem_region *p, u64 offset, u64 len)
{
	struct kumem_region *owner = p->parent ? p->parent : p;
	struct kumem_chain_seg *segs;
	struct kumem_region *v;
	u64 base;
	u32 n;
	int err;

	if (!len)
		return ERR_PTR(-EINVAL);
	err = kumem_range_check(p->geom.byte_count, offset, len);
	if (err)
		return ERR_PTR(err);
	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return ERR_PTR(-ENOMEM);
	segs = &v->seg0;
	if (owner->nsegs > 1) {
		segs = kmalloc_array(owner->nsegs, sizeof(*segs), GFP_KERNEL_ACCOUNT);
		if (!segs) {
			err = -ENOMEM;
			goto err_view;
		}
	}
	/* a view of a view is cut from the pages' owner, at the two offsets added */
	offset += p->view_offset;
	err = kumem_chain_slice(owner->segs, owner->nsegs, owner->geom.byte_count, offset, len,
				PAGE_SHIFT, segs, &n, &base);
	if (err)
		goto err_segs;

	kref_init(&v->ref);
	v->kind = owner->kind;
	v->flags = owner->flags;
	v->segs = segs;
	v->nsegs = n;
	v->geom = segs[0].geom;
	v->geom.byte_count = len;
	v->geom.page_count = segs[n - 1].first_page + segs[n - 1].geom.page_count;
	v->pages = owner->pages + base;
	v->vaddr = (u8 *)owner->vaddr + (base << PAGE_SHIFT);
	v->linear = kumem_chain_linear(segs, n, PAGE_SHIFT);
	v->view_offset = offset;
	atomic_set(&v->user_maps, 0);
	kumem_region_get(owner);
	v->parent = owner;
	atomic64_inc(&kumem_counters.regions);
	return v;

err_segs:
	if (segs != &v->seg0)
		kfree(segs);
err_view:
	kfree(v);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(kumem_region_view);

/* The last reference to a view: its own bookkeeping, then its hold on the pages' owner. */
void kumem_view_release(struct kumem_region *v)
{
	struct kumem_region *owner = v->parent;

	if (v->segs != &v->seg0)
		kfree(v->segs);
	kfree(v);
	atomic64_dec(&kumem_counters.regions);
	kumem_region_put(owner);
}

long kumem_ioctl_view(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_view_args a;
	struct kumem_region *p, *v;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = kumem_check_view(&a);
	if (err)
		return err;
	p = kumem_file_lookup(kf, a.parent);
	if (!p)
		return -ENOENT;
	v = kumem_region_view(p, a.offset, a.len);
	kumem_region_put(p);
	if (IS_ERR(v))
		return PTR_ERR(v);
	err = kumem_file_insert(kf, v, &a.id);
	if (err)
		return err;
	if (put_user(a.id, &((struct kumem_view_args __user *)uarg)->id))
		return -EFAULT; /* the view stays; closing the file releases it */
	return 0;
}

u8 *kumem_region_span(const struct kumem_region *r, u64 off, u64 *avail)
{
	const struct kumem_chain_seg *s;

	if (r->linear) {
		*avail = r->geom.byte_count - off;
		return (u8 *)r->vaddr + r->geom.byte_offset + off;
	}
	s = &r->segs[kumem_chain_find(r->segs, r->nsegs, off)];
	*avail = s->geom.byte_count - (off - s->offset);
	return (u8 *)r->vaddr + kumem_chain_map_offset(s, off, PAGE_SHIFT);
}

u32 kumem_region_segment_count(const struct kumem_region *r)
{
	return r->nsegs;
}
EXPORT_SYMBOL_GPL(kumem_region_segment_count);

int kumem_region_segment(const struct kumem_region *r, u32 index, struct kumem_region_segment *out)
{
	const struct kumem_chain_seg *s;

	if (index >= r->nsegs)
		return -ERANGE;
	s = &r->segs[index];
	out->offset = s->offset;
	out->len = s->geom.byte_count;
	out->user_va = r->kind == KUMEM_REGION_USER_PINNED ? kumem_geom_va(&s->geom) : 0;
	out->kaddr = (u8 *)r->vaddr + (s->first_page << PAGE_SHIFT) + s->geom.byte_offset;
	out->pages = r->pages + s->first_page;
	out->page_count = s->geom.page_count;
	out->page_offset = s->geom.byte_offset;
	return 0;
}
EXPORT_SYMBOL_GPL(kumem_region_segment);

int kumem_region_sg_table(const struct kumem_region *r, struct sg_table *sgt, gfp_t gfp)
{
	struct scatterlist *sg;
	u32 i;
	u64 p;
	int err;

	if (r->linear) /* one buffer: adjacent pages that are physically contiguous merge */
		return sg_alloc_table_from_pages(sgt, r->pages, r->geom.page_count,
						 r->geom.byte_offset, r->geom.byte_count, gfp);
	/* joints inside pages: one entry per page, each holding only its segment's bytes */
	err = sg_alloc_table(sgt, r->geom.page_count, gfp);
	if (err)
		return err;
	sg = sgt->sgl;
	for (i = 0; i < r->nsegs; i++) {
		const struct kumem_chain_seg *s = &r->segs[i];
		u64 left = s->geom.byte_count;
		u32 off = s->geom.byte_offset;

		for (p = 0; p < s->geom.page_count; p++, off = 0) {
			u32 n = min_t(u64, left, PAGE_SIZE - off);

			sg_set_page(sg, r->pages[s->first_page + p], n, off);
			left -= n;
			sg = sg_next(sg);
		}
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kumem_region_sg_table);
