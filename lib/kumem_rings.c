// SPDX-License-Identifier: MIT
/*
 * libkumem's side of the command rings, the same on every system: core/ring.c on this
 * process's mapping of the ring. kumem_sys_ring_*() creates, maps and enters it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"
#include "../core/ring.h"

struct kumem_ring {
	struct kumem_sys_ring sys;
	bool sqpoll;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_queue sq; /* we produce */
	struct kumem_queue cq; /* we consume */
	uint32_t taken;	       /* slots handed out by get_sqe, not yet published */
	uint32_t free_seen;    /* free slots at the last look at sq_head: saves re-reading it */
};

/* Both sides of the queues on this process's mapping, from the kernel's layout. */
static void ring_setup(struct kumem_ring *r, const struct kumem_ring_create *a)
{
	r->ctrl = r->sys.map;
	r->sqpoll = a->flags & KUMEM_RING_SQPOLL;
	kumem_queue_attach(&r->sq, &r->ctrl->sq_tail, &r->ctrl->sq_head,
			   (uint8_t *)r->sys.map + a->sq_offset, a->sq_entries,
			   sizeof(struct kumem_sqe), true);
	kumem_queue_attach(&r->cq, &r->ctrl->cq_tail, &r->ctrl->cq_head,
			   (uint8_t *)r->sys.map + a->cq_offset, a->cq_entries,
			   sizeof(struct kumem_cqe), false);
}

int kumem_ring_create(kumem_t *dev, uint32_t sq_entries, unsigned flags, uint32_t idle_us,
		      kumem_ring_t **out)
{
	const struct kumem_ring_params p = { .sq_entries = sq_entries,
					     .flags = flags,
					     .idle_us = idle_us };

	return kumem_ring_create_params(dev, &p, out);
}

int kumem_ring_create_params(kumem_t *dev, const struct kumem_ring_params *p, kumem_ring_t **out)
{
	struct kumem_ring_create a = { .sq_entries = p->sq_entries,
				       .cq_entries = p->cq_entries,
				       .flags = p->flags,
				       .idle_us = p->idle_us,
				       .sq_cpu = p->sq_cpu };
	struct kumem_ring *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = kumem_sys_ring_create(kumem_dev_handle(dev), &a, &r->sys);
	if (err) {
		free(r);
		return err;
	}
	ring_setup(r, &a);
	*out = r;
	return 0;
}

int kumem_ring_attach(int fd, kumem_ring_t **out)
{
	struct kumem_ring_create a;
	struct kumem_ring *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(&a, 0, sizeof(a));
	err = kumem_sys_ring_attach(fd, &a, &r->sys);
	if (err) {
		free(r);
		return err;
	}
	ring_setup(r, &a);
	*out = r;
	return 0;
}

int kumem_ring_attach_dev(kumem_t *dev, int id, kumem_ring_t **out)
{
	struct kumem_ring_create a;
	struct kumem_ring *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(&a, 0, sizeof(a));
	err = kumem_sys_ring_attach_dev(dev ? kumem_dev_handle(dev) : -1, id, &a, &r->sys);
	if (err) {
		free(r);
		return err;
	}
	ring_setup(r, &a);
	*out = r;
	return 0;
}

void kumem_ring_destroy(kumem_ring_t *r)
{
	if (!r)
		return;
	kumem_sys_ring_destroy(&r->sys);
	free(r);
}

int kumem_ring_fd(const kumem_ring_t *r)
{
	return r->sys.id;
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
	*e = (struct kumem_sqe){ 0 }; /* inline stores: a memset call costs more than the entry */
	return e;
}

unsigned kumem_ring_get_sqes(kumem_ring_t *r, unsigned want, struct kumem_sqe **sqes)
{
	unsigned n;

	if (r->taken + want > r->free_seen) {
		int space = kumem_queue_space(&r->sq);

		r->free_seen = space > 0 ? (uint32_t)space : 0;
	}
	n = r->free_seen > r->taken ? r->free_seen - r->taken : 0;
	n = kumem_queue_contig(&r->sq, r->taken, want < n ? want : n);
	*sqes = kumem_queue_prod_slot(&r->sq, r->taken);
	r->taken += n;
	return n;
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
	int err = kumem_sys_ring_enter(&r->sys, &a);

	return err ? err : (int)a.submitted;
}

/* Submissions published and not yet consumed (the kernel leaves some when the CQ is full). */
static uint32_t sq_pending(kumem_ring_t *r)
{
	return r->sq.mine - kumem_os_load_acquire_u32(r->sq.cons);
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
		uint32_t pending = sq_pending(r);

		if (!pending)
			return 0;
		err = enter(r, pending, 0, 0, 0);
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

int kumem_port_associate(kumem_t *dev, void *port, uintptr_t key)
{
	if (!dev || !port)
		return -EINVAL;
	return kumem_sys_port_associate(kumem_dev_handle(dev), port, key);
}

int kumem_ring_wait_start(kumem_ring_t *r, unsigned min, int64_t timeout_ns)
{
	/* as kumem_ring_wait(): in enter mode, hand over what the SQ still holds */
	struct kumem_ring_enter a = {
		.to_submit = r->sqpoll ? 0 : sq_pending(r),
		.min_complete = min,
		.flags = KUMEM_ENTER_GETEVENTS,
		.timeout_ns = timeout_ns,
		.ring_id = (uint32_t)r->sys.id,
	};

	return kumem_sys_wait_start(r->sys.dev, &r->sys.wait, KUMEM_IOC_RING_ENTER, &a, sizeof(a),
				    r, KUMEM_SYS_WAIT_RING);
}

kumem_ring_t *kumem_ring_from_overlapped(void *overlapped)
{
	return kumem_sys_wait_owner(overlapped, KUMEM_SYS_WAIT_RING);
}

int kumem_ring_wait_end(kumem_ring_t *r)
{
	return kumem_sys_wait_end(r->sys.dev, r->sys.wait, NULL, 0);
}

int kumem_ring_wait_cancel(kumem_ring_t *r)
{
	return kumem_sys_wait_cancel(r->sys.dev, r->sys.wait);
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

int kumem_ring_peek_cqes(kumem_ring_t *r, const struct kumem_cqe **cqes)
{
	int ready = kumem_queue_ready(&r->cq);

	if (ready < 0)
		return -EBADFD;
	*cqes = kumem_queue_cons_slot(&r->cq, 0);
	return (int)kumem_queue_contig(&r->cq, 0, (uint32_t)ready);
}

void kumem_ring_cq_advance(kumem_ring_t *r, unsigned n)
{
	if (n)
		kumem_queue_release(&r->cq, n);
}
