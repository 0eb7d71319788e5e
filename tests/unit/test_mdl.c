// SPDX-License-Identifier: MIT
/* core/mdl.c: the MDL header math, against values worked out by hand and a naive count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mdl.h"

static void seed_example(void **state)
{
	struct kumem_geom g;

	(void)state;
	/* The seed: "if the virtual address is 0xac004010, StartVa is 0xac004000, ByteOffset 0x10"
	 */
	assert_int_equal(kumem_geom_init(&g, 0xac004010, 0x20, 12), 0);
	assert_int_equal(g.start_va, 0xac004000);
	assert_int_equal(g.byte_offset, 0x10);
	assert_int_equal(g.byte_count, 0x20);
	assert_int_equal(g.page_count, 1);
	assert_int_equal(kumem_geom_va(&g), 0xac004010);
	/* 0x1000 - 0x10 bytes fit the first page; one more reaches the second. */
	assert_int_equal(kumem_geom_init(&g, 0xac004010, 0xff0, 12), 0);
	assert_int_equal(g.page_count, 1);
	assert_int_equal(kumem_geom_init(&g, 0xac004010, 0xff1, 12), 0);
	assert_int_equal(g.page_count, 2);
	assert_int_equal(kumem_geom_page_va(&g, 1, 12), 0xac005000);
}

static void zero_length(void **state)
{
	struct kumem_geom g;
	uint64_t pages = 99;

	(void)state;
	assert_int_equal(kumem_span_pages(0x1234, 0, 12, &pages), 0);
	assert_int_equal(pages, 0);
	assert_int_equal(kumem_geom_init(&g, UINT64_MAX, 0, 12), 0);
	assert_int_equal(g.page_count, 0);
	assert_int_equal(g.byte_offset, 0xfff);
}

static void page_multiples(void **state)
{
	uint64_t k, pages;

	(void)state;
	for (k = 1; k <= 64; k++) {
		assert_int_equal(kumem_span_pages(0x10000, k * 4096, 12, &pages), 0);
		assert_int_equal(pages, k);
		assert_int_equal(kumem_span_pages(0x10001, k * 4096, 12, &pages), 0);
		assert_int_equal(pages, k + 1);
		assert_int_equal(kumem_span_pages(0x10000, k * 4096 + 1, 12, &pages), 0);
		assert_int_equal(pages, k + 1);
	}
}

static void one_byte(void **state)
{
	uint64_t pages;

	(void)state;
	assert_int_equal(kumem_span_pages(0x1fff, 2, 12, &pages), 0);
	assert_int_equal(pages, 2);
	assert_int_equal(kumem_span_pages(0xfff, 1, 12, &pages), 0);
	assert_int_equal(pages, 1);
	assert_int_equal(kumem_span_pages(0x1000, 1, 12, &pages), 0);
	assert_int_equal(pages, 1);
}

static void top_of_address_space(void **state)
{
	struct kumem_geom g;
	uint64_t pages;

	(void)state;
	assert_int_equal(kumem_geom_init(&g, 0xfffffffffffff000ull, 0x1000, 12), 0);
	assert_int_equal(g.page_count, 1);
	assert_int_equal(g.start_va, 0xfffffffffffff000ull);
	assert_int_equal(kumem_span_pages(0xfffffffffffff000ull, 0x1001, 12, &pages),
			 -KUMEM_EOVERFLOW);
	assert_int_equal(kumem_span_pages(UINT64_MAX, 1, 12, &pages), 0);
	assert_int_equal(pages, 1);
	assert_int_equal(kumem_span_pages(UINT64_MAX, 2, 12, &pages), -KUMEM_EOVERFLOW);
	assert_int_equal(kumem_span_pages(0, UINT64_MAX, 12, &pages), 0);
	assert_int_equal(pages, 1ull << 52);
	/* [1, 2^64): the last byte is the top of the space, still no wrap */
	assert_int_equal(kumem_span_pages(1, UINT64_MAX, 12, &pages), 0);
	assert_int_equal(pages, 1ull << 52);
	assert_int_equal(kumem_geom_init(&g, 2, UINT64_MAX, 12), -KUMEM_EOVERFLOW);
}

static void page_shifts(void **state)
{
	uint64_t pages;

	(void)state;
	assert_int_equal(kumem_span_pages(0x8000, 0x10000, 16, &pages), 0);
	assert_int_equal(pages, 2);
	assert_int_equal(kumem_span_pages(0x200000, 0x200000, 21, &pages), 0);
	assert_int_equal(pages, 1);
	assert_int_equal(kumem_span_pages(0x1000, 1, 11, &pages), -KUMEM_EINVAL);
	assert_int_equal(kumem_span_pages(0x1000, 1, 31, &pages), -KUMEM_EINVAL);
	assert_int_equal(kumem_round_pages(1, 31, &pages), -KUMEM_EINVAL);
}

static void descriptor_and_rounding(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(kumem_descriptor_bytes(48, 0, &v), 0);
	assert_int_equal(v, 48);
	assert_int_equal(kumem_descriptor_bytes(48, 16384, &v), 0);
	assert_int_equal(v, 48 + 16384 * 8);
	assert_int_equal(kumem_descriptor_bytes(48, (UINT64_MAX - 48) / 8, &v), 0);
	assert_int_equal(kumem_descriptor_bytes(48, (UINT64_MAX - 48) / 8 + 1, &v),
			 -KUMEM_EOVERFLOW);
	assert_int_equal(kumem_round_pages(0, 12, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(kumem_round_pages(1, 12, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(kumem_round_pages(4096, 12, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(kumem_round_pages(4097, 12, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(kumem_round_pages(UINT64_MAX - 4095, 12, &v), 0);
	assert_int_equal(kumem_round_pages(UINT64_MAX - 4094, 12, &v), -KUMEM_EOVERFLOW);
	assert_int_equal(kumem_round_pages(UINT64_MAX, 12, &v), -KUMEM_EOVERFLOW);
}

static void range_check(void **state)
{
	(void)state;
	assert_int_equal(kumem_range_check(100, 0, 100), 0);
	assert_int_equal(kumem_range_check(100, 100, 0), 0);
	assert_int_equal(kumem_range_check(100, 99, 1), 0);
	assert_int_equal(kumem_range_check(100, 99, 2), -KUMEM_ERANGE);
	assert_int_equal(kumem_range_check(100, 101, 0), -KUMEM_ERANGE);
	assert_int_equal(kumem_range_check(100, 50, UINT64_MAX), -KUMEM_ERANGE);
	assert_int_equal(kumem_range_check(UINT64_MAX, UINT64_MAX, 1), -KUMEM_ERANGE);
}

/* Count distinct pages byte by byte and compare. */
static void against_naive_count(void **state)
{
	unsigned int i;

	(void)state;
	srand(12345);
	for (i = 0; i < 20000; i++) {
		uint64_t va = ((uint64_t)rand() << 20) ^ (uint64_t)rand();
		uint64_t len = (uint64_t)(rand() % 20000);
		uint64_t pages, naive = 0, last = UINT64_MAX, b;

		if (i % 7 == 0)
			va = UINT64_MAX - (uint64_t)(rand() % 30000);
		for (b = 0; b < len; b++) {
			uint64_t a = va + b;

			if (a < va)
				break;
			if (a >> 12 != last) {
				naive++;
				last = a >> 12;
			}
		}
		if (b < len) {
			assert_int_equal(kumem_span_pages(va, len, 12, &pages), -KUMEM_EOVERFLOW);
			continue;
		}
		assert_int_equal(kumem_span_pages(va, len, 12, &pages), 0);
		assert_int_equal(pages, naive);
	}
}

/* A chain of three: 100 bytes at 0x20010, 0x20 at 0x10ff0 (two pages), 2 pages at 0x30000. */
static void chain3(struct kumem_chain_seg *c)
{
	static const uint64_t va[] = { 0x20010, 0x10ff0, 0x30000 }, len[] = { 100, 0x20, 0x2000 };
	uint64_t off = 0, page = 0;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(kumem_geom_init(&c[i].geom, va[i], len[i], 12), 0);
		c[i].first_page = page;
		c[i].offset = off;
		page += c[i].geom.page_count;
		off += len[i];
	}
}

static void chain_linear(void **state)
{
	struct kumem_chain_seg c[3];

	(void)state;
	chain3(c);
	assert_false(kumem_chain_linear(c, 3, 12));
	assert_true(kumem_chain_linear(c, 1, 12)); /* one element is always one buffer */
	assert_true(kumem_chain_linear(&c[2], 1, 12));
	/* whole pages back to back; the first may start and the last end anywhere */
	assert_int_equal(kumem_geom_init(&c[0].geom, 0x10010, 0x1ff0, 12), 0);
	assert_int_equal(kumem_geom_init(&c[1].geom, 0x50000, 0x1000, 12), 0);
	assert_int_equal(kumem_geom_init(&c[2].geom, 0x30000, 5, 12), 0);
	assert_true(kumem_chain_linear(c, 3, 12));
	assert_int_equal(kumem_geom_init(&c[1].geom, 0x50000, 0xfff, 12), 0);
	assert_false(kumem_chain_linear(c, 3, 12));
	assert_int_equal(kumem_geom_init(&c[1].geom, 0x50001, 0xfff, 12), 0);
	assert_false(kumem_chain_linear(c, 3, 12));
}

static void chain_slice(void **state)
{
	struct kumem_chain_seg c[3], o[3];
	uint64_t base = 99;
	uint32_t n = 99;

	(void)state;
	chain3(c);
	/* the whole chain is itself */
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 0, 0x2084, 12, o, &n, &base), 0);
	assert_int_equal(n, 3);
	assert_int_equal(base, 0);
	for (n = 0; n < 3; n++) {
		assert_int_equal(o[n].geom.start_va, c[n].geom.start_va);
		assert_int_equal(o[n].geom.byte_offset, c[n].geom.byte_offset);
		assert_int_equal(o[n].geom.byte_count, c[n].geom.byte_count);
		assert_int_equal(o[n].geom.page_count, c[n].geom.page_count);
		assert_int_equal(o[n].first_page, c[n].first_page);
		assert_int_equal(o[n].offset, c[n].offset);
	}
	/* first byte, last byte */
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 0, 1, 12, o, &n, &base), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kumem_geom_va(&o[0].geom), 0x20010);
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 0x2083, 1, 12, o, &n, &base), 0);
	assert_int_equal(n, 1);
	assert_int_equal(base, 4);
	assert_int_equal(kumem_geom_va(&o[0].geom), 0x31fff);
	assert_int_equal(o[0].first_page, 0);
	/* across the joints: last byte of element 0 to first of element 2 */
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 99, 1 + 0x20 + 1, 12, o, &n, &base), 0);
	assert_int_equal(n, 3);
	assert_int_equal(base, 0);
	assert_int_equal(o[0].geom.byte_count, 1);
	assert_int_equal(o[1].geom.byte_count, 0x20);
	assert_int_equal(o[1].first_page, 1);
	assert_int_equal(o[1].offset, 1);
	assert_int_equal(o[2].geom.byte_count, 1);
	assert_int_equal(o[2].first_page, 3);
	assert_int_equal(o[2].offset, 0x21);
	/* inside element 1's second page only */
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 100 + 0x10, 0x10, 12, o, &n, &base), 0);
	assert_int_equal(n, 1);
	assert_int_equal(base, 2);
	assert_int_equal(o[0].geom.start_va, 0x11000);
	assert_int_equal(o[0].geom.byte_offset, 0);
	assert_int_equal(o[0].geom.page_count, 1);
	/* past the end, and empty */
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 0x2084, 1, 12, o, &n, &base),
			 -KUMEM_ERANGE);
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 0, 0x2085, 12, o, &n, &base),
			 -KUMEM_ERANGE);
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, UINT64_MAX, 2, 12, o, &n, &base),
			 -KUMEM_ERANGE);
	assert_int_equal(kumem_chain_slice(c, 3, 0x2084, 5, 0, 12, o, &n, &base), -KUMEM_EINVAL);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_example),
		cmocka_unit_test(zero_length),
		cmocka_unit_test(page_multiples),
		cmocka_unit_test(one_byte),
		cmocka_unit_test(top_of_address_space),
		cmocka_unit_test(page_shifts),
		cmocka_unit_test(descriptor_and_rounding),
		cmocka_unit_test(range_check),
		cmocka_unit_test(against_naive_count),
		cmocka_unit_test(chain_linear),
		cmocka_unit_test(chain_slice),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
