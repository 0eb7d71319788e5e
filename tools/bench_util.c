// SPDX-License-Identifier: MIT
/* The benchmark's shared machinery: statistics and CSV. Placement, isolation and disturbance,
 * which ask the operating system, are in bench_os.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

struct bench_cfg bench_cfg = { .rounds = 5, .repeats = 2, .run_ms = 200 };

/* ---- statistics and output --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_series_add(struct bench_series *s, double v, bool disturbed)
{
	if (s->n >= BENCH_MAX_RUNS)
		return;
	s->v[s->n++] = v;
	s->disturbed += disturbed;
}

static void stat_of(double *v, unsigned int n, unsigned int disturbed, struct bench_stat *st)
{
	st->median = bench_median(v, n);
	st->min = v[0];
	st->max = v[n - 1];
	st->n = n;
	st->disturbed = disturbed;
}

bool bench_series_stat(const struct bench_series *s, struct bench_stat *st)
{
	double v[BENCH_MAX_RUNS];
	unsigned int i;

	if (!s->n)
		return false;
	for (i = 0; i < s->n; i++) {
		if (!(s->v[i] > 0))
			return false;
		v[i] = s->v[i];
	}
	stat_of(v, s->n, s->disturbed, st);
	return true;
}

bool bench_series_ratio(const struct bench_series *a, const struct bench_series *b,
			struct bench_stat *st)
{
	double v[BENCH_MAX_RUNS];
	unsigned int i;

	if (!a->n || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if (!(a->v[i] > 0) || !(b->v[i] > 0))
			return false;
		v[i] = a->v[i] / b->v[i];
	}
	stat_of(v, a->n, a->disturbed > b->disturbed ? a->disturbed : b->disturbed, st);
	return true;
}

void bench_csv_header(FILE *csv)
{
	if (csv)
		fprintf(csv, "bench,row,size_bytes,unit,median,min,max,runs,disturbed_runs\n");
}

void bench_csv_row(FILE *csv, const char *bench, const char *row, uint64_t size_bytes,
		   const char *unit, const struct bench_stat *st)
{
	if (!csv)
		return;
	/* quoted: row names hold commas */
	fprintf(csv, "%s,\"%s\",%" PRIu64 ",%s,%.6g,%.6g,%.6g,%u,%u\n", bench, row, size_bytes,
		unit, st->median, st->min, st->max, st->n, st->disturbed);
}

void bench_ratio(const char *what, const struct bench_series *a, const struct bench_series *b)
{
	struct bench_stat st;

	if (!bench_series_ratio(a, b, &st)) {
		printf("  %-66s unavailable\n", what);
		return;
	}
	printf("  %-66s %6.2fx  (%.2f .. %.2f)%s\n", what, st.median, st.min, st.max,
	       st.disturbed ? "  disturbed" : "");
	bench_csv_row(bench_cfg.csv, "ratio", what, 0, "x", &st);
}

const char *bench_si(double v, char *buf, size_t size)
{
	if (v >= 1e9)
		snprintf(buf, size, "%.2f G", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, size, "%.2f M", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, size, "%.1f k", v / 1e3);
	else
		snprintf(buf, size, "%.0f", v);
	return buf;
}

const char *bench_human(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, size, "%" PRIu64 " GiB", bytes >> 30);
	else if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1)))
		snprintf(buf, size, "%" PRIu64 " MiB", bytes >> 20);
	else if (bytes >= 1024 && !(bytes & 1023))
		snprintf(buf, size, "%" PRIu64 " KiB", bytes >> 10);
	else
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	return buf;
}

double bench_run_checked(double (*fn)(void *ctx), void *ctx, unsigned int kthread_cpus,
			 bool *disturbed, char *why)
{
	struct bench_probe p;
	unsigned int try;
	double v = 0;

	for (try = 0; try <= bench_cfg.repeats; try++) {
		bench_probe_start(&p);
		v = fn(ctx);
		*disturbed = bench_probe_stop(&p, kthread_cpus, why);
		if (!*disturbed || v <= 0)
			break;
	}
	return v;
}

bool bench_report(const char *bench, const char *name, uint64_t size, const char *unit,
		  const struct bench_series *s, const char *why)
{
	struct bench_stat st;
	char b[3][16];

	if (!bench_series_stat(s, &st)) {
		printf("  %-66s %9s\n", name, "failed");
		return false;
	}
	printf("  %-66s %9s", name, bench_si(st.median, b[0], sizeof(b[0])));
	printf("  (%s .. %s)", bench_si(st.min, b[1], sizeof(b[1])),
	       bench_si(st.max, b[2], sizeof(b[2])));
	if (st.disturbed)
		printf("  disturbed %u/%u: %s", st.disturbed, st.n, why);
	printf("\n");
	bench_csv_row(bench_cfg.csv, bench, name, size, unit, &st);
	return true;
}

