// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * ReadFile/WriteFile: the seed's DO_BUFFERED_IO and DO_DIRECT_IO, as device flags.
 *
 * The transfer type of IRP_MJ_READ and IRP_MJ_WRITE is a property of the device object, not
 * of the request, so the driver has one device object per type beside \Device\kumem (which
 * has neither flag and refuses read/write):
 *
 *   \Device\kumem-buffered  DO_BUFFERED_IO: the I/O manager allocates a system buffer of the
 *                           request's length, copies a write's data into it before dispatch
 *                           and a read's result out of it at completion (Information bytes);
 *                           the driver sees Irp->AssociatedIrp.SystemBuffer.
 *   \Device\kumem-direct    DO_DIRECT_IO: the I/O manager probes and locks the caller's pages
 *                           (IoReadAccess for a write, IoWriteAccess for a read) and hands the
 *                           MDL over as Irp->MdlAddress, unlocked at completion; the driver
 *                           maps it with MmGetSystemAddressForMdlSafe (no-execute, and
 *                           read-only for a write) and works on the caller's pages in place.
 *
 * Both are opened like \Device\kumem (same DACL, same per-handle state), so KUMEM_IOC_RW_LAST
 * on the handle reports its last transfer. Write consumes (the driver checksums the data),
 * read produces (core's kumem_pattern_fill, from 0 at every request) - as on Linux.
 *
 * Unlike Linux, where the driver chunks a transfer itself, here the I/O manager has copied
 * or locked the whole buffer before the driver runs: what the driver can bound is the length
 * it accepts, KUMEM_RW_MAX_BYTES (STATUS_FILE_TOO_LARGE over it). A read into memory the
 * caller may not write, or a write from memory it may not read, fails in the I/O manager's
 * probe (STATUS_ACCESS_VIOLATION / STATUS_INVALID_USER_BUFFER) before dispatch: the driver
 * never sees it and nothing is written.
 */
#include "kumem_win.h"

/* The largest transfer accepted: the same bound as one region and the ioctl transfers. */
#define KUMEM_RW_MAX_BYTES KUMEM_MAX_REGION_BYTES

typedef struct _KUMEM_RW_DEVICE {
	PCWSTR Name, Link;
	ULONG Flag; /* DO_BUFFERED_IO or DO_DIRECT_IO */
	PDEVICE_OBJECT Device;
} KUMEM_RW_DEVICE;

static KUMEM_RW_DEVICE KumemRwDevices[] = {
	{ L"\\Device\\kumem-buffered", L"\\DosDevices\\kumem-buffered", DO_BUFFERED_IO, NULL },
	{ L"\\Device\\kumem-direct", L"\\DosDevices\\kumem-direct", DO_DIRECT_IO, NULL },
};

#define KUMEM_RW_NDEVICES (sizeof(KumemRwDevices) / sizeof(KumemRwDevices[0]))

void KumemRwDeleteDevices(void)
{
	ULONG i;

	for (i = 0; i < KUMEM_RW_NDEVICES; i++) {
		if (!KumemRwDevices[i].Device)
			continue;
		KumemDeleteDevice(KumemRwDevices[i].Device, KumemRwDevices[i].Link);
		KumemRwDevices[i].Device = NULL;
	}
}

static NTSTATUS CreateOne(PDRIVER_OBJECT Driver, KUMEM_RW_DEVICE *d)
{
	PDEVICE_OBJECT device;
	NTSTATUS status = KumemCreateDevice(Driver, d->Name, d->Link, &device);

	if (!NT_SUCCESS(status))
		return status;
	/* The seed's flag: how the I/O manager hands this device read and write requests. */
	device->Flags |= d->Flag;
	device->Flags &= ~DO_DEVICE_INITIALIZING;
	d->Device = device;
	return STATUS_SUCCESS;
}

NTSTATUS KumemRwCreateDevices(PDRIVER_OBJECT Driver)
{
	NTSTATUS status = STATUS_SUCCESS;
	ULONG i;

	for (i = 0; i < KUMEM_RW_NDEVICES && NT_SUCCESS(status); i++)
		status = CreateOne(Driver, &KumemRwDevices[i]);
	if (!NT_SUCCESS(status))
		KumemRwDeleteDevices();
	return status;
}

/* Keep @rec as the handle's last transfer, for KUMEM_IOC_RW_LAST. */
static void RecordLast(PKUMEM_FILE File, const struct kumem_rw_last *rec)
{
	KIRQL irql;

	KeAcquireSpinLock(&File->RwLock, &irql);
	File->RwLast = *rec;
	KeReleaseSpinLock(&File->RwLock, irql);
}

int KumemRwLast(PKUMEM_FILE File, struct kumem_rw_last *out)
{
	KIRQL irql;

	KeAcquireSpinLock(&File->RwLock, &irql);
	*out = File->RwLast;
	KeReleaseSpinLock(&File->RwLock, irql);
	if (!KumemMayReadPfns()) {
		RtlZeroMemory(out->pfns, sizeof(out->pfns));
		out->pfn_count = 0;
	}
	return 0;
}

/* DO_BUFFERED_IO: the data is the I/O manager's copy in SystemBuffer. */
static int Buffered(PIRP Irp, ULONG Length, bool IsWrite, struct kumem_rw_last *rec)
{
	PUCHAR buf = Irp->AssociatedIrp.SystemBuffer;

	if (!buf)
		return -KUMEM_EFAULT;
	if (!IsWrite)
		kumem_pattern_fill(buf, 0, Length);
	rec->sum = kumem_checksum(buf, Length);
	rec->chunks = 1;
	return 0;
}

/* DO_DIRECT_IO: the caller's own pages, locked by the I/O manager, described by the MDL. */
static int Direct(PIRP Irp, ULONG Length, bool IsWrite, struct kumem_rw_last *rec)
{
	PMDL mdl = Irp->MdlAddress;
	PPFN_NUMBER pfn;
	ULONG priority = NormalPagePriority | MdlMappingNoExecute;
	ULONG64 pages, i;
	PUCHAR va;

	if (!mdl)
		return -KUMEM_EFAULT;
	/* one MDL for the whole buffer: no chained MDLs for a read/write request */
	if (MmGetMdlByteCount(mdl) != Length || mdl->Next)
		return -KUMEM_EINVAL;
	/* the driver only reads what it is given to write: map it read-only */
	if (IsWrite)
		priority |= MdlMappingNoWrite;
	va = MmGetSystemAddressForMdlSafe(mdl, priority);
	if (!va)
		return -KUMEM_ENOMEM;
	if (!IsWrite)
		kumem_pattern_fill(va, 0, Length);
	rec->sum = kumem_checksum(va, Length);
	pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), Length);
	rec->pages = pages;
	rec->chunks = 1;
	rec->max_pinned = (uint32_t)pages;
	rec->byte_offset = MmGetMdlByteOffset(mdl);
	rec->os_flags = (uint32_t)(USHORT)mdl->MdlFlags;
	pfn = MmGetMdlPfnArray(mdl);
	for (i = 0; i < pages && i < KUMEM_RW_PFNS; i++)
		rec->pfns[i] = pfn[i];
	rec->pfn_count = (uint32_t)i;
	return 0;
}

/*
 * IRP_MJ_READ and IRP_MJ_WRITE on every device object of the driver. Only the two read/write
 * devices serve them; \Device\kumem answers STATUS_INVALID_DEVICE_REQUEST, as it always has.
 * Information is the byte count on success (the I/O manager copies that much of a buffered
 * read back to the caller), 0 on failure.
 */
NTSTATUS KumemRwDispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	bool isWrite = stack->MajorFunction == IRP_MJ_WRITE;
	ULONG length = isWrite ? stack->Parameters.Write.Length : stack->Parameters.Read.Length;
	PKUMEM_FILE file = stack->FileObject->FsContext;
	struct kumem_rw_last rec;
	NTSTATUS status;
	int err = 0;

	RtlZeroMemory(&rec, sizeof(rec));
	if (!(Device->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO)) || !file) {
		err = -KUMEM_ENOTTY;
		goto complete;
	}
	rec.mode = (Device->Flags & DO_DIRECT_IO) ? KUMEM_RW_DIRECT : KUMEM_RW_BUFFERED;
	rec.op = isWrite ? KUMEM_RW_OP_WRITE : KUMEM_RW_OP_READ;
	if (length > KUMEM_RW_MAX_BYTES) {
		err = -KUMEM_E2BIG;
		goto complete;
	}
	if (!length) {
		/* no buffer and no MDL come with an empty request */
		rec.sum = kumem_checksum(NULL, 0);
	} else {
		rec.segments = 1;
		err = rec.mode == KUMEM_RW_DIRECT ? Direct(Irp, length, isWrite, &rec)
						  : Buffered(Irp, length, isWrite, &rec);
	}
	if (!err) {
		rec.bytes = length;
		RecordLast(file, &rec);
	}
complete:
	status = KumemStatusFromErrno(err);
	Irp->IoStatus.Status = status;
	Irp->IoStatus.Information = err ? 0 : length;
	IoCompleteRequest(Irp, IO_NO_INCREMENT);
	return status;
}
