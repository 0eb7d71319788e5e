// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Waits as pended IRPs: a thread need not stay blocked in the driver, so the I/O manager can
 * cancel the wait (CancelIoEx, a thread's exit) and a process can wait for many objects at
 * once through an I/O completion port, as epoll waits for many fds on Linux. The command
 * rings' ENTER(GETEVENTS) (rings.c) and the event streams' EVENTS_WAIT (events.c) use it.
 *
 * A wait that cannot be satisfied at once is queued in its object's cancel-safe queue (IoCsq*:
 * the system's cancel routine, so there is no cancel/completion race of our own to get wrong)
 * and completed by whoever takes it out of the queue, exactly once:
 *
 *   the notify path   the object changed (completions posted, a record committed, the object
 *                     died): every queued wait Check now ends
 *   the deadline      one KTIMER per wait, armed once for the deadline the dispatch routine
 *                     computed when it started (never re-armed); its DPC completes with
 *                     -ETIMEDOUT (Result may turn that into a success, as EVENTS_WAIT does)
 *   cancellation      CancelIoEx or the thread's exit: -EINTR (STATUS_CANCELLED)
 *   closing           release, IRP_MJ_CLEANUP, the owner's exit: the errno the object gives
 *
 * Each wait has a record in nonpaged pool (the IRP's DriverContext[0]; the queue keeps its
 * own in DriverContext[3]) with a reference count: one for the IRP, one for the armed timer,
 * one for the dispatch routine while it sets the wait up. The timer's reference goes either
 * to KeCancelTimer's TRUE (the DPC will not run) or to the DPC itself, never both. The object
 * outlives every record: KumemWaitDrain() waits for the last one and for queued DPCs.
 *
 * Lost wake-ups: the waiter queues itself, then (full barrier) calls Check again; the notify
 * path publishes its change, then (full barrier) looks for queued waiters. One of the two sees
 * the other (the argument of docs/rings.md's sleep handshake).
 */
#include "irp_wait.h"

typedef struct _KUMEM_WAIT {
	IO_CSQ_IRP_CONTEXT CsqContext; /* lets the DPC and the dispatch routine find the IRP */
	KTIMER Timer;
	KDPC Dpc;
	PKUMEM_WAIT_QUEUE Queue;
	ULONG Param;	    /* Check's: what the waiter asked for */
	int Verdict;	    /* Check's answer when the notify path picked it (under the lock) */
	volatile LONG Done; /* taken out of the queue for completion */
	volatile LONG Refs; /* the IRP's, the armed timer's, the dispatch routine's */
} KUMEM_WAIT, *PKUMEM_WAIT;

#define WaitOf(Irp)   ((PKUMEM_WAIT)(Irp)->Tail.Overlay.DriverContext[0])
#define QueueOf(Csq_) CONTAINING_RECORD((Csq_), KUMEM_WAIT_QUEUE, Csq)

/* The last reference: free the record, then tell KumemWaitDrain(). Any IRQL <= DISPATCH. */
static void WaitPut(PKUMEM_WAIT w)
{
	PKUMEM_WAIT_QUEUE q = w->Queue;
	KIRQL irql;

	if (InterlockedDecrement(&w->Refs))
		return;
	ExFreePoolWithTag(w, KUMEM_POOL_TAG);
	/* under the lock, so the drain cannot free the object before we are out of it */
	KeAcquireSpinLock(&q->Lock, &irql);
	if (!--q->LiveWaits)
		KeSetEvent(&q->WaitsGone, IO_NO_INCREMENT, FALSE);
	KeReleaseSpinLock(&q->Lock, irql);
}

/*
 * @Irp is ours (out of the queue, or cancelled by the queue): complete it, once. @InDpc: called
 * from the timer's own DPC, which has fired: no KeCancelTimer there (it would return FALSE on
 * Windows; Wine's waits for the timer's callback, that is for itself, and never returns).
 */
static void WaitComplete(PIRP Irp, int err, bool InDpc)
{
	PKUMEM_WAIT w = WaitOf(Irp);
	ULONG_PTR info = 0;

	InterlockedExchange(&w->Done, 1);
	if (!InDpc && KeCancelTimer(&w->Timer))
		WaitPut(w); /* the timer's reference: its DPC will not run */
	err = w->Queue->Result(Irp, err, &info);
	Irp->IoStatus.Status = KumemStatusFromErrno(err);
	Irp->IoStatus.Information = info;
	IoCompleteRequest(Irp, IO_NO_INCREMENT);
	WaitPut(w);
}

static VOID CsqInsert(PIO_CSQ Csq, PIRP Irp)
{
	PKUMEM_WAIT_QUEUE q = QueueOf(Csq);

	InsertTailList(&q->Waiting, &Irp->Tail.Overlay.ListEntry);
	InterlockedIncrement(&q->Waiters);
}

static VOID CsqRemove(PIO_CSQ Csq, PIRP Irp)
{
	RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
	InterlockedDecrement(&QueueOf(Csq)->Waiters);
}

/*
 * The next queued wait after @Irp (NULL: the first); with a @PeekContext, only one Check ends
 * now. Check runs here, under the queue's lock, for each look: an answer taken once before a
 * loop of removals goes stale as soon as the first wait is completed, whose thread may consume
 * what was ready and queue a new wait, which that old answer would then end too early (seen
 * in test_rings_lib.c, SQPOLL). The answer goes with the wait for the remover to use.
 */
static PIRP CsqPeek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
	PKUMEM_WAIT_QUEUE q = QueueOf(Csq);
	PLIST_ENTRY e = Irp ? Irp->Tail.Overlay.ListEntry.Flink : q->Waiting.Flink;

	for (; e != &q->Waiting; e = e->Flink) {
		PIRP cand = CONTAINING_RECORD(e, IRP, Tail.Overlay.ListEntry);
		PKUMEM_WAIT w = WaitOf(cand);

		if (!PeekContext)
			return cand;
		w->Verdict = q->Check(q, w->Param);
		if (w->Verdict)
			return cand;
	}
	return NULL;
}

static VOID CsqAcquire(PIO_CSQ Csq, PKIRQL Irql)
{
	KeAcquireSpinLock(&QueueOf(Csq)->Lock, Irql);
}

static VOID CsqRelease(PIO_CSQ Csq, KIRQL Irql)
{
	KeReleaseSpinLock(&QueueOf(Csq)->Lock, Irql);
}

/* CancelIoEx, or the issuing thread's exit: the queue has already taken the IRP out. */
static VOID CsqCancelled(PIO_CSQ Csq, PIRP Irp)
{
	UNREFERENCED_PARAMETER(Csq);
	WaitComplete(Irp, -KUMEM_EINTR, false);
}

/* 0 for a satisfied wait, else Check's errno, or @Otherwise when it is not over. */
static int Outcome(int Verdict, int Otherwise)
{
	return Verdict > 0 ? 0 : Verdict < 0 ? Verdict : Otherwise;
}

/* The deadline's DPC (DISPATCH_LEVEL): the wait is over unless someone took it already. */
static VOID WaitDeadline(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
	PKUMEM_WAIT w = Context;
	PKUMEM_WAIT_QUEUE q = w->Queue;
	PIRP irp;

	UNREFERENCED_PARAMETER(Dpc);
	UNREFERENCED_PARAMETER(Arg1);
	UNREFERENCED_PARAMETER(Arg2);
	irp = IoCsqRemoveIrp(&q->Csq, &w->CsqContext);
	if (irp)
		WaitComplete(irp, Outcome(q->Check(q, w->Param), -KUMEM_ETIMEDOUT), true);
	WaitPut(w); /* the timer's */
}

void KumemWaitInit(PKUMEM_WAIT_QUEUE q, KUMEM_WAIT_CHECK Check, KUMEM_WAIT_RESULT Result)
{
	KeInitializeSpinLock(&q->Lock);
	InitializeListHead(&q->Waiting);
	KeInitializeEvent(&q->WaitsGone, SynchronizationEvent, FALSE);
	q->Check = Check;
	q->Result = Result;
	IoCsqInitialize(&q->Csq, CsqInsert, CsqRemove, CsqPeek, CsqAcquire, CsqRelease,
			CsqCancelled);
}

int KumemWaitPend(PKUMEM_WAIT_QUEUE q, PIRP Irp, ULONG Param, ULONG64 Deadline, const void *Block,
		  ULONG Len)
{
	LARGE_INTEGER due;
	PKUMEM_WAIT w;
	PIRP mine;
	KIRQL irql;
	int verdict;

	w = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*w), KUMEM_POOL_TAG);
	if (!w)
		return -KUMEM_ENOMEM;
	RtlZeroMemory(w, sizeof(*w));
	w->Queue = q;
	w->Param = Param;
	w->Refs = Deadline ? 3 : 2;
	KeInitializeTimer(&w->Timer);
	KeInitializeDpc(&w->Dpc, WaitDeadline, w);
	KeAcquireSpinLock(&q->Lock, &irql);
	q->LiveWaits++;
	KeReleaseSpinLock(&q->Lock, irql);
	/* what the caller gets back, as it sent it; Result fills in the answer */
	RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, Block, Len);
	Irp->Tail.Overlay.DriverContext[0] = w;

	/* Marks the IRP pending; an IRP already cancelled is completed through CsqCancelled. */
	IoCsqInsertIrp(&q->Csq, Irp, &w->CsqContext);
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
	/* The object changed or closed between the caller's look and the queueing. */
	kumem_os_smp_mb();
	verdict = q->Check(q, Param);
	if (verdict) {
		mine = IoCsqRemoveIrp(&q->Csq, &w->CsqContext);
		if (mine)
			WaitComplete(mine, Outcome(verdict, 0), false);
	}
	WaitPut(w); /* the dispatch routine's: the IRP is no longer ours to touch */
	return KUMEM_WAIT_PENDING;
}

void KumemWaitNotifySlow(PKUMEM_WAIT_QUEUE q)
{
	PIRP irp;

	/* non-NULL context: only the waits Check ends, asked afresh for each (CsqPeek) */
	while ((irp = IoCsqRemoveNextIrp(&q->Csq, q)))
		WaitComplete(irp, Outcome(WaitOf(irp)->Verdict, 0), false);
}

void KumemWaitCloseAll(PKUMEM_WAIT_QUEUE q, int err)
{
	PIRP irp;

	while ((irp = IoCsqRemoveNextIrp(&q->Csq, NULL)))
		WaitComplete(irp, err, false);
}

void KumemWaitDrain(PKUMEM_WAIT_QUEUE q)
{
	KIRQL irql;
	LONG live;

	for (;;) {
		KeAcquireSpinLock(&q->Lock, &irql);
		live = q->LiveWaits;
		KeReleaseSpinLock(&q->Lock, irql);
		if (!live)
			break;
		/* a DPC or a canceller still holds a record: it sets the event when it is done */
		KeWaitForSingleObject(&q->WaitsGone, Executive, KernelMode, FALSE, NULL);
	}
	/* and the DPC routine that dropped the last one has returned (driver unload) */
	KeFlushQueuedDpcs();
}
