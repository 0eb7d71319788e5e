/* SPDX-License-Identifier: MIT */
/*
 * What every section of `kumem bench` shares so that it cannot fool itself:
 *
 *   - threads are created on their CPU (pthread attributes), never moved after they start;
 *     with --rt they are created SCHED_FIFO too
 *   - before a row starts, every thread the previous row started has gone: the process is
 *     down to its one thread (io_uring's SQPOLL thread is one of ours) and no kumem kernel
 *     thread (SQPOLL, event generator) is left (bounded wait, read from /proc)
 *   - every run is watched for disturbance: involuntary context switches of this process,
 *     steal time and CPU time of other tasks from /proc/stat; a disturbed run is repeated a
 *     few times and, if it stays disturbed, kept and marked
 *   - every figure is a series of runs reported as median with min .. max, and a ratio of
 *     two rows is taken run by run (rows of one round run back to back) before its median
 *
 * The output is one long-format CSV with a single header (bench_csv_header()), which
 * `--json` turns into JSON and scripts/bench-plot into plots.
 */
#ifndef KUMEM_BENCH_UTIL_H
#define KUMEM_BENCH_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kumem/kumem.h>

#define BENCH_MAX_RUNS 64

struct bench_cfg {
	FILE *csv;
	unsigned int rounds;	   /* counted runs per row (after one warm-up round) */
	unsigned int repeats;	   /* extra tries for a disturbed run */
	unsigned int run_ms;	   /* target length of one ring/events run */
	bool rt;		   /* SCHED_FIFO for the benchmark's threads */
};

extern struct bench_cfg bench_cfg;

uint64_t bench_now_ns(void);

/* CPUs the rows use: the process's thread and the other side's. */
#define BENCH_CPU_SELF 0
#define BENCH_CPU_PEER 1
bool bench_two_cpus(void);

/* Run the calling (main) thread on @cpu, SCHED_FIFO if --rt; undone by bench_unpin_self(). */
void bench_pin_self(int cpu);
void bench_unpin_self(void);
/* Start @fn on @cpu (created there, SCHED_FIFO if --rt). 0 or an errno. */
int bench_spawn(pthread_t *t, int cpu, void *(*fn)(void *), void *arg);

/*
 * Wait (bounded) until no thread of an earlier row is left: this process has one thread and
 * no kumem kernel thread (SQPOLL, event generator) exists. Returns false if something was still there at the
 * deadline (the caller marks the next run disturbed).
 */
bool bench_wait_quiet(void);

/* Disturbance of one run. */
struct bench_probe {
	uint64_t t0, own_ns, busy_ms, steal_ms;
	long nivcsw;
	bool quiet_before;
};
void bench_probe_start(struct bench_probe *p);
/* @kthread_cpus: CPUs the row keeps busy with kernel threads that are not ours. True if the
 * run was disturbed; @why (if non-NULL, 96 bytes) says how. */
bool bench_probe_stop(struct bench_probe *p, unsigned int kthread_cpus, char *why);

/* A series of runs of one row. */
struct bench_series {
	double v[BENCH_MAX_RUNS];
	unsigned int n, disturbed;
};
struct bench_stat {
	double min, median, max;
	unsigned int n, disturbed;
};
void bench_series_add(struct bench_series *s, double v, bool disturbed);
/* false if the series is empty or holds a failed (<= 0) run */
bool bench_series_stat(const struct bench_series *s, struct bench_stat *st);
/* run-by-run @a / @b (same length; false if either is unusable) */
bool bench_series_ratio(const struct bench_series *a, const struct bench_series *b,
			struct bench_stat *st);
/* Median of @n values (sorts @v). */
double bench_median(double *v, unsigned int n);

/*
 * One run of a row through @fn, repeated up to --repeats times while it is disturbed; the
 * result of the last try, *@disturbed whether it was, @why (96 bytes) how.
 * @kthread_cpus: CPUs the row keeps busy with a kernel thread that is not this process's.
 */
double bench_run_checked(double (*fn)(void *ctx), void *ctx, unsigned int kthread_cpus,
			 bool *disturbed, char *why);
/* Print a row's median (min .. max) and disturbance, and its CSV line; false if it failed. */
bool bench_report(const char *bench, const char *name, uint64_t size, const char *unit,
		  const struct bench_series *s, const char *why);

/* The CSV: one header, then one line per figure. */
void bench_csv_header(FILE *csv);
void bench_csv_row(FILE *csv, const char *bench, const char *row, uint64_t size_bytes,
		   const char *unit, const struct bench_stat *st);

/* Print a ratio line "  what  median x  (min .. max)" and its CSV row (bench "ratio"). */
void bench_ratio(const char *what, const struct bench_series *a, const struct bench_series *b);

/* "12.3 M", "45.6 k": figures for people */
const char *bench_si(double v, char *buf, size_t size);
/* "4 KiB", "64 MiB": sizes for people */
const char *bench_human(uint64_t bytes, char *buf, size_t size);

/* tools/bench_{ring,events,wake,enter}.c; ring and wake accept dev NULL (the rows that
 * need no driver) */
/* bench_os.c: @bytes of private memory, written once (faulted in); and its release. */
void *bench_faulted_buffer(uint64_t bytes);
void bench_free_buffer(void *p, uint64_t bytes);
/* A stream into memory (--json collects the CSV rows in one); close returns the bytes
 * (malloc'ed, NUL-terminated, NULL if there were none or memory ran out). */
FILE *bench_memstream_open(void);
char *bench_memstream_close(FILE *f);

/* KUMEM_IOC_RING_INFO on @r's handle: 0 or a negative errno (not on Windows yet). */
int bench_ring_info(kumem_ring_t *r, struct kumem_ring_create *info);

int bench_ring(kumem_t *dev);
int bench_events(kumem_t *dev);
int bench_wake(kumem_t *dev);
int bench_enter(kumem_t *dev);
int bench_chain(kumem_t *dev);

#endif
