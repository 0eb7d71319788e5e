// SPDX-License-Identifier: MIT
/* libkumem on Linux: /dev/kumem, ioctl() and mmap(). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"

/* struct kumem_iov is struct iovec: vectored calls pass it straight through. */
_Static_assert(sizeof(struct kumem_iov) == sizeof(struct iovec), "kumem_iov size");
_Static_assert(__builtin_offsetof(struct kumem_iov, len) ==
		       __builtin_offsetof(struct iovec, iov_len),
	       "kumem_iov layout");

int kumem_sys_open(const char *path, kumem_sys_handle *h)
{
	int fd = open(path ? path : "/dev/kumem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*h = fd;
	return 0;
}

void kumem_sys_close(kumem_sys_handle h)
{
	close((int)h);
}

int kumem_sys_ioctl(kumem_sys_handle h, unsigned long code, void *arg, size_t size)
{
	(void)size; /* the size is encoded in the Linux ioctl number */
	if (ioctl((int)h, code, arg) < 0)
		return -errno;
	return 0;
}

int kumem_sys_map(kumem_sys_handle h, const struct kumem_alloc_args *a, void **addr)
{
	int prot = PROT_READ | ((a->flags & KUMEM_USER_WRITE) ? PROT_WRITE : 0);
	void *p;

	p = mmap(NULL, a->map_len, prot, MAP_SHARED, (int)h, (off_t)a->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

void kumem_sys_unmap(void *addr, size_t len)
{
	munmap(addr, len);
}

int kumem_sys_xfer(kumem_sys_handle h, bool direct, const void *buf, size_t len, uint64_t *sum)
{
	struct kumem_xfer x = { .addr = (uint64_t)(uintptr_t)buf, .len = len };
	int err;

	err = kumem_sys_ioctl(h, direct ? KUMEM_IOC_DIRECT_CHECKSUM : KUMEM_IOC_BUFFERED_CHECKSUM,
			      &x, sizeof(x));
	if (!err)
		*sum = x.result;
	return err;
}

int kumem_sys_rw_open(const char *path, unsigned mode, unsigned align, kumem_sys_handle *h)
{
	struct kumem_rw_mode m = { .mode = mode, .align = align };
	int err = kumem_sys_open(path, h);

	if (err)
		return err;
	err = kumem_sys_ioctl(*h, KUMEM_IOC_RW_MODE, &m, sizeof(m));
	if (err)
		kumem_sys_close(*h);
	return err;
}

int64_t kumem_sys_rw(kumem_sys_handle h, bool is_write, const struct kumem_iov *iov, unsigned n)
{
	ssize_t got;

	if (n != 1)
		return kumem_sys_rwv(h, is_write, iov, n);
	got = is_write ? write((int)h, iov->base, iov->len) : read((int)h, iov->base, iov->len);
	return got < 0 ? -errno : got;
}

int64_t kumem_sys_rwv(kumem_sys_handle h, bool is_write, const struct kumem_iov *iov, unsigned n)
{
	const struct iovec *v = (const struct iovec *)iov;
	ssize_t got = is_write ? writev((int)h, v, (int)n) : readv((int)h, v, (int)n);

	return got < 0 ? -errno : got;
}

static int ring_map(int fd, const struct kumem_ring_create *a, struct kumem_sys_ring *out)
{
	out->id = fd;
	out->map_len = a->map_len;
	out->event = NULL;
	out->map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (out->map == MAP_FAILED)
		return -errno;
	return 0;
}

int kumem_sys_ring_create(kumem_sys_handle dev, struct kumem_ring_create *a,
			  struct kumem_sys_ring *out)
{
	int err = kumem_sys_ioctl(dev, KUMEM_IOC_RING_CREATE, a, sizeof(*a));

	if (err)
		return err;
	out->dev = dev;
	err = ring_map(a->ring_fd, a, out);
	if (err)
		close(a->ring_fd);
	return err;
}

int kumem_sys_ring_attach(int fd, struct kumem_ring_create *a, struct kumem_sys_ring *out)
{
	int err = kumem_sys_ioctl(fd, KUMEM_IOC_RING_INFO, a, sizeof(*a));

	if (err)
		return err;
	out->dev = -1;
	return ring_map(fd, a, out);
}

int kumem_sys_ring_attach_dev(kumem_sys_handle dev, int id, struct kumem_ring_create *a,
			      struct kumem_sys_ring *out)
{
	(void)dev; /* a ring fd stands on its own */
	return kumem_sys_ring_attach(id, a, out);
}

/* Windows' completion ports; Linux polls the ring fd instead (kumem_ring_fd()). */
int kumem_sys_port_associate(kumem_sys_handle dev, void *port, uintptr_t key)
{
	(void)dev;
	(void)port;
	(void)key;
	return -EOPNOTSUPP;
}

int kumem_sys_wait_start(kumem_sys_handle dev, struct kumem_sys_wait **slot, unsigned long code,
			 const void *blk, size_t size, void *owner, int kind)
{
	(void)dev;
	(void)slot;
	(void)code;
	(void)blk;
	(void)size;
	(void)owner;
	(void)kind;
	return -EOPNOTSUPP;
}

void *kumem_sys_wait_owner(void *overlapped, int kind)
{
	(void)overlapped;
	(void)kind;
	return NULL;
}

int kumem_sys_wait_end(kumem_sys_handle dev, struct kumem_sys_wait *w, void *blk, size_t size)
{
	(void)dev;
	(void)w;
	(void)blk;
	(void)size;
	return -EOPNOTSUPP;
}

int kumem_sys_wait_cancel(kumem_sys_handle dev, struct kumem_sys_wait *w)
{
	(void)dev;
	(void)w;
	return -EOPNOTSUPP;
}

void kumem_sys_wait_retire(kumem_sys_handle dev, struct kumem_sys_wait *w)
{
	(void)dev;
	(void)w;
}

void kumem_sys_ring_destroy(struct kumem_sys_ring *r)
{
	munmap(r->map, r->map_len);
	close(r->id);
}

int kumem_sys_ring_enter(struct kumem_sys_ring *r, struct kumem_ring_enter *a)
{
	/* a plain submission: the argument-less ioctl, when the module has it */
	if (a->to_submit && !a->min_complete && !a->flags && !r->enter_only) {
		int n = ioctl(r->id, KUMEM_IOC_RING_SUBMIT, (unsigned long)a->to_submit);

		if (n >= 0) {
			a->submitted = (uint32_t)n;
			return 0;
		}
		if (errno != ENOTTY)
			return -errno;
		r->enter_only = true;
	}
	return ioctl(r->id, KUMEM_IOC_RING_ENTER, a) < 0 ? -errno : 0;
}

struct kumem_sys_lock {
	pthread_mutex_t m;
};

int kumem_sys_lock_new(struct kumem_sys_lock **l)
{
	*l = malloc(sizeof(**l));
	if (!*l)
		return -ENOMEM;
	pthread_mutex_init(&(*l)->m, NULL);
	return 0;
}

void kumem_sys_lock_free(struct kumem_sys_lock *l)
{
	pthread_mutex_destroy(&l->m);
	free(l);
}

void kumem_sys_lock(struct kumem_sys_lock *l)
{
	pthread_mutex_lock(&l->m);
}

void kumem_sys_unlock(struct kumem_sys_lock *l)
{
	pthread_mutex_unlock(&l->m);
}
