// SPDX-License-Identifier: MIT
/*
 * libFuzzer over core/ring.c and core/ring_ops.c: the kernel side of a command ring whose
 * shared memory a hostile process controls. The input supplies the queue sizes, the indices
 * the process writes (before and between service calls), every submission's bytes, the
 * regions' sizes, and what the driver's hooks answer. AddressSanitizer watches every slot and
 * region; the checks below hold whatever the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ring_ops.h"
#include "fuzz_input.h"

struct fake {
	uint8_t *mem[3];
	uint64_t size[3];
	int gets, puts;
	struct fuzz_in *in;
};

static int fake_get(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	struct fake *f = ctx;

	if (id < 1 || id > 3)
		return -KUMEM_ENOENT;
	m->kaddr = f->mem[id - 1];
	m->size = f->size[id - 1];
	m->writable = id != 3;
	m->handle = f;
	f->gets++;
	return 0;
}

static void fake_put(void *ctx, struct kumem_ring_mem *m)
{
	struct fake *f = ctx;

	FUZZ_CHECK(m->handle == f);
	f->puts++;
}

static int fake_driver_op(void *ctx, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	struct fake *f = ctx;

	FUZZ_CHECK(e->op >= KUMEM_OP_DRIVER_FIRST);
	c->value = fuzz_u64(f->in);
	return -(int)(fuzz_u8(f->in) % 40);
}

static bool fake_yield(void *ctx)
{
	struct fake *f = ctx;

	return fuzz_u8(f->in) < 16;
}

static const struct kumem_region_ops ops = { .get = fake_get,
					     .put = fake_put,
					     .driver_op = fake_driver_op,
					     .yield = fake_yield };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint32_t sq_n = 1u << (fuzz_u8(&in) % 6), cq_n = sq_n << (fuzz_u8(&in) % 2);
	struct kumem_sqe *sqes = malloc(sq_n * sizeof(*sqes));
	struct kumem_cqe *cqes = malloc(cq_n * sizeof(*cqes));
	uint32_t ctrl[4] = { 0 }; /* sq_tail, sq_head, cq_tail, cq_head as the process sees them */
	struct kumem_queue sq, cq;
	struct fake f = { .in = &in };
	int round, i;

	for (i = 0; i < 3; i++) {
		f.size[i] = fuzz_u8(&in) * 17u;
		f.mem[i] = malloc(f.size[i] ? f.size[i] : 1);
		memset(f.mem[i], i, f.size[i]);
	}
	FUZZ_CHECK(!kumem_queue_attach(&sq, &ctrl[0], &ctrl[1], sqes, sq_n, sizeof(*sqes), false));
	FUZZ_CHECK(!kumem_queue_attach(&cq, &ctrl[2], &ctrl[3], cqes, cq_n, sizeof(*cqes), true));
	fuzz_take(&in, sqes, sq_n * sizeof(*sqes));
	memset(cqes, 0xa5, cq_n * sizeof(*cqes));
	for (round = 0; round < 4 && in.left; round++) {
		uint32_t before_tail = cq.mine, max = fuzz_u8(&in);
		int n;

		/* the process writes its two indices: anything at all */
		ctrl[0] = fuzz_u8(&in) < 200 ? sq.mine + fuzz_u8(&in) % (sq_n + 2) : fuzz_u32(&in);
		ctrl[3] = fuzz_u8(&in) < 200 ? cq.mine - fuzz_u8(&in) % (cq_n + 2) : fuzz_u32(&in);
		n = kumem_ring_service(&sq, &cq, max, &ops, &f);
		FUZZ_CHECK(n == -KUMEM_EINVAL || (n >= 0 && (uint32_t)n <= max));
		FUZZ_CHECK(f.gets == f.puts);
		if (n > 0) {
			/* each posted completion is whole: an errno or success, reserved zero */
			for (i = 0; i < n; i++) {
				const struct kumem_cqe *c = &cqes[(before_tail + i) & (cq_n - 1)];

				FUZZ_CHECK(c->reserved == 0 && c->result <= 0 && c->result > -4096);
			}
			FUZZ_CHECK(ctrl[1] == sq.mine && ctrl[2] == cq.mine);
		}
		/* and between calls, it rewrites some submissions */
		fuzz_take(&in, &sqes[fuzz_u8(&in) % sq_n], sizeof(*sqes));
	}
	for (i = 0; i < 3; i++)
		free(f.mem[i]);
	free(sqes);
	free(cqes);
	return 0;
}
