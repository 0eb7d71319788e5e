// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kumem.sys as an export driver: the routines other drivers import (kumem_kernel_win.h,
 * exported by name through kumem.def), and DllInitialize/DllUnload, which the loader calls
 * when kumem.sys is loaded, or let go, as another driver's import.
 *
 * The regions are the same KUMEM_REGION as the IOCTLs' (region.c), in no file: the driver
 * that made one holds its references. A method 1 region belongs to the process it was locked
 * in (charged to it, unlocked there); a method 2 region belongs to the kernel (the NULL
 * account of quota.c) and may be mapped into one process at a time.
 *
 * kumem.sys may be started as a service (DriverEntry), imported (DllInitialize), or both, in
 * either order, on one image: what both need (the quota accounts) is set up once per image,
 * here. The service's DriverUnload removes only the devices and the notify routine; regions
 * drivers hold stay valid, since the loader keeps the image while an importer is loaded.
 */
#define KUMEM_EXPORTING
#include "kumem_win.h"
#include "kumem_kernel_win.h"

/* Exports by name (kumem.def): the export table is the ABI, not these prototypes. */
NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath);
NTSTATUS DllUnload(void);

/* The API's regions are region.c's; the public header only names the type. */
static PKUMEM_REGION Region(const struct kumem_region *r)
{
	return (PKUMEM_REGION)r;
}

static LONG KumemInitState; /* 0 not yet, 1 in progress, 2 done; only through Interlocked */

/*
 * Once per image, from DriverEntry or DllInitialize, whichever runs first, and again at the
 * API's allocating entry points: a loader that binds an importer without calling
 * DllInitialize must not leave the quota accounts unset (Wine 8 hung in the first
 * allocation without this). A second caller arriving during the first's setup waits for it
 * (a few instructions).
 */
void KumemGlobalInit(void)
{
	if (InterlockedCompareExchange(&KumemInitState, 2, 2) == 2)
		return;
	if (InterlockedCompareExchange(&KumemInitState, 1, 0) == 0) {
		KumemQuotaInit();
		InterlockedExchange(&KumemInitState, 2);
		return;
	}
	while (InterlockedCompareExchange(&KumemInitState, 2, 2) != 2)
		YieldProcessor();
}

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)
{
	UNREFERENCED_PARAMETER(RegistryPath);
	KumemGlobalInit();
	return STATUS_SUCCESS;
}

/*
 * The last importer has unloaded (and the service is not running: it holds the image too).
 * Nothing is left to undo: every region an importer made it had to put before its own
 * unload, and the pool it would leak is charged to that importer's teardown, which Driver
 * Verifier reports at kumem's unload (pool allocated by kumem, not freed).
 */
NTSTATUS DllUnload(void)
{
	return STATUS_SUCCESS;
}

NTSTATUS kumem_region_lock_user(ULONG64 addr, ULONG64 len, ULONG flags, struct kumem_region **out)
{
	struct kumem_lock_args a;
	PKUMEM_REGION r;
	int err;

	KumemGlobalInit();
	RtlZeroMemory(&a, sizeof(a));
	a.addr = addr;
	a.len = len;
	a.flags = flags;
	err = KumemRegionLockNew(NULL, &a, &r);
	if (err)
		return KumemStatusFromErrno(err);
	*out = r;
	return STATUS_SUCCESS;
}

NTSTATUS kumem_region_lock_segments(const struct kumem_segment *segs, ULONG n, ULONG flags,
				    ULONG *bad, struct kumem_region **out)
{
	struct kumem_lockv_args a;
	uint32_t refused = KUMEM_NO_SEGMENT;
	PKUMEM_REGION r;
	int err;

	KumemGlobalInit();
	RtlZeroMemory(&a, sizeof(a));
	a.count = n;
	a.flags = flags;
	err = kumem_check_lockv(&a);
	if (!err)
		err = KumemRegionLockChainNew(NULL, segs, n, flags, &refused, &r);
	if (bad)
		*bad = refused;
	if (err)
		return KumemStatusFromErrno(err);
	*out = r;
	return STATUS_SUCCESS;
}

NTSTATUS kumem_region_alloc(ULONG64 len, ULONG flags, struct kumem_region **out)
{
	struct kumem_alloc_args a;
	PKUMEM_REGION r;
	int err;

	KumemGlobalInit();
	RtlZeroMemory(&a, sizeof(a));
	a.len = len;
	a.flags = flags;
	err = KumemRegionAllocNew(NULL, &a, NULL, &r);
	if (err)
		return KumemStatusFromErrno(err);
	*out = r;
	return STATUS_SUCCESS;
}

NTSTATUS kumem_region_map_user(struct kumem_region *pub, ULONG64 *user_addr)
{
	PKUMEM_REGION r = Region(pub);
	PEPROCESS self = PsGetCurrentProcess();
	int err;

	/* the kernel's own pages only: a method 1 region is the process's memory already */
	if (r->Kind != KumemRegionPages || r->Owner)
		return STATUS_INVALID_PARAMETER;
	/* the caller serialises map and unmap of one region (as it would its own MDL's) */
	if (r->MapProcess)
		return STATUS_INVALID_DEVICE_STATE; /* mapped already */
	err = KumemRegionMapUser(r);
	if (err)
		return KumemStatusFromErrno(err);
	ObReferenceObject(self);
	r->MapProcess = self;
	InterlockedIncrement(&r->RefCount); /* the mapping's */
	*user_addr = (ULONG64)(ULONG_PTR)r->UserVa;
	return STATUS_SUCCESS;
}

void kumem_region_unmap_user(struct kumem_region *pub)
{
	PKUMEM_REGION r = Region(pub);
	PEPROCESS process = r->MapProcess;
	KAPC_STATE apc;

	if (!process || !r->UserVa)
		return;
	/* a user mapping is undone in its own process (MmUnmapLockedPages' rule) */
	if (process == PsGetCurrentProcess()) {
		KumemRegionUnmapUser(r);
	} else {
		KeStackAttachProcess((PKPROCESS)process, &apc);
		KumemRegionUnmapUser(r);
		KeUnstackDetachProcess(&apc);
	}
	r->MapProcess = NULL;
	ObDereferenceObject(process);
	KumemRegionPut(r); /* the mapping's reference */
}

void kumem_region_get(struct kumem_region *pub)
{
	InterlockedIncrement(&Region(pub)->RefCount);
}

void kumem_region_put(struct kumem_region *pub)
{
	KumemRegionPut(Region(pub));
}

void *kumem_region_kaddr(const struct kumem_region *pub)
{
	/* NULL for a chain whose MDLs do not meet on page boundaries, as on Linux */
	return KumemRegionSystemBuffer(Region(pub));
}

ULONG64 kumem_region_size(const struct kumem_region *pub)
{
	return Region(pub)->Geom.byte_count;
}

PMDL kumem_region_mdl(const struct kumem_region *pub)
{
	return KumemRegionMdlChain(Region(pub), NULL, NULL);
}

void kumem_region_describe(const struct kumem_region *pub, struct kumem_mdl *out)
{
	KumemRegionDescribe(Region(pub), out);
	out->chain_length = 1;
}

NTSTATUS kumem_region_fill(struct kumem_region *pub, ULONG64 offset, ULONG64 len, UCHAR value)
{
	return KumemStatusFromErrno(
		KumemRegionKernelOp(Region(pub), offset, len, true, value, NULL));
}

NTSTATUS kumem_region_checksum(struct kumem_region *pub, ULONG64 offset, ULONG64 len, ULONG64 *sum)
{
	return KumemStatusFromErrno(KumemRegionKernelOp(Region(pub), offset, len, false, 0, sum));
}

ULONG kumem_region_segment_count(const struct kumem_region *pub)
{
	ULONG count;

	KumemRegionMdlChain(Region(pub), &count, NULL);
	return count;
}

/* Segment @index is the chain's MDL @index: its bytes, its pages, its own system mapping. */
NTSTATUS kumem_region_segment(const struct kumem_region *pub, ULONG index,
			      struct kumem_region_segment *out)
{
	PKUMEM_REGION r = Region(pub);
	ULONG64 offset = 0;
	PMDL mdl;
	ULONG i;

	mdl = KumemRegionMdlChain(r, NULL, NULL);
	for (i = 0; mdl && i < index; i++, mdl = mdl->Next)
		offset += MmGetMdlByteCount(mdl);
	if (!mdl)
		return STATUS_END_OF_FILE;
	RtlZeroMemory(out, sizeof(*out));
	out->offset = offset;
	out->len = MmGetMdlByteCount(mdl);
	/* the process's address for a method 1 lock; a method 2 MDL's is a system address */
	out->user_va = r->Kind == KumemRegionUserLocked && !r->Parent
			       ? (ULONG64)(ULONG_PTR)MmGetMdlVirtualAddress(mdl)
			       : 0;
	/* every MDL of a chain is mapped already: this returns that mapping, it makes none */
	out->kaddr = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute);
	out->mdl = mdl;
	out->page_count =
		ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), MmGetMdlByteCount(mdl));
	out->page_offset = MmGetMdlByteOffset(mdl);
	return STATUS_SUCCESS;
}
