// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * ENTER(GETEVENTS) as a pended IRP: waiting for completions without a thread blocked in the
 * driver, so that the I/O manager can cancel the wait (CancelIoEx, a thread's exit) and a
 * process can wait for many rings at once through an I/O completion port, as epoll waits for
 * many ring fds on Linux.
 *
 * A wait that cannot be satisfied at once is queued in the ring's cancel-safe queue (IoCsq*:
 * the system's cancel routine, so there is no cancel/completion race of our own to get wrong)
 * and completed by whoever takes it out of the queue, exactly once:
 *
 *   the notify path   completions posted (ENTER's batches, the SQPOLL thread): every queued
 *                     wait whose min_complete is now met, with success
 *   the deadline      one KTIMER per wait, armed once for the deadline ENTER computed when it
 *                     started (never re-armed); its DPC completes with -ETIMEDOUT
 *   cancellation      CancelIoEx or the thread's exit: STATUS_CANCELLED (-EINTR)
 *   closing           RELEASE, IRP_MJ_CLEANUP, the owner's exit: -EBADFD
 *
 * Each wait has a record in nonpaged pool (the IRP's DriverContext[0]; the queue keeps its
 * own in DriverContext[3]) with a reference count: one for the IRP, one for the armed timer,
 * one for the dispatch routine while it sets the wait up. The timer's reference goes either
 * to KeCancelTimer's TRUE (the DPC will not run) or to the DPC itself, never both. The ring
 * outlives every record: KumemRingWaitDrain() waits for the last one and for queued DPCs.
 *
 * Lost wake-ups: the waiter queues itself, then (full barrier) looks at the CQ again; the
 * notify path publishes completions, then (full barrier) looks for queued waiters. One of the
 * two sees the other (the argument of docs/rings.md's sleep handshake).
 */
#include "rings.h"

typedef struct _KUMEM_RING_WAIT {
	IO_CSQ_IRP_CONTEXT CsqContext; /* lets the DPC and the dispatch routine find the IRP */
	KTIMER Timer;
	KDPC Dpc;
	PKUMEM_RING Ring;
	uint32_t MinComplete;
	volatile LONG Done; /* taken out of the queue for completion */
	volatile LONG Refs; /* the IRP's, the armed timer's, the dispatch routine's */
} KUMEM_RING_WAIT, *PKUMEM_RING_WAIT;

#define WaitOf(Irp)  ((PKUMEM_RING_WAIT)(Irp)->Tail.Overlay.DriverContext[0])
#define RingOf(Csq_) CONTAINING_RECORD((Csq_), KUMEM_RING, Csq)

/* The last reference: free the record, then tell KumemRingWaitDrain(). Any IRQL <= DISPATCH. */
static void WaitPut(PKUMEM_RING_WAIT w)
{
	PKUMEM_RING r = w->Ring;
	KIRQL irql;

	if (InterlockedDecrement(&w->Refs))
		return;
	ExFreePoolWithTag(w, KUMEM_POOL_TAG);
	/* under the lock, so the drain cannot free the ring before we are out of it */
	KeAcquireSpinLock(&r->WaitLock, &irql);
	if (!--r->LiveWaits)
		KeSetEvent(&r->WaitsGone, IO_NO_INCREMENT, FALSE);
	KeReleaseSpinLock(&r->WaitLock, irql);
}

/*
 * @Irp is ours (out of the queue, or cancelled by the queue): complete it, once. @InDpc: called
 * from the timer's own DPC, which has fired: no KeCancelTimer there (it would return FALSE on
 * Windows; Wine's waits for the timer's callback, that is for itself, and never returns).
 */
static void WaitComplete(PIRP Irp, int err, bool InDpc)
{
	PKUMEM_RING_WAIT w = WaitOf(Irp);

	InterlockedExchange(&w->Done, 1);
	if (!InDpc && KeCancelTimer(&w->Timer))
		WaitPut(w); /* the timer's reference: its DPC will not run */
	Irp->IoStatus.Status = KumemStatusFromErrno(err);
	/* METHOD_BUFFERED: the block (submitted) was written to the system buffer when queued */
	Irp->IoStatus.Information = err ? 0 : sizeof(struct kumem_ring_enter);
	IoCompleteRequest(Irp, IO_NO_INCREMENT);
	WaitPut(w);
}

static void WaitFinish(PIRP Irp, int err)
{
	WaitComplete(Irp, err, false);
}

static VOID CsqInsert(PIO_CSQ Csq, PIRP Irp)
{
	PKUMEM_RING r = RingOf(Csq);

	InsertTailList(&r->Waiting, &Irp->Tail.Overlay.ListEntry);
	InterlockedIncrement(&r->Waiters);
}

static VOID CsqRemove(PIO_CSQ Csq, PIRP Irp)
{
	RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
	InterlockedDecrement(&RingOf(Csq)->Waiters);
}

/*
 * The next queued wait after @Irp (NULL: the first); with a @PeekContext, only one the
 * completions ready now satisfy. They are counted here, under the queue's lock, for each
 * look: a count taken once before a loop of removals goes stale as soon as the first wait is
 * completed, whose thread may consume the completions and queue a new wait, which that old
 * count would then end with too few (seen in test_rings_lib.c, SQPOLL).
 */
static PIRP CsqPeek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
	PKUMEM_RING r = RingOf(Csq);
	const uint32_t ready = PeekContext ? KumemRingCqReady(r) : 0;
	PLIST_ENTRY e = Irp ? Irp->Tail.Overlay.ListEntry.Flink : r->Waiting.Flink;

	for (; e != &r->Waiting; e = e->Flink) {
		PIRP cand = CONTAINING_RECORD(e, IRP, Tail.Overlay.ListEntry);

		if (!PeekContext || WaitOf(cand)->MinComplete <= ready)
			return cand;
	}
	return NULL;
}

static VOID CsqAcquire(PIO_CSQ Csq, PKIRQL Irql)
{
	KeAcquireSpinLock(&RingOf(Csq)->WaitLock, Irql);
}

static VOID CsqRelease(PIO_CSQ Csq, KIRQL Irql)
{
	KeReleaseSpinLock(&RingOf(Csq)->WaitLock, Irql);
}

/* CancelIoEx, or the issuing thread's exit: the queue has already taken the IRP out. */
static VOID CsqCancelled(PIO_CSQ Csq, PIRP Irp)
{
	UNREFERENCED_PARAMETER(Csq);
	WaitFinish(Irp, -KUMEM_EINTR);
}

/* The deadline's DPC (DISPATCH_LEVEL): the wait is over unless someone took it already. */
static VOID WaitDeadline(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
	PKUMEM_RING_WAIT w = Context;
	PKUMEM_RING r = w->Ring;
	PIRP irp;

	UNREFERENCED_PARAMETER(Dpc);
	UNREFERENCED_PARAMETER(Arg1);
	UNREFERENCED_PARAMETER(Arg2);
	irp = IoCsqRemoveIrp(&r->Csq, &w->CsqContext);
	if (irp)
		WaitComplete(irp,
			     KumemRingDead(r)			     ? -KUMEM_EBADFD
			     : KumemRingCqReady(r) >= w->MinComplete ? 0
								     : -KUMEM_ETIMEDOUT,
			     true);
	WaitPut(w); /* the timer's */
}

void KumemRingWaitInit(PKUMEM_RING r)
{
	KeInitializeSpinLock(&r->WaitLock);
	InitializeListHead(&r->Waiting);
	KeInitializeEvent(&r->WaitsGone, SynchronizationEvent, FALSE);
	IoCsqInitialize(&r->Csq, CsqInsert, CsqRemove, CsqPeek, CsqAcquire, CsqRelease,
			CsqCancelled);
}

int KumemRingWaitPend(PKUMEM_RING r, PIRP Irp, const struct kumem_ring_enter *a, ULONG64 Deadline)
{
	PKUMEM_RING_WAIT w;
	LARGE_INTEGER due;
	PIRP mine;
	KIRQL irql;

	w = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*w), KUMEM_POOL_TAG);
	if (!w)
		return -KUMEM_ENOMEM;
	RtlZeroMemory(w, sizeof(*w));
	w->Ring = r;
	w->MinComplete = a->min_complete;
	w->Refs = Deadline ? 3 : 2;
	KeInitializeTimer(&w->Timer);
	KeInitializeDpc(&w->Dpc, WaitDeadline, w);
	KeAcquireSpinLock(&r->WaitLock, &irql);
	r->LiveWaits++;
	KeReleaseSpinLock(&r->WaitLock, irql);
	/* what the caller gets back on success: submitted, and the rest as it sent it */
	RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, a, sizeof(*a));
	Irp->Tail.Overlay.DriverContext[0] = w;

	/* Marks the IRP pending; an IRP already cancelled is completed through CsqCancelled. */
	IoCsqInsertIrp(&r->Csq, Irp, &w->CsqContext);
	if (Deadline) {
		ULONG64 now = KeQueryInterruptTime();

		/* One deadline, armed once: relative to interrupt time, which no clock change
		 * moves (an absolute due time is system time, which can jump). */
		due.QuadPart = now < Deadline ? -(LONGLONG)(Deadline - now) : -1;
		KeSetTimer(&w->Timer, due, &w->Dpc);
		/* completed meanwhile: its KeCancelTimer may have come before the arming */
		kumem_os_smp_mb();
		if (w->Done && KeCancelTimer(&w->Timer))
			WaitPut(w);
	}
	/* Completions posted, or the ring closed, between ENTER's look and the queueing. */
	kumem_os_smp_mb();
	if (KumemRingDead(r) || KumemRingCqReady(r) >= a->min_complete) {
		mine = IoCsqRemoveIrp(&r->Csq, &w->CsqContext);
		if (mine)
			WaitFinish(mine, KumemRingDead(r) ? -KUMEM_EBADFD : 0);
	}
	WaitPut(w); /* the dispatch routine's: the IRP is no longer ours to touch */
	return KUMEM_RING_PENDING;
}

void KumemRingWaitNotify(PKUMEM_RING r)
{
	PIRP irp;

	/* pairs with the barrier after queueing in KumemRingWaitPend() */
	kumem_os_smp_mb();
	if (!kumem_os_read_once_u32(&r->Waiters))
		return;
	if (KumemRingDead(r)) {
		KumemRingWaitCloseAll(r, -KUMEM_EBADFD);
		return;
	}
	/* non-NULL context: only the satisfied ones, counted afresh for each (CsqPeek) */
	while ((irp = IoCsqRemoveNextIrp(&r->Csq, r)))
		WaitFinish(irp, 0);
}

void KumemRingWaitCloseAll(PKUMEM_RING r, int err)
{
	PIRP irp;

	while ((irp = IoCsqRemoveNextIrp(&r->Csq, NULL)))
		WaitFinish(irp, err);
}

void KumemRingWaitDrain(PKUMEM_RING r)
{
	KIRQL irql;
	LONG live;

	for (;;) {
		KeAcquireSpinLock(&r->WaitLock, &irql);
		live = r->LiveWaits;
		KeReleaseSpinLock(&r->WaitLock, irql);
		if (!live)
			break;
		/* a DPC or a canceller still holds a record: it sets the event when it is done */
		KeWaitForSingleObject(&r->WaitsGone, Executive, KernelMode, FALSE, NULL);
	}
	/* and the DPC routine that dropped the last one has returned (driver unload) */
	KeFlushQueuedDpcs();
}
