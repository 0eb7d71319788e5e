/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* The command ring (rings.c), for rings.c and the dispatch routine (driver.c). */
#ifndef KUMEM_WIN_RINGS_H
#define KUMEM_WIN_RINGS_H

#include "kumem_win.h"
#include "irp_wait.h"
#include "../core/ring_ops.h"

/* KumemRingEnter's answer when irp_wait.c queued the IRP: the dispatch routine returns
 * STATUS_PENDING and does not touch the IRP again. */
#define KUMEM_RING_PENDING KUMEM_WAIT_PENDING

struct _KUMEM_RING {
	LIST_ENTRY Link;
	volatile LONG RefCount; /* the handle's list holds one, each ENTER at work one */
	volatile LONG Closing;	/* released: waiters are completed, no new one is queued */
	ULONG Id;
	PKUMEM_FILE File;
	PKUMEM_REGION Mem;	      /* control page + SQ + CQ; our reference */
	PEPROCESS Owner;	      /* the process the ring works for */
	struct kumem_ring_ctrl *Ctrl; /* system address of the control page */
	struct kumem_queue Sq;	      /* kernel consumes */
	struct kumem_queue Cq;	      /* kernel produces */
	FAST_MUTEX Lock;	      /* one consumer of the SQ at a time */
	PKEVENT UserEvent;	      /* the caller's event, referenced, or NULL */
	KEVENT WakeEvent;	      /* synchronization: wakes the SQPOLL thread */
	PETHREAD Thread;
	volatile LONG Stop;
	ULONG Flags;
	ULONG SqCpu;	 /* with KUMEM_RING_SQ_AFF: the SQPOLL thread's CPU in group 0 */
	ULONG BaseFlags; /* private copy of what we write to sq_flags */
	ULONG64 Idle100ns;
	ULONG64 Bytes;		       /* counted in the handle's quota */
	struct kumem_ring_create Info; /* the layout, for KUMEM_IOC_RING_INFO */
	KUMEM_RING_DRIVER Drv;	       /* a driver's ring: its ops (Execute NULL: none) */

	/* pended ENTER(GETEVENTS) IRPs (irp_wait.c) */
	KUMEM_WAIT_QUEUE Waits;
};

/* Completions posted and not consumed; a bogus cq_head counts as ready so waiters return. */
static inline uint32_t KumemRingCqReady(PKUMEM_RING r)
{
	uint32_t pending =
		kumem_os_read_once_u32(&r->Cq.mine) - kumem_os_read_once_u32(&r->Ctrl->cq_head);

	return pending > r->Cq.entries ? 0xffffffffu : pending;
}

static inline bool KumemRingDead(PKUMEM_RING r)
{
	return (kumem_os_read_once_u32(&r->BaseFlags) & KUMEM_RING_DEAD) ||
	       kumem_os_read_once_u32(&r->Closing);
}

#endif
