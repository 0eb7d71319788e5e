/* SPDX-License-Identifier: GPL-2.0 */
/* What the module's files share. Not for other drivers: they use kumem_kernel.h. */
#ifndef KUMEM_INTERNAL_H
#define KUMEM_INTERNAL_H

#include <linux/kref.h>
#include <linux/xarray.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/spinlock.h>

#include "kumem_kernel.h"
#include "../core/mdl.h"
#include "../core/validate.h"

enum kumem_region_kind {
	KUMEM_REGION_USER_PINNED,  /* method 1: the caller's pages, pinned */
	KUMEM_REGION_KERNEL_PAGES, /* method 2: pages the module allocated */
};

/* What a region charged, so that it can give it back from any context it is freed in. */
struct kumem_charge {
	struct user_struct *user; /* RLIMIT_MEMLOCK owner; NULL with CAP_IPC_LOCK */
	struct mm_struct *mm;	  /* pinned_vm owner (method 1 only) */
	unsigned long pages;
};

/*
 * A region's bytes are those of its segments in order (one segment unless it is a chain or a
 * view across a chain's joints); its pages are those of its segments back to back, all
 * mapped in kernel space in that order at vaddr. A view shares its parent's page array and
 * mapping from its own first page on, and holds the parent.
 */
struct kumem_region {
	struct kref ref;
	enum kumem_region_kind kind;
	u32 flags; /* KUMEM_KERNEL_* or KUMEM_USER_* as asked */
	struct kumem_geom geom; /* whole region: the first segment's start, all bytes and pages */
	struct page **pages; /* geom.page_count entries: the "PFN array", 8 bytes a page */
	void *vaddr;	     /* kernel mapping of the first page */
	bool linear;	     /* the bytes lie back to back at vaddr (kumem_chain_linear) */
	u32 nsegs;
	struct kumem_chain_seg *segs; /* nsegs entries: &seg0, or an array of their own */
	struct kumem_chain_seg seg0;
	struct kumem_region *parent; /* a view: the region that owns the pages (never a view) */
	u64 view_offset;	     /* a view: its first byte's offset in the parent */
	struct kumem_charge charge;
	atomic_t user_maps; /* live vmas (method 2) */
};

/* The region that owns @r's pages: itself, or a view's parent. */
static inline const struct kumem_region *kumem_region_owner(const struct kumem_region *r)
{
	return r->parent ? r->parent : r;
}

/* read()/write() on a file (kumem_rw.c): the mode it chose and what its last call did. */
struct kumem_rw_state {
	spinlock_t lock;	   /* mode, align, last */
	u32 mode;		   /* KUMEM_RW_*, read once at the start of a call */
	u32 align;		   /* direct: every iovec's address and length, or 0 */
	struct kumem_rw_last last; /* for KUMEM_IOC_RW_LAST */
};

/* Per open file. */
struct kumem_file {
	struct xarray regions; /* id -> region, one reference each */
	u32 next_id;	       /* xa_alloc_cyclic cursor */
	atomic_t nregions;
	atomic64_t bytes;
	struct kumem_rw_state rw;
};

/* Module-wide counters (kumem_file.c), reported by KUMEM_IOC_STATS and debugfs. */
struct kumem_counters {
	atomic64_t open_files;
	atomic64_t regions;
	atomic64_t pinned_pages;
	atomic64_t allocated_pages;
	atomic64_t user_mappings;
	atomic64_t io_pinned_pages; /* pinned by direct read()/write() calls in progress */
};

/* Highest region id; keeps mmap offsets (id << PAGE_SHIFT) below 2^31 for 32-bit callers. */
#define KUMEM_MAX_REGION_ID ((1u << (31 - PAGE_SHIFT)) - 1)

/*
 * kumem_file.c: what every feature file uses, and which calls none of them back. The module
 * parameters for sizes, the counters, a /dev/kumem file's region table, publishing an fd.
 */
extern struct kumem_counters kumem_counters;
extern unsigned int kumem_max_region_mb;
extern unsigned int kumem_max_fd_regions;
extern unsigned int kumem_max_fd_mb;

void kumem_limits_get(struct kumem_limits *lim);
struct kumem_file *kumem_file_new(struct file *file);
int kumem_file_release(struct inode *inode, struct file *file);
bool kumem_is_dev_file(const struct file *f);
int kumem_file_insert(struct kumem_file *kf, struct kumem_region *r, u32 *id);
int kumem_file_remove(struct kumem_file *kf, u32 id);
struct kumem_region *kumem_file_lookup(struct kumem_file *kf, u32 id);
int kumem_publish_fd(const char *name, const struct file_operations *fops, void *priv,
		     void __user *uarg, void *blk, size_t size, s32 *fd_slot, struct file **filep,
		     bool *released);

/* kumem_region.c */
struct kumem_region *kumem_region_lock_args(const struct kumem_lock_args *args);
struct kumem_region *kumem_region_alloc_args(const struct kumem_alloc_args *args);
u64 kumem_region_descriptor_bytes(const struct kumem_region *r);
struct kumem_region *kumem_region_new(enum kumem_region_kind kind, u32 flags,
				      const struct kumem_geom *g);
void kumem_region_free_shell(struct kumem_region *r);
int kumem_region_lock_pages(struct kumem_region *r, u32 *bad);

/* kumem_chain.c: vectored locks, partial views */
struct kumem_region *kumem_region_lock_segments(const struct kumem_segment *segs, u32 n,
						u32 flags, u32 *bad);
void kumem_view_release(struct kumem_region *view);
/* Kernel address of byte @off (< size) of @r, and how many bytes follow it there. */
u8 *kumem_region_span(const struct kumem_region *r, u64 off, u64 *avail);
long kumem_ioctl_lockv(struct kumem_file *kf, void __user *uarg);
long kumem_ioctl_view(struct kumem_file *kf, void __user *uarg);
u64 kumem_region_user_va(struct kumem_region *r);
int kumem_map_pages(struct vm_area_struct *vma, struct page **pages, unsigned long n,
		    bool writable);
extern const struct vm_operations_struct kumem_fixed_vm_ops;

/* kumem_ring.c, kumem_events.c: each returns a new fd or a negative errno */
long kumem_ioctl_ring_create(struct file *parent, void __user *uarg);
struct kumem_ring_mem;
int kumem_ring_mem_get(struct kumem_file *kf, u32 id, struct kumem_ring_mem *m);
void kumem_ring_mem_put(struct kumem_ring_mem *m);

/* kumem_uring.c: IORING_OP_URING_CMD on /dev/kumem */
struct io_uring_cmd;
int kumem_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);
long kumem_ioctl_events_create(void __user *uarg);

/* kumem_ops.c: ioctl handlers, each given the file's state and the user argument. */
long kumem_ioctl_describe(struct kumem_file *kf, void __user *uarg);
long kumem_ioctl_describe_chain(struct kumem_file *kf, void __user *uarg);
long kumem_ioctl_kernel_op(struct kumem_file *kf, void __user *uarg, bool is_fill);
long kumem_ioctl_xfer(void __user *uarg, bool direct);

/* kumem_rw.c: read()/write() in buffered or direct mode (the seed's DO_*_IO flags) */
void kumem_rw_init(struct kumem_file *kf);
long kumem_ioctl_rw_mode(struct kumem_file *kf, void __user *uarg);
long kumem_ioctl_rw_last(struct kumem_file *kf, void __user *uarg);
ssize_t kumem_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t kumem_write_iter(struct kiocb *iocb, struct iov_iter *from);

#endif
