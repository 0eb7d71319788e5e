/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The kernel API windows/ uses, for the user-space model (tests/winmodel/). Same names,
 * same field names, same macros as the DDK where the driver touches them; the functions are
 * the model's (wm_*.c), which check their contracts the way Driver Verifier does.
 * Written from the documented API, not copied from any DDK.
 */
#ifndef WM_NTIFS_H
#define WM_NTIFS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

/* ---- basic types --------------------------------------------------------------------------- */

typedef void VOID, *PVOID;
typedef unsigned char UCHAR, *PUCHAR, BOOLEAN, *PBOOLEAN;
typedef char CHAR;
typedef uint16_t USHORT, *PUSHORT;
typedef wchar_t WCHAR, *PWCHAR; /* 4 bytes here: only ever compared, never laid out */
typedef const WCHAR *PCWSTR;
typedef int16_t CSHORT;
typedef uint32_t ULONG, *PULONG, ACCESS_MASK, SECURITY_INFORMATION;
typedef int32_t LONG, *PLONG, NTSTATUS;
typedef int64_t LONG64, LONGLONG;
typedef uint64_t ULONG64, ULONGLONG, ULONG_PTR, SIZE_T, KAFFINITY;
typedef ULONG64 PFN_NUMBER, *PPFN_NUMBER;
typedef void *HANDLE;
typedef HANDLE *PHANDLE;
typedef UCHAR KIRQL, KPROCESSOR_MODE;

#define TRUE  1
#define FALSE 0
#define NTAPI
#define IN
#define OUT
#define OPTIONAL
#define UNREFERENCED_PARAMETER(p)  ((void)(p))
#define NT_SUCCESS(s)		   ((NTSTATUS)(s) >= 0)
#define NT_ERROR(s)		   ((ULONG)(s) >> 30 == 3)
#define FIELD_OFFSET(t, f)	   ((LONG)offsetof(t, f))
#define CONTAINING_RECORD(a, t, f) ((t *)((char *)(a)-offsetof(t, f)))
#define ARGUMENT_PRESENT(p)	   ((p) != NULL)

typedef union _LARGE_INTEGER {
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER, PHYSICAL_ADDRESS;

typedef struct _LUID {
	ULONG LowPart;
	LONG HighPart;
} LUID;

typedef struct _UNICODE_STRING {
	USHORT Length;
	USHORT MaximumLength;
	PWCHAR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

typedef struct _LIST_ENTRY {
	struct _LIST_ENTRY *Flink, *Blink;
} LIST_ENTRY, *PLIST_ENTRY;

static inline void InitializeListHead(PLIST_ENTRY h)
{
	h->Flink = h->Blink = h;
}

static inline BOOLEAN IsListEmpty(const LIST_ENTRY *h)
{
	return h->Flink == h;
}

static inline BOOLEAN RemoveEntryList(PLIST_ENTRY e)
{
	PLIST_ENTRY f = e->Flink, b = e->Blink;

	b->Flink = f;
	f->Blink = b;
	e->Flink = e->Blink = NULL; /* a second removal crashes here, as list checks would */
	return f == b;
}

static inline void InsertTailList(PLIST_ENTRY h, PLIST_ENTRY e)
{
	PLIST_ENTRY b = h->Blink;

	e->Flink = h;
	e->Blink = b;
	b->Flink = e;
	h->Blink = e;
}

static inline void InsertHeadList(PLIST_ENTRY h, PLIST_ENTRY e)
{
	PLIST_ENTRY f = h->Flink;

	e->Flink = f;
	e->Blink = h;
	f->Blink = e;
	h->Flink = e;
}

static inline PLIST_ENTRY RemoveHeadList(PLIST_ENTRY h)
{
	PLIST_ENTRY e = h->Flink;

	RemoveEntryList(e);
	return e;
}

/* ---- status values the driver and the model use ------------------------------------------ */

#define STATUS_SUCCESS		      ((NTSTATUS)0x00000000)
#define STATUS_PENDING		      ((NTSTATUS)0x00000103)
#define STATUS_TIMEOUT		      ((NTSTATUS)0x00000102)
#define STATUS_ALERTED		      ((NTSTATUS)0x00000101)
#define STATUS_USER_APC		      ((NTSTATUS)0x000000C0)
#define STATUS_DATATYPE_MISALIGNMENT  ((NTSTATUS)0x80000002)
#define STATUS_GUARD_PAGE_VIOLATION   ((NTSTATUS)0x80000001)
#define STATUS_UNSUCCESSFUL	      ((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED	      ((NTSTATUS)0xC0000002)
#define STATUS_INVALID_HANDLE	      ((NTSTATUS)0xC0000008)
#define STATUS_ACCESS_VIOLATION	      ((NTSTATUS)0xC0000005)
#define STATUS_INVALID_PARAMETER      ((NTSTATUS)0xC000000D)
#define STATUS_NO_MEMORY	      ((NTSTATUS)0xC0000017)
#define STATUS_ACCESS_DENIED	      ((NTSTATUS)0xC0000022)
#define STATUS_OBJECT_TYPE_MISMATCH   ((NTSTATUS)0xC0000024)
#define STATUS_OBJECT_NAME_NOT_FOUND  ((NTSTATUS)0xC0000034)
#define STATUS_QUOTA_EXCEEDED	      ((NTSTATUS)0xC0000044)
#define STATUS_WORKING_SET_QUOTA      ((NTSTATUS)0xC00000A1)
#define STATUS_DATA_ERROR	      ((NTSTATUS)0xC000003E)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009A)
#define STATUS_INVALID_USER_BUFFER    ((NTSTATUS)0xC00000E8)
#define STATUS_FILE_TOO_LARGE	      ((NTSTATUS)0xC0000904)
#define STATUS_NOT_FOUND	      ((NTSTATUS)0xC0000225)
#define STATUS_PRIVILEGE_NOT_HELD     ((NTSTATUS)0xC0000061)
#define STATUS_END_OF_FILE	      ((NTSTATUS)0xC0000011)
#define STATUS_TOO_MANY_OPENED_FILES  ((NTSTATUS)0xC000011F)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010)
#define STATUS_INTEGER_OVERFLOW	      ((NTSTATUS)0xC0000095)
#define STATUS_IO_TIMEOUT	      ((NTSTATUS)0xC00000B5)
#define STATUS_CANCELLED	      ((NTSTATUS)0xC0000120)
#define STATUS_COMMITMENT_LIMIT	      ((NTSTATUS)0xC000012D)
#define STATUS_FILE_CLOSED	      ((NTSTATUS)0xC0000128)
#define STATUS_DELETE_PENDING	      ((NTSTATUS)0xC0000056)
#define STATUS_PROCESS_IS_TERMINATING ((NTSTATUS)0xC000010A)
#define STATUS_NO_SUCH_DEVICE	      ((NTSTATUS)0xC000000E)
#define STATUS_INVALID_DEVICE_STATE   ((NTSTATUS)0xC0000184)

/* kumem.sys's importers and kumem.sys are one host program here: no import slots */
#define DECLSPEC_IMPORT

/* ---- structured exception handling: setjmp frames per thread (wm_kernel.c) --------------- */

#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
jmp_buf *wm_seh_push(void);
void wm_seh_pop(void);
NTSTATUS wm_seh_code(void);
int wm_seh_filter(int verdict);
/* The try body runs once inside the for; a raise longjmps back to the if with the frame
 * popped, and the else branch is the handler. No return/goto out of a __try body. */
/* clang-format reads __except as the keyword: */
/* clang-format off */
#define __try                                                                                      \
	if (setjmp(*wm_seh_push()) == 0)                                                           \
		for (int wm_once_ = 1; wm_once_; wm_once_ = 0, wm_seh_pop())
#define __except(filter) else if (wm_seh_filter(filter))
#define GetExceptionCode() wm_seh_code()
/* clang-format on */
void ExRaiseStatus(NTSTATUS Status) __attribute__((noreturn));

/* ---- memory and interlocked -------------------------------------------------------------- */

#define PAGE_SIZE	  4096ul
#define PAGE_SHIFT	  12
#define BYTE_OFFSET(va)	  ((ULONG)((ULONG_PTR)(va) & (PAGE_SIZE - 1)))
#define PAGE_ALIGN(va)	  ((PVOID)((ULONG_PTR)(va) & ~(PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(n) (((ULONG_PTR)(n) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, size)                                                   \
	((ULONG)((BYTE_OFFSET(va) + (ULONG64)(size) + PAGE_SIZE - 1) >> PAGE_SHIFT))

#define RtlZeroMemory(d, n)	  memset((d), 0, (n))
#define RtlCopyMemory(d, s, n)	  memcpy((d), (s), (n))
#define RtlFillMemory(d, n, c)	  memset((d), (c), (n))
#define InterlockedIncrement(p)	  __atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedDecrement(p)	  __atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedIncrement64(p) __atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedDecrement64(p) __atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedAdd64(p, v)	  __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedAdd(p, v)	  __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedExchange(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedOr(p, v)	  __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedCompareExchange(p, x, c)                                                        \
	({                                                                                         \
		__typeof__(*(p)) c_ = (c);                                                         \
		__atomic_compare_exchange_n((p), &c_, (x), false, __ATOMIC_SEQ_CST,                \
					    __ATOMIC_SEQ_CST);                                     \
		c_;                                                                                \
	})
#define ReadAcquire(p)	  __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
void YieldProcessor(void);

/* ---- IRQL -------------------------------------------------------------------------------- */

#define PASSIVE_LEVEL  0
#define APC_LEVEL      1
#define DISPATCH_LEVEL 2
KIRQL KeGetCurrentIrql(void);

/* ---- dispatcher objects ------------------------------------------------------------------ */

typedef struct _DISPATCHER_HEADER {
	UCHAR Type; /* WM_OBJ_* (wm.h) */
	volatile LONG SignalState;
} DISPATCHER_HEADER;

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef struct _KEVENT {
	DISPATCHER_HEADER Header;
	EVENT_TYPE Kind;
} KEVENT, *PKEVENT, *PRKEVENT;

typedef struct _FAST_MUTEX {
	void *Owner; /* struct wm_thread */
	KIRQL OldIrql;
	ULONG Magic;
} FAST_MUTEX, *PFAST_MUTEX;

typedef enum _KWAIT_REASON { Executive, UserRequest } KWAIT_REASON;
typedef enum _MODE { KernelMode, UserMode } MODE;
#define IO_NO_INCREMENT 0
#define KPRIORITY	LONG

void KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
void KeClearEvent(PRKEVENT Event);
LONG KeReadStateEvent(PRKEVENT Event);
NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON Reason, KPROCESSOR_MODE Mode,
			       BOOLEAN Alertable, PLARGE_INTEGER Timeout);
void ExInitializeFastMutex(PFAST_MUTEX m);

/* A spin lock: zeroed memory is an initialised one. Raises to DISPATCH_LEVEL while held. */
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;
void KeInitializeSpinLock(PKSPIN_LOCK l);
void KeAcquireSpinLock(PKSPIN_LOCK l, KIRQL *old);
void KeReleaseSpinLock(PKSPIN_LOCK l, KIRQL old);
void ExAcquireFastMutex(PFAST_MUTEX m);
void ExReleaseFastMutex(PFAST_MUTEX m);
ULONG64 KeQueryInterruptTime(void);
ULONG KeQueryActiveProcessorCountEx(USHORT Group);
KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity);
void KeRevertToUserAffinityThreadEx(KAFFINITY Affinity);

/* ---- objects, processes, threads --------------------------------------------------------- */

typedef struct _OBJECT_TYPE {
	const char *Name; /* first, as a real type's first field is not a type pointer */
	int Kind;
} OBJECT_TYPE, *POBJECT_TYPE;

typedef struct wm_process *PEPROCESS, *PKPROCESS;
typedef struct wm_thread *PETHREAD, *PKTHREAD;

/* As mingw-w64 declares them: dllimport data, so the name reads the exported variable. The
 * model binds each name to a pointer whose value is the type object itself, which is what a
 * mingw-built driver reads; `*PsThreadType` then reads the type's name pointer, as on Wine. */
extern POBJECT_TYPE *PsThreadType, *ExEventObjectType, *IoFileObjectType, *PsProcessType;

#define SYNCHRONIZE	   0x00100000u
#define WRITE_DAC	   0x00040000u
#define EVENT_MODIFY_STATE 0x0002u
#define THREAD_ALL_ACCESS  0x001fffffu
#define FILE_ALL_ACCESS	   0x001f01ffu
#define OBJ_KERNEL_HANDLE  0x00000200u

typedef struct _OBJECT_ATTRIBUTES {
	ULONG Length;
	HANDLE RootDirectory;
	PUNICODE_STRING ObjectName;
	ULONG Attributes;
	PVOID SecurityDescriptor;
	PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
#define InitializeObjectAttributes(p, n, a, r, s)                                                  \
	do {                                                                                       \
		(p)->Length = sizeof(OBJECT_ATTRIBUTES);                                           \
		(p)->RootDirectory = (r);                                                          \
		(p)->Attributes = (a);                                                             \
		(p)->ObjectName = (n);                                                             \
		(p)->SecurityDescriptor = (s);                                                     \
		(p)->SecurityQualityOfService = NULL;                                              \
	} while (0)

typedef struct _OBJECT_HANDLE_INFORMATION OBJECT_HANDLE_INFORMATION, *POBJECT_HANDLE_INFORMATION;
typedef struct _KAPC_STATE {
	PEPROCESS Previous;
	PEPROCESS Process;
	ULONG Magic;
} KAPC_STATE, *PKAPC_STATE, *PRKAPC_STATE;
typedef struct _CLIENT_ID CLIENT_ID, *PCLIENT_ID;
typedef void KSTART_ROUTINE(PVOID Context);
typedef KSTART_ROUTINE *PKSTART_ROUTINE;

void ObReferenceObject(PVOID Object);
void ObDereferenceObject(PVOID Object);
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK Access, POBJECT_TYPE Type,
				   KPROCESSOR_MODE Mode, PVOID *Object,
				   POBJECT_HANDLE_INFORMATION Info);
NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG Attributes, PVOID AccessState,
			       ACCESS_MASK Access, POBJECT_TYPE Type, KPROCESSOR_MODE Mode,
			       PHANDLE Handle);
NTSTATUS ZwClose(HANDLE Handle);
NTSTATUS ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
PEPROCESS PsGetCurrentProcess(void);
#define IoGetCurrentProcess PsGetCurrentProcess
PETHREAD PsGetCurrentThread(void);
HANDLE PsGetProcessId(PEPROCESS Process);
HANDLE PsGetCurrentProcessId(void);
BOOLEAN PsIsThreadTerminating(PETHREAD Thread);
BOOLEAN PsIsSystemThread(PETHREAD Thread);
NTSTATUS PsCreateSystemThread(PHANDLE Thread, ULONG Access, POBJECT_ATTRIBUTES Attributes,
			      HANDLE Process, PCLIENT_ID ClientId, PKSTART_ROUTINE Start,
			      PVOID Context);
NTSTATUS PsTerminateSystemThread(NTSTATUS Status);
typedef void (*PCREATE_PROCESS_NOTIFY_ROUTINE)(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create);
NTSTATUS PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE Routine, BOOLEAN Remove);
void KeStackAttachProcess(PKPROCESS Process, PRKAPC_STATE State);
void KeUnstackDetachProcess(PRKAPC_STATE State);
void KeEnterCriticalRegion(void);
void KeLeaveCriticalRegion(void);

/* ---- pool -------------------------------------------------------------------------------- */

typedef enum _POOL_TYPE { NonPagedPool = 0, PagedPool = 1, NonPagedPoolNx = 512 } POOL_TYPE;
PVOID ExAllocatePoolWithTag(POOL_TYPE Type, SIZE_T Bytes, ULONG Tag);
void ExFreePoolWithTag(PVOID P, ULONG Tag);
void ExFreePool(PVOID P);

/* ---- MDLs and the memory manager --------------------------------------------------------- */

typedef struct _MDL {
	struct _MDL *Next;
	CSHORT Size;
	CSHORT MdlFlags;
	PEPROCESS Process;
	PVOID MappedSystemVa;
	PVOID StartVa;
	ULONG ByteCount;
	ULONG ByteOffset;
} MDL, *PMDL;

#define MDL_MAPPED_TO_SYSTEM_VA	    0x0001
#define MDL_PAGES_LOCKED	    0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE    0x0008
#define MDL_PARTIAL		    0x0010
#define MDL_PARTIAL_HAS_BEEN_MAPPED 0x0020
#define MDL_IO_PAGE_READ	    0x0040
#define MDL_WRITE_OPERATION	    0x0080
#define MDL_ALLOCATED_MUST_SUCCEED  0x4000

#define MmGetMdlPfnArray(m)	  ((PPFN_NUMBER)((PMDL)(m) + 1))
#define MmGetMdlVirtualAddress(m) ((PVOID)((PUCHAR)(m)->StartVa + (m)->ByteOffset))
#define MmGetMdlByteCount(m)	  ((m)->ByteCount)
#define MmGetMdlByteOffset(m)	  ((m)->ByteOffset)

typedef enum _LOCK_OPERATION { IoReadAccess, IoWriteAccess, IoModifyAccess } LOCK_OPERATION;
typedef enum _MEMORY_CACHING_TYPE { MmNonCached, MmCached, MmWriteCombined } MEMORY_CACHING_TYPE;
typedef enum _MM_PAGE_PRIORITY {
	LowPagePriority = 0,
	NormalPagePriority = 16,
	HighPagePriority = 32
} MM_PAGE_PRIORITY;

#define MM_DONT_ZERO_ALLOCATION		      0x00000001
#define MM_ALLOCATE_FROM_LOCAL_NODE_ONLY      0x00000002
#define MM_ALLOCATE_FULLY_REQUIRED	      0x00000004
#define MM_ALLOCATE_NO_WAIT		      0x00000008
#define MM_ALLOCATE_PREFER_CONTIGUOUS	      0x00000010
#define MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS 0x00000020

PMDL IoAllocateMdl(PVOID Va, ULONG Length, BOOLEAN Secondary, BOOLEAN ChargeQuota, PVOID Irp);
void IoFreeMdl(PMDL Mdl);
void IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length);
SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length);
void MmProbeAndLockPages(PMDL Mdl, KPROCESSOR_MODE Mode, LOCK_OPERATION Op);
void MmUnlockPages(PMDL Mdl);
void MmBuildMdlForNonPagedPool(PMDL Mdl);
PVOID MmMapLockedPagesSpecifyCache(PMDL Mdl, KPROCESSOR_MODE Mode, MEMORY_CACHING_TYPE Cache,
				   PVOID Base, ULONG BugCheckOnFailure, ULONG Priority);
void MmUnmapLockedPages(PVOID Base, PMDL Mdl);
PMDL MmAllocatePagesForMdlEx(PHYSICAL_ADDRESS Low, PHYSICAL_ADDRESS High, PHYSICAL_ADDRESS Skip,
			     SIZE_T Bytes, MEMORY_CACHING_TYPE Cache, ULONG Flags);
void MmFreePagesFromMdl(PMDL Mdl);
#define MmGetSystemAddressForMdlSafe(m, prio)                                                      \
	(((m)->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))                 \
		 ? (m)->MappedSystemVa                                                             \
		 : MmMapLockedPagesSpecifyCache((m), KernelMode, MmCached, NULL, FALSE, (prio)))
extern PVOID MmHighestUserAddress;
void ProbeForWrite(PVOID Address, SIZE_T Length, ULONG Alignment);
void ProbeForRead(const void *Address, SIZE_T Length, ULONG Alignment);

/* ---- security ---------------------------------------------------------------------------- */

typedef struct _SID {
	UCHAR Revision;
	UCHAR SubAuthorityCount;
	UCHAR IdentifierAuthority[6];
	ULONG SubAuthority[1];
} SID, *PSID;
typedef struct _ACL {
	UCHAR AclRevision, Sbz1;
	USHORT AclSize, AceCount, Sbz2;
} ACL, *PACL;
typedef struct _ACCESS_ALLOWED_ACE {
	UCHAR AceType, AceFlags;
	USHORT AceSize;
	ACCESS_MASK Mask;
	ULONG SidStart;
} ACCESS_ALLOWED_ACE;
typedef struct _SECURITY_DESCRIPTOR {
	UCHAR Revision;
	PACL Dacl;
} SECURITY_DESCRIPTOR, *PSECURITY_DESCRIPTOR;
#define ACL_REVISION		     2
#define SECURITY_DESCRIPTOR_REVISION 1
#define DACL_SECURITY_INFORMATION    0x4
typedef struct _SE_EXPORTS {
	PSID SeLocalSystemSid;
	PSID SeAliasAdminsSid;
} SE_EXPORTS, *PSE_EXPORTS;
extern PSE_EXPORTS SeExports;
typedef void *PACCESS_TOKEN;
typedef struct _SECURITY_SUBJECT_CONTEXT {
	PACCESS_TOKEN ClientToken;
	PACCESS_TOKEN PrimaryToken;
} SECURITY_SUBJECT_CONTEXT, *PSECURITY_SUBJECT_CONTEXT;
typedef struct _ACCESS_STATE {
	SECURITY_SUBJECT_CONTEXT SubjectSecurityContext;
} ACCESS_STATE, *PACCESS_STATE;
typedef struct _IO_SECURITY_CONTEXT {
	PACCESS_STATE AccessState;
} IO_SECURITY_CONTEXT, *PIO_SECURITY_CONTEXT;
#define SeQuerySubjectContextToken(c) ((c)->ClientToken ? (c)->ClientToken : (c)->PrimaryToken)
#define SE_DEBUG_PRIVILEGE	      20
static inline LUID RtlConvertLongToLuid(LONG v)
{
	LUID l = { (ULONG)v, 0 };

	return l;
}
void SeLockSubjectContext(PSECURITY_SUBJECT_CONTEXT c);
void SeUnlockSubjectContext(PSECURITY_SUBJECT_CONTEXT c);
BOOLEAN SeTokenIsAdmin(PACCESS_TOKEN Token);
BOOLEAN SeSinglePrivilegeCheck(LUID Privilege, KPROCESSOR_MODE Mode);
ULONG RtlLengthSid(PSID Sid);
NTSTATUS RtlCreateAcl(PACL Acl, ULONG Length, ULONG Revision);
NTSTATUS RtlAddAccessAllowedAce(PACL Acl, ULONG Revision, ACCESS_MASK Mask, PSID Sid);
NTSTATUS RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR Sd, ULONG Revision);
NTSTATUS RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR Sd, BOOLEAN Present, PACL Dacl,
				      BOOLEAN Defaulted);
NTSTATUS ZwSetSecurityObject(HANDLE Handle, SECURITY_INFORMATION Info, PSECURITY_DESCRIPTOR Sd);

typedef struct _RTL_OSVERSIONINFOW {
	ULONG dwOSVersionInfoSize;
	ULONG dwMajorVersion;
	ULONG dwMinorVersion;
	ULONG dwBuildNumber;
	ULONG dwPlatformId;
	WCHAR szCSDVersion[128];
} RTL_OSVERSIONINFOW, *PRTL_OSVERSIONINFOW;
NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW Info);
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BB)

/* ---- the I/O manager --------------------------------------------------------------------- */

typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
typedef struct _IRP IRP, *PIRP;

typedef struct _FILE_OBJECT {
	PDEVICE_OBJECT DeviceObject;
	PVOID FsContext;
	UNICODE_STRING FileName;
	/* the model's object manager counts, as the I/O manager keeps them */
	LONG HandleCount;
	LONG PointerCount;
	BOOLEAN CleanupDone;
	struct wm_port *ModelPort; /* CreateIoCompletionPort's association, and its key */
	ULONG_PTR ModelKey;
} FILE_OBJECT, *PFILE_OBJECT;

#define SL_PENDING_RETURNED 0x01
typedef struct _IO_STACK_LOCATION {
	UCHAR MajorFunction;
	UCHAR Control; /* SL_PENDING_RETURNED: IoMarkIrpPending */
	PFILE_OBJECT FileObject;
	union {
		struct {
			PIO_SECURITY_CONTEXT SecurityContext;
		} Create;
		struct {
			ULONG OutputBufferLength;
			ULONG InputBufferLength;
			ULONG IoControlCode;
			PVOID Type3InputBuffer;
		} DeviceIoControl;
		struct {
			ULONG Length;
			ULONG Key;
			LARGE_INTEGER ByteOffset;
		} Read, Write;
	} Parameters;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;

typedef struct _IO_STATUS_BLOCK {
	NTSTATUS Status;
	ULONG_PTR Information;
} IO_STATUS_BLOCK;

typedef void DRIVER_CANCEL(PDEVICE_OBJECT Device, PIRP Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;

struct wm_irp; /* the model's I/O manager's record of an asynchronous request (wm_irp.c) */

struct _IRP {
	IO_STATUS_BLOCK IoStatus;
	union {
		PVOID SystemBuffer;
	} AssociatedIrp;
	PMDL MdlAddress;
	PVOID UserBuffer; /* METHOD_BUFFERED: the caller's output buffer */
	KPROCESSOR_MODE RequestorMode;
	volatile BOOLEAN Cancel; /* IoCancelIrp has been called */
	KIRQL CancelIrql;	 /* for the cancel routine's IoReleaseCancelSpinLock */
	PDRIVER_CANCEL volatile CancelRoutine;
	struct {
		struct {
			PVOID DriverContext[4]; /* [3] belongs to the IoCsq* routines */
			PETHREAD Thread;
			LIST_ENTRY ListEntry; /* the current owner's, while it holds the IRP */
		} Overlay;
	} Tail;
	IO_STACK_LOCATION Stack; /* one location: the driver is alone on its stack */
	int Completions;	 /* the model checks exactly one IoCompleteRequest */
	PEPROCESS Process;	 /* the requestor, for IoIs32bitProcess */
	struct wm_irp *Async;	 /* an overlapped request: completion may come later */
};

typedef NTSTATUS DRIVER_DISPATCH(PDEVICE_OBJECT Device, PIRP Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
typedef void DRIVER_UNLOAD(PDRIVER_OBJECT Driver);
typedef NTSTATUS DRIVER_INITIALIZE(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath);
#define _Dispatch_type_(x)
#define _IRQL_requires_(x)
#define _IRQL_requires_max_(x)
#define _IRQL_requires_same_
#define _Function_class_(x)
#define _Use_decl_annotations_

#define IRP_MJ_CREATE		0x00
#define IRP_MJ_CLOSE		0x02
#define IRP_MJ_READ		0x03
#define IRP_MJ_WRITE		0x04
#define IRP_MJ_DEVICE_CONTROL	0x0e
#define IRP_MJ_CLEANUP		0x12
#define IRP_MJ_MAXIMUM_FUNCTION 0x1b

struct _DRIVER_OBJECT {
	PDEVICE_OBJECT DeviceObject;
	PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
	DRIVER_UNLOAD *DriverUnload;
};

struct _DEVICE_OBJECT {
	PDRIVER_OBJECT DriverObject;
	PDEVICE_OBJECT NextDevice; /* the driver's devices, newest first, as Windows keeps them */
	ULONG Flags;
	ULONG Type;
	ULONG Characteristics;
	WCHAR ModelName[64]; /* the model's: the name it was created with, for opens */
};

#define DO_BUFFERED_IO		0x00000004
#define DO_DIRECT_IO		0x00000010
#define DO_DEVICE_INITIALIZING	0x00000080
#define FILE_DEVICE_SECURE_OPEN 0x00000100

static inline PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP Irp)
{
	return &Irp->Stack;
}

void IoCompleteRequest(PIRP Irp, KPRIORITY Boost);
BOOLEAN IoIs32bitProcess(PIRP Irp);
PEPROCESS IoGetRequestorProcess(PIRP Irp);
NTSTATUS IoCreateDevice(PDRIVER_OBJECT Driver, ULONG ExtSize, PUNICODE_STRING Name, ULONG Type,
			ULONG Characteristics, BOOLEAN Exclusive, PDEVICE_OBJECT *Device);
void IoDeleteDevice(PDEVICE_OBJECT Device);
NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING Link, PUNICODE_STRING Target);
NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING Link);
void RtlInitUnicodeString(PUNICODE_STRING s, PCWSTR w);

/* ---- pending, cancellation and the cancel-safe queue (wm_irp.c) -------------------------- */

void IoMarkIrpPending(PIRP Irp);
PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL Routine);
void IoAcquireCancelSpinLock(KIRQL *Irql);
void IoReleaseCancelSpinLock(KIRQL Irql);
BOOLEAN IoCancelIrp(PIRP Irp);

#define IO_TYPE_CSQ_IRP_CONTEXT 1
#define IO_TYPE_CSQ		2
typedef struct _IO_CSQ IO_CSQ, *PIO_CSQ;
typedef struct _IO_CSQ_IRP_CONTEXT {
	ULONG Type;
	PIRP Irp;
	PIO_CSQ Csq;
} IO_CSQ_IRP_CONTEXT, *PIO_CSQ_IRP_CONTEXT;
typedef void (*PIO_CSQ_INSERT_IRP)(PIO_CSQ Csq, PIRP Irp);
typedef void (*PIO_CSQ_REMOVE_IRP)(PIO_CSQ Csq, PIRP Irp);
typedef PIRP (*PIO_CSQ_PEEK_NEXT_IRP)(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext);
typedef void (*PIO_CSQ_ACQUIRE_LOCK)(PIO_CSQ Csq, KIRQL *Irql);
typedef void (*PIO_CSQ_RELEASE_LOCK)(PIO_CSQ Csq, KIRQL Irql);
typedef void (*PIO_CSQ_COMPLETE_CANCELED_IRP)(PIO_CSQ Csq, PIRP Irp);
typedef KIRQL *PKIRQL;
struct _IO_CSQ {
	ULONG Type;
	PIO_CSQ_INSERT_IRP CsqInsertIrp;
	PIO_CSQ_REMOVE_IRP CsqRemoveIrp;
	PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp;
	PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock;
	PIO_CSQ_RELEASE_LOCK CsqReleaseLock;
	PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp;
	PVOID ReservePointer;
};
NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP InsertIrp, PIO_CSQ_REMOVE_IRP RemoveIrp,
			 PIO_CSQ_PEEK_NEXT_IRP PeekNextIrp, PIO_CSQ_ACQUIRE_LOCK AcquireLock,
			 PIO_CSQ_RELEASE_LOCK ReleaseLock,
			 PIO_CSQ_COMPLETE_CANCELED_IRP CompleteCanceledIrp);
void IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context);
PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context);
PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext);

/* ---- timers and DPCs (wm_timer.c) ------------------------------------------------------- */

typedef struct _KDPC KDPC, *PKDPC, *PRKDPC;
typedef void KDEFERRED_ROUTINE(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;
struct _KDPC {
	ULONG Magic; /* initialised */
	PKDEFERRED_ROUTINE DeferredRoutine;
	PVOID DeferredContext;
};
typedef struct _KTIMER {
	DISPATCHER_HEADER Header; /* signalled when it expires */
	ULONG Magic;
	bool Inserted; /* in the model's timer queue */
	ULONG64 Due;   /* interrupt time, 100 ns */
	PKDPC Dpc;
	struct _KTIMER *Next;
} KTIMER, *PKTIMER, *PRKTIMER;
void KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE Routine, PVOID Context);
void KeInitializeTimer(PKTIMER Timer);
BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc);
BOOLEAN KeCancelTimer(PKTIMER Timer);
void KeFlushQueuedDpcs(void);
void KeQuerySystemTime(PLARGE_INTEGER Time);

#endif
