// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Command rings on Windows: the same layout and the same service loop (core/ring_ops.c) as on
 * Linux. The ring's memory is a method 2 region mapped into the creating process; the ring is
 * named by an id in the handle's id space and released with KUMEM_IOC_RELEASE or at cleanup.
 *
 *   enter    KUMEM_IOC_RING_ENTER consumes the pending submissions in the caller's thread
 *   SQPOLL   a system thread (PsCreateSystemThread) consumes them, busy-polls for idle_us,
 *            then sets KUMEM_SQ_NEED_WAKEUP and sleeps on an event until ENTER(WAKEUP)
 *
 * Completions are announced on the event the caller passed (ObReferenceObjectByHandle with
 * UserMode access checks, then KeSetEvent) and to the pended ENTER(GETEVENTS) IRPs they
 * satisfy (irp_wait.c). A driver may make a ring with operations of its own
 * (KumemRingCreateDriver, kumem_win.h); the process finds its layout with KUMEM_IOC_RING_INFO.
 */
#include "rings.h"
#include "../core/validate.h"

static int RingGet(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	PKUMEM_RING ring = ctx;
	PKUMEM_REGION r;
	int err = 0;

	/* The SQPOLL thread runs in the system process: it works for the ring's owner. */
	r = KumemRegionLookup(ring->File, id, ring->Owner, &err);
	if (!r)
		return err;
	/* one buffer, or a chain's elements over its one mapping (chain.c) */
	err = KumemChainRingMem(r, m);
	if (err) {
		KumemRegionPut(r);
		return err;
	}
	m->size = r->Geom.byte_count;
	m->writable = r->Kind != KumemRegionUserLocked || (r->Flags & KUMEM_KERNEL_WRITE);
	m->handle = r;
	return 0;
}

static void RingPut(void *ctx, struct kumem_ring_mem *m)
{
	UNREFERENCED_PARAMETER(ctx);
	KumemRegionPut(m->handle);
}

/* Between two steps of a long operation (core/ring_ops.h): stop when the ring is being
 * released (its SQPOLL thread told to stop) or the thread doing the work is terminating. */
static bool RingYield(void *ctx)
{
	PKUMEM_RING ring = ctx;

	return ring->Stop || PsIsThreadTerminating(PsGetCurrentThread());
}

/* Ops >= KUMEM_OP_DRIVER_FIRST: the driver that made the ring runs them (APC_LEVEL, under
 * r->Lock). */
static int RingDriverOp(void *ctx, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	PKUMEM_RING ring = ctx;

	if (!ring->Drv.Execute)
		return -KUMEM_EINVAL;
	return ring->Drv.Execute(ring->Drv.Priv, e, c);
}

static const struct kumem_region_ops RingRegionOps = {
	.get = RingGet,
	.put = RingPut,
	.driver_op = RingDriverOp,
	.yield = RingYield,
};

/* ---- ENTER(GETEVENTS) as a pended IRP (irp_wait.c): when a wait is over, what it returns */

/* Completions are counted for each look (irp_wait.c's CsqPeek says why). */
static int RingWaitCheck(PKUMEM_WAIT_QUEUE q, ULONG MinComplete)
{
	PKUMEM_RING r = CONTAINING_RECORD(q, KUMEM_RING, Waits);

	if (KumemRingDead(r))
		return -KUMEM_EBADFD;
	return KumemRingCqReady(r) >= MinComplete;
}

static int RingWaitResult(PIRP Irp, int Err, ULONG_PTR *Info)
{
	UNREFERENCED_PARAMETER(Irp);
	/* METHOD_BUFFERED: the block (submitted) was written to the system buffer when queued */
	*Info = Err ? 0 : sizeof(struct kumem_ring_enter);
	return Err;
}

static void RingNotify(PKUMEM_RING r)
{
	if (r->UserEvent)
		KeSetEvent(r->UserEvent, IO_NO_INCREMENT, FALSE);
	/* completions posted: pairs with the barrier after queueing in KumemWaitPend() */
	kumem_os_smp_mb();
	KumemWaitNotify(&r->Waits);
}

/*
 * Consume up to @max submissions, handing slots back and completions over every @run (0: once
 * for the batch). The SQPOLL thread publishes in runs of KUMEM_RING_PUBLISH_RUN, so that the
 * process and the thread overlap (docs/performance.md, "Publishing in runs"); ENTER, where one
 * CPU does all the work, once.
 */
static int RingProcess(PKUMEM_RING r, uint32_t max, uint32_t run)
{
	int n;

	ExAcquireFastMutex(&r->Lock);
	if (r->BaseFlags & KUMEM_RING_DEAD) {
		n = -KUMEM_EBADFD;
	} else {
		n = kumem_ring_service_runs(&r->Sq, &r->Cq, max, run, &RingRegionOps, r);
		if (n < 0) {
			r->BaseFlags |= KUMEM_RING_DEAD;
			kumem_os_write_once_u32(&r->Ctrl->sq_flags, r->BaseFlags);
			n = -KUMEM_EBADFD;
		}
	}
	ExReleaseFastMutex(&r->Lock);
	if (n)
		RingNotify(r);
	return n;
}

static VOID KumemSqpoll(PVOID Context)
{
	PKUMEM_RING r = Context;
	ULONG64 idleSince = KeQueryInterruptTime();
	int n;

	/* a system thread of our own: its affinity stays as set until it terminates */
	if (r->Flags & KUMEM_RING_SQ_AFF)
		KeSetSystemAffinityThreadEx((KAFFINITY)1 << r->SqCpu);
	while (!r->Stop) {
		n = RingProcess(r, r->Sq.entries, KUMEM_RING_PUBLISH_RUN);
		if (n > 0) {
			idleSince = KeQueryInterruptTime();
			continue;
		}
		if (n == 0 && KeQueryInterruptTime() - idleSince < r->Idle100ns) {
			YieldProcessor();
			continue;
		}
		/* Idle or dead: sleep. core/ring.c says why no wakeup is lost. */
		if (n < 0 || kumem_queue_prepare_sleep(&r->Sq, &r->Ctrl->sq_flags, r->BaseFlags))
			KeWaitForSingleObject(&r->WakeEvent, Executive, KernelMode, FALSE, NULL);
		kumem_queue_woke(&r->Ctrl->sq_flags, r->BaseFlags);
		idleSince = KeQueryInterruptTime();
	}
	PsTerminateSystemThread(STATUS_SUCCESS);
}

/* Drop a reference; the last one stops the thread and frees everything. */
static void RingPutRef(PKUMEM_RING r)
{
	if (InterlockedDecrement(&r->RefCount))
		return;
	if (r->Thread) {
		InterlockedExchange(&r->Stop, 1);
		KeSetEvent(&r->WakeEvent, IO_NO_INCREMENT, FALSE);
		KeWaitForSingleObject(r->Thread, Executive, KernelMode, FALSE, NULL);
		ObDereferenceObject(r->Thread);
	}
	/* every wait was completed at close; their records, timers and DPCs go before us */
	KumemWaitDrain(&r->Waits);
	if (r->UserEvent)
		ObDereferenceObject(r->UserEvent);
	KumemRegionPut(r->Mem); /* unmaps from the owner, attaching if need be */
	ObDereferenceObject(r->Owner);
	KumemFilePut(r->File);
	if (r->Drv.Release)
		r->Drv.Release(r->Drv.Priv);
	ExFreePoolWithTag(r, KUMEM_POOL_TAG);
}

PKUMEM_RING KumemRingLookupLocked(PKUMEM_FILE File, ULONG Id)
{
	PLIST_ENTRY e;

	for (e = File->Rings.Flink; e != &File->Rings; e = e->Flink) {
		PKUMEM_RING r = CONTAINING_RECORD(e, KUMEM_RING, Link);

		if (r->Id == Id)
			return r;
	}
	return NULL;
}

/* CPUs a KAFFINITY mask of processor group 0 can name: what KUMEM_RING_SQ_AFF may ask for. */
static uint32_t RingCpuCount(void)
{
	ULONG n = KeQueryActiveProcessorCountEx(0);

	return n < sizeof(KAFFINITY) * 8 ? n : sizeof(KAFFINITY) * 8;
}

/*
 * Build a ring in @File for the current process (mapped into it) and publish it under a new
 * id; @Drv: a driver's ring, which owns @Drv->Priv from here on (released even on failure).
 * @Irp may be NULL (a driver's call): only its requestor's bitness is read.
 */
static int RingNew(PKUMEM_FILE File, PIRP Irp, struct kumem_ring_create *a,
		   const KUMEM_RING_DRIVER *Drv)
{
	struct kumem_alloc_args mem = { 0 };
	OBJECT_ATTRIBUTES attrs;
	ULONG64 sqOff, cqOff;
	HANDLE thread;
	PKUMEM_RING r;
	NTSTATUS status;
	int err;

	err = kumem_check_ring_create(a, RingCpuCount());
	if (err)
		goto cleanupPriv;
	sqOff = PAGE_SIZE;
	cqOff = sqOff + (ULONG64)a->sq_entries * sizeof(struct kumem_sqe);

	r = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*r), KUMEM_POOL_TAG);
	if (!r) {
		err = -KUMEM_ENOMEM;
		goto cleanupPriv;
	}
	RtlZeroMemory(r, sizeof(*r));
	r->RefCount = 1;
	if (a->event_handle) {
		/* UserMode: the caller must hold EVENT_MODIFY_STATE on its own handle. */
		status = ObReferenceObjectByHandle((HANDLE)(ULONG_PTR)a->event_handle,
						   EVENT_MODIFY_STATE,
						   KUMEM_OBJECT_TYPE(ExEventObjectType), UserMode,
						   (PVOID *)&r->UserEvent, NULL);
		if (!NT_SUCCESS(status)) {
			err = -KUMEM_EINVAL;
			goto cleanupRing;
		}
	}
	mem.len = cqOff + (ULONG64)a->cq_entries * sizeof(struct kumem_cqe);
	mem.flags = KUMEM_USER_READ | KUMEM_USER_WRITE;
	err = KumemRegionCreateShared(Irp, &mem, &r->Mem);
	if (err)
		goto cleanupEvent;
	/* the thread looks regions up in the file: keep it while the ring exists, even past
	 * IRP_MJ_CLOSE (the exit notification may still be stopping the thread) */
	r->File = File;
	KumemFileGet(File);
	r->Owner = PsGetCurrentProcess();
	ObReferenceObject(r->Owner);
	r->Ctrl = r->Mem->SystemVa;
	kumem_queue_attach(&r->Sq, &r->Ctrl->sq_tail, &r->Ctrl->sq_head, (PUCHAR)r->Ctrl + sqOff,
			   a->sq_entries, sizeof(struct kumem_sqe), false);
	kumem_queue_attach(&r->Cq, &r->Ctrl->cq_tail, &r->Ctrl->cq_head, (PUCHAR)r->Ctrl + cqOff,
			   a->cq_entries, sizeof(struct kumem_cqe), true);
	ExInitializeFastMutex(&r->Lock);
	KeInitializeEvent(&r->WakeEvent, SynchronizationEvent, FALSE);
	KumemWaitInit(&r->Waits, RingWaitCheck, RingWaitResult);
	r->Flags = a->flags;
	r->SqCpu = a->sq_cpu;
	r->Idle100ns = (ULONG64)(a->idle_us ? a->idle_us : 1000) * 10;

	if (a->flags & KUMEM_RING_SQPOLL) {
		/* A kernel handle: without OBJ_KERNEL_HANDLE it would land in the calling
		 * process's handle table, where that process could close or replace it. */
		InitializeObjectAttributes(&attrs, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
		status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &attrs, NULL, NULL,
					      KumemSqpoll, r);
		if (!NT_SUCCESS(status)) {
			err = -KUMEM_ENOMEM;
			goto cleanupMem;
		}
		status = ObReferenceObjectByHandle(thread, SYNCHRONIZE,
						   KUMEM_OBJECT_TYPE(PsThreadType), KernelMode,
						   (PVOID *)&r->Thread, NULL);
		if (!NT_SUCCESS(status)) {
			/* Without the object release could not wait for the thread, which would
			 * then poll freed memory: stop it through the handle, now. */
			InterlockedExchange(&r->Stop, 1);
			KeSetEvent(&r->WakeEvent, IO_NO_INCREMENT, FALSE);
			ZwWaitForSingleObject(thread, FALSE, NULL);
			ZwClose(thread);
			r->Thread = NULL;
			err = -KUMEM_ENOMEM;
			goto cleanupMem;
		}
		ZwClose(thread);
	}
	a->map_len = mem.map_len;
	a->sq_offset = sqOff;
	a->cq_offset = cqOff;
	a->user_addr = mem.user_addr;
	/* From here on the ring's own release gives Priv back. */
	if (Drv)
		r->Drv = *Drv;
	/* A ring counts against the handle's quotas like the region it is. */
	r->Bytes = mem.map_len;
	FileLock(File);
	err = KumemFileCanInsertLocked(File, r->Bytes);
	if (!err) {
		r->Id = KumemFileNewIdLocked(File);
		a->ring_fd = (int32_t)r->Id;
		r->Info = *a;
		r->Info.event_handle = 0; /* the creator's handle means nothing to anyone else */
		InsertTailList(&File->Rings, &r->Link);
		File->RegionCount++;
		File->Bytes += r->Bytes;
	}
	FileUnlock(File);
	if (err) {
		RingPutRef(r); /* the only reference: stops the thread, frees everything */
		return err;
	}
	return 0;

cleanupMem:
	ObDereferenceObject(r->Owner);
	KumemFilePut(File);
	KumemRegionPut(r->Mem);
cleanupEvent:
	if (r->UserEvent)
		ObDereferenceObject(r->UserEvent);
cleanupRing:
	ExFreePoolWithTag(r, KUMEM_POOL_TAG);
cleanupPriv:
	/* the driver handed Priv over: give it back even when nothing was made */
	if (Drv && Drv->Release)
		Drv->Release(Drv->Priv);
	return err;
}

int KumemRingCreate(PKUMEM_FILE File, PIRP Irp, struct kumem_ring_create *a)
{
	return RingNew(File, Irp, a, NULL);
}

int KumemRingCreateDriver(PFILE_OBJECT KumemFile, struct kumem_ring_create *a,
			  const KUMEM_RING_DRIVER *Drv)
{
	PKUMEM_FILE file = KumemFileOfObject(KumemFile);

	if (!file || !Drv || !Drv->Execute || KeGetCurrentIrql() != PASSIVE_LEVEL) {
		if (Drv && Drv->Release)
			Drv->Release(Drv->Priv);
		return -KUMEM_EINVAL;
	}
	/* not a user's: the event handle would be looked up in whatever process this is */
	a->event_handle = 0;
	return RingNew(file, NULL, a, Drv);
}

/* Take a reference on ring @Id of @File, if the calling process owns it. */
static PKUMEM_RING RingGetOwned(PKUMEM_FILE File, ULONG Id)
{
	PKUMEM_RING r;

	FileLock(File);
	r = KumemRingLookupLocked(File, Id);
	if (r && r->Owner != PsGetCurrentProcess())
		r = NULL;
	if (r)
		InterlockedIncrement(&r->RefCount);
	FileUnlock(File);
	return r;
}

int KumemRingInfo(PKUMEM_FILE File, struct kumem_ring_create *a)
{
	PKUMEM_RING r = RingGetOwned(File, (ULONG)a->ring_fd);

	if (!r)
		return -KUMEM_ENOENT;
	*a = r->Info;
	RingPutRef(r);
	return 0;
}

static void RingUnlinkLocked(PKUMEM_FILE File, PKUMEM_RING r)
{
	RemoveEntryList(&r->Link);
	File->RegionCount--;
	File->Bytes -= r->Bytes;
}

/* Release, cleanup or the owner's exit: unlink done by the caller; complete every pended
 * wait with @err and drop the list's reference. */
static void RingClose(PKUMEM_RING r, int err)
{
	InterlockedExchange(&r->Closing, 1);
	/* a waiter queueing itself now sees Closing after its insert (irp_wait.c) */
	kumem_os_smp_mb();
	KumemWaitCloseAll(&r->Waits, err);
	RingPutRef(r);
}

/*
 * ENTER: consume submissions (enter mode), wake the SQPOLL thread, and with GETEVENTS wait for
 * min_complete completions: at once if they are there, else as a pended IRP (irp_wait.c) that
 * completions, the deadline, cancellation or the ring's release complete. The deadline is
 * taken when ENTER starts, once. KUMEM_RING_PENDING when the IRP was queued.
 */
int KumemRingEnter(PKUMEM_FILE File, PIRP Irp, struct kumem_ring_enter *a)
{
	const ULONG64 start = KeQueryInterruptTime();
	const bool wait = a->flags & KUMEM_ENTER_GETEVENTS;
	PKUMEM_RING r;
	int n, err = 0;

	if (a->reserved || (a->flags & ~(KUMEM_ENTER_GETEVENTS | KUMEM_ENTER_WAKEUP)))
		return -KUMEM_EINVAL;
	r = RingGetOwned(File, a->ring_id);
	if (!r)
		return -KUMEM_ENOENT;
	a->submitted = 0;
	if (a->min_complete > r->Cq.entries) {
		err = -KUMEM_EINVAL;
		goto out;
	}
	while (a->submitted < a->to_submit && !(r->Flags & KUMEM_RING_SQPOLL)) {
		n = RingProcess(r, a->to_submit - a->submitted, 0);
		if (n < 0) {
			err = n;
			goto out;
		}
		a->submitted += (uint32_t)n;
		/*
		 * One batch is bounded (64 MiB of work). Without GETEVENTS the caller gets the
		 * short count; a caller about to wait for completions only the rest of its
		 * submissions can produce gets more batches, stopping when its request is
		 * cancelled or its thread ends, instead of waiting for ever (as on Linux).
		 */
		if (!n || !wait || KumemRingCqReady(r) >= a->min_complete || Irp->Cancel ||
		    PsIsThreadTerminating(PsGetCurrentThread()))
			break;
	}
	if ((a->flags & KUMEM_ENTER_WAKEUP) && r->Thread)
		KeSetEvent(&r->WakeEvent, IO_NO_INCREMENT, FALSE);
	if (!wait)
		goto out;
	if (KumemRingDead(r)) {
		err = -KUMEM_EBADFD;
	} else if (KumemRingCqReady(r) >= a->min_complete) {
		err = 0;
	} else if (a->timeout_ns == 0 ||
		   (a->timeout_ns > 0 &&
		    KeQueryInterruptTime() - start >= (ULONG64)a->timeout_ns / 100)) {
		err = -KUMEM_ETIMEDOUT;
	} else {
		/* 100 ns units; at least one, so that 0 keeps meaning "no deadline" */
		ULONG64 deadline = a->timeout_ns < 0 ? 0 : start + (ULONG64)a->timeout_ns / 100 + 1;

		err = KumemWaitPend(&r->Waits, Irp, a->min_complete, deadline, a, sizeof(*a));
	}
out:
	RingPutRef(r);
	return err;
}

int KumemRingRelease(PKUMEM_FILE File, ULONG Id)
{
	PKUMEM_RING r;

	FileLock(File);
	r = KumemRingLookupLocked(File, Id);
	if (r && r->Owner == PsGetCurrentProcess())
		RingUnlinkLocked(File, r);
	FileUnlock(File);
	if (!r)
		return -KUMEM_ENOENT;
	if (r->Owner != PsGetCurrentProcess())
		return -KUMEM_EACCES;
	RingClose(r, -KUMEM_EBADFD);
	return 0;
}

/* The exit notification's half: unlink @ProcessId's rings under the file's lock ... */
void KumemRingTakeOwned(PKUMEM_FILE File, HANDLE ProcessId, PLIST_ENTRY Out)
{
	PLIST_ENTRY e, next;

	FileLock(File);
	for (e = File->Rings.Flink; e != &File->Rings; e = next) {
		PKUMEM_RING r = CONTAINING_RECORD(e, KUMEM_RING, Link);

		next = e->Flink;
		if (PsGetProcessId(r->Owner) == ProcessId) {
			RingUnlinkLocked(File, r);
			InsertTailList(Out, &r->Link);
		}
	}
	FileUnlock(File);
}

/* ... and close them with no lock held: stopping a busy SQPOLL thread can take a batch. */
void KumemRingCloseList(PLIST_ENTRY List)
{
	while (!IsListEmpty(List))
		RingClose(CONTAINING_RECORD(RemoveHeadList(List), KUMEM_RING, Link), -KUMEM_EINTR);
}

/* IRP_MJ_CLEANUP (ProcessId NULL: every ring) or the exit of the process that owns rings. */
void KumemRingCleanup(PKUMEM_FILE File, HANDLE ProcessId)
{
	PKUMEM_RING r;
	PLIST_ENTRY e;

	for (;;) {
		r = NULL;
		FileLock(File);
		for (e = File->Rings.Flink; e != &File->Rings; e = e->Flink) {
			PKUMEM_RING cand = CONTAINING_RECORD(e, KUMEM_RING, Link);

			if (!ProcessId || PsGetProcessId(cand->Owner) == ProcessId) {
				r = cand;
				RingUnlinkLocked(File, r);
				break;
			}
		}
		FileUnlock(File);
		if (!r)
			return;
		/* the handle is closing: its waits end as cancelled */
		RingClose(r, -KUMEM_EINTR);
	}
}
