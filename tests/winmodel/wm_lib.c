// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * libkumem's system-call layer on the model (wm_lib.h): what lib/kumem_sys_windows.c does
 * with DeviceIoControl, events and OVERLAPPEDs, done with the model's handles, events and
 * overlapped requests, so that the library's own files (kumem_events_windows.c,
 * kumem_rings.c) run unchanged against the driver. Used by test_events_lib.c and
 * test_rings_lib.c.
 */
#include <errno.h>
#include <time.h>

#include "wm_test.h"
#include "wm_lib.h"
#include <kumem/kumem.h>
#include "../../lib/kumem_sys.h"

kumem_sys_handle kumem_dev_handle(struct kumem *dev)
{
	return (kumem_sys_handle)dev;
}

/* as kumem_sys_windows.c:errno_from_win32() reads the Win32 error of each status */
int wm_lib_errno(NTSTATUS st)
{
	switch (st) {
	case STATUS_SUCCESS:
		return 0;
	case STATUS_INVALID_PARAMETER:
		return -EINVAL;
	case STATUS_INSUFFICIENT_RESOURCES:
		return -ENOMEM;
	case STATUS_QUOTA_EXCEEDED:
		return -EDQUOT;
	case STATUS_NOT_FOUND:
		return -ENOENT;
	case STATUS_ACCESS_DENIED:
		return -EACCES;
	case STATUS_TOO_MANY_OPENED_FILES:
		return -ENOSPC;
	case STATUS_DATA_ERROR:
		return -EBADFD;
	case STATUS_CANCELLED:
		return -EINTR;
	case STATUS_IO_TIMEOUT:
		return -ETIMEDOUT;
	case STATUS_INVALID_USER_BUFFER:
		return -EFAULT;
	case STATUS_FILE_TOO_LARGE:
		return -E2BIG;
	case STATUS_PRIVILEGE_NOT_HELD:
		return -EPERM;
	case STATUS_END_OF_FILE:
		return -ERANGE;
	case STATUS_INTEGER_OVERFLOW:
		return -EOVERFLOW;
	case STATUS_INVALID_DEVICE_REQUEST:
		return -ENOTTY;
	default:
		return -EIO;
	}
}

int kumem_sys_ioctl(kumem_sys_handle h, unsigned long code, void *arg, size_t size)
{
	struct kumem *dev = (struct kumem *)h;

	return wm_lib_errno(
		wm_ioctl(dev->p, dev->h, (ULONG)code, arg, (ULONG)size, arg, (ULONG)size, NULL));
}

int kumem_sys_ring_create(kumem_sys_handle dev, struct kumem_ring_create *a,
			  struct kumem_sys_ring *out)
{
	struct kumem *d = (struct kumem *)dev;
	/* CreateEventW's handle (the model has no CloseHandle for events: the handle table
	 * goes at the process's exit) */
	HANDLE ev = wm_event_create(d->p, EVENT_MODIFY_STATE | SYNCHRONIZE);
	int err;

	a->event_handle = (uint64_t)(uintptr_t)ev;
	err = kumem_sys_ioctl(dev, KUMEM_IOC_RING_CREATE, a, sizeof(*a));
	if (err)
		return err;
	out->dev = dev;
	out->id = a->ring_fd;
	out->map = (void *)(uintptr_t)a->user_addr; /* the driver mapped it */
	out->map_len = a->map_len;
	out->event = ev;
	return 0;
}

int kumem_sys_ring_attach(int fd, struct kumem_ring_create *a, struct kumem_sys_ring *out)
{
	(void)fd;
	(void)a;
	(void)out;
	return -EOPNOTSUPP;
}

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

struct kumem_sys_wait {
	struct wm_overlapped ov; /* first: a packet's pointer leads here */
	union {
		struct kumem_ring_enter enter;
		struct kumem_events_wait events;
	} blk;
	int kind;
	void *owner;
	bool pending;
};

int kumem_sys_port_associate(kumem_sys_handle dev, void *port, uintptr_t key)
{
	struct kumem *d = (struct kumem *)dev;

	wm_port_associate(port, d->p, d->h, key);
	return 0;
}

int kumem_sys_wait_start(kumem_sys_handle dev, struct kumem_sys_wait **slot, unsigned long code,
			 const void *blk, size_t size, void *owner, int kind)
{
	struct kumem *d = (struct kumem *)dev;
	struct kumem_sys_wait *w = *slot;
	NTSTATUS st;

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
	memset(&w->ov, 0, sizeof(w->ov));
	memcpy(&w->blk, blk, size);
	w->kind = kind;
	w->owner = owner;
	st = wm_ioctl_overlapped(d->p, d->h, (ULONG)code, &w->blk, (ULONG)size, &w->blk,
				 (ULONG)size, &w->ov);
	if (st == STATUS_PENDING || NT_SUCCESS(st)) {
		w->pending = true;
		return 0;
	}
	return wm_lib_errno(st);
}

void *kumem_sys_wait_owner(void *overlapped, int kind)
{
	struct kumem_sys_wait *w = overlapped;

	return w && w->kind == kind ? w->owner : NULL;
}

int kumem_sys_wait_end(kumem_sys_handle dev, struct kumem_sys_wait *w, void *blk, size_t size)
{
	(void)dev;
	if (!w || !w->pending)
		return -EINVAL;
	w->pending = false;
	CHECK(wm_overlapped_wait(&w->ov, 30000), "a started wait ends");
	if (w->ov.status)
		return wm_lib_errno(w->ov.status);
	if (blk)
		memcpy(blk, &w->blk, size);
	return 0;
}

int kumem_sys_wait_cancel(kumem_sys_handle dev, struct kumem_sys_wait *w)
{
	struct kumem *d = (struct kumem *)dev;

	if (!w || !w->pending)
		return -EINVAL;
	wm_cancel_io(d->p, d->h, &w->ov); /* false: ended already, its packet on its way */
	return 0;
}

/* The model frees the record once the wait is over: the scenarios take their packets first. */
void kumem_sys_wait_retire(kumem_sys_handle dev, struct kumem_sys_wait *w)
{
	(void)dev;
	if (w && w->pending)
		CHECK(wm_overlapped_wait(&w->ov, 30000), "the release ends a started wait");
	free(w);
}

void kumem_sys_ring_destroy(struct kumem_sys_ring *r)
{
	struct kumem_region_ref ref = { .id = (uint32_t)r->id };

	/* the driver unmaps the ring, stops its thread and ends its waits */
	kumem_sys_ioctl(r->dev, KUMEM_IOC_RELEASE, &ref, sizeof(ref));
	kumem_sys_wait_retire(r->dev, r->wait);
}

int kumem_sys_ring_enter(struct kumem_sys_ring *r, struct kumem_ring_enter *a)
{
	a->ring_id = (uint32_t)r->id;
	return kumem_sys_ioctl(r->dev, KUMEM_IOC_RING_ENTER, a, sizeof(*a));
}

/* ---- bounded waits for what the driver finishes asynchronously ---------------------------- */

uint64_t wm_lib_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Poll @word for @bit for at most WM_LIB_BOUND_MS: true if it was seen set. */
bool wm_lib_bit_within(const uint32_t *word, uint32_t bit)
{
	uint64_t t0 = wm_lib_now_ms();

	while (wm_lib_now_ms() - t0 <= WM_LIB_BOUND_MS) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) & bit)
			return true;
		usleep(1000);
	}
	return false;
}

/* Poll @word for @value for at most WM_LIB_BOUND_MS: true if it was seen. */
bool wm_lib_value_within(const uint32_t *word, uint32_t value)
{
	uint64_t t0 = wm_lib_now_ms();

	while (wm_lib_now_ms() - t0 <= WM_LIB_BOUND_MS) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value)
			return true;
		usleep(1000);
	}
	return false;
}
