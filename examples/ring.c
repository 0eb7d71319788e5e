// SPDX-License-Identifier: MIT
/*
 * A command ring: submit a batch of checksums of a shared region with one system call, then
 * reap the completions.
 *
 *   cc ring.c $(pkg-config --cflags --libs kumem) -o ring
 */
#include <stdio.h>
#include <string.h>
#include <kumem/kumem.h>

#define BATCH 8

static int fail(const char *what, int err)
{
	fprintf(stderr, "ring: %s: %s\n", what, kumem_strerror(err));
	return 1;
}

static int run(kumem_t *dev, kumem_region_t *r)
{
	struct kumem_cqe cqe[BATCH];
	kumem_ring_t *ring;
	int err, i, n = 0;

	err = kumem_ring_create(dev, BATCH, 0, 0, &ring);
	if (err)
		return fail("create the ring", err);
	memset(kumem_region_addr(r), 7, kumem_region_len(r));
	for (i = 0; i < BATCH; i++) {
		struct kumem_sqe *sqe = kumem_ring_get_sqe(ring); /* zeroed; never NULL here */

		sqe->op = KUMEM_OP_CHECKSUM;
		sqe->region = kumem_region_id(r);
		sqe->offset = (uint64_t)i * 4096;
		sqe->len = 4096;
		sqe->user_data = (uint64_t)i;
	}
	err = kumem_ring_submit(ring);
	if (err >= 0)
		err = kumem_ring_wait(ring, BATCH, 1000000000);
	while (err >= 0 && n < BATCH) {
		err = kumem_ring_reap(ring, cqe + n, BATCH - n);
		n += err > 0 ? err : 0;
	}
	kumem_ring_destroy(ring);
	if (err < 0)
		return fail("submit and reap", err);
	for (i = 0; i < BATCH; i++) {
		const unsigned char *page = (const unsigned char *)kumem_region_addr(r) +
					    cqe[i].user_data * 4096;

		if (cqe[i].result || cqe[i].value != kumem_checksum(page, 4096)) {
			fprintf(stderr, "ring: completion %d is wrong\n", i);
			return 1;
		}
	}
	printf("ring: %d checksums in one batch, all verified\n", BATCH);
	return 0;
}

int main(void)
{
	kumem_region_t *r;
	kumem_t *dev;
	int err, ret;

	err = kumem_open(&dev);
	if (err)
		return fail("open", err);
	err = kumem_alloc_shared(dev, BATCH * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &r);
	if (err) {
		kumem_close(dev);
		return fail("allocate", err);
	}
	ret = run(dev, r);
	kumem_region_release(r);
	kumem_close(dev);
	return ret;
}
