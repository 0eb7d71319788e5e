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

static size_t chunk_of(uint64_t left)
{
	return (size_t)(left < KUMEM_RING_CHUNK_BYTES ? left : KUMEM_RING_CHUNK_BYTES);
}

/* Each op below works in chunks and gives up with -KUMEM_EINTR if told to stop midway. */
static int op_fill(uint8_t *p, uint8_t value, uint64_t len, struct ring_budget *b)
{
	while (len) {
		size_t n = chunk_of(len);

		kumem_os_memset(p, value, n);
		p += n;
		len -= n;
		if (budget_step(b, n) && len)
			return -KUMEM_EINTR;
	}
	return 0;
}

static int op_checksum(const uint8_t *p, uint64_t len, uint64_t *sum, struct ring_budget *b)
{
	struct kumem_csum c;

	/* the streaming hash equals the one-shot hash however the input is cut */
	kumem_csum_init(&c);
	while (len) {
		size_t n = chunk_of(len);

		kumem_csum_update(&c, p, n);
		p += n;
		len -= n;
		if (budget_step(b, n) && len)
			return -KUMEM_EINTR;
	}
	*sum = kumem_csum_final(&c);
	return 0;
}

/*
 * memmove in chunks. When the destination starts inside the source, the chunks go from the
 * end backwards, so no chunk overwrites source bytes a later chunk still has to read.
 */
static int op_copy(uint8_t *dst, const uint8_t *src, uint64_t len, struct ring_budget *b)
{
	bool backwards = dst > src && dst < src + len;
	uint64_t left = len;

	while (left) {
		size_t n = chunk_of(left);
		uint64_t at = backwards ? left - n : len - left;

		kumem_os_memmove(dst + at, src + at, n);
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
	struct kumem_ring_mem src, dst;
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
			err = op_fill(src.kaddr + e->offset, (uint8_t)e->value, e->len, b);
		break;
	case KUMEM_OP_CHECKSUM:
		err = op_checksum(src.kaddr + e->offset, e->len, &sum, b);
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
			err = op_copy(dst.kaddr + e->dst_offset, src.kaddr + e->offset, e->len, b);
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
 * A submission copied out of its shared slot. Each word is loaded once, in the initialiser:
 * the process may rewrite the slot while the kernel works, so nothing may be read from it
 * twice, and a local initialised where it is declared is not zeroed first by kernels built
 * with automatic stack initialisation (a memcpy into a plain local is: rep stos, then copy).
 */
union sqe_copy {
	struct kumem_sqe sqe;
	uint64_t w[sizeof(struct kumem_sqe) / 8];
};

int kumem_ring_service_runs(struct kumem_queue *sq, struct kumem_queue *cq, uint32_t max,
			    uint32_t run, const struct kumem_region_ops *ops, void *ctx)
{
	int ready = kumem_queue_ready(sq);
	int space = kumem_queue_space(cq);
	/* the queues' geometry in locals: the completion stores below could alias *sq, *cq */
	const uint64_t *sq_slots = (const uint64_t *)sq->slots;
	struct kumem_cqe *cq_slots = (struct kumem_cqe *)cq->slots;
	uint32_t sq_mask = sq->mask, cq_mask = cq->mask;
	uint32_t head = sq->mine, tail = cq->mine;
	struct ring_budget b = { .ops = ops, .ctx = ctx };
	uint32_t i, n, published = 0;

	if (ready < 0 || space < 0)
		return -KUMEM_EINVAL;
	n = (uint32_t)ready < (uint32_t)space ? (uint32_t)ready : (uint32_t)space;
	if (n > max)
		n = max;
	if (!run)
		run = n; /* one publication for the whole batch */
	for (i = 0; i < n; i++) {
		const uint64_t *slot = sq_slots + (size_t)((head + i) & sq_mask) * 8;
		struct kumem_cqe *c = &cq_slots[(tail + i) & cq_mask];
		/* its address is never taken, so it can live in registers */
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
		} else {
			const struct kumem_sqe copy = e.sqe;

			ring_execute(&copy, c, &b);
			/* the batch's work is bounded: the rest stays queued for the next call */
			if (KUMEM_OS_UNLIKELY(b.stop || b.batch >= KUMEM_RING_BATCH_BYTES)) {
				n = i + 1;
				break;
			}
		}
		/* a run is done: hand its slots back and its completions over now */
		if (i + 1 - published == run && i + 1 < n) {
			kumem_queue_release(sq, run);
			kumem_queue_publish(cq, run);
			published = i + 1;
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
