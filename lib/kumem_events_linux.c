// SPDX-License-Identifier: MIT
/*
 * libkumem's side of the event streams: core/evring.c on this process's mapping of the
 * stream. Linux only for now (mmap, poll); the Windows driver does not serve streams yet.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"
#include "../core/evring.h"

struct kumem_events {
	int fd;
	void *cons_map; /* 1 page, read-write */
	void *rest_map; /* producer page + 2 x data, read-only */
	size_t rest_len;
	struct kumem_ev_producer_page *prod;
	struct kumem_evring ev; /* we consume */
};

int kumem_events_create(kumem_t *dev, size_t data_bytes, kumem_events_t **out)
{
	struct kumem_events_create a = { .data_bytes = data_bytes };
	long page = sysconf(_SC_PAGESIZE);
	struct kumem_events *e;
	int err;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	err = kumem_sys_ioctl(kumem_dev_handle(dev), KUMEM_IOC_EVENTS_CREATE, &a, sizeof(a));
	if (err)
		goto err_free;
	e->fd = a.events_fd;
	e->cons_map = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, 0);
	if (e->cons_map == MAP_FAILED) {
		err = -errno;
		goto err_close;
	}
	e->rest_len = a.map_len - (size_t)page;
	e->rest_map = mmap(NULL, e->rest_len, PROT_READ, MAP_SHARED, e->fd, page);
	if (e->rest_map == MAP_FAILED) {
		err = -errno;
		goto err_unmap;
	}
	e->prod = e->rest_map;
	kumem_ev_attach(&e->ev, e->cons_map, &e->prod->producer_pos, (uint8_t *)e->rest_map + page,
			data_bytes, false);
	*out = e;
	return 0;

err_unmap:
	munmap(e->cons_map, (size_t)page);
err_close:
	close(e->fd);
err_free:
	free(e);
	return err;
}

void kumem_events_destroy(kumem_events_t *e)
{
	if (!e)
		return;
	munmap(e->rest_map, e->rest_len);
	munmap(e->cons_map, (size_t)sysconf(_SC_PAGESIZE));
	close(e->fd);
	free(e);
}

int kumem_events_fd(const kumem_events_t *e)
{
	return e->fd;
}

int kumem_events_generate(kumem_events_t *e, uint64_t count, uint32_t record_len, uint32_t rate)
{
	struct kumem_events_gen g = { .count = count, .record_len = record_len, .rate = rate };

	return ioctl(e->fd, KUMEM_IOC_EVENTS_GEN, &g) < 0 ? -errno : 0;
}

int kumem_events_consume(kumem_events_t *e, kumem_event_fn fn, void *ctx, unsigned max)
{
	int n = kumem_ev_consume(&e->ev, fn, ctx, max);

	return n < 0 ? -EBADFD : n;
}

int kumem_events_wait(kumem_events_t *e, int timeout_ms)
{
	struct pollfd p = { .fd = e->fd, .events = POLLIN };
	int n;

	/* consumer_pos was stored by the last consume; the kernel's poll re-checks after its
	 * own barrier, so a record committed meanwhile is seen (docs/rings.md) */
	n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (n && (p.revents & POLLERR))
		return -EBADFD;
	return n;
}

void kumem_events_counts(const kumem_events_t *e, uint64_t *produced, uint64_t *dropped)
{
	*produced = __atomic_load_n(&e->prod->produced, __ATOMIC_RELAXED);
	*dropped = __atomic_load_n(&e->prod->dropped, __ATOMIC_RELAXED);
}

/* Windows' completion-port waits; Linux polls or epolls the stream's fd instead. */
int kumem_events_wait_start(kumem_events_t *e, int timeout_ms)
{
	(void)e;
	(void)timeout_ms;
	return -EOPNOTSUPP;
}

kumem_events_t *kumem_events_from_overlapped(void *overlapped)
{
	(void)overlapped;
	return NULL;
}

int kumem_events_wait_end(kumem_events_t *e)
{
	(void)e;
	return -EOPNOTSUPP;
}

int kumem_events_wait_cancel(kumem_events_t *e)
{
	(void)e;
	return -EOPNOTSUPP;
}
