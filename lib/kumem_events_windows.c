// SPDX-License-Identifier: MIT
/*
 * libkumem's side of the event streams on Windows: core/evring.c on the two pieces the
 * driver mapped into this process (the consumer page, read-write; the producer page and the
 * data area twice, read-only). The stream is an id on the kumem handle; waiting is
 * KUMEM_IOC_EVENTS_WAIT, released with KUMEM_IOC_RELEASE. Same calls as on Linux, and the
 * completion-port waits (kumem_events_wait_start() and the rest) as for rings.
 */
#include <errno.h>
#include <stdlib.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"
#include "../core/evring.h"

struct kumem_events {
	kumem_sys_handle dev;
	uint32_t id;
	struct kumem_ev_producer_page *prod;
	struct kumem_evring ev;	     /* we consume */
	struct kumem_sys_wait *wait; /* the asynchronous wait, once started */
};

int kumem_events_create(kumem_t *dev, size_t data_bytes, kumem_events_t **out)
{
	struct kumem_events_create a = { .data_bytes = data_bytes };
	struct kumem_events *e;
	int err;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->dev = kumem_dev_handle(dev);
	err = kumem_sys_ioctl(e->dev, KUMEM_IOC_EVENTS_CREATE, &a, sizeof(a));
	if (err) {
		free(e);
		return err;
	}
	e->id = (uint32_t)a.events_fd;
	e->prod = (struct kumem_ev_producer_page *)(uintptr_t)a.user_ro_addr;
	/* data_offset is two pages: the producer page is the first of the read-only piece */
	kumem_ev_attach(&e->ev, (uint64_t *)(uintptr_t)a.user_addr, &e->prod->producer_pos,
			(uint8_t *)e->prod + a.data_offset / 2, data_bytes, false);
	*out = e;
	return 0;
}

void kumem_events_destroy(kumem_events_t *e)
{
	struct kumem_region_ref ref;

	if (!e)
		return;
	ref = (struct kumem_region_ref){ .id = e->id };
	/* the driver stops the generator, ends the waits and unmaps both pieces */
	kumem_sys_ioctl(e->dev, KUMEM_IOC_RELEASE, &ref, sizeof(ref));
	kumem_sys_wait_retire(e->dev, e->wait);
	free(e);
}

int kumem_events_fd(const kumem_events_t *e)
{
	return (int)e->id;
}

int kumem_events_generate(kumem_events_t *e, uint64_t count, uint32_t record_len, uint32_t rate)
{
	struct kumem_events_gen g = {
		.count = count, .record_len = record_len, .rate = rate, .events_id = e->id
	};

	return kumem_sys_ioctl(e->dev, KUMEM_IOC_EVENTS_GEN, &g, sizeof(g));
}

int kumem_events_consume(kumem_events_t *e, kumem_event_fn fn, void *ctx, unsigned max)
{
	int n = kumem_ev_consume(&e->ev, fn, ctx, max);

	return n < 0 ? -EBADFD : n;
}

int kumem_events_wait(kumem_events_t *e, int timeout_ms)
{
	struct kumem_events_wait w = {
		.events_id = e->id,
		.timeout_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000,
	};
	int err;

	/* consumer_pos was stored by the last consume; the driver re-checks after its own
	 * barrier, so a record committed meanwhile is seen */
	err = kumem_sys_ioctl(e->dev, KUMEM_IOC_EVENTS_WAIT, &w, sizeof(w));
	return err ? err : (int)w.ready;
}

int kumem_events_wait_start(kumem_events_t *e, int timeout_ms)
{
	struct kumem_events_wait w = {
		.events_id = e->id,
		.timeout_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000,
	};

	return kumem_sys_wait_start(e->dev, &e->wait, KUMEM_IOC_EVENTS_WAIT, &w, sizeof(w), e,
				    KUMEM_SYS_WAIT_EVENTS);
}

kumem_events_t *kumem_events_from_overlapped(void *overlapped)
{
	return kumem_sys_wait_owner(overlapped, KUMEM_SYS_WAIT_EVENTS);
}

int kumem_events_wait_end(kumem_events_t *e)
{
	struct kumem_events_wait w;
	int err = kumem_sys_wait_end(e->dev, e->wait, &w, sizeof(w));

	return err ? err : (int)w.ready;
}

int kumem_events_wait_cancel(kumem_events_t *e)
{
	return kumem_sys_wait_cancel(e->dev, e->wait);
}

void kumem_events_counts(const kumem_events_t *e, uint64_t *produced, uint64_t *dropped)
{
	*produced = __atomic_load_n(&e->prod->produced, __ATOMIC_RELAXED);
	*dropped = __atomic_load_n(&e->prod->dropped, __ATOMIC_RELAXED);
}
