/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kumem's kernel-side API, for other drivers that want the same shared regions for their own
 * data. The module exports these symbols (GPL); see docs/kernel-api.md for a worked example.
 *
 * A region is reference counted. Everything here may sleep and is for process context, except
 * the event stream producer calls (see there).
 */
#ifndef KUMEM_KERNEL_H
#define KUMEM_KERNEL_H

#include <linux/types.h>
#include <kumem/kumem_abi.h>

struct kumem_region;
struct vm_area_struct;

/*
 * Method 1: pin [addr, addr + len) of current->mm (KUMEM_KERNEL_READ and/or _WRITE) and map it
 * into kernel space. Charged to the caller's RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK.
 * Returns the region with one reference, or an ERR_PTR (-EINVAL, -EFAULT, -E2BIG, -EDQUOT,
 * -ENOMEM, -EOVERFLOW).
 */
struct kumem_region *kumem_region_lock_user(u64 addr, u64 len, u32 flags);

/*
 * Method 2: @len bytes of zeroed whole pages (KUMEM_USER_READ [| _WRITE] [| KUMEM_ALLOC_CONTIG]),
 * mapped in kernel space, ready for kumem_region_map_user(). Charged like method 1.
 */
struct kumem_region *kumem_region_alloc(u64 len, u32 flags);

/*
 * Method 1 over @n (1..KUMEM_MAX_SEGMENTS) ranges of current->mm as one region (a chain), all
 * or nothing, charged as one. The ranges are kernel copies of the caller's array; on failure
 * *@bad (if not NULL) is the index of the range refused, or KUMEM_NO_SEGMENT.
 */
struct kumem_region *kumem_region_lock_segments(const struct kumem_segment *segs, u32 n, u32 flags,
						u32 *bad);

/*
 * Bytes [@offset, @offset + @len) of @r as a region of its own (IoBuildPartialMdl): the same
 * pages, one reference, and it keeps @r's pages alive until it is put. -ERANGE past the end.
 */
struct kumem_region *kumem_region_view(struct kumem_region *r, u64 offset, u64 len);

/*
 * Kernel address of the region's first byte, valid until the last reference is put; its bytes
 * follow it back to back. NULL for a chain whose segments do not meet on page boundaries:
 * walk those with kumem_region_segment().
 */
void *kumem_region_kaddr(const struct kumem_region *r);
/* Bytes the caller asked for. */
u64 kumem_region_size(const struct kumem_region *r);

/*
 * Map a method 2 region into @vma from a driver's own .mmap handler. The vma must be
 * MAP_SHARED and exactly the region's size (whole pages); it may not ask for more access than
 * the region's flags allow. The mapping holds a reference of its own, which munmap gives
 * back. The kernel does not run ->close for a vma whose .mmap fails, so call this last; a
 * handler that must fail after it calls kumem_region_unmap_user() first.
 */
int kumem_region_map_user(struct kumem_region *r, struct vm_area_struct *vma);
void kumem_region_unmap_user(struct kumem_region *r, struct vm_area_struct *vma);

void kumem_region_get(struct kumem_region *r);
void kumem_region_put(struct kumem_region *r);

/*
 * Walking a region: segment i (0 .. kumem_region_segment_count() - 1) in the order of its
 * bytes. A plain region has one. -ERANGE past the last.
 */
struct page;
struct kumem_region_segment {
	u64 offset;	     /* of its first byte within the region */
	u64 len;	     /* bytes */
	u64 user_va;	     /* first byte in the process that locked it (method 1), or 0 */
	void *kaddr;	     /* first byte in kernel space; the segment's bytes follow it */
	struct page **pages; /* its pages, pinned or owned for the region's life */
	unsigned long page_count;
	u32 page_offset; /* of the first byte in pages[0] */
};
u32 kumem_region_segment_count(const struct kumem_region *r);
int kumem_region_segment(const struct kumem_region *r, u32 index, struct kumem_region_segment *out);

/*
 * An sg_table over exactly the region's bytes, in order, ready for dma_map_sgtable(). The
 * caller owns it: sg_free_table() when done, before the region's last put. The entries name
 * the region's pages without taking references of their own.
 */
struct sg_table;
int kumem_region_sg_table(const struct kumem_region *r, struct sg_table *sgt, gfp_t gfp);

/*
 * Event streams (linux/kumem_events.c). A process creates one with KUMEM_IOC_EVENTS_CREATE
 * and may hand its fd to another driver, which takes it with kumem_events_fdget() and then
 * produces records. Reserve, commit and emit may be called from any context, hard interrupt
 * handlers included, on PREEMPT_RT too: reserve takes a raw spinlock with interrupts off,
 * commit wakes the consumer through irq_work. A full stream refuses the record with -ENOSPC
 * and counts a drop. kumem_events_fdget() and kumem_events_put() are for process context.
 */
struct kumem_events;
struct kumem_events *kumem_events_fdget(int fd);
void kumem_events_put(struct kumem_events *e);
int kumem_events_reserve(struct kumem_events *e, u32 len, void **payload, u64 *pos);
void kumem_events_commit(struct kumem_events *e, u64 pos, bool discard);
int kumem_events_emit(struct kumem_events *e, const void *data, u32 len);

/*
 * Command rings whose ops a driver defines. Submissions with op >= KUMEM_OP_DRIVER_FIRST go
 * to @execute (on a private copy of the entry, from the submitting task in enter mode or from
 * the SQPOLL kernel thread; it may sleep) and its return value becomes the completion's
 * result; it may also set c->value. Ops below that are kumem's own (NOP, FILL, CHECKSUM,
 * COPY) on the regions of @regions, a /dev/kumem file the user gave the driver, or none if
 * NULL (-ENOENT). @a is the same block KUMEM_IOC_RING_CREATE takes (entries, flags,
 * idle_us) and gets the layout; the return value is a new fd (O_CLOEXEC) for the calling
 * process, which libkumem's kumem_ring_attach() maps. The ring holds a reference on @owner,
 * and owns @priv from the call on: @release(@priv), if set, runs when the ring goes away, and
 * also when creation fails, so a driver can pin what @priv points to (e.g. get_file()).
 */
struct kumem_sqe;
struct kumem_cqe;
struct file;
struct kumem_ring_driver {
	struct module *owner;
	int (*execute)(void *priv, const struct kumem_sqe *e, struct kumem_cqe *c);
	void (*release)(void *priv);
	void *priv;
};
int kumem_ring_create_driver(struct kumem_ring_create *a, const struct kumem_ring_driver *drv,
			     struct file *regions);

/* Also exported: kumem_checksum() and its streaming form (core/checksum.h), the same hash
 * libkumem computes in user space.
 */

#endif
