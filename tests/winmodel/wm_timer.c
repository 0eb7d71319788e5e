// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The model's kernel timers and DPCs. One "processor" runs expired timers' DPCs, in a thread of
 * its own at DISPATCH_LEVEL (DPCs run in no particular thread context). KeSetTimer takes a
 * relative due time (negative, on interrupt time) or an absolute one (positive, system time);
 * re-arming an inserted timer returns TRUE. KeCancelTimer returns TRUE only when it took the
 * timer out of the queue before it expired: an expired timer's DPC runs regardless, as on
 * Windows. Freeing pool that holds an inserted timer, or a DPC that is running, stops the
 * machine with 0xC7 (TIMER_OR_DPC_INVALID), as Driver Verifier's pool checks do; so does
 * unloading with a timer inserted.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "wm.h"

#define TIMER_MAGIC 0x544d5252
#define DPC_MAGIC   0x44504321

static PKTIMER timers; /* inserted, under wm_lock */
static bool dpc_cpu_started;
static PKDPC dpc_running;	 /* the DPC whose routine runs now, under wm_lock */
static struct wm_thread dpc_cpu; /* the thread DPC routines run in */

void KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE Routine, PVOID Context)
{
	wm_enter("KeInitializeDpc", DISPATCH_LEVEL);
	Dpc->Magic = DPC_MAGIC;
	Dpc->DeferredRoutine = Routine;
	Dpc->DeferredContext = Context;
}

void KeInitializeTimer(PKTIMER Timer)
{
	wm_enter("KeInitializeTimer", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	if (Timer->Magic == TIMER_MAGIC && Timer->Inserted)
		wm_bugcheck(0xC7, "TIMER_OR_DPC_INVALID: KeInitializeTimer of an inserted timer");
	pthread_mutex_unlock(&wm_lock);
	memset(Timer, 0, sizeof(*Timer));
	Timer->Header.Type = WM_OBJ_EVENT_N; /* a notification timer: waits see it signalled */
	Timer->Magic = TIMER_MAGIC;
}

static void timer_unlink(PKTIMER t)
{
	PKTIMER *pp;

	for (pp = &timers; *pp; pp = &(*pp)->Next) {
		if (*pp == t) {
			*pp = t->Next;
			break;
		}
	}
	t->Inserted = false;
}

static void *dpc_cpu_main(void *arg)
{
	(void)arg;
	wm_thread_adopt(&dpc_cpu);
	pthread_mutex_lock(&wm_lock);
	for (;;) {
		PKTIMER t, first = NULL;
		ULONG64 now = KeQueryInterruptTime();

		for (t = timers; t; t = t->Next)
			if (!first || t->Due < first->Due)
				first = t;
		if (!first) {
			pthread_cond_wait(&wm_cond, &wm_lock);
			continue;
		}
		if (first->Due > now) {
			struct timespec ts = { .tv_sec = (time_t)(first->Due / 10000000),
					       .tv_nsec = (long)(first->Due % 10000000) * 100 };

			pthread_cond_timedwait(&wm_cond, &wm_lock, &ts);
			continue;
		}
		/* expired: signalled, out of the queue, its DPC queued and run here */
		timer_unlink(first);
		first->Header.SignalState = 1;
		pthread_cond_broadcast(&wm_cond);
		if (first->Dpc) {
			PKDPC dpc = first->Dpc;
			PKDEFERRED_ROUTINE fn = dpc->DeferredRoutine;
			PVOID ctx = dpc->DeferredContext;

			if (dpc->Magic != DPC_MAGIC)
				wm_bugcheck(0xC7, "TIMER_OR_DPC_INVALID: the timer's DPC is not "
						  "an initialised KDPC");
			dpc_running = dpc;
			pthread_mutex_unlock(&wm_lock);
			dpc_cpu.irql = DISPATCH_LEVEL;
			fn(dpc, ctx, NULL, NULL);
			if (dpc_cpu.irql != DISPATCH_LEVEL || dpc_cpu.mutexes || dpc_cpu.attached)
				wm_bugcheck(0xC4,
					    "a DPC routine returned at IRQL %d, %d mutexes, "
					    "attached %d",
					    dpc_cpu.irql, dpc_cpu.mutexes, !!dpc_cpu.attached);
			pthread_mutex_lock(&wm_lock);
			dpc_running = NULL;
			pthread_cond_broadcast(&wm_cond);
		}
	}
	return NULL;
}

BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
	ULONG64 now = KeQueryInterruptTime(), due;
	BOOLEAN was;

	wm_enter("KeSetTimer", DISPATCH_LEVEL);
	if (Timer->Magic != TIMER_MAGIC)
		wm_bugcheck(0xC7, "TIMER_OR_DPC_INVALID: KeSetTimer on an uninitialised timer");
	if (Dpc && Dpc->Magic != DPC_MAGIC)
		wm_bugcheck(0xC7, "TIMER_OR_DPC_INVALID: KeSetTimer with an uninitialised DPC");
	if (DueTime.QuadPart <= 0) {
		due = now + (ULONG64)-DueTime.QuadPart;
	} else {
		LARGE_INTEGER sys;

		KeQuerySystemTime(&sys);
		due = DueTime.QuadPart > sys.QuadPart
			      ? now + (ULONG64)(DueTime.QuadPart - sys.QuadPart)
			      : now;
	}
	pthread_mutex_lock(&wm_lock);
	was = Timer->Inserted;
	if (was)
		timer_unlink(Timer);
	Timer->Due = due;
	Timer->Dpc = Dpc;
	Timer->Header.SignalState = 0;
	Timer->Inserted = true;
	Timer->Next = timers;
	timers = Timer;
	if (!dpc_cpu_started) {
		pthread_t pt;

		dpc_cpu_started = true;
		dpc_cpu.Header.Type = WM_OBJ_THREAD;
		dpc_cpu.refs = 1;
		dpc_cpu.proc = wm_system;
		dpc_cpu.system = true;
		pthread_create(&pt, NULL, dpc_cpu_main, NULL);
		pthread_detach(pt);
	}
	pthread_cond_broadcast(&wm_cond);
	pthread_mutex_unlock(&wm_lock);
	return was;
}

BOOLEAN KeCancelTimer(PKTIMER Timer)
{
	BOOLEAN was;

	wm_enter("KeCancelTimer", DISPATCH_LEVEL);
	if (Timer->Magic != TIMER_MAGIC)
		wm_bugcheck(0xC7, "TIMER_OR_DPC_INVALID: KeCancelTimer on an uninitialised timer");
	pthread_mutex_lock(&wm_lock);
	was = Timer->Inserted;
	if (was)
		timer_unlink(Timer);
	pthread_mutex_unlock(&wm_lock);
	return was;
}

void KeFlushQueuedDpcs(void)
{
	wm_enter("KeFlushQueuedDpcs", PASSIVE_LEVEL);
	pthread_mutex_lock(&wm_lock);
	for (;;) {
		ULONG64 now = KeQueryInterruptTime();
		bool queued = dpc_running != NULL;
		PKTIMER t;

		for (t = timers; t && !queued; t = t->Next)
			queued =
				t->Dpc && t->Due <= now; /* expired: its DPC is as good as queued */
		if (!queued)
			break;
		pthread_cond_wait(&wm_cond, &wm_lock);
	}
	pthread_mutex_unlock(&wm_lock);
}

void KeQuerySystemTime(PLARGE_INTEGER Time)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* 100 ns units since 1601-01-01 */
	Time->QuadPart = (LONGLONG)ts.tv_sec * 10000000 + ts.tv_nsec / 100 + 116444736000000000LL;
}

/* Under wm_lock: pool [p, p + size) is being freed. */
void wm_timer_check_free(const void *p, SIZE_T size)
{
	const char *lo = p, *hi = lo + size;
	PKTIMER t;

	for (t = timers; t; t = t->Next)
		if ((const char *)t >= lo && (const char *)t < hi)
			wm_bugcheck(0xC7,
				    "TIMER_OR_DPC_INVALID: pool %p freed with an inserted "
				    "timer at %p",
				    p, (void *)t);
	if (dpc_running && (const char *)dpc_running >= lo && (const char *)dpc_running < hi &&
	    wm_current() != &dpc_cpu)
		wm_bugcheck(0xC7, "TIMER_OR_DPC_INVALID: pool %p freed while its DPC runs", p);
}

long wm_timers_inserted(void)
{
	long n = 0;
	PKTIMER t;

	pthread_mutex_lock(&wm_lock);
	for (t = timers; t; t = t->Next)
		n++;
	pthread_mutex_unlock(&wm_lock);
	return n;
}
