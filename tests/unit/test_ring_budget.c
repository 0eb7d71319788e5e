// SPDX-License-Identifier: MIT
/*
 * core/ring_ops.c's bounds on work: ops run in chunks with the driver's yield() between them,
 * a stop request ends the op with -EINTR and leaves the rest queued, and one service call
 * stops after KUMEM_RING_BATCH_BYTES. The results must be what one memset/hash/memmove gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ring_ops.h"
#include "checksum.h"

#define CHUNK	  KUMEM_RING_CHUNK_BYTES
#define BIG_BYTES (5 * (size_t)CHUNK + 4097) /* five whole chunks and a piece */
#define ENTRIES	  64

/* One writable region (id 1) of BIG_BYTES; yield() counts its calls and stops on request. */
struct fake {
	uint8_t *mem;
	unsigned int yields;
	unsigned int stop_at; /* yield() returns true from this call on (0: never) */
};

static int fake_get(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	struct fake *f = ctx;

	if (id != 1)
		return -KUMEM_ENOENT;
	m->kaddr = f->mem;
	m->size = BIG_BYTES;
	m->writable = true;
	m->handle = NULL;
	return 0;
}

static void fake_put(void *ctx, struct kumem_ring_mem *m)
{
	(void)ctx;
	(void)m;
}

static bool fake_yield(void *ctx)
{
	struct fake *f = ctx;

	f->yields++;
	return f->stop_at && f->yields >= f->stop_at;
}

static const struct kumem_region_ops ops = { .get = fake_get,
					     .put = fake_put,
					     .yield = fake_yield };

/* A ring of ENTRIES slots seen from both sides (u*: the process, k*: the kernel). */
struct ring {
	uint32_t sp, sc, cp, cc;
	struct kumem_queue usq, ksq, kcq, ucq;
	struct kumem_sqe sqes[ENTRIES];
	struct kumem_cqe cqes[ENTRIES];
};

static struct ring *ring_new(void)
{
	struct ring *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	kumem_queue_attach(&r->usq, &r->sp, &r->sc, r->sqes, ENTRIES, sizeof(r->sqes[0]), true);
	kumem_queue_attach(&r->ksq, &r->sp, &r->sc, r->sqes, ENTRIES, sizeof(r->sqes[0]), false);
	kumem_queue_attach(&r->kcq, &r->cp, &r->cc, r->cqes, ENTRIES, sizeof(r->cqes[0]), true);
	kumem_queue_attach(&r->ucq, &r->cp, &r->cc, r->cqes, ENTRIES, sizeof(r->cqes[0]), false);
	return r;
}

static void submit(struct ring *r, const struct kumem_sqe *e, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		*(struct kumem_sqe *)kumem_queue_prod_slot(&r->usq, i) = *e;
	kumem_queue_publish(&r->usq, n);
}

static struct kumem_cqe reap(struct ring *r)
{
	struct kumem_cqe c;

	assert_true(kumem_queue_ready(&r->ucq) > 0);
	c = *(struct kumem_cqe *)kumem_queue_cons_slot(&r->ucq, 0);
	kumem_queue_release(&r->ucq, 1);
	return c;
}

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mem = calloc(1, BIG_BYTES);
	assert_non_null(f->mem);
	return f;
}

static void fake_free(struct fake *f)
{
	free(f->mem);
	free(f);
}

static size_t count_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] == v;
	return n;
}

/* A FILL of five and a bit chunks yields after each whole chunk and fills every byte. */
static void fill_yields_per_chunk(void **state)
{
	struct fake *f = fake_new();
	struct kumem_sqe e = { .op = KUMEM_OP_FILL, .region = 1, .len = BIG_BYTES, .value = 0x5a };
	struct kumem_cqe c;

	(void)state;
	kumem_ring_execute(&e, &c, &ops, f);
	assert_int_equal(c.result, 0);
	assert_int_equal(f->yields, 5);
	assert_int_equal(count_bytes(f->mem, BIG_BYTES, 0x5a), BIG_BYTES);
	fake_free(f);
}

/* A stop request during a FILL ends it after that chunk, with -EINTR; nothing more runs. */
static void stop_midway(void **state)
{
	struct fake *f = fake_new();
	struct ring *r = ring_new();
	struct kumem_sqe e = { .op = KUMEM_OP_FILL, .region = 1, .len = BIG_BYTES, .value = 7 };
	struct kumem_cqe c;

	(void)state;
	f->stop_at = 2;
	submit(r, &e, 3);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), 1);
	c = reap(r);
	assert_int_equal(c.result, -KUMEM_EINTR);
	assert_int_equal(count_bytes(f->mem, BIG_BYTES, 7), 2 * CHUNK);
	/* the two others are still queued, untouched */
	assert_int_equal(kumem_queue_ready(&r->ksq), 2);
	f->stop_at = 0;
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), 2);
	assert_int_equal(reap(r).result, 0);
	assert_int_equal(reap(r).result, 0);
	assert_int_equal(count_bytes(f->mem, BIG_BYTES, 7), BIG_BYTES);
	free(r);
	fake_free(f);
}

/* A stop asked for on an op's last chunk completes that op and leaves the next queued. */
static void stop_between_entries(void **state)
{
	struct fake *f = fake_new();
	struct ring *r = ring_new();
	struct kumem_sqe e = { .op = KUMEM_OP_CHECKSUM, .region = 1, .len = CHUNK };
	struct kumem_cqe c;

	(void)state;
	f->stop_at = 1;
	submit(r, &e, 4);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), 1);
	c = reap(r);
	assert_int_equal(c.result, 0);
	assert_int_equal(c.value, kumem_checksum(f->mem, CHUNK));
	assert_int_equal(kumem_queue_ready(&r->ksq), 3);
	free(r);
	fake_free(f);
}

/* One call stops once its submissions touched KUMEM_RING_BATCH_BYTES; the rest waits. */
static void batch_budget(void **state)
{
	const uint32_t per_batch = KUMEM_RING_BATCH_BYTES / (4 * CHUNK);
	struct fake *f = fake_new();
	struct ring *r = ring_new();
	struct kumem_sqe e = { .op = KUMEM_OP_FILL, .region = 1, .len = 4 * CHUNK, .value = 1 };
	uint32_t i;

	(void)state;
	submit(r, &e, 2 * per_batch + 3);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), per_batch);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), per_batch);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), 3);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), 0);
	for (i = 0; i < 2 * per_batch + 3; i++)
		assert_int_equal(reap(r).result, 0);
	/* NOPs and failed entries cost nothing against the budget: a whole ring goes at once */
	e = (struct kumem_sqe){ .op = KUMEM_OP_NOP };
	submit(r, &e, ENTRIES / 2);
	e = (struct kumem_sqe){ .op = KUMEM_OP_FILL, .region = 9, .len = 4 * CHUNK };
	submit(r, &e, ENTRIES / 2);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), ENTRIES);
	free(r);
	fake_free(f);
}

/* Small ops add up within one call: 32 KiB checksums yield once per chunk's worth. */
static void small_ops_add_up(void **state)
{
	struct fake *f = fake_new();
	struct ring *r = ring_new();
	struct kumem_sqe e = { .op = KUMEM_OP_CHECKSUM, .region = 1, .len = 32768 };

	(void)state;
	submit(r, &e, ENTRIES);
	assert_int_equal(kumem_ring_service(&r->ksq, &r->kcq, ENTRIES, &ops, f), ENTRIES);
	/* 64 * 32 KiB = 2 MiB */
	assert_int_equal(f->yields, 2);
	free(r);
	fake_free(f);
}

/* The chunked hash is the one-shot hash, at odd offsets and lengths across chunks. */
static void checksum_across_chunks(void **state)
{
	static const uint64_t offs[] = { 0, 1, 31, 4095, CHUNK - 1 };
	static const uint64_t lens[] = { 0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 33 };
	struct fake *f = fake_new();
	size_t i, j;

	(void)state;
	for (i = 0; i < BIG_BYTES; i++)
		f->mem[i] = (uint8_t)(i * 2654435761u >> 11);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct kumem_sqe e = { .op = KUMEM_OP_CHECKSUM,
					       .region = 1,
					       .offset = offs[i],
					       .len = lens[j] };
			struct kumem_cqe c;

			kumem_ring_execute(&e, &c, &ops, f);
			assert_int_equal(c.result, 0);
			assert_int_equal(c.value, kumem_checksum(f->mem + offs[i], lens[j]));
		}
	fake_free(f);
}

/* Chunked COPY in one region equals memmove, overlapping either way, several chunks long. */
static void copy_overlaps(void **state)
{
	static const int64_t shifts[] = { 1, -1, 4096, -4096, (int64_t)CHUNK + 5,
					  -((int64_t)CHUNK + 5), 0 };
	const uint64_t len = 3 * CHUNK + 100;
	struct fake *f = fake_new();
	uint8_t *want = malloc(BIG_BYTES);
	size_t i;

	(void)state;
	assert_non_null(want);
	for (i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
		uint64_t src = CHUNK + 7, dst = (uint64_t)((int64_t)src + shifts[i]);
		struct kumem_sqe e = { .op = KUMEM_OP_COPY,
				       .region = 1,
				       .offset = src,
				       .len = len,
				       .dst_region = 1,
				       .dst_offset = dst };
		struct kumem_cqe c;
		size_t k;

		for (k = 0; k < BIG_BYTES; k++)
			f->mem[k] = (uint8_t)(k * 40503u >> 7);
		memcpy(want, f->mem, BIG_BYTES);
		memmove(want + dst, want + src, len);
		kumem_ring_execute(&e, &c, &ops, f);
		assert_int_equal(c.result, 0);
		assert_memory_equal(f->mem, want, BIG_BYTES);
	}
	free(want);
	fake_free(f);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fill_yields_per_chunk),
		cmocka_unit_test(stop_midway),
		cmocka_unit_test(stop_between_entries),
		cmocka_unit_test(batch_budget),
		cmocka_unit_test(small_ops_add_up),
		cmocka_unit_test(checksum_across_chunks),
		cmocka_unit_test(copy_overlaps),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
