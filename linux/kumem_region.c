// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: the seed's two methods, done on Linux.
 *
 *   method 1  pin_user_pages_fast(FOLL_LONGTERM)  ~ IoAllocateMdl + MmProbeAndLockPages
 *             vmap()                               ~ MmGetSystemAddressForMdlSafe
 *   method 2  zeroed pages (from blocks split with  ~ MmAllocatePagesForMdlEx + system mapping
 *             split_page where the free lists allow), vmap()
 *             vm_insert_pages() from .mmap         ~ MmMapLockedPagesSpecifyCache(UserMode)
 *
 * A region is reference counted: the file's id table holds one reference, every user mapping
 * holds one, and every ioctl working on it holds one for its duration. The last put undoes
 * everything, whichever of those it is.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/sched/mm.h>
#include <linux/sched/user.h>
#include <linux/sched/signal.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <uapi/linux/magic.h>

#include "kumem_internal.h"
#include "kumem_compat.h"

/* Pages pinned per pin_user_pages_fast() call, so huge ranges reschedule between batches. */
#define KUMEM_PIN_BATCH 4096ul

/*
 * Charge @pages to RLIMIT_MEMLOCK as io_uring does: user->locked_vm against the limit unless
 * the caller has CAP_IPC_LOCK, and mm->pinned_vm for pinned user pages in every case.
 */
static int kumem_charge(struct kumem_charge *c, unsigned long pages, bool pinned)
{
	struct user_struct *user = NULL;
	unsigned long limit, cur, next;

	if (!capable(CAP_IPC_LOCK)) {
		user = get_uid(current_user());
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&user->locked_vm);
		do {
			next = cur + pages;
			if (next > limit || next < cur) {
				free_uid(user);
				return -EDQUOT;
			}
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, next));
	}
	c->user = user;
	c->pages = pages;
	c->mm = NULL;
	if (pinned) {
		mmgrab(current->mm);
		c->mm = current->mm;
		atomic64_add(pages, &c->mm->pinned_vm);
	}
	return 0;
}

static void kumem_uncharge(struct kumem_charge *c)
{
	if (c->user) {
		atomic_long_sub(c->pages, &c->user->locked_vm);
		free_uid(c->user);
	}
	if (c->mm) {
		atomic64_sub(c->pages, &c->mm->pinned_vm);
		mmdrop(c->mm);
	}
}

struct kumem_region *kumem_region_new(enum kumem_region_kind kind, u32 flags,
				      const struct kumem_geom *g)
{
	struct kumem_region *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	r->pages = kvmalloc_array(g->page_count, sizeof(*r->pages), GFP_KERNEL_ACCOUNT);
	if (!r->pages) {
		kfree(r);
		return NULL;
	}
	kref_init(&r->ref);
	r->kind = kind;
	r->flags = flags;
	r->geom = *g;
	r->linear = true;
	r->seg0.geom = *g;
	r->segs = &r->seg0;
	r->nsegs = 1;
	atomic_set(&r->user_maps, 0);
	return r;
}

static void kumem_region_free_segs(struct kumem_region *r)
{
	if (r->segs != &r->seg0)
		kfree(r->segs);
}

void kumem_region_free_shell(struct kumem_region *r)
{
	kumem_region_free_segs(r);
	kvfree(r->pages);
	kfree(r);
}

static void kumem_free_kernel_pages(struct kumem_region *r, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		__free_page(r->pages[i]);
}

/* A page-aligned user range being pinned into a page array (a region's, or a segment's part). */
struct kumem_pin_range {
	unsigned long start_va;
	unsigned long page_count;
	struct page **pages;
};

/*
 * Pin pages [@first, @first + @count) of the range into its pages[@first...], in batches so
 * that huge ranges reschedule and stay killable. On failure nothing of the span stays pinned.
 */
static int kumem_pin_span(const struct kumem_pin_range *pr, unsigned long first,
			  unsigned long count, unsigned int gup)
{
	unsigned long start = pr->start_va + (first << PAGE_SHIFT);
	unsigned long done = 0;
	long got;

	while (done < count) {
		got = kumem_pin_user_pages(start + (done << PAGE_SHIFT),
					   min(count - done, KUMEM_PIN_BATCH), gup,
					   pr->pages + first + done);
		if (got <= 0)
			goto err_unpin;
		done += got;
		if (fatal_signal_pending(current)) {
			got = -EINTR;
			goto err_unpin;
		}
		cond_resched();
	}
	return 0;

err_unpin:
	unpin_user_pages(pr->pages + first, done);
	/* 0 pinned means the range is not (all) pinnable memory: unmapped, VM_IO, PFNMAP... */
	return got < 0 ? (int)got : -EFAULT;
}

/*
 * Memory a region may pin for as long as it lives: anonymous memory, shmem (memfd, tmpfs,
 * MAP_SHARED|MAP_ANONYMOUS, SysV shm) and hugetlbfs, as io_uring's registered buffers. Page
 * cache of other filesystems is written back and truncated behind a long-term pin's back
 * (the known GUP/filesystem corruption); 6.1 refuses such pins only for DAX, newer kernels
 * some of them. Pins for one call (transfers, read/write) may use any file, as O_DIRECT does.
 */
static bool kumem_longterm_file_ok(const struct file *file)
{
	unsigned long magic;

	if (!file)
		return true;
	magic = file_inode(file)->i_sb->s_magic;
	return magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC;
}

/* The same rule on what was actually pinned, in case the mapping changed meanwhile. */
static bool kumem_longterm_page_ok(struct page *page)
{
	struct folio *folio = page_folio(page);
	struct address_space *mapping;

	if (is_zero_page(page) || folio_test_anon(folio) || folio_test_hugetlb(folio))
		return true;
	mapping = folio_mapping(folio);
	return mapping && mapping->host && mapping->host->i_sb->s_magic == TMPFS_MAGIC;
}

/*
 * The next span of the range from page @first that lies in one vma: its length in pages,
 * whether that vma may be written, whether its memory may be pinned long-term. 0: no vma
 * there (-EFAULT) or a fatal signal.
 */
static unsigned long kumem_vma_span(const struct kumem_pin_range *pr, unsigned long first,
				    bool *writable, bool *pinnable)
{
	unsigned long addr = pr->start_va + (first << PAGE_SHIFT);
	unsigned long end = pr->start_va + (pr->page_count << PAGE_SHIFT);
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	if (mmap_read_lock_killable(mm))
		return 0;
	vma = vma_lookup(mm, addr);
	if (vma) {
		end = min(end, vma->vm_end);
		*writable = vma->vm_flags & VM_WRITE;
		*pinnable = kumem_longterm_file_ok(vma->vm_file);
	}
	mmap_read_unlock(mm);
	return vma ? (end - addr) >> PAGE_SHIFT : 0;
}

/*
 * Pin the whole range, vma by vma.
 *
 * A read-only long-term pin of memory the process has never written pins the shared zero
 * page (or a page still shared copy-on-write): the process's next write then goes to a new
 * page and the kernel keeps reading the old one. So a read lock pins every writable vma as if
 * for writing, which breaks copy-on-write up front (io_uring registers buffers the same way),
 * and only the vmas that cannot be written (PROT_READ) read-only: the process cannot write
 * behind the kernel's back there either. Deciding per vma matters: one read-only page must
 * not turn the writable rest of the range into zero-page pins.
 */
static int kumem_pin(const struct kumem_pin_range *pr, bool want_write)
{
	unsigned long n = pr->page_count, done = 0, span, i;
	bool writable, pinnable;
	int err = 0;

	while (done < n) {
		span = kumem_vma_span(pr, done, &writable, &pinnable);
		if (!span) {
			err = fatal_signal_pending(current) ? -EINTR : -EFAULT;
			break;
		}
		if (!pinnable) {
			err = -EOPNOTSUPP;
			break;
		}
		/* a write lock of a read-only vma fails in GUP with -EFAULT, as before */
		err = kumem_pin_span(pr, done, span,
				     FOLL_LONGTERM | (want_write || writable ? FOLL_WRITE : 0));
		if (err)
			break;
		for (i = done; i < done + span; i++)
			if (!kumem_longterm_page_ok(pr->pages[i]))
				err = -EOPNOTSUPP;
		done += span;
		if (err)
			break;
	}
	if (err)
		unpin_user_pages(pr->pages, done);
	return err;
}

/* Pin every segment of @r into its place in r->pages: all of them, or none (*@bad: which). */
static int kumem_pin_segments(struct kumem_region *r, u32 *bad)
{
	bool want_write = r->flags & KUMEM_KERNEL_WRITE;
	u32 i;
	int err = 0;

	for (i = 0; i < r->nsegs; i++) {
		const struct kumem_chain_seg *s = &r->segs[i];
		struct kumem_pin_range pr = {
			.start_va = s->geom.start_va,
			.page_count = s->geom.page_count,
			.pages = r->pages + s->first_page,
		};

		err = kumem_pin(&pr, want_write);
		if (err) {
			*bad = i;
			break;
		}
	}
	/* the segments before the one that failed are pinned back to back from page 0 */
	if (err && i)
		unpin_user_pages(r->pages, r->segs[i].first_page);
	return err;
}

/*
 * Method 1 once @r's segments are set (one for a plain lock, several for a chain): charge
 * the pages, pin every segment, map them all in kernel space in order. All of it or nothing:
 * on failure nothing stays charged or pinned, *@bad names the segment refused (untouched if
 * none was) and the caller frees the shell.
 */
int kumem_region_lock_pages(struct kumem_region *r, u32 *bad)
{
	/* Read-only means read-only for the kernel too: no writable alias of the user's pages. */
	pgprot_t prot = (r->flags & KUMEM_KERNEL_WRITE) ? PAGE_KERNEL : PAGE_KERNEL_RO;
	int err;

	err = kumem_charge(&r->charge, r->geom.page_count, true);
	if (err)
		return err;
	err = kumem_pin_segments(r, bad);
	if (err)
		goto err_uncharge;
	r->vaddr = vmap(r->pages, r->geom.page_count, VM_MAP, prot);
	if (!r->vaddr) {
		err = -ENOMEM;
		goto err_unpin;
	}
	atomic64_add(r->geom.page_count, &kumem_counters.pinned_pages);
	atomic64_inc(&kumem_counters.regions);
	return 0;

err_unpin:
	unpin_user_pages(r->pages, r->geom.page_count);
err_uncharge:
	kumem_uncharge(&r->charge);
	return err;
}

/* Method 1 from a whole ABI block: the ioctl passes the caller's, reserved fields and all. */
struct kumem_region *kumem_region_lock_args(const struct kumem_lock_args *args)
{
	u32 bad; /* one segment: nothing to name */
	struct kumem_limits lim;
	struct kumem_region *r;
	struct kumem_geom g;
	int err;

	kumem_limits_get(&lim);
	err = kumem_check_lock(args, &lim, &g);
	if (err)
		return ERR_PTR(err);
	if (!current->mm)
		return ERR_PTR(-EFAULT);

	/* a chain of one segment: the whole range, from byte 0 and page 0 */
	r = kumem_region_new(KUMEM_REGION_USER_PINNED, args->flags, &g);
	if (!r)
		return ERR_PTR(-ENOMEM);
	err = kumem_region_lock_pages(r, &bad);
	if (err)
		goto err_free_shell;
	return r;

err_free_shell:
	kumem_region_free_shell(r);
	return ERR_PTR(err);
}

struct kumem_region *kumem_region_lock_user(u64 addr, u64 len, u32 flags)
{
	struct kumem_lock_args args = { .addr = addr, .len = len, .flags = flags };

	return kumem_region_lock_args(&args);
}
EXPORT_SYMBOL_GPL(kumem_region_lock_user);

/*
 * Largest block method 2 asks the page allocator for (2 MiB with 4 KiB pages). Each block is
 * split into ordinary pages (split_page), so the rest of the module sees single pages as
 * before; what it saves is one trip through the allocator per page.
 */
#define KUMEM_ALLOC_BLOCK_ORDER min(9, KUMEM_MAX_PAGE_ORDER)

/*
 * Fill @pages[0..n) from blocks of up to KUMEM_ALLOC_BLOCK_ORDER, largest first, taking only
 * what the free lists hold: no direct reclaim or compaction for a block (kswapd may be
 * woken), so a fragmented machine costs a failed try per order, not a stall. Returns how
 * many pages it filled; the caller allocates the rest one by one, as before.
 *
 * Not the bulk allocator: on 6.1 it does no memcg accounting and falls back to one page per
 * call for __GFP_ACCOUNT, which method 2's pages must carry.
 */
static unsigned long kumem_alloc_blocks(struct page **pages, unsigned long n, gfp_t gfp)
{
	const gfp_t block_gfp = (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NORETRY | __GFP_NOWARN;
	unsigned int order = KUMEM_ALLOC_BLOCK_ORDER;
	unsigned long done = 0, j;
	struct page *block;

	while (order && done < n) {
		if ((1ul << order) > n - done) {
			order--;
			continue;
		}
		block = alloc_pages(block_gfp, order);
		if (!block) {
			order--;
			continue;
		}
		split_page(block, order);
		for (j = 0; j < (1ul << order); j++)
			pages[done + j] = block + j;
		done += 1ul << order;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return done;
}

static int kumem_alloc_pages(struct kumem_region *r, bool contig)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN;
	unsigned long n = r->geom.page_count;
	unsigned long i;
	void *block;

	if (contig) {
		/* One block rounded up to whole pages: nothing else shares its pages. */
		block = alloc_pages_exact(n << PAGE_SHIFT, gfp);
		if (!block)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			r->pages[i] = virt_to_page(block + (i << PAGE_SHIFT));
		r->vaddr = block;
		return 0;
	}
	i = kumem_alloc_blocks(r->pages, n, gfp);
	if (fatal_signal_pending(current))
		goto err_free;
	for (; i < n; i++) {
		r->pages[i] = alloc_page(gfp);
		if (!r->pages[i])
			goto err_free;
		if (fatal_signal_pending(current)) {
			__free_page(r->pages[i]);
			goto err_free;
		}
		if ((i & 1023) == 1023)
			cond_resched();
	}
	r->vaddr = vmap(r->pages, n, VM_MAP, PAGE_KERNEL);
	if (!r->vaddr)
		goto err_free;
	return 0;

err_free:
	kumem_free_kernel_pages(r, i);
	return -ENOMEM;
}

/* Method 2 from a whole ABI block (see kumem_region_lock_args). */
struct kumem_region *kumem_region_alloc_args(const struct kumem_alloc_args *args)
{
	u64 len = args->len;
	u32 flags = args->flags;
	struct kumem_limits lim;
	struct kumem_region *r;
	struct kumem_geom g;
	u64 pages;
	int err;

	kumem_limits_get(&lim);
	err = kumem_check_alloc(args, &lim, &pages);
	if (err)
		return ERR_PTR(err);
	g.start_va = 0; /* filled in by the first user mapping */
	g.byte_offset = 0;
	g.byte_count = len;
	g.page_count = pages;

	r = kumem_region_new(KUMEM_REGION_KERNEL_PAGES, flags, &g);
	if (!r)
		return ERR_PTR(-ENOMEM);
	err = kumem_charge(&r->charge, pages, false);
	if (err)
		goto err_shell;
	err = kumem_alloc_pages(r, flags & KUMEM_ALLOC_CONTIG);
	if (err)
		goto err_uncharge;
	atomic64_add(pages, &kumem_counters.allocated_pages);
	atomic64_inc(&kumem_counters.regions);
	return r;

err_uncharge:
	kumem_uncharge(&r->charge);
err_shell:
	kumem_region_free_shell(r);
	return ERR_PTR(err);
}

struct kumem_region *kumem_region_alloc(u64 len, u32 flags)
{
	struct kumem_alloc_args args = { .len = len, .flags = flags };

	return kumem_region_alloc_args(&args);
}
EXPORT_SYMBOL_GPL(kumem_region_alloc);

static void kumem_region_release(struct kref *ref)
{
	struct kumem_region *r = container_of(ref, struct kumem_region, ref);
	unsigned long n = r->geom.page_count;

	if (r->parent) {
		kumem_view_release(r);
		return;
	}
	if (r->kind == KUMEM_REGION_USER_PINNED) {
		vunmap(r->vaddr);
		/* Pages the kernel may have written must reach the page cache / swap as dirty. */
		unpin_user_pages_dirty_lock(r->pages, n, r->flags & KUMEM_KERNEL_WRITE);
		atomic64_sub(n, &kumem_counters.pinned_pages);
	} else if (r->flags & KUMEM_ALLOC_CONTIG) {
		free_pages_exact(r->vaddr, n << PAGE_SHIFT);
		atomic64_sub(n, &kumem_counters.allocated_pages);
	} else {
		vunmap(r->vaddr);
		kumem_free_kernel_pages(r, n);
		atomic64_sub(n, &kumem_counters.allocated_pages);
	}
	kumem_uncharge(&r->charge);
	atomic64_dec(&kumem_counters.regions);
	kumem_region_free_shell(r);
}

void kumem_region_get(struct kumem_region *r)
{
	kref_get(&r->ref);
}
EXPORT_SYMBOL_GPL(kumem_region_get);

/* May sleep (vunmap, unpin): never called under a spinlock. */
void kumem_region_put(struct kumem_region *r)
{
	might_sleep();
	kref_put(&r->ref, kumem_region_release);
}
EXPORT_SYMBOL_GPL(kumem_region_put);

void *kumem_region_kaddr(const struct kumem_region *r)
{
	if (!r->linear) /* a chain whose segments do not meet on page boundaries */
		return NULL;
	return (u8 *)r->vaddr + r->geom.byte_offset;
}
EXPORT_SYMBOL_GPL(kumem_region_kaddr);

u64 kumem_region_size(const struct kumem_region *r)
{
	return r->geom.byte_count;
}
EXPORT_SYMBOL_GPL(kumem_region_size);

u64 kumem_region_descriptor_bytes(const struct kumem_region *r)
{
	u64 header = sizeof(*r), bytes = 0;

	if (r->segs != &r->seg0)
		header += r->nsegs * sizeof(*r->segs);
	/* a view's pages are its parent's: it keeps only the header and its elements */
	kumem_descriptor_bytes(header, r->parent ? 0 : r->geom.page_count, &bytes);
	return bytes;
}

/* ---- user mappings of method 2 regions --------------------------------------------------- */

static void kumem_vm_open(struct vm_area_struct *vma)
{
	struct kumem_region *r = vma->vm_private_data;

	/* Only mremap() moving a whole mapping gets here: splits and fork copies are refused. */
	kumem_region_get(r);
	atomic_inc(&r->user_maps);
	atomic64_inc(&kumem_counters.user_mappings);
}

static void kumem_vm_close(struct vm_area_struct *vma)
{
	struct kumem_region *r = vma->vm_private_data;

	atomic_dec(&r->user_maps);
	atomic64_dec(&kumem_counters.user_mappings);
	kumem_region_put(r);
}

static int kumem_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static vm_fault_t kumem_vm_fault(struct vm_fault *vmf)
{
	/* Every page was inserted at mmap time; a fault here is outside the region. */
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct kumem_vm_ops = {
	.open = kumem_vm_open,
	.close = kumem_vm_close,
	.may_split = kumem_vm_may_split,
	.fault = kumem_vm_fault,
};

/*
 * Insert @n pages into @vma, which must be MAP_SHARED and exactly @n pages long, not
 * executable, and writable only if @writable (and then never upgradable by mprotect).
 * Shared by region mappings and the rings' and event streams' mappings.
 */
int kumem_map_pages(struct vm_area_struct *vma, struct page **pages, unsigned long n, bool writable)
{
	unsigned long inserted = n;
	int err;

	if (vma->vm_end - vma->vm_start != n << PAGE_SHIFT)
		return -EINVAL;
	/* A private mapping would copy on write and stop sharing: refuse it. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EACCES;
	if ((vma->vm_flags & VM_WRITE) && !writable)
		return -EACCES;
	if (!writable)
		kumem_vm_flags_clear(vma, VM_MAYWRITE); /* mprotect() cannot add write later */
	kumem_vm_flags_clear(vma, VM_MAYEXEC);
	/*
	 * No fork copies: VM_DONTCOPY alone is undone by madvise(MADV_DOFORK), after which a
	 * child would share the parent's region, ring or stream without holding any kumem fd.
	 * VM_IO is what makes MADV_DOFORK fail (-EINVAL). It also keeps GUP away (O_DIRECT,
	 * io_uring buffers, a kumem lock of this mapping: -EFAULT), core dumps and
	 * /proc/pid/mem, as for device memory; the pages are the module's, nothing needs that.
	 */
	kumem_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_IO);

	err = vm_insert_pages(vma, vma->vm_start, pages, &inserted);
	if (err)
		return err;
	return inserted ? -EFAULT : 0;
}

/*
 * Where @r is mapped in the calling process (its lowest mapping), or 0: what the MDL view
 * reports as start_va. Asked of the process's own vmas each time, so that it follows mremap
 * and munmap and never names an address of another process sharing the fd.
 */
u64 kumem_region_user_va(struct kumem_region *r)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	u64 va = 0;

	if (!mm)
		return 0;
	if (r->kind == KUMEM_REGION_USER_PINNED) /* the range it was locked from, in its process */
		return kumem_region_owner(r)->charge.mm == mm ? r->geom.start_va : 0;
	if (!atomic_read(&r->user_maps) || mmap_read_lock_killable(mm))
		return 0;
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (vma->vm_ops == &kumem_vm_ops && vma->vm_private_data == r) {
				va = vma->vm_start;
				break;
			}
		}
	}
	mmap_read_unlock(mm);
	return va;
}

/* For mappings whose file keeps the pages alive (rings, event streams): no splits. */
const struct vm_operations_struct kumem_fixed_vm_ops = {
	.may_split = kumem_vm_may_split,
	.fault = kumem_vm_fault,
};

int kumem_region_map_user(struct kumem_region *r, struct vm_area_struct *vma)
{
	int err;

	if (r->kind != KUMEM_REGION_KERNEL_PAGES)
		return -EINVAL;
	err = kumem_map_pages(vma, r->pages, r->geom.page_count, r->flags & KUMEM_USER_WRITE);
	if (err)
		return err;
	vma->vm_ops = &kumem_vm_ops;
	vma->vm_private_data = r;
	/* The same accounting kumem_vm_open() does for a moved mapping. */
	kumem_vm_open(vma);
	return 0;
}
EXPORT_SYMBOL_GPL(kumem_region_map_user);

/* Undo kumem_region_map_user() in a .mmap handler that fails after it (see kumem_kernel.h). */
void kumem_region_unmap_user(struct kumem_region *r, struct vm_area_struct *vma)
{
	if (WARN_ON_ONCE(vma->vm_ops != &kumem_vm_ops || vma->vm_private_data != r))
		return;
	vma->vm_ops = NULL; /* the failed mmap zaps the inserted pages; nothing else runs */
	vma->vm_private_data = NULL;
	atomic_dec(&r->user_maps);
	atomic64_dec(&kumem_counters.user_mappings);
	kumem_region_put(r);
}
EXPORT_SYMBOL_GPL(kumem_region_unmap_user);
