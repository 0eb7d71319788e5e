/* SPDX-License-Identifier: MIT */
/*
 * What libkumem needs from the operating system: one implementation per system
 * (kumem_sys_linux.c, kumem_sys_windows.c). kumem.c holds everything else, once.
 * Every function returns 0 or a negative errno (KUMEM_E* numbers on Windows too).
 */
#ifndef KUMEM_SYS_H
#define KUMEM_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kumem/kumem_abi.h>

#if defined(_WIN32)
#include <errno.h>
/* The Windows C library has no EDQUOT or EBADFD; libkumem returns the Linux numbers. */
#ifndef EDQUOT
#define EDQUOT KUMEM_EDQUOT
#endif
#ifndef EBADFD
#define EBADFD KUMEM_EBADFD
#endif
#endif

typedef intptr_t kumem_sys_handle; /* fd on Linux, HANDLE on Windows */

/* Open the device at @path (NULL: the system's default name). */
int kumem_sys_open(const char *path, kumem_sys_handle *h);
void kumem_sys_close(kumem_sys_handle h);

/* Issue @code with @arg (@size bytes) as both input and output. */
int kumem_sys_ioctl(kumem_sys_handle h, unsigned long code, void *arg, size_t size);

/* Make a method 2 region visible in this process after KUMEM_IOC_ALLOC_SHARED: mmap() on
 * Linux; on Windows the driver already mapped it and this returns a->user_addr. */
int kumem_sys_map(kumem_sys_handle h, const struct kumem_alloc_args *a, void **addr);
/* Undo kumem_sys_map before KUMEM_IOC_RELEASE (Windows: nothing, the driver unmaps). */
void kumem_sys_unmap(void *addr, size_t len);

/* The buffered / direct transfer baselines, as each system expresses them. */
int kumem_sys_xfer(kumem_sys_handle h, bool direct, const void *buf, size_t len, uint64_t *sum);

/*
 * read()/write() handles (kumem_rw.c): open the device at @path (NULL: the default) in
 * @mode; move the bytes of @n pieces with one system call (kumem_sys_rw: @n is 1, a plain
 * read()/write(); kumem_sys_rwv: readv()/writev() where the system has them). Return the
 * count or a negative errno.
 */
struct kumem_iov;
int kumem_sys_rw_open(const char *path, unsigned mode, unsigned align, kumem_sys_handle *h);
int64_t kumem_sys_rw(kumem_sys_handle h, bool is_write, const struct kumem_iov *iov, unsigned n);
int64_t kumem_sys_rwv(kumem_sys_handle h, bool is_write, const struct kumem_iov *iov, unsigned n);

/* A command ring as each system holds it (kumem_rings.c does the rest, portably). */
struct kumem_sys_ring {
	kumem_sys_handle dev;
	int id;	   /* Linux: the ring fd; Windows: the ring id */
	void *map; /* the ring's mapping in this process */
	size_t map_len;
	void *event; /* Windows: the completion event HANDLE */
	struct kumem_sys_wait *wait; /* Windows: the asynchronous wait, once started */
	bool enter_only; /* Linux: the module has no KUMEM_IOC_RING_SUBMIT (older) */
};

/* Create the ring (KUMEM_IOC_RING_CREATE) and map it: *a gets the kernel's answer. */
int kumem_sys_ring_create(kumem_sys_handle dev, struct kumem_ring_create *a,
			  struct kumem_sys_ring *out);
/* Take over a ring fd a driver made: its layout into *a, then map it. */
int kumem_sys_ring_attach(int fd, struct kumem_ring_create *a, struct kumem_sys_ring *out);
void kumem_sys_ring_destroy(struct kumem_sys_ring *r);
/* KUMEM_IOC_RING_ENTER; returns 0 or a negative errno, a->submitted filled. */
int kumem_sys_ring_enter(struct kumem_sys_ring *r, struct kumem_ring_enter *a);
/* A ring a driver made in @dev (Windows) / the ring fd @id (Linux): layout into *a, mapped. */
int kumem_sys_ring_attach_dev(kumem_sys_handle dev, int id, struct kumem_ring_create *a,
			      struct kumem_sys_ring *out);
/*
 * Completion ports (Windows; -EOPNOTSUPP elsewhere): see kumem.h. One asynchronous wait per
 * ring or stream, kept in *@slot (allocated by the first start, NULL before):
 *   kumem_sys_wait_start   request @code with @blk (@size bytes, in and out) without waiting
 *                          for it: 0 once it is in flight (a packet will come), -EBUSY while
 *                          the last one's result was not taken
 *   kumem_sys_wait_owner   @owner of a wait of @kind from its OVERLAPPED (NULL: another kind)
 *   kumem_sys_wait_end     wait for the result: 0 and the block back in @blk, or an errno
 *   kumem_sys_wait_cancel  CancelIoEx on it
 *   kumem_sys_wait_retire  the object was released (which ends the wait): wait for it, free
 *                          the record unless a packet still to come points at it
 */
enum { KUMEM_SYS_WAIT_RING = 1, KUMEM_SYS_WAIT_EVENTS = 2 };
struct kumem_sys_wait;
int kumem_sys_port_associate(kumem_sys_handle dev, void *port, uintptr_t key);
int kumem_sys_wait_start(kumem_sys_handle dev, struct kumem_sys_wait **slot, unsigned long code,
			 const void *blk, size_t size, void *owner, int kind);
void *kumem_sys_wait_owner(void *overlapped, int kind);
int kumem_sys_wait_end(kumem_sys_handle dev, struct kumem_sys_wait *w, void *blk, size_t size);
int kumem_sys_wait_cancel(kumem_sys_handle dev, struct kumem_sys_wait *w);
void kumem_sys_wait_retire(kumem_sys_handle dev, struct kumem_sys_wait *w);

/* The handle behind a kumem_t, for the library's own files (kumem_rings.c). */
struct kumem;
kumem_sys_handle kumem_dev_handle(struct kumem *dev);

/* A lock for libkumem's own list of regions. */
struct kumem_sys_lock;
int kumem_sys_lock_new(struct kumem_sys_lock **l);
void kumem_sys_lock_free(struct kumem_sys_lock *l);
void kumem_sys_lock(struct kumem_sys_lock *l);
void kumem_sys_unlock(struct kumem_sys_lock *l);

#endif
