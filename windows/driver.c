// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * \Device\kumem: DriverEntry, the IRP dispatch routines and the error mapping.
 *
 * State lives per FILE_OBJECT (FsContext): each handle has its own regions, named by small
 * ids. Every IOCTL runs at PASSIVE_LEVEL in the caller's thread. The ABI blocks are
 * fixed-width, so 32-bit (WOW64) callers send the very same structures; only the end of
 * their user address space differs (KumemLimits).
 */
#include "kumem_win.h"
#include "rings.h"

/* Role types and annotations for the static analysers (SDV, /analyze): which IRP each
 * routine serves, at what IRQL (all of them: PASSIVE_LEVEL). */
DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD KumemUnload;
_Dispatch_type_(IRP_MJ_CREATE) static DRIVER_DISPATCH KumemCreate;
_Dispatch_type_(IRP_MJ_CLEANUP) static DRIVER_DISPATCH KumemCleanup;
_Dispatch_type_(IRP_MJ_CLOSE) static DRIVER_DISPATCH KumemClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) static DRIVER_DISPATCH KumemDeviceControl;

KUMEM_COUNTERS KumemCounters;

/* Every open handle's state, so the process-exit backstop can find what a process owns. */
static FAST_MUTEX KumemFilesLock;
static LIST_ENTRY KumemFiles;

#define KUMEM_DEVICE_NAME L"\\Device\\kumem"
#define KUMEM_LINK_NAME	  L"\\DosDevices\\kumem"

/* core/ and the ABI speak Linux errno values; this is the one place they become NTSTATUS.
 * libkumem's Windows backend maps the resulting Win32 errors back (docs/windows.md). */
NTSTATUS KumemStatusFromErrno(int err)
{
	switch (-err) {
	case 0:
		return STATUS_SUCCESS;
	case KUMEM_EINVAL:
		return STATUS_INVALID_PARAMETER;
	case KUMEM_EFAULT:
		return STATUS_INVALID_USER_BUFFER;
	case KUMEM_E2BIG:
		return STATUS_FILE_TOO_LARGE;
	case KUMEM_ENOMEM:
		return STATUS_INSUFFICIENT_RESOURCES;
	case KUMEM_EDQUOT:
		return STATUS_QUOTA_EXCEEDED;
	case KUMEM_ENOENT:
		return STATUS_NOT_FOUND;
	case KUMEM_EPERM:
		return STATUS_PRIVILEGE_NOT_HELD;
	case KUMEM_EACCES:
		return STATUS_ACCESS_DENIED;
	case KUMEM_ERANGE:
		return STATUS_END_OF_FILE;
	case KUMEM_ENOSPC:
		return STATUS_TOO_MANY_OPENED_FILES;
	case KUMEM_ENOTTY:
		return STATUS_INVALID_DEVICE_REQUEST;
	case KUMEM_EOVERFLOW:
		return STATUS_INTEGER_OVERFLOW;
	case KUMEM_EBADFD:
		return STATUS_DATA_ERROR;
	case KUMEM_ETIMEDOUT:
		return STATUS_IO_TIMEOUT;
	case KUMEM_EINTR: /* the wait was alerted: the thread or process is ending */
		return STATUS_CANCELLED;
	default:
		return STATUS_UNSUCCESSFUL;
	}
}

void KumemLimits(PIRP Irp, struct kumem_limits *lim)
{
	lim->page_shift = PAGE_SHIFT;
	lim->max_region_bytes = KUMEM_MAX_REGION_BYTES;
	lim->max_contig_bytes = KUMEM_MAX_CONTIG_BYTES;
	lim->max_xfer_bytes = KUMEM_MAX_REGION_BYTES;
	/* A WOW64 process's addresses end at 4 GiB (2 GiB without large-address-aware). */
	lim->user_va_end = IoIs32bitProcess(Irp) ? 0x100000000ull
						 : (ULONG64)(ULONG_PTR)MmHighestUserAddress + 1;
}

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
	Irp->IoStatus.Status = Status;
	Irp->IoStatus.Information = Information;
	IoCompleteRequest(Irp, IO_NO_INCREMENT);
	return Status;
}

/*
 * Who may open the device: SYSTEM and Administrators. The device's DACL already says so
 * (KumemSecureDevice); the requestor's token is checked again here, as wintun checks its
 * callers in code, so a mistake in one layer does not open the device to everyone. SYSTEM's
 * token carries the Administrators group too.
 */
static bool CallerIsAdmin(PIO_STACK_LOCATION Stack, KPROCESSOR_MODE Mode)
{
	PSECURITY_SUBJECT_CONTEXT subject;
	BOOLEAN admin;

	if (Mode == KernelMode)
		return true;
	subject = &Stack->Parameters.Create.SecurityContext->AccessState->SubjectSecurityContext;
	SeLockSubjectContext(subject);
	admin = SeTokenIsAdmin(SeQuerySubjectContextToken(subject));
	SeUnlockSubjectContext(subject);
	return admin;
}

static NTSTATUS KumemCreate(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	PKUMEM_FILE file;

	UNREFERENCED_PARAMETER(Device);
	/* Only the device itself: FILE_DEVICE_SECURE_OPEN refuses \\.\kumem\anything too. */
	if (stack->FileObject->FileName.Length)
		return Complete(Irp, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	if (!CallerIsAdmin(stack, Irp->RequestorMode))
		return Complete(Irp, STATUS_ACCESS_DENIED, 0);
	file = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*file), KUMEM_POOL_TAG);
	if (!file)
		return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
	RtlZeroMemory(file, sizeof(*file));
	file->Refs = 1;
	ExInitializeFastMutex(&file->Lock);
	InitializeListHead(&file->Regions);
	InitializeListHead(&file->Rings);
	InitializeListHead(&file->Events);
	stack->FileObject->FsContext = file;
	ExAcquireFastMutex(&KumemFilesLock);
	InsertTailList(&KumemFiles, &file->AllFiles);
	ExReleaseFastMutex(&KumemFilesLock);
	InterlockedIncrement64(&KumemCounters.OpenHandles);
	return Complete(Irp, STATUS_SUCCESS, 0);
}

/* The last handle closed, in the process that closed it: undo every region now. */
static NTSTATUS KumemCleanup(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);

	PKUMEM_FILE file = stack->FileObject->FsContext;

	UNREFERENCED_PARAMETER(Device);
	/* IOCTLs still running on this file may not publish anything from now on */
	FileLock(file);
	file->Closed = true;
	FileUnlock(file);
	/* rings first: their threads use the regions */
	KumemRingCleanup(file, NULL);
	KumemEventsCleanup(file, NULL);
	KumemFileCleanup(file, NULL);
	return Complete(Irp, STATUS_SUCCESS, 0);
}

/* The last reference to the file object; may run in any process: nothing user-side here. */
static NTSTATUS KumemClose(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	PKUMEM_FILE file = stack->FileObject->FsContext;

	UNREFERENCED_PARAMETER(Device);
	if (file) {
		/* Nothing is left after IRP_MJ_CLEANUP (Closed stops late inserts); should a
		 * loader ever skip cleanup, undo here, attached to each owner. */
		FileLock(file);
		file->Closed = true;
		FileUnlock(file);
		KumemRingCleanup(file, NULL);
		KumemEventsCleanup(file, NULL);
		KumemFileCleanup(file, NULL);
		ExAcquireFastMutex(&KumemFilesLock);
		RemoveEntryList(&file->AllFiles);
		ExReleaseFastMutex(&KumemFilesLock);
		InterlockedDecrement64(&KumemCounters.OpenHandles);
		KumemFilePut(file);
	}
	return Complete(Irp, STATUS_SUCCESS, 0);
}

void KumemFileGet(PKUMEM_FILE File)
{
	InterlockedIncrement(&File->Refs);
}

/* The file object's reference goes at IRP_MJ_CLOSE, a ring's when the ring is freed. */
void KumemFilePut(PKUMEM_FILE File)
{
	if (!InterlockedDecrement(&File->Refs))
		ExFreePoolWithTag(File, KUMEM_POOL_TAG);
}

/* Copy a METHOD_BUFFERED block of @type into blk_, evaluate @call, copy blk_ back. */
#define WITH_BLOCK(type, call)                                                                     \
	do {                                                                                       \
		type blk_;                                                                         \
		if (inLen < sizeof(blk_) || outLen < sizeof(blk_)) {                               \
			err = -KUMEM_EINVAL;                                                       \
			break;                                                                     \
		}                                                                                  \
		RtlCopyMemory(&blk_, Irp->AssociatedIrp.SystemBuffer, sizeof(blk_));               \
		err = (call);                                                                      \
		if (!err) {                                                                        \
			RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &blk_, sizeof(blk_));       \
			info = sizeof(blk_);                                                       \
		}                                                                                  \
	} while (0)

static NTSTATUS KumemDeviceControl(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	PKUMEM_FILE file = stack->FileObject->FsContext;
	ULONG inLen = stack->Parameters.DeviceIoControl.InputBufferLength;
	ULONG outLen = stack->Parameters.DeviceIoControl.OutputBufferLength;
	ULONG_PTR info = 0;
	int err = 0;

	UNREFERENCED_PARAMETER(Device);
	switch (stack->Parameters.DeviceIoControl.IoControlCode) {
	case KUMEM_IOC_VERSION: {
		struct kumem_info v;

		if (outLen < sizeof(v)) {
			err = -KUMEM_EINVAL;
			break;
		}
		RtlZeroMemory(&v, sizeof(v));
		v.abi_version = KUMEM_ABI_VERSION;
		v.page_size = PAGE_SIZE;
		v.max_regions = KUMEM_MAX_FILE_REGIONS;
		v.features = KUMEM_FEAT_LOCK_USER | KUMEM_FEAT_ALLOC_SHARED | KUMEM_FEAT_CONTIG |
			     KUMEM_FEAT_BUFFERED | KUMEM_FEAT_DIRECT | KUMEM_FEAT_RW |
			     KUMEM_FEAT_CHAINS;
		v.max_region_bytes = KUMEM_MAX_REGION_BYTES;
		RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &v, sizeof(v));
		info = sizeof(v);
		break;
	}
	case KUMEM_IOC_LOCK_USER:
		WITH_BLOCK(struct kumem_lock_args, KumemRegionLockUser(file, Irp, &blk_));
		break;
	case KUMEM_IOC_ALLOC_SHARED:
		WITH_BLOCK(struct kumem_alloc_args, KumemRegionAllocShared(file, Irp, &blk_));
		break;
	case KUMEM_IOC_RELEASE: {
		struct kumem_region_ref ref;

		if (inLen < sizeof(ref)) {
			err = -KUMEM_EINVAL;
			break;
		}
		RtlCopyMemory(&ref, Irp->AssociatedIrp.SystemBuffer, sizeof(ref));
		err = KumemRegionRelease(file, &ref);
		if (err == -KUMEM_ENOENT)
			err = KumemRingRelease(file, ref.id);
		if (err == -KUMEM_ENOENT)
			err = KumemEventsRelease(file, ref.id);
		break;
	}
	case KUMEM_IOC_DESCRIBE:
		WITH_BLOCK(struct kumem_describe_args, KumemDescribe(file, &blk_));
		break;
	case KUMEM_IOC_KERNEL_FILL:
		WITH_BLOCK(struct kumem_kernel_op, KumemKernelOp(file, &blk_, true));
		break;
	case KUMEM_IOC_KERNEL_CHECKSUM:
		WITH_BLOCK(struct kumem_kernel_op, KumemKernelOp(file, &blk_, false));
		break;
	/* chain.c (issue 14) */
	case KUMEM_IOC_LOCK_USERV:
		WITH_BLOCK(struct kumem_lockv_args, KumemRegionLockSegments(file, Irp, &blk_));
		break;
	case KUMEM_IOC_VIEW:
		WITH_BLOCK(struct kumem_view_args, KumemRegionView(file, &blk_));
		break;
	case KUMEM_IOC_DESCRIBE_CHAIN:
		WITH_BLOCK(struct kumem_describe_chain_args, KumemDescribeChain(file, &blk_));
		break;
	case KUMEM_IOC_RING_CREATE:
		WITH_BLOCK(struct kumem_ring_create, KumemRingCreate(file, Irp, &blk_));
		break;
	case KUMEM_IOC_RING_ENTER:
		WITH_BLOCK(struct kumem_ring_enter, KumemRingEnter(file, Irp, &blk_));
		if (err == KUMEM_RING_PENDING)
			return STATUS_PENDING; /* queued (irp_wait.c), completed from there */
		break;
	case KUMEM_IOC_RING_INFO:
		WITH_BLOCK(struct kumem_ring_create, KumemRingInfo(file, &blk_));
		break;
	case KUMEM_IOC_EVENTS_CREATE:
		WITH_BLOCK(struct kumem_events_create, KumemEventsCreateStream(file, &blk_, NULL));
		break;
	case KUMEM_IOC_EVENTS_GEN:
		WITH_BLOCK(struct kumem_events_gen, KumemEventsGenerate(file, &blk_));
		break;
	case KUMEM_IOC_EVENTS_WAIT:
		WITH_BLOCK(struct kumem_events_wait, KumemEventsWait(file, Irp, &blk_));
		if (err == KUMEM_WAIT_PENDING)
			return STATUS_PENDING; /* queued (irp_wait.c), completed from there */
		break;
	case KUMEM_IOC_BUFFERED_CHECKSUM:
		err = KumemBufferedChecksum(Irp, stack);
		info = err ? 0 : Irp->IoStatus.Information;
		break;
	case KUMEM_IOC_DIRECT_CHECKSUM:
		err = KumemDirectChecksum(Irp, stack);
		break;
	case KUMEM_IOC_RW_LAST:
		WITH_BLOCK(struct kumem_rw_last, KumemRwLast(file, &blk_));
		break;
	case KUMEM_IOC_STATS: {
		struct kumem_stats st;

		if (outLen < sizeof(st)) {
			err = -KUMEM_EINVAL;
			break;
		}
		KumemStats(&st);
		RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &st, sizeof(st));
		info = sizeof(st);
		break;
	}
	default:
		err = -KUMEM_ENOTTY;
		break;
	}
	return Complete(Irp, KumemStatusFromErrno(err), err ? 0 : info);
}

/*
 * Backstop for a handle that outlives its process. IRP_MJ_CLEANUP frees a handle's regions
 * when its last handle closes, which happens while the owner runs down, before its address
 * space goes. But a handle duplicated into (or inherited by) another process keeps the file
 * open after the owner exits: without this routine the owner's locked pages and user
 * mappings would still exist when its address space is deleted (bugcheck 0x76
 * PROCESS_HAS_LOCKED_PAGES). The exit notification runs in the last thread of the exiting
 * process, at PASSIVE_LEVEL, before the address space is torn down. The plain
 * PsSetCreateProcessNotifyRoutine is used: the Ex variant would require the image to be
 * linked with /INTEGRITYCHECK, and nothing here needs its extra information.
 */
static VOID KumemProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
	LIST_ENTRY rings, regions, events;
	PLIST_ENTRY e;

	UNREFERENCED_PARAMETER(ParentId);
	if (Create)
		return;
	/* This runs at every process exit in the system: the global lock only long enough to
	 * unlink what the process owns; stopping ring threads and unmapping come after. */
	InitializeListHead(&rings);
	InitializeListHead(&regions);
	InitializeListHead(&events);
	ExAcquireFastMutex(&KumemFilesLock);
	for (e = KumemFiles.Flink; e != &KumemFiles; e = e->Flink) {
		PKUMEM_FILE file = CONTAINING_RECORD(e, KUMEM_FILE, AllFiles);

		KumemRingTakeOwned(file, ProcessId, &rings);
		KumemEventsTakeOwned(file, ProcessId, &events);
		KumemRegionTakeOwned(file, ProcessId, &regions);
	}
	ExReleaseFastMutex(&KumemFilesLock);
	KumemRingCloseList(&rings); /* rings first: their threads use the regions */
	KumemEventsCloseList(&events);
	KumemRegionPutList(&regions);
	/* Another process's cleanup may be undoing one of this process's regions right now,
	 * attached to it: the address space must outlive that. */
	KumemQuotaWaitProcess(ProcessId);
}

/*
 * The device object's DACL: SYSTEM and Administrators, full access; nobody else may open it.
 * The same descriptor as the INF's SDDL "D:P(A;;GA;;;SY)(A;;GA;;;BA)". A legacy device gets
 * no class security from an INF and IoCreateDeviceSecure lives in wdmsec.lib (not in
 * mingw-w64), so it is set here on the new device object, before the symbolic link exists.
 */
static NTSTATUS KumemSecureDevice(PDEVICE_OBJECT Device)
{
	PSID system = SeExports->SeLocalSystemSid, admins = SeExports->SeAliasAdminsSid;
	SECURITY_DESCRIPTOR sd;
	HANDLE handle;
	NTSTATUS status;
	ULONG aclLen;
	PACL acl;

	aclLen = sizeof(ACL) + 2 * FIELD_OFFSET(ACCESS_ALLOWED_ACE, SidStart) +
		 RtlLengthSid(system) + RtlLengthSid(admins);
	acl = ExAllocatePoolWithTag(PagedPool, aclLen, KUMEM_POOL_TAG);
	if (!acl)
		return STATUS_INSUFFICIENT_RESOURCES;
	status = RtlCreateAcl(acl, aclLen, ACL_REVISION);
	if (NT_SUCCESS(status))
		status = RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, system);
	if (NT_SUCCESS(status))
		status = RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, admins);
	if (NT_SUCCESS(status))
		status = RtlCreateSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
	if (NT_SUCCESS(status))
		status = RtlSetDaclSecurityDescriptor(&sd, TRUE, acl, FALSE);
	if (!NT_SUCCESS(status))
		goto cleanupAcl;
	status = ObOpenObjectByPointer(Device, OBJ_KERNEL_HANDLE, NULL, WRITE_DAC, NULL, KernelMode,
				       &handle);
	if (!NT_SUCCESS(status))
		goto cleanupAcl;
	status = ZwSetSecurityObject(handle, DACL_SECURITY_INFORMATION, &sd);
	ZwClose(handle);
cleanupAcl:
	ExFreePoolWithTag(acl, KUMEM_POOL_TAG);
	return status;
}

/*
 * One of the driver's devices, named @Name, secured (KumemSecureDevice) and then reachable
 * from user mode as @Link. Still DO_DEVICE_INITIALIZING: the caller sets its flags and
 * clears that last. KumemDeleteDevice() undoes it.
 */
NTSTATUS KumemCreateDevice(PDRIVER_OBJECT Driver, PCWSTR Name, PCWSTR Link, PDEVICE_OBJECT *Device)
{
	UNICODE_STRING name, link;
	PDEVICE_OBJECT device;
	NTSTATUS status;

	RtlInitUnicodeString(&name, Name);
	RtlInitUnicodeString(&link, Link);
	status = IoCreateDevice(Driver, 0, &name, KUMEM_DEVICE_TYPE, FILE_DEVICE_SECURE_OPEN, FALSE,
				&device);
	if (!NT_SUCCESS(status))
		return status;
	/* SYSTEM and Administrators only: the object's DACL, and again in KumemCreate. */
	status = KumemSecureDevice(device);
	if (!NT_SUCCESS(status))
		goto cleanupDevice;
	status = IoCreateSymbolicLink(&link, &name);
	if (!NT_SUCCESS(status))
		goto cleanupDevice;
	*Device = device;
	return STATUS_SUCCESS;

cleanupDevice:
	IoDeleteDevice(device);
	return status;
}

void KumemDeleteDevice(PDEVICE_OBJECT Device, PCWSTR Link)
{
	UNICODE_STRING link;

	RtlInitUnicodeString(&link, Link);
	IoDeleteSymbolicLink(&link);
	IoDeleteDevice(Device);
}

static PDEVICE_OBJECT KumemDevice; /* \Device\kumem */

PKUMEM_FILE KumemFileOfObject(PFILE_OBJECT FileObject)
{
	return FileObject && FileObject->DeviceObject == KumemDevice ? FileObject->FsContext : NULL;
}

static VOID KumemUnload(PDRIVER_OBJECT Driver)
{
	UNREFERENCED_PARAMETER(Driver);
	/* No handle can be open here: the I/O manager unloads only an unreferenced driver,
	 * and every region belonged to a handle. Removing the notify routine waits for any
	 * call of it still running. */
	PsSetCreateProcessNotifyRoutine(KumemProcessNotify, TRUE);
	KumemRwDeleteDevices();
	KumemDeleteDevice(KumemDevice, KUMEM_LINK_NAME);
}

/*
 * Windows 8 (NT 6.2) is the minimum, as kumem.inf says: MdlMappingNoWrite and
 * MdlMappingNoExecute are ignored before it (a read-only region would be mapped writable)
 * and NonPagedPoolNx does not exist. Refuse to load rather
 * than run with weaker guarantees than documented.
 */
static bool WindowsIsSupported(void)
{
	RTL_OSVERSIONINFOW v;

	RtlZeroMemory(&v, sizeof(v));
	v.dwOSVersionInfoSize = sizeof(v);
	if (!NT_SUCCESS(RtlGetVersion(&v)))
		return false;
	return v.dwMajorVersion > 6 || (v.dwMajorVersion == 6 && v.dwMinorVersion >= 2);
}

_IRQL_requires_(PASSIVE_LEVEL) NTSTATUS
	DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
	NTSTATUS status;

	UNREFERENCED_PARAMETER(RegistryPath);
	if (!WindowsIsSupported())
		return STATUS_NOT_SUPPORTED;
	KumemGlobalInit(); /* once per image: an importer may have loaded it first (kapi.c) */
	ExInitializeFastMutex(&KumemFilesLock);
	InitializeListHead(&KumemFiles);
	/* Before any device exists: a device is openable as soon as it is created. */
	Driver->MajorFunction[IRP_MJ_READ] = KumemRwDispatch;
	Driver->MajorFunction[IRP_MJ_WRITE] = KumemRwDispatch;
	Driver->MajorFunction[IRP_MJ_CREATE] = KumemCreate;
	Driver->MajorFunction[IRP_MJ_CLEANUP] = KumemCleanup;
	Driver->MajorFunction[IRP_MJ_CLOSE] = KumemClose;
	Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = KumemDeviceControl;
	Driver->DriverUnload = KumemUnload;
	status = PsSetCreateProcessNotifyRoutine(KumemProcessNotify, FALSE);
	if (!NT_SUCCESS(status))
		return status;
	status = KumemCreateDevice(Driver, KUMEM_DEVICE_NAME, KUMEM_LINK_NAME, &KumemDevice);
	if (!NT_SUCCESS(status))
		goto cleanupNotify;
	/* The seed's DO_BUFFERED_IO and DO_DIRECT_IO: a device object each (rw.c). */
	status = KumemRwCreateDevices(Driver);
	if (!NT_SUCCESS(status))
		goto cleanupDevice;
	KumemDevice->Flags &= ~DO_DEVICE_INITIALIZING;
	return STATUS_SUCCESS;

cleanupDevice:
	KumemDeleteDevice(KumemDevice, KUMEM_LINK_NAME);
cleanupNotify:
	PsSetCreateProcessNotifyRoutine(KumemProcessNotify, TRUE);
	return status;
}
