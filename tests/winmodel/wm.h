/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The model's own interface: what the scenarios (test_winmodel.c) drive, and what the model's
 * files share. The driver never sees this header.
 *
 * One host process plays the machine: "processes" are records with their own handle table and
 * user address space (pages of one memfd, the model's physical memory, mapped where the
 * process and the kernel see them); "threads" are pthreads that each know their process,
 * the process they are attached to, their IRQL and the fast mutexes they hold. Every kernel
 * call checks its contract and calls wm_bugcheck() on a violation, with the code Windows
 * (or Driver Verifier) would stop with.
 */
#ifndef WM_H
#define WM_H

#include <pthread.h>
#include <stdio.h>

#include "ntifs.h"

enum { WM_OBJ_EVENT_N = 0, WM_OBJ_EVENT_S = 1, WM_OBJ_THREAD = 6, WM_OBJ_PROCESS = 3 };
enum wm_type { WM_T_PROCESS = 1, WM_T_THREAD, WM_T_EVENT, WM_T_FILE };

#define WM_MAX_HANDLES	     64
#define WM_KERNEL_HANDLE_BIT 0x8000000000000000ull

struct wm_handle {
	void *obj;
	enum wm_type type;
	ACCESS_MASK access;
};

struct wm_vad; /* wm_mm.c */

struct wm_process {
	DISPATCHER_HEADER Header;
	LONG refs;
	ULONG id;
	const char *name;
	bool is32;	      /* a WOW64 process: its user space ends at 4 GiB */
	bool admin;	      /* its token holds Administrators */
	bool debug_privilege; /* holds and has enabled SeDebugPrivilege */
	bool exiting;	      /* its last thread runs the exit path */
	bool gone;	      /* its address space is deleted */
	LONG attached;	      /* threads attached to it right now */
	LONG64 locked_pages;  /* user pages locked by MmProbeAndLockPages, not yet unlocked */
	LONG user_mappings;   /* MmMapLockedPagesSpecifyCache(UserMode) mappings not unmapped */
	struct wm_vad *vads;
	struct wm_handle handles[WM_MAX_HANDLES];
};

struct wm_thread {
	DISPATCHER_HEADER Header; /* signalled when it has terminated */
	LONG refs;
	struct wm_process *proc;     /* home process */
	struct wm_process *attached; /* KeStackAttachProcess target, or NULL */
	KIRQL irql;
	int mutexes;	  /* fast mutexes held */
	int critical;	  /* KeEnterCriticalRegion depth */
	bool terminating; /* its process or the test asked it to end: alertable waits end */
	bool system;	  /* created by PsCreateSystemThread */
	bool blocked;	  /* inside a wait right now (scenarios poll this) */
	bool done;
	pthread_t pt;
	PKSTART_ROUTINE start;	  /* a system thread's routine */
	void *(*user_fn)(void *); /* a user thread's */
	void *ctx;
};

/* ---- the machine --------------------------------------------------------------------------- */

extern pthread_mutex_t wm_lock; /* all model state */
extern pthread_cond_t wm_cond;	/* broadcast on every state change a wait may need */
extern struct wm_process *wm_system;

void wm_init(void);
__attribute__((noreturn, format(printf, 2, 3))) void wm_bugcheck(ULONG code, const char *fmt, ...);
struct wm_thread *wm_current(void);
/* Enter a kernel routine: its name (for hooks and messages), its IRQL ceiling. */
void wm_enter(const char *fn, KIRQL max_irql);
/* A call that can fail: true when the fault-injection plan says this one fails. */
bool wm_should_fail(const char *fn);
/* Around the model's own use of kernel routines (the I/O manager's MDLs): no contract
 * hooks, no injected failure. */
void wm_internal(bool on);

/* ---- what the scenarios drive --------------------------------------------------------------- */

struct wm_process *wm_process_create(const char *name, bool is32);
/* The calling thread becomes a thread of @p (it starts in the System process). */
void wm_become(struct wm_process *p);
/* The last thread of @p exits: notify routines, handle table run-down, address space. */
void wm_process_exit(struct wm_process *p);
/* A user thread of @p running fn(arg); join with wm_thread_join. */
struct wm_thread *wm_thread_start(struct wm_process *p, void *(*fn)(void *), void *arg);
void *wm_thread_join(struct wm_thread *t);
/* Ask a thread to end: its alertable waits return, PsIsThreadTerminating says so. */
void wm_thread_terminate(struct wm_thread *t);
/* Poll until @t is blocked in a wait or has finished, at most @ms. */
bool wm_wait_blocked(struct wm_thread *t, int ms);

/* Fault injection: the @n-th fallible call from now fails (0: none). Returns how many
 * fallible calls were made since the last plan. */
void wm_fail_plan(int n, NTSTATUS probe_status);
int wm_fail_count(void);
/* The next call of routine @fn fails (MmProbeAndLockPages raises @status). */
void wm_fail_next(const char *fn, NTSTATUS status);
bool wm_fail_fired(void);

/* Hooks: before the @nth call (1-based) of kernel routine @fn, run cb(arg) in that thread. */
void wm_hook(const char *fn, int nth, void (*cb)(void *), void *arg);
/* The same, counting only calls made by system threads. */
void wm_hook_system(const char *fn, int nth, void (*cb)(void *), void *arg);

/* Driver load and unload, with Verifier's checks at unload (pool, threads, notify routines):
 * kumem.sys as a service (sc start / sc stop). */
NTSTATUS wm_driver_load(void);
void wm_driver_unload(void);
/* kumem_example.sys, which imports kumem.sys's API: loading it loads kumem.sys's image
 * (DllInitialize) unless the service runs; the image goes, with the leak checks, when
 * neither the service nor the example holds it (DllUnload if it came as an import). */
NTSTATUS wm_example_load(void);
void wm_example_unload(void);
bool wm_kumem_image_loaded(void);

/* Files: open \Device\kumem (or the device named @name) in @p, IOCTLs, handle close and
 * duplication. */
HANDLE wm_open(struct wm_process *p, NTSTATUS *status);
HANDLE wm_open_device(struct wm_process *p, PCWSTR name, NTSTATUS *status);
/* ReadFile/WriteFile of @len bytes at @buf (a user address of @p), as the I/O manager sends
 * them for the device's DO_BUFFERED_IO / DO_DIRECT_IO flag; @info: IoStatus.Information. */
NTSTATUS wm_read(struct wm_process *p, HANDLE h, void *buf, ULONG len, ULONG_PTR *info);
NTSTATUS wm_write(struct wm_process *p, HANDLE h, const void *buf, ULONG len, ULONG_PTR *info);
/* How many IRPs of @major the driver's dispatch routines have been called with. */
long wm_io_dispatched(UCHAR major);
NTSTATUS wm_ioctl(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len, void *out,
		  ULONG out_len, ULONG_PTR *info);
void wm_close(struct wm_process *p, HANDLE h);
HANDLE wm_dup(struct wm_process *from, HANDLE h, struct wm_process *to);
/* An event object with a handle in @p's table granting @access. */
HANDLE wm_event_create(struct wm_process *p, ACCESS_MASK access);

/* User memory of @p: private read-write, read-only, or copy-on-write (a shared original
 * page until the process writes it). */
enum wm_prot { WM_RW, WM_RO, WM_COW };
void *wm_user_alloc(struct wm_process *p, size_t bytes, enum wm_prot prot);
/* One page's protection, for ranges that mix them. */
void wm_user_protect(struct wm_process *p, void *page, enum wm_prot prot);
/* A store by the process: breaks copy-on-write as the memory manager would. */
void wm_user_store(struct wm_process *p, void *addr, uint8_t byte);
PFN_NUMBER wm_user_pfn(struct wm_process *p, const void *addr);
/* Whether @p may write [addr, addr + len) (every page mapped and writable for it). */
bool wm_user_writable(struct wm_process *p, const void *addr, size_t len);
/* The driver's FsContext of the file behind @p's handle @h (a driver given that handle). */
void *wm_file_context(struct wm_process *p, HANDLE h);

/* What RtlGetVersion reports: major << 8 | minor (0x0a00: Windows 10, 0x0601: Windows 7). */
extern ULONG wm_windows_version;

/* References held on an object (process, thread, event). */
LONG wm_object_refs(void *obj);

/* Model-wide counts for leak checks. */
struct wm_counts {
	long pool_blocks;    /* driver pool blocks live */
	long system_threads; /* system threads not terminated */
	long locked_pages;   /* over all processes */
	long user_mappings;  /* over all processes */
	long kernel_mappings;
	long phys_pages; /* physical pages in use by driver allocations */
	long notify_routines;
};
void wm_counts(struct wm_counts *c);

/* wm_mm.c, for wm_kernel.c */
void wm_mm_init(void);
void wm_mm_process_teardown(struct wm_process *p);
bool wm_mm_is_pool(const void *p, SIZE_T *size);
void *wm_pool_pages_alloc(SIZE_T bytes);
void wm_pool_pages_free(void *p, SIZE_T bytes);
bool wm_user_range_ok(struct wm_process *p, const void *addr, SIZE_T len, bool write);

/* wm_io.c, for wm_kernel.c */
void wm_io_close_handle_obj(struct wm_process *p, void *obj);

/* wm_ob.c */
long wm_pool_count(void);

/* wm_timer.c */
void wm_thread_adopt(struct wm_thread *t); /* the calling pthread runs as @t */
void wm_timer_check_free(const void *p, SIZE_T size); /* under wm_lock */
long wm_timers_inserted(void);

/* ---- overlapped requests, cancellation, completion ports (wm_irp.c) ----------------------- */

/* The user's OVERLAPPED: filled in when the request completes (GetOverlappedResult). */
struct wm_overlapped {
	volatile int done;
	NTSTATUS status;
	ULONG_PTR info;
	void *out; /* a METHOD_BUFFERED request's output buffer, copied at completion */
	ULONG out_len;
};
struct wm_port; /* an I/O completion port */

/* DeviceIoControl (METHOD_BUFFERED) on an overlapped handle with @ov: STATUS_PENDING if the
 * driver pended it (the result comes in @ov, and as a packet on the file's port), else the
 * status it completed with in dispatch (a packet too unless that status is an error). */
NTSTATUS wm_ioctl_overlapped(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len,
			     void *out, ULONG out_len, struct wm_overlapped *ov);
/* GetOverlappedResult(bWait = TRUE), at most @ms: true when the request has completed. */
bool wm_overlapped_wait(struct wm_overlapped *ov, int ms);
/* CancelIoEx(h, ov) from a thread of @p: false (ERROR_NOT_FOUND) if no such request is
 * pending. */
bool wm_cancel_io(struct wm_process *p, HANDLE h, struct wm_overlapped *ov);
struct wm_port *wm_port_create(void);
/* CreateIoCompletionPort(h, port, key): every overlapped request on @h posts to @port. */
void wm_port_associate(struct wm_port *port, struct wm_process *p, HANDLE h, ULONG_PTR key);
/* GetQueuedCompletionStatus: the next packet's OVERLAPPED, or NULL after @ms. */
struct wm_overlapped *wm_port_get(struct wm_port *port, ULONG_PTR *key, int ms);
/* Requests sent and not yet completed (over all files). */
long wm_irps_pending(void);

/* wm_io.c and wm_irp.c: the I/O manager's internals */
PFILE_OBJECT wm_file_ref(struct wm_process *p, HANDLE h);
void wm_file_deref(PFILE_OBJECT f);
NTSTATUS wm_call_driver(struct wm_process *p, PIRP irp);
/* The driver completed @Irp (IoCompleteRequest). */
void wm_irp_completed(PIRP Irp);
/* @Irp's dispatch routine returned (called before the I/O manager reads the IRP again). */
void wm_irp_dispatch_returned(PIRP Irp);
/* Thread exit: IoCancelThreadIo for every request @p's threads sent; waits for them. */
void wm_irp_cancel_process(struct wm_process *p);
/* After IRP_MJ_CLEANUP: no request on @f may still be pending in the driver. */
void wm_irp_check_cleanup(PFILE_OBJECT f);

/* wm_kernel.c / wm_ob.c: object manager internals shared with wm_io.c */
HANDLE wm_handle_insert(struct wm_process *p, void *obj, enum wm_type type, ACCESS_MASK access);
struct wm_process *wm_context_process(void);

#endif
