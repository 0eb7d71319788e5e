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
 * UserMode access checks, then KeSetEvent) and on an internal event ENTER(GETEVENTS) waits on.
 */
#include "kumem_win.h"
#include "../core/ring_ops.h"
#include "../core/validate.h"

struct _KUMEM_RING {
	LIST_ENTRY Link;
	volatile LONG RefCount; /* the handle's list holds one, each ENTER at work one */
	volatile LONG Closing;	/* released: waiters in ENTER leave */
	ULONG Id;
	PKUMEM_FILE File;
	PKUMEM_REGION Mem;	      /* control page + SQ + CQ; our reference */
	PEPROCESS Owner;	      /* the process the ring works for */
	struct kumem_ring_ctrl *Ctrl; /* system address of the control page */
	struct kumem_queue Sq;	      /* kernel consumes */
	struct kumem_queue Cq;	      /* kernel produces */
	FAST_MUTEX Lock;	      /* one consumer of the SQ at a time */
	KEVENT CqEvent;		      /* notification: completions posted */
	PKEVENT UserEvent;	      /* the caller's event, referenced, or NULL */
	KEVENT WakeEvent;	      /* synchronization: wakes the SQPOLL thread */
	PETHREAD Thread;
	volatile LONG Stop;
	ULONG Flags;
	ULONG SqCpu;	 /* with KUMEM_RING_SQ_AFF: the SQPOLL thread's CPU in group 0 */
	ULONG BaseFlags; /* private copy of what we write to sq_flags */
	ULONG64 Idle100ns;
	ULONG64 Bytes; /* counted in the handle's quota */
};

static int RingGet(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	PKUMEM_RING ring = ctx;
	PKUMEM_REGION r;
	int err = 0;

	/* The SQPOLL thread runs in the system process: it works for the ring's owner. */
	r = KumemRegionLookup(ring->File, id, ring->Owner, &err);
	if (!r)
		return err;
	if (!r->Linear) { /* a chain of several MDLs is no one kernel buffer (chain.c) */
		KumemRegionPut(r);
		return -KUMEM_EOPNOTSUPP;
	}
	m->kaddr = (uint8_t *)r->SystemVa + r->Geom.byte_offset;
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

static const struct kumem_region_ops RingRegionOps = {
	.get = RingGet,
	.put = RingPut,
	.yield = RingYield,
};

static void RingNotify(PKUMEM_RING r)
{
	KeSetEvent(&r->CqEvent, IO_NO_INCREMENT, FALSE);
	if (r->UserEvent)
		KeSetEvent(r->UserEvent, IO_NO_INCREMENT, FALSE);
}

/* Consume up to @max submissions. */
static int RingProcess(PKUMEM_RING r, uint32_t max)
{
	int n;

	ExAcquireFastMutex(&r->Lock);
	if (r->BaseFlags & KUMEM_RING_DEAD) {
		n = -KUMEM_EBADFD;
	} else {
		n = kumem_ring_service(&r->Sq, &r->Cq, max, &RingRegionOps, r);
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
		n = RingProcess(r, r->Sq.entries);
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
	if (r->UserEvent)
		ObDereferenceObject(r->UserEvent);
	KumemRegionPut(r->Mem); /* unmaps from the owner, attaching if need be */
	ObDereferenceObject(r->Owner);
	KumemFilePut(r->File);
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

int KumemRingCreate(PKUMEM_FILE File, PIRP Irp, struct kumem_ring_create *a)
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
		return err;
	sqOff = PAGE_SIZE;
	cqOff = sqOff + (ULONG64)a->sq_entries * sizeof(struct kumem_sqe);

	r = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*r), KUMEM_POOL_TAG);
	if (!r)
		return -KUMEM_ENOMEM;
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
	KeInitializeEvent(&r->CqEvent, NotificationEvent, FALSE);
	KeInitializeEvent(&r->WakeEvent, SynchronizationEvent, FALSE);
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
	/* A ring counts against the handle's quotas like the region it is. */
	r->Bytes = mem.map_len;
	FileLock(File);
	err = KumemFileCanInsertLocked(File, r->Bytes);
	if (!err) {
		r->Id = KumemFileNewIdLocked(File);
		InsertTailList(&File->Rings, &r->Link);
		File->RegionCount++;
		File->Bytes += r->Bytes;
	}
	FileUnlock(File);
	if (err) {
		RingPutRef(r); /* the only reference: stops the thread, frees everything */
		return err;
	}
	a->ring_fd = (int32_t)r->Id;
	a->map_len = mem.map_len;
	a->sq_offset = sqOff;
	a->cq_offset = cqOff;
	a->user_addr = mem.user_addr;
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
	return err;
}

/* Completions posted and not consumed; a bogus cq_head counts as ready so waiters return. */
static uint32_t RingCqReady(PKUMEM_RING r)
{
	uint32_t pending = r->Cq.mine - kumem_os_read_once_u32(&r->Ctrl->cq_head);

	return pending > r->Cq.entries ? 0xffffffffu : pending;
}

static void RingUnlinkLocked(PKUMEM_FILE File, PKUMEM_RING r)
{
	RemoveEntryList(&r->Link);
	File->RegionCount--;
	File->Bytes -= r->Bytes;
}

/* Release or cleanup: unlink done by the caller; wake waiters and drop the list's reference. */
static void RingClose(PKUMEM_RING r)
{
	InterlockedExchange(&r->Closing, 1);
	KeSetEvent(&r->CqEvent, IO_NO_INCREMENT, FALSE);
	RingPutRef(r);
}

/* One deadline for the whole wait: a wake-up that does not satisfy the waiter (a completion
 * too few) waits only for what is left of the timeout. */
static int RingWait(PKUMEM_RING r, const struct kumem_ring_enter *a)
{
	const ULONG64 deadline = KeQueryInterruptTime() + (ULONG64)a->timeout_ns / 100;
	LARGE_INTEGER timeout;

	for (;;) {
		NTSTATUS status;
		ULONG64 now;

		KeClearEvent(&r->CqEvent);
		if ((r->BaseFlags & KUMEM_RING_DEAD) || r->Closing)
			return -KUMEM_EBADFD;
		if (RingCqReady(r) >= a->min_complete)
			return 0;
		if (a->timeout_ns >= 0) {
			now = KeQueryInterruptTime();
			if (now >= deadline)
				return -KUMEM_ETIMEDOUT;
			timeout.QuadPart = -(LONGLONG)(deadline - now); /* relative, 100 ns */
		}
		/* Alertable user-mode wait: a terminating thread gets out of it. */
		status = KeWaitForSingleObject(&r->CqEvent, UserRequest, UserMode, TRUE,
					       a->timeout_ns < 0 ? NULL : &timeout);
		if (status == STATUS_TIMEOUT)
			return RingCqReady(r) >= a->min_complete ? 0 : -KUMEM_ETIMEDOUT;
		if (status != STATUS_SUCCESS)
			return -KUMEM_EINTR;
	}
}

int KumemRingEnter(PKUMEM_FILE File, struct kumem_ring_enter *a)
{
	PKUMEM_RING r;
	int n, err = 0;

	if (a->reserved || (a->flags & ~(KUMEM_ENTER_GETEVENTS | KUMEM_ENTER_WAKEUP)))
		return -KUMEM_EINVAL;
	FileLock(File);
	r = KumemRingLookupLocked(File, a->ring_id);
	if (r && r->Owner != PsGetCurrentProcess())
		r = NULL;
	if (r)
		InterlockedIncrement(&r->RefCount);
	FileUnlock(File);
	if (!r)
		return -KUMEM_ENOENT;
	a->submitted = 0;
	if (a->min_complete > r->Cq.entries) {
		err = -KUMEM_EINVAL;
		goto out;
	}
	if (a->to_submit && !(r->Flags & KUMEM_RING_SQPOLL)) {
		n = RingProcess(r, a->to_submit);
		if (n < 0) {
			err = n;
			goto out;
		}
		a->submitted = (uint32_t)n;
	}
	if ((a->flags & KUMEM_ENTER_WAKEUP) && r->Thread)
		KeSetEvent(&r->WakeEvent, IO_NO_INCREMENT, FALSE);
	if (a->flags & KUMEM_ENTER_GETEVENTS)
		err = RingWait(r, a);
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
	RingClose(r);
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
		RingClose(CONTAINING_RECORD(RemoveHeadList(List), KUMEM_RING, Link));
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
		RingClose(r);
	}
}
