// SPDX-License-Identifier: MIT
/*
 * kumem bench: what shared memory costs to set up and what it saves per transfer.
 *
 *   setup     lock + map + release of an already-faulted buffer (method 1), beside io_uring's
 *             IORING_REGISTER_BUFFERS + unregister of the same buffer, which pins the same
 *             pages; and alloc + mmap + release of method 2 regions
 *   checksum  the driver checksums data reached through a method 1 region (no copy), by
 *             copy (buffered), by a per-call pin (direct), each of those two as an ioctl
 *             and as write() (the seed's DO_BUFFERED_IO / DO_DIRECT_IO); and user space for
 *             reference
 *
 * A benchmark reports; it asserts nothing. Each figure is the median of --iters runs in this
 * one process. Under emulation (the project's QEMU guest) absolute numbers mean little and
 * ratios shift: compare columns within one run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_uring.h"
#include "bench_util.h"
#include "cli.h"

#define PAGE 4096ull

struct bench_opts {
	uint64_t max_bytes;
	unsigned int iters; /* 0: adapt to the size */
};

/* Runs per size: about 64 MiB of work, at least 5 (every ratio is min/median/max of 5+). */
static unsigned int iters_for(const struct bench_opts *o, uint64_t bytes)
{
	uint64_t n;

	if (o->iters)
		return o->iters;
	n = (64ull << 20) / bytes;
	return (unsigned int)(n < 5 ? 5 : n > 61 ? 61 : n);
}

/* ---- setup ---------------------------------------------------------------------------- */

/*
 * One column of the setup table: an operation timed whole (set up + tear down) and, where it
 * has one, its set-up half alone (lock+map, register, alloc+mmap), from the same runs.
 */
enum setup_col { COL_LOCK, COL_URING, COL_ALLOC, COL_MEMSET, NR_COLS };

static const char *const col_name[NR_COLS] = {
	[COL_LOCK] = "kumem method 1 lock+map+release",
	[COL_URING] = "io_uring register+unregister",
	[COL_ALLOC] = "kumem method 2 alloc+mmap+release",
	[COL_MEMSET] = "memset of the same memory",
};

static const char *const half_name[NR_COLS] = {
	[COL_LOCK] = "kumem method 1 lock+map (set-up half)",
	[COL_URING] = "io_uring register (set-up half)",
	[COL_ALLOC] = "kumem method 2 alloc+mmap (set-up half)",
};

struct setup_op {
	kumem_t *dev;
	struct io_uring *ring;
	void *buf;
	uint64_t bytes;
};

/* Run column @col once: 0 or a negative errno; *@mid is the time set-up ended. */
static int run_col(const struct setup_op *op, enum setup_col col, uint64_t *mid)
{
	struct iovec iov = { .iov_base = op->buf, .iov_len = op->bytes };
	kumem_region_t *r;
	int err;

	switch (col) {
	case COL_LOCK:
		err = kumem_lock_user(op->dev, op->buf, op->bytes,
				      KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r);
		*mid = bench_now_ns();
		return err ? err : kumem_region_release(r);
	case COL_URING:
		err = io_uring_register_buffers(op->ring, &iov, 1);
		*mid = bench_now_ns();
		return err ? err : io_uring_unregister_buffers(op->ring);
	case COL_ALLOC:
		err = kumem_alloc_shared(op->dev, op->bytes, KUMEM_USER_READ | KUMEM_USER_WRITE,
					 &r);
		*mid = bench_now_ns();
		return err ? err : kumem_region_release(r);
	default:
		/* the floor of method 2: its pages must be zeroed, at least this fast */
		memset(op->buf, 0, op->bytes);
		__asm__ volatile("" : : "r"(op->buf) : "memory");
		*mid = bench_now_ns();
		return 0;
	}
}

/* Print "median (min..max)" of ns per page. */
static void put_per_page(const struct bench_series *s, uint64_t pages)
{
	struct bench_stat st;
	char b[3][16], cell[64];

	if (bench_series_stat(s, &st)) {
		snprintf(cell, sizeof(cell), "%s (%s..%s)", bench_si(st.median / pages, b[0], 16),
			 bench_si(st.min / pages, b[1], 16), bench_si(st.max / pages, b[2], 16));
		printf(" %24s", cell);
	} else {
		printf(" %24s", "-");
	}
}

/* CSV rows of one column in ns per page. */
static void csv_per_page(const char *name, const struct bench_series *s, uint64_t bytes)
{
	struct bench_series pp = *s;
	struct bench_stat st;
	unsigned int i;

	for (i = 0; i < pp.n; i++)
		pp.v[i] /= (double)(bytes / PAGE);
	if (bench_series_stat(&pp, &st))
		bench_csv_row(bench_cfg.csv, "setup", name, bytes, "ns/page", &st);
}

static int bench_setup(kumem_t *dev, const struct bench_opts *o)
{
	struct bench_series at64[NR_COLS], half64[NR_COLS];
	struct io_uring ring;
	bool have_uring, ring_ok, have64 = false;
	uint64_t bytes;
	char h[32];
	int uring_err, err = 0;

	uring_err = io_uring_queue_init(8, &ring, 0);
	ring_ok = have_uring = uring_err == 0;
	printf("\nsetup: ns per page, median (min..max) of N runs; the four operations take turns "
	       "within each run\n");
	if (!have_uring)
		printf("  io_uring is not available here (%s): its column is empty\n",
		       strerror(-uring_err));
	printf("  %-8s %4s %24s %24s %24s %24s\n", "size", "runs", "method 1 lock+map+rel",
	       "io_uring reg+unreg", "method 2 alloc+mmap+rel", "memset");
	for (bytes = 4 * 1024; bytes <= o->max_bytes && !err; bytes *= 4) {
		unsigned int n = iters_for(o, bytes), i, c;
		struct bench_series whole[NR_COLS], half[NR_COLS];
		uint64_t pages = bytes / PAGE, mid;
		void *buf = bench_faulted_buffer(bytes);
		struct setup_op op = { .dev = dev, .ring = &ring, .buf = buf, .bytes = bytes };

		if (!buf) {
			printf("  %-8s cannot allocate the buffer\n", bench_human(bytes, h, sizeof(h)));
			break;
		}
		if (n > BENCH_MAX_RUNS)
			n = BENCH_MAX_RUNS;
		memset(whole, 0, sizeof(whole));
		memset(half, 0, sizeof(half));
		/* run 0 is untimed: first-touch costs are not the subject */
		for (i = 0; i <= n && !err; i++) {
			for (c = 0; c < NR_COLS && !err; c++) {
				uint64_t t0 = bench_now_ns();
				int e;

				if (c == COL_URING && !have_uring)
					continue;
				e = run_col(&op, (enum setup_col)c, &mid);
				if (e && c == COL_URING) {
					/* non-root: registration counts against RLIMIT_MEMLOCK */
					printf("  io_uring buffer registration of %s failed (%s): no "
					       "further io_uring figures\n",
					       bench_human(bytes, h, sizeof(h)), strerror(-e));
					have_uring = false;
					memset(&whole[c], 0, sizeof(whole[c]));
					continue;
				}
				err = e;
				if (!err && i) {
					bench_series_add(&whole[c], (double)(bench_now_ns() - t0),
							 false);
					bench_series_add(&half[c], (double)(mid - t0), false);
				}
			}
		}
		bench_free_buffer(buf, bytes);
		if (err) {
			cli_error(bench_human(bytes, h, sizeof(h)), err);
			break;
		}
		printf("  %-8s %4u", bench_human(bytes, h, sizeof(h)), n);
		for (c = 0; c < NR_COLS; c++)
			put_per_page(&whole[c], pages);
		printf("\n");
		for (c = 0; c < NR_COLS; c++) {
			csv_per_page(col_name[c], &whole[c], bytes);
			if (half_name[c])
				csv_per_page(half_name[c], &half[c], bytes);
		}
		if (bytes == (64ull << 20)) {
			memcpy(at64, whole, sizeof(at64));
			memcpy(half64, half, sizeof(half64));
			have64 = true;
		}
	}
	if (have64) {
		printf("  at 64 MiB, run by run (median, min .. max):\n");
		bench_ratio("64 MiB: method 1 lock+map+release / io_uring register+unregister",
			    &at64[COL_LOCK], &at64[COL_URING]);
		bench_ratio("64 MiB: method 1 lock+map / io_uring register", &half64[COL_LOCK],
			    &half64[COL_URING]);
		bench_ratio("64 MiB: method 2 alloc+mmap / memset of the same memory",
			    &half64[COL_ALLOC], &at64[COL_MEMSET]);
		bench_ratio("64 MiB: method 2 alloc+mmap+release / memset", &at64[COL_ALLOC],
			    &at64[COL_MEMSET]);
		printf("  io_uring's unregister waits for its buffer references to quiesce (an RCU\n"
		       "  grace period), a fixed cost in every run. Method 2 must hand out zeroed\n"
		       "  pages, so a memset of the same memory is its floor.\n");
	}
	if (ring_ok)
		io_uring_queue_exit(&ring);
	return err;
}

/* ---- checksum ------------------------------------------------------------------------- */

enum path {
	PATH_REGION,
	PATH_BUFFERED,
	PATH_DIRECT,
	PATH_WRITE_BUFFERED,
	PATH_WRITE_DIRECT,
	PATH_USER,
	PATHS
};
static const char *const path_names[PATHS] = { "method 1",  "buffered",	    "direct",
					       "write buf", "write direct", "user" };

/* What the paths work through: the region, and a read/write handle in each mode. */
struct paths {
	kumem_t *dev;
	kumem_region_t *r;
	kumem_rw_t *rw[2]; /* buffered, direct */
};

/* write() of @bytes, then the driver's checksum of them (one more ioctl, as the ioctl paths
 * return theirs in the same call: the cost of asking is part of the figure). */
static int run_write(kumem_rw_t *f, const void *buf, uint64_t bytes, uint64_t *sum)
{
	struct kumem_rw_last l;
	int64_t got = kumem_rw_write(f, buf, bytes);
	int err;

	if (got < 0)
		return (int)got;
	if ((uint64_t)got != bytes)
		return -EIO;
	err = kumem_rw_last(f, &l);
	*sum = l.sum;
	return err;
}

static int run_path(const struct paths *ps, enum path p, const void *buf, uint64_t bytes,
		    uint64_t *sum)
{
	switch (p) {
	case PATH_REGION:
		return kumem_kernel_checksum(ps->r, 0, bytes, sum);
	case PATH_BUFFERED:
		return kumem_buffered_checksum(ps->dev, buf, bytes, sum);
	case PATH_DIRECT:
		return kumem_direct_checksum(ps->dev, buf, bytes, sum);
	case PATH_WRITE_BUFFERED:
		return run_write(ps->rw[0], buf, bytes, sum);
	case PATH_WRITE_DIRECT:
		return run_write(ps->rw[1], buf, bytes, sum);
	default:
		*sum = kumem_checksum(buf, bytes);
		return 0;
	}
}

static int bench_checksum(kumem_t *dev, const struct bench_opts *o)
{
	uint64_t bytes, max = o->max_bytes < (16ull << 20) ? o->max_bytes : (16ull << 20);
	struct bench_series at_1m[PATHS];
	struct paths ps = { .dev = dev };
	bool have_1m = false;
	char h[32], name[64];
	int err = 0;

	err = kumem_rw_open(dev, KUMEM_RW_BUFFERED, 0, &ps.rw[0]);
	if (!err)
		err = kumem_rw_open(dev, KUMEM_RW_DIRECT, 0, &ps.rw[1]);
	if (err) {
		cli_error("read/write handles", err);
		kumem_rw_close(ps.rw[0]);
		return err;
	}

	printf("\nchecksum: the driver reads data it reaches through a method 1 region, a copy "
	       "(buffered) or a per-call pin (direct);\n  the last two as an ioctl and as "
	       "write() on a handle in that mode; MB/s, median of N runs, the paths take turns\n");
	printf("  %-9s %6s", "size", "runs");
	for (int p = 0; p < PATHS; p++)
		printf(" %12s", path_names[p]);
	printf("\n");
	for (bytes = 4 * 1024; bytes <= max && !err; bytes *= 4) {
		unsigned int n = iters_for(o, bytes), i;
		struct bench_series mbs[PATHS];
		struct bench_stat st;
		uint64_t sum, want;
		kumem_region_t *r;
		void *buf = bench_faulted_buffer(bytes);

		if (!buf) {
			err = -ENOMEM;
			break;
		}
		if (n > BENCH_MAX_RUNS)
			n = BENCH_MAX_RUNS;
		memset(mbs, 0, sizeof(mbs));
		want = kumem_checksum(buf, bytes);
		r = NULL;
		err = kumem_lock_user(dev, buf, bytes, KUMEM_KERNEL_READ, &r);
		ps.r = r;
		for (i = 0; i < n && !err; i++) {
			for (int p = 0; p < PATHS && !err; p++) {
				uint64_t t0 = bench_now_ns();

				err = run_path(&ps, (enum path)p, buf, bytes, &sum);
				t0 = bench_now_ns() - t0;
				if (!err && sum != want) {
					fflush(stdout);
					cli_say("bench: %s checksum differs", path_names[p]);
					err = -EIO;
				}
				bench_series_add(&mbs[p], t0 ? bytes * 1e3 / (double)t0 : 0, false);
			}
		}
		if (!err) {
			printf("  %-9s %6u", bench_human(bytes, h, sizeof(h)), n);
			for (int p = 0; p < PATHS; p++) {
				bench_series_stat(&mbs[p], &st);
				printf(" %12.0f", st.median);
				snprintf(name, sizeof(name), "checksum, %s", path_names[p]);
				bench_csv_row(bench_cfg.csv, "checksum", name, bytes, "MB/s", &st);
			}
			printf("\n");
			if (bytes == (1ull << 20)) {
				memcpy(at_1m, mbs, sizeof(at_1m));
				have_1m = true;
			}
		} else if (err != -EIO) {
			cli_error("checksum bench", err);
		}
		kumem_region_release(r);
		bench_free_buffer(buf, bytes);
	}
	if (have_1m) {
		bench_ratio("1 MiB checksum: method 1 / buffered (MB/s)", &at_1m[PATH_REGION],
			    &at_1m[PATH_BUFFERED]);
		bench_ratio("1 MiB checksum: method 1 / direct (MB/s)", &at_1m[PATH_REGION],
			    &at_1m[PATH_DIRECT]);
		bench_ratio("1 MiB checksum: buffered ioctl / write() buffered (MB/s)",
			    &at_1m[PATH_BUFFERED], &at_1m[PATH_WRITE_BUFFERED]);
		bench_ratio("1 MiB checksum: direct ioctl / write() direct (MB/s)",
			    &at_1m[PATH_DIRECT], &at_1m[PATH_WRITE_DIRECT]);
	}
	kumem_rw_close(ps.rw[0]);
	kumem_rw_close(ps.rw[1]);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kumem bench [-j|--json] [setup|checksum|ring|events|wake|enter|chain|all]\n"
		   "                   [--max-mb N] [--iters N] [--rounds N] [--run-ms N] [--rt]\n"
		   "                   [--repeats N]\n"
		   "                   [--csv FILE]\n\n"
		   "setup and checksum: N runs per size (--iters; default adapted to the size),\n"
		   "  setup 4 KiB .. --max-mb (default 256), checksum 4 KiB .. 16 MiB.\n"
		   "chain: vectored lock vs single locks, checksum over a chain vs contiguous\n"
		   "ring, events, wake, enter: a warm-up round, then --rounds rounds (default 5) of runs of\n"
		   "  about --run-ms ms (default 200); a disturbed run is repeated up to --repeats\n"
		   "  times (default 2), then kept and marked.\n"
		   "--rt: the benchmark's threads run SCHED_FIFO (needs CAP_SYS_NICE).\n"
		   "--csv: one long-format CSV (median, min, max, runs, disturbed runs per figure);\n"
		   "  scripts/bench-plot draws it. --json: the tables go to stderr, stdout gets the\n"
		   "  CSV rows as one JSON object.\n");
}

static bool wanted(const char *what, const char *section)
{
	return !strcmp(what, section) || !strcmp(what, "all");
}

/* @dev NULL: only what runs without the driver (the ring rows of the core, io_uring). */
static int run_benches(kumem_t *dev, const char *what, struct bench_opts *o)
{
	int err = 0;

	bench_csv_header(bench_cfg.csv);
	if (!dev) {
		printf("kumem bench: no kumem device here; measuring what runs without it\n");
		return !strcmp(what, "ring") ? bench_ring(NULL) : bench_wake(NULL);
	}
	printf("kumem bench: %s, page %llu bytes, median (min .. max) of runs; a report, not a "
	       "test\n",
	       what, PAGE);
	if (wanted(what, "setup"))
		err = bench_setup(dev, o);
	if (!err && wanted(what, "checksum"))
		err = bench_checksum(dev, o);
	if (!err && wanted(what, "ring"))
		err = bench_ring(dev);
	if (!err && wanted(what, "events"))
		err = bench_events(dev);
	if (!err && wanted(what, "wake"))
		err = bench_wake(dev);
	if (!err && wanted(what, "enter"))
		err = bench_enter(dev);
	if (!err && wanted(what, "chain"))
		err = bench_chain(dev);
	return err;
}

/*
 * --json: the human tables go to stderr while the benchmarks run (they print as they
 * measure), their CSV rows to memory; then one JSON object to the real stdout, and the CSV
 * to the --csv file if one was asked for too.
 */
static int run_json(kumem_t *dev, const char *what, struct bench_opts *o)
{
	FILE *file_csv = bench_cfg.csv;
	char *rows;
	int saved_stdout, err;

	bench_cfg.csv = bench_memstream_open();
	if (!bench_cfg.csv)
		return -ENOMEM;
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	if (saved_stdout < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		free(bench_memstream_close(bench_cfg.csv));
		bench_cfg.csv = file_csv;
		return -errno;
	}
	err = run_benches(dev, what, o);
	fflush(stdout);
	dup2(saved_stdout, STDOUT_FILENO);
	close(saved_stdout);
	rows = bench_memstream_close(bench_cfg.csv);
	bench_cfg.csv = file_csv;
	cli_bench_json(stdout, what, rows ? rows : "", err);
	if (file_csv && rows)
		fputs(rows, file_csv);
	free(rows);
	return err;
}

/* A number option in [@lo, @hi]; false (after saying why) if it is not. */
static bool parse_opt(const char *opt, const char *arg, uint64_t lo, uint64_t hi, uint64_t *v)
{
	int err = cli_parse_u64(arg, v);

	if (err) {
		cli_bad_number("bench", opt, arg, err);
		return false;
	}
	if (*v < lo || *v > hi) {
		cli_say("bench: %s takes %" PRIu64 " .. %" PRIu64 ", not %" PRIu64, opt, lo, hi, *v);
		return false;
	}
	return true;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-mb", required_argument, NULL, 'm' },
		{ "iters", required_argument, NULL, 'i' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "run-ms", required_argument, NULL, 'T' },
		{ "rt", no_argument, NULL, 'R' },
		{ "repeats", required_argument, NULL, 'P' },
		{ "csv", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .max_bytes = 256ull << 20 };
	const char *what = "all", *csv_path = NULL;
	kumem_t *dev = NULL;
	uint64_t v;
	int c, err = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:i:r:T:RP:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!parse_opt("--max-mb", optarg, 1, 4096, &v))
				goto bad;
			o.max_bytes = v << 20;
			break;
		case 'i':
			if (!parse_opt("--iters", optarg, 1, 100000, &v))
				goto bad;
			o.iters = (unsigned int)v;
			break;
		case 'r':
			if (!parse_opt("--rounds", optarg, 1, BENCH_MAX_RUNS, &v))
				goto bad;
			bench_cfg.rounds = (unsigned int)v;
			break;
		case 'T':
			if (!parse_opt("--run-ms", optarg, 1, 60000, &v))
				goto bad;
			bench_cfg.run_ms = (unsigned int)v;
			break;
		case 'R':
			bench_cfg.rt = true;
			break;
		case 'P':
			if (!parse_opt("--repeats", optarg, 0, 10, &v))
				goto bad;
			bench_cfg.repeats = (unsigned int)v;
			break;
		case 'c':
			csv_path = optarg;
			break;
		case 'j':
			cli_json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			cli_bad_option("bench", c, argv);
			goto bad;
		}
	}
	if (optind < argc)
		what = argv[optind++];
	if (strcmp(what, "setup") && strcmp(what, "checksum") && strcmp(what, "ring") &&
	    strcmp(what, "events") && strcmp(what, "wake") && strcmp(what, "enter") &&
	    strcmp(what, "chain") && strcmp(what, "all")) {
		cli_say("bench: unknown benchmark '%s' (setup, checksum, ring, events, wake, enter, "
			"chain or all)",
			what);
		goto bad;
	}
	if (optind < argc) {
		cli_say("bench: one benchmark at a time, not also '%s'", argv[optind]);
		goto bad;
	}
	if (csv_path) {
		bench_cfg.csv = fopen(csv_path, "w");
		if (!bench_cfg.csv) {
			cli_say("bench: cannot write %s: %s", csv_path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	/* the ring core's rows need no driver: ring and wake run natively too */
	if (!strcmp(what, "ring") || !strcmp(what, "wake")) {
		if (kumem_open(&dev))
			dev = NULL;
	} else if (cli_open(&dev)) {
		if (bench_cfg.csv)
			fclose(bench_cfg.csv);
		return EXIT_FAIL;
	}
	err = cli_json ? run_json(dev, what, &o) : run_benches(dev, what, &o);
	if (dev)
		kumem_close(dev);
	if (bench_cfg.csv)
		fclose(bench_cfg.csv);
	return err ? EXIT_FAIL : EXIT_OK;
bad:
	usage(stderr);
	return EXIT_USAGE;
}
