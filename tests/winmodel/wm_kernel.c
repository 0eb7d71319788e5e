// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The model's Ke and Ps (and Ex's fast mutexes): threads, IRQL, fast mutexes, events and
 * waits, SEH, system threads, process attach and exit, fault injection and hooks (the object
 * manager, pool and security are in wm_ob.c). Each routine checks its documented contract
 * (IRQL, who may call it, in what state) and stops the "machine" with the bugcheck code
 * Windows or Driver Verifier would use.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wm.h"

pthread_mutex_t wm_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t wm_cond;
struct wm_process *wm_system;

static __thread struct wm_thread *cur;
static struct wm_process *processes[64];
static int nprocesses;
static ULONG next_pid = 4;

/* ---- bugcheck, contracts, hooks, fault injection --------------------------------------- */

void wm_bugcheck(ULONG code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "*** BUGCHECK 0x%02X: ", code);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	_exit(100); /* the machine stops; the scenario's parent reports it */
}

struct wm_thread *wm_current(void)
{
	return cur;
}

void wm_thread_adopt(struct wm_thread *t)
{
	cur = t;
}

struct hook {
	const char *fn;
	bool system_only;
	int nth, seen;
	void (*cb)(void *);
	void *arg;
};
static struct hook hooks[8];
static int nhooks;

void wm_hook(const char *fn, int nth, void (*cb)(void *), void *arg)
{
	pthread_mutex_lock(&wm_lock);
	hooks[nhooks++] = (struct hook){ fn, false, nth, 0, cb, arg };
	pthread_mutex_unlock(&wm_lock);
}

void wm_hook_system(const char *fn, int nth, void (*cb)(void *), void *arg)
{
	pthread_mutex_lock(&wm_lock);
	hooks[nhooks++] = (struct hook){ fn, true, nth, 0, cb, arg };
	pthread_mutex_unlock(&wm_lock);
}

static __thread int internal_depth; /* the model's own calls: no hooks, no injected faults */

void wm_internal(bool on)
{
	internal_depth += on ? 1 : -1;
}

void wm_enter(const char *fn, KIRQL max_irql)
{
	void (*cb)(void *) = NULL;
	void *arg = NULL;
	int i;

	if (internal_depth)
		return;

	if (!cur)
		wm_bugcheck(0xC4, "%s called from a thread the model does not know", fn);
	if (cur->irql > max_irql)
		wm_bugcheck(0xC4, "%s called at IRQL %d, allowed up to %d (%d fast mutexes held)",
			    fn, cur->irql, max_irql, cur->mutexes);
	pthread_mutex_lock(&wm_lock);
	for (i = 0; i < nhooks; i++) {
		if (hooks[i].system_only && !cur->system)
			continue;
		if (strcmp(hooks[i].fn, fn) == 0 && ++hooks[i].seen == hooks[i].nth) {
			cb = hooks[i].cb;
			arg = hooks[i].arg;
		}
	}
	pthread_mutex_unlock(&wm_lock);
	if (cb)
		cb(arg);
}

static int fail_at, fail_seen;
static bool fail_fired;
static NTSTATUS fail_probe_status = STATUS_WORKING_SET_QUOTA;

void wm_fail_plan(int n, NTSTATUS probe_status)
{
	pthread_mutex_lock(&wm_lock);
	fail_at = n;
	fail_seen = 0;
	fail_fired = false;
	if (probe_status)
		fail_probe_status = probe_status;
	pthread_mutex_unlock(&wm_lock);
}

int wm_fail_count(void)
{
	return fail_seen;
}

bool wm_fail_fired(void)
{
	return fail_fired;
}

NTSTATUS wm_fail_probe_status(void);
NTSTATUS wm_fail_probe_status(void)
{
	return fail_probe_status;
}

static const char *fail_fn;

void wm_fail_next(const char *fn, NTSTATUS status)
{
	pthread_mutex_lock(&wm_lock);
	fail_fn = fn;
	if (status)
		fail_probe_status = status;
	pthread_mutex_unlock(&wm_lock);
}

bool wm_should_fail(const char *fn)
{
	bool fail;

	if (internal_depth)
		return false;
	pthread_mutex_lock(&wm_lock);
	if (fail_fn && strcmp(fn, fail_fn) == 0) {
		fail_fn = NULL;
		pthread_mutex_unlock(&wm_lock);
		return true;
	}
	fail = ++fail_seen == fail_at;
	if (fail)
		fail_fired = true;
	pthread_mutex_unlock(&wm_lock);
	return fail;
}

/* ---- SEH --------------------------------------------------------------------------------- */

#define SEH_DEPTH 8
static __thread jmp_buf seh_frames[SEH_DEPTH];
static __thread int seh_depth;
static __thread NTSTATUS seh_code;

jmp_buf *wm_seh_push(void)
{
	if (seh_depth == SEH_DEPTH)
		wm_bugcheck(0x7F, "SEH frames nested too deep");
	return &seh_frames[seh_depth++];
}

void wm_seh_pop(void)
{
	seh_depth--;
}

NTSTATUS wm_seh_code(void)
{
	return seh_code;
}

int wm_seh_filter(int verdict)
{
	if (verdict != EXCEPTION_EXECUTE_HANDLER)
		ExRaiseStatus(seh_code); /* on to the next frame */
	return 1;
}

void ExRaiseStatus(NTSTATUS status)
{
	if (!seh_depth)
		wm_bugcheck(0x1E, "KMODE_EXCEPTION_NOT_HANDLED: status 0x%08X raised with no __try",
			    (unsigned)status);
	seh_code = status;
	longjmp(seh_frames[--seh_depth], 1);
}

/* ---- threads and processes --------------------------------------------------------------- */

struct wm_process *wm_process_create(const char *name, bool is32)
{
	struct wm_process *p = calloc(1, sizeof(*p));

	p->Header.Type = WM_OBJ_PROCESS;
	p->refs = 1; /* its own existence; dropped at exit */
	p->name = name;
	p->is32 = is32;
	p->admin = true;
	pthread_mutex_lock(&wm_lock);
	p->id = next_pid;
	next_pid += 4;
	processes[nprocesses++] = p;
	pthread_mutex_unlock(&wm_lock);
	return p;
}

void wm_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wm_cond, &ca);
	wm_system = wm_process_create("System", false);
	cur = calloc(1, sizeof(*cur));
	cur->Header.Type = WM_OBJ_THREAD;
	cur->refs = 1;
	cur->proc = wm_system;
	cur->pt = pthread_self();
	wm_mm_init();
}

void wm_become(struct wm_process *p)
{
	if (cur->attached || cur->mutexes)
		wm_bugcheck(0xC4, "the test switched process while attached or holding a mutex");
	cur->proc = p;
}

struct wm_process *wm_context_process(void)
{
	return cur->attached ? cur->attached : cur->proc;
}

PEPROCESS PsGetCurrentProcess(void)
{
	return wm_context_process();
}

PETHREAD PsGetCurrentThread(void)
{
	return cur;
}

HANDLE PsGetProcessId(PEPROCESS p)
{
	return (HANDLE)(ULONG_PTR)p->id;
}

HANDLE PsGetCurrentProcessId(void)
{
	return PsGetProcessId(cur->proc);
}

BOOLEAN PsIsThreadTerminating(PETHREAD t)
{
	return __atomic_load_n(&t->terminating, __ATOMIC_ACQUIRE);
}

BOOLEAN PsIsSystemThread(PETHREAD t)
{
	return t->system;
}

KIRQL KeGetCurrentIrql(void)
{
	return cur->irql;
}

void YieldProcessor(void)
{
	sched_yield();
}

void KeEnterCriticalRegion(void)
{
	cur->critical++;
}

void KeLeaveCriticalRegion(void)
{
	if (!cur->critical--)
		wm_bugcheck(0x20, "KERNEL_APC_PENDING_DURING_EXIT: unbalanced critical region");
}

static void *thread_main(void *arg)
{
	struct wm_thread *t = arg;

	cur = t;
	if (t->system) {
		t->start(t->ctx);
		PsTerminateSystemThread(STATUS_SUCCESS);
	}
	{
		void *ret = t->user_fn(t->ctx);

		__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
		return ret;
	}
}

struct wm_thread *wm_thread_start(struct wm_process *p, void *(*fn)(void *), void *arg)
{
	struct wm_thread *t = calloc(1, sizeof(*t));

	t->Header.Type = WM_OBJ_THREAD;
	t->refs = 1;
	t->proc = p;
	t->user_fn = fn;
	t->ctx = arg;
	pthread_create(&t->pt, NULL, thread_main, t);
	return t;
}

void *wm_thread_join(struct wm_thread *t)
{
	void *ret;

	pthread_join(t->pt, &ret);
	return ret;
}

void wm_thread_terminate(struct wm_thread *t)
{
	pthread_mutex_lock(&wm_lock);
	__atomic_store_n(&t->terminating, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&wm_cond);
	pthread_mutex_unlock(&wm_lock);
}

bool wm_wait_blocked(struct wm_thread *t, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (__atomic_load_n(&t->blocked, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
			return true;
		usleep(1000);
	}
	return false;
}

static long live_system_threads;

NTSTATUS PsCreateSystemThread(PHANDLE Handle, ULONG Access, POBJECT_ATTRIBUTES Attributes,
			      HANDLE Process, PCLIENT_ID ClientId, PKSTART_ROUTINE Start,
			      PVOID Context)
{
	struct wm_process *table;
	struct wm_thread *t;

	(void)ClientId;
	wm_enter("PsCreateSystemThread", PASSIVE_LEVEL);
	if (Process)
		wm_bugcheck(0xC4, "PsCreateSystemThread: only system threads are modelled");
	if (wm_should_fail("PsCreateSystemThread"))
		return STATUS_INSUFFICIENT_RESOURCES;
	t = calloc(1, sizeof(*t));
	t->Header.Type = WM_OBJ_THREAD;
	t->refs = 2; /* the handle, and the running thread itself */
	t->proc = wm_system;
	t->system = true;
	t->start = Start;
	t->ctx = Context;
	/* Without OBJ_KERNEL_HANDLE the handle goes to the table of the process the caller
	 * runs in: a user process can then see, close or reuse it. */
	table = (Attributes && (Attributes->Attributes & OBJ_KERNEL_HANDLE)) ? wm_system
									     : wm_context_process();
	*Handle = wm_handle_insert(table, t, WM_T_THREAD, Access);
	pthread_mutex_lock(&wm_lock);
	live_system_threads++;
	pthread_mutex_unlock(&wm_lock);
	pthread_create(&t->pt, NULL, thread_main, t);
	pthread_detach(t->pt);
	return STATUS_SUCCESS;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS Status)
{
	struct wm_thread *t = cur;

	(void)Status;
	wm_enter("PsTerminateSystemThread", PASSIVE_LEVEL);
	if (!t->system)
		wm_bugcheck(0xC4,
			    "PsTerminateSystemThread from a thread that is not a system thread");
	if (t->mutexes || t->attached || t->critical)
		wm_bugcheck(0x20,
			    "system thread exits holding %d mutexes, attached %d, critical %d",
			    t->mutexes, !!t->attached, t->critical);
	pthread_mutex_lock(&wm_lock);
	t->done = true;
	t->Header.SignalState = 1;
	live_system_threads--;
	pthread_cond_broadcast(&wm_cond);
	pthread_mutex_unlock(&wm_lock);
	ObDereferenceObject(t);
	pthread_exit(NULL);
}

/* ---- notify routines and process exit ------------------------------------------------------ */

static PCREATE_PROCESS_NOTIFY_ROUTINE notify[8];
static int notify_in_flight;

NTSTATUS PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE Routine, BOOLEAN Remove)
{
	int i;

	wm_enter("PsSetCreateProcessNotifyRoutine", PASSIVE_LEVEL);
	pthread_mutex_lock(&wm_lock);
	for (i = 0; i < 8; i++) {
		if (Remove && notify[i] == Routine) {
			notify[i] = NULL;
			/* documented: waits for every call still running */
			while (notify_in_flight)
				pthread_cond_wait(&wm_cond, &wm_lock);
			pthread_mutex_unlock(&wm_lock);
			return STATUS_SUCCESS;
		}
		if (!Remove && !notify[i]) {
			notify[i] = Routine;
			pthread_mutex_unlock(&wm_lock);
			return STATUS_SUCCESS;
		}
	}
	pthread_mutex_unlock(&wm_lock);
	return STATUS_INVALID_PARAMETER;
}

void wm_process_exit(struct wm_process *p)
{
	struct wm_process *was = cur->proc;
	PCREATE_PROCESS_NOTIFY_ROUTINE fn;
	int i;

	cur->proc = p; /* the exit path runs in the process's last thread */
	p->exiting = true;
	/* each thread's exit cancels the requests it sent and waits for them (IoCancelThreadIo) */
	wm_irp_cancel_process(p);
	for (i = 0; i < 8; i++) {
		pthread_mutex_lock(&wm_lock);
		fn = notify[i];
		if (fn)
			notify_in_flight++;
		pthread_mutex_unlock(&wm_lock);
		if (!fn)
			continue;
		/* PASSIVE_LEVEL, inside a critical region (normal kernel APCs off) */
		KeEnterCriticalRegion();
		fn(NULL, PsGetProcessId(p), FALSE);
		KeLeaveCriticalRegion();
		if (cur->irql || cur->mutexes)
			wm_bugcheck(0xC4, "process notify routine returned at IRQL %d", cur->irql);
		pthread_mutex_lock(&wm_lock);
		notify_in_flight--;
		pthread_cond_broadcast(&wm_cond);
		pthread_mutex_unlock(&wm_lock);
	}
	/* the handle table goes: a file whose last handle this was gets IRP_MJ_CLEANUP here */
	for (i = 0; i < WM_MAX_HANDLES; i++) {
		struct wm_handle h = p->handles[i];

		if (!h.obj)
			continue;
		p->handles[i].obj = NULL;
		if (h.type == WM_T_FILE)
			wm_io_close_handle_obj(p, h.obj);
		else if (h.type != 0)
			ObDereferenceObject(h.obj);
	}
	/* then the address space: what a driver still holds in it is a bugcheck */
	pthread_mutex_lock(&wm_lock);
	if (p->locked_pages)
		wm_bugcheck(0x76, "PROCESS_HAS_LOCKED_PAGES: %s exits with %lld pages locked",
			    p->name, (long long)p->locked_pages);
	if (p->user_mappings)
		wm_bugcheck(0x76,
			    "PROCESS_HAS_LOCKED_PAGES: %s exits with %d driver mappings of "
			    "locked pages in its address space",
			    p->name, p->user_mappings);
	if (p->attached)
		wm_bugcheck(0x05,
			    "INVALID_PROCESS_ATTACH_ATTEMPT: %s's address space goes while "
			    "%d threads are attached to it",
			    p->name, (int)p->attached);
	p->gone = true;
	pthread_mutex_unlock(&wm_lock);
	wm_mm_process_teardown(p);
	cur->proc = was;
	ObDereferenceObject(p);
}

void KeStackAttachProcess(PKPROCESS p, PRKAPC_STATE s)
{
	wm_enter("KeStackAttachProcess", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	if (p->gone)
		wm_bugcheck(0x05,
			    "INVALID_PROCESS_ATTACH_ATTEMPT: %s has no address space any more",
			    p->name);
	p->attached++;
	pthread_mutex_unlock(&wm_lock);
	s->Previous = cur->attached;
	s->Process = p;
	s->Magic = 0x41504353;
	cur->attached = p;
}

void KeUnstackDetachProcess(PRKAPC_STATE s)
{
	wm_enter("KeUnstackDetachProcess", DISPATCH_LEVEL);
	if (s->Magic != 0x41504353 || cur->attached != s->Process)
		wm_bugcheck(0x06, "INVALID_PROCESS_DETACH_ATTEMPT");
	pthread_mutex_lock(&wm_lock);
	s->Process->attached--;
	pthread_mutex_unlock(&wm_lock);
	cur->attached = s->Previous;
	s->Magic = 0;
}

/* ---- events, waits, fast mutexes ----------------------------------------------------------- */

void KeInitializeEvent(PRKEVENT e, EVENT_TYPE type, BOOLEAN state)
{
	e->Header.Type = type == NotificationEvent ? WM_OBJ_EVENT_N : WM_OBJ_EVENT_S;
	e->Header.SignalState = state;
	e->Kind = type;
}

LONG KeSetEvent(PRKEVENT e, KPRIORITY inc, BOOLEAN wait)
{
	LONG old;

	(void)inc;
	(void)wait;
	wm_enter("KeSetEvent", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	old = e->Header.SignalState;
	e->Header.SignalState = 1;
	pthread_cond_broadcast(&wm_cond);
	pthread_mutex_unlock(&wm_lock);
	return old;
}

void KeClearEvent(PRKEVENT e)
{
	pthread_mutex_lock(&wm_lock);
	e->Header.SignalState = 0;
	pthread_mutex_unlock(&wm_lock);
}

LONG KeReadStateEvent(PRKEVENT e)
{
	return __atomic_load_n(&e->Header.SignalState, __ATOMIC_ACQUIRE);
}

ULONG64 KeQueryInterruptTime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ULONG64)ts.tv_sec * 10000000 + (ULONG64)ts.tv_nsec / 100;
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON Reason, KPROCESSOR_MODE Mode,
			       BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
	DISPATCHER_HEADER *h = Object;
	struct timespec deadline;
	NTSTATUS status;

	(void)Reason;
	wm_enter("KeWaitForSingleObject",
		 Timeout && Timeout->QuadPart == 0 ? DISPATCH_LEVEL : APC_LEVEL);
	if (h->Type == WM_OBJ_THREAD && (struct wm_thread *)Object == cur)
		wm_bugcheck(0xC4, "a thread waits for its own termination");
	if (Timeout) {
		ULONG64 rel = Timeout->QuadPart < 0 ? (ULONG64)-Timeout->QuadPart : 0;

		if (Timeout->QuadPart > 0)
			wm_bugcheck(0xC4, "absolute timeouts are not modelled");
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += rel / 10000000;
		deadline.tv_nsec += (rel % 10000000) * 100;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&wm_lock);
	__atomic_store_n(&cur->blocked, true, __ATOMIC_RELEASE);
	for (;;) {
		if (h->SignalState > 0) {
			if (h->Type == WM_OBJ_EVENT_S)
				h->SignalState = 0;
			status = STATUS_SUCCESS;
			break;
		}
		if (Alertable && Mode == UserMode && cur->terminating) {
			status = STATUS_USER_APC;
			break;
		}
		if (Timeout) {
			if (pthread_cond_timedwait(&wm_cond, &wm_lock, &deadline) == ETIMEDOUT &&
			    h->SignalState <= 0) {
				status = STATUS_TIMEOUT;
				break;
			}
		} else {
			pthread_cond_wait(&wm_cond, &wm_lock);
		}
	}
	__atomic_store_n(&cur->blocked, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&wm_lock);
	return status;
}

#define FAST_MUTEX_MAGIC 0x464d5458

void ExInitializeFastMutex(PFAST_MUTEX m)
{
	m->Owner = NULL;
	m->Magic = FAST_MUTEX_MAGIC;
}

void ExAcquireFastMutex(PFAST_MUTEX m)
{
	wm_enter("ExAcquireFastMutex", APC_LEVEL);
	if (m->Magic != FAST_MUTEX_MAGIC)
		wm_bugcheck(0xC4,
			    "ExAcquireFastMutex on memory that is not an initialised fast mutex");
	if (m->Owner == cur)
		wm_bugcheck(0xC4,
			    "ExAcquireFastMutex: this thread already owns it (self-deadlock)");
	pthread_mutex_lock(&wm_lock);
	__atomic_store_n(&cur->blocked, true, __ATOMIC_RELEASE);
	while (m->Owner)
		pthread_cond_wait(&wm_cond, &wm_lock);
	__atomic_store_n(&cur->blocked, false, __ATOMIC_RELEASE);
	m->Owner = cur;
	pthread_mutex_unlock(&wm_lock);
	m->OldIrql = cur->irql;
	cur->irql = APC_LEVEL;
	cur->mutexes++;
}

void ExReleaseFastMutex(PFAST_MUTEX m)
{
	if (m->Owner != cur)
		wm_bugcheck(0xC4, "ExReleaseFastMutex by a thread that does not own it");
	cur->irql = m->OldIrql;
	cur->mutexes--;
	pthread_mutex_lock(&wm_lock);
	m->Owner = NULL;
	pthread_cond_broadcast(&wm_cond);
	pthread_mutex_unlock(&wm_lock);
}

void KeInitializeSpinLock(PKSPIN_LOCK l)
{
	*l = 0;
}

void KeAcquireSpinLock(PKSPIN_LOCK l, KIRQL *old)
{
	wm_enter("KeAcquireSpinLock", DISPATCH_LEVEL);
	if (*l == (ULONG_PTR)cur)
		wm_bugcheck(0xC4, "KeAcquireSpinLock: this thread already holds it (deadlock)");
	while (!__atomic_compare_exchange_n(l, &(ULONG_PTR){ 0 }, (ULONG_PTR)cur, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		sched_yield();
	*old = cur->irql;
	cur->irql = DISPATCH_LEVEL;
}

void KeReleaseSpinLock(PKSPIN_LOCK l, KIRQL old)
{
	if (*l != (ULONG_PTR)cur)
		wm_bugcheck(0xC4, "KeReleaseSpinLock by a thread that does not hold it");
	if (cur->irql != DISPATCH_LEVEL)
		wm_bugcheck(0x0A, "KeReleaseSpinLock at IRQL %d, not DISPATCH_LEVEL", cur->irql);
	cur->irql = old;
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

ULONG KeQueryActiveProcessorCountEx(USHORT Group)
{
	return Group == 0 ? 2 : 0;
}

KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY a)
{
	wm_enter("KeSetSystemAffinityThreadEx", APC_LEVEL);
	if (!a || (a & ~(KAFFINITY)3))
		wm_bugcheck(0xC4, "affinity %#llx names no active processor",
			    (unsigned long long)a);
	return 3;
}

void KeRevertToUserAffinityThreadEx(KAFFINITY a)
{
	(void)a;
}

void wm_counts(struct wm_counts *c)
{
	extern long wm_mm_kernel_mappings, wm_mm_phys_pages;
	long wm_mm_live_mdls(void);
	int i;

	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&wm_lock);
	c->pool_blocks = wm_pool_count() + wm_mm_live_mdls();
	c->system_threads = live_system_threads;
	for (i = 0; i < nprocesses; i++) {
		c->locked_pages += processes[i]->locked_pages;
		c->user_mappings += processes[i]->user_mappings;
	}
	for (i = 0; i < 8; i++)
		c->notify_routines += notify[i] != NULL;
	c->kernel_mappings = wm_mm_kernel_mappings;
	c->phys_pages = wm_mm_phys_pages;
	pthread_mutex_unlock(&wm_lock);
}

ULONG wm_windows_version = 0x0a00; /* major << 8 | minor: Windows 10 */

NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW Info)
{
	if (Info->dwOSVersionInfoSize < sizeof(*Info))
		return STATUS_INVALID_PARAMETER;
	Info->dwMajorVersion = wm_windows_version >> 8;
	Info->dwMinorVersion = wm_windows_version & 0xff;
	Info->dwBuildNumber = 19045;
	return STATUS_SUCCESS;
}
