/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version guard of the module lives here, so the rest reads as current code.
 * Each branch is built and run by a kernel of the test matrix (kernels.conf: 6.1, 6.12,
 * 7.2; docs/kernels.md says what differs between them).
 */
#ifndef KUMEM_COMPAT_H
#define KUMEM_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/uio.h>
#include <linux/hrtimer.h>

/* 6.3 made vma->vm_flags read-only and added vm_flags_set()/vm_flags_clear(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void kumem_vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void kumem_vm_flags_clear(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define kumem_vm_flags_set(vma, f)   vm_flags_set((vma), (f))
#define kumem_vm_flags_clear(vma, f) vm_flags_clear((vma), (f))
#endif

/*
 * Largest order alloc_pages_exact() can serve. 6.8 named it MAX_PAGE_ORDER (inclusive);
 * before, MAX_ORDER was exclusive until 6.3 and inclusive from 6.4 to 6.7. Keyed on the
 * macro, not the version, so that each branch is built by a kernel of the test matrix
 * (6.1: MAX_ORDER - 1; 6.12, 7.2: MAX_PAGE_ORDER): on 6.4-6.7, which no Debian release
 * ships, it is one order below the limit, which is safe.
 */
#ifdef MAX_PAGE_ORDER
#define KUMEM_MAX_PAGE_ORDER MAX_PAGE_ORDER
#else
#define KUMEM_MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

/*
 * pin_user_pages_fast() has kept (start, nr_pages, gup_flags, pages) since 5.6; 6.5 dropped
 * the vmas argument of pin_user_pages(), which kumem does not call. One wrapper anyway, so a
 * future signature change is one edit.
 */
static inline long kumem_pin_user_pages(unsigned long start, unsigned long nr_pages,
					unsigned int gup_flags, struct page **pages)
{
	return pin_user_pages_fast(start, (int)nr_pages, gup_flags, pages);
}

/*
 * Pin the user pages behind the next part of @iter for a short while (one read()/write()):
 * at most @maxpages pages and @maxsize bytes, from the current segment only. Returns the bytes
 * covered (the iterator is advanced by that much), *@offset0 = the first byte's offset in
 * pages[0], or a negative errno. The pages are pinned (FOLL_PIN; FOLL_WRITE when the kernel
 * writes them, i.e. @iter is a read()'s destination); unpin_user_pages*() releases them.
 * User-backed iterators only (iovec or ubuf): the caller checks user_backed_iter().
 *
 * 6.3 added iov_iter_extract_pages(), which does exactly this. Before, iov_iter_get_pages2()
 * takes references rather than pins (wrong for writing into pages: a reference does not
 * hold off fork()'s copy-on-write), so kumem walks the segment itself and calls
 * pin_user_pages_fast(). Keyed on the version: 6.1 (matrix) builds the second branch, 6.12
 * and 7.2 the first.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline ssize_t kumem_iter_pin_pages(struct iov_iter *iter, struct page **pages,
					   size_t maxsize, unsigned int maxpages, size_t *offset0)
{
	return iov_iter_extract_pages(iter, &pages, maxsize, maxpages, 0, offset0);
}
#else
static inline ssize_t kumem_iter_pin_pages(struct iov_iter *iter, struct page **pages,
					   size_t maxsize, unsigned int maxpages, size_t *offset0)
{
	unsigned int gup_flags = iov_iter_rw(iter) == WRITE ? 0 : FOLL_WRITE;
	unsigned long addr, npages;
	size_t len, off, bytes;
	long got;

	if (iter_is_ubuf(iter)) {
		addr = (unsigned long)iter->ubuf + iter->iov_offset;
		len = iter->count;
	} else {
		const struct iovec *iov = iter->iov;
		size_t skip = iter->iov_offset;

		/* count > 0, so a segment with bytes left comes before the end */
		while (skip >= iov->iov_len) {
			skip = 0;
			iov++;
		}
		addr = (unsigned long)iov->iov_base + skip;
		len = min(iter->count, iov->iov_len - skip);
	}
	len = min(len, maxsize);
	off = offset_in_page(addr);
	npages = min_t(unsigned long, DIV_ROUND_UP(off + len, PAGE_SIZE), maxpages);
	got = pin_user_pages_fast(addr - off, (int)npages, gup_flags, pages);
	if (got <= 0)
		return got ? got : -EFAULT;
	bytes = min(len, ((size_t)got << PAGE_SHIFT) - off);
	iov_iter_advance(iter, bytes);
	*offset0 = off;
	return bytes;
}
#endif

/* 6.13 added hrtimer_setup() (init and callback in one call); later kernels dropped hrtimer_init(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
static inline void kumem_hrtimer_setup(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *),
				       clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(t, clock, mode);
	t->function = fn;
}
#else
#define kumem_hrtimer_setup(t, fn, clock, mode) hrtimer_setup((t), (fn), (clock), (mode))
#endif

/*
 * io_uring passthrough (kumem_uring.c). Three shapes, one per kernel of the matrix:
 *
 *   6.1   <linux/io_uring.h>; the command's bytes at ioucmd->cmd;
 *         io_uring_cmd_done(cmd, ret, ssize_t res2, issue_flags)
 *   6.12  <linux/io_uring/cmd.h> (the declarations moved there in 6.7); ioucmd->sqe is
 *         the whole SQE and io_uring_sqe_cmd(sqe) its command bytes;
 *         io_uring_cmd_done(cmd, ret, u64 res2, issue_flags)
 *   7.2   io_uring_sqe128_cmd(sqe, type), a type-checked macro (it refuses a type larger
 *         than a 128-byte SQE's command bytes); io_uring_cmd_done(cmd, ret, issue_flags)
 *         for a 16-byte CQE and io_uring_cmd_done32(cmd, ret, res2, issue_flags) for a
 *         32-byte one (they came with mixed-size CQEs, IORING_SETUP_CQE_MIXED)
 *
 * The header is keyed on the version it moved in (6.7), the rest on what each change brought
 * (the macro, the uapi flag), so each branch is the one its kernel needs. A kernel that
 * passed the whole SQE before the header moved (6.5, 6.6; shipped by no Debian release)
 * takes the 6.1 branch and fails to build: it would need a fourth branch.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#include <linux/io_uring/cmd.h>
#define KUMEM_URING_CMD_H 1
#else
#include <linux/io_uring.h>
#define KUMEM_URING_CMD_H 0
#endif

/* The command bytes of @ioucmd's SQE, as a @type (at most KUMEM_URING_CMD_BYTES long). */
#if defined(io_uring_sqe128_cmd)
#define kumem_uring_cmd_bytes(ioucmd, type) io_uring_sqe128_cmd((ioucmd)->sqe, type)
#elif KUMEM_URING_CMD_H
#define kumem_uring_cmd_bytes(ioucmd, type) ((const type *)io_uring_sqe_cmd((ioucmd)->sqe))
#else
#define kumem_uring_cmd_bytes(ioucmd, type) ((const type *)(ioucmd)->cmd)
#endif

/* Complete @ioucmd with @res and, in a ring of 32-byte CQEs, @res2 in big_cqe[0]. */
static inline void kumem_uring_cmd_done32(struct io_uring_cmd *ioucmd, int res, u64 res2,
					  unsigned int issue_flags)
{
#if defined(IORING_SETUP_CQE_MIXED)
	io_uring_cmd_done32(ioucmd, res, res2, issue_flags);
#else
	io_uring_cmd_done(ioucmd, res, res2, issue_flags);
#endif
}

#endif
