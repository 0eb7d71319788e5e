// SPDX-License-Identifier: MIT
/*
 * libkumem itself under AddressSanitizer and UBSan, on the paths that need no driver: the
 * device missing, descriptors of the wrong kind, the error texts, the checksum. (The guest
 * tests run the library against the module; here it is the library's own memory handling.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include <kumem/kumem.h>
#include "../../lib/kumem_sys.h"

static void no_device(void **state)
{
	kumem_t *dev = (kumem_t *)0x1;
	int err;

	(void)state;
	if (access("/dev/kumem", F_OK) == 0)
		skip(); /* a machine with the module loaded: nothing to show here */
	err = kumem_open(&dev);
	assert_true(err == -ENOENT || err == -EACCES);
	assert_non_null(strstr(kumem_strerror(err), err == -ENOENT ? "not loaded" : "permission"));
}

static void ring_attach_wrong_fd(void **state)
{
	kumem_ring_t *r = (kumem_ring_t *)0x1;
	int fd = open("/dev/null", O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(kumem_ring_attach(fd, &r), -ENOTTY);
	assert_null(r);
	close(fd);
	assert_int_equal(kumem_ring_attach(-1, &r), -EBADF);
	assert_null(r);
	/* the portable call: on Linux the handle is not needed, the fd says it all */
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(kumem_ring_attach_dev(NULL, fd, &r), -ENOTTY);
	assert_null(r);
	close(fd);
}

/* Windows' completion-port calls say so on Linux, where epoll on kumem_ring_fd() waits. */
static void port_calls_elsewhere(void **state)
{
	int dummy;

	(void)state;
	assert_int_equal(kumem_port_associate(NULL, &dummy, 1), -EINVAL);
	assert_null(kumem_ring_from_overlapped(&dummy));
}

static void error_texts(void **state)
{
	static const int errs[] = { 0,	     EPERM,	ENOENT,	   EINTR,  ENOMEM, EACCES,
				    EFAULT,  EINVAL,	ENOSPC,	   ERANGE, E2BIG,  EDQUOT,
				    ENOTTY,  EOVERFLOW, EOPNOTSUPP, EAGAIN, ETIMEDOUT, 4095 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *t = kumem_strerror(-errs[i]);

		assert_non_null(t);
		assert_true(strlen(t) > 5);
	}
	/* the limits that users hit name what to change */
	assert_non_null(strstr(kumem_strerror(-EDQUOT), "ulimit -l"));
	assert_non_null(strstr(kumem_strerror(-EAGAIN), "max_sqpoll_per_user"));
	assert_non_null(strstr(kumem_strerror(-EOPNOTSUPP), "shmem"));
}

static void checksum_pieces(void **state)
{
	uint8_t buf[1000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_not_equal(kumem_checksum(buf, 999), kumem_checksum(buf, 1000));
	assert_int_equal(kumem_checksum(NULL, 0), kumem_checksum(buf, 0));
}

/*
 * kumem_sys_ring_enter() on Linux: a plain submission tries KUMEM_IOC_RING_SUBMIT and, on a
 * module that does not know it (ENOTTY), falls back to ENTER for good; other errors are the
 * caller's; a submission that waits or wakes goes to ENTER directly. /dev/null answers ENOTTY
 * to both, so what shows is the remembered fallback and the errors passed through.
 */
static void submit_fallback(void **state)
{
	struct kumem_sys_ring r = { .id = open("/dev/null", O_RDWR) };
	struct kumem_ring_enter a = { .to_submit = 4 };

	(void)state;
	assert_true(r.id >= 0);
	assert_int_equal(kumem_sys_ring_enter(&r, &a), -ENOTTY);
	assert_true(r.enter_only); /* SUBMIT refused: ENTER from now on */
	close(r.id);
	r = (struct kumem_sys_ring){ .id = open("/dev/null", O_RDWR) };
	a = (struct kumem_ring_enter){ .to_submit = 4, .min_complete = 1 };
	assert_int_equal(kumem_sys_ring_enter(&r, &a), -ENOTTY);
	assert_false(r.enter_only); /* a wait never tried SUBMIT */
	close(r.id);
	r = (struct kumem_sys_ring){ .id = 1000000 }; /* no such descriptor */
	a = (struct kumem_ring_enter){ .to_submit = 4 };
	assert_int_equal(kumem_sys_ring_enter(&r, &a), -EBADF);
	assert_false(r.enter_only); /* only ENOTTY means an older module */
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_device),
		cmocka_unit_test(ring_attach_wrong_fd),
		cmocka_unit_test(port_calls_elsewhere),
		cmocka_unit_test(error_texts),
		cmocka_unit_test(checksum_pieces),
		cmocka_unit_test(submit_fallback),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
