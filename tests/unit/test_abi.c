// SPDX-License-Identifier: MIT
/* The ABI header: layouts every side must agree on, error numbers, flag sets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <kumem/kumem_abi.h>

static void layouts(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct kumem_mdl, start_va), 0);
	assert_int_equal(offsetof(struct kumem_mdl, byte_count), 8);
	assert_int_equal(offsetof(struct kumem_mdl, byte_offset), 16);
	assert_int_equal(offsetof(struct kumem_mdl, flags), 20);
	assert_int_equal(offsetof(struct kumem_mdl, page_count), 24);
	assert_int_equal(offsetof(struct kumem_mdl, descriptor_bytes), 32);
	assert_int_equal(offsetof(struct kumem_mdl, os_flags), 40);
	assert_int_equal(offsetof(struct kumem_mdl, id), 44);
	assert_int_equal(offsetof(struct kumem_mdl, chain_length), 48);
	assert_int_equal(offsetof(struct kumem_lockv_args, count), 8);
	assert_int_equal(offsetof(struct kumem_lockv_args, bad_segment), 20);
	assert_int_equal(offsetof(struct kumem_view_args, offset), 8);
	assert_int_equal(offsetof(struct kumem_mdl_elem, index), 20);
	assert_int_equal(offsetof(struct kumem_mdl_elem, first_pfn), 40);
	assert_int_equal(offsetof(struct kumem_describe_chain_args, elems_written), 16);
	assert_int_equal(offsetof(struct kumem_lock_args, flags), 16);
	assert_int_equal(offsetof(struct kumem_lock_args, id), 20);
	assert_int_equal(offsetof(struct kumem_alloc_args, flags), 8);
	assert_int_equal(offsetof(struct kumem_alloc_args, id), 12);
	assert_int_equal(offsetof(struct kumem_alloc_args, user_addr), 24);
	assert_int_equal(offsetof(struct kumem_alloc_args, map_len), 32);
	assert_int_equal(offsetof(struct kumem_describe_args, pfns), 8);
	assert_int_equal(offsetof(struct kumem_describe_args, max_pfns), 16);
	assert_int_equal(offsetof(struct kumem_describe_args, pfns_written), 24);
	assert_int_equal(offsetof(struct kumem_kernel_op, offset), 8);
	assert_int_equal(offsetof(struct kumem_kernel_op, result), 24);
	assert_int_equal(offsetof(struct kumem_xfer, result), 16);
	assert_int_equal(offsetof(struct kumem_info, max_region_bytes), 16);
	/* every block is a multiple of 8 so 32- and 64-bit callers agree */
	assert_int_equal(sizeof(struct kumem_lock_args) % 8, 0);
	assert_int_equal(sizeof(struct kumem_alloc_args) % 8, 0);
	assert_int_equal(sizeof(struct kumem_describe_args) % 8, 0);
}

static void ioctl_numbers_distinct(void **state)
{
	const unsigned long codes[] = {
		KUMEM_IOC_VERSION,	   KUMEM_IOC_LOCK_USER,		KUMEM_IOC_ALLOC_SHARED,
		KUMEM_IOC_RELEASE,	   KUMEM_IOC_DESCRIBE,		KUMEM_IOC_KERNEL_FILL,
		KUMEM_IOC_KERNEL_CHECKSUM, KUMEM_IOC_BUFFERED_CHECKSUM, KUMEM_IOC_DIRECT_CHECKSUM,
		KUMEM_IOC_STATS,
	};
	size_t i, j, n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_int_not_equal(codes[i], codes[j]);
}

static void errno_values(void **state)
{
	(void)state;
	assert_int_equal(KUMEM_EPERM, EPERM);
	assert_int_equal(KUMEM_ENOENT, ENOENT);
	assert_int_equal(KUMEM_EFAULT, EFAULT);
	assert_int_equal(KUMEM_EBUSY, EBUSY);
	assert_int_equal(KUMEM_EINVAL, EINVAL);
	assert_int_equal(KUMEM_ENOSPC, ENOSPC);
	assert_int_equal(KUMEM_ENOMEM, ENOMEM);
	assert_int_equal(KUMEM_EACCES, EACCES);
	assert_int_equal(KUMEM_ENOTTY, ENOTTY);
	assert_int_equal(KUMEM_E2BIG, E2BIG);
	assert_int_equal(KUMEM_EOVERFLOW, EOVERFLOW);
	assert_int_equal(KUMEM_EOPNOTSUPP, EOPNOTSUPP);
	assert_int_equal(KUMEM_ERANGE, ERANGE);
	assert_int_equal(KUMEM_EDQUOT, EDQUOT);
}

static void flag_sets(void **state)
{
	(void)state;
	assert_int_equal(KUMEM_LOCK_FLAGS_ALL & KUMEM_ALLOC_FLAGS_ALL, 0);
	assert_int_equal(KUMEM_LOCK_FLAGS_ALL, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layouts),
		cmocka_unit_test(ioctl_numbers_distinct),
		cmocka_unit_test(errno_values),
		cmocka_unit_test(flag_sets),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
