/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* What the driver's files share. */
#ifndef KUMEM_WIN_H
#define KUMEM_WIN_H

#include <ntifs.h>

#include "../core/mdl.h"
#include "../core/validate.h"
#include "../core/checksum.h"

#define KUMEM_POOL_TAG 'mmuK'

/* SAL annotations mingw-w64's driverspecs.h lacks (the WDK's analysers read them). */
#ifndef _Dispatch_type_
#define _Dispatch_type_(type)
#endif
#ifndef _IRQL_requires_
#define _IRQL_requires_(irql)
#endif

/*
 * Object types exported by ntoskrnl as data (PsThreadType, ExEventObjectType, ...). The WDK
 * declares them `extern POBJECT_TYPE *PsThreadType` without dllimport: the import library
 * binds the name to the import slot, so WDK code writes `*PsThreadType`. mingw-w64 declares
 * them dllimport, so the plain name already reads the exported variable: one dereference
 * fewer. Writing `*PsThreadType` here passed the type object's first bytes as the type
 * (Wine crashed on it; Windows would fail ObReferenceObjectByHandle). One place says which.
 */
#define KUMEM_OBJECT_TYPE(exported) ((POBJECT_TYPE)(exported))

/* Missing from the mingw-w64 DDK headers (values from the Windows 8 WDK). */
#ifndef MdlMappingNoExecute
#define MdlMappingNoExecute 0x40000000
#endif
#ifndef MdlMappingNoWrite
#define MdlMappingNoWrite 0x80000000
#endif

/* Per-handle quotas, the Windows counterpart of the Linux module parameters. */
#define KUMEM_MAX_REGION_BYTES (1024ull << 20)
#define KUMEM_MAX_FILE_BYTES   (4096ull << 20)
#define KUMEM_MAX_FILE_REGIONS 1024u
#define KUMEM_MAX_CONTIG_BYTES (4ull << 20)
/* Per process over all its handles, and for the whole system (quota.c): handles are free to
 * open, so without these one process could lock all memory. */
#define KUMEM_MAX_PROCESS_BYTES	  (8192ull << 20)
#define KUMEM_MAX_PROCESS_REGIONS 4096u
#define KUMEM_MAX_GLOBAL_BYTES	  (16384ull << 20)
#define KUMEM_MAX_GLOBAL_REGIONS  16384u

typedef enum _KUMEM_REGION_KIND {
	KumemRegionUserLocked, /* method 1: IoAllocateMdl + MmProbeAndLockPages */
	KumemRegionPages,      /* method 2: MmAllocatePagesForMdlEx (contiguous or not) */
} KUMEM_REGION_KIND;

/* struct kumem_region is also the opaque type of kumem_kernel_win.h */
typedef struct kumem_region KUMEM_REGION, *PKUMEM_REGION;

/*
 * A region's bytes are those of its MDLs in order: one MDL, or a chain linked through Next
 * (a vectored lock, chain.c), or partial MDLs of another region's (a view, chain.c). Each
 * MDL has its own system mapping; Linear says the region's bytes also lie back to back at
 * SystemVa (one MDL, or a chain's one mapping where its joints fall on page boundaries).
 */
struct kumem_region {
	LIST_ENTRY Link;
	volatile LONG RefCount; /* the file's list holds one, each IOCTL at work one */
	ULONG Id;
	KUMEM_REGION_KIND Kind;
	ULONG Flags;
	struct kumem_geom Geom; /* of the whole region (a chain: the first MDL's start) */
	PMDL Mdl;		/* the first MDL; the others follow through Mdl->Next */
	ULONG MdlCount;		/* MDLs in the chain, >= 1 */
	bool Linear;		/* the bytes lie at SystemVa + Geom.byte_offset: one MDL, or a chain
				   (or view of one) whose joints fall on page boundaries, in MapVa */
	PVOID SystemVa;		/* kernel mapping of the first MDL's first page */
	PVOID UserVa;		/* method 2: the mapping in the owning process */
	bool Contiguous;	/* the MDL's frames are consecutive (checked, not assumed) */
	PEPROCESS Owner;	/* referenced; the only process that may use or release it;
				   NULL: a driver's method 2 region (kapi.c), the kernel's */
	PEPROCESS MapProcess;	/* kapi.c: the process a driver mapped the region into */
	ULONG64 ChargedBytes;	/* to the owner's and the handle's quotas (a view: 0) */
	PKUMEM_REGION Parent;	/* a view: the region owning the pages (referenced, never a view) */
	ULONG64 ViewOffset;	/* a view: of its first byte in Parent */
	/*
	 * Ring submissions' view of a chain (chain.c): the chain's pages mapped once in order,
	 * through MapMdl, an MDL listing every segment's frames (NULL for one MDL, or above
	 * KUMEM_CHAIN_MAP_MAX_PAGES); a view of a chain reads it through its Parent.
	 */
	PMDL MapMdl;		      /* a chain: its frames in order, MDL_PAGES_LOCKED set by us */
	PUCHAR MapVa;		      /* a chain: MapMdl's system mapping (its first page) */
	struct kumem_chain_seg *Segs; /* a mapped chain or a view of one: MdlCount elements */
	ULONG64 MapBasePage; /* a view of a mapped chain: its first page in Parent's MapVa */
};

typedef struct _KUMEM_FILE {
	LIST_ENTRY AllFiles; /* KumemFiles, for the process-exit backstop (driver.c) */
	volatile LONG Refs;  /* the file object's, and one per ring (its thread looks up here) */
	FAST_MUTEX Lock;     /* guards Regions, Rings, NextId, RegionCount, Bytes, Closed */
	LIST_ENTRY Regions;
	LIST_ENTRY Rings;
	LIST_ENTRY Events; /* event streams (events.c) */
	ULONG NextId;
	ULONG RegionCount;
	ULONG64 Bytes;
	KSPIN_LOCK RwLock;	     /* RwLast (zeroed memory is an initialized spin lock) */
	struct kumem_rw_last RwLast; /* the handle's last read/write (rw.c) */
	/* IRP_MJ_CLEANUP has run: the last handle is gone, but an IOCTL that started before
	 * may still be running (libkumem's handle is overlapped). It may not publish anything
	 * now: nothing would ever undo it (IRP_MJ_CLOSE may run in any process). */
	bool Closed;
} KUMEM_FILE, *PKUMEM_FILE;

typedef struct _KUMEM_COUNTERS {
	volatile LONG64 OpenHandles;
	volatile LONG64 Regions;
	volatile LONG64 PinnedPages;
	volatile LONG64 AllocatedPages;
	volatile LONG64 UserMappings;
} KUMEM_COUNTERS;

extern KUMEM_COUNTERS KumemCounters;

/* driver.c */
NTSTATUS KumemStatusFromErrno(int err);
void KumemFileGet(PKUMEM_FILE File);
void KumemFilePut(PKUMEM_FILE File);
void KumemLimits(PIRP Irp, struct kumem_limits *lim);
NTSTATUS KumemCreateDevice(PDRIVER_OBJECT Driver, PCWSTR Name, PCWSTR Link, PDEVICE_OBJECT *Device);
void KumemDeleteDevice(PDEVICE_OBJECT Device, PCWSTR Link);
/* The kumem state of a file object of \Device\kumem, or NULL for any other file object. */
PKUMEM_FILE KumemFileOfObject(PFILE_OBJECT FileObject);

/* region.c */
int KumemRegionNew(KUMEM_REGION_KIND Kind, ULONG Flags, const struct kumem_geom *g,
		   ULONG64 ChargeBytes, PKUMEM_REGION *Out);
/* The same for @Owner (referenced; NULL: the kernel's, kapi.c). */
int KumemRegionNewOwned(KUMEM_REGION_KIND Kind, ULONG Flags, const struct kumem_geom *g,
			ULONG64 ChargeBytes, PEPROCESS Owner, PKUMEM_REGION *Out);
void KumemRegionDiscard(PKUMEM_REGION r);
int KumemFileInsert(PKUMEM_FILE File, PKUMEM_REGION r);
int KumemLockUserRange(PMDL Mdl, ULONG64 Addr, ULONG64 Len, bool KernelWrites);
int KumemRegionLockUser(PKUMEM_FILE File, PIRP Irp, struct kumem_lock_args *a);
int KumemRegionAllocShared(PKUMEM_FILE File, PIRP Irp, struct kumem_alloc_args *a);
int KumemRegionCreateShared(PIRP Irp, struct kumem_alloc_args *a, PKUMEM_REGION *out);
/* The two methods for the current process without a file (kapi.c and the IOCTLs); Irp may be
 * NULL. Each returns the region with one reference. */
int KumemRegionLockNew(PIRP Irp, const struct kumem_lock_args *a, PKUMEM_REGION *Out);
int KumemRegionAllocNew(PIRP Irp, const struct kumem_alloc_args *a, PEPROCESS Owner,
			PKUMEM_REGION *Out);
int KumemRegionMapUser(PKUMEM_REGION r);
void KumemRegionUnmapUser(PKUMEM_REGION r);
int KumemRegionRelease(PKUMEM_FILE File, const struct kumem_region_ref *ref);
bool KumemRegionOwnedBy(PKUMEM_REGION Region, HANDLE ProcessId);
PKUMEM_REGION KumemRegionLookup(PKUMEM_FILE File, ULONG Id, PEPROCESS Requestor, int *err);
PKUMEM_REGION KumemRegionLookupLocked(PKUMEM_FILE File, ULONG Id);
void KumemRegionPut(PKUMEM_REGION Region);
/* Undo the regions of @File that @ProcessId owns, or all of them for NULL. */
void KumemFileCleanup(PKUMEM_FILE File, HANDLE ProcessId);
/* Move @ProcessId's regions of @File to @Out (the file's lock is taken), then put them. */
void KumemRegionTakeOwned(PKUMEM_FILE File, HANDLE ProcessId, PLIST_ENTRY Out);
void KumemRegionPutList(PLIST_ENTRY List);

/* Whether a new region or ring may still be published in @File (its lock held). */
int KumemFileCanInsertLocked(PKUMEM_FILE File, ULONG64 Bytes);
void FileLock(PKUMEM_FILE File);
void FileUnlock(PKUMEM_FILE File);
ULONG KumemFileNewIdLocked(PKUMEM_FILE File);

/* chain.c: vectored locks, partial views, chain descriptions (issue 14) */
int KumemRegionLockSegments(PKUMEM_FILE File, PIRP Irp, struct kumem_lockv_args *a);
int KumemRegionLockChainNew(PIRP Irp, const struct kumem_segment *segs, ULONG n, ULONG flags,
			    uint32_t *Bad, PKUMEM_REGION *Out);
int KumemRegionView(PKUMEM_FILE File, struct kumem_view_args *a);
/* A view in no file, one reference, owned by @p's pages' owner (the IOCTL above and kapi.c). */
int KumemRegionViewNew(PKUMEM_REGION p, ULONG64 Offset, ULONG64 Len, bool MapToUser,
		       PKUMEM_REGION *Out);
int KumemDescribeChain(PKUMEM_FILE File, struct kumem_describe_chain_args *d);
/* Describe a chain or view (ops.c's KumemDescribe hands these over). */
int KumemChainDescribe(PKUMEM_REGION r, struct kumem_describe_args *d);
/* Fill or checksum [Offset, Offset + Len) of any region, MDL by MDL. */
int KumemChainKernelOp(PKUMEM_REGION r, ULONG64 Offset, ULONG64 Len, bool IsFill, UCHAR Value,
		       uint64_t *Sum);
/* Unmap and free a view's partial MDLs (region.c's RegionFree, in the owner's context). */
void KumemViewFree(PKUMEM_REGION r);
/*
 * The most pages a chain's one system mapping lists: an MDL's Size is a CSHORT, so an MDL of
 * more frames has a Size that wraps (IoBuildPartialMdl and Driver Verifier read it). A chain
 * above it keeps its per-MDL mappings only, and ring submissions refuse it.
 */
#define KUMEM_CHAIN_MAP_MAX_PAGES                                                                  \
	((ULONG)((0x7fff /* the largest CSHORT */ - sizeof(MDL)) / sizeof(PFN_NUMBER)))
/* Undo a chain's one mapping; before its segments' MDLs are unlocked (region.c). */
void KumemChainUnmap(PKUMEM_REGION r);
/* A region as ring submissions see it (rings.c): 0, or -KUMEM_EOPNOTSUPP. */
struct kumem_ring_mem;
int KumemChainRingMem(PKUMEM_REGION r, struct kumem_ring_mem *m);

/* rings.c */
typedef struct _KUMEM_RING KUMEM_RING, *PKUMEM_RING;
PKUMEM_RING KumemRingLookupLocked(PKUMEM_FILE File, ULONG Id);
int KumemRingCreate(PKUMEM_FILE File, PIRP Irp, struct kumem_ring_create *a);
/* 0, a negative errno, or KUMEM_RING_PENDING (rings.h): @Irp queued, STATUS_PENDING */
int KumemRingEnter(PKUMEM_FILE File, PIRP Irp, struct kumem_ring_enter *a);
int KumemRingInfo(PKUMEM_FILE File, struct kumem_ring_create *a);
int KumemRingRelease(PKUMEM_FILE File, ULONG Id);
void KumemRingCleanup(PKUMEM_FILE File, HANDLE ProcessId);
void KumemRingTakeOwned(PKUMEM_FILE File, HANDLE ProcessId, PLIST_ENTRY Out);
void KumemRingCloseList(PLIST_ENTRY List);

/* events.c: the IOCTLs and the handle's life (the kernel API is at the end of this file) */
typedef struct _KUMEM_EVENTS KUMEM_EVENTS, *PKUMEM_EVENTS;
PKUMEM_EVENTS KumemEventsLookupLocked(PKUMEM_FILE File, ULONG Id);
int KumemEventsGenerate(PKUMEM_FILE File, const struct kumem_events_gen *g);
/* 0, a negative errno, or KUMEM_WAIT_PENDING (irp_wait.h): @Irp queued, STATUS_PENDING */
int KumemEventsWait(PKUMEM_FILE File, PIRP Irp, struct kumem_events_wait *w);
int KumemEventsRelease(PKUMEM_FILE File, ULONG Id);
void KumemEventsCleanup(PKUMEM_FILE File, HANDLE ProcessId);
void KumemEventsTakeOwned(PKUMEM_FILE File, HANDLE ProcessId, PLIST_ENTRY Out);
void KumemEventsCloseList(PLIST_ENTRY List);

/* kapi.c: kumem.sys's exports for other drivers (kumem_kernel_win.h) */
void KumemGlobalInit(void);

/* quota.c */
void KumemQuotaInit(void);
int KumemQuotaCharge(PEPROCESS Process, ULONG64 Bytes);
void KumemQuotaUncharge(PEPROCESS Process, ULONG64 Bytes);
void KumemQuotaWaitProcess(HANDLE ProcessId);

/* ops.c */
int KumemDescribe(PKUMEM_FILE File, struct kumem_describe_args *d);
int KumemKernelOp(PKUMEM_FILE File, struct kumem_kernel_op *op, bool IsFill);
void KumemRegionDescribe(PKUMEM_REGION r, struct kumem_mdl *m);
int KumemRegionKernelOp(PKUMEM_REGION r, ULONG64 Offset, ULONG64 Len, bool IsFill, UCHAR Value,
			ULONG64 *Sum);
int KumemBufferedChecksum(PIRP Irp, PIO_STACK_LOCATION Stack);
int KumemDirectChecksum(PIRP Irp, PIO_STACK_LOCATION Stack);
void KumemStats(struct kumem_stats *st);
bool KumemMayReadPfns(void);

/* rw.c: IRP_MJ_READ/IRP_MJ_WRITE on the DO_BUFFERED_IO and DO_DIRECT_IO device objects */
NTSTATUS KumemRwCreateDevices(PDRIVER_OBJECT Driver);
void KumemRwDeleteDevices(void);
DRIVER_DISPATCH KumemRwDispatch;
int KumemRwLast(PKUMEM_FILE File, struct kumem_rw_last *out);

/* ---- for other drivers: a region's MDL chain (issue 14; exported by the kernel API) -------- */
/*
 * The MDLs describing @Region's bytes in order, linked through Next: @Region's own (a plain
 * or vectored lock, method 2) or partial MDLs built with IoBuildPartialMdl (a view). Every
 * one describes resident pages (locked by MmProbeAndLockPages, allocated by
 * MmAllocatePagesForMdlEx, or MDL_PARTIAL of either) and is mapped in system space
 * (MmGetSystemAddressForMdlSafe returns that mapping), so the chain
 * can go to GetScatterGatherListEx / BuildScatterGatherListEx (which follow Next) or be
 * walked for MmGetMdlPfnArray. The caller holds a reference on @Region (KumemRegionLookup)
 * for as long as it uses the chain, and must not modify, unlock, map or free the MDLs.
 * *@Count (if not NULL): the chain's length; *@Bytes (if not NULL): the region's byte count.
 */
PMDL KumemRegionMdlChain(PKUMEM_REGION Region, ULONG *Count, ULONG64 *Bytes);
/* The region's bytes as one kernel buffer, or NULL for a chain not meeting on page boundaries. */
PVOID KumemRegionSystemBuffer(PKUMEM_REGION Region);

/*
 * ---- Event streams: the kernel API (events.c), exported by kapi.c as kumem_events_* -------
 *
 * The Windows counterparts of kumem_kernel.h's kumem_events_*. A stream belongs to the
 * process that created it and lives in one of its kumem handles (@File: the FsContext of a
 * \\.\kumem file object), named by an id.
 *
 * PASSIVE_LEVEL, in the owning process's context:
 *   KumemEventsLookup         a reference to stream @Id of @File (-ENOENT, -EACCES when the
 *                             caller is not the owner)
 *   KumemEventsCreateStream   a new stream mapped into the current process and published in
 *                             @File, as KUMEM_IOC_EVENTS_CREATE does; with @Ref, also a
 *                             reference for the caller
 *   KumemEventsDestroyStream  release a stream created with a reference, and drop it
 * PASSIVE_LEVEL, any process:
 *   KumemEventsPut            drop a reference; the last one frees the pages
 * IRQL <= DISPATCH_LEVEL (any thread, DPCs included), with a reference held:
 *   KumemEventsReserve        0 and a payload pointer, -ENOSPC when full (a drop is counted),
 *                             -E2BIG over a quarter of the area, -EINVAL for an impossible
 *                             consumer position, -EBADFD once the stream is released
 *   KumemEventsCommit         publish (or @discard) a reserved record, wake the consumer
 *   KumemEventsEmit           reserve, copy, commit
 * Not from an ISR (DIRQL): the reserve lock is a KSPIN_LOCK; queue a DPC and produce there.
 * A released stream keeps its pages until the last reference: producers may finish their
 * record, the process no longer sees them.
 */
int KumemEventsLookup(PKUMEM_FILE File, ULONG Id, PKUMEM_EVENTS *Out);
int KumemEventsCreateStream(PKUMEM_FILE File, struct kumem_events_create *a, PKUMEM_EVENTS *Ref);
void KumemEventsDestroyStream(PKUMEM_FILE File, PKUMEM_EVENTS e);
void KumemEventsPut(PKUMEM_EVENTS e);
int KumemEventsReserve(PKUMEM_EVENTS e, uint32_t len, void **payload, uint64_t *pos);
void KumemEventsCommit(PKUMEM_EVENTS e, uint64_t pos, bool discard);
int KumemEventsEmit(PKUMEM_EVENTS e, const void *data, uint32_t len);

/*
 * ---- For other drivers: rings whose operations a driver defines ---------------------------
 *
 * The Windows counterpart of linux/kumem_kernel.h's kumem_ring_create_driver(), with the same
 * semantics where the systems allow. kumem.sys itself never calls these; kapi.c's
 * kumem_ring_create_driver() exports them to other drivers, taking the process's handle.
 *
 * Submissions with op >= KUMEM_OP_DRIVER_FIRST go to Execute, on a private copy of the entry,
 * at APC_LEVEL (the ring's fast mutex is held: it may wait on dispatcher objects in
 * KernelMode, not call routines that need PASSIVE_LEVEL) in the thread calling ENTER, or in
 * the ring's SQPOLL system thread; its
 * return value (0 or a negative errno) becomes the completion's result and it may set
 * c->value. Ops below that are kumem's own (NOP, FILL, CHECKSUM, COPY) on the regions of the
 * handle the ring lives in.
 *
 * KumemRingCreateDriver() makes the ring in @KumemFile, a file object of \Device\kumem that
 * the calling process handed the driver (ObReferenceObjectByHandle on the process's handle,
 * IoFileObjectType, UserMode; the caller keeps and drops that reference). Call it at
 * PASSIVE_LEVEL in that process's context (the driver's own IOCTL dispatch): the ring is
 * mapped into the current process, which owns it. @a is the block KUMEM_IOC_RING_CREATE
 * takes (entries, flags, idle_us, sq_cpu; event_handle is ignored) and gets the layout:
 * a->ring_fd is the ring's id in that handle, which the process passes to
 * kumem_ring_attach_dev() (KUMEM_IOC_RING_INFO, then the mapping at a->user_addr). Returns 0
 * or a negative errno (-KUMEM_EINVAL for a file object that is not kumem's, NULL Execute, or
 * IRQL above PASSIVE_LEVEL). The ring owns @Drv->Priv from the call on: Release(Priv), if
 * set, runs when the ring is freed (KUMEM_IOC_RELEASE, the handle's cleanup, the owner's
 * exit), and also when creation fails. The providing driver must stay loaded while its rings
 * exist (it cannot know when the process releases them otherwise than through Release).
 */
typedef struct _KUMEM_RING_DRIVER {
	int (*Execute)(PVOID Priv, const struct kumem_sqe *e, struct kumem_cqe *c);
	VOID (*Release)(PVOID Priv);
	PVOID Priv;
} KUMEM_RING_DRIVER, *PKUMEM_RING_DRIVER;

int KumemRingCreateDriver(PFILE_OBJECT KumemFile, struct kumem_ring_create *a,
			  const KUMEM_RING_DRIVER *Drv);
/* ---- end of the kernel API block ---------------------------------------------------------- */

#endif
