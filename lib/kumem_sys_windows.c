// SPDX-License-Identifier: MIT
/*
 * libkumem on Windows: \\.\kumem, DeviceIoControl, and the driver's own user mappings.
 * The driver maps method 2 regions itself (MmMapLockedPagesSpecifyCache(UserMode)) and
 * unmaps them on RELEASE or at handle cleanup, so there is nothing to map or unmap here.
 */
#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"

/*
 * The driver completes with one NTSTATUS per errno (windows/driver.c:KumemStatusFromErrno)
 * and Windows hands the caller the Win32 error each NTSTATUS maps to; this undoes that.
 * docs/windows.md has the table.
 */
static int errno_from_win32(DWORD e)
{
	switch (e) {
	case ERROR_INVALID_PARAMETER: /* STATUS_INVALID_PARAMETER */
		return -EINVAL;
	case ERROR_INVALID_USER_BUFFER: /* STATUS_INVALID_USER_BUFFER */
	case ERROR_NOACCESS:		/* an access violation in the I/O manager's probe */
		return -EFAULT;
	case ERROR_FILE_TOO_LARGE: /* STATUS_FILE_TOO_LARGE */
		return -E2BIG;
	case ERROR_NO_SYSTEM_RESOURCES: /* STATUS_INSUFFICIENT_RESOURCES */
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return -ENOMEM;
	case ERROR_NOT_ENOUGH_QUOTA: /* STATUS_QUOTA_EXCEEDED */
		return -EDQUOT;
	case ERROR_NOT_FOUND:	   /* STATUS_NOT_FOUND */
	case ERROR_FILE_NOT_FOUND: /* no \\.\kumem: the driver is not loaded */
	case ERROR_PATH_NOT_FOUND:
		return -ENOENT;
	case ERROR_PRIVILEGE_NOT_HELD: /* STATUS_PRIVILEGE_NOT_HELD */
		return -EPERM;
	case ERROR_ACCESS_DENIED: /* STATUS_ACCESS_DENIED */
	case ERROR_TRUST_FAILURE: /* STATUS_TRUST_FAILURE: another process's region (VirtualBox) */
		return -EACCES;
	case ERROR_HANDLE_EOF: /* STATUS_END_OF_FILE: outside the region */
		return -ERANGE;
	case ERROR_TOO_MANY_OPEN_FILES: /* STATUS_TOO_MANY_OPENED_FILES */
		return -ENOSPC;
	case ERROR_INVALID_FUNCTION: /* STATUS_INVALID_DEVICE_REQUEST */
		return -ENOTTY;
	case ERROR_ARITHMETIC_OVERFLOW: /* STATUS_INTEGER_OVERFLOW */
		return -EOVERFLOW;
	case ERROR_CRC: /* STATUS_DATA_ERROR: the driver stopped serving a corrupt ring */
		return -EBADFD;
	case ERROR_SEM_TIMEOUT: /* STATUS_IO_TIMEOUT */
		return -ETIMEDOUT;
	case ERROR_OPERATION_ABORTED: /* STATUS_CANCELLED */
		return -EINTR;
	default:
		return -EIO;
	}
}

/*
 * The handle is opened for overlapped I/O. A synchronous handle would make the I/O manager
 * run one request at a time per handle, so a thread waiting in KUMEM_IOC_RING_ENTER would
 * hold up every other thread's ioctl on the same kumem_t, including the submission it waits
 * for. Each call still waits for its own result (the driver pends only ENTER(GETEVENTS)), so
 * callers see synchronous semantics, as on Linux; kumem_ring_wait_start() is the one call
 * that leaves its request in flight (a completion port, or kumem_ring_wait_end()).
 */
int kumem_sys_open(const char *path, kumem_sys_handle *h)
{
	const wchar_t *name = L"\\\\.\\kumem";
	wchar_t *wide = NULL;
	HANDLE f;
	int n;

	if (path) {
		/* KUMEM_DEVICE and friends are UTF-8; the device namespace is UTF-16. */
		n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
		if (n <= 0)
			return -EINVAL;
		wide = malloc((size_t)n * sizeof(*wide));
		if (!wide)
			return -ENOMEM;
		MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, n);
		name = wide;
	}
	f = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
			NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
	free(wide);
	if (f == INVALID_HANDLE_VALUE)
		return errno_from_win32(GetLastError());
	*h = (kumem_sys_handle)f;
	return 0;
}

void kumem_sys_close(kumem_sys_handle h)
{
	CloseHandle((HANDLE)h);
}

/* DeviceIoControl on the overlapped handle, waiting for the result: 0 or a negative errno. */
static int dev_ioctl(HANDLE h, DWORD code, void *in, DWORD in_len, void *out, DWORD out_len)
{
	OVERLAPPED ov = { 0 };
	DWORD got = 0, e = 0;

	HANDLE ev;

	/* An event of its own, so concurrent calls on one handle do not wake each other. */
	ev = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!ev)
		return -ENOMEM;
	/* the low-order bit set: no packet for this call on a port the handle is associated
	 * with (kumem_port_associate); the system ignores the bit when it uses the event */
	ov.hEvent = (HANDLE)((ULONG_PTR)ev | 1);
	if (!DeviceIoControl(h, code, in, in_len, out, out_len, &got, &ov)) {
		e = GetLastError();
		if (e == ERROR_IO_PENDING)
			e = GetOverlappedResult(h, &ov, &got, TRUE) ? 0 : GetLastError();
	}
	CloseHandle(ev);
	return e ? errno_from_win32(e) : 0;
}

/*
 * The read/write devices are separate device objects, one per transfer type, as the seed's
 * flags are per device: \\.\kumem-buffered (DO_BUFFERED_IO), \\.\kumem-direct
 * (DO_DIRECT_IO). KUMEM_DEVICE=<path> names <path>-buffered and <path>-direct.
 */
int kumem_sys_rw_open(const char *path, unsigned mode, unsigned align, kumem_sys_handle *h)
{
	const char *suffix = mode == KUMEM_RW_DIRECT ? "-direct" : "-buffered";
	char name[260];
	int n;

	if (align)
		return -EINVAL; /* the I/O manager applies no alignment rule to these devices */
	n = snprintf(name, sizeof(name), "%s%s", path ? path : "\\\\.\\kumem", suffix);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -EINVAL;
	return kumem_sys_open(name, h);
}

int64_t kumem_sys_rw(kumem_sys_handle h, bool is_write, const struct kumem_iov *iov, unsigned n)
{
	OVERLAPPED ov = { 0 };
	DWORD got = 0, e = 0;
	BOOL done;

	if (n != 1)
		return kumem_sys_rwv(h, is_write, iov, n);
	if (iov->len > 0xffffffffu)
		return -E2BIG; /* ReadFile/WriteFile take a DWORD */
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!ov.hEvent)
		return -ENOMEM;
	ov.hEvent = (HANDLE)((ULONG_PTR)ov.hEvent | 1); /* no completion packet (dev_ioctl) */
	done = is_write ? WriteFile((HANDLE)h, iov->base, (DWORD)iov->len, &got, &ov)
			: ReadFile((HANDLE)h, iov->base, (DWORD)iov->len, &got, &ov);
	if (!done) {
		e = GetLastError();
		if (e == ERROR_IO_PENDING)
			e = GetOverlappedResult((HANDLE)h, &ov, &got, TRUE) ? 0 : GetLastError();
	}
	CloseHandle((HANDLE)((ULONG_PTR)ov.hEvent & ~(ULONG_PTR)1));
	return e ? errno_from_win32(e) : (int64_t)got;
}

/* ReadFileScatter/WriteFileGather serve files opened without buffering, not devices. */
int64_t kumem_sys_rwv(kumem_sys_handle h, bool is_write, const struct kumem_iov *iov, unsigned n)
{
	(void)h;
	(void)is_write;
	(void)iov;
	(void)n;
	return -EOPNOTSUPP;
}

int kumem_sys_ioctl(kumem_sys_handle h, unsigned long code, void *arg, size_t size)
{
	return dev_ioctl((HANDLE)h, (DWORD)code, arg, (DWORD)size, arg, (DWORD)size);
}

int kumem_sys_map(kumem_sys_handle h, const struct kumem_alloc_args *a, void **addr)
{
	(void)h;
	*addr = (void *)(uintptr_t)a->user_addr;
	return 0;
}

void kumem_sys_unmap(void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

int kumem_sys_xfer(kumem_sys_handle h, bool direct, const void *buf, size_t len, uint64_t *sum)
{
	if (len > 0xffffffffu)
		return -E2BIG;
	if (direct) {
		/* METHOD_IN_DIRECT: the data is the output buffer (locked by the I/O manager);
		 * the input block repeats its length and says where the sum goes. */
		struct kumem_xfer x = { .addr = (uint64_t)(uintptr_t)sum, .len = len };

		return dev_ioctl((HANDLE)h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), (void *)buf,
				 (DWORD)len);
	}
	/* METHOD_BUFFERED: the data is the input buffer, copied by the I/O manager. */
	return dev_ioctl((HANDLE)h, KUMEM_IOC_BUFFERED_CHECKSUM, (void *)buf, (DWORD)len, sum,
			 sizeof(*sum));
}

int kumem_sys_ring_create(kumem_sys_handle dev, struct kumem_ring_create *a,
			  struct kumem_sys_ring *out)
{
	/* The driver signals this auto-reset event whenever it posts completions. */
	HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
	int err;

	if (!ev)
		return -ENOMEM;
	a->event_handle = (uint64_t)(uintptr_t)ev;
	err = kumem_sys_ioctl(dev, KUMEM_IOC_RING_CREATE, a, sizeof(*a));
	if (err) {
		CloseHandle(ev);
		return err;
	}
	out->dev = dev;
	out->id = a->ring_fd;
	out->map = (void *)(uintptr_t)a->user_addr; /* the driver mapped it */
	out->map_len = a->map_len;
	out->event = ev;
	return 0;
}

/* A ring id alone names nothing on Windows: kumem_ring_attach_dev() takes the handle too. */
int kumem_sys_ring_attach(int fd, struct kumem_ring_create *a, struct kumem_sys_ring *out)
{
	(void)fd;
	(void)a;
	(void)out;
	return -EOPNOTSUPP;
}

/* A driver's ring (KumemRingCreateDriver) in @dev: the driver mapped it already; RING_INFO
 * says where. */
int kumem_sys_ring_attach_dev(kumem_sys_handle dev, int id, struct kumem_ring_create *a,
			      struct kumem_sys_ring *out)
{
	int err;

	a->ring_fd = id;
	err = kumem_sys_ioctl(dev, KUMEM_IOC_RING_INFO, a, sizeof(*a));
	if (err)
		return err;
	out->dev = dev;
	out->id = id;
	out->map = (void *)(uintptr_t)a->user_addr;
	out->map_len = a->map_len;
	out->event = NULL;
	return 0;
}

/* One asynchronous wait (a ring's GETEVENTS, a stream's EVENTS_WAIT): the OVERLAPPED first,
 * so a packet's pointer leads here. */
struct kumem_sys_wait {
	OVERLAPPED ov;
	union { /* in and out buffer: alive until the wait ends */
		struct kumem_ring_enter enter;
		struct kumem_events_wait events;
	} blk;
	int kind; /* KUMEM_SYS_WAIT_*: which from_overlapped call knows it */
	void *owner;
	bool pending; /* started, result not yet taken */
};

int kumem_sys_port_associate(kumem_sys_handle dev, void *port, uintptr_t key)
{
	if (!CreateIoCompletionPort((HANDLE)dev, (HANDLE)port, (ULONG_PTR)key, 0))
		return errno_from_win32(GetLastError());
	return 0;
}

int kumem_sys_wait_start(kumem_sys_handle dev, struct kumem_sys_wait **slot, unsigned long code,
			 const void *blk, size_t size, void *owner, int kind)
{
	struct kumem_sys_wait *w = *slot;
	DWORD got, e;

	if (size > sizeof(w->blk))
		return -EINVAL;
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		*slot = w;
	}
	if (w->pending)
		return -EBUSY;
	memset(&w->ov, 0, sizeof(w->ov)); /* hEvent NULL: the port gets the packet */
	memcpy(&w->blk, blk, size);
	w->kind = kind;
	w->owner = owner;
	if (DeviceIoControl((HANDLE)dev, (DWORD)code, &w->blk, (DWORD)size, &w->blk, (DWORD)size,
			    &got, &w->ov)) {
		w->pending = true; /* done at once: the packet is queued all the same */
		return 0;
	}
	e = GetLastError();
	if (e == ERROR_IO_PENDING) {
		w->pending = true;
		return 0;
	}
	return errno_from_win32(e); /* failed in dispatch: no packet */
}

void *kumem_sys_wait_owner(void *overlapped, int kind)
{
	/* only our waits' OVERLAPPEDs reach here through kumem_*_from_overlapped() */
	struct kumem_sys_wait *w = overlapped;

	return w && w->kind == kind ? w->owner : NULL;
}

int kumem_sys_wait_end(kumem_sys_handle dev, struct kumem_sys_wait *w, void *blk, size_t size)
{
	DWORD got;

	if (!w || !w->pending)
		return -EINVAL;
	w->pending = false;
	if (!GetOverlappedResult((HANDLE)dev, &w->ov, &got, TRUE))
		return errno_from_win32(GetLastError());
	if (blk)
		memcpy(blk, &w->blk, size);
	return 0;
}

int kumem_sys_wait_cancel(kumem_sys_handle dev, struct kumem_sys_wait *w)
{
	if (!w || !w->pending)
		return -EINVAL;
	if (!CancelIoEx((HANDLE)dev, &w->ov) && GetLastError() != ERROR_NOT_FOUND)
		return errno_from_win32(GetLastError());
	return 0; /* not found: it has ended already, its packet is on its way */
}

void kumem_sys_wait_retire(kumem_sys_handle dev, struct kumem_sys_wait *w)
{
	DWORD got;

	if (w && w->pending)
		/* ended by the release; its packet may still be queued and points at w: keep w */
		GetOverlappedResult((HANDLE)dev, &w->ov, &got, TRUE);
	else
		free(w);
}

void kumem_sys_ring_destroy(struct kumem_sys_ring *r)
{
	struct kumem_region_ref ref = { .id = (uint32_t)r->id };

	/* the driver unmaps the ring, stops its thread and ends its waits */
	kumem_sys_ioctl(r->dev, KUMEM_IOC_RELEASE, &ref, sizeof(ref));
	kumem_sys_wait_retire(r->dev, r->wait);
	if (r->event)
		CloseHandle(r->event);
}

int kumem_sys_ring_enter(struct kumem_sys_ring *r, struct kumem_ring_enter *a)
{
	a->ring_id = (uint32_t)r->id;
	return kumem_sys_ioctl(r->dev, KUMEM_IOC_RING_ENTER, a, sizeof(*a));
}

struct kumem_sys_lock {
	SRWLOCK l;
};

int kumem_sys_lock_new(struct kumem_sys_lock **l)
{
	*l = malloc(sizeof(**l));
	if (!*l)
		return -ENOMEM;
	InitializeSRWLock(&(*l)->l);
	return 0;
}

void kumem_sys_lock_free(struct kumem_sys_lock *l)
{
	free(l);
}

void kumem_sys_lock(struct kumem_sys_lock *l)
{
	AcquireSRWLockExclusive(&l->l);
}

void kumem_sys_unlock(struct kumem_sys_lock *l)
{
	ReleaseSRWLockExclusive(&l->l);
}
