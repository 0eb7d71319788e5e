// SPDX-License-Identifier: MIT
/*
 * core/evring.c over a real double mapping: one memfd mapped twice back to back, exactly the
 * layout the kernel gives user space. Records of 8 B .. 4 KiB cross the wrap point, drops are
 * counted when full, batches are consumed, and corrupt headers/positions are refused.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "evring.h"

#define SIZE (64 * 1024)

static uint8_t *double_map(void)
{
	int fd = memfd_create("evring", 0);
	uint8_t *base;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SIZE), 0);
	base = mmap(NULL, 2 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	assert_true(mmap(base, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    base);
	assert_true(mmap(base + SIZE, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
			 0) == base + SIZE);
	close(fd);
	return base;
}

struct expect {
	uint64_t seq;
	uint64_t bad;
	uint64_t seen;
};

static int check_record(void *ctx, const void *payload, uint32_t len)
{
	struct expect *x = ctx;
	const uint8_t *p = payload;
	uint64_t seq;
	uint32_t i;

	memcpy(&seq, p, 8);
	if (seq != x->seq || len != 8 + (seq * 40) % 4096)
		x->bad++;
	for (i = 8; i < len; i++)
		if (p[i] != (uint8_t)(seq + i))
			x->bad++;
	x->seq++;
	x->seen++;
	return 0;
}

static int produce(struct kumem_evring *e, uint64_t seq)
{
	uint32_t len = 8 + (uint32_t)((seq * 40) % 4096), i;
	uint64_t pos;
	void *p;
	int err = kumem_ev_reserve(e, len, &p, &pos);

	if (err)
		return err;
	memcpy(p, &seq, 8);
	for (i = 8; i < len; i++)
		((uint8_t *)p)[i] = (uint8_t)(seq + i);
	kumem_ev_commit(e, pos, false);
	return 0;
}

static void wrap_and_batches(void **state)
{
	uint64_t cons = 0, prodpos = 0, seq = 0, dropped = 0;
	struct kumem_evring pr, co;
	struct expect x = { 0 };
	uint8_t *data = double_map();
	int round;

	(void)state;
	assert_int_equal(kumem_ev_attach(&pr, &cons, &prodpos, data, SIZE, true), 0);
	assert_int_equal(kumem_ev_attach(&co, &cons, &prodpos, data, SIZE, false), 0);
	for (round = 0; round < 500; round++) {
		int n = 0;

		while (n < 40) {
			int err = produce(&pr, seq);

			if (err == -KUMEM_ENOSPC) {
				dropped++;
				break;
			}
			assert_int_equal(err, 0);
			seq++;
			n++;
		}
		assert_true(kumem_ev_consume(&co, check_record, &x, 1 + (unsigned)round % 17) >= 0);
	}
	while (kumem_ev_consume(&co, check_record, &x, 64) > 0)
		;
	assert_int_equal(x.bad, 0);
	assert_int_equal(x.seen, seq);
	assert_true(dropped > 0);	  /* the area filled up at times */
	assert_true(prodpos > 10 * SIZE); /* and wrapped many times */
	assert_int_equal(kumem_ev_pending(&co), 0);
}

static void corrupt_stream(void **state)
{
	uint64_t cons = 0, prodpos = 0;
	struct kumem_evring pr, co;
	struct expect x = { 0 };
	uint8_t *data = double_map();
	struct kumem_ev_hdr *h;
	uint64_t pos = 0;
	void *p;

	(void)state;
	kumem_ev_attach(&pr, &cons, &prodpos, data, SIZE, true);
	kumem_ev_attach(&co, &cons, &prodpos, data, SIZE, false);
	assert_int_equal(kumem_ev_reserve(&pr, SIZE, &p, &pos), -KUMEM_E2BIG);
	assert_int_equal(kumem_ev_reserve(&pr, 16, &p, &pos), 0);
	assert_int_equal(kumem_ev_consume(&co, check_record, &x, 8), 0); /* BUSY: not yet */
	assert_int_equal(kumem_ev_pending(&co), 0);
	kumem_ev_commit(&pr, pos, true);
	assert_int_equal(kumem_ev_pending(&co), 1);
	assert_int_equal(kumem_ev_consume(&co, check_record, &x, 8), 1);
	assert_int_equal(x.seen, 0); /* discarded records are skipped */
	/* a header claiming more than was produced */
	assert_int_equal(kumem_ev_reserve(&pr, 16, &p, &pos), 0);
	h = (struct kumem_ev_hdr *)(data + (pos & (SIZE - 1)));
	h->len = 5000;
	assert_int_equal(kumem_ev_consume(&co, check_record, &x, 8), -KUMEM_EINVAL);
	h->len = 16;
	/* positions that cannot be */
	prodpos = cons + SIZE + 8;
	assert_int_equal(kumem_ev_consume(&co, check_record, &x, 8), -KUMEM_EINVAL);
	assert_int_equal(kumem_ev_pending(&co), -KUMEM_EINVAL);
	cons = pr.pos + 8; /* consumer claims to be ahead of the producer */
	assert_int_equal(kumem_ev_reserve(&pr, 16, &p, &pos), -KUMEM_EINVAL);
}

static void batch_wake(void **state)
{
	uint64_t cons = 0, prodpos = 0, pos[3], end;
	struct kumem_evring pr;
	uint8_t *data = double_map();
	void *p;
	int i;

	(void)state;
	kumem_ev_attach(&pr, &cons, &prodpos, data, SIZE, true);
	for (i = 0; i < 3; i++)
		assert_int_equal(kumem_ev_reserve(&pr, 24, &p, &pos[i]), 0);
	end = pr.pos;
	for (i = 0; i < 3; i++)
		kumem_ev_publish(&pr, pos[i], false);
	/* a consumer stopped at any record of the batch may be waiting for it */
	cons = pos[0];
	assert_true(kumem_ev_caught_up(&pr, pos[0], end));
	cons = pos[2];
	assert_true(kumem_ev_caught_up(&pr, pos[0], end));
	/* one still behind the batch, or already past it, is not */
	cons = end;
	assert_false(kumem_ev_caught_up(&pr, pos[0], end));
	cons = pos[0] - 8;
	assert_false(kumem_ev_caught_up(&pr, pos[1], end));
	assert_true(kumem_ev_commit(&pr, pos[2], false) == (cons == pos[2]));
}

/* kumem_ev_reserve_batch(): as many as fit, one producer-position store, same errors. */
static void reserve_batch(void **state)
{
	uint64_t cons = 0, prodpos = 0, pos[64];
	struct kumem_evring pr, co;
	uint8_t *data = double_map();
	uint32_t len = 1016; /* 1 KiB with the header */
	void *p[64];
	int n, i, round;

	(void)state;
	kumem_ev_attach(&pr, &cons, &prodpos, data, SIZE, true);
	kumem_ev_attach(&co, &cons, &prodpos, data, SIZE, false);
	assert_int_equal(kumem_ev_reserve_batch(&pr, SIZE, 4, p, pos), -KUMEM_E2BIG);
	assert_int_equal(prodpos, 0);
	/* 64 KiB hold 64 such records: a batch of 40, then only 24 more fit */
	for (round = 0; round < 3; round++) {
		n = kumem_ev_reserve_batch(&pr, len, 40, p, pos);
		assert_int_equal(n, round == 0 ? 40 : round == 1 ? 24 : 0);
		assert_int_equal(prodpos, pr.pos); /* covered by the one store */
		for (i = 0; i < n; i++) {
			uint64_t seq = (uint64_t)(round ? 40 : 0) + (uint64_t)i;
			uint32_t k;

			assert_int_equal(pos[i], (seq * 1024));
			assert_ptr_equal(p[i], data + (pos[i] & (SIZE - 1)) + KUMEM_EV_HDR_SIZE);
			memcpy(p[i], &seq, 8);
			for (k = 8; k < len; k++)
				((uint8_t *)p[i])[k] = (uint8_t)(seq + k);
		}
		/* BUSY until published: the consumer stops at the first unpublished record */
		if (round == 0)
			assert_int_equal(kumem_ev_pending(&co), 0);
		for (i = n - 1; i >= 0; i--)
			kumem_ev_publish(&pr, pos[i], false);
		assert_int_equal(kumem_ev_pending(&co), 1);
	}
	for (i = 0; i < 64; i++) {
		const uint8_t *r = data + ((uint64_t)i * 1024 & (SIZE - 1)) + KUMEM_EV_HDR_SIZE;
		uint64_t seq;

		memcpy(&seq, r, 8);
		assert_int_equal(seq, (uint64_t)i);
	}
	cons = 2 * 1024; /* the consumer freed the first two records: two fit, past the wrap */
	n = kumem_ev_reserve_batch(&pr, len, 40, p, pos);
	assert_int_equal(n, 2);
	assert_int_equal(pos[0] & (SIZE - 1), 0);
	cons = pr.pos + 8; /* a consumer ahead of the producer */
	assert_int_equal(kumem_ev_reserve_batch(&pr, len, 4, p, pos), -KUMEM_EINVAL);
}

static uint64_t t_cons, t_prod;
static uint8_t *t_data;

static void *producer_thread(void *arg)
{
	struct kumem_evring pr;
	uint64_t seq = 0;

	(void)arg;
	kumem_ev_attach(&pr, &t_cons, &t_prod, t_data, SIZE, true);
	while (seq < 200000) {
		if (produce(&pr, seq) == 0)
			seq++;
	}
	return NULL;
}

static void two_threads(void **state)
{
	struct kumem_evring co;
	struct expect x = { 0 };
	pthread_t t;

	(void)state;
	t_data = double_map();
	kumem_ev_attach(&co, &t_cons, &t_prod, t_data, SIZE, false);
	pthread_create(&t, NULL, producer_thread, NULL);
	while (x.seen < 200000)
		assert_true(kumem_ev_consume(&co, check_record, &x, 32) >= 0);
	pthread_join(t, NULL);
	assert_int_equal(x.bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wrap_and_batches),
		cmocka_unit_test(corrupt_stream),
		cmocka_unit_test(batch_wake),
		cmocka_unit_test(reserve_batch),
		cmocka_unit_test(two_threads),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
