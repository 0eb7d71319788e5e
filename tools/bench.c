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
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PAGE 4096ull

struct bench_opts {
	uint64_t max_bytes;
	unsigned int iters; /* 0: adapt to the size */
	FILE *csv;
	const char *plot;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static unsigned int iters_for(const struct bench_opts *o, uint64_t bytes)
{
	uint64_t n;

	if (o->iters)
		return o->iters;
	n = (64ull << 20) / bytes;
	return (unsigned int)(n < 3 ? 3 : n > 101 ? 101 : n);
}

static void *faulted_buffer(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x3c, bytes);
	return p;
}

static const char *human(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (1ull << 20))
		snprintf(buf, size, "%" PRIu64 " MiB", bytes >> 20);
	else
		snprintf(buf, size, "%" PRIu64 " KiB", bytes >> 10);
	return buf;
}

/* ---- setup ---------------------------------------------------------------------------- */

#define MAX_SIZES 16 /* 4 KiB * 4^15 is far past any --max-mb */

/* The set-up half of a row, printed after the main table. */
struct half_row {
	uint64_t bytes, kumem_ns, uring_ns;
};

static void print_halves(const struct half_row *rows, unsigned int n)
{
	char h[32];
	unsigned int i;

	if (!n || !rows[0].uring_ns)
		return;
	printf("  set-up half only (same runs; release/unregister not counted):\n");
	printf("  %-9s %13s %11s %13s %11s %8s\n", "size", "lock us/op", "ns/page", "reg us/op",
	       "ns/page", "ratio");
	for (i = 0; i < n && rows[i].uring_ns; i++) {
		double pages = (double)(rows[i].bytes / PAGE);

		printf("  %-9s %13.1f %11.1f %13.1f %11.1f %7.2fx\n",
		       human(rows[i].bytes, h, sizeof(h)), rows[i].kumem_ns / 1e3,
		       rows[i].kumem_ns / pages, rows[i].uring_ns / 1e3, rows[i].uring_ns / pages,
		       (double)rows[i].kumem_ns / (double)rows[i].uring_ns);
	}
}

/* One timed operation of a setup row: returns 0 or a negative errno. */
struct setup_op {
	kumem_t *dev;
	struct io_uring *ring;
	void *buf;
	uint64_t bytes;
	/* set up, store the time in *mid, tear down */
	int (*run)(const struct setup_op *op, uint64_t *mid);
};

static int run_lock(const struct setup_op *op, uint64_t *mid)
{
	kumem_region_t *r;
	int err = kumem_lock_user(op->dev, op->buf, op->bytes,
				  KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r);

	*mid = now_ns();
	return err ? err : kumem_region_release(r);
}

static int run_uring(const struct setup_op *op, uint64_t *mid)
{
	struct iovec iov = { .iov_base = op->buf, .iov_len = op->bytes };
	int err = io_uring_register_buffers(op->ring, &iov, 1);

	*mid = now_ns();
	return err ? err : io_uring_unregister_buffers(op->ring);
}

static int run_alloc(const struct setup_op *op, uint64_t *mid)
{
	kumem_region_t *r;
	int err = kumem_alloc_shared(op->dev, op->bytes, KUMEM_USER_READ | KUMEM_USER_WRITE, &r);

	*mid = now_ns();
	return err ? err : kumem_region_release(r);
}

/* What one setup row measures of an operation: medians of @n runs. */
struct setup_time {
	uint64_t cycle; /* set up + tear down */
	uint64_t setup; /* set up only (lock+map, register), from the same runs */
};

static int time_median(const struct setup_op *op, unsigned int n, struct setup_time *st)
{
	uint64_t *t = calloc(2 * (size_t)n, sizeof(*t));
	unsigned int i;
	int err = 0;

	if (!t)
		return -ENOMEM;
	err = op->run(op, &t[0]); /* one untimed run: first-touch costs are not the subject */
	for (i = 0; i < n && !err; i++) {
		uint64_t t0 = now_ns(), mid;

		err = op->run(op, &mid);
		t[i] = now_ns() - t0;
		t[n + i] = mid - t0;
	}
	if (!err) {
		st->cycle = median(t, n);
		st->setup = median(t + n, n);
	}
	free(t);
	return err;
}

static void plot(const struct bench_opts *o, const char *data)
{
	char script[] = "/tmp/kumem-plot-XXXXXX";
	char cmd[600];
	FILE *f;
	int fd;

	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		printf("(gnuplot not installed: no plot)\n");
		return;
	}
	fd = mkstemp(script);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		printf("(cannot write the gnuplot script)\n");
		return;
	}
	fprintf(f,
		"set terminal png noenhanced size 900,560\nset output '%s'\n"
		"set logscale xy\nset xlabel 'region size (KiB)'\nset ylabel 'ns per page'\n"
		"set title 'kumem lock+map+release vs io_uring register+unregister'\n"
		"set key top right\nset grid\nset datafile missing '?'\n"
		"plot '%s' using 1:2 with linespoints title 'kumem method 1', "
		"'%s' using 1:3 with linespoints title 'io_uring buffers', "
		"'%s' using 1:4 with linespoints title 'kumem method 2', "
		"'%s' using 1:5 with linespoints dt 2 title 'kumem lock+map only', "
		"'%s' using 1:6 with linespoints dt 2 title 'io_uring register only'\n",
		o->plot, data, data, data, data, data);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gnuplot %s", script);
	if (system(cmd) == 0)
		printf("plot written to %s\n", o->plot);
	else
		printf("gnuplot failed: no plot\n");
	unlink(script);
}

static int bench_setup(kumem_t *dev, const struct bench_opts *o)
{
	char data[] = "/tmp/kumem-bench-XXXXXX";
	struct io_uring ring;
	bool have_uring, ring_ok;
	uint64_t bytes, ratio64 = 0, setup64 = 0;
	/* the two largest sizes, for the marginal cost per page */
	uint64_t prev_pages = 0, prev_k = 0, prev_u = 0, last_pages = 0, last_k = 0, last_u = 0;
	struct half_row halves[MAX_SIZES];
	unsigned int n_halves = 0;
	FILE *dat = NULL;
	char h[32];
	int fd, uring_err, err = 0;

	uring_err = io_uring_queue_init(8, &ring, 0);
	ring_ok = have_uring = uring_err == 0;
	printf("\nsetup: lock+map+release (method 1) vs io_uring register+unregister, "
	       "alloc+mmap+release (method 2)\n");
	if (!have_uring)
		printf("  io_uring is not available here (%s): its column is empty\n",
		       strerror(-uring_err));
	printf("  %-9s %6s %13s %11s %13s %11s %8s %13s %11s\n", "size", "iters", "kumem us/op",
	       "ns/page", "uring us/op", "ns/page", "ratio", "alloc us/op", "ns/page");
	if (o->plot) {
		fd = mkstemp(data);
		dat = fd >= 0 ? fdopen(fd, "w") : NULL;
	}
	if (o->csv)
		fprintf(o->csv, "bench,size_bytes,iters,kumem_ns,uring_ns,alloc_ns,kumem_lock_ns,"
				"uring_register_ns\n");
	for (bytes = 4 * 1024; bytes <= o->max_bytes; bytes *= 4) {
		unsigned int n = iters_for(o, bytes);
		uint64_t pages = bytes / PAGE, k_ns, u_ns = 0, a_ns;
		struct setup_time k = { 0 }, u = { 0 }, a = { 0 };
		void *buf = faulted_buffer(bytes);

		if (!buf) {
			printf("  %-9s cannot allocate the buffer\n", human(bytes, h, sizeof(h)));
			break;
		}
		struct setup_op op = { .dev = dev, .ring = &ring, .buf = buf, .bytes = bytes };

		op.run = run_lock;
		err = time_median(&op, n, &k);
		op.run = run_uring;
		if (!err && have_uring) {
			uring_err = time_median(&op, n, &u);
			if (uring_err) {
				/* non-root: registration counts against RLIMIT_MEMLOCK */
				printf("  io_uring buffer registration of %s failed (%s): no "
				       "further io_uring figures\n",
				       human(bytes, h, sizeof(h)), strerror(-uring_err));
				have_uring = false;
				u = (struct setup_time){ 0 };
			}
		}
		op.run = run_alloc;
		if (!err)
			err = time_median(&op, n, &a);
		k_ns = k.cycle;
		u_ns = u.cycle;
		a_ns = a.cycle;
		munmap(buf, bytes);
		if (err) {
			cli_error(human(bytes, h, sizeof(h)), err);
			break;
		}
		printf("  %-9s %6u %13.1f %11.1f ", human(bytes, h, sizeof(h)), n, k_ns / 1e3,
		       (double)k_ns / pages);
		if (u_ns)
			printf("%13.1f %11.1f %7.2fx", u_ns / 1e3, (double)u_ns / pages,
			       (double)k_ns / u_ns);
		else
			printf("%13s %11s %8s", "-", "-", "-");
		printf(" %13.1f %11.1f\n", a_ns / 1e3, (double)a_ns / pages);
		if (bytes == (64ull << 20) && u_ns) {
			ratio64 = k_ns * 1000 / u_ns;
			setup64 = k.setup * 1000 / u.setup;
		}
		if (n_halves < MAX_SIZES)
			halves[n_halves++] = (struct half_row){ bytes, k.setup, u.setup };
		prev_pages = last_pages;
		prev_k = last_k;
		prev_u = last_u;
		last_pages = pages;
		last_k = k_ns;
		last_u = u_ns;
		if (o->csv)
			fprintf(o->csv,
				"setup,%" PRIu64 ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
				",%" PRIu64 "\n",
				bytes, n, k_ns, u_ns, a_ns, k.setup, u.setup);
		if (dat) {
			char uc[32] = "?", ur[32] = "?"; /* gnuplot: missing point */

			if (u_ns) {
				snprintf(uc, sizeof(uc), "%.2f", (double)u_ns / pages);
				snprintf(ur, sizeof(ur), "%.2f", (double)u.setup / pages);
			}
			fprintf(dat, "%" PRIu64 " %.2f %s %.2f %.2f %s\n", bytes >> 10,
				(double)k_ns / pages, uc, (double)a_ns / pages,
				(double)k.setup / pages, ur);
		}
	}
	print_halves(halves, n_halves);
	if (ratio64)
		printf("  64 MiB: kumem lock+map+release takes %.2fx io_uring's "
		       "register+unregister "
		       "(target: <= 1.2x);\n"
		       "  the set-up half alone, lock+map vs register: %.2fx. io_uring's "
		       "unregister waits for\n  its buffer references to quiesce (an RCU grace "
		       "period), a fixed cost in every row.\n",
		       ratio64 / 1000.0, setup64 / 1000.0);
	/* the slope between the two largest sizes: per-page work without the fixed costs */
	if (prev_pages && last_pages >= 1024 && last_k > prev_k && last_u > prev_u)
		printf("  marginal cost per page between the two largest sizes: kumem %.1f ns, "
		       "io_uring %.1f ns (%.2fx)\n",
		       (double)(last_k - prev_k) / (last_pages - prev_pages),
		       (double)(last_u - prev_u) / (last_pages - prev_pages),
		       (double)(last_k - prev_k) / (double)(last_u - prev_u));
	if (dat) {
		fclose(dat);
		plot(o, data);
		unlink(data);
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
	double at_1m[PATHS] = { 0 };
	struct paths ps = { .dev = dev };
	char h[32];
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
	       "write() on a handle in that mode\n");
	printf("  %-9s %6s", "size", "iters");
	for (int p = 0; p < PATHS; p++)
		printf(" %12s", path_names[p]);
	printf("   (MB/s)\n");
	if (o->csv)
		fprintf(o->csv, "bench,size_bytes,iters,region_ns,buffered_ns,direct_ns,"
				"write_buffered_ns,write_direct_ns,user_ns\n");
	for (bytes = 4 * 1024; bytes <= max && !err; bytes *= 4) {
		unsigned int n = iters_for(o, bytes), i;
		uint64_t ns[PATHS], sum, want, *t;
		kumem_region_t *r;
		void *buf = faulted_buffer(bytes);

		t = calloc(n, sizeof(*t));
		if (!buf || !t) {
			free(t);
			if (buf)
				munmap(buf, bytes);
			err = -ENOMEM;
			break;
		}
		want = kumem_checksum(buf, bytes);
		r = NULL;
		err = kumem_lock_user(dev, buf, bytes, KUMEM_KERNEL_READ, &r);
		ps.r = r;
		for (int p = 0; p < PATHS && !err; p++) {
			for (i = 0; i < n && !err; i++) {
				uint64_t t0 = now_ns();

				err = run_path(&ps, (enum path)p, buf, bytes, &sum);
				t[i] = now_ns() - t0;
				if (!err && sum != want) {
					fflush(stdout);
					cli_say("bench: %s checksum differs", path_names[p]);
					err = -EIO;
				}
			}
			ns[p] = err ? 0 : median(t, n);
		}
		if (!err) {
			printf("  %-9s %6u", human(bytes, h, sizeof(h)), n);
			for (int p = 0; p < PATHS; p++) {
				printf(" %12.0f", bytes * 1e3 / (double)ns[p]);
				if (bytes == (1ull << 20))
					at_1m[p] = (double)ns[p];
			}
			printf("\n");
			if (o->csv)
				fprintf(o->csv,
					"checksum,%" PRIu64 ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64
					",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
					bytes, n, ns[0], ns[1], ns[2], ns[3], ns[4], ns[5]);
		} else if (err != -EIO) {
			cli_error("checksum bench", err);
		}
		kumem_region_release(r);
		free(t);
		munmap(buf, bytes);
	}
	if (at_1m[PATH_REGION] > 0)
		printf("  1 MiB: method 1 is %.2fx faster than buffered (target >= 2.5x), "
		       "%.2fx faster than direct\n",
		       at_1m[PATH_BUFFERED] / at_1m[PATH_REGION],
		       at_1m[PATH_DIRECT] / at_1m[PATH_REGION]);
	if (at_1m[PATH_WRITE_DIRECT] > 0)
		printf("  1 MiB: write() takes %.2fx the buffered ioctl's time, %.2fx the direct "
		       "ioctl's\n",
		       at_1m[PATH_WRITE_BUFFERED] / at_1m[PATH_BUFFERED],
		       at_1m[PATH_WRITE_DIRECT] / at_1m[PATH_DIRECT]);
	kumem_rw_close(ps.rw[0]);
	kumem_rw_close(ps.rw[1]);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kumem bench [-j|--json] [setup|checksum|ring|events|chain|all]\n"
		   "                   [--max-mb N] [--iters N] [--csv FILE] [--plot FILE.png]\n\n"
		   "Reports the median of N runs per size (default: adapted to the size).\n"
		   "setup sizes run 4 KiB .. --max-mb (default 256), checksum 4 KiB .. 16 MiB.\n"
		   "--json: the tables go to stderr, stdout gets the --csv rows as one JSON object.\n");
}

static int run_benches(kumem_t *dev, const char *what, struct bench_opts *o)
{
	int err = 0;

	printf("kumem bench: %s, page %llu bytes, median of N runs; a report, not a test\n", what,
	       PAGE);
	if (!strcmp(what, "setup") || !strcmp(what, "all"))
		err = bench_setup(dev, o);
	if (!err && (!strcmp(what, "checksum") || !strcmp(what, "all")))
		err = bench_checksum(dev, o);
	if (!err && (!strcmp(what, "ring") || !strcmp(what, "all")))
		err = bench_ring(dev, 2000000, o->csv);
	if (!err && (!strcmp(what, "events") || !strcmp(what, "all")))
		err = bench_events(dev, 200000, o->csv);
	if (!err && (!strcmp(what, "chain") || !strcmp(what, "all")))
		err = bench_chain(dev, o->csv);
	return err;
}

/*
 * --json: the human tables go to stderr while the benchmarks run (they print as they
 * measure), their CSV rows to memory; then one JSON object to the real stdout, and the CSV
 * to the --csv file if one was asked for too.
 */
static int run_json(kumem_t *dev, const char *what, struct bench_opts *o)
{
	FILE *file_csv = o->csv;
	char *rows = NULL;
	size_t rows_len = 0;
	int saved_stdout, err;

	o->csv = open_memstream(&rows, &rows_len);
	if (!o->csv)
		return -ENOMEM;
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	if (saved_stdout < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		fclose(o->csv);
		free(rows);
		return -errno;
	}
	err = dev ? run_benches(dev, what, o) : bench_ring(NULL, 2000000, o->csv);
	fflush(stdout);
	dup2(saved_stdout, STDOUT_FILENO);
	close(saved_stdout);
	fclose(o->csv);
	o->csv = file_csv;
	cli_bench_json(stdout, what, rows ? rows : "", err);
	if (file_csv && rows)
		fputs(rows, file_csv);
	free(rows);
	return err;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-mb", required_argument, NULL, 'm' },
		{ "iters", required_argument, NULL, 'i' },
		{ "csv", required_argument, NULL, 'c' },
		{ "plot", required_argument, NULL, 'p' },
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
	while ((c = getopt_long(argc, argv, ":m:i:c:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			err = cli_parse_u64(optarg, &v);
			if (err) {
				cli_bad_number("bench", "--max-mb", optarg, err);
				goto bad;
			}
			if (v == 0 || v > 4096) {
				cli_say("bench: --max-mb takes 1 .. 4096, not %" PRIu64, v);
				goto bad;
			}
			o.max_bytes = v << 20;
			break;
		case 'i':
			err = cli_parse_u64(optarg, &v);
			if (err) {
				cli_bad_number("bench", "--iters", optarg, err);
				goto bad;
			}
			if (v == 0 || v > 100000) {
				cli_say("bench: --iters takes 1 .. 100000, not %" PRIu64, v);
				goto bad;
			}
			o.iters = (unsigned int)v;
			break;
		case 'c':
			csv_path = optarg;
			break;
		case 'p':
			o.plot = optarg;
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
	    strcmp(what, "events") && strcmp(what, "chain") && strcmp(what, "all")) {
		cli_say("bench: unknown benchmark '%s' (setup, checksum, ring, events, chain or all)",
			what);
		goto bad;
	}
	if (optind < argc) {
		cli_say("bench: one benchmark at a time, not also '%s'", argv[optind]);
		goto bad;
	}
	if (csv_path) {
		o.csv = fopen(csv_path, "w");
		if (!o.csv) {
			cli_say("bench: cannot write %s: %s", csv_path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	/* the ring core's two-thread figure needs no driver: run it natively too */
	if (!strcmp(what, "ring") && kumem_open(&dev)) {
		if (cli_json) {
			err = run_json(NULL, what, &o);
		} else {
			printf("kumem bench: no kumem device here; measuring what runs without it\n");
			err = bench_ring(NULL, 2000000, o.csv);
		}
		if (o.csv)
			fclose(o.csv);
		return err ? EXIT_FAIL : EXIT_OK;
	}
	if (!dev && cli_open(&dev)) {
		if (o.csv)
			fclose(o.csv);
		return EXIT_FAIL;
	}
	err = cli_json ? run_json(dev, what, &o) : run_benches(dev, what, &o);
	kumem_close(dev);
	if (o.csv)
		fclose(o.csv);
	return err ? EXIT_FAIL : EXIT_OK;
bad:
	usage(stderr);
	return EXIT_USAGE;
}
