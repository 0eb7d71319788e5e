/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A wait as a pended IRP (irp_wait.c): what the command rings' ENTER(GETEVENTS) (rings.c)
 * and the event streams' EVENTS_WAIT (events.c) share. One queue per object waited on; the
 * object says when a wait is satisfied (Check) and what the caller gets back (Result).
 */
#ifndef KUMEM_WIN_IRP_WAIT_H
#define KUMEM_WIN_IRP_WAIT_H

#include "kumem_win.h"

/* What a dispatch routine gets when its IRP was queued: it returns STATUS_PENDING and does
 * not touch the IRP again. Positive: never an errno. */
#define KUMEM_WAIT_PENDING 1

typedef struct _KUMEM_WAIT_QUEUE KUMEM_WAIT_QUEUE, *PKUMEM_WAIT_QUEUE;

/*
 * Whether a wait of @q with @Param (what the waiter asked for) is over: > 0 satisfied, 0 not
 * yet, < 0 the errno to end it with (the object died or closed). Any IRQL <= DISPATCH_LEVEL,
 * under the queue's spin lock or not: reads only, from nonpaged memory.
 */
typedef int (*KUMEM_WAIT_CHECK)(PKUMEM_WAIT_QUEUE q, ULONG Param);
/*
 * What the caller of @Irp gets: @Err says how the wait ended (0 satisfied, -ETIMEDOUT its
 * deadline, -EINTR cancelled, another errno from Check or the close); write the system
 * buffer, set *@Info, return the errno to complete with.
 */
typedef int (*KUMEM_WAIT_RESULT)(PIRP Irp, int Err, ULONG_PTR *Info);

struct _KUMEM_WAIT_QUEUE {
	IO_CSQ Csq;
	KSPIN_LOCK Lock;       /* the queue's: IoCancelIrp may run at DISPATCH_LEVEL */
	LIST_ENTRY Waiting;    /* the queued IRPs (Tail.Overlay.ListEntry) */
	volatile LONG Waiters; /* how many: the notify path's test without the lock */
	LONG LiveWaits;	       /* wait records not yet freed (under Lock) */
	KEVENT WaitsGone;      /* synchronization: LiveWaits dropped to 0 */
	KUMEM_WAIT_CHECK Check;
	KUMEM_WAIT_RESULT Result;
};

void KumemWaitInit(PKUMEM_WAIT_QUEUE q, KUMEM_WAIT_CHECK Check, KUMEM_WAIT_RESULT Result);
/*
 * Queue @Irp (METHOD_BUFFERED; @Block, @Len: what goes back in its system buffer) until
 * Check(@Param) says it is over, @Deadline passes (KeQueryInterruptTime units; 0: none), it
 * is cancelled or the object closes (KumemWaitCloseAll). PASSIVE_LEVEL, with the object
 * referenced. KUMEM_WAIT_PENDING, or -ENOMEM with the IRP untouched.
 */
int KumemWaitPend(PKUMEM_WAIT_QUEUE q, PIRP Irp, ULONG Param, ULONG64 Deadline, const void *Block,
		  ULONG Len);
void KumemWaitNotifySlow(PKUMEM_WAIT_QUEUE q);
/*
 * The object changed (data ready, or it died): complete the waits Check now ends. Call after
 * the change and a full barrier (the waiter's is between its queueing and its second look);
 * with nobody waiting it is one load. IRQL <= DISPATCH_LEVEL.
 */
static inline void KumemWaitNotify(PKUMEM_WAIT_QUEUE q)
{
	if (kumem_os_read_once_u32(&q->Waiters))
		KumemWaitNotifySlow(q);
}
/* The object is closing (after a full barrier behind what makes Check fail): end every
 * queued wait with @err. IRQL <= DISPATCH_LEVEL. */
void KumemWaitCloseAll(PKUMEM_WAIT_QUEUE q, int err);
/* Before the object's memory goes (PASSIVE_LEVEL): no wait record, timer or DPC is left. */
void KumemWaitDrain(PKUMEM_WAIT_QUEUE q);

#endif
