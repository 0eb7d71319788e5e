// SPDX-License-Identifier: MIT
/*
 * kumem bench ring / events: messages through shared-memory rings, beside what they replace.
 *
 *   ring     64-byte NOP submissions to the kernel (enter mode in batches, SQPOLL), the same
 *            core/ring.c between two threads of this process, one ioctl per message, and
 *            io_uring NOPs (batches of 32, and SQPOLL)
 *   events   kernel -> user records of 8 B .. 4 KiB through the event stream, beside one
 *            read() per record
 *
 * The two-thread figure needs no driver, so `kumem bench ring` also runs natively on a host
 * without the module: that is the number to set beside the emulated guest's.
 */
#include <errno.h>
#include <inttypes.h>
#include <liburing.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../core/ring.h"

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

static void *tt_producer(void *arg)
{
	struct kumem_queue p;
	uint64_t seq = 0;

	(void)arg;
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
	pthread_create(&t, NULL, tt_producer, NULL);
	while (got < count) {
		int n = kumem_queue_ready(&c), i;

		for (i = 0; i < n; i++, got++)
			bad += ((struct msg64 *)kumem_queue_cons_slot(&c, (uint32_t)i))->seq != got;
		if (n)
			kumem_queue_release(&c, (uint32_t)n);
	}
	pthread_join(t, NULL);
	if (bad)
		fprintf(stderr, "kumem bench: %" PRIu64 " messages out of order\n", bad);
	return rate(count, now_ns() - t0);
}

/* ---- kumem rings ------------------------------------------------------------------------ */

/* NOPs through a kumem ring, @batch per submit; returns messages/s or 0. */
static double kumem_nops(kumem_t *dev, unsigned flags, unsigned batch, uint64_t count)
{
	struct kumem_cqe cq[256];
	kumem_ring_t *r;
	uint64_t sent = 0, got = 0, t0;

	if (kumem_ring_create(dev, 256, flags, 5000, &r))
		return 0;
	t0 = now_ns();
	while (got < count) {
		unsigned i;
		int n;

		for (i = 0; i < batch && sent < count; i++, sent++) {
			struct kumem_sqe *e = kumem_ring_get_sqe(r);

			if (!e)
				break;
			e->op = KUMEM_OP_NOP;
			e->user_data = sent;
		}
		if (kumem_ring_submit(r) < 0)
			break;
		do {
			n = kumem_ring_reap(r, cq, 256);
			got += n > 0 ? (uint64_t)n : 0;
		} while (n > 0);
		if (!(flags & KUMEM_RING_SQPOLL) && sent - got >= 256 &&
		    kumem_ring_wait(r, 1, 1000000000ll))
			break;
	}
	t0 = now_ns() - t0;
	kumem_ring_destroy(r);
	return got == count ? rate(count, t0) : 0;
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
		if (kumem_ring_submit(r) != 1 || kumem_ring_reap(r, &c, 1) != 1)
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
	struct io_uring_cqe *cqe;
	uint64_t sent = 0, got = 0, t0;

	if (io_uring_queue_init_params(256, &ring, &p) < 0)
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
	return rate(count, t0);
}

static void line(const char *what, double v, double base, const char *vs)
{
	if (v <= 0) {
		printf("  %-44s %14s\n", what, "unavailable");
		return;
	}
	printf("  %-44s %14.0f", what, v);
	if (base > 0)
		printf("   %6.2fx %s", v / base, vs);
	printf("\n");
}

int bench_ring(kumem_t *dev, uint64_t count)
{
	double tt_rate, enter32, enter256, sqpoll, per_ioctl, u32, usq;

	printf("\nring: 64-byte messages, %" PRIu64 " each, messages/s (a report, not a test)\n",
	       count);
	tt_rate = two_threads(count);
	line("ring core, two threads of this process", tt_rate, 0, "");
	u32 = uring_nops(0, 32, count);
	usq = uring_nops(IORING_SETUP_SQPOLL, 32, count);
	if (!dev) {
		line("io_uring NOP, batches of 32", u32, 0, "");
		line("io_uring NOP, SQPOLL", usq, 0, "");
		printf("  (no kumem device: the kernel rows need the module)\n");
		return 0;
	}
	per_ioctl = kumem_ioctl_per_msg(dev, count / 16);
	enter32 = kumem_nops(dev, 0, 32, count);
	enter256 = kumem_nops(dev, 0, 256, count);
	sqpoll = kumem_nops(dev, KUMEM_RING_SQPOLL, 256, count);
	line("kumem, one ioctl per message", per_ioctl, 0, "");
	line("kumem ring, enter mode, batches of 32", enter32, per_ioctl, "one ioctl/msg");
	line("kumem ring, enter mode, batches of 256", enter256, per_ioctl, "one ioctl/msg");
	line("kumem ring, SQPOLL kernel thread", sqpoll, tt_rate, "two user threads");
	line("io_uring NOP, batches of 32", u32, 0, "");
	line("io_uring NOP, SQPOLL", usq, 0, "");
	if (u32 > 0 && usq > 0)
		printf("  kumem enter(32) / io_uring(32): %.2fx (target >= 5x); kumem SQPOLL / "
		       "io_uring "
		       "SQPOLL: %.2fx (target >= 1.5x)\n",
		       enter32 / u32, sqpoll / usq);
	if (tt_rate > 0)
		printf("  best kernel path / two user threads: %.2fx (target >= 0.8x); "
		       "vs one ioctl per message: %.1fx (target >= 40x)\n",
		       (enter256 > sqpoll ? enter256 : sqpoll) / tt_rate,
		       (enter256 > sqpoll ? enter256 : sqpoll) / per_ioctl);
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

int bench_events(kumem_t *dev, uint64_t count)
{
	static const uint32_t sizes[] = { 8, 64, 512, 4096 };
	size_t i;

	printf("\nevents: kernel -> user records, records/s (a report, not a test)\n");
	printf("  %-8s %14s %14s %8s\n", "record", "event stream", "read()", "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = count / (sizes[i] >= 512 ? 8 : 1), seen = 0, t0, dt, j;
		uint64_t produced = 0, dropped = 0;
		kumem_events_t *e;
		double stream, reads;
		char *buf = malloc(sizes[i]);

		if (kumem_events_create(dev, 1 << 20, &e) || !buf) {
			free(buf);
			return -1;
		}
		t0 = now_ns();
		kumem_events_generate(e, n, sizes[i], 0);
		while (seen < n) {
			if (kumem_events_consume(e, count_record, &seen, 1024) == 0 &&
			    kumem_events_wait(e, 1000) <= 0)
				break;
		}
		dt = now_ns() - t0;
		stream = seen == n ? rate(n, dt) : 0;
		kumem_events_counts(e, &produced, &dropped);
		t0 = now_ns();
		for (j = 0; j < n / 8; j++)
			if (read(kumem_events_fd(e), buf, sizes[i]) != (ssize_t)sizes[i])
				break;
		reads = j == n / 8 ? rate(n / 8, now_ns() - t0) : 0;
		printf("  %5u B  %14.0f %14.0f %7.1fx\n", sizes[i], stream, reads,
		       reads > 0 ? stream / reads : 0);
		kumem_events_destroy(e);
		free(buf);
	}
	printf("  (target: the stream >= 10x read() of the same records)\n");
	return 0;
}
