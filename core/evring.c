// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Event stream over a double-mapped data area (see evring.h). */
#include "evring.h"

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

int kumem_ev_reserve_batch(struct kumem_evring *e, uint32_t len, unsigned int max,
			   void **payload, uint64_t *rec_pos)
{
	uint64_t total = kumem_ev_record_total(len), used;
	int err = kumem_ev_reserve_check(e, len, &used);
	unsigned int n;

	if (err)
		return err;
	for (n = 0; n < max && used + total <= e->size; n++, used += total)
		payload[n] = kumem_ev_claim(e, len, total, &rec_pos[n]);
	/* the BUSY headers are visible before the position that covers them */
	if (n)
		kumem_os_store_release_u64(e->producer_pos, e->pos);
	return (int)n;
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
	return !(kumem_os_load_acquire_u32(&kumem_ev_hdr_at(e, e->pos)->len) & KUMEM_EV_BUSY);
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
		uint32_t word = kumem_os_load_acquire_u32(&kumem_ev_hdr_at(e, pos)->len);
		uint32_t len = word & KUMEM_EV_LEN_MASK;
		uint64_t total = kumem_ev_record_total(len);

		if (word & KUMEM_EV_BUSY)
			break;
		if (len > kumem_ev_max_payload(e->size) || total > prod - pos)
			return -KUMEM_EINVAL;
		if (!(word & KUMEM_EV_DISCARD))
			stop = fn(ctx, kumem_ev_hdr_at(e, pos) + 1, len);
		pos += total;
		n++;
	}
	if (n) {
		e->pos = pos;
		kumem_os_store_release_u64(e->consumer_pos, pos);
	}
	return (int)n;
}
