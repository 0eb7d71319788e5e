// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Regions: the seed's two methods with real MDLs, its bugs fixed.
 *
 *   method 1   IoAllocateMdl(user range) -> MmProbeAndLockPages(UserMode, IoWriteAccess when
 *              the kernel writes) in __try -> MmGetSystemAddressForMdlSafe(NoExecute)
 *   method 2   MmAllocatePagesForMdlEx(zeroed, fully required) -> system mapping ->
 *              MmMapLockedPagesSpecifyCache(UserMode, MmCached) in __try, in the caller's
 *              process, which is remembered as the owner
 *   contiguous method 2 with MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS, frames checked
 *
 * A region is reference counted: the file's list holds one reference and each IOCTL working
 * on it holds one. Only the owning process may use or release a region, so the last
 * reference is dropped in the owner's context, except at IRP_MJ_CLEANUP, which attaches to
 * the owner when it runs elsewhere. User mappings are therefore always undone in the
 * process they were made in, and no locked page outlives its process (no bugcheck 0x76/0xCB).
 */
#include "kumem_win.h"

/* The file's list lock; regions themselves are immutable once published. */
void FileLock(PKUMEM_FILE File)
{
	ExAcquireFastMutex(&File->Lock);
}

void FileUnlock(PKUMEM_FILE File)
{
	ExReleaseFastMutex(&File->Lock);
}

/*
 * A region record owned by @Owner (referenced here), @ChargeBytes charged to it (quota.c); a
 * NULL owner is the kernel itself: a region another driver allocated through kapi.c.
 */
int KumemRegionNewOwned(KUMEM_REGION_KIND Kind, ULONG Flags, const struct kumem_geom *g,
			ULONG64 ChargeBytes, PEPROCESS Owner, PKUMEM_REGION *Out)
{
	PKUMEM_REGION r;
	int err;

	r = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*r), KUMEM_POOL_TAG);
	if (!r)
		return -KUMEM_ENOMEM;
	RtlZeroMemory(r, sizeof(*r));
	r->RefCount = 1;
	r->Kind = Kind;
	r->Flags = Flags;
	r->Geom = *g;
	r->MdlCount = 1;
	r->Linear = true;
	r->ChargedBytes = ChargeBytes;
	r->Owner = Owner;
	err = KumemQuotaCharge(r->Owner, ChargeBytes);
	if (err) {
		ExFreePoolWithTag(r, KUMEM_POOL_TAG);
		return err;
	}
	if (r->Owner)
		ObReferenceObject(r->Owner);
	*Out = r;
	return 0;
}

/* A region record for the calling process, @ChargeBytes charged to it (quota.c). */
int KumemRegionNew(KUMEM_REGION_KIND Kind, ULONG Flags, const struct kumem_geom *g,
		   ULONG64 ChargeBytes, PKUMEM_REGION *Out)
{
	return KumemRegionNewOwned(Kind, Flags, g, ChargeBytes, PsGetCurrentProcess(), Out);
}

/* The record alone, before anything was mapped or locked for it. */
void KumemRegionDiscard(PKUMEM_REGION r)
{
	KumemQuotaUncharge(r->Owner, r->ChargedBytes);
	if (r->Owner)
		ObDereferenceObject(r->Owner);
	ExFreePoolWithTag(r, KUMEM_POOL_TAG);
}

/* Undo everything; runs in the owner's process context (see the file comment). */
static void RegionFree(PKUMEM_REGION r)
{
	ULONG64 pages = r->Geom.page_count;
	PMDL mdl, next;

	if (r->Parent) { /* a view: its partial MDLs only; the pages are the parent's */
		KumemViewFree(r);
		goto out;
	}
	if (r->UserVa) {
		MmUnmapLockedPages(r->UserVa, r->Mdl);
		InterlockedDecrement64(&KumemCounters.UserMappings);
	}
	switch (r->Kind) {
	case KumemRegionUserLocked:
		/* MmUnlockPages also releases the system mapping of a locked MDL. A chain is
		 * undone from its head, so no live MDL's Next ever points to a freed one; its
		 * one mapping of every segment's frames goes first, while they are locked. */
		KumemChainUnmap(r);
		if (r->Segs)
			ExFreePoolWithTag(r->Segs, KUMEM_POOL_TAG);
		for (mdl = r->Mdl; mdl; mdl = next) {
			next = mdl->Next;
			MmUnlockPages(mdl);
			IoFreeMdl(mdl);
		}
		InterlockedAdd64(&KumemCounters.PinnedPages, -(LONG64)pages);
		break;
	case KumemRegionPages:
		MmUnmapLockedPages(r->SystemVa, r->Mdl);
		MmFreePagesFromMdl(r->Mdl);
		ExFreePool(r->Mdl);
		InterlockedAdd64(&KumemCounters.AllocatedPages, -(LONG64)pages);
		break;
	}
out:
	InterlockedDecrement64(&KumemCounters.Regions);
	ExFreePoolWithTag(r, KUMEM_POOL_TAG);
}

/*
 * The last reference may be dropped by a ring's system thread or by cleanup in another
 * process: a user mapping must be undone in the process it was made in, so attach there.
 */
void KumemRegionPut(PKUMEM_REGION r)
{
	PEPROCESS owner = r->Owner;
	PKUMEM_REGION parent = r->Parent;
	ULONG64 bytes = r->ChargedBytes;
	KAPC_STATE apc;

	if (InterlockedDecrement(&r->RefCount))
		return;
	/* no owner: a kernel allocation, whose user mapping (kapi.c) held a reference */
	if (!owner || owner == PsGetCurrentProcess()) {
		RegionFree(r);
	} else {
		KeStackAttachProcess((PKPROCESS)owner, &apc);
		RegionFree(r);
		KeUnstackDetachProcess(&apc);
	}
	/* after the detach: the owner's exit notification waits for this (quota.c) */
	KumemQuotaUncharge(owner, bytes);
	if (owner)
		ObDereferenceObject(owner);
	/* a view's hold on the pages: released after its partial MDLs are gone */
	if (parent)
		KumemRegionPut(parent);
}

int KumemFileCanInsertLocked(PKUMEM_FILE File, ULONG64 Bytes)
{
	if (File->Closed)
		return -KUMEM_EBADFD; /* the handle was closed while this call ran */
	if (File->RegionCount >= KUMEM_MAX_FILE_REGIONS)
		return -KUMEM_ENOSPC;
	if (File->Bytes + Bytes > KUMEM_MAX_FILE_BYTES)
		return -KUMEM_EDQUOT;
	return 0;
}

/* Publish @r in @File under the per-handle quotas; on failure the caller frees it. */
int KumemFileInsert(PKUMEM_FILE File, PKUMEM_REGION r)
{
	ULONG64 bytes = r->ChargedBytes;
	int err = 0;

	FileLock(File);
	err = KumemFileCanInsertLocked(File, bytes);
	if (!err) {
		r->Id = KumemFileNewIdLocked(File);
		InsertTailList(&File->Regions, &r->Link);
		File->RegionCount++;
		File->Bytes += bytes;
	}
	FileUnlock(File);
	return err;
}

/* Regions, rings and event streams share one id space per handle. Ids are never 0 and not reused
 * soon, so a stale id finds nothing. */
ULONG KumemFileNewIdLocked(PKUMEM_FILE File)
{
	do {
		File->NextId = File->NextId % 0x7ffff + 1;
	} while (KumemRegionLookupLocked(File, File->NextId) ||
		 KumemRingLookupLocked(File, File->NextId) ||
		 KumemEventsLookupLocked(File, File->NextId));
	return File->NextId;
}

PKUMEM_REGION KumemRegionLookupLocked(PKUMEM_FILE File, ULONG Id)
{
	PLIST_ENTRY e;

	for (e = File->Regions.Flink; e != &File->Regions; e = e->Flink) {
		PKUMEM_REGION r = CONTAINING_RECORD(e, KUMEM_REGION, Link);

		if (r->Id == Id)
			return r;
	}
	return NULL;
}

/* @Requestor: the process the work is for (a ring's thread works for the ring's owner). */
PKUMEM_REGION KumemRegionLookup(PKUMEM_FILE File, ULONG Id, PEPROCESS Requestor, int *err)
{
	PKUMEM_REGION r;

	FileLock(File);
	r = KumemRegionLookupLocked(File, Id);
	if (r && r->Owner != Requestor) {
		/* A handle inherited or duplicated into another process: not its memory. */
		*err = -KUMEM_EACCES;
		r = NULL;
	} else if (r) {
		InterlockedIncrement(&r->RefCount);
	} else {
		*err = -KUMEM_ENOENT;
	}
	FileUnlock(File);
	return r;
}

/* What MmProbeAndLockPages raised, as the caller's errno: quota and resource shortages are
 * not bad addresses. */
static int ErrnoFromProbeStatus(NTSTATUS Status)
{
	switch (Status) {
	case STATUS_WORKING_SET_QUOTA:
	case STATUS_QUOTA_EXCEEDED:
		return -KUMEM_EDQUOT;
	case STATUS_INSUFFICIENT_RESOURCES:
	case STATUS_NO_MEMORY:
	case STATUS_COMMITMENT_LIMIT:
		return -KUMEM_ENOMEM;
	default: /* STATUS_ACCESS_VIOLATION and the other faults on the range */
		return -KUMEM_EFAULT;
	}
}

/* Probe and lock @Mdl's user range for @Op: 0 or an errno. */
static int ProbeAndLock(PMDL Mdl, LOCK_OPERATION Op)
{
	NTSTATUS status = STATUS_SUCCESS;

	__try {
		MmProbeAndLockPages(Mdl, UserMode, Op);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		status = GetExceptionCode();
	}
	return NT_SUCCESS(status) ? 0 : ErrnoFromProbeStatus(status);
}

/* 1 if some page of [Addr, Addr + Len) can be locked for writing, 0 if none, or an errno. */
static int RangeHasWritablePage(ULONG64 Addr, ULONG64 Len)
{
	ULONG64 va = Addr & ~(ULONG64)(PAGE_SIZE - 1);
	PMDL mdl;
	int err;

	for (; va < Addr + Len; va += PAGE_SIZE) {
		mdl = IoAllocateMdl((PVOID)(ULONG_PTR)va, PAGE_SIZE, FALSE, FALSE, NULL);
		if (!mdl)
			return -KUMEM_ENOMEM;
		err = ProbeAndLock(mdl, IoWriteAccess);
		if (!err)
			MmUnlockPages(mdl);
		IoFreeMdl(mdl);
		if (err != -KUMEM_EFAULT)
			return err ? err : 1;
	}
	return 0;
}

/*
 * Lock the range for the kernel. Even when the kernel only reads, the pages are locked for
 * writing first: a read lock of a copy-on-write page pins the shared original, and the
 * process's next write goes to a private copy the kernel never sees. Only a range no page
 * of which can be written is locked for reading (nothing can change under it); a range that
 * mixes both is refused (EACCES): one MDL has one access mode. Linux follows the same rule.
 */
int KumemLockUserRange(PMDL Mdl, ULONG64 Addr, ULONG64 Len, bool KernelWrites)
{
	int err, writable;

	err = ProbeAndLock(Mdl, IoWriteAccess);
	if (err != -KUMEM_EFAULT || KernelWrites)
		return err;
	err = ProbeAndLock(Mdl, IoReadAccess);
	if (err)
		return err;
	writable = RangeHasWritablePage(Addr, Len);
	if (!writable)
		return 0;
	MmUnlockPages(Mdl);
	return writable < 0 ? writable : -KUMEM_EACCES;
}

/*
 * Method 1 for the current process (the IOCTL's caller, or the process a driver calling
 * kapi.c runs in): the region with one reference, in no file. @Irp may be NULL.
 */
int KumemRegionLockNew(PIRP Irp, const struct kumem_lock_args *a, PKUMEM_REGION *Out)
{
	const bool write = a->flags & KUMEM_KERNEL_WRITE;
	struct kumem_limits lim;
	struct kumem_geom g;
	PKUMEM_REGION r;
	ULONG priority;
	int err;

	KumemLimits(Irp, &lim);
	err = kumem_check_lock(a, &lim, &g);
	if (err)
		return err;
	err = KumemRegionNew(KumemRegionUserLocked, a->flags, &g, g.page_count * PAGE_SIZE, &r);
	if (err)
		return err;
	/* ByteCount is a ULONG: KUMEM_MAX_REGION_BYTES keeps len well below 4 GiB. */
	r->Mdl = IoAllocateMdl((PVOID)(ULONG_PTR)a->addr, (ULONG)a->len, FALSE, FALSE, NULL);
	if (!r->Mdl) {
		err = -KUMEM_ENOMEM;
		goto cleanupRegion;
	}
	err = KumemLockUserRange(r->Mdl, a->addr, a->len, write);
	if (err)
		goto cleanupFreeMdl;
	priority = NormalPagePriority | MdlMappingNoExecute | (write ? 0 : MdlMappingNoWrite);
	r->SystemVa = MmGetSystemAddressForMdlSafe(r->Mdl, priority);
	if (!r->SystemVa) {
		err = -KUMEM_ENOMEM;
		goto cleanupUnlockPages;
	}
	/* MmGetSystemAddressForMdlSafe returns the first byte; keep the page-aligned base. */
	r->SystemVa = (PUCHAR)r->SystemVa - g.byte_offset;
	InterlockedAdd64(&KumemCounters.PinnedPages, (LONG64)g.page_count);
	InterlockedIncrement64(&KumemCounters.Regions);
	*Out = r;
	return 0;

cleanupUnlockPages:
	MmUnlockPages(r->Mdl);
cleanupFreeMdl:
	IoFreeMdl(r->Mdl);
cleanupRegion:
	KumemRegionDiscard(r);
	return err;
}

int KumemRegionLockUser(PKUMEM_FILE File, PIRP Irp, struct kumem_lock_args *a)
{
	PKUMEM_REGION r;
	int err;

	err = KumemRegionLockNew(Irp, a, &r);
	if (err)
		return err;
	err = KumemFileInsert(File, r);
	if (err) {
		KumemRegionPut(r);
		return err;
	}
	a->id = r->Id;
	return 0;
}

/* Whether the MDL's frames are consecutive, read from its PFN array. */
static bool MdlIsContiguous(PMDL Mdl)
{
	PPFN_NUMBER pfn = MmGetMdlPfnArray(Mdl);
	ULONG n =
		ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(Mdl), MmGetMdlByteCount(Mdl));
	ULONG i;

	for (i = 1; i < n; i++)
		if (pfn[i] != pfn[0] + i)
			return false;
	return true;
}

/* Method 2's kernel side: whole zeroed pages, described by r->Mdl and mapped at r->SystemVa.
 * KUMEM_ALLOC_CONTIG asks the memory manager for one physically contiguous run (SkipBytes
 * is the run's size with MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS, Windows 7+) and checks the
 * frames it got: a region is never reported contiguous on faith. */
static int AllocPages(PKUMEM_REGION r, ULONG64 bytes)
{
	PHYSICAL_ADDRESS low, high, skip;
	ULONG flags = MM_ALLOCATE_FULLY_REQUIRED; /* zeroed (no MM_DONT_ZERO_ALLOCATION), all or
						     nothing */

	low.QuadPart = 0;
	high.QuadPart = -1;
	skip.QuadPart = 0;
	if (r->Flags & KUMEM_ALLOC_CONTIG) {
		flags |= MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS;
		skip.QuadPart = (LONGLONG)bytes;
	}
	r->Mdl = MmAllocatePagesForMdlEx(low, high, skip, (SIZE_T)bytes, MmCached, flags);
	if (!r->Mdl)
		return -KUMEM_ENOMEM;
	if (MmGetMdlByteCount(r->Mdl) != bytes)
		goto cleanupFreePages;
	r->Contiguous = MdlIsContiguous(r->Mdl);
	if ((r->Flags & KUMEM_ALLOC_CONTIG) && !r->Contiguous)
		goto cleanupFreePages;
	r->SystemVa =
		MmGetSystemAddressForMdlSafe(r->Mdl, NormalPagePriority | MdlMappingNoExecute);
	if (!r->SystemVa)
		goto cleanupFreePages;
	return 0;

cleanupFreePages:
	MmFreePagesFromMdl(r->Mdl);
	ExFreePool(r->Mdl);
	return -KUMEM_ENOMEM;
}

/*
 * Method 2's pages and system mapping, owned by @Owner (NULL: the kernel), without a user
 * mapping yet: the region with one reference, in no file.
 */
int KumemRegionAllocNew(PIRP Irp, const struct kumem_alloc_args *a, PEPROCESS Owner,
			PKUMEM_REGION *Out)
{
	struct kumem_limits lim;
	struct kumem_geom g;
	PKUMEM_REGION r;
	ULONG64 pages;
	int err;

	KumemLimits(Irp, &lim);
	err = kumem_check_alloc(a, &lim, &pages);
	if (err)
		return err;
	g.start_va = 0;
	g.byte_offset = 0;
	g.byte_count = a->len;
	g.page_count = pages;
	err = KumemRegionNewOwned(KumemRegionPages, a->flags, &g, pages * PAGE_SIZE, Owner, &r);
	if (err)
		return err;
	err = AllocPages(r, pages * PAGE_SIZE);
	if (err) {
		KumemRegionDiscard(r);
		return err;
	}
	InterlockedAdd64(&KumemCounters.AllocatedPages, (LONG64)pages);
	InterlockedIncrement64(&KumemCounters.Regions);
	*Out = r;
	return 0;
}

/* Map a method 2 region into the current process: 0 or -ENOMEM. Undone by RegionFree, or by
 * KumemRegionUnmapUser in the same process. */
int KumemRegionMapUser(PKUMEM_REGION r)
{
	ULONG priority;

	/* Read-only regions are mapped without write access (MdlMappingNoWrite, Windows 8+). */
	priority = NormalPagePriority | MdlMappingNoExecute;
	if (!(r->Flags & KUMEM_USER_WRITE))
		priority |= MdlMappingNoWrite;
	__try {
		/* Raises on failure for UserMode; BugCheckOnFailure must be FALSE. */
		r->UserVa = MmMapLockedPagesSpecifyCache(r->Mdl, UserMode, MmCached, NULL, FALSE,
							 priority);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		r->UserVa = NULL;
	}
	if (!r->UserVa)
		return -KUMEM_ENOMEM;
	/* the address returned is the first byte's (a view's may be inside its first page) */
	r->Geom.start_va = (ULONG64)(ULONG_PTR)r->UserVa - MmGetMdlByteOffset(r->Mdl);
	InterlockedIncrement64(&KumemCounters.UserMappings);
	return 0;
}

void KumemRegionUnmapUser(PKUMEM_REGION r)
{
	MmUnmapLockedPages(r->UserVa, r->Mdl);
	r->UserVa = NULL;
	r->Geom.start_va = 0;
	InterlockedDecrement64(&KumemCounters.UserMappings);
}

/* Method 2 without publishing it in a file: the caller holds the only reference. */
int KumemRegionCreateShared(PIRP Irp, struct kumem_alloc_args *a, PKUMEM_REGION *out)
{
	PKUMEM_REGION r;
	int err;

	err = KumemRegionAllocNew(Irp, a, PsGetCurrentProcess(), &r);
	if (err)
		return err;
	err = KumemRegionMapUser(r);
	if (err) {
		KumemRegionPut(r);
		return err;
	}
	a->mmap_offset = 0;
	a->user_addr = r->Geom.start_va;
	a->map_len = r->Geom.page_count * PAGE_SIZE;
	*out = r;
	return 0;
}

int KumemRegionAllocShared(PKUMEM_FILE File, PIRP Irp, struct kumem_alloc_args *a)
{
	PKUMEM_REGION r;
	int err;

	err = KumemRegionCreateShared(Irp, a, &r);
	if (err)
		return err;
	err = KumemFileInsert(File, r);
	if (err) {
		KumemRegionPut(r);
		return err;
	}
	a->id = r->Id;
	return 0;
}

int KumemRegionRelease(PKUMEM_FILE File, const struct kumem_region_ref *ref)
{
	PKUMEM_REGION r;
	int err;

	err = kumem_check_region_ref(ref);
	if (err)
		return err;
	FileLock(File);
	r = KumemRegionLookupLocked(File, ref->id);
	if (!r) {
		err = -KUMEM_ENOENT;
	} else if (r->Owner != PsGetCurrentProcess()) {
		err = -KUMEM_EACCES;
	} else {
		RemoveEntryList(&r->Link);
		File->RegionCount--;
		File->Bytes -= r->ChargedBytes;
	}
	FileUnlock(File);
	if (err)
		return err;
	KumemRegionPut(r);
	return 0;
}

bool KumemRegionOwnedBy(PKUMEM_REGION r, HANDLE ProcessId)
{
	return !ProcessId || PsGetProcessId(r->Owner) == ProcessId;
}

/* First region of @File that @ProcessId owns (NULL: any), unlinked; NULL when none is left. */
static PKUMEM_REGION FileTakeRegion(PKUMEM_FILE File, HANDLE ProcessId)
{
	PKUMEM_REGION r = NULL;
	PLIST_ENTRY e;

	FileLock(File);
	for (e = File->Regions.Flink; e != &File->Regions; e = e->Flink) {
		if (KumemRegionOwnedBy(CONTAINING_RECORD(e, KUMEM_REGION, Link), ProcessId)) {
			r = CONTAINING_RECORD(e, KUMEM_REGION, Link);
			RemoveEntryList(&r->Link);
			File->RegionCount--;
			File->Bytes -= r->ChargedBytes;
			break;
		}
	}
	FileUnlock(File);
	return r;
}

/*
 * IRP_MJ_CLEANUP (ProcessId NULL): the last handle is gone. Normally this runs in the owning
 * process (also when it exits: its handles close before its address space goes); a handle
 * duplicated into another process can make it run elsewhere, so KumemRegionPut attaches to
 * each region's owner.
 *
 * The process-exit backstop (ProcessId = the exiting process, driver.c): a process whose
 * handle was duplicated elsewhere exits without IRP_MJ_CLEANUP; its regions go now, while its
 * address space still exists.
 */
void KumemFileCleanup(PKUMEM_FILE File, HANDLE ProcessId)
{
	PKUMEM_REGION r;

	while ((r = FileTakeRegion(File, ProcessId)) != NULL)
		KumemRegionPut(r); /* attaches to the owner if need be */
}

/* The exit notification's half: unlink under the lock, tear down after dropping it. */
void KumemRegionTakeOwned(PKUMEM_FILE File, HANDLE ProcessId, PLIST_ENTRY Out)
{
	PKUMEM_REGION r;

	while ((r = FileTakeRegion(File, ProcessId)) != NULL)
		InsertTailList(Out, &r->Link);
}

void KumemRegionPutList(PLIST_ENTRY List)
{
	while (!IsListEmpty(List))
		KumemRegionPut(CONTAINING_RECORD(RemoveHeadList(List), KUMEM_REGION, Link));
}
