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
 * As in the other sections (bench_util.h): the two rows of each size take turns, a warm-up
 * round sizes their runs to about a quarter of --run-ms each, then --rounds rounds; every run
 * goes through bench_run_checked() (isolation, disturbance check, repeats), and a figure is
 * the median of its runs, in ns per whole operation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "cli.h"

#define PAGE 4096u

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

/* One vectored lock + release of @n segments. */
static int chain_lock_once(kumem_t *dev, const struct kumem_segment *s, unsigned int n)
{
	kumem_region_t *r;
	int err = kumem_lock_user_segments(dev, s, n, KUMEM_KERNEL_READ, &r, NULL);

	if (err)
		return err;
	return kumem_region_release(r);
}

/* @n single locks, then @n releases. */
static int single_locks_once(kumem_t *dev, const struct kumem_segment *s, unsigned int n,
			     kumem_region_t **rs)
{
	unsigned int i, j;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = kumem_lock_user(dev, (void *)(uintptr_t)s[i].addr, s[i].len,
				      KUMEM_KERNEL_READ, &rs[i]);
	for (j = 0; j < i - (err ? 1 : 0); j++)
		kumem_region_release(rs[j]);
	return err;
}

enum chain_row { CH_LOCK, CH_SINGLES, CH_CHECKSUM };

/* One run of one row: @iters operations. */
struct chain_run {
	enum chain_row row;
	kumem_t *dev;
	const struct kumem_segment *s;
	unsigned int n;
	kumem_region_t **rs;	/* CH_SINGLES: room for @n */
	kumem_region_t *region; /* CH_CHECKSUM: the chain or the contiguous region */
	uint64_t bytes;
	uint64_t iters;
	int err;
};

static double chain_run_fn(void *ctx)
{
	struct chain_run *c = ctx;
	uint64_t i, sum, t0 = bench_now_ns();

	for (i = 0; i < c->iters && !c->err; i++) {
		switch (c->row) {
		case CH_LOCK:
			c->err = chain_lock_once(c->dev, c->s, c->n);
			break;
		case CH_SINGLES:
			c->err = single_locks_once(c->dev, c->s, c->n, c->rs);
			break;
		default:
			c->err = kumem_kernel_checksum(c->region, 0, c->bytes, &sum);
			break;
		}
	}
	t0 = bench_now_ns() - t0;
	return c->err || !c->iters ? 0 : (double)t0 / (double)c->iters;
}

/*
 * Rows @a and @b take turns: a warm-up round that sizes their runs (a quarter of --run-ms
 * each), then --rounds rounds into @sa and @sb. 0 or a negative errno.
 */
static int run_pair(struct chain_run *a, struct chain_run *b, struct bench_series *sa,
		    struct bench_series *sb)
{
	struct chain_run *row[2] = { a, b };
	struct bench_series *series[2] = { sa, sb };
	unsigned int round, i;

	a->iters = b->iters = 3;
	for (round = 0; round <= bench_cfg.rounds; round++) {
		for (i = 0; i < 2; i++) {
			char why[96] = "";
			bool disturbed;
			double v = bench_run_checked(chain_run_fn, row[i], 0, &disturbed, why);

			if (v <= 0)
				return row[i]->err ? row[i]->err : -EIO;
			if (!round) {
				row[i]->iters = (uint64_t)(bench_cfg.run_ms * 250000.0 / v);
				if (row[i]->iters < 3)
					row[i]->iters = 3;
				continue;
			}
			bench_series_add(series[i], v, disturbed);
		}
	}
	return 0;
}

static int bench_chain_lock(kumem_t *dev, uint8_t *buf)
{
	struct kumem_segment s[KUMEM_MAX_SEGMENTS];
	kumem_region_t *rs[KUMEM_MAX_SEGMENTS];
	unsigned int k, i, n;
	int err = 0;

	printf("\nvectored lock of N one-page segments vs N single locks (lock + release;\n"
	       "CSV rows by the N pages' size, ns per whole lock + release):\n");
	printf("%6s %12s %10s %12s %10s %9s\n", "N", "chain ns", "ns/page", "singles ns", "ns/page",
	       "syscalls");
	for (k = 0; k < NSIZES && !err; k++) {
		struct bench_series chain = { 0 }, single = { 0 };

		n = chain_sizes[k];
		for (i = 0; i < n; i++) /* every other page: no two segments meet */
			s[i] = (struct kumem_segment){ (uintptr_t)buf + 2ull * i * PAGE, PAGE };
		{
			struct chain_run cl = { .row = CH_LOCK, .dev = dev, .s = s, .n = n };
			struct chain_run sl = { .row = CH_SINGLES, .dev = dev, .s = s, .n = n, .rs = rs };

			err = run_pair(&cl, &sl, &chain, &single);
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
	unsigned int k, i, n;
	int err = 0;

	printf("\nkernel checksum over a chain of N pieces of %" PRIu64
	       " bytes vs one contiguous region of the same size:\n",
	       piece);
	printf("%6s %10s %12s %12s %8s\n", "N", "bytes", "chain ns", "contig ns", "ratio");
	for (k = 0; k < NSIZES && !err; k++) {
		struct bench_series chain = { 0 }, flat = { 0 };
		uint64_t bytes;

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
		if (!err) {
			struct chain_run cc = { .row = CH_CHECKSUM, .region = rc, .bytes = bytes };
			struct chain_run cf = { .row = CH_CHECKSUM, .region = rf, .bytes = bytes };

			err = run_pair(&cc, &cf, &chain, &flat);
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
