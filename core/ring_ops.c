// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Command ring service: validation and execution of submissions (see ring_ops.h). */
#include "ring_ops.h"
#include "checksum.h"
#include "mdl.h"

static inline bool sqe_fields_ok(const struct kumem_sqe *e)
{
	if (e->flags || e->reserved0 || e->reserved[0] || e->reserved[1])
		return false;
	if (e->op >= KUMEM_OP_DRIVER_FIRST)
		return true; /* the driver checks the rest */
	if (e->op > KUMEM_OP_MAX)
		return false;
	return e->op == KUMEM_OP_FILL ? e->value <= 0xff : e->value == 0;
}

/*
 * The state of one call of kumem_ring_service() (or of one lone kumem_ring_execute()):
 * bytes worked on since the driver's yield() last ran, bytes in the whole batch, and whether
 * yield() asked to stop.
 */
struct ring_budget {
	const struct kumem_region_ops *ops;
	void *ctx;
	uint64_t since_yield;
	uint64_t batch;
	bool stop;
};

/*
 * Account for @n bytes just worked on; once a chunk's worth has gone by, let the driver
 * reschedule and ask whether to stop. Returns true once stopping was asked for.
 */
static bool budget_step(struct ring_budget *b, uint64_t n)
{
	b->since_yield += n;
	b->batch += n;
	if (b->since_yield >= KUMEM_RING_CHUNK_BYTES) {
		b->since_yield = 0;
		if (b->ops->yield && b->ops->yield(b->ctx))
			b->stop = true;
	}
	return b->stop;
}

/*
 * The batch's work is bounded: once so, or once the driver asked to stop, the rest stays
 * queued for the next call.
 */
static bool budget_spent(const struct ring_budget *b)
{
	return b->stop || b->batch >= KUMEM_RING_BATCH_BYTES;
}

/*
 * The bytes of @m from @off on that lie back to back in the driver's mapping: their address,
 * and how many there are (*@avail, to the end of the region or of the chain's element).
 */
static uint8_t *mem_at(const struct kumem_ring_mem *m, uint64_t off, uint64_t *avail)
{
	const struct kumem_chain_seg *s;

	if (!m->segs) {
		*avail = m->size - off;
		return m->kaddr + off;
	}
	s = &m->segs[kumem_chain_find(m->segs, m->nsegs, off)];
	*avail = s->offset + s->geom.byte_count - off;
	return m->map + kumem_chain_map_offset(s, off, m->page_shift);
}

/* The same, backwards: the end of the bytes before @end (> 0) that lie back to back. */
static uint8_t *mem_end_at(const struct kumem_ring_mem *m, uint64_t end, uint64_t *avail)
{
	const struct kumem_chain_seg *s;

	if (!m->segs) {
		*avail = end;
		return m->kaddr + end;
	}
	s = &m->segs[kumem_chain_find(m->segs, m->nsegs, end - 1)];
	*avail = end - s->offset;
	return m->map + kumem_chain_map_offset(s, end - 1, m->page_shift) + 1;
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Each op below works on [off, off + len) of a region, in pieces that are contiguous in the
 * driver's mapping and at most a chunk long (one piece per chunk for a linear region, more
 * where a chain's elements end), and gives up with -KUMEM_EINTR if told to stop midway.
 */
static int op_fill(const struct kumem_ring_mem *m, uint64_t off, uint8_t value, uint64_t len,
		   struct ring_budget *b)
{
	while (len) {
		uint64_t avail;
		uint8_t *p = mem_at(m, off, &avail);
		size_t n = (size_t)min3(len, avail, KUMEM_RING_CHUNK_BYTES);

		kumem_os_memset(p, value, n);
		off += n;
		len -= n;
		if (budget_step(b, n) && len)
			return -KUMEM_EINTR;
	}
	return 0;
}

static int op_checksum(const struct kumem_ring_mem *m, uint64_t off, uint64_t len, uint64_t *sum,
		       struct ring_budget *b)
{
	struct kumem_csum c;

	/* the streaming hash equals the one-shot hash however the input is cut */
	kumem_csum_init(&c);
	while (len) {
		uint64_t avail;
		const uint8_t *p = mem_at(m, off, &avail);
		size_t n = (size_t)min3(len, avail, KUMEM_RING_CHUNK_BYTES);

		kumem_csum_update(&c, p, n);
		off += n;
		len -= n;
		if (budget_step(b, n) && len)
			return -KUMEM_EINTR;
	}
	*sum = kumem_csum_final(&c);
	return 0;
}

/*
 * memmove over the two regions' bytes (see struct kumem_ring_mem for when overlap is
 * defined). When the destination's first byte lies above the source's in the mapping, the
 * pieces go from the end backwards, so no piece overwrites source bytes a later piece still
 * has to read; each piece is a memmove of its own.
 */
static int op_copy(const struct kumem_ring_mem *dst, uint64_t doff,
		   const struct kumem_ring_mem *src, uint64_t soff, uint64_t len,
		   struct ring_budget *b)
{
	uint64_t davail, savail;
	bool backwards =
		(uintptr_t)mem_at(dst, doff, &davail) > (uintptr_t)mem_at(src, soff, &savail);
	uint64_t left = len;

	while (left) {
		uint8_t *d;
		const uint8_t *s;
		size_t n;

		if (backwards) {
			d = mem_end_at(dst, doff + left, &davail);
			s = mem_end_at(src, soff + left, &savail);
			n = (size_t)min3(left, davail < savail ? davail : savail,
					 KUMEM_RING_CHUNK_BYTES);
			d -= n;
			s -= n;
		} else {
			uint64_t done = len - left;

			d = mem_at(dst, doff + done, &davail);
			s = mem_at(src, soff + done, &savail);
			n = (size_t)min3(left, davail < savail ? davail : savail,
					 KUMEM_RING_CHUNK_BYTES);
		}
		kumem_os_memmove(d, s, n);
		left -= n;
		if (budget_step(b, n) && left)
			return -KUMEM_EINTR;
	}
	return 0;
}

static void ring_execute(const struct kumem_sqe *e, struct kumem_cqe *c, struct ring_budget *b)
{
	const struct kumem_region_ops *ops = b->ops;
	void *ctx = b->ctx;
	struct kumem_ring_mem src = { 0 }, dst = { 0 };
	bool have_src = false, have_dst = false;
	uint64_t sum = 0;
	int err = 0;

	c->value = 0;
	if (!sqe_fields_ok(e)) {
		err = -KUMEM_EINVAL;
		goto out;
	}
	if (e->op == KUMEM_OP_NOP)
		goto out;
	if (e->op >= KUMEM_OP_DRIVER_FIRST) {
		err = ops->driver_op ? ops->driver_op(ctx, e, c) : -KUMEM_EINVAL;
		goto out;
	}
	err = ops->get(ctx, e->region, &src);
	if (err)
		goto out;
	have_src = true;
	err = kumem_range_check(src.size, e->offset, e->len);
	if (err)
		goto out;
	switch (e->op) {
	case KUMEM_OP_FILL:
		if (!src.writable)
			err = -KUMEM_EACCES;
		else
			err = op_fill(&src, e->offset, (uint8_t)e->value, e->len, b);
		break;
	case KUMEM_OP_CHECKSUM:
		err = op_checksum(&src, e->offset, e->len, &sum, b);
		c->value = sum;
		break;
	case KUMEM_OP_COPY:
		err = ops->get(ctx, e->dst_region, &dst);
		if (err)
			break;
		have_dst = true;
		err = kumem_range_check(dst.size, e->dst_offset, e->len);
		if (!err && !dst.writable)
			err = -KUMEM_EACCES;
		if (!err)
			err = op_copy(&dst, e->dst_offset, &src, e->offset, e->len, b);
		break;
	}
out:
	if (have_dst)
		ops->put(ctx, &dst);
	if (have_src)
		ops->put(ctx, &src);
	c->user_data = e->user_data;
	c->result = err;
	c->reserved = 0;
}

void kumem_ring_execute(const struct kumem_sqe *e, struct kumem_cqe *c,
			const struct kumem_region_ops *ops, void *ctx)
{
	struct ring_budget b = { .ops = ops, .ctx = ctx };

	ring_execute(e, c, &b);
}

/*
 * A submission copied out of its shared slot, a word at a time: the process may rewrite the
 * slot while the kernel works, so whatever is checked and then used must come from one read.
 * A local initialised where it is declared is not zeroed first by kernels built with
 * automatic stack initialisation (a memcpy into a plain local is: rep stos, then copy).
 */
union sqe_copy {
	struct kumem_sqe sqe;
	uint64_t w[sizeof(struct kumem_sqe) / 8];
};

/* The words a NOP is judged by: op, flags, reserved0 (w[0]); value (w[4]); reserved (w[6..7]). */
#define SQE_WORD(field) (__builtin_offsetof(struct kumem_sqe, field) / 8)
KUMEM_LAYOUT_ASSERT(SQE_WORD(op) == 0 && SQE_WORD(flags) == 0 && SQE_WORD(reserved0) == 0 &&
			    SQE_WORD(user_data) == 3 && SQE_WORD(value) == 4 &&
			    SQE_WORD(reserved) == 6,
		    "the NOP test reads these words of a submission");

/*
 * Everything but a well-formed NOP: a fresh copy of the whole slot, checked and run by
 * ring_execute(). Nothing read by the NOP test is reused, so a slot rewritten in between is
 * judged on this copy alone. Kept out of line: its copy on the stack would otherwise cost
 * the per-message loop a stack canary and spilled registers.
 */
static KUMEM_OS_NOINLINE void service_slow(const uint64_t *slot, struct kumem_cqe *c, struct ring_budget *b)
{
	const union sqe_copy e = { .w = {
					   kumem_os_read_once_u64(&slot[0]),
					   kumem_os_read_once_u64(&slot[1]),
					   kumem_os_read_once_u64(&slot[2]),
					   kumem_os_read_once_u64(&slot[3]),
					   kumem_os_read_once_u64(&slot[4]),
					   kumem_os_read_once_u64(&slot[5]),
					   kumem_os_read_once_u64(&slot[6]),
					   kumem_os_read_once_u64(&slot[7]),
				   } };
	const struct kumem_sqe copy = e.sqe;

	ring_execute(&copy, c, b);
}

/*
 * Service @m submissions that lie back to back from @slot on, their completions back to back
 * from @c on. Returns how many were serviced: it stops early, after the entry that used it
 * up, once budget_spent().
 *
 * This is the per-message path of every ring, so it is kept to what a NOP needs: five of
 * the slot's eight words are read (the three others mean nothing to a NOP) and the four
 * words of its completion written, with nothing else live across the loop that would make
 * the compiler spill to the stack. Under emulation every memory access costs a guest TLB
 * lookup, and the loop written over both queues' indices took twenty of them per NOP.
 */
static uint32_t service_span(const uint64_t *slot, struct kumem_cqe *c, uint32_t m,
			     struct ring_budget *b)
{
	uint32_t k;

	for (k = 0; k < m; k++, slot += 8, c++) {
		/* its address is never taken, so it lives in registers */
		const union sqe_copy e = { .w = {
						   [0] = kumem_os_read_once_u64(&slot[0]),
						   [3] = kumem_os_read_once_u64(&slot[3]),
						   [4] = kumem_os_read_once_u64(&slot[4]),
						   [6] = kumem_os_read_once_u64(&slot[6]),
						   [7] = kumem_os_read_once_u64(&slot[7]),
					   } };

		/*
		 * A well-formed NOP (op, flags, value and every reserved field zero: what
		 * sqe_fields_ok() asks of a NOP, which is op 0) completes here, tested with
		 * one branch; everything else takes the full path.
		 */
		if (KUMEM_OS_LIKELY(!(e.sqe.op | e.sqe.flags | e.sqe.reserved0 | e.sqe.value |
				      e.sqe.reserved[0] | e.sqe.reserved[1]))) {
			c->user_data = e.sqe.user_data;
			c->result = 0;
			c->value = 0;
			c->reserved = 0;
			continue;
		}
		service_slow(slot, c, b);
		if (KUMEM_OS_UNLIKELY(budget_spent(b)))
			return k + 1;
	}
	return m;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

int kumem_ring_service_runs(struct kumem_queue *sq, struct kumem_queue *cq, uint32_t max,
			    uint32_t run, const struct kumem_region_ops *ops, void *ctx)
{
	int ready = kumem_queue_ready(sq);
	int space = kumem_queue_space(cq);
	struct ring_budget b = { .ops = ops, .ctx = ctx };
	uint32_t n, done, published = 0;

	if (ready < 0 || space < 0)
		return -KUMEM_EINVAL;
	n = min_u32(min_u32((uint32_t)ready, (uint32_t)space), max);
	if (!run)
		run = n; /* one publication for the whole batch */
	/* spans that end where a run ends or either queue wraps */
	for (done = 0; done < n;) {
		/* both queues' private indices stand at the last publication */
		uint32_t at = done - published;
		uint32_t want = min_u32(n - done, run - at);
		uint32_t got;

		want = min_u32(want, kumem_queue_contig(sq, at, want));
		want = min_u32(want, kumem_queue_contig(cq, at, want));
		got = service_span(kumem_queue_cons_slot(sq, at), kumem_queue_prod_slot(cq, at),
				   want, &b);
		done += got;
		if (got < want || budget_spent(&b)) {
			n = done;
			break;
		}
		/* a run is done: hand its slots back and its completions over now */
		if (done - published == run && done < n) {
			kumem_queue_release(sq, run);
			kumem_queue_publish(cq, run);
			published = done;
		}
	}
	if (n > published) {
		kumem_queue_release(sq, n - published);
		kumem_queue_publish(cq, n - published);
	}
	return (int)n;
}

int kumem_ring_service(struct kumem_queue *sq, struct kumem_queue *cq, uint32_t max,
		       const struct kumem_region_ops *ops, void *ctx)
{
	return kumem_ring_service_runs(sq, cq, max, 0, ops, ctx);
}
