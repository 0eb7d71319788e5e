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
 * shared one, which the creator zeroed. -KUMEM_EINVAL for a bad size. */
int kumem_queue_attach(struct kumem_queue *q, uint32_t *prod, uint32_t *cons, void *slots,
		       uint32_t entries, uint32_t entry_size, bool producer);

/* Producer: free slots, or -KUMEM_EINVAL if the consumer's index is impossible. */
int kumem_queue_space(struct kumem_queue *q);
/* Producer: slot for the @i-th entry after the ones already published. */
void *kumem_queue_prod_slot(struct kumem_queue *q, uint32_t i);
/* Producer: make @n filled slots visible (store-release of the producer index). */
void kumem_queue_publish(struct kumem_queue *q, uint32_t n);

/* Consumer: entries ready, or -KUMEM_EINVAL if the producer's index is impossible. */
int kumem_queue_ready(struct kumem_queue *q);
/* Consumer: the @i-th ready entry. */
void *kumem_queue_cons_slot(struct kumem_queue *q, uint32_t i);
/* Consumer: give @n consumed slots back (store-release of the consumer index). */
void kumem_queue_release(struct kumem_queue *q, uint32_t n);

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
bool kumem_queue_needs_wakeup(const uint32_t *flags);

#endif
