// SPDX-License-Identifier: MIT
/*
 * kumem bench ring / events: messages through shared-memory rings, beside what they replace.
 *
 *   ring     64-byte NOP submissions to the kernel and their completions (enter mode in
 *            batches, SQPOLL; with the batch calls and with the per-entry ones), beside the
 *            same ring with a user thread in the kernel's place, a one-way queue between two
 *            threads, one ioctl per message, and io_uring NOPs (batches of 32, and SQPOLL)
 *   events   kernel -> user records of 8 B .. 4 KiB through the event stream, beside one
 *            read() per record
 *
 * Every row is the median of interleaved rounds, so a slow spell of the machine lands in
 * one round of every row rather than in all rounds of one. The rows that need no driver also
 * run natively (`kumem bench ring` on a host without the module): the numbers to set beside
 * the emulated guest's.
 */
#include <inttypes.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../core/ring_ops.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double rate(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

/* ---- the ring core between two threads ------------------------------------------------ */

struct msg64 {
	uint64_t seq;
	uint8_t body[56];
};

static struct {
	uint32_t prod, cons;
	struct msg64 slots[256];
	uint64_t count;
} tt;

/*
 * Every row of the ring benchmark runs the process's thread on CPU 0 and the other side, if
 * any (a second user thread, kumem's or io_uring's SQPOLL thread), on CPU 1: one layout for
 * all rows, and no round where both sides happen to share a CPU.
 */
static bool second_cpu(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

/* Run the calling thread on @cpu only (if the machine has it). */
static void pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *tt_producer(void *arg)
{
	struct kumem_queue p;
	uint64_t seq = 0;

	(void)arg;
	pin_self(1);
	kumem_queue_attach(&p, &tt.prod, &tt.cons, tt.slots, 256, sizeof(struct msg64), true);
	while (seq < tt.count) {
		int space = kumem_queue_space(&p), i;

		for (i = 0; i < space && seq < tt.count; i++)
			((struct msg64 *)kumem_queue_prod_slot(&p, (uint32_t)i))->seq = seq++;
		if (i)
			kumem_queue_publish(&p, (uint32_t)i);
	}
	return NULL;
}

static double two_threads(uint64_t count)
{
	struct kumem_queue c;
	uint64_t got = 0, bad = 0, t0;
	pthread_t t;

	memset(&tt, 0, sizeof(tt));
	tt.count = count;
	kumem_queue_attach(&c, &tt.prod, &tt.cons, tt.slots, 256, sizeof(struct msg64), false);
	t0 = now_ns();
	if (pthread_create(&t, NULL, tt_producer, NULL))
		return 0;
	while (got < count) {
		int n = kumem_queue_ready(&c), i;

		for (i = 0; i < n; i++, got++)
			bad += ((struct msg64 *)kumem_queue_cons_slot(&c, (uint32_t)i))->seq != got;
		if (n)
			kumem_queue_release(&c, (uint32_t)n);
	}
	t0 = now_ns() - t0;
	pthread_join(t, NULL);
	if (bad) {
		cli_say("bench: %" PRIu64 " messages out of order", bad);
		return 0;
	}
	return rate(count, t0);
}

/* ---- the same ring, a user thread in the kernel's place --------------------------------- */

/*
 * The command ring exactly as the kernel runs it (core/ring_ops.c's service loop on a
 * submission and a completion queue), with a thread of this process in the kernel's place.
 * The main thread submits and reaps as the kumem rows do: this is what SQPOLL would cost if
 * the kernel thread were free.
 */
static struct {
	struct kumem_ring_ctrl ctrl;
	struct kumem_sqe sq[256];
	struct kumem_cqe cq[512];
	atomic_bool stop;
} same;

static int same_get(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	(void)ctx;
	(void)id;
	(void)m;
	return -KUMEM_ENOENT;
}

static void same_put(void *ctx, struct kumem_ring_mem *m)
{
	(void)ctx;
	(void)m;
}

static const struct kumem_region_ops same_ops = { .get = same_get, .put = same_put };

/* The ring's two queues from one side: @kernel_side consumes the SQ and produces the CQ. */
static void same_attach(struct kumem_queue *sq, struct kumem_queue *cq, bool kernel_side)
{
	kumem_queue_attach(sq, &same.ctrl.sq_tail, &same.ctrl.sq_head, same.sq, 256,
			   sizeof(struct kumem_sqe), !kernel_side);
	kumem_queue_attach(cq, &same.ctrl.cq_tail, &same.ctrl.cq_head, same.cq, 512,
			   sizeof(struct kumem_cqe), kernel_side);
}

static void *same_server(void *arg)
{
	struct kumem_queue sq, cq;

	(void)arg;
	pin_self(1);
	same_attach(&sq, &cq, true);
	while (!atomic_load_explicit(&same.stop, memory_order_relaxed))
		if (kumem_ring_service(&sq, &cq, 256, &same_ops, NULL) < 0)
			break;
	return NULL;
}

/*
 * @server_thread: a second thread services the ring (SQPOLL's shape); otherwise this thread
 * services what it submitted before reaping (enter mode's shape, without the system call).
 */
static double same_ring(uint64_t count, bool server_thread)
{
	struct kumem_queue sq, cq, ksq, kcq;
	uint64_t sent = 0, got = 0, t0;
	unsigned bad = 0;
	pthread_t t;

	memset(&same, 0, sizeof(same));
	same_attach(&sq, &cq, false);
	same_attach(&ksq, &kcq, true); /* used when this thread services the ring itself */
	if (server_thread && pthread_create(&t, NULL, same_server, NULL))
		return 0;
	t0 = now_ns();
	while (got < count) {
		int space = kumem_queue_space(&sq), ready, i, n;

		/* what kumem_ring_get_sqes() and kumem_ring_peek_cqes() do, without the library */
		n = (int)kumem_queue_contig(&sq, 0, space > 0 ? (uint32_t)space : 0);
		if ((uint64_t)n > count - sent)
			n = (int)(count - sent);
		if (n > 0) {
			struct kumem_sqe *e = kumem_queue_prod_slot(&sq, 0);

			for (i = 0; i < n; i++)
				e[i] = (struct kumem_sqe){ .op = KUMEM_OP_NOP,
							   .user_data = sent + i };
			sent += (uint64_t)n;
			kumem_queue_publish(&sq, (uint32_t)n);
		}
		if (!server_thread && kumem_ring_service(&ksq, &kcq, 256, &same_ops, NULL) < 0)
			break;
		ready = kumem_queue_ready(&cq);
		n = (int)kumem_queue_contig(&cq, 0, ready > 0 ? (uint32_t)ready : 0);
		if (n > 0) {
			const struct kumem_cqe *c = kumem_queue_cons_slot(&cq, 0);

			for (i = 0; i < n; i++)
				bad |= (c[i].user_data != got + (uint64_t)i) | (c[i].result != 0);
			got += (uint64_t)n;
			kumem_queue_release(&cq, (uint32_t)n);
		}
	}
	t0 = now_ns() - t0;
	atomic_store(&same.stop, true);
	if (server_thread)
		pthread_join(t, NULL);
	if (bad || got != count) {
		cli_say("bench: same ring: wrong completion");
		return 0;
	}
	return rate(count, t0);
}

/* ---- kumem rings ------------------------------------------------------------------------ */

#define RING_ENTRIES 256

/* Queue up to @want NOPs numbered from *@sent; returns how many. With @per_entry one
 * kumem_ring_get_sqe() call per entry, else kumem_ring_get_sqes() runs. */
static unsigned queue_nops(kumem_ring_t *r, unsigned want, uint64_t *sent, bool per_entry)
{
	unsigned done = 0, n, i;
	struct kumem_sqe *e;

	if (per_entry) {
		for (; done < want && (e = kumem_ring_get_sqe(r)); done++) {
			e->op = KUMEM_OP_NOP;
			e->user_data = (*sent)++;
		}
		return done;
	}
	while (done < want && (n = kumem_ring_get_sqes(r, want - done, &e)) > 0) {
		for (i = 0; i < n; i++)
			e[i] = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = *sent + i };
		*sent += n;
		done += n;
	}
	return done;
}

/* Take every ready completion, checking each is the next NOP and succeeded: 0, a negative
 * errno, or 1 for a wrong completion. */
static int reap_nops(kumem_ring_t *r, uint64_t *got, bool per_entry)
{
	struct kumem_cqe out[RING_ENTRIES];
	const struct kumem_cqe *c;
	int n, i, bad = 0;

	for (;;) {
		if (per_entry) {
			c = out;
			n = kumem_ring_reap(r, out, RING_ENTRIES);
		} else {
			n = kumem_ring_peek_cqes(r, &c);
		}
		if (n <= 0)
			return n < 0 ? n : bad;
		for (i = 0; i < n; i++)
			bad |= (c[i].user_data != *got + (uint64_t)i) | (c[i].result != 0);
		*got += (uint64_t)n;
		if (!per_entry)
			kumem_ring_cq_advance(r, (unsigned)n);
	}
}

/* @count NOPs through a kumem ring, @batch per submit; messages/s, or 0 on any error. */
static double kumem_nops(kumem_t *dev, unsigned flags, unsigned batch, bool per_entry,
			 uint64_t count)
{
	struct kumem_ring_params p = { .sq_entries = RING_ENTRIES,
				       .flags = flags,
				       .idle_us = 5000 };
	uint64_t sent = 0, got = 0, t0;
	kumem_ring_t *r;
	int err = 0;

	/* the kernel thread on CPU 1, like the user thread it is set beside */
	if ((flags & KUMEM_RING_SQPOLL) && second_cpu()) {
		p.flags |= KUMEM_RING_SQ_AFF;
		p.sq_cpu = 1;
	}
	if (kumem_ring_create_params(dev, &p, &r))
		return 0;
	t0 = now_ns();
	while (got < count && !err) {
		uint64_t left = count - sent;

		queue_nops(r, left < batch ? (unsigned)left : batch, &sent, per_entry);
		err = kumem_ring_submit(r); /* the number submitted, or a negative errno */
		if (err >= 0)
			err = reap_nops(r, &got, per_entry);
		/* enter mode: the kernel left entries for lack of CQ room only if we lag behind */
		if (!err && !(flags & KUMEM_RING_SQPOLL) && sent - got >= RING_ENTRIES)
			err = kumem_ring_wait(r, 1, 1000000000ll);
	}
	t0 = now_ns() - t0;
	kumem_ring_destroy(r);
	if (err)
		cli_say("bench: ring NOPs: %s", err < 0 ? kumem_strerror(err) : "wrong completion");
	return !err && got == count ? rate(count, t0) : 0;
}

/* One ioctl per message: a one-entry ENTER for each NOP. */
static double kumem_ioctl_per_msg(kumem_t *dev, uint64_t count)
{
	struct kumem_cqe c;
	kumem_ring_t *r;
	uint64_t i, t0;

	if (kumem_ring_create(dev, 8, 0, 0, &r))
		return 0;
	t0 = now_ns();
	for (i = 0; i < count; i++) {
		kumem_ring_get_sqe(r)->op = KUMEM_OP_NOP;
		if (kumem_ring_submit(r) != 1 || kumem_ring_reap(r, &c, 1) != 1 || c.result)
			break;
	}
	t0 = now_ns() - t0;
	kumem_ring_destroy(r);
	return i == count ? rate(count, t0) : 0;
}

/* ---- io_uring --------------------------------------------------------------------------- */

static double uring_nops(unsigned flags, unsigned batch, uint64_t count)
{
	struct io_uring_params p = { .flags = flags, .sq_thread_idle = 5 };
	struct io_uring ring;

	if ((flags & IORING_SETUP_SQPOLL) && second_cpu()) {
		p.flags |= IORING_SETUP_SQ_AFF; /* same place as kumem's thread */
		p.sq_thread_cpu = 1;
	}
	struct io_uring_cqe *cqe;
	uint64_t sent = 0, got = 0, t0;

	if (io_uring_queue_init_params(RING_ENTRIES, &ring, &p) < 0)
		return 0;
	t0 = now_ns();
	while (got < count) {
		unsigned i;

		for (i = 0; i < batch && sent < count; i++, sent++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			if (!sqe)
				break;
			io_uring_prep_nop(sqe);
		}
		if (io_uring_submit(&ring) < 0)
			break;
		while (got < sent && io_uring_peek_cqe(&ring, &cqe) == 0) {
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
		if (sent - got >= 128 && io_uring_wait_cqe(&ring, &cqe) == 0) {
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
	}
	t0 = now_ns() - t0;
	io_uring_queue_exit(&ring);
	return got == count ? rate(count, t0) : 0;
}

/* ---- the table -------------------------------------------------------------------------- */

enum ring_row {
	ROW_THREADS,
	ROW_SAME_RING,
	ROW_SAME_ONE,
	ROW_ENTER32,
	ROW_ENTER256,
	ROW_SQPOLL,
	ROW_PER_ENTRY,
	ROW_IOCTL,
	ROW_URING32,
	ROW_URING_SQPOLL,
	NR_ROWS,
};

static const char *const row_name[NR_ROWS] = {
	[ROW_THREADS] = "one-way queue, two threads (8 of 64 B written)",
	[ROW_SAME_RING] = "same ring, a user thread as the kernel",
	[ROW_SAME_ONE] = "same ring, one thread, no kernel, no syscall",
	[ROW_ENTER32] = "kumem ring, enter, batches of 32",
	[ROW_ENTER256] = "kumem ring, enter, batches of 256",
	[ROW_SQPOLL] = "kumem ring, SQPOLL kernel thread",
	[ROW_PER_ENTRY] = "kumem ring, enter(32), get_sqe/reap per entry",
	[ROW_IOCTL] = "kumem, one ioctl per message",
	[ROW_URING32] = "io_uring NOP, batches of 32",
	[ROW_URING_SQPOLL] = "io_uring NOP, SQPOLL",
};

static double measure(enum ring_row row, kumem_t *dev, uint64_t count)
{
	switch (row) {
	case ROW_THREADS:
		return two_threads(count);
	case ROW_SAME_RING:
		return same_ring(count, true);
	case ROW_SAME_ONE:
		return same_ring(count, false);
	case ROW_ENTER32:
		return kumem_nops(dev, 0, 32, false, count);
	case ROW_ENTER256:
		return kumem_nops(dev, 0, RING_ENTRIES, false, count);
	case ROW_SQPOLL:
		return kumem_nops(dev, KUMEM_RING_SQPOLL, RING_ENTRIES, false, count);
	case ROW_PER_ENTRY:
		return kumem_nops(dev, 0, 32, true, count);
	case ROW_IOCTL:
		return kumem_ioctl_per_msg(dev, count / 32);
	case ROW_URING32:
		return uring_nops(0, 32, count / 4);
	case ROW_URING_SQPOLL:
		return uring_nops(IORING_SETUP_SQPOLL, 32, count / 4);
	default:
		return 0;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define RING_ROUNDS 5

/* @v / @base against the issue's @target (0: a reference figure, no target) */
static void ratio(const char *what, double v, double base, double target)
{
	if (v <= 0 || base <= 0) {
		printf("  %-58s unavailable\n", what);
		return;
	}
	printf("  %-58s %6.2fx", what, v / base);
	if (target > 0)
		printf("  (target >= %gx: %s)", target, v / base >= target ? "met" : "NOT met");
	printf("\n");
}

/*
 * What a ring of the benchmark's size costs in memory, as the module lays it out
 * (KUMEM_IOC_RING_INFO), beside what the entries alone take. Nothing is allocated per
 * message: submissions and completions live in these pages.
 */
static void ring_memory(kumem_t *dev)
{
	struct kumem_ring_create info;
	kumem_ring_t *r;
	uint64_t entries;

	if (kumem_ring_create(dev, RING_ENTRIES, 0, 0, &r))
		return;
	if (ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_INFO, &info) == 0) {
		entries = (uint64_t)info.sq_entries * sizeof(struct kumem_sqe) +
			  (uint64_t)info.cq_entries * sizeof(struct kumem_cqe);
		printf("  memory: a %u-entry ring maps %" PRIu64 " bytes = %u x %zu B submissions"
		       " + %u x %zu B completions + %" PRIu64 " B control page (indices, one cache"
		       " line per writer)\n",
		       info.sq_entries, info.map_len, info.sq_entries, sizeof(struct kumem_sqe),
		       info.cq_entries, sizeof(struct kumem_cqe), info.map_len - entries);
	}
	kumem_ring_destroy(r);
}

/* Without the module only the rows that need no driver run. */
static bool row_runs(int row, const kumem_t *dev)
{
	return dev || row == ROW_THREADS || row == ROW_SAME_RING || row == ROW_SAME_ONE ||
	       row == ROW_URING32 || row == ROW_URING_SQPOLL;
}

int bench_ring(kumem_t *dev, uint64_t count, FILE *csv)
{
	double runs[NR_ROWS][RING_ROUNDS], med[NR_ROWS] = { 0 };
	cpu_set_t was;
	int row, round;
	double best;

	printf("\nring: 64-byte messages, %" PRIu64 " per run (fewer for the slow rows), "
	       "messages/s,\n      median of %d interleaved rounds (min .. max); this thread on "
	       "CPU 0, a second user thread on CPU 1\n",
	       count, RING_ROUNDS);
	pthread_getaffinity_np(pthread_self(), sizeof(was), &was);
	pin_self(0);
	for (round = 0; round < RING_ROUNDS; round++)
		for (row = 0; row < NR_ROWS; row++)
			if (row_runs(row, dev))
				runs[row][round] = measure((enum ring_row)row, dev, count);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	if (csv)
		fprintf(csv, "bench,path,median_msgs_per_s,min,max\n");
	for (row = 0; row < NR_ROWS; row++) {
		if (!row_runs(row, dev))
			continue;
		qsort(runs[row], RING_ROUNDS, sizeof(double), cmp_double);
		med[row] = runs[row][RING_ROUNDS / 2];
		if (runs[row][0] <= 0) {
			printf("  %-48s %12s\n", row_name[row], "unavailable");
			med[row] = 0;
			continue;
		}
		printf("  %-48s %12.0f  (%.0f .. %.0f)\n", row_name[row], med[row], runs[row][0],
		       runs[row][RING_ROUNDS - 1]);
		if (csv)
			/* quoted: the row names hold commas */
			fprintf(csv, "ring,\"%s\",%.0f,%.0f,%.0f\n", row_name[row], med[row],
				runs[row][0], runs[row][RING_ROUNDS - 1]);
	}
	if (!dev) {
		printf("  (no kumem device: the kernel rows need the module)\n");
		return 0;
	}
	ring_memory(dev);
	best = med[ROW_ENTER256] > med[ROW_SQPOLL] ? med[ROW_ENTER256] : med[ROW_SQPOLL];
	printf("  ratios of the medians, against the issue's targets:\n");
	ratio("best kernel path / same ring between two user threads", best, med[ROW_SAME_RING],
	      0.8);
	ratio("kumem SQPOLL / same ring between two user threads", med[ROW_SQPOLL],
	      med[ROW_SAME_RING], 0.8);
	ratio("best kernel path / one-way queue, two threads (reference)", best, med[ROW_THREADS],
	      0);
	ratio("best kernel path / one ioctl per message", best, med[ROW_IOCTL], 40);
	ratio("kumem SQPOLL / io_uring SQPOLL", med[ROW_SQPOLL], med[ROW_URING_SQPOLL], 1.5);
	ratio("kumem enter, batches of 32 / io_uring, batches of 32", med[ROW_ENTER32],
	      med[ROW_URING32], 5);
	ratio("kumem enter, batches of 256 / io_uring, batches of 32", med[ROW_ENTER256],
	      med[ROW_URING32], 5);
	return 0;
}

/* ---- events ----------------------------------------------------------------------------- */

static int count_record(void *ctx, const void *payload, uint32_t len)
{
	(void)payload;
	(void)len;
	++*(uint64_t *)ctx;
	return 0;
}

/* @n records of @size bytes through the event stream; records/s, or 0 on any error. */
static double events_stream(kumem_t *dev, uint32_t size, uint64_t n)
{
	uint64_t seen = 0, produced = 0, dropped = 0, t0;
	kumem_events_t *e;

	if (kumem_events_create(dev, 1 << 20, &e))
		return 0;
	t0 = now_ns();
	if (kumem_events_generate(e, n, size, 0) == 0)
		while (seen < n)
			if (kumem_events_consume(e, count_record, &seen, 1024) == 0 &&
			    kumem_events_wait(e, 1000) <= 0)
				break;
	t0 = now_ns() - t0;
	kumem_events_counts(e, &produced, &dropped);
	kumem_events_destroy(e);
	return seen == n && produced == n && !dropped ? rate(n, t0) : 0;
}

/* The same records, one read() each. */
static double events_read(kumem_t *dev, uint32_t size, uint64_t n)
{
	char *buf = malloc(size);
	kumem_events_t *e;
	uint64_t i = 0, t0;

	if (!buf || kumem_events_create(dev, 1 << 20, &e)) {
		free(buf);
		return 0;
	}
	t0 = now_ns();
	for (; i < n; i++)
		if (read(kumem_events_fd(e), buf, size) != (ssize_t)size)
			break;
	t0 = now_ns() - t0;
	kumem_events_destroy(e);
	free(buf);
	return i == n ? rate(n, t0) : 0;
}

int bench_events(kumem_t *dev, uint64_t count, FILE *csv)
{
	static const uint32_t sizes[] = { 8, 64, 512, 4096 };
	double stream[RING_ROUNDS], reads[RING_ROUNDS];
	bool all_met = true;
	size_t i;
	int round;

	printf("\nevents: kernel -> user records, records/s, median of %d interleaved rounds\n",
	       RING_ROUNDS);
	printf("  %-8s %14s %14s %8s\n", "record", "event stream", "read()", "ratio");
	if (csv)
		fprintf(csv, "bench,record_bytes,stream_per_s,read_per_s\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = count / (sizes[i] >= 512 ? 8 : 1);

		for (round = 0; round < RING_ROUNDS; round++) {
			stream[round] = events_stream(dev, sizes[i], n);
			reads[round] = events_read(dev, sizes[i], n / 8);
		}
		qsort(stream, RING_ROUNDS, sizeof(double), cmp_double);
		qsort(reads, RING_ROUNDS, sizeof(double), cmp_double);
		if (stream[0] <= 0 || reads[0] <= 0) {
			cli_say("bench: events of %u B failed", sizes[i]);
			return -1;
		}
		printf("  %5u B  %14.0f %14.0f %7.1fx\n", sizes[i], stream[RING_ROUNDS / 2],
		       reads[RING_ROUNDS / 2], stream[RING_ROUNDS / 2] / reads[RING_ROUNDS / 2]);
		all_met &= stream[RING_ROUNDS / 2] >= 10 * reads[RING_ROUNDS / 2];
		if (csv)
			fprintf(csv, "events,%u,%.0f,%.0f\n", sizes[i], stream[RING_ROUNDS / 2],
				reads[RING_ROUNDS / 2]);
	}
	printf("  target: the stream >= 10x read() of the same records: %s\n",
	       all_met ? "met at every size" : "NOT met at every size");
	return 0;
}
