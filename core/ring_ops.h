/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The command ring's service loop, shared by both drivers: take submissions, run them on
 * regions, post completions. The driver supplies how a region id becomes memory.
 */
#ifndef KUMEM_CORE_RING_OPS_H
#define KUMEM_CORE_RING_OPS_H

#include "ring.h"
#include "mdl.h"

/*
 * Bounds on the work of one submission and of one batch, the same in both drivers.
 *
 * FILL, CHECKSUM and COPY run in steps of at most KUMEM_RING_CHUNK_BYTES. Whenever a chunk's
 * worth of bytes has been worked on (within one submission or across several small ones) the
 * driver's yield() runs: it gives the CPU away if needed and says whether to stop (a fatal
 * signal, a thread told to stop). A submission stopped midway completes with -KUMEM_EINTR,
 * its work partly done; the ones after it stay queued. One call of kumem_ring_service() takes
 * no further submission once those it ran have touched KUMEM_RING_BATCH_BYTES, and returns
 * how many it consumed; the rest stay queued for the next call (io_uring's enter returns a
 * short count the same way). A process thus waits at most one chunk for a signal to be
 * honoured, and holds its ring for at most one batch's worth of work per call.
 */
#define KUMEM_RING_CHUNK_BYTES (1u << 20)
#define KUMEM_RING_BATCH_BYTES (64u << 20)

/*
 * A region as a submission sees it, for as long as the driver holds it: one linear buffer at
 * @kaddr, or a chain (core/mdl.h) whose pages the driver maps in order at @map but whose
 * bytes do not follow each other there (joints inside pages); the ops then walk its elements.
 * The service loop zeroes it before get(), so a driver without chains sets only the first
 * four fields.
 */
struct kumem_ring_mem {
	uint8_t *kaddr; /* linear: first byte, in the driver's own mapping; chain: NULL */
	uint64_t size;
	bool writable; /* may the kernel write it (method 2, or method 1 with KERNEL_WRITE) */
	void *handle;  /* the driver's reference, given back to put() */
	const struct kumem_chain_seg *segs; /* chain: its elements, in offset order */
	uint32_t nsegs;
	unsigned int page_shift;
	uint8_t *map; /* chain: the mapping of its first page */
};

/*
 * COPY is memmove over the regions' logical bytes when source and destination are the same
 * region or views of the same pages in one kernel mapping (the Linux driver's views, plain
 * or chained): the destination ends up with the source's bytes as they were before the
 * copy, however the ranges overlap, across joints too. The direction is chosen from the
 * first bytes' kernel addresses (a view's bytes rise with their offset in the one mapping).
 * Two regions that merely pin the same memory twice (two locks) are two mappings the ops
 * cannot relate: an overlapping copy between them leaves unspecified bytes in the
 * destination range, and never writes outside it.
 */

struct kumem_region_ops {
	/* Look up @id and hold it: 0, or -KUMEM_ENOENT / -KUMEM_EACCES, or -KUMEM_EOPNOTSUPP
	 * for a region the driver can show neither as one buffer nor as a chain.
	 */
	int (*get)(void *ctx, uint32_t id, struct kumem_ring_mem *out);
	void (*put)(void *ctx, struct kumem_ring_mem *m);
	/* Ops >= KUMEM_OP_DRIVER_FIRST: the ring's driver runs them (NULL: -KUMEM_EINVAL).
	 * Returns the completion's result; may set c->value.
	 */
	int (*driver_op)(void *ctx, const struct kumem_sqe *e, struct kumem_cqe *c);
	/* After every KUMEM_RING_CHUNK_BYTES of work (see above): reschedule if needed; true:
	 * stop now. May sleep. NULL: never stops (host tests, benchmarks).
	 */
	bool (*yield)(void *ctx);
};

/* Run one submission (a private copy) and fill its completion. */
void kumem_ring_execute(const struct kumem_sqe *e, struct kumem_cqe *c,
			const struct kumem_region_ops *ops, void *ctx);

/*
 * Consume up to @max submissions from @sq, posting one completion each to @cq, never more
 * than @cq has room for. @sq holds struct kumem_sqe entries and @cq struct kumem_cqe ones
 * (the loop indexes them as such). Returns the number consumed, or -KUMEM_EINVAL if an index the
 * process wrote is impossible (the caller marks the ring dead).
 */
int kumem_ring_service(struct kumem_queue *sq, struct kumem_queue *cq, uint32_t max,
		       const struct kumem_region_ops *ops, void *ctx);

/*
 * The same, handing consumed slots back and completions over every @run submissions
 * instead of once per batch (@run 0: once per batch, as kumem_ring_service()).
 *
 * When the process and the servicing thread run on two CPUs, one publication per batch
 * makes them take turns: the process fills the queue, the server drains all of it, and
 * their cache-line transfers never overlap. Publishing in runs lets the process refill and
 * reap while the server works on the next run. Where one CPU does all the work (enter
 * mode), nobody is there to overlap with, and each publication is a store for nothing.
 */
int kumem_ring_service_runs(struct kumem_queue *sq, struct kumem_queue *cq, uint32_t max,
			    uint32_t run, const struct kumem_region_ops *ops, void *ctx);

/*
 * The SQPOLL thread's run length (linux: module parameter sqpoll_publish_run); see
 * docs/performance.md for the measurement behind it.
 */
#define KUMEM_RING_PUBLISH_RUN 32

#endif
