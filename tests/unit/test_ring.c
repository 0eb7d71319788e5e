// SPDX-License-Identifier: MIT
/* core/ring.c, single-threaded: semantics, counter wrap, and every index a hostile peer can
 * write is caught before it addresses memory (AddressSanitizer watches the slots). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ring_ops.h"
#include "checksum.h"

struct shared {
	uint32_t prod, cons, flags;
};

static void setup_pair(struct shared *sh, struct kumem_queue *p, struct kumem_queue *c,
		       uint64_t *slots, uint32_t entries, uint32_t start)
{
	sh->prod = sh->cons = start;
	sh->flags = 0;
	assert_int_equal(kumem_queue_attach(p, &sh->prod, &sh->cons, slots, entries, 8, true), 0);
	assert_int_equal(kumem_queue_attach(c, &sh->prod, &sh->cons, slots, entries, 8, false), 0);
}

static void full_and_empty(void **state)
{
	uint64_t *slots = malloc(8 * 8);
	struct kumem_queue p, c;
	struct shared sh;
	uint32_t i;

	(void)state;
	setup_pair(&sh, &p, &c, slots, 8, 0);
	assert_int_equal(kumem_queue_ready(&c), 0);
	assert_int_equal(kumem_queue_space(&p), 8);
	for (i = 0; i < 8; i++)
		*(uint64_t *)kumem_queue_prod_slot(&p, i) = 100 + i;
	kumem_queue_publish(&p, 8);
	assert_int_equal(kumem_queue_space(&p), 0);
	assert_int_equal(kumem_queue_ready(&c), 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(*(uint64_t *)kumem_queue_cons_slot(&c, i), 100 + i);
	kumem_queue_release(&c, 3);
	assert_int_equal(kumem_queue_space(&p), 3);
	assert_int_equal(kumem_queue_ready(&c), 5);
	free(slots);
}

static void counters_wrap(void **state)
{
	uint64_t *slots = malloc(16 * 8);
	struct kumem_queue p, c;
	struct shared sh;
	uint64_t next = 0, want = 0;
	int round;

	(void)state;
	setup_pair(&sh, &p, &c, slots, 16, UINT32_MAX - 40);
	for (round = 0; round < 100; round++) {
		int space = kumem_queue_space(&p), ready, i;
		int n = space > 5 ? 5 : space;

		for (i = 0; i < n; i++)
			*(uint64_t *)kumem_queue_prod_slot(&p, (uint32_t)i) = next++;
		kumem_queue_publish(&p, (uint32_t)n);
		ready = kumem_queue_ready(&c);
		assert_in_range(ready, 0, 16);
		for (i = 0; i < ready; i++)
			assert_int_equal(*(uint64_t *)kumem_queue_cons_slot(&c, (uint32_t)i),
					 want++);
		kumem_queue_release(&c, (uint32_t)ready);
	}
	assert_true(sh.prod < 1000); /* went through 2^32 */
	assert_int_equal(want, next);
	free(slots);
}

static void hostile_indices(void **state)
{
	uint64_t *slots = malloc(8 * 8);
	struct kumem_queue p, c;
	struct shared sh;
	static const uint32_t bad[] = { 9, 100, 0x80000000u, UINT32_MAX, UINT32_MAX - 3 };
	size_t i;

	(void)state;
	setup_pair(&sh, &p, &c, slots, 8, 0);
	/* a producer index further ahead than the capacity, or behind the consumer */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sh.prod = bad[i];
		assert_int_equal(kumem_queue_ready(&c), -KUMEM_EINVAL);
	}
	sh.prod = 8;
	assert_int_equal(kumem_queue_ready(&c), 8);
	/* a consumer index ahead of what was produced, or too far behind */
	sh.prod = 0;
	kumem_queue_publish(&p, 4); /* producer's private index: 4 */
	sh.cons = 5;
	assert_int_equal(kumem_queue_space(&p), -KUMEM_EINVAL);
	sh.cons = UINT32_MAX - 10;
	assert_int_equal(kumem_queue_space(&p), -KUMEM_EINVAL);
	sh.cons = 0;
	assert_int_equal(kumem_queue_space(&p), 4);
	/* the producer's private index is not taken back from shared memory */
	sh.prod = 77;
	assert_int_equal(kumem_queue_space(&p), 4);
	free(slots);
}

static void bad_sizes(void **state)
{
	struct kumem_queue q;
	uint32_t a = 0, b = 0;
	uint64_t s[4];

	(void)state;
	assert_int_equal(kumem_queue_attach(&q, &a, &b, s, 0, 8, true), -KUMEM_EINVAL);
	assert_int_equal(kumem_queue_attach(&q, &a, &b, s, 3, 8, true), -KUMEM_EINVAL);
	assert_int_equal(kumem_queue_attach(&q, &a, &b, s, 4, 0, true), -KUMEM_EINVAL);
	assert_true(kumem_pow2_ok(1, 8));
	assert_true(kumem_pow2_ok(8, 8));
	assert_false(kumem_pow2_ok(16, 8));
	assert_false(kumem_pow2_ok(6, 8));
}

static void sleep_flag(void **state)
{
	uint64_t *slots = malloc(8 * 8);
	struct kumem_queue p, c;
	struct shared sh;

	(void)state;
	setup_pair(&sh, &p, &c, slots, 8, 0);
	assert_true(kumem_queue_prepare_sleep(&c, &sh.flags, 0));
	assert_true(kumem_queue_needs_wakeup(&sh.flags));
	kumem_queue_woke(&sh.flags, 0);
	assert_false(kumem_queue_needs_wakeup(&sh.flags));
	kumem_queue_publish(&p, 1);
	/* work is there: the consumer must not sleep, and the flag is clear again */
	assert_false(kumem_queue_prepare_sleep(&c, &sh.flags, KUMEM_RING_DEAD));
	assert_int_equal(sh.flags, KUMEM_RING_DEAD);
	free(slots);
}

/* core/ring_ops.c with two fake regions: 1 writable, 2 read-only */
static uint8_t mem1[256], mem2[64];
static int n_gets, n_puts;

static int fake_get(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	(void)ctx;
	if (id != 1 && id != 2)
		return -KUMEM_ENOENT;
	m->kaddr = id == 1 ? mem1 : mem2;
	m->size = id == 1 ? sizeof(mem1) : sizeof(mem2);
	m->writable = id == 1;
	m->handle = NULL;
	n_gets++;
	return 0;
}

static void fake_put(void *ctx, struct kumem_ring_mem *m)
{
	(void)ctx;
	(void)m;
	n_puts++;
}

static int fake_driver_op(void *ctx, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	(void)ctx;
	c->value = e->offset * 2;
	return e->op == KUMEM_OP_DRIVER_FIRST ? 0 : -KUMEM_EOPNOTSUPP;
}

static const struct kumem_region_ops fake_ops = { .get = fake_get, .put = fake_put };
static const struct kumem_region_ops fake_driver_ops = { .get = fake_get,
							 .put = fake_put,
							 .driver_op = fake_driver_op };

static void driver_ops(void **state)
{
	struct kumem_sqe e = { .op = KUMEM_OP_DRIVER_FIRST, .offset = 21 };
	struct kumem_cqe c;

	(void)state;
	kumem_ring_execute(&e, &c, &fake_driver_ops, NULL);
	assert_int_equal(c.result, 0);
	assert_int_equal(c.value, 42);
	e.op = 0xff;
	kumem_ring_execute(&e, &c, &fake_driver_ops, NULL);
	assert_int_equal(c.result, -KUMEM_EOPNOTSUPP);
	/* no driver behind the ring: its ops do not exist */
	e.op = KUMEM_OP_DRIVER_FIRST;
	kumem_ring_execute(&e, &c, &fake_ops, NULL);
	assert_int_equal(c.result, -KUMEM_EINVAL);
	/* reserved fields are kumem's, whoever runs the op */
	e.reserved[1] = 1;
	kumem_ring_execute(&e, &c, &fake_driver_ops, NULL);
	assert_int_equal(c.result, -KUMEM_EINVAL);
	/* between kumem's ops and the driver's: nobody's */
	e.reserved[1] = 0;
	e.op = KUMEM_OP_MAX + 1;
	kumem_ring_execute(&e, &c, &fake_driver_ops, NULL);
	assert_int_equal(c.result, -KUMEM_EINVAL);
}

/* A command ring in test memory, seen from both sides: u* the process's, k* the kernel's. */
struct test_ring {
	uint32_t sp, sc, cp, cc; /* sq_tail, sq_head, cq_tail, cq_head */
	struct kumem_queue usq, ksq, kcq, ucq;
};

/* Attach @t to 8 @sqes and 8 @cqes, then submit the 8 entries of @subs. */
static void test_ring_submit8(struct test_ring *t, struct kumem_sqe *sqes, struct kumem_cqe *cqes,
			      const struct kumem_sqe *subs)
{
	uint32_t i;

	memset(t, 0, sizeof(*t));
	kumem_queue_attach(&t->usq, &t->sp, &t->sc, sqes, 8, sizeof(*sqes), true);
	kumem_queue_attach(&t->ksq, &t->sp, &t->sc, sqes, 8, sizeof(*sqes), false);
	kumem_queue_attach(&t->kcq, &t->cp, &t->cc, cqes, 8, sizeof(*cqes), true);
	kumem_queue_attach(&t->ucq, &t->cp, &t->cc, cqes, 8, sizeof(*cqes), false);
	for (i = 0; i < 8; i++)
		*(struct kumem_sqe *)kumem_queue_prod_slot(&t->usq, i) = subs[i];
	kumem_queue_publish(&t->usq, 8);
}

static void service(void **state)
{
	struct kumem_sqe *sqes = calloc(8, sizeof(*sqes));
	struct kumem_cqe *cqes = calloc(8, sizeof(*cqes));
	struct test_ring t;
	static const struct kumem_sqe subs[] = {
		{ .op = KUMEM_OP_FILL,
		  .region = 1,
		  .offset = 10,
		  .len = 100,
		  .value = 7,
		  .user_data = 1 },
		{ .op = KUMEM_OP_COPY,
		  .region = 1,
		  .offset = 10,
		  .len = 50,
		  .dst_region = 1,
		  .dst_offset = 200,
		  .user_data = 2 },
		{ .op = KUMEM_OP_CHECKSUM, .region = 1, .len = 256, .user_data = 3 },
		{ .op = KUMEM_OP_FILL, .region = 2, .len = 1, .user_data = 4 },
		{ .op = KUMEM_OP_COPY, .region = 1, .len = 65, .dst_region = 2, .user_data = 5 },
		{ .op = KUMEM_OP_CHECKSUM, .region = 3, .len = 1, .user_data = 6 },
		{ .op = 9, .user_data = 7 },
		{ .op = KUMEM_OP_FILL, .region = 1, .len = 1, .value = 256, .user_data = 8 },
	};
	static const int64_t want[] = {
		0, 0, 0, -KUMEM_EACCES, -KUMEM_ERANGE, -KUMEM_ENOENT, -KUMEM_EINVAL, -KUMEM_EINVAL
	};
	uint32_t i;

	(void)state;
	test_ring_submit8(&t, sqes, cqes, subs);
	assert_int_equal(kumem_ring_service(&t.ksq, &t.kcq, 3, &fake_ops, NULL), 3);
	assert_int_equal(kumem_ring_service(&t.ksq, &t.kcq, 100, &fake_ops, NULL), 5);
	assert_int_equal(kumem_queue_ready(&t.ucq), 8);
	for (i = 0; i < 8; i++) {
		const struct kumem_cqe *c = kumem_queue_cons_slot(&t.ucq, i);

		assert_int_equal(c->user_data, i + 1);
		assert_int_equal(c->result, want[i]);
	}
	assert_int_equal(mem1[10], 7);
	assert_int_equal(mem1[109], 7);
	assert_int_equal(mem1[110], 0);
	assert_int_equal(mem1[249], 7);
	assert_int_equal(((const struct kumem_cqe *)kumem_queue_cons_slot(&t.ucq, 2))->value,
			 kumem_checksum(mem1, 256));
	assert_int_equal(mem2[0], 0);
	assert_int_equal(n_gets, n_puts);
	/* the CQ is full: nothing more is consumed even with submissions waiting */
	kumem_queue_publish(&t.usq, 1);
	assert_int_equal(kumem_ring_service(&t.ksq, &t.kcq, 100, &fake_ops, NULL), 0);
	t.sp = 100; /* hostile */
	assert_int_equal(kumem_ring_service(&t.ksq, &t.kcq, 100, &fake_ops, NULL), -KUMEM_EINVAL);
	free(sqes);
	free(cqes);
}

/* Runs of slots up to the wrap, from either side, at any counter value. */
static void contiguous_runs(void **state)
{
	uint64_t *slots = malloc(8 * 8);
	struct kumem_queue p, c;
	struct shared sh;

	(void)state;
	setup_pair(&sh, &p, &c, slots, 8, UINT32_MAX - 2); /* the counters wrap on the way */
	/* slot of index UINT32_MAX - 2 is 5: three to the end of the array */
	assert_int_equal(kumem_queue_contig(&p, 0, 8), 3);
	assert_int_equal(kumem_queue_contig(&p, 0, 2), 2);
	assert_int_equal(kumem_queue_contig(&p, 3, 5), 5); /* from slot 0 */
	assert_int_equal(kumem_queue_contig(&p, 1, 7), 2);
	assert_int_equal(kumem_queue_contig(&p, 0, 0), 0);
	assert_ptr_equal(kumem_queue_prod_slot(&p, 3), slots);
	kumem_queue_publish(&p, 6);
	assert_int_equal(kumem_queue_ready(&c), 6);
	assert_int_equal(kumem_queue_contig(&c, 0, 6), 3);
	kumem_queue_release(&c, 3);
	assert_int_equal(kumem_queue_contig(&c, 0, 3), 3);
	assert_ptr_equal(kumem_queue_cons_slot(&c, 0), slots);
	free(slots);
}

/*
 * The service loop completes well-formed NOPs on a path of its own; every field that makes a
 * NOP malformed must still get -EINVAL there, exactly as kumem_ring_execute() decides, and
 * the fields a NOP ignores must not matter.
 */
static void nop_fast_path(void **state)
{
	static const struct kumem_sqe nops[] = {
		{ .op = KUMEM_OP_NOP, .user_data = 1 },
		{ .op = KUMEM_OP_NOP, .flags = 1, .user_data = 2 },
		{ .op = KUMEM_OP_NOP, .reserved0 = 0x100, .user_data = 3 },
		{ .op = KUMEM_OP_NOP, .value = 1u << 31, .user_data = 4 },
		{ .op = KUMEM_OP_NOP, .reserved = { 1, 0 }, .user_data = 5 },
		{ .op = KUMEM_OP_NOP, .reserved = { 0, 1ull << 63 }, .user_data = 6 },
		{ .op = KUMEM_OP_NOP,
		  .region = 7,
		  .offset = 8,
		  .len = 9,
		  .dst_region = 10,
		  .dst_offset = 11,
		  .user_data = 7 },
		{ .op = KUMEM_OP_MAX + 1, .user_data = 8 },
	};
	struct kumem_sqe *sqes = calloc(8, sizeof(*sqes));
	struct kumem_cqe *cqes = malloc(8 * sizeof(*cqes));
	struct test_ring t;
	uint32_t i;

	(void)state;
	memset(cqes, 0xa5, 8 * sizeof(*cqes)); /* stale completions: every field is rewritten */
	test_ring_submit8(&t, sqes, cqes, nops);
	assert_int_equal(kumem_ring_service(&t.ksq, &t.kcq, 8, &fake_ops, NULL), 8);
	for (i = 0; i < 8; i++) {
		const struct kumem_cqe *c = kumem_queue_cons_slot(&t.ucq, i);
		struct kumem_cqe alone;

		/* the same entry through the full path gives the same completion */
		kumem_ring_execute(&nops[i], &alone, &fake_ops, NULL);
		assert_int_equal(c->user_data, i + 1);
		assert_int_equal(c->result, i == 0 || i == 6 ? 0 : -KUMEM_EINVAL);
		assert_int_equal(c->result, alone.result);
		assert_int_equal(c->value, 0);
		assert_int_equal(c->reserved, 0);
	}
	assert_int_equal(n_gets, n_puts);
	free(sqes);
	free(cqes);
}

/*
 * kumem_ring_service_runs(): while a batch runs, the indices the peer sees move every @run
 * submissions (what the driver op observes of the shared words when it is called), and only
 * once at the end with @run 0, as kumem_ring_service() does.
 */
static struct test_ring *seen_ring;
static uint32_t seen_cq_tail[8], seen_sq_head[8];

static int record_indices(void *ctx, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	(void)ctx;
	(void)c;
	seen_cq_tail[e->offset] = seen_ring->cp;
	seen_sq_head[e->offset] = seen_ring->sc;
	return 0;
}

static const struct kumem_region_ops record_ops = { .get = fake_get,
						    .put = fake_put,
						    .driver_op = record_indices };

static void publish_in_runs(void **state)
{
	struct kumem_sqe *sqes = calloc(8, sizeof(*sqes));
	struct kumem_cqe *cqes = calloc(8, sizeof(*cqes));
	struct kumem_sqe subs[8];
	struct test_ring t;
	uint32_t i, run;

	(void)state;
	for (i = 0; i < 8; i++)
		subs[i] = (struct kumem_sqe){ .op = KUMEM_OP_DRIVER_FIRST,
					      .offset = i,
					      .user_data = 100 + i };
	for (run = 0; run <= 8; run++) {
		test_ring_submit8(&t, sqes, cqes, subs);
		seen_ring = &t;
		assert_int_equal(kumem_ring_service_runs(&t.ksq, &t.kcq, 8, run, &record_ops, NULL),
				 8);
		for (i = 0; i < 8; i++) {
			/* entry i runs after the runs before it were published, not before */
			uint32_t want = run ? i / run * run : 0;

			assert_int_equal(seen_cq_tail[i], want);
			assert_int_equal(seen_sq_head[i], want);
		}
		/* all eight completions out, in order, whatever the run */
		assert_int_equal(t.cp, 8);
		assert_int_equal(t.sc, 8);
		for (i = 0; i < 8; i++)
			assert_int_equal(((const struct kumem_cqe *)kumem_queue_cons_slot(&t.ucq, i))
						 ->user_data,
					 100 + i);
	}
	free(sqes);
	free(cqes);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_and_empty),
		cmocka_unit_test(counters_wrap),
		cmocka_unit_test(hostile_indices),
		cmocka_unit_test(bad_sizes),
		cmocka_unit_test(sleep_flag),
		cmocka_unit_test(service),
		cmocka_unit_test(contiguous_runs),
		cmocka_unit_test(nop_fast_path),
		cmocka_unit_test(driver_ops),
		cmocka_unit_test(publish_in_runs),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
