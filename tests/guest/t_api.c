// SPDX-License-Identifier: MIT
/*
 * The public API end to end, in portable C only (kumem.h, the C library, tap.h), so the very
 * same source runs in the Linux guest and builds as kumem-tests.exe for Windows
 * (windows/Makefile): both methods, both transfers, the MDL view, command rings in both
 * service modes, bad inputs with their
 * exact errno, and the driver's counters back where they started.
 */
#include <stdlib.h>

#include <kumem/kumem.h>
#include "tap.h"

static kumem_t *dev;

static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 11);
}

static int same_stats(const struct kumem_stats *a, const struct kumem_stats *b)
{
	return a->regions == b->regions && a->pinned_pages == b->pinned_pages &&
	       a->allocated_pages == b->allocated_pages && a->user_mappings == b->user_mappings;
}

static void method1(void)
{
	const size_t len = 5 * 4096 + 123;
	uint8_t *mem = malloc(len + 2 * 4096);
	uint8_t *p = (uint8_t *)(((uintptr_t)mem + 4095) & ~(uintptr_t)4095) + 0x10;
	struct kumem_mdl m;
	kumem_region_t *r;
	uint64_t sum = 0;
	size_t i, bad = 0;

	pattern(p, len, 1);
	/* after a failed create there is no region to use: say not ok and stop here */
	if (!is_int(kumem_lock_user(dev, p, len, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r), 0,
		    "method 1: lock %zu bytes at page+0x10", len))
		goto out;
	ok(kumem_region_addr(r) == p && kumem_region_len(r) == len, "region addr and len");
	ok(kumem_kernel_checksum(r, 0, len, &sum) == 0 && sum == kumem_checksum(p, len),
	   "method 1: the driver sees what the process wrote");
	is_int(kumem_kernel_fill(r, 100, len - 100, 0x5c), 0, "method 1: driver fill");
	for (i = 0; i < len; i++)
		bad += p[i] != (i < 100 ? (uint8_t)((i * 2654435761u + 1) >> 11) : 0x5c);
	is_int(bad, 0, "method 1: the process sees the driver's fill");
	is_int(kumem_region_describe(r, &m, NULL, 0), 0, "describe");
	is_int(m.start_va, (uintptr_t)p - 0x10, "StartVa = page of the first byte");
	is_int(m.byte_offset, 0x10, "ByteOffset 0x10");
	is_int(m.byte_count, len, "ByteCount");
	is_int(m.page_count, 6, "spans 6 pages");
	ok(m.flags & KUMEM_MDL_LOCKED && m.flags & KUMEM_MDL_KERNEL_WRITES, "flags");
	{
		uint64_t pfns[8];
		int n = kumem_region_describe(r, &m, pfns, 8);

		ok(n == -EPERM || n == 6, "PFNs: privileged callers get 6, others EPERM (got %d)",
		   n);
	}
	is_int(kumem_kernel_checksum(r, 1, len, &sum), -ERANGE, "checksum past the end -> ERANGE");
	is_int(kumem_region_release(r), 0, "method 1: release");
	if (!is_int(kumem_lock_user(dev, p, len, KUMEM_KERNEL_READ, &r), 0, "lock for reading"))
		goto out;
	is_int(kumem_kernel_fill(r, 0, 1, 0), -EACCES, "a read-only lock refuses a fill -> EACCES");
	kumem_region_release(r);
out:
	free(mem);
}

static void method2(void)
{
	const size_t len = 3 * 4096 + 5;
	kumem_region_t *r;
	uint64_t sum = 0;
	size_t i, bad = 0;
	uint8_t *p;

	if (!is_int(kumem_alloc_shared(dev, len, KUMEM_USER_READ | KUMEM_USER_WRITE, &r), 0,
		    "method 2: alloc %zu bytes", len))
		return;
	p = kumem_region_addr(r);
	for (i = 0; i < 4 * 4096; i++)
		bad += p[i] != 0;
	is_int(bad, 0, "method 2: four whole pages, zeroed");
	kumem_kernel_fill(r, 0, len, 0x21);
	ok(p[0] == 0x21 && p[len - 1] == 0x21, "method 2: the process sees the driver's fill");
	pattern(p, len, 2);
	ok(kumem_kernel_checksum(r, 0, len, &sum) == 0 && sum == kumem_checksum(p, len),
	   "method 2: the driver sees the process's writes");
	is_int(kumem_region_release(r), 0, "method 2: release");

	if (!is_int(kumem_alloc_shared(dev, 8192,
				       KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG, &r),
		    0, "contiguous variant"))
		return;
	p = kumem_region_addr(r);
	pattern(p, 8192, 3);
	ok(kumem_kernel_checksum(r, 0, 8192, &sum) == 0 && sum == kumem_checksum(p, 8192),
	   "contiguous: shared both ways");
	kumem_region_release(r);
	if (!is_int(kumem_alloc_shared(dev, 4096, KUMEM_USER_READ, &r), 0, "read-only region"))
		return;
	{
		struct kumem_mdl m;

		kumem_region_describe(r, &m, NULL, 0);
		ok(m.flags & KUMEM_MDL_USER_READ_ONLY, "described as user-read-only");
		is_int(m.start_va, (uintptr_t)kumem_region_addr(r),
		       "StartVa is this process's mapping");
	}
	kumem_region_release(r);
}

static void transfers(void)
{
	static const size_t sizes[] = { 0, 1, 4095, 4097, 100000, 1 << 20 };
	uint8_t *buf = malloc((1 << 20) + 64);
	uint64_t b, d, want;
	size_t i;

	pattern(buf, (1 << 20) + 64, 4);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		want = kumem_checksum(buf + 3, sizes[i]);
		b = d = ~want;
		ok(kumem_buffered_checksum(dev, buf + 3, sizes[i], &b) == 0 && b == want,
		   "buffered %zu bytes", sizes[i]);
		ok(kumem_direct_checksum(dev, buf + 3, sizes[i], &d) == 0 && d == want,
		   "direct %zu bytes", sizes[i]);
	}
	free(buf);
}

static void rings(unsigned flags, const char *mode)
{
	struct kumem_cqe cq[4];
	kumem_region_t *a;
	kumem_ring_t *r;
	struct kumem_sqe *e;
	uint8_t *p;

	if (!is_int(kumem_ring_create(dev, 16, flags, 500, &r), 0, "%s ring: create", mode))
		return;
	if (!is_int(kumem_alloc_shared(dev, 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &a), 0,
		    "%s ring: a region to work on", mode)) {
		kumem_ring_destroy(r);
		return;
	}
	p = kumem_region_addr(a);
	e = kumem_ring_get_sqe(r);
	e->op = KUMEM_OP_FILL;
	e->region = kumem_region_id(a);
	e->len = 4096;
	e->value = 0x33;
	e->user_data = 1;
	e = kumem_ring_get_sqe(r);
	e->op = KUMEM_OP_CHECKSUM;
	e->region = kumem_region_id(a);
	e->len = 4096;
	e->user_data = 2;
	e = kumem_ring_get_sqe(r);
	e->op = KUMEM_OP_CHECKSUM;
	e->region = 0x7fff0;
	e->len = 1;
	e->user_data = 3;
	is_int(kumem_ring_submit(r), 3, "%s ring: 3 submitted", mode);
	is_int(kumem_ring_wait(r, 3, 2000000000ll), 0, "%s ring: 3 completions", mode);
	is_int(kumem_ring_reap(r, cq, 4), 3, "%s ring: reaped", mode);
	ok(cq[0].user_data == 1 && cq[0].result == 0 && p[4095] == 0x33, "%s ring: FILL", mode);
	ok(cq[1].user_data == 2 && cq[1].result == 0 && cq[1].value == kumem_checksum(p, 4096),
	   "%s ring: CHECKSUM", mode);
	ok(cq[2].user_data == 3 && cq[2].result == -ENOENT, "%s ring: unknown region -> ENOENT",
	   mode);
	is_int(kumem_ring_wait(r, 1, 1000000), -ETIMEDOUT, "%s ring: nothing more: times out",
	       mode);
	kumem_ring_destroy(r);
	kumem_region_release(a);
}

static void bad_input(void)
{
	uint8_t buf[64];
	kumem_region_t *r;

	is_int(kumem_lock_user(dev, NULL, 4096, KUMEM_KERNEL_READ, &r), -EFAULT,
	       "lock NULL -> EFAULT");
	is_int(kumem_lock_user(dev, buf, 0, KUMEM_KERNEL_READ, &r), -EINVAL,
	       "lock len 0 -> EINVAL");
	is_int(kumem_lock_user(dev, buf, sizeof(buf), 0, &r), -EINVAL, "lock no flags -> EINVAL");
	is_int(kumem_lock_user(dev, buf, sizeof(buf), KUMEM_USER_READ, &r), -EINVAL,
	       "lock with a USER flag -> EINVAL");
	is_int(kumem_lock_user(dev, (void *)(uintptr_t)(UINTPTR_MAX - 10), 100, KUMEM_KERNEL_READ,
			       &r),
	       sizeof(void *) == 8 ? -EOVERFLOW : -EFAULT,
	       "lock a range wrapping the address space -> EOVERFLOW (32-bit: past user space, "
	       "EFAULT)");
	is_int(kumem_lock_user(dev, buf, (size_t)2 << 30, KUMEM_KERNEL_READ, &r), -E2BIG,
	       "lock 2 GiB -> over the region limit, E2BIG");
	is_int(kumem_alloc_shared(dev, 0, KUMEM_USER_READ, &r), -EINVAL, "alloc len 0 -> EINVAL");
	is_int(kumem_alloc_shared(dev, 4096, KUMEM_USER_WRITE, &r), -EINVAL,
	       "alloc write-only -> EINVAL");
	is_int(kumem_alloc_shared(dev, 4096, KUMEM_KERNEL_READ, &r), -EINVAL,
	       "alloc with a KERNEL flag -> EINVAL");
	is_int(kumem_alloc_shared(dev, (8u << 20), KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &r),
	       -E2BIG, "contiguous 8 MiB -> E2BIG");
	is_int(kumem_buffered_checksum(dev, NULL, 16, &(uint64_t){ 0 }), -EFAULT,
	       "buffered from NULL -> EFAULT");
	is_int(kumem_direct_checksum(dev, NULL, 16, &(uint64_t){ 0 }), -EFAULT,
	       "direct from NULL -> EFAULT");
}

int main(void)
{
	struct kumem_stats base, end;
	struct kumem_info info;
	int err;

	tap_header();
	err = kumem_open(&dev);
	if (!is_int(err, 0, "kumem_open"))
		bail_out("%s", kumem_strerror(err));
	is_int(kumem_info(dev, &info), 0, "kumem_info");
	is_int(info.abi_version, KUMEM_ABI_VERSION, "ABI version");
	is_int(kumem_stats(dev, &base), 0, "kumem_stats");
	method1();
	method2();
	transfers();
	rings(0, "enter");
	rings(KUMEM_RING_SQPOLL, "sqpoll");
	bad_input();
	is_int(kumem_stats(dev, &end), 0, "kumem_stats at the end");
	ok(same_stats(&base, &end), "counters back to baseline");
	kumem_close(dev);
	return tap_done();
}
