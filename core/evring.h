/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Event stream: variable-length records from one side (the kernel) to the other, BPF
 * ring-buffer style. The data area is mapped twice back to back, so a record is always
 * contiguous in memory even when it straddles the end: core code addresses it as
 * data[pos & mask .. (pos & mask) + total) and the second mapping supplies the wrap.
 *
 * Producer positions advance at reserve time (callers serialise reserves); a record stays
 * BUSY until committed, so producers may commit out of order and the consumer stops at the
 * first BUSY record. Positions are free-running 64-bit byte counters.
 */
#ifndef KUMEM_CORE_EVRING_H
#define KUMEM_CORE_EVRING_H

#include "os.h"
#include <kumem/kumem_abi.h>

struct kumem_evring {
	uint64_t *consumer_pos; /* shared, written by the consumer */
	uint64_t *producer_pos; /* shared, written by the producer */
	uint8_t *data;		/* 2 * size bytes, the second half aliasing the first */
	uint64_t size;		/* power of two */
	uint64_t mask;
	uint64_t pos; /* private copy of this side's position */
};

/*
 * The per-record operations are inline (reserve, publish, and the helpers they share): a
 * call costs as much as the work of a small record.
 */

/* Bytes a record of @len payload bytes takes: header + payload, 8-byte aligned. */
static inline uint64_t kumem_ev_record_total(uint32_t len)
{
	return ((uint64_t)len + KUMEM_EV_HDR_SIZE + 7) & ~(uint64_t)7;
}

/* Largest payload a stream of @size bytes takes (a quarter of the area). */
static inline uint32_t kumem_ev_max_payload(uint64_t size)
{
	uint64_t max = size / 4 - KUMEM_EV_HDR_SIZE;

	return max > KUMEM_EV_LEN_MASK ? KUMEM_EV_LEN_MASK & ~7u : (uint32_t)max;
}

/* The header of the record at position @pos (the double mapping makes it contiguous). */
static inline struct kumem_ev_hdr *kumem_ev_hdr_at(struct kumem_evring *e, uint64_t pos)
{
	return (struct kumem_ev_hdr *)(e->data + (pos & e->mask));
}

int kumem_ev_attach(struct kumem_evring *e, uint64_t *consumer_pos, uint64_t *producer_pos,
		    void *data, uint64_t size, bool producer);

/*
 * Producer, before reserving: 0, or -KUMEM_E2BIG for a record of @len payload bytes larger
 * than kumem_ev_max_payload(), -KUMEM_EINVAL if the consumer's position is impossible.
 * *@used gets the bytes between the consumer's position and ours.
 */
static inline int kumem_ev_reserve_check(struct kumem_evring *e, uint32_t len, uint64_t *used)
{
	uint64_t cons = kumem_os_load_acquire_u64(e->consumer_pos);

	if (KUMEM_OS_UNLIKELY(len > kumem_ev_max_payload(e->size)))
		return -KUMEM_E2BIG;
	*used = e->pos - cons;
	/* the consumer cannot be ahead of us, nor further behind than the whole area */
	if (KUMEM_OS_UNLIKELY(*used > e->size))
		return -KUMEM_EINVAL;
	return 0;
}

/*
 * Producer: lay down the BUSY header of a record of @len payload bytes (@total in all) at our
 * position and step over it; the record's position in *@rec_pos, its payload returned. The
 * caller then makes the producer position cover it.
 */
static inline void *kumem_ev_claim(struct kumem_evring *e, uint32_t len, uint64_t total,
				   uint64_t *rec_pos)
{
	struct kumem_ev_hdr *h = kumem_ev_hdr_at(e, e->pos);

	h->pad = 0;
	kumem_os_write_once_u32(&h->len, len | KUMEM_EV_BUSY);
	*rec_pos = e->pos;
	e->pos += total;
	return h + 1;
}

/*
 * Producer: reserve a record of @len payload bytes. 0 and *payload, *rec_pos on success;
 * -KUMEM_ENOSPC when the area is full (count a drop), or kumem_ev_reserve_check()'s errors.
 */
static inline int kumem_ev_reserve(struct kumem_evring *e, uint32_t len, void **payload,
				   uint64_t *rec_pos)
{
	uint64_t total = kumem_ev_record_total(len), used;
	int err = kumem_ev_reserve_check(e, len, &used);

	if (err)
		return err;
	if (used + total > e->size)
		return -KUMEM_ENOSPC;
	*payload = kumem_ev_claim(e, len, total, rec_pos);
	/* the BUSY header is visible before the position that covers it */
	kumem_os_store_release_u64(e->producer_pos, e->pos);
	return 0;
}

/*
 * Producer, in batches: reserve up to @max records of @len payload bytes each (payload[i],
 * rec_pos[i]) against one look at the consumer's position, and make the producer position
 * cover them with one store. Returns how many (0: full), or the errors of kumem_ev_reserve().
 * A generator reserving record by record moved the shared producer position, the line the
 * consumer polls, once per record.
 */
int kumem_ev_reserve_batch(struct kumem_evring *e, uint32_t len, unsigned int max,
			   void **payload, uint64_t *rec_pos);

/*
 * Producer: publish (or @discard) the record at @rec_pos. Returns true when the consumer had
 * caught up with this record, i.e. it may be asleep waiting for exactly this: wake it.
 */
bool kumem_ev_commit(struct kumem_evring *e, uint64_t rec_pos, bool discard);

/*
 * Producer, in batches: publish several records, then ask once whether the consumer had
 * caught up with any record in [first, end) (positions as returned by reserve; end is the
 * position after the last). One barrier for the batch instead of one per record.
 */
static inline void kumem_ev_publish(struct kumem_evring *e, uint64_t rec_pos, bool discard)
{
	struct kumem_ev_hdr *h = kumem_ev_hdr_at(e, rec_pos);
	uint32_t len = kumem_os_read_once_u32(&h->len) & KUMEM_EV_LEN_MASK;

	/* release: the payload is visible before the header says it is done */
	kumem_os_store_release_u32(&h->len, len | (discard ? KUMEM_EV_DISCARD : 0));
}

bool kumem_ev_caught_up(struct kumem_evring *e, uint64_t first, uint64_t end);

/* Consumer: is a committed record waiting? -KUMEM_EINVAL for an impossible producer position. */
int kumem_ev_pending(struct kumem_evring *e);

/*
 * Consumer: hand up to @max committed records to @fn, then release their space in one
 * store. Returns the number handed over, or -KUMEM_EINVAL for a corrupt stream (a length or
 * position that cannot be). @fn returning nonzero stops the batch after that record.
 */
typedef int (*kumem_ev_fn)(void *ctx, const void *payload, uint32_t len);
int kumem_ev_consume(struct kumem_evring *e, kumem_ev_fn fn, void *ctx, unsigned int max);

#endif
