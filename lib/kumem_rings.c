// SPDX-License-Identifier: MIT
/*
 * libkumem's side of the rings: the same core/ring.c and core/evring.c the kernel uses, on
 * this process's mapping of the shared memory. Linux only for now (mmap, poll).
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
#include "../core/ring.h"

struct kumem_ring {
	int fd;
	bool sqpoll;
	void *map;
	size_t map_len;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_queue sq; /* we produce */
	struct kumem_queue cq; /* we consume */
	uint32_t taken;        /* slots handed out by get_sqe, not yet published */
	uint32_t free_seen;    /* free slots at the last look at sq_head: saves re-reading it */
};

int kumem_ring_create(kumem_t *dev, uint32_t sq_entries, unsigned flags, uint32_t idle_us,
		      kumem_ring_t **out)
{
	struct kumem_ring_create a = { .sq_entries = sq_entries, .flags = flags, .idle_us = idle_us };
	struct kumem_ring *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = kumem_sys_ioctl(kumem_dev_handle(dev), KUMEM_IOC_RING_CREATE, &a, sizeof(a));
	if (err)
		goto err_free;
	r->fd = a.ring_fd;
	r->map_len = a.map_len;
	r->map = mmap(NULL, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		err = -errno;
		goto err_close;
	}
	r->ctrl = r->map;
	r->sqpoll = flags & KUMEM_RING_SQPOLL;
	kumem_queue_attach(&r->sq, &r->ctrl->sq_tail, &r->ctrl->sq_head,
			   (uint8_t *)r->map + a.sq_offset, sq_entries, sizeof(struct kumem_sqe), true);
	kumem_queue_attach(&r->cq, &r->ctrl->cq_tail, &r->ctrl->cq_head,
			   (uint8_t *)r->map + a.cq_offset, 2 * sq_entries, sizeof(struct kumem_cqe),
			   false);
	*out = r;
	return 0;

err_close:
	close(r->fd);
err_free:
	free(r);
	return err;
}

void kumem_ring_destroy(kumem_ring_t *r)
{
	if (!r)
		return;
	munmap(r->map, r->map_len);
	close(r->fd);
	free(r);
}

int kumem_ring_fd(const kumem_ring_t *r)
{
	return r->fd;
}

struct kumem_sqe *kumem_ring_get_sqe(kumem_ring_t *r)
{
	struct kumem_sqe *e;

	if (r->taken >= r->free_seen) {
		int space = kumem_queue_space(&r->sq);

		r->free_seen = space > 0 ? (uint32_t)space : 0;
		if (r->taken >= r->free_seen)
			return NULL;
	}
	e = kumem_queue_prod_slot(&r->sq, r->taken++);
	memset(e, 0, sizeof(*e));
	return e;
}

static int enter(kumem_ring_t *r, uint32_t to_submit, uint32_t min, uint32_t flags,
		 int64_t timeout_ns)
{
	struct kumem_ring_enter a = {
		.to_submit = to_submit,
		.min_complete = min,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};

	if (ioctl(r->fd, KUMEM_IOC_RING_ENTER, &a) < 0)
		return -errno;
	return (int)a.submitted;
}

/* Submissions published and not yet consumed (the kernel leaves some when the CQ is full). */
static uint32_t sq_pending(kumem_ring_t *r)
{
	return r->sq.mine - __atomic_load_n(r->sq.cons, __ATOMIC_ACQUIRE);
}

int kumem_ring_submit(kumem_ring_t *r)
{
	uint32_t n = r->taken;
	int err;

	r->taken = 0;
	r->free_seen -= n;
	if (n)
		kumem_queue_publish(&r->sq, n);
	if (!r->sqpoll) {
		if (!sq_pending(r))
			return 0;
		err = enter(r, sq_pending(r), 0, 0, 0);
		return err < 0 ? err : (int)n;
	}
	if (!n)
		return 0;
	if (kumem_queue_needs_wakeup(&r->ctrl->sq_flags)) {
		err = enter(r, 0, 0, KUMEM_ENTER_WAKEUP, 0);
		if (err < 0)
			return err;
	}
	return (int)n;
}

int kumem_ring_wait(kumem_ring_t *r, unsigned min, int64_t timeout_ns)
{
	int ready = kumem_queue_ready(&r->cq);

	if (ready < 0)
		return -EBADFD;
	if ((unsigned)ready >= min)
		return 0;
	if (timeout_ns == 0)
		return -ETIMEDOUT;
	/* in enter mode, hand over what the kernel left in the SQ for lack of CQ space */
	ready = enter(r, r->sqpoll ? 0 : sq_pending(r), min, KUMEM_ENTER_GETEVENTS, timeout_ns);
	return ready < 0 ? ready : 0;
}

int kumem_ring_reap(kumem_ring_t *r, struct kumem_cqe *out, unsigned max)
{
	int ready = kumem_queue_ready(&r->cq);
	unsigned i, n;

	if (ready < 0)
		return -EBADFD;
	n = (unsigned)ready < max ? (unsigned)ready : max;
	for (i = 0; i < n; i++)
		memcpy(&out[i], kumem_queue_cons_slot(&r->cq, i), sizeof(*out));
	kumem_queue_release(&r->cq, n);
	return (int)n;
}

struct kumem_events {
	int fd;
	void *cons_map;  /* 1 page, read-write */
	void *rest_map;  /* producer page + 2 x data, read-only */
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
	kumem_ev_attach(&e->ev, e->cons_map, &e->prod->producer_pos,
			(uint8_t *)e->rest_map + page, data_bytes, false);
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
