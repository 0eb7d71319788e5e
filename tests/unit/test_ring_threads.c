// SPDX-License-Identifier: MIT
/*
 * core/ring.c under two threads: millions of 64-byte entries, each carrying a sequence number
 * and a checksum of its body, so a torn or reordered entry is caught. Built twice: with
 * AddressSanitizer (make unit-test) and with ThreadSanitizer (make unit-tsan), which checks
 * the acquire/release pairs for data races.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checksum.h"
#include "ring.h"

#ifndef MESSAGES
#define MESSAGES 2000000u
#endif

struct msg {
	uint64_t seq;
	uint64_t sum; /* of body */
	uint8_t body[48];
};

static struct {
	uint32_t prod, cons;
} idx;
static struct msg slots[256];

static void *producer(void *arg)
{
	struct kumem_queue p;
	uint64_t seq = 0;

	(void)arg;
	kumem_queue_attach(&p, &idx.prod, &idx.cons, slots, 256, sizeof(struct msg), true);
	while (seq < MESSAGES) {
		int space = kumem_queue_space(&p), i;

		if (space < 0)
			return (void *)1;
		for (i = 0; i < space && seq < MESSAGES; i++, seq++) {
			struct msg *m = kumem_queue_prod_slot(&p, (uint32_t)i);

			m->seq = seq;
			memset(m->body, (int)(seq * 31), sizeof(m->body));
			m->body[seq % 48] ^= 0x5a;
			m->sum = kumem_checksum(m->body, sizeof(m->body));
		}
		kumem_queue_publish(&p, (uint32_t)i);
	}
	return NULL;
}

static void two_threads(void **state)
{
	struct kumem_queue c;
	pthread_t t;
	uint64_t want = 0, bad = 0;
	void *ret;

	(void)state;
	assert_int_equal(
		kumem_queue_attach(&c, &idx.prod, &idx.cons, slots, 256, sizeof(struct msg), false),
		0);
	assert_int_equal(pthread_create(&t, NULL, producer, NULL), 0);
	while (want < MESSAGES) {
		int ready = kumem_queue_ready(&c), i;

		assert_true(ready >= 0);
		for (i = 0; i < ready; i++) {
			const struct msg *m = kumem_queue_cons_slot(&c, (uint32_t)i);

			if (m->seq != want || m->sum != kumem_checksum(m->body, sizeof(m->body)))
				bad++;
			want++;
		}
		kumem_queue_release(&c, (uint32_t)ready);
	}
	pthread_join(t, &ret);
	assert_null(ret);
	assert_int_equal(bad, 0);
	assert_int_equal(want, MESSAGES);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_threads),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
