// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Chains and partial views: the seed's MDLs linked through Next, and IoBuildPartialMdl.
 *
 *   vectored lock   one MDL per user segment (IoAllocateMdl + MmProbeAndLockPages, the same
 *                   read/write rule as a plain lock), each mapped in system space, linked
 *                   through Next: one region, one id, one quota charge, all or nothing
 *   partial view    bytes [offset, offset + len) of a region: one partial MDL
 *                   (IoBuildPartialMdl) per MDL of the parent it touches, linked through
 *                   Next; a view of a view is cut from the region owning the pages, which
 *                   the view holds (a reference) so its source MDLs outlive the partial ones.
 *                   A view of a method 2 region is mapped into the process as well (its
 *                   pages, from the one holding its first byte to the one holding its last)
 *   describe        every MDL of the chain: StartVa, ByteOffset, ByteCount, pages, PFNs
 *
 * The kernel sees a chain MDL by MDL: each has its own system mapping (a partial MDL
 * inherits its source's, offset), and fill and checksum walk them in order. Ring
 * submissions see it as Linux's do, through one mapping of all its pages in order: at lock
 * time the driver builds one more MDL (MapMdl) listing every segment's frames, marks it
 * MDL_PAGES_LOCKED and maps it once in system space, as events.c does for its double
 * mapping; core/ring_ops.c walks the chain's elements over that mapping. Its views use the
 * same mapping, so COPY between two views of one chain is memmove. docs/windows.md says why
 * this and not a reserved mapping, and why at lock time.
 */
#include "kumem_win.h"
#include "../core/ring_ops.h"

#define KUMEM_SEG_ALIGN sizeof(ULONG) /* uint64_t in a WOW64 caller's structures */

static ULONG MappingPriority(PKUMEM_REGION r)
{
	ULONG prio = NormalPagePriority | MdlMappingNoExecute;

	if (r->Kind == KumemRegionUserLocked && !(r->Flags & KUMEM_KERNEL_WRITE))
		prio |= MdlMappingNoWrite; /* read-only for the kernel too */
	return prio;
}

/* Free the MDLs of a chain from its head: the first @Locked are locked (and mapped). */
static void ChainFree(PMDL Head, ULONG Locked)
{
	PMDL m, next;

	for (m = Head; m; m = next, Locked -= Locked ? 1 : 0) {
		next = m->Next;
		if (Locked)
			MmUnlockPages(m); /* also releases its system mapping */
		IoFreeMdl(m);
	}
}

/* Copy the caller's segment array (a user pointer) into pool. */
static int CopySegments(const struct kumem_lockv_args *a, struct kumem_segment **Out)
{
	SIZE_T bytes = (SIZE_T)a->count * sizeof(struct kumem_segment);
	struct kumem_segment *segs;
	int err = 0;

	segs = ExAllocatePoolWithTag(NonPagedPoolNx, bytes, KUMEM_POOL_TAG);
	if (!segs)
		return -KUMEM_ENOMEM;
	__try {
		ProbeForRead((PVOID)(ULONG_PTR)a->segs, bytes, KUMEM_SEG_ALIGN);
		RtlCopyMemory(segs, (PVOID)(ULONG_PTR)a->segs, bytes);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		err = -KUMEM_EFAULT;
	}
	if (err) {
		ExFreePoolWithTag(segs, KUMEM_POOL_TAG);
		return err;
	}
	*Out = segs;
	return 0;
}

/*
 * An error status makes the I/O manager copy nothing back to a METHOD_BUFFERED caller, yet
 * the ABI returns bad_segment on failure: write that one field to the caller's output buffer
 * ourselves, as Linux's put_user does. The I/O manager keeps that buffer's user address in
 * Irp->UserBuffer (Microsoft's buffer descriptions say so, and advise drivers to use the
 * system buffer instead: this is the one exception, on the failure path only). It is a user
 * address of the requestor, so it is written only in the requestor's own context (always so
 * for kumem, alone on its stack; a filter forwarding from elsewhere gets the error only),
 * probed, under SEH.
 */
static void ReportBadSegment(PIRP Irp, ULONG Bad)
{
	PUCHAR out = Irp->UserBuffer;

	if (Irp->RequestorMode != UserMode || !out ||
	    IoGetRequestorProcess(Irp) != PsGetCurrentProcess())
		return;
	out += FIELD_OFFSET(struct kumem_lockv_args, bad_segment);
	__try {
		ProbeForWrite(out, sizeof(ULONG), sizeof(ULONG));
		*(volatile ULONG *)out = Bad;
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		/* the caller's buffer went away: it learns the error only */
	}
}

/* Lock every segment into its own MDL, linked through Next: all of them, or none. */
static int LockChain(PKUMEM_REGION r, const struct kumem_segment *segs, ULONG n, uint32_t *Bad)
{
	const bool write = r->Flags & KUMEM_KERNEL_WRITE;
	PMDL *tail = &r->Mdl, m;
	ULONG i, locked = 0;
	PVOID va;
	int err = 0;

	for (i = 0; i < n; i++) {
		/* ByteCount is a ULONG: the region's limit keeps every segment below 4 GiB */
		m = IoAllocateMdl((PVOID)(ULONG_PTR)segs[i].addr, (ULONG)segs[i].len, FALSE, FALSE,
				  NULL);
		if (!m) {
			err = -KUMEM_ENOMEM;
			break;
		}
		*tail = m;
		tail = &m->Next;
		err = KumemLockUserRange(m, segs[i].addr, segs[i].len, write);
		if (err) {
			*Bad = i;
			break;
		}
		locked++;
		va = MmGetSystemAddressForMdlSafe(m, MappingPriority(r));
		if (!va) {
			err = -KUMEM_ENOMEM;
			break;
		}
		if (i == 0) /* the page-aligned base, as for a plain lock */
			r->SystemVa = (PUCHAR)va - MmGetMdlByteOffset(m);
	}
	if (err) {
		ChainFree(r->Mdl, locked);
		r->Mdl = NULL;
	}
	return err;
}

/*
 * One system mapping of the chain's pages in order: an MDL listing every segment's frames
 * (each segment locked, so the frames stay put while the segments' MDLs stay locked), with
 * MDL_PAGES_LOCKED set by us and mapped once. Nothing for a chain above
 * KUMEM_CHAIN_MAP_MAX_PAGES: ring submissions refuse it.
 */
static int MapChain(PKUMEM_REGION r, ULONG64 Pages)
{
	PPFN_NUMBER dst;
	ULONG64 at = 0, n;
	PMDL m;

	if (Pages > KUMEM_CHAIN_MAP_MAX_PAGES)
		return 0;
	r->MapMdl = IoAllocateMdl(NULL, (ULONG)(Pages * PAGE_SIZE), FALSE, FALSE, NULL);
	if (!r->MapMdl)
		return -KUMEM_ENOMEM;
	dst = MmGetMdlPfnArray(r->MapMdl);
	for (m = r->Mdl; m; m = m->Next) {
		n = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m), MmGetMdlByteCount(m));
		RtlCopyMemory(dst + at, MmGetMdlPfnArray(m), (SIZE_T)(n * sizeof(PFN_NUMBER)));
		at += n;
	}
	r->MapMdl->MdlFlags |= MDL_PAGES_LOCKED;
	r->MapVa = MmMapLockedPagesSpecifyCache(r->MapMdl, KernelMode, MmCached, NULL, FALSE,
						MappingPriority(r));
	if (!r->MapVa) {
		KumemChainUnmap(r);
		return -KUMEM_ENOMEM;
	}
	return 0;
}

void KumemChainUnmap(PKUMEM_REGION r)
{
	if (r->MapVa)
		MmUnmapLockedPages(r->MapVa, r->MapMdl);
	r->MapVa = NULL;
	if (r->MapMdl) {
		/* ours, not the memory manager's: nothing was probed, so no MmUnlockPages */
		r->MapMdl->MdlFlags &= ~MDL_PAGES_LOCKED;
		IoFreeMdl(r->MapMdl);
		r->MapMdl = NULL;
	}
}

/*
 * Method 1 over @n segments of the current process (kernel copies), as one chain: the region
 * with one reference, in no file (the IOCTL below and kapi.c). All or nothing; *@Bad names
 * the segment refused, or KUMEM_NO_SEGMENT. @Irp may be NULL.
 */
int KumemRegionLockChainNew(PIRP Irp, const struct kumem_segment *segs, ULONG n, ULONG flags,
			    uint32_t *Bad, PKUMEM_REGION *Out)
{
	struct kumem_chain_seg *chain;
	struct kumem_limits lim;
	struct kumem_geom g;
	PKUMEM_REGION r;
	ULONG64 pages;
	int err;

	*Bad = KUMEM_NO_SEGMENT;
	chain = ExAllocatePoolWithTag(NonPagedPoolNx, n * sizeof(*chain), KUMEM_POOL_TAG);
	if (!chain)
		return -KUMEM_ENOMEM;
	KumemLimits(Irp, &lim);
	err = kumem_check_segments(segs, n, &lim, chain, &pages, Bad);
	if (err)
		goto cleanupChain;
	g = chain[0].geom;
	g.byte_count = chain[n - 1].offset + chain[n - 1].geom.byte_count;
	g.page_count = pages;
	/* the whole chain is one region: one charge for the pages of every segment */
	err = KumemRegionNew(KumemRegionUserLocked, flags, &g, pages * PAGE_SIZE, &r);
	if (err)
		goto cleanupChain;
	r->MdlCount = n;
	r->Linear = n == 1;
	err = LockChain(r, segs, n, Bad);
	if (err)
		goto cleanupRegion;
	if (n > 1) {
		err = MapChain(r, pages);
		if (err)
			goto cleanupLocks;
		if (r->MapVa) { /* the elements the ring ops walk: the region keeps them */
			r->Segs = chain;
			chain = NULL;
			/* joints on page boundaries: one buffer, as Linux's vmap makes it */
			if (kumem_chain_linear(r->Segs, n, PAGE_SHIFT)) {
				r->Linear = true;
				r->SystemVa = r->MapVa;
			}
		}
	}
	InterlockedAdd64(&KumemCounters.PinnedPages, (LONG64)pages);
	InterlockedIncrement64(&KumemCounters.Regions);
	*Out = r;
	if (chain)
		ExFreePoolWithTag(chain, KUMEM_POOL_TAG);
	return 0;

cleanupLocks:
	ChainFree(r->Mdl, n);
	r->Mdl = NULL;
cleanupRegion:
	KumemRegionDiscard(r);
cleanupChain:
	ExFreePoolWithTag(chain, KUMEM_POOL_TAG);
	return err;
}

int KumemRegionLockSegments(PKUMEM_FILE File, PIRP Irp, struct kumem_lockv_args *a)
{
	struct kumem_segment *segs = NULL;
	uint32_t bad = KUMEM_NO_SEGMENT;
	PKUMEM_REGION r;
	int err;

	a->bad_segment = KUMEM_NO_SEGMENT;
	err = kumem_check_lockv(a);
	if (err)
		return err;
	err = CopySegments(a, &segs);
	if (err)
		return err;
	err = KumemRegionLockChainNew(Irp, segs, a->count, a->flags, &bad, &r);
	if (!err) {
		err = KumemFileInsert(File, r);
		if (err)
			KumemRegionPut(r);
		else
			a->id = r->Id;
	}
	ExFreePoolWithTag(segs, KUMEM_POOL_TAG);
	if (err) /* as Linux: once the segments are read, every failure says which, if one */
		ReportBadSegment(Irp, bad);
	a->bad_segment = bad;
	return err;
}

/*
 * Partial MDLs for bytes [Off, Off + Len) of @Owner's chain, linked through Next, each
 * built with IoBuildPartialMdl from the MDL it falls in and mapped in system space (the
 * source is mapped, so the partial MDL inherits that mapping, offset).
 */
static int BuildPartialChain(PKUMEM_REGION Owner, ULONG64 Off, ULONG64 Len, PMDL *Head,
			     ULONG *Count)
{
	ULONG64 at = 0, end = Off + Len;
	PMDL src, m, *tail = Head;
	ULONG n = 0;
	int err = 0;

	*Head = NULL;
	for (src = Owner->Mdl; src && at < end; src = src->Next) {
		ULONG64 count = MmGetMdlByteCount(src), from, to;
		PUCHAR va;

		if (at + count > Off) {
			from = Off > at ? Off - at : 0;
			to = end - at < count ? end - at : count;
			va = (PUCHAR)MmGetMdlVirtualAddress(src) + from;
			m = IoAllocateMdl(va, (ULONG)(to - from), FALSE, FALSE, NULL);
			if (!m) {
				err = -KUMEM_ENOMEM;
				break;
			}
			IoBuildPartialMdl(src, m, va, (ULONG)(to - from));
			*tail = m;
			tail = &m->Next;
			n++;
			if (!MmGetSystemAddressForMdlSafe(m, MappingPriority(Owner))) {
				err = -KUMEM_ENOMEM;
				break;
			}
		}
		at += count;
	}
	if (err) {
		ChainFree(*Head, 0);
		*Head = NULL;
		return err;
	}
	*Count = n;
	return 0;
}

/* Map a view of method 2 pages into the calling process, as KumemRegionCreateShared does. */
static int MapViewToUser(PKUMEM_REGION v)
{
	ULONG prio = NormalPagePriority | MdlMappingNoExecute;

	if (!(v->Flags & KUMEM_USER_WRITE))
		prio |= MdlMappingNoWrite;
	__try {
		v->UserVa =
			MmMapLockedPagesSpecifyCache(v->Mdl, UserMode, MmCached, NULL, FALSE, prio);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		v->UserVa = NULL;
	}
	if (!v->UserVa)
		return -KUMEM_ENOMEM;
	/* the returned address is the first byte's; the region records the page */
	v->Geom.start_va = (ULONG64)(ULONG_PTR)v->UserVa - MmGetMdlByteOffset(v->Mdl);
	InterlockedIncrement64(&KumemCounters.UserMappings);
	return 0;
}

/*
 * A view of a chain mapped once (MapChain) takes its elements from the owner's, cut to its
 * bytes, and the index of its first page in the owner's mapping: ring submissions read it
 * there, so two views of one chain are two ranges of one mapping (COPY is memmove).
 */
static int ViewSegs(PKUMEM_REGION Owner, PKUMEM_REGION v, ULONG64 Off, ULONG64 Len)
{
	uint32_t n = 0;
	int err;

	if (!Owner->MapVa)
		return 0;
	v->Segs = ExAllocatePoolWithTag(NonPagedPoolNx, Owner->MdlCount * sizeof(*v->Segs),
					KUMEM_POOL_TAG);
	if (!v->Segs)
		return -KUMEM_ENOMEM;
	err = kumem_chain_slice(Owner->Segs, Owner->MdlCount, Owner->Geom.byte_count, Off, Len,
				PAGE_SHIFT, v->Segs, &n, &v->MapBasePage);
	if (!err && n != v->MdlCount) /* never: both cut the same bytes of the same chain */
		err = -KUMEM_ERANGE;
	if (err) {
		ExFreePoolWithTag(v->Segs, KUMEM_POOL_TAG);
		v->Segs = NULL;
		return err;
	}
	if (kumem_chain_linear(v->Segs, n, PAGE_SHIFT)) { /* one buffer in the chain's mapping */
		v->Linear = true;
		v->SystemVa = Owner->MapVa + (v->MapBasePage << PAGE_SHIFT);
	}
	return 0;
}

/*
 * Bytes [@Offset, @Offset + @Len) of @p as a region of its own, in no file, with one
 * reference (the IOCTL below and kapi.c's kumem_region_view). The view belongs to the process
 * that owns the pages (NULL: the kernel's pages, kapi.c) and charges nothing: the pages are
 * the owner's. @MapToUser maps a view of method 2 pages into the current process (the
 * IOCTL's); a driver's view is mapped only if it asks (kumem_region_map_user).
 */
int KumemRegionViewNew(PKUMEM_REGION p, ULONG64 Offset, ULONG64 Len, bool MapToUser,
		       PKUMEM_REGION *Out)
{
	PKUMEM_REGION owner, v;
	struct kumem_geom g;
	ULONG64 off, pages = 0;
	ULONG count = 0;
	PMDL head, m;
	int err;

	if (!Len)
		return -KUMEM_EINVAL;
	err = kumem_range_check(p->Geom.byte_count, Offset, Len);
	if (err)
		return err;
	/* a view of a view is cut from the pages' owner, at the two offsets added */
	owner = p->Parent ? p->Parent : p;
	off = Offset + p->ViewOffset;
	err = BuildPartialChain(owner, off, Len, &head, &count);
	if (err)
		return err;
	if (!head) /* the range was checked: never, unless the parent's chain is corrupt */
		return -KUMEM_ERANGE;
	for (m = head; m; m = m->Next)
		pages += ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m),
							MmGetMdlByteCount(m));
	g.start_va = owner->Kind == KumemRegionUserLocked ? (ULONG64)(ULONG_PTR)head->StartVa : 0;
	g.byte_offset = MmGetMdlByteOffset(head);
	g.byte_count = Len;
	g.page_count = pages;
	/* one region more for the quotas, no bytes: the pages are charged to the owner */
	err = KumemRegionNewOwned(owner->Kind, owner->Flags, &g, 0, owner->Owner, &v);
	if (err) {
		ChainFree(head, 0);
		return err;
	}
	v->Mdl = head;
	v->MdlCount = count;
	v->Linear = count == 1;
	v->Contiguous = owner->Contiguous;
	v->SystemVa = (PUCHAR)MmGetSystemAddressForMdlSafe(head, MappingPriority(owner)) -
		      MmGetMdlByteOffset(head);
	v->ViewOffset = off;
	err = ViewSegs(owner, v, off, Len);
	if (!err && MapToUser && owner->Kind == KumemRegionPages)
		err = MapViewToUser(v);
	if (err) {
		if (v->Segs)
			ExFreePoolWithTag(v->Segs, KUMEM_POOL_TAG);
		ChainFree(head, 0);
		KumemRegionDiscard(v);
		return err;
	}
	/* the view holds the owner: its source MDLs stay locked while a partial one lives */
	InterlockedIncrement(&owner->RefCount);
	v->Parent = owner;
	InterlockedIncrement64(&KumemCounters.Regions);
	*Out = v;
	return 0;
}

int KumemRegionView(PKUMEM_FILE File, struct kumem_view_args *a)
{
	PKUMEM_REGION p, v;
	int err;

	err = kumem_check_view(a);
	if (err)
		return err;
	p = KumemRegionLookup(File, a->parent, PsGetCurrentProcess(), &err);
	if (!p)
		return err;
	err = KumemRegionViewNew(p, a->offset, a->len, true, &v);
	if (!err) {
		err = KumemFileInsert(File, v);
		if (err)
			KumemRegionPut(v);
		else
			a->id = v->Id;
	}
	KumemRegionPut(p);
	return err;
}

void KumemViewFree(PKUMEM_REGION v)
{
	if (v->UserVa) {
		MmUnmapLockedPages(v->UserVa, v->Mdl);
		InterlockedDecrement64(&KumemCounters.UserMappings);
	}
	/* a partial MDL holds no lock and, its source being mapped, no mapping of its own */
	ChainFree(v->Mdl, 0);
	if (v->Segs)
		ExFreePoolWithTag(v->Segs, KUMEM_POOL_TAG);
}

int KumemChainRingMem(PKUMEM_REGION r, struct kumem_ring_mem *m)
{
	PKUMEM_REGION owner = r->Parent ? r->Parent : r;

	if (owner->MapVa) { /* a chain, or a view of one: the chain's one mapping */
		m->map = owner->MapVa + (r->MapBasePage << PAGE_SHIFT);
		if (kumem_chain_linear(r->Segs, r->MdlCount, PAGE_SHIFT)) {
			/* joints on page boundaries: one buffer, as Linux's kumem_region_kaddr */
			m->kaddr = m->map + r->Segs[0].geom.byte_offset;
			m->map = NULL;
			return 0;
		}
		m->segs = r->Segs;
		m->nsegs = r->MdlCount;
		m->page_shift = PAGE_SHIFT;
		return 0;
	}
	if (!r->Linear) /* a chain above KUMEM_CHAIN_MAP_MAX_PAGES: no one mapping */
		return -KUMEM_EOPNOTSUPP;
	/* one MDL, or a view inside one of a plain region: its source's mapping, offset */
	m->kaddr = (uint8_t *)r->SystemVa + r->Geom.byte_offset;
	return 0;
}

/* Where element @m of @r starts in the caller's address space (0: not mapped there). */
static ULONG64 ElemStartVa(PKUMEM_REGION r, PMDL m)
{
	if (r->Kind == KumemRegionUserLocked)
		return (ULONG64)(ULONG_PTR)m->StartVa;
	return r->UserVa ? r->Geom.start_va : 0; /* method 2: one MDL, its user mapping */
}

int KumemChainDescribe(PKUMEM_REGION r, struct kumem_describe_args *d)
{
	ULONG64 done = 0, want;
	ULONG align;
	PMDL m;
	int err = 0;

	RtlZeroMemory(&d->mdl, sizeof(d->mdl));
	d->mdl.start_va = ElemStartVa(r, r->Mdl);
	d->mdl.byte_offset = MmGetMdlByteOffset(r->Mdl);
	d->mdl.byte_count = r->Geom.byte_count;
	d->mdl.page_count = r->Geom.page_count;
	d->mdl.descriptor_bytes = sizeof(*r);
	for (m = r->Mdl; m; m = m->Next)
		d->mdl.descriptor_bytes +=
			MmSizeOfMdl(MmGetMdlVirtualAddress(m), MmGetMdlByteCount(m));
	d->mdl.os_flags = (uint32_t)(USHORT)r->Mdl->MdlFlags;
	d->mdl.id = r->Id;
	d->mdl.chain_length = r->MdlCount;
	want = d->max_pfns < r->Geom.page_count ? d->max_pfns : r->Geom.page_count;
	if (d->pfns && want) {
		/* asked only here: Wine's IoIs32bitProcess(NULL) faults (unreachable there) */
		align = IoIs32bitProcess(NULL) ? sizeof(ULONG) : sizeof(ULONG64);
		__try {
			ProbeForWrite((PVOID)(ULONG_PTR)d->pfns, (SIZE_T)(want * 8), align);
			/* the elements' PFN arrays back to back, as the pages are in the region */
			for (m = r->Mdl; m && done < want; m = m->Next) {
				ULONG64 n = ADDRESS_AND_SIZE_TO_SPAN_PAGES(
					MmGetMdlVirtualAddress(m), MmGetMdlByteCount(m));

				n = n < want - done ? n : want - done;
				RtlCopyMemory((PUCHAR)(ULONG_PTR)d->pfns + done * 8,
					      MmGetMdlPfnArray(m), (SIZE_T)(n * 8));
				done += n;
			}
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			err = -KUMEM_EFAULT;
		}
	}
	d->pfns_written = err ? 0 : done;
	return err;
}

int KumemDescribeChain(PKUMEM_FILE File, struct kumem_describe_chain_args *d)
{
	struct kumem_mdl_elem e;
	ULONG align;
	ULONG64 offset = 0, first = 0;
	PKUMEM_REGION r;
	ULONG i, n;
	PMDL m;
	int err;

	err = kumem_check_describe_chain(d);
	if (err)
		return err;
	r = KumemRegionLookup(File, d->id, PsGetCurrentProcess(), &err);
	if (!r)
		return err;
	n = d->max_elems < r->MdlCount ? d->max_elems : r->MdlCount;
	align = n ? (IoIs32bitProcess(NULL) ? sizeof(ULONG) : sizeof(ULONG64)) : 1;
	__try {
		ProbeForWrite((PVOID)(ULONG_PTR)d->elems, (SIZE_T)n * sizeof(e), align);
		for (i = 0, m = r->Mdl; i < n; i++, m = m->Next) {
			RtlZeroMemory(&e, sizeof(e));
			e.start_va = ElemStartVa(r, m);
			e.byte_count = MmGetMdlByteCount(m);
			e.byte_offset = MmGetMdlByteOffset(m);
			e.index = i;
			e.page_count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m),
								      MmGetMdlByteCount(m));
			e.offset = offset;
			e.first_pfn = first;
			RtlCopyMemory((struct kumem_mdl_elem *)(ULONG_PTR)d->elems + i, &e,
				      sizeof(e));
			offset += e.byte_count;
			first += e.page_count;
		}
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		err = -KUMEM_EFAULT;
	}
	d->elems_written = n;
	d->chain_length = r->MdlCount;
	KumemRegionPut(r);
	return err;
}

int KumemChainKernelOp(PKUMEM_REGION r, ULONG64 Offset, ULONG64 Len, bool IsFill, UCHAR Value,
		       uint64_t *Sum)
{
	struct kumem_csum c;
	ULONG64 at = 0, end = Offset + Len;
	PMDL m;

	kumem_csum_init(&c);
	for (m = r->Mdl; m && at < end; m = m->Next) {
		ULONG64 count = MmGetMdlByteCount(m), from, to;
		PUCHAR va;

		if (at + count > Offset) {
			from = Offset > at ? Offset - at : 0;
			to = end - at < count ? end - at : count;
			/* every MDL of a region is mapped: this returns MappedSystemVa */
			va = MmGetSystemAddressForMdlSafe(m, MappingPriority(r));
			if (!va)
				return -KUMEM_ENOMEM;
			if (IsFill)
				RtlFillMemory(va + from, (SIZE_T)(to - from), Value);
			else
				kumem_csum_update(&c, va + from, (size_t)(to - from));
		}
		at += count;
	}
	if (Sum)
		*Sum = kumem_csum_final(&c);
	return 0;
}

/* ---- for other drivers ------------------------------------------------------------------- */

PMDL KumemRegionMdlChain(PKUMEM_REGION Region, ULONG *Count, ULONG64 *Bytes)
{
	if (Count)
		*Count = Region->MdlCount;
	if (Bytes)
		*Bytes = Region->Geom.byte_count;
	return Region->Mdl;
}

PVOID KumemRegionSystemBuffer(PKUMEM_REGION Region)
{
	if (!Region->Linear)
		return NULL;
	return (PUCHAR)Region->SystemVa + Region->Geom.byte_offset;
}
