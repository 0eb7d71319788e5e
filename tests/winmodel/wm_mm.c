// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The model's memory manager. Physical memory is one memfd; a page frame number is a page of
 * it. Every mapping, a process's own memory, a system mapping of an MDL, a driver's user
 * mapping, is an mmap of those pages, so the same page really is seen at two addresses, and
 * a copy-on-write page really diverges from a lock taken on it before the write.
 *
 * Contracts checked, as Driver Verifier and the memory manager do:
 *   - an MDL is probed and locked once, unlocked once, freed only unlocked and unmapped;
 *   - only locked (or MmAllocatePagesForMdlEx / nonpaged pool) MDLs are mapped;
 *   - a user mapping is made in, and undone in, the process the caller runs in (or is
 *     attached to), never in a process whose address space is gone;
 *   - locked pages and driver mappings are counted per process (wm_kernel.c bugchecks 0x76
 *     when the process exits with any);
 *   - MmFreePagesFromMdl only after every mapping of the pages is undone, through any MDL
 *     (a frame counts the mappings that show it, whichever MDL made them);
 *   - partial MDLs (IoBuildPartialMdl) as the I/O manager builds them: MDL_PARTIAL, the
 *     source's system mapping inherited (offset) with MDL_MAPPED_TO_SYSTEM_VA, no
 *     MDL_PAGES_LOCKED of their own, a target large enough (0xCF), a range inside the source;
 *     a source is unlocked or freed only after every partial MDL built from it is freed, a
 *     partial MDL is never probed, unlocked or mapped to system space twice, and IoFreeMdl
 *     releases a mapping the partial MDL got for itself (MDL_PARTIAL_HAS_BEEN_MAPPED);
 *   - chains: an MDL is not freed while a live MDL's Next still points to it;
 *   - an MDL a driver filled itself (its PFN array written, MDL_PAGES_LOCKED set: the one flag
 *     a driver may set) is mapped only while every frame it lists is allocated, is never
 *     given to MmUnlockPages (nothing was probed), and is freed with the flag cleared.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wm.h"

NTSTATUS wm_fail_probe_status(void);
void *wm_pool_alloc_internal(SIZE_T bytes, ULONG tag);

#define PHYS_PAGES (1u << 24) /* 64 GiB of sparse memfd: only pages written cost memory */
#define SCATTER	   64	      /* the first 64 pages of an allocation skip every other frame */

static int physfd = -1;
static uint16_t *pfn_refs;
static uint16_t *pfn_maps; /* system and user mappings through MDLs showing each frame */
/*
 * Locks MmProbeAndLockPages holds on each frame, and system mappings of each frame through
 * an MDL whose MDL_PAGES_LOCKED a driver set by hand (no lock of its own: the frames must
 * stay locked, or allocated, by something else while it maps them).
 */
static uint16_t *pfn_locks, *pfn_hand_maps;
static uint32_t cursor = 1;
long wm_mm_kernel_mappings, wm_mm_phys_pages;
PVOID MmHighestUserAddress = (PVOID)0x7ffffffeffffull;

enum mdl_kind { MDL_IO = 1, MDL_PAGES };

struct mdl_info {
	struct mdl_info *next;
	PMDL mdl;
	enum mdl_kind kind;
	void *sysva;	     /* page-aligned base of the system mapping */
	PFN_NUMBER *sys_pfn; /* the frames that mapping shows (the array may change after) */
	ULONG npages;
	int user_maps;
	struct wm_process *locked_in;
	struct mdl_info *source; /* a partial MDL: the MDL it was built from */
	int partials;		 /* partial MDLs built from this one, not yet freed */
	bool hand_sys;		 /* its system mapping is of a hand-locked MDL (pfn_hand_maps) */
};
static struct mdl_info *mdls;
static long live_mdls;

struct wm_vad {
	struct wm_vad *next;
	uint8_t *va;
	ULONG n;
	PFN_NUMBER *pfn;
	uint8_t *prot; /* enum wm_prot per page */
	PMDL mdl;      /* a driver's mapping of this MDL, or NULL: the process's own memory */
};

/* kernel-side page-backed ranges: pool blocks of a page or more */
struct kva {
	struct kva *next;
	uint8_t *va;
	ULONG n;
	PFN_NUMBER *pfn;
};
static struct kva *kvas;

void wm_mm_init(void)
{
	physfd = memfd_create("wm-physical-memory", 0);
	if (physfd < 0 || ftruncate(physfd, (off_t)PHYS_PAGES * PAGE_SIZE))
		wm_bugcheck(0x7D, "INSTALL_MORE_MEMORY: no memfd for the model's physical memory");
	pfn_refs = calloc(PHYS_PAGES, sizeof(*pfn_refs));
	pfn_maps = calloc(PHYS_PAGES, sizeof(*pfn_maps));
	pfn_locks = calloc(PHYS_PAGES, sizeof(*pfn_locks));
	pfn_hand_maps = calloc(PHYS_PAGES, sizeof(*pfn_hand_maps));
}

/* A mapping of @n frames through an MDL is made (+1) or undone (-1) (wm_lock held). */
static void frames_mapped(const PFN_NUMBER *pfn, ULONG n, int delta)
{
	ULONG i;

	for (i = 0; i < n; i++)
		pfn_maps[pfn[i]] += delta;
}

/* ---- physical pages (wm_lock held) ------------------------------------------------------- */

/* One free frame; @hole: leave the next one out, as a busy machine's free list would. */
static PFN_NUMBER phys_one(bool hole)
{
	uint32_t tries;

	for (tries = 0; tries < PHYS_PAGES; tries++) {
		uint32_t p = cursor;

		cursor = cursor + 1 >= PHYS_PAGES ? 1 : cursor + 1;
		if (!pfn_refs[p]) {
			pfn_refs[p] = 1;
			if (hole)
				cursor = cursor + 1 >= PHYS_PAGES ? 1 : cursor + 1;
			return p;
		}
	}
	wm_bugcheck(0x7D, "INSTALL_MORE_MEMORY: the model's physical memory is full");
}

/* @contiguous: one run of consecutive frames; otherwise scattered as a busy machine's are */
static void phys_alloc(PFN_NUMBER *pfn, ULONG n, bool contiguous)
{
	ULONG i, run = 0;
	uint32_t p;

	if (!contiguous) {
		for (i = 0; i < n; i++)
			pfn[i] = phys_one(i < SCATTER);
		return;
	}
	for (p = cursor; p < PHYS_PAGES && run < n; p++)
		run = pfn_refs[p] ? 0 : run + 1;
	if (run < n)
		for (p = 1, run = 0; p < PHYS_PAGES && run < n; p++)
			run = pfn_refs[p] ? 0 : run + 1;
	if (run < n)
		wm_bugcheck(0x7D, "INSTALL_MORE_MEMORY: no contiguous run of %u pages", n);
	for (i = 0; i < n; i++) {
		pfn[i] = p - n + i;
		pfn_refs[pfn[i]] = 1;
	}
	cursor = (uint32_t)p;
}

/* Drop one reference to each of @n frames; frames nobody holds any more are zeroed (a
 * hole punched in the memfd), one call per run of consecutive frames. */
static void phys_put_n(const PFN_NUMBER *pfn, ULONG n)
{
	ULONG i, run = 0;

	for (i = 0; i <= n; i++) {
		bool freed = false;

		if (i < n) {
			if (!pfn_refs[pfn[i]])
				wm_bugcheck(0x4E, "PFN_LIST_CORRUPT: frame %llu released twice",
					    (unsigned long long)pfn[i]);
			freed = --pfn_refs[pfn[i]] == 0;
		}
		if (freed && run && pfn[i] == pfn[i - 1] + 1) {
			run++;
			continue;
		}
		if (run)
			fallocate(physfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)pfn[i - 1 - (run - 1)] * PAGE_SIZE,
				  (off_t)run * PAGE_SIZE);
		run = freed ? 1 : 0;
	}
}

static void phys_put(PFN_NUMBER pfn)
{
	phys_put_n(&pfn, 1);
}

static void map_page(uint8_t *at, PFN_NUMBER pfn, int prot)
{
	if (mmap(at, PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED, physfd, (off_t)pfn * PAGE_SIZE) ==
	    MAP_FAILED)
		wm_bugcheck(0x7D, "mmap of a frame failed");
}

/* Map @n frames at a new address (below 4 GiB for a WOW64 process's mappings). */
static uint8_t *map_pfns(const PFN_NUMBER *pfn, ULONG n, int prot, bool low32)
{
	uint8_t *va = mmap(NULL, (size_t)n * PAGE_SIZE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | (low32 ? MAP_32BIT : 0), -1, 0);
	ULONG i, j;

	if (va == MAP_FAILED)
		wm_bugcheck(0x7D, "no address space for a mapping of %u pages", n);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && pfn[j] == pfn[j - 1] + 1; j++)
			;
		if (mmap(va + (size_t)i * PAGE_SIZE, (size_t)(j - i) * PAGE_SIZE, prot,
			 MAP_SHARED | MAP_FIXED, physfd, (off_t)pfn[i] * PAGE_SIZE) == MAP_FAILED)
			wm_bugcheck(0x7D, "mmap of %u frames failed", j - i);
	}
	return va;
}

/* ---- pool pages ------------------------------------------------------------------------- */

void *wm_pool_pages_alloc(SIZE_T bytes)
{
	struct kva *k = calloc(1, sizeof(*k));

	k->n = (ULONG)(ROUND_TO_PAGES(bytes) >> PAGE_SHIFT);
	k->pfn = calloc(k->n, sizeof(*k->pfn));
	pthread_mutex_lock(&wm_lock);
	phys_alloc(k->pfn, k->n, false);
	wm_mm_phys_pages += k->n;
	k->next = kvas;
	kvas = k;
	pthread_mutex_unlock(&wm_lock);
	k->va = map_pfns(k->pfn, k->n, PROT_READ | PROT_WRITE, false);
	return k->va;
}

void wm_pool_pages_free(void *p, SIZE_T bytes)
{
	struct kva **kk, *k;

	(void)bytes;
	pthread_mutex_lock(&wm_lock);
	for (kk = &kvas; (*kk)->va != p; kk = &(*kk)->next)
		;
	k = *kk;
	*kk = k->next;
	munmap(k->va, (size_t)k->n * PAGE_SIZE); /* a later use of the block faults */
	phys_put_n(k->pfn, k->n);
	wm_mm_phys_pages -= k->n;
	pthread_mutex_unlock(&wm_lock);
	free(k->pfn);
	free(k);
}

/* ---- user address spaces ---------------------------------------------------------------- */

static int unix_prot(enum wm_prot p)
{
	return p == WM_RW ? PROT_READ | PROT_WRITE : PROT_READ;
}

void *wm_user_alloc(struct wm_process *p, size_t bytes, enum wm_prot prot)
{
	struct wm_vad *v = calloc(1, sizeof(*v));

	v->n = (ULONG)(ROUND_TO_PAGES(bytes) >> PAGE_SHIFT);
	v->pfn = calloc(v->n, sizeof(*v->pfn));
	v->prot = malloc(v->n);
	memset(v->prot, prot, v->n);
	pthread_mutex_lock(&wm_lock);
	phys_alloc(v->pfn, v->n, false);
	pthread_mutex_unlock(&wm_lock);
	v->va = map_pfns(v->pfn, v->n, unix_prot(prot), p->is32);
	pthread_mutex_lock(&wm_lock);
	v->next = p->vads;
	p->vads = v;
	pthread_mutex_unlock(&wm_lock);
	return v->va;
}

/* The VAD and page index of @addr in @p (wm_lock held). */
static struct wm_vad *vad_find(struct wm_process *p, const void *addr, ULONG *page)
{
	struct wm_vad *v;

	for (v = p->vads; v; v = v->next) {
		if ((const uint8_t *)addr >= v->va &&
		    (const uint8_t *)addr < v->va + (size_t)v->n * PAGE_SIZE) {
			*page = (ULONG)(((const uint8_t *)addr - v->va) >> PAGE_SHIFT);
			return v;
		}
	}
	return NULL;
}

void wm_user_protect(struct wm_process *p, void *page, enum wm_prot prot)
{
	struct wm_vad *v;
	ULONG i;

	pthread_mutex_lock(&wm_lock);
	v = vad_find(p, page, &i);
	v->prot[i] = prot;
	mprotect(v->va + (size_t)i * PAGE_SIZE, PAGE_SIZE, unix_prot(prot));
	pthread_mutex_unlock(&wm_lock);
}

/* A write fault on a copy-on-write page: a private copy replaces the shared original. */
static void break_cow(struct wm_vad *v, ULONG i)
{
	uint8_t *at = v->va + (size_t)i * PAGE_SIZE;
	PFN_NUMBER old = v->pfn[i], new = phys_one(false);
	uint8_t buf[PAGE_SIZE];

	memcpy(buf, at, PAGE_SIZE);
	map_page(at, new, PROT_READ | PROT_WRITE);
	memcpy(at, buf, PAGE_SIZE);
	v->pfn[i] = new;
	v->prot[i] = WM_RW;
	phys_put(old);
}

void wm_user_store(struct wm_process *p, void *addr, uint8_t byte)
{
	struct wm_vad *v;
	ULONG i;

	pthread_mutex_lock(&wm_lock);
	v = vad_find(p, addr, &i);
	if (!v || v->prot[i] == WM_RO)
		wm_bugcheck(0xC4, "the scenario stores to memory its process cannot write");
	if (v->prot[i] == WM_COW)
		break_cow(v, i);
	pthread_mutex_unlock(&wm_lock);
	*(volatile uint8_t *)addr = byte;
}

PFN_NUMBER wm_user_pfn(struct wm_process *p, const void *addr)
{
	struct wm_vad *v;
	PFN_NUMBER pfn;
	ULONG i;

	pthread_mutex_lock(&wm_lock);
	v = vad_find(p, addr, &i);
	pfn = v ? v->pfn[i] : 0;
	pthread_mutex_unlock(&wm_lock);
	return pfn;
}

bool wm_user_range_ok(struct wm_process *p, const void *addr, SIZE_T len, bool write)
{
	const uint8_t *a = PAGE_ALIGN(addr), *end = (const uint8_t *)addr + len;
	struct wm_vad *v;
	ULONG i;

	if (p == wm_system || p->gone || (ULONG_PTR)end > (ULONG_PTR)MmHighestUserAddress + 1 ||
	    end < (const uint8_t *)addr)
		return false;
	for (; a < end; a += PAGE_SIZE) {
		v = vad_find(p, a, &i);
		if (!v || (write && v->prot[i] == WM_RO))
			return false;
	}
	return true;
}

bool wm_user_writable(struct wm_process *p, const void *addr, size_t len)
{
	bool ok;

	pthread_mutex_lock(&wm_lock);
	ok = wm_user_range_ok(p, addr, len, true);
	pthread_mutex_unlock(&wm_lock);
	return ok;
}

void wm_mm_process_teardown(struct wm_process *p)
{
	struct wm_vad *v;

	pthread_mutex_lock(&wm_lock);
	while ((v = p->vads) != NULL) {
		p->vads = v->next;
		munmap(v->va, (size_t)v->n * PAGE_SIZE);
		phys_put_n(v->pfn, v->n);
		free(v->pfn);
		free(v->prot);
		free(v);
	}
	pthread_mutex_unlock(&wm_lock);
}

/* ---- MDLs ------------------------------------------------------------------------------- */

static void unmap_system(PMDL m, struct mdl_info *i);

static struct mdl_info *info_of(PMDL m, const char *fn)
{
	struct mdl_info *i;

	for (i = mdls; i; i = i->next)
		if (i->mdl == m)
			return i;
	wm_bugcheck(0xC4, "%s: %p is not a live MDL", fn, (void *)m);
}

static struct mdl_info *info_new(PMDL m, enum mdl_kind kind)
{
	struct mdl_info *i = calloc(1, sizeof(*i));

	i->mdl = m;
	i->kind = kind;
	i->npages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m), m->ByteCount);
	pthread_mutex_lock(&wm_lock);
	i->next = mdls;
	mdls = i;
	live_mdls++;
	pthread_mutex_unlock(&wm_lock);
	return i;
}

static void info_drop(struct mdl_info *i)
{
	struct mdl_info **ii;

	for (ii = &mdls; *ii != i; ii = &(*ii)->next)
		;
	*ii = i->next;
	live_mdls--;
	free(i);
}

long wm_mm_live_mdls(void);
long wm_mm_live_mdls(void)
{
	return live_mdls;
}

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
	return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

static void mdl_init(PMDL m, PVOID va, ULONG len)
{
	memset(m, 0, sizeof(*m));
	m->Size = (CSHORT)MmSizeOfMdl(va, len);
	m->StartVa = PAGE_ALIGN(va);
	m->ByteOffset = BYTE_OFFSET(va);
	m->ByteCount = len;
}

PMDL IoAllocateMdl(PVOID Va, ULONG Length, BOOLEAN Secondary, BOOLEAN ChargeQuota, PVOID Irp)
{
	PMDL m;

	wm_enter("IoAllocateMdl", DISPATCH_LEVEL);
	if (Secondary || ChargeQuota || Irp)
		wm_bugcheck(0xC4, "IoAllocateMdl: only stand-alone MDLs are modelled");
	if (!Length || wm_should_fail("IoAllocateMdl"))
		return NULL;
	m = calloc(1, MmSizeOfMdl(Va, Length));
	mdl_init(m, Va, Length);
	info_new(m, MDL_IO);
	return m;
}

void IoFreeMdl(PMDL m)
{
	struct mdl_info *i;

	wm_enter("IoFreeMdl", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "IoFreeMdl");
	if (i->kind != MDL_IO)
		wm_bugcheck(0xC4, "IoFreeMdl on an MDL IoAllocateMdl did not make");
	if (i->partials)
		wm_bugcheck(0xC4, "IoFreeMdl of the source of %d partial MDLs still live",
			    i->partials);
	for (struct mdl_info *o = mdls; o; o = o->next)
		if (o->mdl->Next == m)
			wm_bugcheck(0xC4, "IoFreeMdl: a live MDL's Next still points to %p",
				    (void *)m);
	if (m->MdlFlags & MDL_PAGES_LOCKED)
		wm_bugcheck(0xC4,
			    "IoFreeMdl: the MDL's pages are still locked (MmUnlockPages first)");
	if (i->user_maps)
		wm_bugcheck(0xC4, "IoFreeMdl: the MDL is still mapped (%d user mappings)",
			    i->user_maps);
	if (i->source) {
		/* documented: IoFreeMdl releases a partial MDL's own system mapping */
		if (m->MdlFlags & MDL_PARTIAL_HAS_BEEN_MAPPED)
			unmap_system(m, i);
		i->source->partials--;
	} else if (m->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) {
		wm_bugcheck(0xC4, "IoFreeMdl: the MDL is still mapped to system space");
	}
	info_drop(i);
	pthread_mutex_unlock(&wm_lock);
	memset(m, 0x6b, sizeof(*m));
	free(m);
}

void MmProbeAndLockPages(PMDL m, KPROCESSOR_MODE Mode, LOCK_OPERATION Op)
{
	struct wm_process *p = wm_context_process();
	PPFN_NUMBER pfn = MmGetMdlPfnArray(m);
	bool write = Op != IoReadAccess;
	struct mdl_info *i;
	struct wm_vad *v;
	NTSTATUS raise = 0;
	ULONG k, page;

	wm_enter("MmProbeAndLockPages", APC_LEVEL);
	if (Mode != UserMode)
		wm_bugcheck(0xC4, "MmProbeAndLockPages: only user buffers are modelled");
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "MmProbeAndLockPages");
	if (i->kind != MDL_IO ||
	    (m->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)))
		wm_bugcheck(0xC4,
			    "MmProbeAndLockPages on an MDL that is locked already or is not a "
			    "probe-able MDL (flags %#x)",
			    m->MdlFlags);
	pthread_mutex_unlock(&wm_lock);
	if (wm_should_fail("MmProbeAndLockPages"))
		ExRaiseStatus(wm_fail_probe_status());
	pthread_mutex_lock(&wm_lock);
	if (!wm_user_range_ok(p, MmGetMdlVirtualAddress(m), m->ByteCount, write)) {
		raise = STATUS_ACCESS_VIOLATION;
	} else {
		for (k = 0; k < i->npages; k++) {
			v = vad_find(p, (uint8_t *)m->StartVa + (size_t)k * PAGE_SIZE, &page);
			if (write && v->prot[page] == WM_COW)
				break_cow(v, page); /* a write probe faults the private copy in */
			pfn[k] = v->pfn[page];
			pfn_refs[pfn[k]]++;
			pfn_locks[pfn[k]]++;
		}
		m->MdlFlags |= MDL_PAGES_LOCKED | (write ? MDL_WRITE_OPERATION : 0);
		m->Process = p;
		i->locked_in = p;
		p->locked_pages += i->npages;
	}
	pthread_mutex_unlock(&wm_lock);
	if (raise)
		ExRaiseStatus(raise);
}

static void unmap_system(PMDL m, struct mdl_info *i)
{
	munmap(i->sysva, (size_t)i->npages * PAGE_SIZE);
	frames_mapped(i->sys_pfn, i->npages, -1);
	if (i->hand_sys)
		for (ULONG k = 0; k < i->npages; k++)
			pfn_hand_maps[i->sys_pfn[k]]--;
	i->hand_sys = false;
	free(i->sys_pfn);
	i->sys_pfn = NULL;
	i->sysva = NULL;
	m->MdlFlags &= ~MDL_MAPPED_TO_SYSTEM_VA;
	m->MappedSystemVa = NULL;
	wm_mm_kernel_mappings--;
}

void MmUnlockPages(PMDL m)
{
	PPFN_NUMBER pfn = MmGetMdlPfnArray(m);
	struct mdl_info *i;

	wm_enter("MmUnlockPages", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "MmUnlockPages");
	if (i->kind != MDL_IO || !(m->MdlFlags & MDL_PAGES_LOCKED))
		wm_bugcheck(0xC4, "MmUnlockPages on an MDL that is not locked (flags %#x)",
			    m->MdlFlags);
	if (!i->locked_in)
		wm_bugcheck(0xC4, "MmUnlockPages of an MDL MmProbeAndLockPages did not lock (its "
				  "MDL_PAGES_LOCKED was set by hand)");
	if (i->partials)
		wm_bugcheck(0xC4, "MmUnlockPages of the source of %d partial MDLs still live",
			    i->partials);
	if (i->user_maps)
		wm_bugcheck(0xC4, "MmUnlockPages while %d user mappings of the MDL exist",
			    i->user_maps);
	if (m->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)
		unmap_system(m, i); /* documented: unlocking releases the system mapping */
	for (ULONG k = 0; k < i->npages; k++)
		if (!--pfn_locks[pfn[k]] && pfn_hand_maps[pfn[k]])
			wm_bugcheck(0xC4,
				    "MmUnlockPages: frame %llu loses its last lock while an MDL "
				    "locked by hand maps it in system space",
				    (unsigned long long)pfn[k]);
	phys_put_n(pfn, i->npages);
	i->locked_in->locked_pages -= i->npages;
	i->locked_in = NULL;
	m->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
	pthread_mutex_unlock(&wm_lock);
}

void MmBuildMdlForNonPagedPool(PMDL m)
{
	PPFN_NUMBER pfn = MmGetMdlPfnArray(m);
	struct kva *k;
	struct mdl_info *i;
	uint8_t *va = MmGetMdlVirtualAddress(m);
	ULONG j;

	wm_enter("MmBuildMdlForNonPagedPool", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "MmBuildMdlForNonPagedPool");
	for (k = kvas; k; k = k->next)
		if (va >= k->va && va + m->ByteCount <= k->va + (size_t)k->n * PAGE_SIZE)
			break;
	if (!k || i->kind != MDL_IO)
		wm_bugcheck(0xC4, "MmBuildMdlForNonPagedPool: %p is not nonpaged pool", (void *)va);
	for (j = 0; j < i->npages; j++)
		pfn[j] = k->pfn[(((uint8_t *)m->StartVa - k->va) >> PAGE_SHIFT) + j];
	m->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
	m->MappedSystemVa = va;
	pthread_mutex_unlock(&wm_lock);
}

#define MdlMappingNoWrite_ 0x80000000u

PVOID MmMapLockedPagesSpecifyCache(PMDL m, KPROCESSOR_MODE Mode, MEMORY_CACHING_TYPE Cache,
				   PVOID Base, ULONG BugCheckOnFailure, ULONG Priority)
{
	int prot = (Priority & MdlMappingNoWrite_) ? PROT_READ : PROT_READ | PROT_WRITE;
	struct wm_process *p = wm_context_process();
	struct mdl_info *i;
	struct wm_vad *v;
	uint8_t *va;

	(void)Cache;
	wm_enter("MmMapLockedPagesSpecifyCache", Mode == UserMode ? APC_LEVEL : DISPATCH_LEVEL);
	if (Base)
		wm_bugcheck(0xC4,
			    "MmMapLockedPagesSpecifyCache: a requested address is not modelled");
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "MmMapLockedPagesSpecifyCache");
	if (!(m->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) &&
	    i->kind != MDL_PAGES)
		wm_bugcheck(0xC4, "MmMapLockedPagesSpecifyCache of an MDL that is not locked");
	for (ULONG k = 0; k < i->npages; k++)
		if (!pfn_refs[MmGetMdlPfnArray(m)[k]])
			wm_bugcheck(0x1A,
				    "MEMORY_MANAGEMENT: MmMapLockedPagesSpecifyCache of an MDL "
				    "listing frame %llu, which nobody allocated or locked",
				    (unsigned long long)MmGetMdlPfnArray(m)[k]);
	if (Mode == KernelMode && (m->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA))
		wm_bugcheck(0xC4, "MDL mapped to system space twice");
	if (Mode == UserMode && (p == wm_system || p->gone || p->exiting))
		wm_bugcheck(0xC4,
			    "user mapping made in %s, which has no user address space to give",
			    p->name);
	pthread_mutex_unlock(&wm_lock);
	if (wm_should_fail("MmMapLockedPagesSpecifyCache")) {
		if (Mode == UserMode) /* documented: raises for UserMode */
			ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
		if (BugCheckOnFailure)
			wm_bugcheck(0x41, "MUST_SUCCEED_POOL_EMPTY");
		return NULL;
	}
	va = map_pfns(MmGetMdlPfnArray(m), i->npages, prot, Mode == UserMode && p->is32);
	pthread_mutex_lock(&wm_lock);
	frames_mapped(MmGetMdlPfnArray(m), i->npages, 1);
	if (Mode == KernelMode) {
		i->sysva = va;
		i->sys_pfn = malloc(i->npages * sizeof(*i->sys_pfn));
		memcpy(i->sys_pfn, MmGetMdlPfnArray(m), i->npages * sizeof(*i->sys_pfn));
		m->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
		if (m->MdlFlags & MDL_PARTIAL) /* its own mapping: IoFreeMdl undoes it */
			m->MdlFlags |= MDL_PARTIAL_HAS_BEEN_MAPPED;
		if (i->kind == MDL_IO && !i->locked_in &&
		    !(m->MdlFlags & (MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL))) {
			i->hand_sys = true;
			for (ULONG k = 0; k < i->npages; k++)
				pfn_hand_maps[i->sys_pfn[k]]++;
		}
		m->MappedSystemVa = va + m->ByteOffset;
		wm_mm_kernel_mappings++;
	} else {
		v = calloc(1, sizeof(*v));
		v->va = va;
		v->n = i->npages;
		v->pfn = calloc(v->n, sizeof(*v->pfn));
		memcpy(v->pfn, MmGetMdlPfnArray(m), v->n * sizeof(*v->pfn));
		for (ULONG k = 0; k < v->n; k++)
			pfn_refs[v->pfn[k]]++;
		v->prot = malloc(v->n);
		memset(v->prot, prot & PROT_WRITE ? WM_RW : WM_RO, v->n);
		v->mdl = m;
		v->next = p->vads;
		p->vads = v;
		p->user_mappings++;
		i->user_maps++;
	}
	pthread_mutex_unlock(&wm_lock);
	return va + m->ByteOffset;
}

void MmUnmapLockedPages(PVOID Base, PMDL m)
{
	struct wm_process *p = wm_context_process();
	struct wm_vad **vv, *v;
	struct mdl_info *i;

	wm_enter("MmUnmapLockedPages", APC_LEVEL);
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "MmUnmapLockedPages");
	if (i->sysva && PAGE_ALIGN(Base) == i->sysva) {
		unmap_system(m, i);
		pthread_mutex_unlock(&wm_lock);
		return;
	}
	if (p->gone)
		wm_bugcheck(0xC4, "MmUnmapLockedPages in %s, whose address space is gone", p->name);
	for (vv = &p->vads; *vv; vv = &(*vv)->next)
		if ((*vv)->mdl == m && (*vv)->va == PAGE_ALIGN(Base))
			break;
	if (!*vv)
		wm_bugcheck(0xC4,
			    "MmUnmapLockedPages(%p): no such mapping of the MDL in %s (the "
			    "mapping must be undone in the process it was made in)",
			    Base, p->name);
	v = *vv;
	*vv = v->next;
	munmap(v->va, (size_t)v->n * PAGE_SIZE);
	frames_mapped(v->pfn, v->n, -1);
	phys_put_n(v->pfn, v->n);
	p->user_mappings--;
	i->user_maps--;
	pthread_mutex_unlock(&wm_lock);
	free(v->pfn);
	free(v->prot);
	free(v);
}

PMDL MmAllocatePagesForMdlEx(PHYSICAL_ADDRESS Low, PHYSICAL_ADDRESS High, PHYSICAL_ADDRESS Skip,
			     SIZE_T Bytes, MEMORY_CACHING_TYPE Cache, ULONG Flags)
{
	bool contiguous = Flags & MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS;
	ULONG n = (ULONG)(ROUND_TO_PAGES(Bytes) >> PAGE_SHIFT), chunk = n, done;
	PMDL m;

	(void)Low;
	(void)High;
	(void)Cache;
	wm_enter("MmAllocatePagesForMdlEx", APC_LEVEL);
	/* the model's reading of the flag: runs of SkipBytes (a whole number of pages) are
	 * each physically contiguous; SkipBytes 0 or the whole size: one run */
	if (Skip.QuadPart % PAGE_SIZE)
		wm_bugcheck(0xC4,
			    "MmAllocatePagesForMdlEx: SkipBytes not a multiple of the page size");
	if (contiguous && Skip.QuadPart && (ULONG)(Skip.QuadPart >> PAGE_SHIFT) < n)
		chunk = (ULONG)(Skip.QuadPart >> PAGE_SHIFT);
	if (!n || wm_should_fail("MmAllocatePagesForMdlEx"))
		return NULL;
	m = wm_pool_alloc_internal(MmSizeOfMdl(NULL, (SIZE_T)n * PAGE_SIZE), 'AldM');
	mdl_init(m, NULL, n * (ULONG)PAGE_SIZE);
	pthread_mutex_lock(&wm_lock);
	for (done = 0; done < n; done += chunk)
		phys_alloc(MmGetMdlPfnArray(m) + done, n - done < chunk ? n - done : chunk,
			   contiguous);
	wm_mm_phys_pages += n;
	pthread_mutex_unlock(&wm_lock);
	info_new(m, MDL_PAGES);
	return m;
}

void MmFreePagesFromMdl(PMDL m)
{
	struct mdl_info *i;

	wm_enter("MmFreePagesFromMdl", APC_LEVEL);
	pthread_mutex_lock(&wm_lock);
	i = info_of(m, "MmFreePagesFromMdl");
	if (i->kind != MDL_PAGES)
		wm_bugcheck(0xC4,
			    "MmFreePagesFromMdl on an MDL MmAllocatePagesForMdlEx did not make");
	if ((m->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) || i->user_maps)
		wm_bugcheck(0xC4,
			    "MmFreePagesFromMdl while the pages are mapped (%d user mappings)",
			    i->user_maps);
	if (i->partials)
		wm_bugcheck(0xC4, "MmFreePagesFromMdl of the source of %d partial MDLs still live",
			    i->partials);
	for (ULONG k = 0; k < i->npages; k++)
		if (pfn_maps[MmGetMdlPfnArray(m)[k]])
			wm_bugcheck(0xC4,
				    "MmFreePagesFromMdl: frame %llu is still mapped %d times "
				    "through another MDL",
				    (unsigned long long)MmGetMdlPfnArray(m)[k],
				    pfn_maps[MmGetMdlPfnArray(m)[k]]);
	phys_put_n(MmGetMdlPfnArray(m), i->npages);
	wm_mm_phys_pages -= i->npages;
	info_drop(i);
	pthread_mutex_unlock(&wm_lock);
}

/*
 * IoBuildPartialMdl as the I/O manager does it: the target describes [Va, Va + Length) of
 * the source (Length 0: to the source's end) with the source's frames; of the flags it keeps
 * its allocation bits and takes the source's system mapping (offset), nonpaged-pool and
 * page-read bits, plus MDL_PARTIAL. It holds no lock of its own.
 */
void IoBuildPartialMdl(PMDL src, PMDL m, PVOID Va, ULONG Length)
{
	struct mdl_info *si, *ti;
	ULONG_PTR base, end, from;
	ULONG pages, first, k;

	wm_enter("IoBuildPartialMdl", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	si = info_of(src, "IoBuildPartialMdl (source)");
	ti = info_of(m, "IoBuildPartialMdl (target)");
	if (!(src->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) &&
	    si->kind != MDL_PAGES)
		wm_bugcheck(0xC4, "IoBuildPartialMdl from an MDL whose pages are not locked");
	if (ti->kind != MDL_IO || ti->source || ti->partials || ti->user_maps ||
	    (m->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA)))
		wm_bugcheck(0xC4, "IoBuildPartialMdl into an MDL in use (flags %#x)", m->MdlFlags);
	base = (ULONG_PTR)MmGetMdlVirtualAddress(src);
	end = base + src->ByteCount;
	from = (ULONG_PTR)Va;
	if (!Length)
		Length = (ULONG)(end - from);
	if (from < base || from >= end || Length > end - from)
		wm_bugcheck(0xC4, "IoBuildPartialMdl: [%#lx, +%u) is outside the source's bytes",
			    (unsigned long)from, Length);
	pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Length);
	if ((SIZE_T)m->Size < sizeof(MDL) + pages * sizeof(PFN_NUMBER))
		wm_bugcheck(0xCF, "TARGET_MDL_TOO_SMALL: %u pages", pages);
	first = (ULONG)((from >> PAGE_SHIFT) - ((ULONG_PTR)src->StartVa >> PAGE_SHIFT));
	m->MdlFlags &= MDL_ALLOCATED_FIXED_SIZE | MDL_ALLOCATED_MUST_SUCCEED;
	m->MdlFlags |= (src->MdlFlags & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA |
					 MDL_IO_PAGE_READ)) |
		       MDL_PARTIAL;
	m->Process = src->Process;
	m->StartVa = PAGE_ALIGN(Va);
	m->ByteOffset = BYTE_OFFSET(Va);
	m->ByteCount = Length;
	m->MappedSystemVa = (PUCHAR)src->MappedSystemVa + (from - base);
	for (k = 0; k < pages; k++)
		MmGetMdlPfnArray(m)[k] = MmGetMdlPfnArray(src)[first + k];
	ti->npages = pages;
	ti->source = si;
	si->partials++;
	pthread_mutex_unlock(&wm_lock);
}

static void probe(const void *a, SIZE_T len, ULONG align, bool write)
{
	bool ok;

	if (!len)
		return;
	if ((ULONG_PTR)a & (align - 1))
		ExRaiseStatus(STATUS_DATATYPE_MISALIGNMENT);
	pthread_mutex_lock(&wm_lock);
	ok = wm_user_range_ok(wm_context_process(), a, len, write);
	pthread_mutex_unlock(&wm_lock);
	if (!ok)
		ExRaiseStatus(STATUS_ACCESS_VIOLATION);
}

void ProbeForWrite(PVOID a, SIZE_T len, ULONG align)
{
	wm_enter("ProbeForWrite", APC_LEVEL);
	probe(a, len, align, true);
}

void ProbeForRead(const void *a, SIZE_T len, ULONG align)
{
	wm_enter("ProbeForRead", APC_LEVEL);
	probe(a, len, align, false);
}
