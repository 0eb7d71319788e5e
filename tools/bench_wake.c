// SPDX-License-Identifier: MIT
/*
 * kumem bench wake: how long a message takes from its producer to a consumer that waits for
 * it, p50 / p99 / max over many messages, for a consumer that
 *
 *   spins     on the completion queue (kumem ring, enter mode: the producer's ENTER runs
 *             the NOP and posts its completion), and on the ring core between two threads
 *             of this process (no kernel: the floor, and the only row without the module)
 *   sleeps    in ENTER(GETEVENTS) or in poll() on the ring fd, woken by the completion
 *
 * The consumer is this thread on CPU 0, the producer a thread created on CPU 1. Before each
 * message the producer waits until the consumer is asleep for real (its state in
 * /proc/self/task/<tid>/stat is S) or, for the spinning rows, has announced it is spinning;
 * the clock starts right before the producer publishes and stops when the consumer sees the
 * message. Both read CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "cli.h"
#include "../core/ring.h"

enum wake_row { WAKE_CORE_SPIN, WAKE_RING_SPIN, WAKE_GETEVENTS, WAKE_POLL, NR_WAKE };

static const char *const wake_name[NR_WAKE] = {
	[WAKE_CORE_SPIN] = "ring core, user to user, consumer spinning",
	[WAKE_RING_SPIN] = "kumem ring, ENTER to a spinning consumer",
	[WAKE_GETEVENTS] = "kumem ring, ENTER to a consumer in GETEVENTS",
	[WAKE_POLL] = "kumem ring, ENTER to a consumer in poll()",
};

/* Messages per run; the run length follows from the wake-up itself. */
#define WAKE_SAMPLES 400
/* How long the producer waits for the consumer to fall asleep before it gives up on it. */
#define WAKE_SLEEP_WAIT_NS 100000000ull

struct wake_run {
	enum wake_row row;
	kumem_t *dev;
	kumem_ring_t *ring;
	pid_t consumer_tid;
	atomic_uint armed;	/* sample number the consumer is waiting for */
	atomic_uint_fast64_t t0; /* when the producer published it */
	atomic_bool failed;
	/* the ring core row: one queue of 64-bit timestamps between two threads */
	struct kumem_ring_ctrl ctrl;
	uint64_t slots[64];
	double lat[WAKE_SAMPLES];
	double p50, p99, max;
};

/* Is thread @tid asleep (S: interruptible sleep) right now? */
static bool asleep(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool s = false;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		s = p[1] == ' ' && p[2] == 'S';
	fclose(f);
	return s;
}

static void *wake_producer(void *arg)
{
	struct wake_run *w = arg;
	bool sleeper = w->row == WAKE_GETEVENTS || w->row == WAKE_POLL;
	struct kumem_queue q;
	unsigned int i;

	kumem_queue_attach(&q, &w->ctrl.sq_tail, &w->ctrl.sq_head, w->slots, 64,
			   sizeof(uint64_t), true);
	for (i = 1; i <= WAKE_SAMPLES && !atomic_load(&w->failed); i++) {
		uint64_t deadline;
		struct kumem_sqe *e;

		while (atomic_load_explicit(&w->armed, memory_order_acquire) != i)
			if (atomic_load(&w->failed))
				return NULL;
		if (sleeper) {
			deadline = bench_now_ns() + WAKE_SLEEP_WAIT_NS;
			while (!asleep(w->consumer_tid) && bench_now_ns() < deadline)
				;
		}
		atomic_store(&w->t0, bench_now_ns());
		if (w->row == WAKE_CORE_SPIN) {
			*(uint64_t *)kumem_queue_prod_slot(&q, 0) = i;
			kumem_queue_publish(&q, 1);
			continue;
		}
		e = kumem_ring_get_sqe(w->ring);
		if (!e || kumem_ring_submit(w->ring) != 1) {
			atomic_store(&w->failed, true);
			return NULL;
		}
	}
	return NULL;
}

/* The consumer's wait for sample @i; 0 or a negative errno. */
static int wake_wait(struct wake_run *w, struct kumem_queue *q)
{
	struct kumem_ring_enter a = { .min_complete = 1,
				      .flags = KUMEM_ENTER_GETEVENTS,
				      .timeout_ns = 1000000000ll };
	struct pollfd pfd = { .fd = w->ring ? kumem_ring_fd(w->ring) : -1, .events = POLLIN };
	const struct kumem_cqe *c;
	int n;

	switch (w->row) {
	case WAKE_CORE_SPIN:
		while (kumem_queue_ready(q) == 0)
			if (atomic_load_explicit(&w->failed, memory_order_relaxed))
				return -EIO;
		kumem_queue_release(q, 1);
		return 0;
	case WAKE_GETEVENTS:
		/* to_submit 0: the wait takes no lock the producer's ENTER needs */
		if (ioctl(kumem_ring_fd(w->ring), KUMEM_IOC_RING_ENTER, &a) < 0)
			return -errno;
		break;
	case WAKE_POLL:
		if (poll(&pfd, 1, 1000) != 1)
			return -ETIMEDOUT;
		break;
	default:
		break;
	}
	while ((n = kumem_ring_peek_cqes(w->ring, &c)) == 0)
		if (atomic_load_explicit(&w->failed, memory_order_relaxed))
			return -EIO;
	if (n < 0 || c->result)
		return n < 0 ? n : c->result;
	kumem_ring_cq_advance(w->ring, 1);
	return 0;
}

static double wake_run_fn(void *ctx)
{
	struct wake_run *w = ctx;
	struct kumem_queue q;
	unsigned int i;
	pthread_t t;
	int err = 0;

	memset(&w->ctrl, 0, sizeof(w->ctrl));
	atomic_store(&w->armed, 0);
	atomic_store(&w->failed, false);
	w->consumer_tid = (pid_t)syscall(SYS_gettid);
	w->ring = NULL;
	kumem_queue_attach(&q, &w->ctrl.sq_tail, &w->ctrl.sq_head, w->slots, 64,
			   sizeof(uint64_t), false);
	if (w->row != WAKE_CORE_SPIN && kumem_ring_create(w->dev, 64, 0, 0, &w->ring))
		return 0;
	if (bench_spawn(&t, BENCH_CPU_PEER, wake_producer, w)) {
		kumem_ring_destroy(w->ring);
		return 0;
	}
	for (i = 1; i <= WAKE_SAMPLES && !err; i++) {
		atomic_store_explicit(&w->armed, i, memory_order_release);
		err = wake_wait(w, &q);
		w->lat[i - 1] = (double)(bench_now_ns() - atomic_load(&w->t0));
	}
	if (err)
		atomic_store(&w->failed, true);
	pthread_join(t, NULL);
	if (w->ring)
		kumem_ring_destroy(w->ring);
	if (err || atomic_load(&w->failed))
		return 0;
	w->p50 = bench_median(w->lat, WAKE_SAMPLES); /* sorts */
	w->p99 = w->lat[WAKE_SAMPLES * 99 / 100];
	w->max = w->lat[WAKE_SAMPLES - 1];
	return w->p50 > 0 ? w->p50 : 1;
}

int bench_wake(kumem_t *dev)
{
	static struct wake_run w;
	static const char *const pct[3] = { "p50", "p99", "max" };
	struct bench_series s[NR_WAKE][3];
	char why[NR_WAKE][96], name[128];
	unsigned int round, rounds = bench_cfg.rounds;
	int row, k;

	memset(s, 0, sizeof(s));
	memset(why, 0, sizeof(why));
	printf("\nwake: producer to consumer, ns, %d messages per run; p50, p99 and max of each "
	       "run,\n      median (min .. max) over %u rounds after a warm-up round; consumer on "
	       "CPU %d, producer on CPU %d\n",
	       WAKE_SAMPLES, rounds, BENCH_CPU_SELF, BENCH_CPU_PEER);
	bench_pin_self(BENCH_CPU_SELF);
	for (round = 0; round <= rounds; round++) {
		for (row = 0; row < NR_WAKE; row++) {
			bool disturbed;
			char wy[96] = "";

			if (!dev && row != WAKE_CORE_SPIN)
				continue;
			w.row = (enum wake_row)row;
			w.dev = dev;
			if (bench_run_checked(wake_run_fn, &w, 0, &disturbed, wy) <= 0) {
				bench_unpin_self();
				cli_say("bench: wake-up row '%s' failed", wake_name[row]);
				return -1;
			}
			if (!round)
				continue;
			if (disturbed && !why[row][0])
				memcpy(why[row], wy, sizeof(wy));
			bench_series_add(&s[row][0], w.p50, disturbed);
			bench_series_add(&s[row][1], w.p99, disturbed);
			bench_series_add(&s[row][2], w.max, disturbed);
		}
	}
	bench_unpin_self();
	bench_wait_quiet();
	for (row = 0; row < NR_WAKE; row++) {
		if (!dev && row != WAKE_CORE_SPIN)
			continue;
		for (k = 0; k < 3; k++) {
			snprintf(name, sizeof(name), "%s, %s", wake_name[row], pct[k]);
			bench_report("wake", name, 0, "ns", &s[row][k], why[row]);
		}
	}
	if (dev) {
		bench_ratio("wake-up p50: GETEVENTS / spinning consumer", &s[WAKE_GETEVENTS][0],
			    &s[WAKE_RING_SPIN][0]);
		bench_ratio("wake-up p50: poll() / spinning consumer", &s[WAKE_POLL][0],
			    &s[WAKE_RING_SPIN][0]);
	}
	printf("  A spinning consumer pays only the cache-line transfer (and, on the kumem rows,\n"
	       "  the producer's ENTER); a sleeping one adds the wake-up and the switch back in.\n");
	return 0;
}
