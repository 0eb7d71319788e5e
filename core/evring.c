// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Event stream over a double-mapped data area (see evring.h). */
#include "evring.h"

static uint64_t record_total(uint32_t len)
{
	return ((uint64_t)len + KUMEM_EV_HDR_SIZE + 7) & ~(uint64_t)7;
}

uint32_t kumem_ev_max_payload(uint64_t size)
{
	uint64_t max = size / 4 - KUMEM_EV_HDR_SIZE;

	return max > KUMEM_EV_LEN_MASK ? KUMEM_EV_LEN_MASK & ~7u : (uint32_t)max;
}

int kumem_ev_attach(struct kumem_evring *e, uint64_t *consumer_pos, uint64_t *producer_pos,
		    void *data, uint64_t size, bool producer)
{
	if (size < 4096 || (size & (size - 1)))
		return -KUMEM_EINVAL;
	e->consumer_pos = consumer_pos;
	e->producer_pos = producer_pos;
	e->data = data;
	e->size = size;
	e->mask = size - 1;
	e->pos = kumem_os_read_once_u64(producer ? producer_pos : consumer_pos);
	return 0;
}

static struct kumem_ev_hdr *hdr_at(struct kumem_evring *e, uint64_t pos)
{
	return (struct kumem_ev_hdr *)(e->data + (pos & e->mask));
}

int kumem_ev_reserve(struct kumem_evring *e, uint32_t len, void **payload, uint64_t *rec_pos)
{
	uint64_t cons = kumem_os_load_acquire_u64(e->consumer_pos);
	uint64_t total = record_total(len);
	struct kumem_ev_hdr *h;

	if (len > kumem_ev_max_payload(e->size))
		return -KUMEM_E2BIG;
	/* the consumer cannot be ahead of us, nor further behind than the whole area */
	if (e->pos - cons > e->size)
		return -KUMEM_EINVAL;
	if (e->pos - cons + total > e->size)
		return -KUMEM_ENOSPC;
	h = hdr_at(e, e->pos);
	h->pad = 0;
	kumem_os_write_once_u32(&h->len, len | KUMEM_EV_BUSY);
	*payload = h + 1;
	*rec_pos = e->pos;
	e->pos += total;
	/* the BUSY header is visible before the position that covers it */
	kumem_os_store_release_u64(e->producer_pos, e->pos);
	return 0;
}

void kumem_ev_publish(struct kumem_evring *e, uint64_t rec_pos, bool discard)
{
	struct kumem_ev_hdr *h = hdr_at(e, rec_pos);
	uint32_t len = kumem_os_read_once_u32(&h->len) & KUMEM_EV_LEN_MASK;

	/* release: the payload is visible before the header says it is done */
	kumem_os_store_release_u32(&h->len, len | (discard ? KUMEM_EV_DISCARD : 0));
}

bool kumem_ev_caught_up(struct kumem_evring *e, uint64_t first, uint64_t end)
{
	/*
	 * Full barrier between our stores (the commits) and our load (consumer_pos), pairing
	 * with the consumer's barrier between its store of consumer_pos and its re-check for
	 * committed records before it sleeps: one of the two sides sees the other. A consumer
	 * stopped at any record of [first, end) may be asleep waiting for it.
	 */
	kumem_os_smp_mb();
	return kumem_os_read_once_u64(e->consumer_pos) - first < end - first;
}

bool kumem_ev_commit(struct kumem_evring *e, uint64_t rec_pos, bool discard)
{
	kumem_ev_publish(e, rec_pos, discard);
	return kumem_ev_caught_up(e, rec_pos, rec_pos + 1);
}

int kumem_ev_pending(struct kumem_evring *e)
{
	uint64_t prod = kumem_os_load_acquire_u64(e->producer_pos);

	if (prod - e->pos > e->size)
		return -KUMEM_EINVAL;
	if (prod == e->pos)
		return 0;
	return !(kumem_os_load_acquire_u32(&hdr_at(e, e->pos)->len) & KUMEM_EV_BUSY);
}

int kumem_ev_consume(struct kumem_evring *e, kumem_ev_fn fn, void *ctx, unsigned int max)
{
	uint64_t prod = kumem_os_load_acquire_u64(e->producer_pos);
	uint64_t pos = e->pos;
	unsigned int n = 0;
	int stop = 0;

	if (prod - pos > e->size)
		return -KUMEM_EINVAL;
	while (pos != prod && n < max && !stop) {
		/* read the header once: the producer side owns it */
		uint32_t word = kumem_os_load_acquire_u32(&hdr_at(e, pos)->len);
		uint32_t len = word & KUMEM_EV_LEN_MASK;
		uint64_t total = record_total(len);

		if (word & KUMEM_EV_BUSY)
			break;
		if (len > kumem_ev_max_payload(e->size) || total > prod - pos)
			return -KUMEM_EINVAL;
		if (!(word & KUMEM_EV_DISCARD))
			stop = fn(ctx, hdr_at(e, pos) + 1, len);
		pos += total;
		n++;
	}
	if (n) {
		e->pos = pos;
		kumem_os_store_release_u64(e->consumer_pos, pos);
	}
	return (int)n;
}
