/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Single-producer single-consumer queue of fixed-size entries over shared memory: the one
 * implementation behind kumem's submission and completion queues, in the kernels and in
 * libkumem.
 *
 * Each side keeps a private copy of the index it owns (`mine`) and never reads it back from
 * shared memory, where the peer could have scribbled on it. The peer's index is read once per
 * call and checked against the capacity; an impossible value makes the call return
 * -KUMEM_EINVAL, and the caller decides the session is over. No index read from shared memory
 * is ever used to address memory without the mask.
 */
#ifndef KUMEM_CORE_RING_H
#define KUMEM_CORE_RING_H

#include "os.h"
#include <kumem/kumem_abi.h>

struct kumem_queue {
	uint32_t *prod;	  /* shared: written by the producer */
	uint32_t *cons;	  /* shared: written by the consumer */
	uint8_t *slots;	  /* entries * entry_size bytes */
	uint32_t entries; /* power of two */
	uint32_t mask;
	uint32_t entry_size;
	uint32_t mine; /* private copy of this side's index */
};

/* Is @n a power of two between 1 and @max? */
bool kumem_pow2_ok(uint32_t n, uint32_t max);

/* Attach to a queue as producer (@producer) or consumer; the private index starts from the
 * shared one, which the creator zeroed. -KUMEM_EINVAL for a bad size.
 */
int kumem_queue_attach(struct kumem_queue *q, uint32_t *prod, uint32_t *cons, void *slots,
		       uint32_t entries, uint32_t entry_size, bool producer);

/*
 * The per-entry operations below are inline: they run once per message on both sides, and a
 * call costs more than the work itself (under emulation a call and return is ~11 ns, the
 * whole inline path ~23 ns per message; see docs/rings.md).
 */

/* Producer: free slots, or -KUMEM_EINVAL if the consumer's index is impossible. */
static inline int kumem_queue_space(struct kumem_queue *q)
{
	/* acquire: the consumer is done with the slots it released before we reuse them */
	uint32_t cons = kumem_os_load_acquire_u32(q->cons);
	uint32_t used = q->mine - cons;

	if (KUMEM_OS_UNLIKELY(used > q->entries))
		return -KUMEM_EINVAL;
	return (int)(q->entries - used);
}

/* Producer: slot for the @i-th entry after the ones already published. */
static inline void *kumem_queue_prod_slot(struct kumem_queue *q, uint32_t i)
{
	return q->slots + (size_t)((q->mine + i) & q->mask) * q->entry_size;
}

/* Producer: make @n filled slots visible (store-release of the producer index). */
static inline void kumem_queue_publish(struct kumem_queue *q, uint32_t n)
{
	q->mine += n;
	/* release: the entries' contents are visible before the index that publishes them */
	kumem_os_store_release_u32(q->prod, q->mine);
}

/* Consumer: entries ready, or -KUMEM_EINVAL if the producer's index is impossible. */
static inline int kumem_queue_ready(struct kumem_queue *q)
{
	/* acquire: pairs with the producer's release; entries are read after this */
	uint32_t prod = kumem_os_load_acquire_u32(q->prod);
	uint32_t ready = prod - q->mine;

	if (KUMEM_OS_UNLIKELY(ready > q->entries))
		return -KUMEM_EINVAL;
	return (int)ready;
}

/* Consumer: the @i-th ready entry. */
static inline void *kumem_queue_cons_slot(struct kumem_queue *q, uint32_t i)
{
	return q->slots + (size_t)((q->mine + i) & q->mask) * q->entry_size;
}

/* Consumer: give @n consumed slots back (store-release of the consumer index). */
static inline void kumem_queue_release(struct kumem_queue *q, uint32_t n)
{
	q->mine += n;
	/* release: our reads of the entries are done before the producer may overwrite them */
	kumem_os_store_release_u32(q->cons, q->mine);
}

/*
 * How many of the next @n slots from the @i-th on are contiguous in memory (the rest start
 * again at slot 0). Lets a caller hand out or read a run of entries as one array.
 */
static inline uint32_t kumem_queue_contig(const struct kumem_queue *q, uint32_t i, uint32_t n)
{
	uint32_t to_end = q->entries - ((q->mine + i) & q->mask);

	return n < to_end ? n : to_end;
}

/*
 * The sleep/wake handshake (see docs/rings.md for the argument).
 *
 * The consumer owns the shared flags word; it writes @base_flags (its private copy of the other
 * flags) with or without NEED_WAKEUP and never reads the word back.
 *
 * Consumer about to sleep:      set NEED_WAKEUP in *flags; full barrier; re-check ready:
 *                               kumem_queue_prepare_sleep() returns true if it may sleep now
 *                               (nothing arrived), false if work arrived (flag cleared).
 * Producer after publishing:    full barrier; kumem_queue_needs_wakeup() reads the flag.
 *
 * Both barriers order a store before a later load, which acquire/release does not do.
 * Without them each side can read the other's old value: the consumer misses the new
 * entry, the producer misses the flag, and the consumer sleeps with work queued.
 */
bool kumem_queue_prepare_sleep(struct kumem_queue *q, uint32_t *flags, uint32_t base_flags);
void kumem_queue_woke(uint32_t *flags, uint32_t base_flags);

/* Producer, after kumem_queue_publish() (P1): does the consumer sleep? */
static inline bool kumem_queue_needs_wakeup(const uint32_t *flags)
{
	kumem_os_smp_mb();					     /* P2 */
	return kumem_os_read_once_u32(flags) & KUMEM_SQ_NEED_WAKEUP; /* P3 */
}

#endif
