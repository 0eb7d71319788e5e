// SPDX-License-Identifier: MIT
/*
 * Method 2: zeroed kernel pages mapped into this process. The driver writes them through its
 * mapping, this process reads them through its own.
 *
 *   cc method2_alloc_shared.c $(pkg-config --cflags --libs kumem) -o method2_alloc_shared
 */
#include <stdio.h>
#include <string.h>
#include <kumem/kumem.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "method2: %s: %s\n", what, kumem_strerror(err));
	return 1;
}

int main(void)
{
	const size_t len = 1 << 20;
	kumem_region_t *r;
	unsigned char *p;
	kumem_t *dev;
	int err;

	err = kumem_open(&dev);
	if (err)
		return fail("open", err);
	err = kumem_alloc_shared(dev, len, KUMEM_USER_READ | KUMEM_USER_WRITE, &r);
	if (err) {
		kumem_close(dev);
		return fail("allocate", err);
	}
	p = kumem_region_addr(r);
	err = kumem_kernel_fill(r, 4096, 100, 0xab); /* the driver writes ... */
	if (!err && (p[4095] != 0 || p[4096] != 0xab || p[4195] != 0xab || p[4196] != 0))
		err = -1;			     /* ... and this process sees it */
	kumem_region_release(r);
	kumem_close(dev);
	if (err == -1) {
		fprintf(stderr, "method2: the driver's write is not where it should be\n");
		return 1;
	}
	if (err)
		return fail("kernel fill", err);
	printf("method2: %zu shared bytes, the driver's write seen in place\n", len);
	return 0;
}
