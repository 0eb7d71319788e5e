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

#include "ring.h"

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
			assert_int_equal(*(uint64_t *)kumem_queue_cons_slot(&c, (uint32_t)i), want++);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_and_empty),
		cmocka_unit_test(counters_wrap),
		cmocka_unit_test(hostile_indices),
		cmocka_unit_test(bad_sizes),
		cmocka_unit_test(sleep_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
