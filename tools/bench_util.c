// SPDX-License-Identifier: MIT
/* The benchmark's shared machinery: placement, isolation, disturbance, statistics, CSV. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

struct bench_cfg bench_cfg = { .rounds = 5, .repeats = 2, .run_ms = 200 };

/* SCHED_FIFO priority of --rt: above ordinary tasks, below the kernel's own RT threads. */
#define BENCH_RT_PRIO 50
/* How long an earlier row's threads may take to go. */
#define BENCH_QUIET_MS 3000

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

bool bench_two_cpus(void)
{
	return online_cpus() >= 2;
}

/* ---- placement --------------------------------------------------------------------------- */

static cpu_set_t saved_mask;
static bool have_saved_mask;

void bench_pin_self(int cpu)
{
	struct sched_param sp = { .sched_priority = BENCH_RT_PRIO };
	cpu_set_t set;

	if (!have_saved_mask)
		have_saved_mask = !sched_getaffinity(0, sizeof(saved_mask), &saved_mask);
	if (cpu < online_cpus()) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		/* before SCHED_FIFO and before any other thread of ours exists: nothing to wait for */
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (bench_cfg.rt && pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		fprintf(stderr, "kumem: bench: --rt: cannot use SCHED_FIFO (%s)\n", strerror(errno));
}

void bench_unpin_self(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (bench_cfg.rt)
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	if (have_saved_mask)
		sched_setaffinity(0, sizeof(saved_mask), &saved_mask);
	have_saved_mask = false;
}

int bench_spawn(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	struct sched_param sp = { .sched_priority = BENCH_RT_PRIO };
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	err = pthread_attr_init(&attr);
	if (err)
		return err;
	if (cpu < online_cpus()) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		/* created there: a thread moved after it runs can meet a spinning FIFO thread */
		err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (!err && bench_cfg.rt) {
		err = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		if (!err)
			err = pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		if (!err)
			err = pthread_attr_setschedparam(&attr, &sp);
	}
	if (!err)
		err = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

/* ---- isolation --------------------------------------------------------------------------- */

static int count_entries(const char *dir)
{
	struct dirent *d;
	DIR *p = opendir(dir);
	int n = 0;

	if (!p)
		return -1;
	while ((d = readdir(p)))
		n += d->d_name[0] != '.';
	closedir(p);
	return n;
}

/* Is any kumem kernel thread alive ("kumem-sqpoll/<pid>" cut at 15 bytes, "kumem-events")? */
static bool kumem_kthread_alive(void)
{
	static const char prefix[] = "kumem-";
	char path[64], comm[32];
	struct dirent *d;
	bool found = false;
	DIR *p = opendir("/proc");
	FILE *f;

	if (!p)
		return false;
	while (!found && (d = readdir(p))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		found = fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, sizeof(prefix) - 1);
		fclose(f);
	}
	closedir(p);
	return found;
}

bool bench_wait_quiet(void)
{
	uint64_t deadline = bench_now_ns() + BENCH_QUIET_MS * 1000000ull;
	struct timespec nap = { 0, 2000000 };

	for (;;) {
		if (count_entries("/proc/self/task") <= 1 && !kumem_kthread_alive())
			return true;
		if (bench_now_ns() > deadline)
			return false;
		nanosleep(&nap, NULL);
	}
}

/* ---- disturbance ------------------------------------------------------------------------- */

/* The aggregate "cpu" line of /proc/stat in ms: busy (not idle, not iowait) and steal. */
static void cpu_times(uint64_t *busy_ms, uint64_t *steal_ms)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	*busy_ms = *steal_ms = 0;
	if (!f)
		return;
	/* user nice system idle iowait irq softirq steal */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8 &&
	    hz > 0) {
		*busy_ms = (v[0] + v[1] + v[2] + v[5] + v[6]) * 1000 / (unsigned long long)hz;
		*steal_ms = v[7] * 1000 / (unsigned long long)hz;
	}
	fclose(f);
}

static uint64_t own_cpu_ns(long *nivcsw)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru)) {
		*nivcsw = 0;
		return 0;
	}
	*nivcsw = ru.ru_nivcsw;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

void bench_probe_start(struct bench_probe *p)
{
	p->quiet_before = bench_wait_quiet();
	cpu_times(&p->busy_ms, &p->steal_ms);
	p->own_ns = own_cpu_ns(&p->nivcsw);
	p->t0 = bench_now_ns();
}

/*
 * What counts as disturbed. /proc/stat counts in clock ticks (10 ms), so CPU time of others
 * is judged with a floor of 3 ticks; a spinning thread on an idle machine still sees an
 * occasional kernel worker, hence a few involuntary switches allowed per 100 ms.
 */
bool bench_probe_stop(struct bench_probe *p, unsigned int kthread_cpus, char *why)
{
	uint64_t busy, steal, wall_ms = (bench_now_ns() - p->t0) / 1000000;
	long nivcsw, switches;
	uint64_t own_ms = (own_cpu_ns(&nivcsw) - p->own_ns) / 1000000;
	int64_t others_ms, allowed_ms;

	cpu_times(&busy, &steal);
	switches = nivcsw - p->nivcsw;
	others_ms = (int64_t)(busy - p->busy_ms) - (int64_t)own_ms -
		    (int64_t)(kthread_cpus * wall_ms);
	allowed_ms = (int64_t)(wall_ms * (uint64_t)online_cpus() / 20);
	if (allowed_ms < 30)
		allowed_ms = 30;
	if (!p->quiet_before) {
		if (why)
			snprintf(why, 96, "an earlier row's thread was still there");
		return true;
	}
	if (switches > 2 + (long)(wall_ms / 100)) {
		if (why)
			snprintf(why, 96, "%ld involuntary context switches", switches);
		return true;
	}
	if (steal - p->steal_ms > 10 + wall_ms / 100) {
		if (why)
			snprintf(why, 96, "%" PRIu64 " ms stolen", steal - p->steal_ms);
		return true;
	}
	if (others_ms > allowed_ms) {
		if (why)
			snprintf(why, 96, "%" PRId64 " ms of CPU went to other tasks", others_ms);
		return true;
	}
	return false;
}

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

