// SPDX-License-Identifier: GPL-2.0
/*
 * read() and write() on /dev/kumem: the seed's DO_BUFFERED_IO and DO_DIRECT_IO.
 *
 * On Windows these are flags of a device object, and the I/O manager does the work before
 * the driver sees the request: it copies the caller's buffer into Irp->AssociatedIrp.
 * SystemBuffer (buffered), or locks the caller's pages and describes them in Irp->MdlAddress
 * (direct). Here the driver does both itself, in its read_iter/write_iter, and a file picks
 * one with KUMEM_IOC_RW_MODE (a new file has none: read/write fail with EINVAL):
 *
 *   buffered  copy_from_iter()/copy_to_iter() through a bounce buffer of KUMEM_RW_BOUNCE
 *             bytes, one chunk after another;
 *   direct    the caller's pages pinned for the call only, KUMEM_RW_PIN_BATCH pages at a
 *             time (kumem_iter_pin_pages(): iov_iter_extract_pages() where the kernel has
 *             it), worked on in place through kmap_local_page(), unpinned before the next
 *             batch is pinned.
 *
 * write() consumes (checksums the bytes), read() produces (kumem_pattern_fill()). Whatever
 * the size, one call holds at most KUMEM_RW_BOUNCE bytes of buffer or KUMEM_RW_PIN_BATCH
 * pinned pages: these short pins are not charged to RLIMIT_MEMLOCK (as O_DIRECT's are not),
 * so they are what is bounded. Between chunks a call gives the CPU up and stops on a
 * pending signal (fatal or not), returning the bytes done so far, like a pipe's read(). A
 * fault stops it too: the count of the bytes before it, or -EFAULT if it was the first.
 */
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/highmem.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>

#include "kumem_internal.h"
#include "kumem_compat.h"
#include "../core/checksum.h"

/*
 * 256 KiB: large enough that the per-chunk costs vanish, small enough to stay in cache
 * between the copy and the work on it.
 */
#define KUMEM_RW_BOUNCE (256u << 10)

/* One read()/write() in progress: what it has done, for KUMEM_IOC_RW_LAST. */
struct kumem_rw_call {
	struct kumem_rw_last rec;
	struct kumem_csum csum;
	u64 pos; /* bytes done: the pattern position of the next byte produced */
};

void kumem_rw_init(struct kumem_file *kf)
{
	spin_lock_init(&kf->rw.lock);
}

long kumem_ioctl_rw_mode(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_rw_mode m;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.reserved[0] || m.reserved[1] || m.reserved[2] || m.mode > KUMEM_RW_DIRECT)
		return -EINVAL;
	if (m.align &&
	    (m.mode != KUMEM_RW_DIRECT || !is_power_of_2(m.align) || m.align > PAGE_SIZE))
		return -EINVAL;
	spin_lock(&kf->rw.lock);
	kf->rw.mode = m.mode;
	kf->rw.align = m.align;
	spin_unlock(&kf->rw.lock);
	return 0;
}

long kumem_ioctl_rw_last(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_rw_last last;

	spin_lock(&kf->rw.lock);
	last = kf->rw.last;
	spin_unlock(&kf->rw.lock);
	/* Physical frame numbers are root-only, as everywhere in kumem. */
	if (!capable(CAP_SYS_ADMIN)) {
		memset(last.pfns, 0, sizeof(last.pfns));
		last.pfn_count = 0;
	}
	return copy_to_user(uarg, &last, sizeof(last)) ? -EFAULT : 0;
}

/* Between chunks: give the CPU up, and stop on a signal (true, *err set). */
static bool kumem_rw_interrupted(int *err)
{
	if (signal_pending(current)) {
		*err = -ERESTARTSYS;
		return true;
	}
	cond_resched();
	return false;
}

/* DO_BUFFERED_IO: the data passes through the driver's own buffer. */
static ssize_t kumem_rw_buffered(struct kumem_rw_call *c, struct iov_iter *iter, bool is_write)
{
	size_t size = min_t(size_t, iov_iter_count(iter), KUMEM_RW_BOUNCE);
	u8 *buf;
	int err = 0;

	buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	while (iov_iter_count(iter)) {
		size_t want = min(iov_iter_count(iter), size), got;

		if (is_write) {
			got = copy_from_iter(buf, want, iter);
		} else {
			kumem_pattern_fill(buf, c->pos, want);
			got = copy_to_iter(buf, want, iter);
		}
		kumem_csum_update(&c->csum, buf, got);
		c->pos += got;
		c->rec.chunks++;
		if (got < want) {
			err = -EFAULT;
			break;
		}
		if (kumem_rw_interrupted(&err))
			break;
	}
	kvfree(buf);
	return c->pos ? c->pos : err;
}

/* Work on @len bytes of pinned pages in place, from @off into pages[0]. */
static void kumem_rw_in_place(struct kumem_rw_call *c, struct page **pages, size_t off, size_t len,
			      bool is_write)
{
	unsigned long i;

	for (i = 0; len; i++) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *kaddr = kmap_local_page(pages[i]);

		if (!is_write)
			kumem_pattern_fill(kaddr + off, c->pos, n);
		kumem_csum_update(&c->csum, kaddr + off, n);
		kunmap_local(kaddr);
		c->pos += n;
		len -= n;
		off = 0;
	}
}

/* The "MDL" of a batch: page count, offset of the first byte, the first frames. */
static void kumem_rw_note_pages(struct kumem_rw_call *c, struct page **pages, unsigned long npages,
				size_t off)
{
	unsigned long i;

	if (!c->rec.chunks)
		c->rec.byte_offset = off;
	c->rec.chunks++;
	c->rec.pages += npages;
	c->rec.max_pinned = max_t(u32, c->rec.max_pinned, npages);
	for (i = 0; i < npages && c->rec.pfn_count < KUMEM_RW_PFNS; i++)
		c->rec.pfns[c->rec.pfn_count++] = page_to_pfn(pages[i]);
}

/* Pages a small call pins without allocating its page array. */
#define KUMEM_RW_PIN_ON_STACK 16

/* DO_DIRECT_IO: the caller's pages, pinned for as long as the driver works on them. */
static ssize_t kumem_rw_direct(struct kumem_rw_call *c, struct iov_iter *iter, bool is_write)
{
	struct page *on_stack[KUMEM_RW_PIN_ON_STACK], **pages = on_stack;
	unsigned int batch = iov_iter_npages(iter, KUMEM_RW_PIN_BATCH);
	int err = 0;

	if (batch > KUMEM_RW_PIN_ON_STACK) {
		pages = kvmalloc_array(batch, sizeof(*pages), GFP_KERNEL);
		if (!pages)
			return -ENOMEM;
	}
	while (iov_iter_count(iter)) {
		unsigned long npages;
		size_t off;
		ssize_t got;

		got = kumem_iter_pin_pages(iter, pages, (size_t)batch << PAGE_SHIFT, batch, &off);
		if (got <= 0) {
			err = got ? (int)got : -EFAULT;
			break;
		}
		npages = DIV_ROUND_UP(off + got, PAGE_SIZE);
		atomic64_add(npages, &kumem_counters.io_pinned_pages);
		kumem_rw_note_pages(c, pages, npages, off);
		kumem_rw_in_place(c, pages, off, got, is_write);
		/* a read() wrote the pages: they are dirty */
		unpin_user_pages_dirty_lock(pages, npages, !is_write);
		atomic64_sub(npages, &kumem_counters.io_pinned_pages);
		if (kumem_rw_interrupted(&err))
			break;
	}
	if (pages != on_stack)
		kvfree(pages);
	return c->pos ? c->pos : err;
}

static ssize_t kumem_rw(struct kumem_file *kf, struct iov_iter *iter, bool is_write)
{
	struct kumem_rw_call c = { 0 };
	u32 mode, align;
	ssize_t ret;

	spin_lock(&kf->rw.lock);
	mode = kf->rw.mode;
	align = kf->rw.align;
	spin_unlock(&kf->rw.lock);
	if (mode == KUMEM_RW_NONE)
		return -EINVAL;
	c.rec.mode = mode;
	c.rec.op = is_write ? KUMEM_RW_OP_WRITE : KUMEM_RW_OP_READ;
	c.rec.segments = iov_iter_count(iter) ? iter->nr_segs : 0;
	kumem_csum_init(&c.csum);
	if (!iov_iter_count(iter)) {
		ret = 0;
	} else if (mode == KUMEM_RW_BUFFERED) {
		ret = kumem_rw_buffered(&c, iter, is_write);
	} else {
		/* Direct works on the caller's own pages: kernel buffers (splice) have none. */
		if (!user_backed_iter(iter))
			return -EINVAL;
		/* O_DIRECT's rule, when the file asked for it: checked before anything moves. */
		if (align && (iov_iter_alignment(iter) & (align - 1)))
			return -EINVAL;
		ret = kumem_rw_direct(&c, iter, is_write);
	}
	if (ret < 0)
		return ret;
	c.rec.bytes = ret;
	c.rec.sum = kumem_csum_final(&c.csum);
	spin_lock(&kf->rw.lock);
	kf->rw.last = c.rec;
	spin_unlock(&kf->rw.lock);
	return ret;
}

ssize_t kumem_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return kumem_rw(iocb->ki_filp->private_data, from, true);
}

ssize_t kumem_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return kumem_rw(iocb->ki_filp->private_data, to, false);
}
