// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * ENTER(GETEVENTS) as a pended IRP (irp_wait.c holds the queue, the deadline and the
 * cancellation): a wait for min_complete completions of one ring, completed by
 *
 *   the notify path   completions posted (ENTER's batches, the SQPOLL thread): every queued
 *                     wait whose min_complete is now met, with success
 *   the deadline      -ETIMEDOUT
 *   cancellation      CancelIoEx or the thread's exit: STATUS_CANCELLED (-EINTR)
 *   closing           RELEASE: -EBADFD; IRP_MJ_CLEANUP, the owner's exit: -EINTR
 *
 * What is ring-specific is here: when a wait is satisfied, and what the caller gets back.
 */
#include "rings.h"

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

void KumemRingWaitInit(PKUMEM_RING r)
{
	KumemWaitInit(&r->Waits, RingWaitCheck, RingWaitResult);
}

int KumemRingWaitPend(PKUMEM_RING r, PIRP Irp, const struct kumem_ring_enter *a, ULONG64 Deadline)
{
	return KumemWaitPend(&r->Waits, Irp, a->min_complete, Deadline, a, sizeof(*a));
}

void KumemRingWaitNotify(PKUMEM_RING r)
{
	/* pairs with the barrier after queueing in KumemWaitPend() */
	kumem_os_smp_mb();
	KumemWaitNotify(&r->Waits);
}

void KumemRingWaitCloseAll(PKUMEM_RING r, int err)
{
	KumemWaitCloseAll(&r->Waits, err);
}

void KumemRingWaitDrain(PKUMEM_RING r)
{
	KumemWaitDrain(&r->Waits);
}
