// SPDX-License-Identifier: MIT
/*
 * kumem bench chain: what a chain (the seed's MDLs linked through Next) costs and saves.
 *
 *   lock      N one-page segments, every other page of a buffer (so no two meet), locked as
 *             one chain with one system call and released with one, beside the same N pages
 *             locked as N regions: N + N system calls
 *   checksum  the kernel's checksum over a chain of N scattered pieces (joints inside pages,
 *             so it walks the pieces) beside one contiguous region of the same bytes
 *
 * Every row is the median of interleaved rounds, as in the other benchmarks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "cli.h"

#define CHAIN_ROUNDS 15
#define PAGE	     4096u

static const unsigned int chain_sizes[] = { 1, 4, 16, 64, 256 };
#define NSIZES (sizeof(chain_sizes) / sizeof(chain_sizes[0]))

/* The rounds of one row: printed as the median, written to the CSV with min and max. */
static uint64_t row_done(struct bench_series *sr, const char *row, uint64_t size)
{
	struct bench_stat st;

	if (!bench_series_stat(sr, &st))
		return 0;
	bench_csv_row(bench_cfg.csv, "chain", row, size, "ns", &st);
	return (uint64_t)st.median;
}

/* One vectored lock + release of @n segments: ns. */
static int time_chain_lock(kumem_t *dev, const struct kumem_segment *s, unsigned int n,
			   uint64_t *ns)
{
	kumem_region_t *r;
	uint64_t t0 = bench_now_ns();
	int err = kumem_lock_user_segments(dev, s, n, KUMEM_KERNEL_READ, &r, NULL);

	if (err)
		return err;
	err = kumem_region_release(r);
	*ns = bench_now_ns() - t0;
	return err;
}

/* @n single locks, then @n releases: ns. */
static int time_single_locks(kumem_t *dev, const struct kumem_segment *s, unsigned int n,
			     kumem_region_t **rs, uint64_t *ns)
{
	uint64_t t0 = bench_now_ns();
	unsigned int i, j;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = kumem_lock_user(dev, (void *)(uintptr_t)s[i].addr, s[i].len,
				      KUMEM_KERNEL_READ, &rs[i]);
	for (j = 0; j < i - (err ? 1 : 0); j++)
		kumem_region_release(rs[j]);
	*ns = bench_now_ns() - t0;
	return err;
}

static int bench_chain_lock(kumem_t *dev, uint8_t *buf)
{
	struct kumem_segment s[KUMEM_MAX_SEGMENTS];
	kumem_region_t *rs[KUMEM_MAX_SEGMENTS];
	unsigned int k, i, r, n;
	int err = 0;

	printf("\nvectored lock of N one-page segments vs N single locks (lock + release;\n"
	       "CSV rows by the N pages' size, ns per whole lock + release):\n");
	printf("%6s %12s %10s %12s %10s %9s\n", "N", "chain ns", "ns/page", "singles ns", "ns/page",
	       "syscalls");
	for (k = 0; k < NSIZES && !err; k++) {
		struct bench_series chain = { 0 }, single = { 0 };
		uint64_t ns = 0;

		n = chain_sizes[k];
		for (i = 0; i < n; i++) /* every other page: no two segments meet */
			s[i] = (struct kumem_segment){ (uintptr_t)buf + 2ull * i * PAGE, PAGE };
		for (r = 0; r < CHAIN_ROUNDS && !err; r++) {
			err = time_chain_lock(dev, s, n, &ns);
			bench_series_add(&chain, (double)ns, false);
			if (!err)
				err = time_single_locks(dev, s, n, rs, &ns);
			bench_series_add(&single, (double)ns, false);
		}
		if (err)
			break;
		{
			uint64_t c = row_done(&chain, "vectored lock + release of N pages", n * PAGE);
			uint64_t m = row_done(&single, "N single locks + releases", n * PAGE);

			printf("%6u %12" PRIu64 " %10" PRIu64 " %12" PRIu64 " %10" PRIu64
			       " %4u vs %u\n",
			       n, c, c / n, m, m / n, 2u, 2 * n);
		}
	}
	if (err)
		cli_error("chain lock", err);
	return err;
}

static int bench_chain_checksum(kumem_t *dev, uint8_t *buf)
{
	struct kumem_segment s[KUMEM_MAX_SEGMENTS];
	kumem_region_t *rc = NULL, *rf = NULL;
	const uint64_t piece = 4 * PAGE + 100; /* joints inside pages: the kernel walks pieces */
	unsigned int k, i, r, n;
	int err = 0;

	printf("\nkernel checksum over a chain of N pieces of %" PRIu64
	       " bytes vs one contiguous region of the same size:\n",
	       piece);
	printf("%6s %10s %12s %12s %8s\n", "N", "bytes", "chain ns", "contig ns", "ratio");
	for (k = 0; k < NSIZES && !err; k++) {
		struct bench_series chain = { 0 }, flat = { 0 };
		uint64_t bytes, sum, t0;

		n = chain_sizes[k] > 64 ? 64
					: chain_sizes[k]; /* 64 x 16 KiB: stays in the buffer */
		if (k && n == chain_sizes[k - 1])
			break;
		for (i = 0; i < n; i++) /* 6 pages apart: a piece spans 5 */
			s[i] = (struct kumem_segment){ (uintptr_t)buf + 6ull * i * PAGE + 7,
						       piece };
		bytes = piece * n;
		err = kumem_lock_user_segments(dev, s, n, KUMEM_KERNEL_READ, &rc, NULL);
		if (!err)
			err = kumem_lock_user(dev, buf + 7, bytes, KUMEM_KERNEL_READ, &rf);
		for (r = 0; r < CHAIN_ROUNDS && !err; r++) {
			t0 = bench_now_ns();
			err = kumem_kernel_checksum(rc, 0, bytes, &sum);
			bench_series_add(&chain, (double)(bench_now_ns() - t0), false);
			t0 = bench_now_ns();
			if (!err)
				err = kumem_kernel_checksum(rf, 0, bytes, &sum);
			bench_series_add(&flat, (double)(bench_now_ns() - t0), false);
		}
		kumem_region_release(rc);
		kumem_region_release(rf);
		rc = rf = NULL;
		if (err)
			break;
		{
			uint64_t c = row_done(&chain, "kernel checksum over a chain", bytes);
			uint64_t f = row_done(&flat, "kernel checksum, contiguous", bytes);

			printf("%6u %10" PRIu64 " %12" PRIu64 " %12" PRIu64 " %8.2f\n", n, bytes, c,
			       f, f ? (double)c / (double)f : 0);
		}
	}
	if (err)
		cli_error("chain checksum", err);
	return err;
}

int bench_chain(kumem_t *dev)
{
	/* 512 pages for the lock rows (every other one), 64 x 6 for the checksum rows */
	size_t len = 2 * KUMEM_MAX_SEGMENTS * PAGE;
	uint8_t *buf = cli_alloc_pages(len);
	int err;

	if (!buf) {
		cli_error("allocate the buffer", -ENOMEM);
		return -ENOMEM;
	}
	memset(buf, 0x3c, len);
	err = bench_chain_lock(dev, buf);
	if (!err)
		err = bench_chain_checksum(dev, buf);
	cli_free_pages(buf);
	return err;
}
