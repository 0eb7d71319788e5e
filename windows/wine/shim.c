// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Test-only link shim: what Wine 8's ntoskrnl.exe lacks, so kumem-wine.sys can run in
 * winedevice.exe. Linked into the Wine variant only (windows/wine/Makefile), never into
 * kumem.sys. Each replacement is bound by defining the import slot (__imp_Name) the driver's
 * dllimport calls go through, so the driver's own code is the same object code as in
 * kumem.sys. docs/windows.md says what this means for what the Wine run can show.
 *
 *   no working export in Wine 8   MmAllocatePagesForMdlEx, MmFreePagesFromMdl, MmSizeOfMdl,
 *                                 SeExports, MmHighestUserAddress, SeLockSubjectContext,
 *                                 SeUnlockSubjectContext, SeTokenIsAdmin, IoBuildPartialMdl
 *   MDLs too small                IoAllocateMdl, IoFreeMdl: Wine sizes an MDL's PFN array with
 *                                 a 4-byte PFN_NUMBER; on x64 it is 8 bytes, and a driver that
 *                                 fills the array (the event streams' double MDL, a view's
 *                                 partial MDL) overruns
 *                                 Wine's heap block
 *   no-op stubs that would make   MmBuildMdlForNonPagedPool (sets no flag, no PFN),
 *   every method 2 path fail      MmMapLockedPagesSpecifyCache (returns NULL)
 *   privileges                    SeSinglePrivilegeCheck says yes to all: here, no to all
 *   a NULL IRP                    IoIs32bitProcess(NULL) (documented: the current process;
 *                                 the kernel API and a driver's KumemRingCreateDriver call
 *                                 have no IRP) reads through the NULL pointer in Wine 8
 *   cancel-safe queues            IoCsqInitialize, IoCsqInsertIrp, IoCsqRemoveIrp,
 *                                 IoCsqRemoveNextIrp are stubs in Wine 8 (the first says
 *                                 "stub", the IRP is never queued): the documented
 *                                 behaviour here, on Wine's IoSetCancelRoutine/IoCancelIrp
 *   I/O manager                   IRP_MJ_CREATE without a SecurityContext; no IRP_MJ_CLEANUP
 *                                 (sent here from IRP_MJ_CLOSE, as for a last handle)
 *
 * And a test provider of driver-defined rings (KumemRingCreateDriver), reached through two
 * IOCTL codes of its own on \\.\kumem: under Wine no second driver can hand it a client's
 * handle, so it makes the ring in the file object the request came on.
 *
 * What stays Wine's: probing and locking another process's pages (a no-op: a locked user MDL
 * never gets a system address, so method 1 ends in -ENOMEM), process attach, the process
 * exit notification, privilege checks. The driver runs in winedevice.exe, not in the client:
 * a "user mapping" here is winedevice's own address, which the client must never touch.
 */
#include "../kumem_win.h"

#define SHIM_TAG 'eniW'

/* ---- data exports Wine exposes as code -------------------------------------------------- */

static PVOID ShimHighestUserAddress = (PVOID)0x7ffffffeffffull;
PVOID *__imp_MmHighestUserAddress = &ShimHighestUserAddress;

struct ShimSid2 {
	SID Sid; /* one sub-authority inside */
	ULONG More;
};
/* S-1-5-18 (LocalSystem) and S-1-5-32-544 (BUILTIN\Administrators) */
static SID ShimSystemSid = { SID_REVISION, 1, { SECURITY_NT_AUTHORITY }, { 18 } };
static struct ShimSid2 ShimAdminsSid = { { SID_REVISION, 2, { SECURITY_NT_AUTHORITY }, { 32 } },
					 544 };
static SE_EXPORTS ShimSeExportsData;
static PSE_EXPORTS ShimSeExports = &ShimSeExportsData;
PSE_EXPORTS *__imp_SeExports = &ShimSeExports;

/* ---- security: Wine's client is always an administrator ---------------------------------- */

static VOID NTAPI ShimSeLockSubjectContext(PSECURITY_SUBJECT_CONTEXT Context)
{
	UNREFERENCED_PARAMETER(Context);
}

static BOOLEAN NTAPI ShimSeTokenIsAdmin(PACCESS_TOKEN Token)
{
	UNREFERENCED_PARAMETER(Token);
	return TRUE;
}

/* Wine's stub says every caller holds every privilege. With it the driver would copy PFNs to
 * the client's address, which under Wine is an address in winedevice.exe, silently. */
static BOOLEAN NTAPI ShimSeSinglePrivilegeCheck(LUID Privilege, KPROCESSOR_MODE Mode)
{
	UNREFERENCED_PARAMETER(Privilege);
	UNREFERENCED_PARAMETER(Mode);
	return FALSE;
}

void *__imp_SeSinglePrivilegeCheck = ShimSeSinglePrivilegeCheck;
void *__imp_SeLockSubjectContext = ShimSeLockSubjectContext;
void *__imp_SeUnlockSubjectContext = ShimSeLockSubjectContext;
void *__imp_SeTokenIsAdmin = ShimSeTokenIsAdmin;

/* ---- page-aligned memory for MmAllocatePagesForMdlEx (Wine's heap aligns to 16) ------------ */

#define SHIM_BIG_MAGIC 0x6b756d656d77696eull /* "kumemwin" */

struct ShimBigHeader {
	PVOID Block; /* what Wine's pool returned */
	ULONG64 Magic;
};

static PVOID ShimAllocatePages(SIZE_T Bytes)
{
	struct ShimBigHeader *h;
	PUCHAR block, p;

	block = ExAllocatePoolWithTag(NonPagedPool, Bytes + PAGE_SIZE, SHIM_TAG);
	if (!block)
		return NULL;
	p = (PUCHAR)(((ULONG_PTR)block + PAGE_SIZE) & ~(ULONG_PTR)(PAGE_SIZE - 1));
	h = (struct ShimBigHeader *)p - 1;
	h->Block = block;
	h->Magic = SHIM_BIG_MAGIC;
	return p;
}

static VOID ShimFreePages(PVOID p)
{
	struct ShimBigHeader *h = (struct ShimBigHeader *)p - 1;

	h->Magic = 0;
	ExFreePoolWithTag(h->Block, SHIM_TAG);
}

/* ---- MDLs -------------------------------------------------------------------------------- */

static SIZE_T NTAPI ShimSizeOfMdl(PVOID Base, SIZE_T Length)
{
	return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

/* Nonpaged memory is its own system mapping; its "PFNs" are its virtual page numbers (Wine
 * has no physical pages to name). */
static VOID NTAPI ShimBuildMdlForNonPagedPool(PMDL Mdl)
{
	PPFN_NUMBER pfn = MmGetMdlPfnArray(Mdl);
	ULONG n = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(Mdl), Mdl->ByteCount);
	ULONG i;

	Mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
	Mdl->MappedSystemVa = MmGetMdlVirtualAddress(Mdl);
	for (i = 0; i < n; i++)
		pfn[i] = ((ULONG_PTR)Mdl->StartVa >> PAGE_SHIFT) + i;
}

static PMDL NTAPI ShimAllocatePagesForMdlEx(PHYSICAL_ADDRESS Low, PHYSICAL_ADDRESS High,
					    PHYSICAL_ADDRESS Skip, SIZE_T Bytes,
					    MEMORY_CACHING_TYPE Cache, ULONG Flags)
{
	PVOID pages;
	PMDL mdl;

	UNREFERENCED_PARAMETER(Low);
	UNREFERENCED_PARAMETER(High);
	UNREFERENCED_PARAMETER(Skip);
	UNREFERENCED_PARAMETER(Cache);
	UNREFERENCED_PARAMETER(Flags);
	if (!Bytes || Bytes > 0xfffff000u)
		return NULL;
	Bytes = ROUND_TO_PAGES(Bytes);
	pages = ShimAllocatePages(Bytes);
	if (!pages)
		return NULL;
	RtlZeroMemory(pages, Bytes); /* MmAllocatePagesForMdlEx zeroes unless told not to */
	/* the driver frees it with ExFreePool, as MmAllocatePagesForMdlEx's documentation asks */
	mdl = ExAllocatePoolWithTag(NonPagedPool, ShimSizeOfMdl(pages, Bytes), SHIM_TAG);
	if (!mdl) {
		ShimFreePages(pages);
		return NULL;
	}
	MmInitializeMdl(mdl, pages, Bytes);
	ShimBuildMdlForNonPagedPool(mdl);
	return mdl;
}

/* The driver frees the MDL itself (ExFreePool), as the documentation asks. */
static VOID NTAPI ShimFreePagesFromMdl(PMDL Mdl)
{
	ShimFreePages(Mdl->StartVa);
	Mdl->MdlFlags &= ~MDL_SOURCE_IS_NONPAGED_POOL;
	Mdl->MappedSystemVa = NULL;
}

/* Only nonpaged memory has an address here (its own); a user MDL Wine "locked" has none. */
static PVOID NTAPI ShimMapLockedPagesSpecifyCache(PMDL Mdl, KPROCESSOR_MODE Mode,
						  MEMORY_CACHING_TYPE Cache, PVOID Base,
						  ULONG BugCheck, ULONG Priority)
{
	UNREFERENCED_PARAMETER(Mode);
	UNREFERENCED_PARAMETER(Cache);
	UNREFERENCED_PARAMETER(Base);
	UNREFERENCED_PARAMETER(BugCheck);
	UNREFERENCED_PARAMETER(Priority);
	if (!(Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL))
		return NULL;
	return Mdl->MappedSystemVa;
}

static PMDL NTAPI ShimAllocateMdl(PVOID Va, ULONG Length, BOOLEAN Secondary, BOOLEAN ChargeQuota,
				  PIRP Irp)
{
	PMDL mdl;

	if (Secondary || ChargeQuota || Irp)
		return NULL; /* kumem never asks for these */
	mdl = ExAllocatePoolWithTag(NonPagedPool, ShimSizeOfMdl(Va, Length), SHIM_TAG);
	if (mdl)
		MmInitializeMdl(mdl, Va, Length);
	return mdl;
}

static VOID NTAPI ShimFreeMdl(PMDL Mdl)
{
	ExFreePoolWithTag(Mdl, SHIM_TAG);
}

void *__imp_IoAllocateMdl = ShimAllocateMdl;
void *__imp_IoFreeMdl = ShimFreeMdl;

/* Wine 8 reads the IRP without checking it: IoIs32bitProcess(NULL), which the documentation
 * defines as "the current process" and which the kernel API (kapi.c) calls where no IRP
 * exists, faults. winedevice.exe, the current process there, is 64-bit. */
typedef BOOLEAN(NTAPI *IS32_FN)(PIRP);
static IS32_FN WineIs32bitProcess;

static BOOLEAN NTAPI ShimIoIs32bitProcess(PIRP Irp)
{
	UNICODE_STRING name;

	if (!Irp)
		return FALSE;
	if (!WineIs32bitProcess) {
		RtlInitUnicodeString(&name, L"IoIs32bitProcess");
		WineIs32bitProcess = (IS32_FN)MmGetSystemRoutineAddress(&name);
	}
	return WineIs32bitProcess ? WineIs32bitProcess(Irp) : FALSE;
}

void *__imp_IoIs32bitProcess = ShimIoIs32bitProcess;

/*
 * Wine 8 exports IoBuildPartialMdl as a stub that raises. This is the documented behaviour:
 * the target describes [Va, Va + Length) of the source (Length 0: to its end) with the
 * source's frames, MDL_PARTIAL, and the source's system mapping (offset) when it has one.
 */
static VOID NTAPI ShimBuildPartialMdl(PMDL Source, PMDL Target, PVOID Va, ULONG Length)
{
	ULONG_PTR from = (ULONG_PTR)Va - (ULONG_PTR)MmGetMdlVirtualAddress(Source);
	ULONG first, pages, i;

	if (!Length)
		Length = MmGetMdlByteCount(Source) - (ULONG)from;
	first = (ULONG)(((ULONG_PTR)PAGE_ALIGN(Va) - (ULONG_PTR)Source->StartVa) >> PAGE_SHIFT);
	pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Length);
	Target->MdlFlags &= MDL_ALLOCATED_FIXED_SIZE | MDL_ALLOCATED_MUST_SUCCEED;
	Target->MdlFlags |= (Source->MdlFlags & (MDL_SOURCE_IS_NONPAGED_POOL |
						 MDL_MAPPED_TO_SYSTEM_VA | MDL_IO_PAGE_READ)) |
			    MDL_PARTIAL;
	Target->Process = Source->Process;
	Target->StartVa = PAGE_ALIGN(Va);
	Target->ByteOffset = BYTE_OFFSET(Va);
	Target->ByteCount = Length;
	Target->MappedSystemVa = (PUCHAR)Source->MappedSystemVa + from;
	for (i = 0; i < pages; i++)
		MmGetMdlPfnArray(Target)[i] = MmGetMdlPfnArray(Source)[first + i];
}

void *__imp_IoBuildPartialMdl = ShimBuildPartialMdl;
void *__imp_MmSizeOfMdl = ShimSizeOfMdl;
void *__imp_MmBuildMdlForNonPagedPool = ShimBuildMdlForNonPagedPool;
void *__imp_MmAllocatePagesForMdlEx = ShimAllocatePagesForMdlEx;
void *__imp_MmFreePagesFromMdl = ShimFreePagesFromMdl;
void *__imp_MmMapLockedPagesSpecifyCache = ShimMapLockedPagesSpecifyCache;

/* ---- cancel-safe queues: Wine 8's IoCsq* are stubs ----------------------------------------
 *
 * What Microsoft documents for IoCsqInsertIrp/IoCsqRemoveIrp/IoCsqRemoveNextIrp: the driver's
 * lock around its callbacks, the IRP marked pending on insertion, the queue's own cancel
 * routine, an IRP cancelled before insertion handed to CompleteCanceledIrp, DriverContext[3]
 * for the queue's context. The same as the strict model's (tests/winmodel/wm_irp.c).
 */
static PIO_CSQ ShimCsqOf(PIRP Irp, PIO_CSQ_IRP_CONTEXT *Context)
{
	PVOID p = Irp->Tail.Overlay.DriverContext[3];

	*Context = NULL;
	if (p && *(PULONG)p == IO_TYPE_CSQ_IRP_CONTEXT) {
		*Context = p;
		return (*Context)->Csq;
	}
	return p;
}

/* Remove @Irp (lock held, cancel routine already taken) and forget its context. */
static VOID ShimCsqUnlink(PIO_CSQ Csq, PIRP Irp)
{
	PIO_CSQ_IRP_CONTEXT ctx;

	ShimCsqOf(Irp, &ctx);
	Csq->CsqRemoveIrp(Csq, Irp);
	if (ctx)
		ctx->Irp = NULL;
	Irp->Tail.Overlay.DriverContext[3] = NULL;
}

static VOID NTAPI ShimCsqCancel(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_CSQ_IRP_CONTEXT ctx;
	PIO_CSQ csq;
	KIRQL irql;

	UNREFERENCED_PARAMETER(Device);
	IoReleaseCancelSpinLock(Irp->CancelIrql);
	csq = ShimCsqOf(Irp, &ctx);
	csq->CsqAcquireLock(csq, &irql);
	ShimCsqUnlink(csq, Irp);
	csq->CsqReleaseLock(csq, irql);
	csq->CsqCompleteCanceledIrp(csq, Irp);
}

static NTSTATUS NTAPI ShimCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP InsertIrp,
					PIO_CSQ_REMOVE_IRP RemoveIrp,
					PIO_CSQ_PEEK_NEXT_IRP PeekNextIrp,
					PIO_CSQ_ACQUIRE_LOCK AcquireLock,
					PIO_CSQ_RELEASE_LOCK ReleaseLock,
					PIO_CSQ_COMPLETE_CANCELED_IRP CompleteCanceledIrp)
{
	Csq->Type = IO_TYPE_CSQ;
	Csq->CsqInsertIrp = InsertIrp;
	Csq->CsqRemoveIrp = RemoveIrp;
	Csq->CsqPeekNextIrp = PeekNextIrp;
	Csq->CsqAcquireLock = AcquireLock;
	Csq->CsqReleaseLock = ReleaseLock;
	Csq->CsqCompleteCanceledIrp = CompleteCanceledIrp;
	Csq->ReservePointer = NULL;
	return STATUS_SUCCESS;
}

static VOID NTAPI ShimCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
	KIRQL irql;

	Csq->CsqAcquireLock(Csq, &irql);
	Csq->CsqInsertIrp(Csq, Irp);
	IoMarkIrpPending(Irp);
	if (Context) {
		Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
		Context->Irp = Irp;
		Context->Csq = Csq;
		Irp->Tail.Overlay.DriverContext[3] = Context;
	} else {
		Irp->Tail.Overlay.DriverContext[3] = Csq;
	}
	IoSetCancelRoutine(Irp, ShimCsqCancel);
	if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL)) {
		ShimCsqUnlink(Csq, Irp);
		Csq->CsqReleaseLock(Csq, irql);
		Csq->CsqCompleteCanceledIrp(Csq, Irp);
		return;
	}
	Csq->CsqReleaseLock(Csq, irql);
}

static PIRP NTAPI ShimCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
	PIRP irp;
	KIRQL irql;

	Csq->CsqAcquireLock(Csq, &irql);
	irp = Context->Type == IO_TYPE_CSQ_IRP_CONTEXT ? Context->Irp : NULL;
	if (irp && IoSetCancelRoutine(irp, NULL))
		ShimCsqUnlink(Csq, irp);
	else
		irp = NULL; /* none, or being cancelled: its cancel routine completes it */
	Csq->CsqReleaseLock(Csq, irql);
	return irp;
}

static PIRP NTAPI ShimCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
	PIRP irp;
	KIRQL irql;

	Csq->CsqAcquireLock(Csq, &irql);
	for (irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext); irp;
	     irp = Csq->CsqPeekNextIrp(Csq, irp, PeekContext)) {
		if (IoSetCancelRoutine(irp, NULL)) {
			ShimCsqUnlink(Csq, irp);
			break;
		}
	}
	Csq->CsqReleaseLock(Csq, irql);
	return irp;
}

void *__imp_IoCsqInitialize = ShimCsqInitialize;
void *__imp_IoCsqInsertIrp = ShimCsqInsertIrp;
void *__imp_IoCsqRemoveIrp = ShimCsqRemoveIrp;
void *__imp_IoCsqRemoveNextIrp = ShimCsqRemoveNextIrp;

/* ---- the I/O manager's part -------------------------------------------------------------- */

static PDRIVER_DISPATCH DriverCreate, DriverClose;
static ACCESS_STATE ShimAccessState;
static IO_SECURITY_CONTEXT ShimSecurityContext = { .AccessState = &ShimAccessState };

static NTSTATUS NTAPI ShimCreate(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);

	if (!stack->Parameters.Create.SecurityContext)
		stack->Parameters.Create.SecurityContext = &ShimSecurityContext;
	return DriverCreate(Device, Irp);
}

/* Wine closes a file with IRP_MJ_CLOSE only; Windows sends IRP_MJ_CLEANUP first when the
 * last handle goes. Send it, through the driver's own dispatch routine. */
static NTSTATUS NTAPI ShimClose(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	PIO_STACK_LOCATION next;
	PIRP cleanup;

	cleanup = IoAllocateIrp(Device->StackSize, FALSE);
	if (cleanup) {
		next = IoGetNextIrpStackLocation(cleanup);
		next->MajorFunction = IRP_MJ_CLEANUP;
		next->FileObject = stack->FileObject;
		cleanup->RequestorMode = Irp->RequestorMode;
		IoCallDriver(Device, cleanup); /* the driver completes it; Wine frees it */
	}
	return DriverClose(Device, Irp);
}

/* ---- a test provider of driver-defined rings ---------------------------------------------- */

#define KUMEM_WINE_PROVIDER_RING     KUMEM_WIN_IOCTL(0x7e, KUMEM_METHOD_BUFFERED) /* ring_create */
#define KUMEM_WINE_PROVIDER_RELEASED KUMEM_WIN_IOCTL(0x7f, KUMEM_METHOD_BUFFERED) /* LONG out */

static PDRIVER_DISPATCH DriverDeviceControl;
static volatile LONG ShimProviderReleased;

static int ShimProviderExecute(PVOID Priv, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	UNREFERENCED_PARAMETER(Priv);
	c->value = (uint64_t)e->value * 3;
	return 0;
}

static VOID ShimProviderRelease(PVOID Priv)
{
	InterlockedIncrement((volatile LONG *)Priv);
}

static NTSTATUS NTAPI ShimDeviceControl(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
	const KUMEM_RING_DRIVER drv = { ShimProviderExecute, ShimProviderRelease,
					(PVOID)&ShimProviderReleased };
	struct kumem_ring_create a;
	ULONG code = stack->Parameters.DeviceIoControl.IoControlCode;
	ULONG inLen = stack->Parameters.DeviceIoControl.InputBufferLength;
	ULONG outLen = stack->Parameters.DeviceIoControl.OutputBufferLength;
	NTSTATUS status = STATUS_SUCCESS;
	ULONG_PTR info = 0;
	int err;

	if (code == KUMEM_WINE_PROVIDER_RING) {
		if (inLen < sizeof(a) || outLen < sizeof(a)) {
			status = STATUS_INVALID_PARAMETER;
		} else {
			RtlCopyMemory(&a, Irp->AssociatedIrp.SystemBuffer, sizeof(a));
			err = KumemRingCreateDriver(stack->FileObject, &a, &drv);
			status = KumemStatusFromErrno(err);
			if (!err) {
				RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &a, sizeof(a));
				info = sizeof(a);
			}
		}
	} else if (code == KUMEM_WINE_PROVIDER_RELEASED && outLen >= sizeof(LONG)) {
		*(LONG *)Irp->AssociatedIrp.SystemBuffer = ShimProviderReleased;
		info = sizeof(LONG);
	} else {
		return DriverDeviceControl(Device, Irp);
	}
	Irp->IoStatus.Status = status;
	Irp->IoStatus.Information = info;
	IoCompleteRequest(Irp, IO_NO_INCREMENT);
	return status;
}

DRIVER_INITIALIZE DriverEntry;
DRIVER_INITIALIZE KumemWineEntry;

NTSTATUS NTAPI KumemWineEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
	NTSTATUS status;

	ShimSeExportsData.SeLocalSystemSid = &ShimSystemSid;
	ShimSeExportsData.SeAliasAdminsSid = &ShimAdminsSid.Sid;
	status = DriverEntry(Driver, RegistryPath);
	if (!NT_SUCCESS(status))
		return status;
	DriverCreate = Driver->MajorFunction[IRP_MJ_CREATE];
	DriverClose = Driver->MajorFunction[IRP_MJ_CLOSE];
	DriverDeviceControl = Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL];
	Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = ShimDeviceControl;
	Driver->MajorFunction[IRP_MJ_CREATE] = ShimCreate;
	Driver->MajorFunction[IRP_MJ_CLOSE] = ShimClose;
	return STATUS_SUCCESS;
}
