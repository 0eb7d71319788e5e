// SPDX-License-Identifier: MIT
/* core/validate.c: every rule of the ioctl argument checks, and their order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "validate.h"

static const struct kumem_limits lim = {
	.page_shift = 12,
	.max_region_bytes = 1 << 30,
	.max_contig_bytes = 4 << 20,
	.max_xfer_bytes = 1 << 30,
	.user_va_end = 0x00007ffffffff000ull,
};

static int lock(uint64_t addr, uint64_t len, uint32_t flags)
{
	struct kumem_lock_args a = { .addr = addr, .len = len, .flags = flags };
	struct kumem_geom g;

	return kumem_check_lock(&a, &lim, &g);
}

static void lock_rules(void **state)
{
	struct kumem_lock_args a = { .addr = 0x10010, .len = 5000, .flags = KUMEM_KERNEL_READ };
	struct kumem_geom g;

	(void)state;
	assert_int_equal(kumem_check_lock(&a, &lim, &g), 0);
	assert_int_equal(g.start_va, 0x10000);
	assert_int_equal(g.byte_offset, 0x10);
	assert_int_equal(g.page_count, 2);
	a.reserved[1] = 1;
	assert_int_equal(kumem_check_lock(&a, &lim, &g), -KUMEM_EINVAL);

	assert_int_equal(lock(0x10000, 1, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE), 0);
	assert_int_equal(lock(0x10000, 1, KUMEM_KERNEL_WRITE), 0);
	assert_int_equal(lock(0x10000, 1, 0), -KUMEM_EINVAL);
	assert_int_equal(lock(0x10000, 1, KUMEM_USER_READ), -KUMEM_EINVAL);
	assert_int_equal(lock(0x10000, 1, KUMEM_KERNEL_READ | 0x80000000u), -KUMEM_EINVAL);
	assert_int_equal(lock(0x10000, 0, KUMEM_KERNEL_READ), -KUMEM_EINVAL);
	assert_int_equal(lock(0x10000, UINT64_MAX, KUMEM_KERNEL_READ), -KUMEM_EOVERFLOW);
	assert_int_equal(lock(0x10000, (1 << 30) + 1, KUMEM_KERNEL_READ), -KUMEM_E2BIG);
	assert_int_equal(lock(0x10000, 1 << 30, KUMEM_KERNEL_READ), 0);
	assert_int_equal(lock(0, 16, KUMEM_KERNEL_READ), -KUMEM_EFAULT);
	assert_int_equal(lock(lim.user_va_end, 16, KUMEM_KERNEL_READ), -KUMEM_EFAULT);
	assert_int_equal(lock(lim.user_va_end - 8, 16, KUMEM_KERNEL_READ), -KUMEM_EFAULT);
	assert_int_equal(lock(lim.user_va_end - 16, 16, KUMEM_KERNEL_READ), 0);
	assert_int_equal(lock(0xffff888000000000ull, 4096, KUMEM_KERNEL_READ), -KUMEM_EFAULT);
}

static void lock_check_order(void **state)
{
	struct kumem_lock_args a = { .addr = 0, .len = 0, .flags = 0x40 };
	struct kumem_geom g;

	(void)state;
	/* A malformed block is EINVAL whatever else is wrong with it. */
	assert_int_equal(kumem_check_lock(&a, &lim, &g), -KUMEM_EINVAL);
	a.flags = KUMEM_KERNEL_READ;
	a.reserved[0] = 7;
	a.len = UINT64_MAX;
	a.addr = 5;
	assert_int_equal(kumem_check_lock(&a, &lim, &g), -KUMEM_EINVAL);
}

static int alloc(uint64_t len, uint32_t flags, uint64_t *pages)
{
	struct kumem_alloc_args a = { .len = len, .flags = flags };

	return kumem_check_alloc(&a, &lim, pages);
}

static void alloc_rules(void **state)
{
	struct kumem_alloc_args a = { .len = 1, .flags = KUMEM_USER_READ };
	uint64_t pages = 0;

	(void)state;
	assert_int_equal(alloc(1, KUMEM_USER_READ, &pages), 0);
	assert_int_equal(pages, 1);
	assert_int_equal(alloc(4097, KUMEM_USER_READ | KUMEM_USER_WRITE, &pages), 0);
	assert_int_equal(pages, 2);
	assert_int_equal(alloc(1 << 30, KUMEM_USER_READ, &pages), 0);
	assert_int_equal(pages, 1 << 18);
	assert_int_equal(alloc(4096, KUMEM_USER_WRITE, &pages), -KUMEM_EINVAL);
	assert_int_equal(alloc(4096, 0, &pages), -KUMEM_EINVAL);
	assert_int_equal(alloc(4096, KUMEM_KERNEL_READ, &pages), -KUMEM_EINVAL);
	assert_int_equal(alloc(4096, KUMEM_USER_READ | KUMEM_KERNEL_WRITE, &pages), -KUMEM_EINVAL);
	assert_int_equal(alloc(4096, KUMEM_USER_READ | 0x100, &pages), -KUMEM_EINVAL);
	assert_int_equal(alloc(0, KUMEM_USER_READ, &pages), -KUMEM_EINVAL);
	assert_int_equal(alloc(UINT64_MAX, KUMEM_USER_READ, &pages), -KUMEM_EOVERFLOW);
	assert_int_equal(alloc((1 << 30) + 1, KUMEM_USER_READ, &pages), -KUMEM_E2BIG);
	assert_int_equal(alloc(4 << 20, KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &pages), 0);
	assert_int_equal(pages, 1024);
	assert_int_equal(alloc((4 << 20) + 1, KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &pages),
			 -KUMEM_E2BIG);
	a.reserved[0] = 1;
	assert_int_equal(kumem_check_alloc(&a, &lim, &pages), -KUMEM_EINVAL);
	/* order: reserved before length */
	a.len = 0;
	assert_int_equal(kumem_check_alloc(&a, &lim, &pages), -KUMEM_EINVAL);
	a.reserved[0] = 0;
	a.len = UINT64_MAX;
	a.flags = 0;
	assert_int_equal(kumem_check_alloc(&a, &lim, &pages), -KUMEM_EINVAL);
}

static void ref_and_describe_rules(void **state)
{
	struct kumem_region_ref r = { .id = 3 };
	struct kumem_describe_args d = { .id = 3 };

	(void)state;
	assert_int_equal(kumem_check_region_ref(&r), 0);
	r.reserved = 1;
	assert_int_equal(kumem_check_region_ref(&r), -KUMEM_EINVAL);
	r.reserved = 0;
	r.id = 0;
	assert_int_equal(kumem_check_region_ref(&r), -KUMEM_ENOENT);

	assert_int_equal(kumem_check_describe(&d), 0);
	d.max_pfns = 4;
	assert_int_equal(kumem_check_describe(&d), -KUMEM_EINVAL);
	d.pfns = 0x1000;
	assert_int_equal(kumem_check_describe(&d), 0);
	d.reserved0 = 1;
	assert_int_equal(kumem_check_describe(&d), -KUMEM_EINVAL);
	d.reserved0 = 0;
	d.id = 0;
	assert_int_equal(kumem_check_describe(&d), -KUMEM_ENOENT);
}

static void kernel_op_rules(void **state)
{
	struct kumem_kernel_op op = { .id = 1, .value = 0xff, .offset = 0, .len = 10 };

	(void)state;
	assert_int_equal(kumem_check_kernel_op(&op, true), 0);
	assert_int_equal(kumem_check_kernel_op(&op, false), -KUMEM_EINVAL);
	op.value = 0x100;
	assert_int_equal(kumem_check_kernel_op(&op, true), -KUMEM_EINVAL);
	op.value = 0;
	assert_int_equal(kumem_check_kernel_op(&op, false), 0);
	op.reserved = 1;
	assert_int_equal(kumem_check_kernel_op(&op, false), -KUMEM_EINVAL);
	op.reserved = 0;
	op.id = 0;
	assert_int_equal(kumem_check_kernel_op(&op, false), -KUMEM_ENOENT);
}

static void xfer_rules(void **state)
{
	struct kumem_xfer x = { .addr = 0, .len = 0 };

	(void)state;
	assert_int_equal(kumem_check_xfer(&x, &lim), 0);
	x.len = 1;
	assert_int_equal(kumem_check_xfer(&x, &lim), -KUMEM_EFAULT);
	x.addr = 0x1000;
	assert_int_equal(kumem_check_xfer(&x, &lim), 0);
	x.len = (1 << 30) + 1;
	assert_int_equal(kumem_check_xfer(&x, &lim), -KUMEM_E2BIG);
	x.len = 16;
	x.addr = UINT64_MAX - 4;
	assert_int_equal(kumem_check_xfer(&x, &lim), -KUMEM_EOVERFLOW);
	x.addr = 0xffffffff80000000ull;
	assert_int_equal(kumem_check_xfer(&x, &lim), -KUMEM_EFAULT);
	x.addr = 0x1000;
	x.reserved = 1;
	assert_int_equal(kumem_check_xfer(&x, &lim), -KUMEM_EINVAL);
}

static int ring(uint32_t sq, uint32_t cq, uint32_t flags, uint32_t cpu)
{
	struct kumem_ring_create a = {
		.sq_entries = sq, .cq_entries = cq, .flags = flags, .sq_cpu = cpu
	};

	return kumem_check_ring_create(&a, 4); /* a driver that can name CPUs 0..3 */
}

static void ring_create_rules(void **state)
{
	struct kumem_ring_create a = { .sq_entries = 64 };

	(void)state;
	assert_int_equal(kumem_check_ring_create(&a, 4), 0);
	assert_int_equal(a.cq_entries, 128); /* the default: twice the SQ */
	assert_int_equal(ring(1, 0, 0, 0), 0);
	assert_int_equal(ring(KUMEM_RING_MAX_ENTRIES, 0, 0, 0), 0);
	assert_int_equal(ring(KUMEM_RING_MAX_ENTRIES * 2, 0, 0, 0), -KUMEM_EINVAL);
	assert_int_equal(ring(0, 0, 0, 0), -KUMEM_EINVAL);
	assert_int_equal(ring(48, 0, 0, 0), -KUMEM_EINVAL);
	assert_int_equal(ring(0x80000000u, 0, 0, 0), -KUMEM_EINVAL); /* 2 * sq wraps to 0 */
	assert_int_equal(ring(64, 64, 0, 0), 0);
	assert_int_equal(ring(64, 32, 0, 0), -KUMEM_EINVAL); /* CQ smaller than SQ */
	assert_int_equal(ring(64, 96, 0, 0), -KUMEM_EINVAL);
	assert_int_equal(ring(64, 0, 0x80, 0), -KUMEM_EINVAL);
	/* SQ_AFF: only with SQPOLL, a CPU the driver can name; sq_cpu is 0 without it */
	assert_int_equal(ring(64, 0, KUMEM_RING_SQPOLL, 0), 0);
	assert_int_equal(ring(64, 0, KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF, 3), 0);
	assert_int_equal(ring(64, 0, KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF, 4), -KUMEM_EINVAL);
	assert_int_equal(ring(64, 0, KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF, UINT32_MAX),
			 -KUMEM_EINVAL);
	assert_int_equal(ring(64, 0, KUMEM_RING_SQ_AFF, 1), -KUMEM_EINVAL);
	assert_int_equal(ring(64, 0, KUMEM_RING_SQPOLL, 1), -KUMEM_EINVAL);
	assert_int_equal(ring(64, 0, 0, 1), -KUMEM_EINVAL);
	/* the SQPOLL busy-poll time is bounded */
	a = (struct kumem_ring_create){ .sq_entries = 64, .idle_us = KUMEM_RING_MAX_IDLE_US };
	assert_int_equal(kumem_check_ring_create(&a, 4), 0);
	a.idle_us = KUMEM_RING_MAX_IDLE_US + 1;
	assert_int_equal(kumem_check_ring_create(&a, 4), -KUMEM_EINVAL);
	a.idle_us = UINT32_MAX;
	assert_int_equal(kumem_check_ring_create(&a, 4), -KUMEM_EINVAL);
}

static int segs_check(const struct kumem_segment *s, uint32_t n, uint32_t *bad)
{
	struct kumem_chain_seg out[8];
	uint64_t pages = 0;

	return kumem_check_segments(s, n, &lim, out, &pages, bad);
}

static void lockv_rules(void **state)
{
	struct kumem_lockv_args a = { .segs = 0x1000, .count = 1, .flags = KUMEM_KERNEL_READ };

	(void)state;
	assert_int_equal(kumem_check_lockv(&a), 0);
	a.count = KUMEM_MAX_SEGMENTS;
	assert_int_equal(kumem_check_lockv(&a), 0);
	a.count = KUMEM_MAX_SEGMENTS + 1;
	assert_int_equal(kumem_check_lockv(&a), -KUMEM_EINVAL);
	a.count = 0;
	assert_int_equal(kumem_check_lockv(&a), -KUMEM_EINVAL);
	a.count = 2;
	a.flags = 0;
	assert_int_equal(kumem_check_lockv(&a), -KUMEM_EINVAL);
	a.flags = KUMEM_USER_READ;
	assert_int_equal(kumem_check_lockv(&a), -KUMEM_EINVAL);
	a.flags = KUMEM_KERNEL_WRITE;
	a.reserved[1] = 1;
	assert_int_equal(kumem_check_lockv(&a), -KUMEM_EINVAL);
}

static void segment_rules(void **state)
{
	/* any alignment, any order; the region's bytes follow the array's order */
	const struct kumem_segment good[] = { { 0x20010, 100 },
					      { 0x10ff0, 0x20 },
					      { 0x30000, 0x2000 } };
	struct kumem_chain_seg out[3];
	uint64_t pages = 0;
	uint32_t bad = 0;

	(void)state;
	assert_int_equal(kumem_check_segments(good, 3, &lim, out, &pages, &bad), 0);
	assert_int_equal(bad, KUMEM_NO_SEGMENT);
	assert_int_equal(pages, 1 + 2 + 2);
	assert_int_equal(out[1].geom.start_va, 0x10000);
	assert_int_equal(out[1].geom.byte_offset, 0xff0);
	assert_int_equal(out[1].first_page, 1);
	assert_int_equal(out[1].offset, 100);
	assert_int_equal(out[2].first_page, 3);
	assert_int_equal(out[2].offset, 100 + 0x20);

	{ /* zero length: that segment is named */
		const struct kumem_segment s[] = { { 0x10000, 8 }, { 0x20000, 0 } };

		assert_int_equal(segs_check(s, 2, &bad), -KUMEM_EINVAL);
		assert_int_equal(bad, 1);
	}
	{ /* overlapping bytes */
		const struct kumem_segment s[] = { { 0x10000, 0x2000 },
						   { 0x30000, 8 },
						   { 0x11000, 16 } };

		assert_int_equal(segs_check(s, 3, &bad), -KUMEM_EINVAL);
		assert_int_equal(bad, 2);
	}
	{ /* disjoint bytes in one page: refused too */
		const struct kumem_segment s[] = { { 0x10000, 0x100 }, { 0x10800, 0x100 } };

		assert_int_equal(segs_check(s, 2, &bad), -KUMEM_EINVAL);
		assert_int_equal(bad, 1);
	}
	{ /* meeting exactly on a page boundary is fine, one byte across is not */
		const struct kumem_segment s[] = { { 0x10000, 0x1000 }, { 0x11000, 0x1000 } };
		const struct kumem_segment t[] = { { 0x10000, 0x1001 }, { 0x11001, 0x1000 } };

		assert_int_equal(segs_check(s, 2, &bad), 0);
		assert_int_equal(segs_check(t, 2, &bad), -KUMEM_EINVAL);
	}
	{ /* a segment outside user space, and one that wraps */
		const struct kumem_segment s[] = { { 0x10000, 8 }, { 0, 8 } };
		const struct kumem_segment t[] = { { 0x10000, 8 }, { UINT64_MAX - 4, 8 } };

		assert_int_equal(segs_check(s, 2, &bad), -KUMEM_EFAULT);
		assert_int_equal(bad, 1);
		assert_int_equal(segs_check(t, 2, &bad), -KUMEM_EOVERFLOW);
		assert_int_equal(bad, 1);
	}
	{ /* the limit is on the sum */
		const struct kumem_segment s[] = { { 0x10000000, 1 << 29 },
						   { 0x50000000, (1 << 29) + 1 } };
		const struct kumem_segment t[] = { { 0x10000000, 1 << 29 },
						   { 0x50000000, 1 << 29 } };

		assert_int_equal(segs_check(s, 2, &bad), -KUMEM_E2BIG);
		assert_int_equal(bad, 1);
		assert_int_equal(segs_check(t, 2, &bad), 0);
	}
}

static void view_rules(void **state)
{
	struct kumem_view_args v = { .parent = 3, .offset = 5, .len = 1 };
	struct kumem_describe_chain_args d = { .id = 1 };

	(void)state;
	assert_int_equal(kumem_check_view(&v), 0);
	v.len = 0;
	assert_int_equal(kumem_check_view(&v), -KUMEM_EINVAL);
	v.len = 1;
	v.flags = 1;
	assert_int_equal(kumem_check_view(&v), -KUMEM_EINVAL);
	v.flags = 0;
	v.reserved = 1;
	assert_int_equal(kumem_check_view(&v), -KUMEM_EINVAL);
	v.reserved = 0;
	v.parent = 0;
	assert_int_equal(kumem_check_view(&v), -KUMEM_ENOENT);

	assert_int_equal(kumem_check_describe_chain(&d), 0);
	d.max_elems = 4;
	assert_int_equal(kumem_check_describe_chain(&d), -KUMEM_EINVAL);
	d.elems = 0x1000;
	assert_int_equal(kumem_check_describe_chain(&d), 0);
	d.reserved[0] = 1;
	assert_int_equal(kumem_check_describe_chain(&d), -KUMEM_EINVAL);
	d.reserved[0] = 0;
	d.id = 0;
	assert_int_equal(kumem_check_describe_chain(&d), -KUMEM_ENOENT);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lock_rules),
		cmocka_unit_test(lock_check_order),
		cmocka_unit_test(alloc_rules),
		cmocka_unit_test(ref_and_describe_rules),
		cmocka_unit_test(kernel_op_rules),
		cmocka_unit_test(xfer_rules),
		cmocka_unit_test(ring_create_rules),
		cmocka_unit_test(lockv_rules),
		cmocka_unit_test(segment_rules),
		cmocka_unit_test(view_rules),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
