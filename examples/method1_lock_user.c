// SPDX-License-Identifier: MIT
/*
 * Method 1: lock a buffer this process owns and let the driver read it through its own
 * kernel mapping, without a copy.
 *
 *   cc method1_lock_user.c $(pkg-config --cflags --libs kumem) -o method1_lock_user
 */
#include <stdio.h>
#include <string.h>
#include <kumem/kumem.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "method1: %s: %s\n", what, kumem_strerror(err));
	return 1;
}

int main(void)
{
	static char buf[10000]; /* any alignment, any length */
	kumem_region_t *r;
	uint64_t sum;
	kumem_t *dev;
	int err;

	err = kumem_open(&dev);
	if (err)
		return fail("open", err);
	memset(buf, 'x', sizeof(buf));
	err = kumem_lock_user(dev, buf, sizeof(buf), KUMEM_KERNEL_READ, &r);
	if (err) {
		kumem_close(dev);
		return fail("lock", err);
	}
	err = kumem_kernel_checksum(r, 0, sizeof(buf), &sum);
	kumem_region_release(r);
	kumem_close(dev);
	if (err)
		return fail("kernel checksum", err);
	if (sum != kumem_checksum(buf, sizeof(buf))) {
		fprintf(stderr, "method1: the driver read something else\n");
		return 1;
	}
	printf("method1: the driver read %zu bytes in place, checksum %016llx\n", sizeof(buf),
	       (unsigned long long)sum);
	return 0;
}
