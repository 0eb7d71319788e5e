// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * kumem_example.sys: a WDM driver that uses kumem.sys's kernel API (kumem_kernel_win.h) for
 * its shared memory, with no locking, page allocation or mapping code of its own. Its import
 * table names kumem.sys beside ntoskrnl.exe: the loader loads kumem.sys (or binds to the
 * running one) before this DriverEntry runs, and keeps it while this driver is loaded.
 *
 *   SUM_USER / FILL_USER   lock the caller's buffer for the call, checksum or fill it
 *   MAP                    a region of kumem's pages mapped into the caller, kept per handle
 *   SUM / FILL             work on it through the system mapping
 *   DESCRIBE               kumem's description, and the MDL kumem hands out, read here
 *   UNMAP                  give it back (IRP_MJ_CLEANUP does too)
 *   SG                     lock the caller's segments as one chain, walk its MDLs
 *
 * The Windows counterpart of linux/example/kumem_example.c. Being an example, its device
 * keeps the default security; a real driver restricts it as kumem.sys does
 * (driver.c:KumemSecureDevice).
 */
#include <ntddk.h>

#include "kumem_kernel_win.h"
#include "kumem_example_abi.h"

#define EXAMPLE_POOL_TAG 'xEuK'
#ifndef MdlMappingNoExecute /* Windows 8+, missing from the mingw-w64 DDK */
#define MdlMappingNoExecute 0x40000000
#endif

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD ExampleUnload;
static DRIVER_DISPATCH ExampleCreate, ExampleCleanup, ExampleClose, ExampleDeviceControl;

typedef struct _EXAMPLE_FILE {
	FAST_MUTEX Lock;
	struct kumem_region *Region; /* MAP's, mapped into Process */
} EXAMPLE_FILE, *PEXAMPLE_FILE;

static PDEVICE_OBJECT ExampleDevice;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
	Irp->IoStatus.Status = Status;
	Irp->IoStatus.Information = Information;
	IoCompleteRequest(Irp, IO_NO_INCREMENT);
	return Status;
}

static NTSTATUS ExampleCreate(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	PEXAMPLE_FILE ef;

	UNREFERENCED_PARAMETER(Device);
	ef = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*ef), EXAMPLE_POOL_TAG);
	if (!ef)
		return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
	RtlZeroMemory(ef, sizeof(*ef));
	ExInitializeFastMutex(&ef->Lock);
	stack->FileObject->FsContext = ef;
	return Complete(Irp, STATUS_SUCCESS, 0);
}

/* The handle's mapping, undone in the process it was made in (kumem attaches if need be). */
static void DropRegion(PEXAMPLE_FILE ef)
{
	struct kumem_region *r;

	ExAcquireFastMutex(&ef->Lock);
	r = ef->Region;
	ef->Region = NULL;
	ExReleaseFastMutex(&ef->Lock);
	if (r) {
		kumem_region_unmap_user(r);
		kumem_region_put(r);
	}
}

/* The last handle: before the process's address space goes, as a mapping must be. */
static NTSTATUS ExampleCleanup(PDEVICE_OBJECT Device, PIRP Irp)
{
	UNREFERENCED_PARAMETER(Device);
	DropRegion(IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext);
	return Complete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS ExampleClose(PDEVICE_OBJECT Device, PIRP Irp)
{
	PEXAMPLE_FILE ef = IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext;

	UNREFERENCED_PARAMETER(Device);
	if (ef) {
		if (ef->Region) /* a loader that skipped IRP_MJ_CLEANUP */
			DropRegion(ef);
		ExFreePoolWithTag(ef, EXAMPLE_POOL_TAG);
	}
	return Complete(Irp, STATUS_SUCCESS, 0);
}

/* Method 1 for the length of one call: lock, work through the system mapping, put. */
static NTSTATUS UserBuffer(struct kumem_example_user *u, bool Fill)
{
	struct kumem_region *r;
	NTSTATUS status;

	if (u->reserved || u->value > 0xff)
		return STATUS_INVALID_PARAMETER;
	status = kumem_region_lock_user(u->addr, u->len,
					Fill ? KUMEM_KERNEL_WRITE : KUMEM_KERNEL_READ, &r);
	if (!NT_SUCCESS(status))
		return status;
	if (Fill)
		status = kumem_region_fill(r, 0, u->len, (UCHAR)u->value);
	else
		status = kumem_region_checksum(r, 0, u->len, &u->sum);
	kumem_region_put(r);
	return status;
}

static NTSTATUS Map(PEXAMPLE_FILE ef, struct kumem_example_region *a)
{
	struct kumem_region *r;
	NTSTATUS status;

	status = kumem_region_alloc(a->len, KUMEM_USER_READ | KUMEM_USER_WRITE, &r);
	if (!NT_SUCCESS(status))
		return status;
	ExAcquireFastMutex(&ef->Lock);
	if (ef->Region) {
		status = STATUS_INVALID_DEVICE_STATE; /* one region per handle */
		goto cleanupUnlock;
	}
	status = kumem_region_map_user(r, &a->user_addr);
	if (!NT_SUCCESS(status))
		goto cleanupUnlock;
	ef->Region = r;
	ExReleaseFastMutex(&ef->Lock);
	return STATUS_SUCCESS;

cleanupUnlock:
	ExReleaseFastMutex(&ef->Lock);
	kumem_region_put(r);
	return status;
}

/* What a driver with a DMA adapter would take: the MDL. Read it, never change it. */
static NTSTATUS DescribeMdl(struct kumem_region *r, struct kumem_example_region *a)
{
	PMDL mdl = kumem_region_mdl(r);
	PPFN_NUMBER pfn = MmGetMdlPfnArray(mdl);
	PVOID va;
	ULONG i, j;

	kumem_region_describe(r, &a->mdl);
	a->segments = kumem_region_segment_count(r);
	a->mdl_byte_offset = MmGetMdlByteOffset(mdl);
	a->mdl_byte_count = MmGetMdlByteCount(mdl);
	a->mdl_pages =
		ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), MmGetMdlByteCount(mdl));
	a->mdl_distinct_pfns = 0;
	for (i = 0; i < a->mdl_pages; i++) {
		for (j = 0; j < i && pfn[j] != pfn[i]; j++)
			;
		a->mdl_distinct_pfns += j == i;
	}
	/* kumem mapped it already: this returns that mapping, it makes none */
	va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute);
	if (!va)
		return STATUS_INSUFFICIENT_RESOURCES;
	a->mdl_is_kaddr = va == kumem_region_kaddr(r);
	a->mdl_sum = kumem_checksum(va, (size_t)kumem_region_size(r));
	return STATUS_SUCCESS;
}

/*
 * Scatter-gather: the caller's segments as one chain. A driver with a DMA adapter would hand
 * the MDL chain to GetScatterGatherListEx; this one reads the bytes through each MDL.
 */
static NTSTATUS ScatterGather(struct kumem_example_sg *a)
{
	struct kumem_segment *segs;
	struct kumem_region *r;
	struct kumem_csum c;
	NTSTATUS status = STATUS_SUCCESS;
	ULONG bad = KUMEM_NO_SEGMENT;
	SIZE_T bytes;
	PVOID va;
	PMDL m;

	if (!a->count || a->count > KUMEM_MAX_SEGMENTS)
		return STATUS_INVALID_PARAMETER;
	bytes = (SIZE_T)a->count * sizeof(*segs);
	segs = ExAllocatePoolWithTag(NonPagedPoolNx, bytes, EXAMPLE_POOL_TAG);
	if (!segs)
		return STATUS_INSUFFICIENT_RESOURCES;
	__try {
		ProbeForRead((PVOID)(ULONG_PTR)a->segs, bytes, sizeof(ULONG));
		RtlCopyMemory(segs, (PVOID)(ULONG_PTR)a->segs, bytes);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		status = STATUS_INVALID_USER_BUFFER;
	}
	if (NT_SUCCESS(status))
		status = kumem_region_lock_segments(segs, a->count, KUMEM_KERNEL_READ, &bad, &r);
	ExFreePoolWithTag(segs, EXAMPLE_POOL_TAG);
	a->bad = bad;
	if (!NT_SUCCESS(status))
		return status;
	kumem_csum_init(&c);
	a->mdls = 0;
	a->bytes = 0;
	for (m = kumem_region_mdl(r); m; m = m->Next) {
		/* kumem mapped every MDL of the chain: this returns that mapping */
		va = MmGetSystemAddressForMdlSafe(m, NormalPagePriority | MdlMappingNoExecute);
		if (!va) {
			status = STATUS_INSUFFICIENT_RESOURCES;
			break;
		}
		kumem_csum_update(&c, va, MmGetMdlByteCount(m));
		a->bytes += MmGetMdlByteCount(m);
		a->mdls++;
	}
	a->chain_sum = kumem_csum_final(&c);
	a->segments = kumem_region_segment_count(r);
	if (NT_SUCCESS(status))
		status = kumem_region_checksum(r, 0, kumem_region_size(r), &a->region_sum);
	kumem_region_put(r);
	return status;
}

/* SUM, FILL, DESCRIBE, UNMAP on the handle's region. */
static NTSTATUS HeldRegion(PEXAMPLE_FILE ef, ULONG Code, struct kumem_example_region *a)
{
	struct kumem_region *r;
	NTSTATUS status;

	if (Code == KUMEM_EXAMPLE_UNMAP) {
		if (!ef->Region)
			return STATUS_NOT_FOUND;
		DropRegion(ef);
		return STATUS_SUCCESS;
	}
	ExAcquireFastMutex(&ef->Lock);
	r = ef->Region;
	if (r)
		kumem_region_get(r); /* UNMAP on another thread cannot free it under us */
	ExReleaseFastMutex(&ef->Lock);
	if (!r)
		return STATUS_NOT_FOUND;
	switch (Code) {
	case KUMEM_EXAMPLE_SUM:
		status = kumem_region_checksum(r, a->offset, a->len, &a->sum);
		break;
	case KUMEM_EXAMPLE_FILL:
		status = a->value > 0xff ? STATUS_INVALID_PARAMETER
					 : kumem_region_fill(r, a->offset, a->len, (UCHAR)a->value);
		break;
	default:
		status = DescribeMdl(r, a);
		break;
	}
	kumem_region_put(r);
	return status;
}

static NTSTATUS ExampleDeviceControl(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	PEXAMPLE_FILE ef = stack->FileObject->FsContext;
	ULONG code = stack->Parameters.DeviceIoControl.IoControlCode;
	ULONG inLen = stack->Parameters.DeviceIoControl.InputBufferLength;
	ULONG outLen = stack->Parameters.DeviceIoControl.OutputBufferLength;
	PVOID buf = Irp->AssociatedIrp.SystemBuffer;
	union {
		struct kumem_example_user u;
		struct kumem_example_region r;
		struct kumem_example_sg sg;
	} blk;
	ULONG size;
	NTSTATUS status;

	UNREFERENCED_PARAMETER(Device);
	switch (code) {
	case KUMEM_EXAMPLE_SUM_USER:
	case KUMEM_EXAMPLE_FILL_USER:
		size = sizeof(blk.u);
		break;
	case KUMEM_EXAMPLE_SG:
		size = sizeof(blk.sg);
		break;
	case KUMEM_EXAMPLE_MAP:
	case KUMEM_EXAMPLE_SUM:
	case KUMEM_EXAMPLE_FILL:
	case KUMEM_EXAMPLE_DESCRIBE:
	case KUMEM_EXAMPLE_UNMAP:
		size = sizeof(blk.r);
		break;
	default:
		return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
	}
	if (inLen < size || outLen < size)
		return Complete(Irp, STATUS_INVALID_PARAMETER, 0);
	RtlCopyMemory(&blk, buf, size);
	if (code == KUMEM_EXAMPLE_SUM_USER || code == KUMEM_EXAMPLE_FILL_USER)
		status = UserBuffer(&blk.u, code == KUMEM_EXAMPLE_FILL_USER);
	else if (code == KUMEM_EXAMPLE_MAP)
		status = Map(ef, &blk.r);
	else if (code == KUMEM_EXAMPLE_SG)
		status = ScatterGather(&blk.sg);
	else
		status = HeldRegion(ef, code, &blk.r);
	if (!NT_SUCCESS(status))
		return Complete(Irp, status, 0);
	RtlCopyMemory(buf, &blk, size);
	return Complete(Irp, STATUS_SUCCESS, size);
}

static VOID ExampleUnload(PDRIVER_OBJECT Driver)
{
	UNICODE_STRING link;

	UNREFERENCED_PARAMETER(Driver);
	/* no handle is open (the I/O manager unloads only then): no region is held */
	RtlInitUnicodeString(&link, KUMEM_EXAMPLE_LINK_NAME);
	IoDeleteSymbolicLink(&link);
	IoDeleteDevice(ExampleDevice);
}

/*
 * The dispatch table as data. x64 code addresses nearly everything relative to the
 * instruction pointer, so a driver this small, with a constant table the compiler folds
 * away, had no absolute address left and hence no base relocations, which pecheck --relocs
 * wants of every driver image (the loader places it at an address of its choosing). A table
 * with external linkage stays in .data, with absolute pointers (and is not exported: the
 * link exports nothing without a .def file).
 */
struct ExampleDispatchEntry {
	UCHAR Major;
	PDRIVER_DISPATCH Routine;
};
struct ExampleDispatchEntry KumemExampleDispatch[] = {
	{ IRP_MJ_CREATE, ExampleCreate },
	{ IRP_MJ_CLEANUP, ExampleCleanup },
	{ IRP_MJ_CLOSE, ExampleClose },
	{ IRP_MJ_DEVICE_CONTROL, ExampleDeviceControl },
};

NTSTATUS DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
	UNICODE_STRING name, link;
	NTSTATUS status;
	ULONG i;

	UNREFERENCED_PARAMETER(RegistryPath);
	for (i = 0; i < sizeof(KumemExampleDispatch) / sizeof(KumemExampleDispatch[0]); i++)
		Driver->MajorFunction[KumemExampleDispatch[i].Major] =
			KumemExampleDispatch[i].Routine;
	Driver->DriverUnload = ExampleUnload;
	RtlInitUnicodeString(&name, KUMEM_EXAMPLE_DEVICE_NAME);
	RtlInitUnicodeString(&link, KUMEM_EXAMPLE_LINK_NAME);
	status = IoCreateDevice(Driver, 0, &name, KUMEM_EXAMPLE_DEVICE_TYPE,
				FILE_DEVICE_SECURE_OPEN, FALSE, &ExampleDevice);
	if (!NT_SUCCESS(status))
		return status;
	status = IoCreateSymbolicLink(&link, &name);
	if (!NT_SUCCESS(status)) {
		IoDeleteDevice(ExampleDevice);
		return status;
	}
	ExampleDevice->Flags &= ~DO_DEVICE_INITIALIZING;
	return STATUS_SUCCESS;
}
