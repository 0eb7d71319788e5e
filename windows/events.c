// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Event streams on Windows: variable-length records from the kernel to a process, with the
 * layout and the code (core/evring.c) of the Linux module.
 *
 *   Pages    MmAllocatePagesForMdlEx: [consumer page][producer page][data pages], zeroed
 *   Double   an MDL (IoAllocateMdl) whose PFN array lists those pages, then the data pages
 *            again, marked MDL_PAGES_LOCKED by us (the only flag a driver may set): mapped
 *            once in system space, it shows the data area twice back to back
 *   UserRw   IoBuildPartialMdl of Double's first page, mapped into the creating process
 *            read-write: the consumer writes consumer_pos there
 *   UserRo   IoBuildPartialMdl of the rest (producer page + data twice), mapped read-only
 *
 * docs/windows.md ("Event streams") says why the hand-built MDL is legal. The stream is named
 * by an id in the handle's id space, released with KUMEM_IOC_RELEASE or at cleanup, and belongs
 * to the process that created it: only it may wait on, generate into or release the stream,
 * and its user mappings are undone in it (attached if need be), as for regions.
 *
 * Producers (KumemEventsReserve/Commit/Emit, the generator thread) run at IRQL <=
 * DISPATCH_LEVEL: reserves are serialised by a KSPIN_LOCK, and a commit the consumer had
 * caught up with completes its pended waits (with nobody waiting, that costs one load). The
 * Linux module also takes producers in hard interrupt context; a Windows ISR (DIRQL) cannot
 * take a KSPIN_LOCK and must queue a DPC that produces.
 *
 * Waiting: KUMEM_IOC_EVENTS_WAIT that finds no record ready is a pended IRP in the stream's
 * cancel-safe queue (irp_wait.c, as the command rings' GETEVENTS): a completion port can wait
 * for many streams at once, CancelIoEx or the thread's exit ends it. It is completed once, by
 * a commit that makes a record ready (ready = 1), its one deadline (ready = 0, as a timeout
 * of poll), cancellation (-EINTR), or the stream's release, cleanup, owner's exit or death
 * (-EBADFD).
 */
#include "kumem_win.h"
#include "irp_wait.h"
#include "../core/evring.h"

/*
 * 4 MiB of data (Linux: 256 MiB). An MDL's Size is a CSHORT: the double MDL of a larger area
 * (more than 4089 frames) has a Size that wraps, and IoBuildPartialMdl checks the target's
 * Size against the span (TARGET_MDL_TOO_SMALL).
 */
#define KUMEM_EV_MAX_BYTES (4ull << 20)
#define KUMEM_GEN_BATCH	   32
/* An unpaced generator facing a full stream waits from 20 us, doubling up to 10 ms (100 ns). */
#define KUMEM_GEN_MIN_WAIT 200
#define KUMEM_GEN_MAX_WAIT 100000

struct _KUMEM_EVENTS {
	LIST_ENTRY Link;
	volatile LONG RefCount; /* the handle's list, each IOCTL at work, each kernel producer */
	volatile LONG Closed;	/* released: no new reserve, waiters leave, user mappings gone */
	ULONG Id;
	PEPROCESS Owner; /* referenced: the process the stream is mapped into */
	ULONG64 DataBytes;
	ULONG64 Bytes; /* pages allocated, counted in the handle's and process's quotas */
	PMDL Pages;    /* MmAllocatePagesForMdlEx: consumer, producer, data */
	PMDL Double;   /* consumer, producer, data, data again */
	PMDL UserRw;   /* partial of Double: the consumer page */
	PMDL UserRo;   /* partial of Double: producer page and both copies of the data */
	PUCHAR SystemVa;
	PVOID UserRwVa, UserRoVa;
	struct kumem_ev_consumer_page *Cons; /* system addresses */
	struct kumem_ev_producer_page *Prod;
	struct kumem_evring Ev; /* the producer's view; Ev.pos under Lock */
	KSPIN_LOCK Lock;	/* serialises reserves, at DISPATCH_LEVEL */
	KUMEM_WAIT_QUEUE Waits; /* pended KUMEM_IOC_EVENTS_WAIT IRPs (irp_wait.c) */
	KEVENT GenLock;		/* synchronization, as a lock: the generator's start and
				 * stop (PsCreateSystemThread wants PASSIVE_LEVEL, which a
				 * fast mutex would not leave us) */
	PETHREAD Gen;
	KEVENT GenStop;		   /* notification: the generator must stop (it sleeps on it) */
	volatile LONG GenStopping; /* the same, for the generator's loop to read */
	struct kumem_events_gen GenArgs;
};

static void EventsFree(PKUMEM_EVENTS e);

/* ---- producers: IRQL <= DISPATCH_LEVEL ------------------------------------------------- */

static int EventsReserve(PKUMEM_EVENTS e, uint32_t len, void **payload, uint64_t *pos,
			 bool countDrop)
{
	KIRQL irql;
	int err;

	KeAcquireSpinLock(&e->Lock, &irql);
	if (e->Closed) {
		err = -KUMEM_EBADFD;
	} else {
		err = kumem_ev_reserve(&e->Ev, len, payload, pos);
		if (err == -KUMEM_ENOSPC && countDrop)
			kumem_os_store_release_u64(&e->Prod->dropped, e->Prod->dropped + 1);
	}
	KeReleaseSpinLock(&e->Lock, irql);
	return err;
}

int KumemEventsReserve(PKUMEM_EVENTS e, uint32_t len, void **payload, uint64_t *pos)
{
	return EventsReserve(e, len, payload, pos, true);
}

void KumemEventsCommit(PKUMEM_EVENTS e, uint64_t pos, bool discard)
{
	/* the consumer had caught up with this record: it may be waiting for it (the full
	 * barrier the waiter's second look pairs with is kumem_ev_caught_up()'s) */
	if (kumem_ev_commit(&e->Ev, pos, discard))
		KumemWaitNotify(&e->Waits);
}

int KumemEventsEmit(PKUMEM_EVENTS e, const void *data, uint32_t len)
{
	void *p;
	uint64_t pos;
	int err;

	err = KumemEventsReserve(e, len, &p, &pos);
	if (err)
		return err;
	RtlCopyMemory(p, data, len);
	KumemEventsCommit(e, pos, false);
	return 0;
}

/* ---- references, lookup ----------------------------------------------------------------- */

static void EventsGet(PKUMEM_EVENTS e)
{
	InterlockedIncrement(&e->RefCount);
}

/* PASSIVE_LEVEL: the last reference unmaps the system mapping and frees the pages. */
void KumemEventsPut(PKUMEM_EVENTS e)
{
	if (!InterlockedDecrement(&e->RefCount))
		EventsFree(e);
}

PKUMEM_EVENTS KumemEventsLookupLocked(PKUMEM_FILE File, ULONG Id)
{
	PLIST_ENTRY l;

	for (l = File->Events.Flink; l != &File->Events; l = l->Flink) {
		PKUMEM_EVENTS e = CONTAINING_RECORD(l, KUMEM_EVENTS, Link);

		if (e->Id == Id)
			return e;
	}
	return NULL;
}

/*
 * Under the file's lock: stream @Id of @File in *@e if the current process owns it, else
 * -ENOENT, or -EACCES for an inherited or duplicated handle (not its stream).
 */
static int EventsOwnedLocked(PKUMEM_FILE File, ULONG Id, PKUMEM_EVENTS *e)
{
	*e = KumemEventsLookupLocked(File, Id);
	if (!*e)
		return -KUMEM_ENOENT;
	return (*e)->Owner == PsGetCurrentProcess() ? 0 : -KUMEM_EACCES;
}

/* A reference to stream @Id of @File for its owner (the current process), or NULL and *err. */
int KumemEventsLookup(PKUMEM_FILE File, ULONG Id, PKUMEM_EVENTS *Out)
{
	PKUMEM_EVENTS e;
	int err;

	FileLock(File);
	err = EventsOwnedLocked(File, Id, &e);
	if (!err)
		EventsGet(e);
	FileUnlock(File);
	*Out = err ? NULL : e;
	return err;
}

/* ---- the generator (KUMEM_IOC_EVENTS_GEN): a system thread, PASSIVE_LEVEL ---------------- */

/* Payload of generated record @seq: the sequence number, then bytes equal to (uint8_t)seq. */
static void GenFill(void *p, uint32_t len, uint64_t seq)
{
	uint64_t *w = p, fill = (uint8_t)seq * 0x0101010101010101ull;
	uint32_t i;

	w[0] = seq;
	for (i = 1; i < len / 8; i++)
		w[i] = fill;
}

/* Sleep @Interval (100 ns) or until told to stop; true when told to stop. */
static bool GenSleep(PKUMEM_EVENTS e, LONGLONG Interval)
{
	LARGE_INTEGER t;

	t.QuadPart = -Interval;
	return KeWaitForSingleObject(&e->GenStop, Executive, KernelMode, FALSE, &t) ==
	       STATUS_SUCCESS;
}

/* Up to @max records under one hold of the lock; how many, or -EINVAL for a dead stream. */
static int GenReserveBatch(PKUMEM_EVENTS e, uint32_t len, unsigned max, void **p, uint64_t *pos,
			   uint64_t *end)
{
	KIRQL irql;
	int n = 0;

	KeAcquireSpinLock(&e->Lock, &irql);
	if (!e->Closed)
		n = kumem_ev_reserve_batch(&e->Ev, len, max, p, pos);
	*end = e->Ev.pos;
	KeReleaseSpinLock(&e->Lock, irql);
	/* a record too large was refused when the generator started: count it as none */
	return n < 0 && n != -KUMEM_EINVAL ? 0 : n;
}

static void GenDead(PKUMEM_EVENTS e)
{
	kumem_os_write_once_u32(&e->Prod->flags, KUMEM_RING_DEAD);
	kumem_os_smp_mb(); /* the waiters' checks see it, or we see them */
	KumemWaitNotify(&e->Waits);
}

static VOID KumemEventsGenThread(PVOID Context)
{
	PKUMEM_EVENTS e = Context;
	const struct kumem_events_gen g = e->GenArgs;
	const ULONG64 start = KeQueryInterruptTime();
	LONGLONG backoff = KUMEM_GEN_MIN_WAIT;
	void *p[KUMEM_GEN_BATCH];
	uint64_t pos[KUMEM_GEN_BATCH], end, seq = 0;
	int n, i;

	while (seq < g.count && !InterlockedOr(&e->GenStopping, 0)) {
		if (g.rate) {
			/* paced: one record at a time, dropped (and counted) when full */
			ULONG64 due = start + seq * 10000000ull / g.rate,
				now = KeQueryInterruptTime();

			if (due > now + KUMEM_GEN_MIN_WAIT && GenSleep(e, (LONGLONG)(due - now)))
				break;
			n = EventsReserve(e, g.record_len, &p[0], &pos[0], true);
			if (n == -KUMEM_ENOSPC) {
				seq++;
				continue;
			}
			if (n == 0) {
				n = 1;
				end = pos[0] + 1;
			}
		} else {
			/* as fast as the consumer takes them: batches, waiting for space */
			n = GenReserveBatch(e, g.record_len,
					    (unsigned)(g.count - seq < KUMEM_GEN_BATCH
							       ? g.count - seq
							       : KUMEM_GEN_BATCH),
					    p, pos, &end);
			if (n == 0) {
				/* full: nothing wakes us (the consumer frees space without a
				 * system call), so back off as the Linux generator does */
				if (GenSleep(e, backoff))
					break;
				backoff = backoff * 2 < KUMEM_GEN_MAX_WAIT ? backoff * 2
									   : KUMEM_GEN_MAX_WAIT;
				continue;
			}
			backoff = KUMEM_GEN_MIN_WAIT;
		}
		if (n < 0) {
			if (n == -KUMEM_EINVAL) /* the consumer wrote an impossible position */
				GenDead(e);
			break;
		}
		for (i = 0; i < n; i++) {
			GenFill(p[i], g.record_len, seq + i);
			kumem_ev_publish(&e->Ev, pos[i], false);
		}
		if (kumem_ev_caught_up(&e->Ev, pos[0], end))
			KumemWaitNotify(&e->Waits);
		seq += n;
		kumem_os_store_release_u64(&e->Prod->produced, e->Prod->produced + (uint64_t)n);
	}
	PsTerminateSystemThread(STATUS_SUCCESS);
}

static void GenLock(PKUMEM_EVENTS e)
{
	KeWaitForSingleObject(&e->GenLock, Executive, KernelMode, FALSE, NULL);
}

static void GenUnlock(PKUMEM_EVENTS e)
{
	KeSetEvent(&e->GenLock, IO_NO_INCREMENT, FALSE);
}

/* GenLock held. */
static void GenStopLocked(PKUMEM_EVENTS e)
{
	if (!e->Gen)
		return;
	InterlockedExchange(&e->GenStopping, 1);
	KeSetEvent(&e->GenStop, IO_NO_INCREMENT, FALSE);
	KeWaitForSingleObject(e->Gen, Executive, KernelMode, FALSE, NULL);
	ObDereferenceObject(e->Gen);
	e->Gen = NULL;
}

static int GenStartLocked(PKUMEM_EVENTS e, const struct kumem_events_gen *g)
{
	OBJECT_ATTRIBUTES attrs;
	NTSTATUS status;
	HANDLE thread;

	e->GenArgs = *g;
	InterlockedExchange(&e->GenStopping, 0);
	KeClearEvent(&e->GenStop);
	/* a kernel handle: the calling process must not see, close or reuse it */
	InitializeObjectAttributes(&attrs, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
	status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &attrs, NULL, NULL,
				      KumemEventsGenThread, e);
	if (!NT_SUCCESS(status))
		return -KUMEM_ENOMEM;
	status = ObReferenceObjectByHandle(thread, SYNCHRONIZE, KUMEM_OBJECT_TYPE(PsThreadType),
					   KernelMode, (PVOID *)&e->Gen, NULL);
	if (!NT_SUCCESS(status)) {
		/* without the object nothing could wait for the thread: stop it now */
		InterlockedExchange(&e->GenStopping, 1);
		KeSetEvent(&e->GenStop, IO_NO_INCREMENT, FALSE);
		ZwWaitForSingleObject(thread, FALSE, NULL);
		ZwClose(thread);
		e->Gen = NULL;
		return -KUMEM_ENOMEM;
	}
	ZwClose(thread);
	return 0;
}

int KumemEventsGenerate(PKUMEM_FILE File, const struct kumem_events_gen *g)
{
	PKUMEM_EVENTS e;
	int err;

	if (g->reserved0 || g->reserved1)
		return -KUMEM_EINVAL;
	err = KumemEventsLookup(File, g->events_id, &e);
	if (err)
		return err;
	if (g->count && (g->record_len < 8 || g->record_len % 8 ||
			 g->record_len > kumem_ev_max_payload(e->DataBytes))) {
		err = -KUMEM_EINVAL;
		goto out;
	}
	GenLock(e);
	GenStopLocked(e);
	if (e->Closed)
		err = -KUMEM_EBADFD; /* released meanwhile: nobody would stop a new thread */
	else if (g->count)
		err = GenStartLocked(e, g);
	GenUnlock(e);
out:
	KumemEventsPut(e);
	return err;
}

/* ---- the consumer's wait (KUMEM_IOC_EVENTS_WAIT) ------------------------------------------ */

/* 1: a committed record waits at consumer_pos; 0: none; -EBADFD: dead, or a position that
 * cannot be (consumer_pos is the process's to write). */
static int EventsReady(PKUMEM_EVENTS e)
{
	uint64_t cons, prod;

	if (e->Closed || (kumem_os_read_once_u32(&e->Prod->flags) & KUMEM_RING_DEAD))
		return -KUMEM_EBADFD;
	cons = kumem_os_read_once_u64(&e->Cons->consumer_pos);
	prod = kumem_os_load_acquire_u64(&e->Prod->producer_pos);
	if (prod - cons > e->DataBytes)
		return -KUMEM_EBADFD;
	if (cons == prod)
		return 0;
	return !(kumem_os_load_acquire_u32(&kumem_ev_hdr_at(&e->Ev, cons)->len) & KUMEM_EV_BUSY);
}

static int EventsWaitCheck(PKUMEM_WAIT_QUEUE q, ULONG Param)
{
	UNREFERENCED_PARAMETER(Param);
	return EventsReady(CONTAINING_RECORD(q, KUMEM_EVENTS, Waits));
}

/* A pended wait's answer: ready = 1, or ready = 0 when its deadline passed (not an error, as
 * a timeout of poll on Linux); cancelled and closed are errors. */
static int EventsWaitResult(PIRP Irp, int Err, ULONG_PTR *Info)
{
	struct kumem_events_wait *w = Irp->AssociatedIrp.SystemBuffer;

	if (Err == -KUMEM_ETIMEDOUT)
		Err = 0;
	else if (!Err)
		w->ready = 1;
	*Info = Err ? 0 : sizeof(*w);
	return Err;
}

/*
 * A record ready at consumer_pos: at once; else, with a timeout, the IRP is queued
 * (KUMEM_WAIT_PENDING) until a commit, its deadline (taken now, once), cancellation or the
 * stream's end. The look here needs no barrier: the one after the queueing pairs with the
 * producer's (core/evring.c, kumem_ev_caught_up()).
 */
int KumemEventsWait(PKUMEM_FILE File, PIRP Irp, struct kumem_events_wait *w)
{
	const ULONG64 start = KeQueryInterruptTime();
	PKUMEM_EVENTS e;
	int err;

	if (w->reserved0 || w->reserved1)
		return -KUMEM_EINVAL;
	err = KumemEventsLookup(File, w->events_id, &e);
	if (err)
		return err;
	w->ready = 0;
	err = EventsReady(e);
	if (err) {
		w->ready = err > 0;
		err = err > 0 ? 0 : err;
	} else if (w->timeout_ns) {
		/* 100 ns units; at least one, so that 0 keeps meaning "no deadline" */
		ULONG64 deadline =
			w->timeout_ns < 0 ? 0 : start + (ULONG64)w->timeout_ns / 100 + 1;

		err = KumemWaitPend(&e->Waits, Irp, 0, deadline, w, sizeof(*w));
	}
	KumemEventsPut(e);
	return err;
}

/* ---- memory ---------------------------------------------------------------------------- */

/*
 * The double MDL: Pages' frames, then the data frames again. Its pages are locked in the
 * sense MDL_PAGES_LOCKED promises (they come from MmAllocatePagesForMdlEx and never move),
 * and that flag is one of the two a driver may set in an MDL (docs/windows.md says more).
 */
static int EventsBuildMdls(PKUMEM_EVENTS e, ULONG Pages, ULONG DataPages)
{
	const ULONG total = (2 + 2 * DataPages) << PAGE_SHIFT;
	PPFN_NUMBER src = MmGetMdlPfnArray(e->Pages), dst;
	ULONG i;

	e->Double = IoAllocateMdl(NULL, total, FALSE, FALSE, NULL);
	if (!e->Double)
		return -KUMEM_ENOMEM;
	dst = MmGetMdlPfnArray(e->Double);
	for (i = 0; i < Pages; i++)
		dst[i] = src[i];
	for (i = 0; i < DataPages; i++)
		dst[Pages + i] = src[2 + i];
	e->Double->MdlFlags |= MDL_PAGES_LOCKED;
	/* two user mappings of different protection: partial MDLs of the double one (built
	 * before it is mapped to system space, so they inherit no system mapping) */
	e->UserRw = IoAllocateMdl(NULL, PAGE_SIZE, FALSE, FALSE, NULL);
	e->UserRo =
		IoAllocateMdl((PVOID)(ULONG_PTR)PAGE_SIZE, total - PAGE_SIZE, FALSE, FALSE, NULL);
	if (!e->UserRw || !e->UserRo)
		return -KUMEM_ENOMEM; /* EventsFreeMdls undoes */
	IoBuildPartialMdl(e->Double, e->UserRw, MmGetMdlVirtualAddress(e->Double), PAGE_SIZE);
	IoBuildPartialMdl(e->Double, e->UserRo,
			  (PUCHAR)MmGetMdlVirtualAddress(e->Double) + PAGE_SIZE, total - PAGE_SIZE);
	return 0;
}

/* The MDLs built by EventsBuildMdls, partial ones first; none of them is mapped any more. */
static void EventsFreeMdls(PKUMEM_EVENTS e)
{
	if (e->UserRo)
		IoFreeMdl(e->UserRo);
	if (e->UserRw)
		IoFreeMdl(e->UserRw);
	if (e->Double) {
		/* ours to clear: the pages are Pages', freed with it, never unlocked here */
		e->Double->MdlFlags &= ~MDL_PAGES_LOCKED;
		IoFreeMdl(e->Double);
	}
}

/* Map both user pieces into the current process (PASSIVE_LEVEL: UserMode mappings raise). */
static int EventsMapUser(PKUMEM_EVENTS e)
{
	const ULONG prio = NormalPagePriority | MdlMappingNoExecute;

	__try {
		e->UserRwVa = MmMapLockedPagesSpecifyCache(e->UserRw, UserMode, MmCached, NULL,
							   FALSE, prio);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		e->UserRwVa = NULL;
	}
	if (!e->UserRwVa)
		return -KUMEM_ENOMEM;
	__try {
		e->UserRoVa = MmMapLockedPagesSpecifyCache(e->UserRo, UserMode, MmCached, NULL,
							   FALSE, prio | MdlMappingNoWrite);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		e->UserRoVa = NULL;
	}
	if (!e->UserRoVa) {
		MmUnmapLockedPages(e->UserRwVa, e->UserRw);
		e->UserRwVa = NULL;
		return -KUMEM_ENOMEM;
	}
	InterlockedAdd64(&KumemCounters.UserMappings, 2);
	return 0;
}

/* In the owner's context (attached if need be): the process may no longer see the stream. */
static void EventsUnmapUser(PKUMEM_EVENTS e)
{
	KAPC_STATE apc;
	bool attach = e->Owner != PsGetCurrentProcess();

	if (!e->UserRwVa)
		return;
	if (attach)
		KeStackAttachProcess((PKPROCESS)e->Owner, &apc);
	MmUnmapLockedPages(e->UserRoVa, e->UserRo);
	MmUnmapLockedPages(e->UserRwVa, e->UserRw);
	if (attach)
		KeUnstackDetachProcess(&apc);
	e->UserRwVa = e->UserRoVa = NULL;
	InterlockedAdd64(&KumemCounters.UserMappings, -2);
}

/* Everything but the user mappings and the quota, which EventsClose gave back. */
static void EventsFree(PKUMEM_EVENTS e)
{
	/* every wait was completed at close; their records, timers and DPCs go before us */
	KumemWaitDrain(&e->Waits);
	if (e->SystemVa)
		MmUnmapLockedPages(e->SystemVa, e->Double);
	EventsFreeMdls(e);
	if (e->Pages) {
		MmFreePagesFromMdl(e->Pages);
		ExFreePool(e->Pages);
		InterlockedAdd64(&KumemCounters.AllocatedPages, -(LONG64)(e->Bytes >> PAGE_SHIFT));
	}
	ObDereferenceObject(e->Owner);
	ExFreePoolWithTag(e, KUMEM_POOL_TAG);
}

/*
 * Unlinked by the caller, PASSIVE_LEVEL: stop the generator, wake waiters, undo the user
 * mappings in the owner, give back the quota, drop the list's reference. A kernel producer
 * holding a reference may go on writing through the system mapping until it puts it.
 */
static void EventsClose(PKUMEM_EVENTS e)
{
	KIRQL irql;

	KeAcquireSpinLock(&e->Lock, &irql);
	InterlockedExchange(&e->Closed, 1); /* under the lock: no reserve after this one */
	kumem_os_write_once_u32(&e->Prod->flags, KUMEM_RING_DEAD);
	KeReleaseSpinLock(&e->Lock, irql);
	/* a waiter queueing itself now sees Closed after its insert (irp_wait.c) */
	kumem_os_smp_mb();
	KumemWaitCloseAll(&e->Waits, -KUMEM_EBADFD);
	GenLock(e);
	GenStopLocked(e);
	GenUnlock(e);
	EventsUnmapUser(e);
	/* after the unmapping (and the detach): the owner's exit notification waits for this */
	KumemQuotaUncharge(e->Owner, e->Bytes);
	KumemEventsPut(e);
}

/* ---- create, release, cleanup ------------------------------------------------------------ */

/* Allocate and map a stream of @DataBytes for the current process: one reference, not
 * published anywhere, quota charged. */
static int EventsNew(ULONG64 DataBytes, PKUMEM_EVENTS *Out)
{
	const ULONG dataPages = (ULONG)(DataBytes >> PAGE_SHIFT), pages = 2 + dataPages;
	PHYSICAL_ADDRESS low, high, skip;
	PKUMEM_EVENTS e;
	int err;

	e = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*e), KUMEM_POOL_TAG);
	if (!e)
		return -KUMEM_ENOMEM;
	RtlZeroMemory(e, sizeof(*e));
	e->RefCount = 1;
	e->DataBytes = DataBytes;
	e->Bytes = (ULONG64)pages << PAGE_SHIFT;
	e->Owner = PsGetCurrentProcess();
	err = KumemQuotaCharge(e->Owner, e->Bytes);
	if (err) {
		ExFreePoolWithTag(e, KUMEM_POOL_TAG);
		return err;
	}
	ObReferenceObject(e->Owner);
	KeInitializeSpinLock(&e->Lock);
	KumemWaitInit(&e->Waits, EventsWaitCheck, EventsWaitResult);
	KeInitializeEvent(&e->GenStop, NotificationEvent, FALSE);
	KeInitializeEvent(&e->GenLock, SynchronizationEvent, TRUE);

	low.QuadPart = 0;
	high.QuadPart = -1;
	skip.QuadPart = 0;
	/* zeroed (no MM_DONT_ZERO_ALLOCATION), all or nothing */
	e->Pages = MmAllocatePagesForMdlEx(low, high, skip, (SIZE_T)e->Bytes, MmCached,
					   MM_ALLOCATE_FULLY_REQUIRED);
	if (!e->Pages) {
		err = -KUMEM_ENOMEM;
		goto cleanupQuota;
	}
	if (MmGetMdlByteCount(e->Pages) != e->Bytes) {
		MmFreePagesFromMdl(e->Pages);
		ExFreePool(e->Pages);
		e->Pages = NULL;
		err = -KUMEM_ENOMEM;
		goto cleanupQuota;
	}
	InterlockedAdd64(&KumemCounters.AllocatedPages, pages);
	err = EventsBuildMdls(e, pages, dataPages);
	if (err)
		goto cleanupQuota;
	e->SystemVa =
		MmGetSystemAddressForMdlSafe(e->Double, NormalPagePriority | MdlMappingNoExecute);
	if (!e->SystemVa) {
		err = -KUMEM_ENOMEM;
		goto cleanupQuota;
	}
	err = EventsMapUser(e);
	if (err)
		goto cleanupQuota;
	e->Cons = (struct kumem_ev_consumer_page *)e->SystemVa;
	e->Prod = (struct kumem_ev_producer_page *)(e->SystemVa + PAGE_SIZE);
	kumem_ev_attach(&e->Ev, &e->Cons->consumer_pos, &e->Prod->producer_pos,
			e->SystemVa + 2 * PAGE_SIZE, DataBytes, true);
	*Out = e;
	return 0;

cleanupQuota:
	KumemQuotaUncharge(e->Owner, e->Bytes);
	EventsFree(e); /* frees whatever was made */
	return err;
}

/*
 * A stream for the current process, published in @File (the process's kumem handle) under a
 * new id: @a in (data_bytes, checked as on Linux), out (id, layout, user addresses). With
 * @Ref, the caller also gets a reference (a driver producing into it; KumemEventsPut).
 */
int KumemEventsCreateStream(PKUMEM_FILE File, struct kumem_events_create *a, PKUMEM_EVENTS *Ref)
{
	PKUMEM_EVENTS e;
	int err;

	if (a->reserved0 || a->user_addr || a->user_ro_addr)
		return -KUMEM_EINVAL;
	if (a->data_bytes < 4 * PAGE_SIZE || (a->data_bytes & (a->data_bytes - 1)) ||
	    a->data_bytes > KUMEM_EV_MAX_BYTES)
		return -KUMEM_EINVAL;
	err = EventsNew(a->data_bytes, &e);
	if (err)
		return err;
	FileLock(File);
	err = KumemFileCanInsertLocked(File, e->Bytes);
	if (!err) {
		e->Id = KumemFileNewIdLocked(File);
		InsertTailList(&File->Events, &e->Link);
		File->RegionCount++;
		File->Bytes += e->Bytes;
		if (Ref)
			EventsGet(e);
	}
	FileUnlock(File);
	if (err) {
		EventsClose(e); /* the only reference */
		return err;
	}
	a->events_fd = (int32_t)e->Id;
	a->map_len = e->Bytes + e->DataBytes;
	a->data_offset = 2 * PAGE_SIZE;
	a->user_addr = (uint64_t)(ULONG_PTR)e->UserRwVa;
	a->user_ro_addr = (uint64_t)(ULONG_PTR)e->UserRoVa;
	if (Ref)
		*Ref = e;
	return 0;
}

static void EventsUnlinkLocked(PKUMEM_FILE File, PKUMEM_EVENTS e)
{
	RemoveEntryList(&e->Link);
	File->RegionCount--;
	File->Bytes -= e->Bytes;
}

int KumemEventsRelease(PKUMEM_FILE File, ULONG Id)
{
	PKUMEM_EVENTS e;
	int err;

	FileLock(File);
	err = EventsOwnedLocked(File, Id, &e);
	if (!err)
		EventsUnlinkLocked(File, e);
	FileUnlock(File);
	if (!err)
		EventsClose(e);
	return err;
}

/* A driver that created a stream with a reference: release it and drop the reference. */
void KumemEventsDestroyStream(PKUMEM_FILE File, PKUMEM_EVENTS e)
{
	bool listed;

	FileLock(File);
	listed = KumemEventsLookupLocked(File, e->Id) == e;
	if (listed)
		EventsUnlinkLocked(File, e);
	FileUnlock(File);
	if (listed)
		EventsClose(e);
	KumemEventsPut(e);
}

/* The exit notification's half: unlink @ProcessId's streams under the file's lock ... */
void KumemEventsTakeOwned(PKUMEM_FILE File, HANDLE ProcessId, PLIST_ENTRY Out)
{
	PLIST_ENTRY l, next;

	FileLock(File);
	for (l = File->Events.Flink; l != &File->Events; l = next) {
		PKUMEM_EVENTS e = CONTAINING_RECORD(l, KUMEM_EVENTS, Link);

		next = l->Flink;
		if (!ProcessId || PsGetProcessId(e->Owner) == ProcessId) {
			EventsUnlinkLocked(File, e);
			InsertTailList(Out, &e->Link);
		}
	}
	FileUnlock(File);
}

/* ... and close them with no lock held (stopping a generator waits for its thread). */
void KumemEventsCloseList(PLIST_ENTRY List)
{
	while (!IsListEmpty(List))
		EventsClose(CONTAINING_RECORD(RemoveHeadList(List), KUMEM_EVENTS, Link));
}

/* IRP_MJ_CLEANUP / IRP_MJ_CLOSE (ProcessId NULL: every stream of the handle). */
void KumemEventsCleanup(PKUMEM_FILE File, HANDLE ProcessId)
{
	LIST_ENTRY list;

	InitializeListHead(&list);
	KumemEventsTakeOwned(File, ProcessId, &list);
	KumemEventsCloseList(&list);
}
