// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The model's I/O manager, asynchronous half: overlapped METHOD_BUFFERED requests, pending,
 * cancellation, the cancel-safe queue routines and I/O completion ports.
 *
 *   request      an IRP of its own (heap), holding a pointer reference on the file, listed
 *                until it is finished; its thread is the sender's
 *   pending      dispatch returns STATUS_PENDING after IoMarkIrpPending; the driver completes
 *                it later from any thread at IRQL <= DISPATCH_LEVEL. Whichever of "dispatch
 *                returned" and "completed" comes second finishes the request: the output is
 *                copied to the caller's buffer (not for an error status), the OVERLAPPED is
 *                filled in, a packet goes to the file's completion port (if the request was
 *                pending or did not fail), then the IRP is poisoned and freed (AddressSanitizer
 *                sees any later touch by the driver) and the file reference dropped
 *   cancel       IoCancelIrp: the cancel spin lock, Cancel set, the cancel routine taken
 *                and called at DISPATCH_LEVEL holding that lock (it must release it).
 *                CancelIoEx and a thread's exit call it; the exit waits (bounded) for the
 *                cancelled requests to complete, as Windows does before the process can go
 *   IoCsq*       the documented behaviour of the system's cancel-safe queue: the driver's
 *                lock around its insert/remove/peek callbacks, IoMarkIrpPending on insert,
 *                the queue's own cancel routine, an IRP cancelled before or during insertion
 *                handed to the driver's CompleteCanceledIrp, DriverContext[3] for the
 *                queue's context. The lock must be a spin lock (checked: IRQL is
 *                DISPATCH_LEVEL once it is held), since IoCancelIrp may run at DISPATCH_LEVEL
 *
 * Checked as Driver Verifier's I/O verification would: completing with STATUS_PENDING or
 * with a cancel routine set (0xC9), STATUS_PENDING without IoMarkIrpPending and the reverse
 * (0xC9, wm_io.c), IoMarkIrpPending after completion, a second completion (0x44), requests
 * still pending after the file's IRP_MJ_CLEANUP returned, a cancelled request never completed.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <sanitizer/asan_interface.h>

#include "wm.h"

struct wm_irp {
	IRP irp;
	struct wm_irp *next; /* all requests not yet finished, under wm_lock */
	struct wm_overlapped *ov;
	struct wm_overlapped sync_ov; /* a synchronous caller's */
	PFILE_OBJECT file;
	struct wm_process *proc;
	bool packet;   /* post to the file's port when it completes */
	bool returned; /* dispatch has returned */
	NTSTATUS dispatch_status;
	bool completed;	      /* IoCompleteRequest was called */
	int cancel_refs;      /* IoCancelIrp calls in progress on it: freeing waits */
	bool finish_deferred; /* finished while a canceller held it */
	bool poisoned;	      /* completed while its dispatch routine still ran: off limits to it */
	bool dispatch_over;   /* the routine has returned: the model reads the IRP again */
};

static struct wm_irp *irps;
static KSPIN_LOCK cancel_lock;

struct wm_port {
	struct {
		struct wm_overlapped *ov;
		ULONG_PTR key;
	} q[256];
	unsigned head, tail;
};

/* ---- completion ------------------------------------------------------------------------ */

static void port_post(struct wm_port *port, struct wm_overlapped *ov, ULONG_PTR key)
{
	if (port->tail - port->head == 256)
		wm_bugcheck(0xC4, "the model's completion port is full");
	port->q[port->tail % 256].ov = ov;
	port->q[port->tail % 256].key = key;
	port->tail++;
}

static void irp_free(struct wm_irp *a)
{
	PFILE_OBJECT f = a->file;

	free(a->irp.AssociatedIrp.SystemBuffer);
	memset(a, 0x6b, sizeof(*a));
	free(a);
	wm_file_deref(f);
}

/* Both "dispatch returned" and "completed" have happened: deliver the result. */
static void irp_finish(struct wm_irp *a)
{
	PIRP irp = &a->irp;
	struct wm_overlapped *ov = a->ov;
	struct wm_irp **pp;
	bool pending = irp->Stack.Control & SL_PENDING_RETURNED;
	bool free_now;

	if (!NT_ERROR(irp->IoStatus.Status) && ov->out && ov->out_len)
		memcpy(ov->out, irp->AssociatedIrp.SystemBuffer,
		       irp->IoStatus.Information < ov->out_len ? irp->IoStatus.Information
							       : ov->out_len);
	pthread_mutex_lock(&wm_lock);
	for (pp = &irps; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	ov->status = irp->IoStatus.Status;
	ov->info = irp->IoStatus.Information;
	__atomic_store_n(&ov->done, 1, __ATOMIC_RELEASE);
	if (a->packet && a->file->ModelPort && (pending || !NT_ERROR(irp->IoStatus.Status)))
		port_post(a->file->ModelPort, ov, a->file->ModelKey);
	free_now = !a->cancel_refs;
	if (!free_now)
		a->finish_deferred = true;
	pthread_cond_broadcast(&wm_cond);
	pthread_mutex_unlock(&wm_lock);
	if (free_now)
		irp_free(a);
}

/*
 * Completed from another thread after IoMarkIrpPending, while the dispatch routine still
 * runs: on Windows the I/O manager may free the IRP at once, so the driver may not touch it
 * again. The model keeps it until the routine returns but poisons it meanwhile, and
 * AddressSanitizer stops any touch (not while a canceller holds it: IoCancelIrp may still
 * read it, legitimately).
 */
void wm_irp_completed(PIRP Irp)
{
	struct wm_irp *a = Irp->Async;
	bool finish;

	pthread_mutex_lock(&wm_lock);
	a->completed = true;
	finish = a->returned;
	if (!finish && !a->dispatch_over && (Irp->Stack.Control & SL_PENDING_RETURNED) &&
	    !a->cancel_refs) {
		a->poisoned = true;
		ASAN_POISON_MEMORY_REGION(Irp, sizeof(*Irp));
	}
	pthread_mutex_unlock(&wm_lock);
	if (finish)
		irp_finish(a);
}

void wm_irp_dispatch_returned(PIRP Irp)
{
	struct wm_irp *a;

	/* the model's own IRPs (synchronous ones) live on the caller's stack: no Async */
	pthread_mutex_lock(&wm_lock);
	for (a = irps; a; a = a->next)
		if (&a->irp == Irp)
			break;
	if (a) {
		a->dispatch_over = true;
		if (a->poisoned)
			ASAN_UNPOISON_MEMORY_REGION(Irp, sizeof(*Irp));
		a->poisoned = false;
	}
	pthread_mutex_unlock(&wm_lock);
}

static NTSTATUS irp_send(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len,
			 void *out, ULONG out_len, struct wm_overlapped *ov, bool packet,
			 struct wm_irp **sent)
{
	struct wm_irp *a = calloc(1, sizeof(*a));
	ULONG buf_len = in_len > out_len ? in_len : out_len;
	NTSTATUS status;
	bool finish;

	if ((code & 3) != 0)
		wm_bugcheck(0xC4, "overlapped IOCTL method %u is not modelled", code & 3);
	memset(ov, 0, sizeof(*ov));
	ov->out = out;
	ov->out_len = out_len;
	a->ov = ov;
	a->proc = p;
	a->packet = packet;
	a->file = wm_file_ref(p, h);
	a->irp.Async = a;
	a->irp.Tail.Overlay.Thread = wm_current();
	a->irp.Stack.MajorFunction = IRP_MJ_DEVICE_CONTROL;
	a->irp.Stack.FileObject = a->file;
	a->irp.Stack.Parameters.DeviceIoControl.IoControlCode = code;
	a->irp.Stack.Parameters.DeviceIoControl.InputBufferLength = in_len;
	a->irp.Stack.Parameters.DeviceIoControl.OutputBufferLength = out_len;
	a->irp.AssociatedIrp.SystemBuffer = buf_len ? calloc(1, buf_len) : NULL;
	a->irp.UserBuffer = out; /* METHOD_BUFFERED: the caller's output buffer */
	if (in_len)
		memcpy(a->irp.AssociatedIrp.SystemBuffer, in, in_len);
	pthread_mutex_lock(&wm_lock);
	a->next = irps;
	irps = a;
	pthread_mutex_unlock(&wm_lock);
	if (sent)
		*sent = a;
	status = wm_call_driver(p, &a->irp);
	pthread_mutex_lock(&wm_lock);
	a->returned = true;
	a->dispatch_status = status;
	finish = a->completed;
	pthread_mutex_unlock(&wm_lock);
	if (finish)
		irp_finish(a);
	return status;
}

NTSTATUS wm_ioctl_overlapped(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len,
			     void *out, ULONG out_len, struct wm_overlapped *ov)
{
	return irp_send(p, h, code, in, in_len, out, out_len, ov, true, NULL);
}

static void irp_cancel(struct wm_irp *a);

/* A synchronous caller (libkumem's dev_ioctl: its own event, the low bit set so that no
 * packet reaches a port): waits for a pended request, however long it takes, unless its
 * thread is told to end: then the request is cancelled, as IoCancelThreadIo does for the
 * requests of an exiting thread, and the wait goes on until the driver completes it. */
NTSTATUS wm_irp_ioctl_sync(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len,
			   void *out, ULONG out_len, ULONG_PTR *info);
NTSTATUS wm_irp_ioctl_sync(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len,
			   void *out, ULONG out_len, ULONG_PTR *info)
{
	struct wm_overlapped ov;
	struct wm_irp *sent;
	NTSTATUS status;

	status = irp_send(p, h, code, in, in_len, out, out_len, &ov, false, &sent);
	if (status == STATUS_PENDING) {
		struct wm_thread *t = wm_current();
		bool cancelled = false;

		pthread_mutex_lock(&wm_lock);
		__atomic_store_n(&t->blocked, true, __ATOMIC_RELEASE);
		while (!ov.done) {
			if (t->terminating && !cancelled && !sent->completed) {
				/* not finished (ov.done is set under wm_lock): still listed */
				sent->cancel_refs++;
				cancelled = true;
				pthread_mutex_unlock(&wm_lock);
				irp_cancel(sent);
				pthread_mutex_lock(&wm_lock);
				continue;
			}
			pthread_cond_wait(&wm_cond, &wm_lock);
		}
		__atomic_store_n(&t->blocked, false, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&wm_lock);
	}
	if (!ov.done)
		wm_bugcheck(0xC4, "dispatch returned %#x without completing the request",
			    (unsigned)status);
	if (info)
		*info = ov.info;
	return ov.status;
}

bool wm_overlapped_wait(struct wm_overlapped *ov, int ms)
{
	struct timespec ts;
	bool done;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&wm_lock);
	while (!ov->done && pthread_cond_timedwait(&wm_cond, &wm_lock, &ts) != ETIMEDOUT)
		;
	done = ov->done;
	pthread_mutex_unlock(&wm_lock);
	return done;
}

long wm_irps_pending(void)
{
	struct wm_irp *a;
	long n = 0;

	pthread_mutex_lock(&wm_lock);
	for (a = irps; a; a = a->next)
		n++;
	pthread_mutex_unlock(&wm_lock);
	return n;
}

/* ---- cancellation ---------------------------------------------------------------------- */

void IoMarkIrpPending(PIRP Irp)
{
	wm_enter("IoMarkIrpPending", DISPATCH_LEVEL);
	if (Irp->Completions)
		wm_bugcheck(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION: IoMarkIrpPending on a "
				  "completed IRP");
	Irp->Stack.Control |= SL_PENDING_RETURNED;
}

PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL Routine)
{
	wm_enter("IoSetCancelRoutine", DISPATCH_LEVEL);
	return __atomic_exchange_n(&Irp->CancelRoutine, Routine, __ATOMIC_SEQ_CST);
}

void IoAcquireCancelSpinLock(KIRQL *Irql)
{
	wm_enter("IoAcquireCancelSpinLock", DISPATCH_LEVEL);
	wm_internal(true);
	KeAcquireSpinLock(&cancel_lock, Irql);
	wm_internal(false);
}

void IoReleaseCancelSpinLock(KIRQL Irql)
{
	if (cancel_lock != (ULONG_PTR)wm_current())
		wm_bugcheck(0xC4, "IoReleaseCancelSpinLock by a thread that does not hold it");
	wm_internal(true);
	KeReleaseSpinLock(&cancel_lock, Irql);
	wm_internal(false);
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
	PDRIVER_CANCEL routine;
	KIRQL irql;

	wm_enter("IoCancelIrp", DISPATCH_LEVEL);
	IoAcquireCancelSpinLock(&irql);
	Irp->Cancel = TRUE;
	routine = IoSetCancelRoutine(Irp, NULL);
	if (!routine) {
		IoReleaseCancelSpinLock(irql);
		return FALSE;
	}
	Irp->CancelIrql = irql;
	routine(Irp->Stack.FileObject->DeviceObject, Irp);
	if (cancel_lock == (ULONG_PTR)wm_current())
		wm_bugcheck(0xC4, "a cancel routine returned holding the cancel spin lock");
	if (wm_current()->irql != irql)
		wm_bugcheck(0xC4, "a cancel routine returned at IRQL %d, called from %d",
			    wm_current()->irql, irql);
	return TRUE;
}

/* Cancel @a (found under wm_lock, which the caller held and dropped): it cannot be freed
 * while cancel_refs holds it. */
static void irp_cancel(struct wm_irp *a)
{
	bool free_now;

	IoCancelIrp(&a->irp);
	pthread_mutex_lock(&wm_lock);
	free_now = !--a->cancel_refs && a->finish_deferred;
	pthread_mutex_unlock(&wm_lock);
	if (free_now)
		irp_free(a);
}

bool wm_cancel_io(struct wm_process *p, HANDLE h, struct wm_overlapped *ov)
{
	PFILE_OBJECT f = wm_file_ref(p, h);
	struct wm_irp *a;

	pthread_mutex_lock(&wm_lock);
	for (a = irps; a; a = a->next)
		if (a->file == f && a->ov == ov && !a->completed)
			break;
	if (a)
		a->cancel_refs++;
	pthread_mutex_unlock(&wm_lock);
	if (a)
		irp_cancel(a);
	wm_file_deref(f);
	return a != NULL;
}

void wm_irp_cancel_process(struct wm_process *p)
{
	struct timespec deadline;
	struct wm_irp *a;

	for (;;) {
		pthread_mutex_lock(&wm_lock);
		for (a = irps; a; a = a->next)
			if (a->proc == p && !a->completed && !a->irp.Cancel)
				break;
		if (a)
			a->cancel_refs++;
		pthread_mutex_unlock(&wm_lock);
		if (!a)
			break;
		irp_cancel(a);
	}
	/* Windows waits for them (and says so after five minutes); the model, 10 s */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&wm_lock);
	for (;;) {
		for (a = irps; a; a = a->next)
			if (a->proc == p)
				break;
		if (!a)
			break;
		if (pthread_cond_timedwait(&wm_cond, &wm_lock, &deadline) == ETIMEDOUT)
			wm_bugcheck(0xC4,
				    "%s exits and a cancelled request of its own was not "
				    "completed in 10 s (the process would hang in exit)",
				    p->name);
	}
	pthread_mutex_unlock(&wm_lock);
}

void wm_irp_check_cleanup(PFILE_OBJECT f)
{
	struct wm_irp *a;

	pthread_mutex_lock(&wm_lock);
	for (a = irps; a; a = a->next)
		if (a->file == f && a->returned && !a->completed)
			wm_bugcheck(0xC4,
				    "IRP_MJ_CLEANUP returned with a request on the file still "
				    "pending in the driver (it must complete every one)");
	pthread_mutex_unlock(&wm_lock);
}

/* ---- completion ports ------------------------------------------------------------------ */

struct wm_port *wm_port_create(void)
{
	return calloc(1, sizeof(struct wm_port));
}

void wm_port_associate(struct wm_port *port, struct wm_process *p, HANDLE h, ULONG_PTR key)
{
	PFILE_OBJECT f = wm_file_ref(p, h);

	pthread_mutex_lock(&wm_lock);
	f->ModelPort = port;
	f->ModelKey = key;
	pthread_mutex_unlock(&wm_lock);
	wm_file_deref(f);
}

struct wm_overlapped *wm_port_get(struct wm_port *port, ULONG_PTR *key, int ms)
{
	struct wm_overlapped *ov = NULL;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&wm_lock);
	while (port->head == port->tail &&
	       pthread_cond_timedwait(&wm_cond, &wm_lock, &ts) != ETIMEDOUT)
		;
	if (port->head != port->tail) {
		ov = port->q[port->head % 256].ov;
		if (key)
			*key = port->q[port->head % 256].key;
		port->head++;
	}
	pthread_mutex_unlock(&wm_lock);
	return ov;
}

/* ---- the cancel-safe queue ------------------------------------------------------------- */

static void csq_lock(PIO_CSQ Csq, KIRQL *Irql)
{
	Csq->CsqAcquireLock(Csq, Irql);
	if (wm_current()->irql < DISPATCH_LEVEL)
		wm_bugcheck(0xC4,
			    "a cancel-safe queue's lock must be a spin lock (IRQL %d once "
			    "held): IoCancelIrp may run at DISPATCH_LEVEL",
			    wm_current()->irql);
}

static PIO_CSQ csq_of(PIRP Irp, PIO_CSQ_IRP_CONTEXT *ctx)
{
	PVOID p = Irp->Tail.Overlay.DriverContext[3];

	*ctx = NULL;
	if (p && *(ULONG *)p == IO_TYPE_CSQ_IRP_CONTEXT) {
		*ctx = p;
		return (*ctx)->Csq;
	}
	if (!p || *(ULONG *)p != IO_TYPE_CSQ)
		wm_bugcheck(0xC4, "IRP %p's DriverContext[3] (the queue's) was overwritten", Irp);
	return p;
}

/* The queue's cancel routine: called by IoCancelIrp with the cancel spin lock held. */
static void csq_cancel(PDEVICE_OBJECT Device, PIRP Irp)
{
	PIO_CSQ_IRP_CONTEXT ctx;
	PIO_CSQ csq;
	KIRQL irql;

	(void)Device;
	IoReleaseCancelSpinLock(Irp->CancelIrql);
	csq = csq_of(Irp, &ctx);
	csq_lock(csq, &irql);
	csq->CsqRemoveIrp(csq, Irp);
	if (ctx)
		ctx->Irp = NULL;
	Irp->Tail.Overlay.DriverContext[3] = NULL;
	csq->CsqReleaseLock(csq, irql);
	csq->CsqCompleteCanceledIrp(csq, Irp);
}

NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP InsertIrp, PIO_CSQ_REMOVE_IRP RemoveIrp,
			 PIO_CSQ_PEEK_NEXT_IRP PeekNextIrp, PIO_CSQ_ACQUIRE_LOCK AcquireLock,
			 PIO_CSQ_RELEASE_LOCK ReleaseLock,
			 PIO_CSQ_COMPLETE_CANCELED_IRP CompleteCanceledIrp)
{
	wm_enter("IoCsqInitialize", DISPATCH_LEVEL);
	Csq->Type = IO_TYPE_CSQ;
	Csq->CsqInsertIrp = InsertIrp;
	Csq->CsqRemoveIrp = RemoveIrp;
	Csq->CsqPeekNextIrp = PeekNextIrp;
	Csq->CsqAcquireLock = AcquireLock;
	Csq->CsqReleaseLock = ReleaseLock;
	Csq->CsqCompleteCanceledIrp = CompleteCanceledIrp;
	Csq->ReservePointer = NULL;
	return STATUS_SUCCESS;
}

void IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
	KIRQL irql;

	wm_enter("IoCsqInsertIrp", DISPATCH_LEVEL);
	if (Csq->Type != IO_TYPE_CSQ)
		wm_bugcheck(0xC4, "IoCsqInsertIrp on a queue IoCsqInitialize did not set up");
	if (Irp->Completions)
		wm_bugcheck(0xC4, "IoCsqInsertIrp of a completed IRP");
	csq_lock(Csq, &irql);
	Csq->CsqInsertIrp(Csq, Irp);
	IoMarkIrpPending(Irp);
	if (Context) {
		Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
		Context->Irp = Irp;
		Context->Csq = Csq;
		Irp->Tail.Overlay.DriverContext[3] = Context;
	} else {
		Irp->Tail.Overlay.DriverContext[3] = Csq;
	}
	IoSetCancelRoutine(Irp, csq_cancel);
	/* cancelled before it got here (IoCancelIrp found no routine): it is the queue's to end */
	if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL)) {
		Csq->CsqRemoveIrp(Csq, Irp);
		if (Context)
			Context->Irp = NULL;
		Irp->Tail.Overlay.DriverContext[3] = NULL;
		Csq->CsqReleaseLock(Csq, irql);
		Csq->CsqCompleteCanceledIrp(Csq, Irp);
		return;
	}
	Csq->CsqReleaseLock(Csq, irql);
}

PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
	PIRP irp;
	KIRQL irql;

	wm_enter("IoCsqRemoveIrp", DISPATCH_LEVEL);
	csq_lock(Csq, &irql);
	irp = Context->Type == IO_TYPE_CSQ_IRP_CONTEXT ? Context->Irp : NULL;
	if (irp) {
		/* a canceller that already took the routine will complete it: not ours */
		if (IoSetCancelRoutine(irp, NULL)) {
			Csq->CsqRemoveIrp(Csq, irp);
			Context->Irp = NULL;
			irp->Tail.Overlay.DriverContext[3] = NULL;
		} else {
			irp = NULL;
		}
	}
	Csq->CsqReleaseLock(Csq, irql);
	return irp;
}

PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
	PIO_CSQ_IRP_CONTEXT ctx;
	PIRP irp;
	KIRQL irql;

	wm_enter("IoCsqRemoveNextIrp", DISPATCH_LEVEL);
	csq_lock(Csq, &irql);
	irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext);
	while (irp) {
		if (IoSetCancelRoutine(irp, NULL)) {
			csq_of(irp, &ctx);
			Csq->CsqRemoveIrp(Csq, irp);
			if (ctx)
				ctx->Irp = NULL;
			irp->Tail.Overlay.DriverContext[3] = NULL;
			break;
		}
		/* being cancelled: its cancel routine will take it out */
		irp = Csq->CsqPeekNextIrp(Csq, irp, PeekContext);
	}
	Csq->CsqReleaseLock(Csq, irql);
	return irp;
}
