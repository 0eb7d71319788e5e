// SPDX-License-Identifier: MIT
/* core/checksum.c: streaming == one-shot however the input is cut, and sensitivity to input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checksum.h"

static void fill_random(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rand();
}

static void every_split_point(void **state)
{
	uint8_t buf[300];
	size_t len, cut, cut2;

	(void)state;
	fill_random(buf, sizeof(buf), 1);
	for (len = 0; len <= sizeof(buf); len++) {
		uint64_t whole = kumem_checksum(buf, len);

		for (cut = 0; cut <= len; cut++) {
			struct kumem_csum c;

			kumem_csum_init(&c);
			kumem_csum_update(&c, buf, cut);
			kumem_csum_update(&c, buf + cut, len - cut);
			assert_int_equal(kumem_csum_final(&c), whole);
		}
		/* three pieces, a coarser sweep */
		for (cut = 0; cut <= len; cut += 7)
			for (cut2 = cut; cut2 <= len; cut2 += 5) {
				struct kumem_csum c;

				kumem_csum_init(&c);
				kumem_csum_update(&c, buf, cut);
				kumem_csum_update(&c, buf + cut, cut2 - cut);
				kumem_csum_update(&c, buf + cut2, len - cut2);
				assert_int_equal(kumem_csum_final(&c), whole);
			}
	}
}

static void random_chunks_1mib(void **state)
{
	const size_t len = 1 << 20;
	uint8_t *buf = malloc(len);
	unsigned int trial;

	(void)state;
	assert_non_null(buf);
	fill_random(buf, len, 2);
	for (trial = 0; trial < 20; trial++) {
		struct kumem_csum c;
		size_t off = 0;

		kumem_csum_init(&c);
		while (off < len) {
			size_t n = (size_t)(rand() % (trial < 10 ? 64 : 9000));

			if (n > len - off)
				n = len - off;
			kumem_csum_update(&c, buf + off, n);
			off += n;
		}
		assert_int_equal(kumem_csum_final(&c), kumem_checksum(buf, len));
	}
	free(buf);
}

static void bit_flips_change_the_sum(void **state)
{
	uint8_t buf[257];
	uint64_t base;
	size_t i;
	int bit;

	(void)state;
	fill_random(buf, sizeof(buf), 3);
	base = kumem_checksum(buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			assert_int_not_equal(kumem_checksum(buf, sizeof(buf)), base);
			buf[i] ^= (uint8_t)(1 << bit);
		}
	assert_int_equal(kumem_checksum(buf, sizeof(buf)), base);
}

static void length_matters(void **state)
{
	uint8_t zeros[200] = { 0 };
	size_t a, b;

	(void)state;
	/* Trailing zero bytes must change the sum: every length of an all-zero buffer differs. */
	for (a = 0; a < sizeof(zeros); a++)
		for (b = a + 1; b < sizeof(zeros); b++)
			assert_int_not_equal(kumem_checksum(zeros, a), kumem_checksum(zeros, b));
}

static void alignment_does_not_matter(void **state)
{
	uint8_t src[4096 + 64], copy[4096 + 64];
	size_t off, len;

	(void)state;
	fill_random(src, sizeof(src), 4);
	for (off = 1; off < 16; off++)
		for (len = 0; len < 4096; len += 97) {
			memcpy(copy, src + off, len);
			assert_int_equal(kumem_checksum(src + off, len), kumem_checksum(copy, len));
		}
}

static void avalanche(void **state)
{
	uint8_t buf[64];
	unsigned long total = 0, trials = 0;
	unsigned int t;

	(void)state;
	for (t = 0; t < 2000; t++) {
		uint64_t a, b;
		size_t len = 1 + (size_t)(rand() % 64);
		size_t pos;

		fill_random(buf, sizeof(buf), 100 + t);
		pos = (size_t)rand() % len;
		a = kumem_checksum(buf, len);
		buf[pos] ^= (uint8_t)(1 << (rand() % 8));
		b = kumem_checksum(buf, len);
		total += (unsigned long)__builtin_popcountll(a ^ b);
		trials++;
	}
	/* A good mix flips about half of the 64 output bits on average. */
	assert_in_range(total / trials, 28, 36);
}

static void deterministic(void **state)
{
	uint8_t buf[1000];

	(void)state;
	fill_random(buf, sizeof(buf), 5);
	assert_int_equal(kumem_checksum(buf, sizeof(buf)), kumem_checksum(buf, sizeof(buf)));
	assert_int_not_equal(kumem_checksum(buf, sizeof(buf)),
			     kumem_checksum(buf + 1, sizeof(buf) - 1));
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_split_point),
		cmocka_unit_test(random_chunks_1mib),
		cmocka_unit_test(bit_flips_change_the_sum),
		cmocka_unit_test(length_matters),
		cmocka_unit_test(alignment_does_not_matter),
		cmocka_unit_test(avalanche),
		cmocka_unit_test(deterministic),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
