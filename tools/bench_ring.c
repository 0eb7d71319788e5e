// SPDX-License-Identifier: MIT
/*
 * kumem bench ring: 64-byte messages through shared-memory rings, beside what they replace.
 *
 * NOP submissions to the kernel and their completions (enter mode in batches, SQPOLL in runs
 * and in the old one-publication loop; with the batch calls and with the per-entry ones),
 * beside the same ring with a user thread in the kernel's place, kumem's queue and a naive
 * reference ring between two threads, one ioctl per message, and io_uring NOPs (batches of
 * 32, and SQPOLL). The rows take turns in every round (see bench_util.h). The rows that need
 * no driver also run natively (`kumem bench ring` on a host without the module): the
 * numbers to set beside the emulated guest's.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_uring.h"
#include "bench_util.h"
#include "cli.h"
#include "../core/ring_ops.h"

static double rate(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

/* ---- two threads, one way: the naive reference and kumem's queue ---------------------- */

/*
 * Every two-thread row runs the consumer on this thread (CPU 0) and the producer on a thread
 * created on CPU 1; both rows write whole 64-byte messages (eight stores) and the consumer
 * checks every sequence number, so the two differ only in the queue.
 */
struct msg64 {
	uint64_t seq;
	uint64_t body[7];
};

static inline void fill_msg(struct msg64 *m, uint64_t seq)
{
	m->seq = seq;
	for (int i = 0; i < 7; i++)
		m->body[i] = seq ^ (uint64_t)i;
}

/* Start flag of a two-thread run: the clock starts once the producer is up on its CPU. */
static struct {
	atomic_int ready, go;
	uint64_t count;
} start;

static void start_reset(uint64_t count)
{
	atomic_store(&start.ready, 0);
	atomic_store(&start.go, 0);
	start.count = count;
}

static void start_wait_go(void)
{
	atomic_store(&start.ready, 1);
	while (!atomic_load_explicit(&start.go, memory_order_acquire))
		;
}

static uint64_t start_release(void)
{
	while (!atomic_load_explicit(&start.ready, memory_order_acquire))
		;
	atomic_store_explicit(&start.go, 1, memory_order_release);
	return bench_now_ns();
}

/*
 * The reference a ring core is measured against: two indices on their own cache lines,
 * 256 slots of 64 bytes, one index store per batch, nothing else (no checks, no private
 * copies beyond the obvious).
 */
static struct {
	_Alignas(64) _Atomic uint32_t tail; /* producer */
	_Alignas(64) _Atomic uint32_t head; /* consumer */
	_Alignas(64) struct msg64 slot[256];
} naive;

static void *naive_producer(void *arg)
{
	uint64_t seq = 0, count = start.count;
	uint32_t tail = 0;

	(void)arg;
	start_wait_go();
	while (seq < count) {
		uint32_t head = atomic_load_explicit(&naive.head, memory_order_acquire);
		uint32_t room = 256 - (tail - head), i;

		for (i = 0; i < room && seq < count; i++, tail++)
			fill_msg(&naive.slot[tail & 255], seq++);
		if (i)
			atomic_store_explicit(&naive.tail, tail, memory_order_release);
	}
	return NULL;
}

static double naive_ring(uint64_t count)
{
	uint64_t got = 0, bad = 0, t0;
	uint32_t head = 0;
	pthread_t t;

	memset(&naive, 0, sizeof(naive));
	start_reset(count);
	if (bench_spawn(&t, BENCH_CPU_PEER, naive_producer, NULL))
		return 0;
	t0 = start_release();
	while (got < count) {
		uint32_t tail = atomic_load_explicit(&naive.tail, memory_order_acquire);

		if (tail == head)
			continue;
		for (; head != tail; head++, got++)
			bad |= naive.slot[head & 255].seq != got;
		atomic_store_explicit(&naive.head, head, memory_order_release);
	}
	t0 = bench_now_ns() - t0;
	pthread_join(t, NULL);
	return bad ? 0 : rate(count, t0);
}

/*
 * kumem's queue (core/ring.h) on the layout kumem ships: the SQ indices of kumem_ring_ctrl.
 * Both sides publish every @run entries (0: once per batch, as the naive ring does).
 */
static struct {
	struct kumem_ring_ctrl ctrl;
	_Alignas(64) struct msg64 slot[256];
	uint32_t run;
} oneway;

/*
 * Both sides work in spans: up to the end of the run (@run entries between publications, or
 * the whole batch) and never across the wrap, walking the slots with a pointer
 * (kumem_queue_contig() is there for this).
 */
static void *oneway_producer(void *arg)
{
	struct kumem_queue p;
	uint64_t seq = 0, count = start.count;

	(void)arg;
	kumem_queue_attach(&p, &oneway.ctrl.sq_tail, &oneway.ctrl.sq_head, oneway.slot, 256,
			   sizeof(struct msg64), true);
	start_wait_go();
	while (seq < count) {
		int space = kumem_queue_space(&p);

		while (space > 0 && seq < count) {
			uint32_t n = (uint32_t)space, k;
			struct msg64 *m = kumem_queue_prod_slot(&p, 0);

			if (oneway.run && n > oneway.run)
				n = oneway.run;
			if ((uint64_t)n > count - seq)
				n = (uint32_t)(count - seq);
			n = kumem_queue_contig(&p, 0, n);
			for (k = 0; k < n; k++)
				fill_msg(&m[k], seq++);
			kumem_queue_publish(&p, n);
			space -= (int)n;
		}
	}
	return NULL;
}

static double oneway_queue(uint64_t count, uint32_t run)
{
	struct kumem_queue c;
	uint64_t got = 0, bad = 0, t0;
	pthread_t t;

	memset(&oneway, 0, sizeof(oneway));
	oneway.run = run;
	start_reset(count);
	kumem_queue_attach(&c, &oneway.ctrl.sq_tail, &oneway.ctrl.sq_head, oneway.slot, 256,
			   sizeof(struct msg64), false);
	if (bench_spawn(&t, BENCH_CPU_PEER, oneway_producer, NULL))
		return 0;
	t0 = start_release();
	while (got < count) {
		int ready = kumem_queue_ready(&c);

		while (ready > 0) {
			uint32_t n = (uint32_t)ready, k;
			const struct msg64 *m = kumem_queue_cons_slot(&c, 0);

			if (run && n > run)
				n = run;
			n = kumem_queue_contig(&c, 0, n);
			for (k = 0; k < n; k++)
				bad |= m[k].seq != got + k;
			got += n;
			kumem_queue_release(&c, n);
			ready -= (int)n;
		}
	}
	t0 = bench_now_ns() - t0;
	pthread_join(t, NULL);
	if (bad)
		cli_say("bench: %" PRIu64 " messages out of order", bad);
	return bad ? 0 : rate(count, t0);
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
	uint32_t run; /* the server's publication run (0: once per batch) */
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
	same_attach(&sq, &cq, true);
	start_wait_go();
	while (!atomic_load_explicit(&same.stop, memory_order_relaxed))
		if (kumem_ring_service_runs(&sq, &cq, 256, same.run, &same_ops, NULL) < 0)
			break;
	return NULL;
}

/*
 * @server_thread: a second thread services the ring (SQPOLL's shape); otherwise this thread
 * services what it submitted before reaping (enter mode's shape, without the system call).
 */
static double same_ring(uint64_t count, bool server_thread, uint32_t run)
{
	struct kumem_queue sq, cq, ksq, kcq;
	uint64_t sent = 0, got = 0, t0;
	unsigned bad = 0;
	pthread_t t;

	memset(&same, 0, sizeof(same));
	same.run = run;
	start_reset(count);
	same_attach(&sq, &cq, false);
	same_attach(&ksq, &kcq, true); /* used when this thread services the ring itself */
	if (server_thread && bench_spawn(&t, BENCH_CPU_PEER, same_server, NULL))
		return 0;
	t0 = server_thread ? start_release() : bench_now_ns();
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
	t0 = bench_now_ns() - t0;
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

/* Take every ready completion, checking each is the next NOP and succeeded, until none is
 * ready or all @sent are in: 0, a negative errno, or 1 for a wrong completion. */
static int reap_nops(kumem_ring_t *r, uint64_t *got, uint64_t sent, bool per_entry)
{
	struct kumem_cqe out[RING_ENTRIES];
	const struct kumem_cqe *c;
	int n, i, bad = 0;

	while (*got < sent) {
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
	return bad;
}

/* @count NOPs through a kumem ring, @batch per submit; messages/s, or 0 on any error. */
static double kumem_nops(kumem_t *dev, unsigned flags, unsigned batch, bool per_entry,
			 uint64_t count)
{
	/* a ring of 256, or as large as the batch */
	struct kumem_ring_params p = { .sq_entries = batch > RING_ENTRIES ? batch : RING_ENTRIES,
				       .flags = flags,
				       .idle_us = 5000 };
	uint64_t sent = 0, got = 0, t0;
	kumem_ring_t *r;
	int err = 0;

	/* the kernel thread on CPU 1, like the user thread it is set beside */
	if ((flags & KUMEM_RING_SQPOLL) && bench_two_cpus()) {
		p.flags |= KUMEM_RING_SQ_AFF;
		p.sq_cpu = BENCH_CPU_PEER;
	}
	if (kumem_ring_create_params(dev, &p, &r))
		return 0;
	t0 = bench_now_ns();
	while (got < count && !err) {
		uint64_t left = count - sent;

		queue_nops(r, left < batch ? (unsigned)left : batch, &sent, per_entry);
		err = kumem_ring_submit(r); /* the number submitted, or a negative errno */
		if (err >= 0)
			err = reap_nops(r, &got, sent, per_entry);
		/* enter mode: the kernel left entries for lack of CQ room only if we lag behind */
		if (!err && !(flags & KUMEM_RING_SQPOLL) && sent - got >= p.sq_entries)
			err = kumem_ring_wait(r, 1, 1000000000ll);
	}
	t0 = bench_now_ns() - t0;
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
	t0 = bench_now_ns();
	for (i = 0; i < count; i++) {
		kumem_ring_get_sqe(r)->op = KUMEM_OP_NOP;
		if (kumem_ring_submit(r) != 1 || kumem_ring_reap(r, &c, 1) != 1 || c.result)
			break;
	}
	t0 = bench_now_ns() - t0;
	kumem_ring_destroy(r);
	return i == count ? rate(count, t0) : 0;
}

/* ---- io_uring --------------------------------------------------------------------------- */

static double uring_nops(unsigned flags, unsigned batch, uint64_t count)
{
	struct io_uring_params p = { .flags = flags, .sq_thread_idle = 5 };
	struct io_uring ring;

	if ((flags & IORING_SETUP_SQPOLL) && bench_two_cpus()) {
		p.flags |= IORING_SETUP_SQ_AFF; /* same place as kumem's thread */
		p.sq_thread_cpu = BENCH_CPU_PEER;
	}
	struct io_uring_cqe *cqe;
	uint64_t sent = 0, got = 0, t0;
	unsigned bad = 0;

	if (io_uring_queue_init_params(RING_ENTRIES, &ring, &p) < 0)
		return 0;
	t0 = bench_now_ns();
	while (got < count) {
		unsigned i;

		for (i = 0; i < batch && sent < count; i++, sent++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			if (!sqe)
				break;
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, sent);
		}
		if (io_uring_submit(&ring) < 0)
			break;
		/* every ready completion, handed back with one store, as kumem's rows do */
		unsigned head, seen = 0;

		io_uring_for_each_cqe(&ring, head, cqe) {
			/* checked like kumem's: in order, succeeded */
			bad |= (cqe->user_data != got + seen) | (cqe->res != 0);
			seen++;
		}
		io_uring_cq_advance(&ring, seen);
		got += seen;
		if (sent - got >= 128 && io_uring_wait_cqe(&ring, &cqe) == 0) {
			bad |= (cqe->user_data != got) | (cqe->res != 0);
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
	}
	t0 = bench_now_ns() - t0;
	io_uring_queue_exit(&ring);
	if (bad)
		cli_say("bench: io_uring NOPs: wrong completion");
	return got == count && !bad ? rate(count, t0) : 0;
}

/* ---- the table -------------------------------------------------------------------------- */

enum ring_row {
	ROW_NAIVE,
	ROW_ONEWAY,
	ROW_ONEWAY_BATCH,
	ROW_SAME_RING,
	ROW_SAME_OLD,
	ROW_SAME_RUN8,
	ROW_SAME_RUN16,
	ROW_SAME_RUN64,
	ROW_SAME_RUN128,
	ROW_SAME_ONE,
	ROW_ENTER32,
	ROW_ENTER256,
	ROW_ENTER1024,
	ROW_SQPOLL,
	ROW_SQPOLL_OLD,
	ROW_PER_ENTRY,
	ROW_IOCTL,
	ROW_URING32,
	ROW_URING_SQPOLL,
	ROW_URING128,
	ROW_URING_CMD32,
	ROW_URING_CMD_FIXED,
	ROW_URING_CMD_SQPOLL,
	NR_ROWS,
};

#define STR_(x) #x
#define STR(x) STR_(x)
#define RUN STR(KUMEM_RING_PUBLISH_RUN)

static const char *const row_name[NR_ROWS] = {
	[ROW_NAIVE] = "naive reference ring, two threads, one way",
	[ROW_ONEWAY] = "kumem queue (kumem_ring_ctrl), runs of " RUN ", two threads, one way",
	[ROW_ONEWAY_BATCH] = "kumem queue, one publication per batch, two threads, one way",
	[ROW_SAME_RING] = "same ring, a user thread as the kernel (runs of " RUN ")",
	[ROW_SAME_OLD] = "same ring, a user thread as the kernel, one publication per batch",
	[ROW_SAME_RUN8] = "same ring, a user thread as the kernel, runs of 8",
	[ROW_SAME_RUN16] = "same ring, a user thread as the kernel, runs of 16",
	[ROW_SAME_RUN64] = "same ring, a user thread as the kernel, runs of 64",
	[ROW_SAME_RUN128] = "same ring, a user thread as the kernel, runs of 128",
	[ROW_SAME_ONE] = "same ring, one thread, no kernel, no syscall",
	[ROW_ENTER32] = "kumem ring, enter, batches of 32",
	[ROW_ENTER256] = "kumem ring, enter, batches of 256",
	[ROW_ENTER1024] = "kumem ring, enter, batches of 1024 (a 1024-entry ring)",
	[ROW_SQPOLL] = "kumem ring, SQPOLL kernel thread (runs of " RUN ")",
	[ROW_SQPOLL_OLD] = "kumem ring, SQPOLL, one publication per batch",
	[ROW_PER_ENTRY] = "kumem ring, enter(32), get_sqe/reap per entry",
	[ROW_IOCTL] = "kumem, one ioctl per message",
	[ROW_URING32] = "io_uring NOP, batches of 32",
	[ROW_URING_SQPOLL] = "io_uring NOP, SQPOLL",
	[ROW_URING128] = "io_uring NOP, 128-byte SQEs, batches of 32",
	[ROW_URING_CMD32] = "kumem NOP through io_uring (URING_CMD), batches of 32",
	[ROW_URING_CMD_FIXED] = "kumem NOP through io_uring, registered file, batches of 32",
	[ROW_URING_CMD_SQPOLL] = "kumem NOP through io_uring (URING_CMD), SQPOLL",
};

/* The module's knob for the SQPOLL thread's run (0: the loop before runs, for one row). */
#define SQPOLL_RUN_PARAM "/sys/module/kumem/parameters/sqpoll_publish_run"

/* Write @v to the knob; the value it had, or -1 if there is none to write. */
static long set_sqpoll_run(long v)
{
	FILE *f = fopen(SQPOLL_RUN_PARAM, "r+");
	long old = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &old) == 1 && v >= 0) {
		rewind(f);
		fprintf(f, "%ld\n", v);
	}
	if (fclose(f))
		old = -1;
	return old;
}

static double sqpoll_old_loop(kumem_t *dev, uint64_t count)
{
	long was = set_sqpoll_run(0);
	double v;

	if (was < 0)
		return 0;
	v = kumem_nops(dev, KUMEM_RING_SQPOLL, RING_ENTRIES, false, count);
	set_sqpoll_run(was);
	return v;
}

/* Messages of the warm-up run; later runs are sized to last about --run-ms. */
#define WARMUP_COUNT 200000ull

static double measure(enum ring_row row, kumem_t *dev, uint64_t count)
{
	switch (row) {
	case ROW_NAIVE:
		return naive_ring(count);
	case ROW_ONEWAY:
		return oneway_queue(count, KUMEM_RING_PUBLISH_RUN);
	case ROW_ONEWAY_BATCH:
		return oneway_queue(count, 0);
	case ROW_SAME_RING:
		return same_ring(count, true, KUMEM_RING_PUBLISH_RUN);
	case ROW_SAME_OLD:
		return same_ring(count, true, 0);
	case ROW_SAME_RUN8:
		return same_ring(count, true, 8);
	case ROW_SAME_RUN16:
		return same_ring(count, true, 16);
	case ROW_SAME_RUN64:
		return same_ring(count, true, 64);
	case ROW_SAME_RUN128:
		return same_ring(count, true, 128);
	case ROW_SAME_ONE:
		return same_ring(count, false, 0);
	case ROW_ENTER32:
		return kumem_nops(dev, 0, 32, false, count);
	case ROW_ENTER256:
		return kumem_nops(dev, 0, RING_ENTRIES, false, count);
	case ROW_ENTER1024:
		return kumem_nops(dev, 0, 1024, false, count);
	case ROW_SQPOLL:
		return kumem_nops(dev, KUMEM_RING_SQPOLL, RING_ENTRIES, false, count);
	case ROW_SQPOLL_OLD:
		return sqpoll_old_loop(dev, count);
	case ROW_PER_ENTRY:
		return kumem_nops(dev, 0, 32, true, count);
	case ROW_IOCTL:
		return kumem_ioctl_per_msg(dev, count);
	case ROW_URING32:
		return uring_nops(0, 32, count);
	case ROW_URING_SQPOLL:
		return uring_nops(IORING_SETUP_SQPOLL, 32, count);
	case ROW_URING128:
		return uring_nops(IORING_SETUP_SQE128, 32, count);
	case ROW_URING_CMD32:
		return bench_uring_cmd_nops(RING_ENTRIES, 0, 32, false, count);
	case ROW_URING_CMD_FIXED:
		return bench_uring_cmd_nops(RING_ENTRIES, 0, 32, true, count);
	case ROW_URING_CMD_SQPOLL:
		return bench_uring_cmd_nops(RING_ENTRIES, IORING_SETUP_SQPOLL, 32, false, count);
	default:
		return 0;
	}
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
	if (bench_ring_info(r, &info) == 0) {
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

static bool uring_cmd_supported(kumem_t *dev)
{
	struct kumem_info info;

	return kumem_info(dev, &info) == 0 && (info.features & KUMEM_FEAT_URING_CMD);
}

/* Without the module only the rows that need no driver run. */
static bool row_runs(int row, const kumem_t *dev)
{
	switch (row) {
	case ROW_ENTER32:
	case ROW_ENTER256:
	case ROW_ENTER1024:
	case ROW_SQPOLL:
	case ROW_PER_ENTRY:
	case ROW_IOCTL:
		return dev;
	case ROW_URING_CMD32:
	case ROW_URING_CMD_FIXED:
	case ROW_URING_CMD_SQPOLL:
		return dev && bench_have_uring() && uring_cmd_supported((kumem_t *)dev);
	case ROW_SQPOLL_OLD:
		/* a module without the knob (or a user who may not turn it) has no old loop */
		return dev && access(SQPOLL_RUN_PARAM, W_OK) == 0;
	case ROW_URING32:
	case ROW_URING_SQPOLL:
	case ROW_URING128:
		return bench_have_uring(); /* none on Windows */
	default:
		return true;
	}
}

struct ring_run {
	enum ring_row row;
	kumem_t *dev;
	uint64_t count;
};

static double ring_run_fn(void *ctx)
{
	const struct ring_run *r = ctx;

	return measure(r->row, r->dev, r->count);
}

int bench_ring(kumem_t *dev)
{
	static struct bench_series runs[NR_ROWS];
	char why[NR_ROWS][96];
	uint64_t count[NR_ROWS];
	unsigned int round, rounds = bench_cfg.rounds;
	bool failed = false;
	int row;

	memset(runs, 0, sizeof(runs));
	memset(why, 0, sizeof(why));
	printf("\nring: 64-byte messages, messages/s: median of %u rounds (min .. max) after a "
	       "warm-up round;\n      rows take turns within a round, each run ~%u ms; this "
	       "thread on CPU %d, the other side created on CPU %d%s\n",
	       rounds, bench_cfg.run_ms, BENCH_CPU_SELF, BENCH_CPU_PEER,
	       bench_cfg.rt ? ", SCHED_FIFO" : "");
	bench_pin_self(BENCH_CPU_SELF);
	/* round 0 warms up and sizes the runs: nothing of it is kept */
	for (round = 0; round <= rounds && !failed; round++) {
		for (row = 0; row < NR_ROWS; row++) {
			struct ring_run r = { (enum ring_row)row, dev, WARMUP_COUNT };
			bool disturbed;
			char w[96] = "";
			double v;

			if (!row_runs(row, dev))
				continue;
			if (round)
				r.count = count[row];
			v = bench_run_checked(ring_run_fn, &r, row == ROW_SQPOLL || row == ROW_SQPOLL_OLD,
					      &disturbed, w);
			if (v <= 0) {
				printf("  %-66s failed\n", row_name[row]);
				failed = true;
				break;
			}
			if (!round) {
				count[row] = (uint64_t)(v * bench_cfg.run_ms / 1000);
				if (count[row] < 1000)
					count[row] = 1000;
				continue;
			}
			if (disturbed && !why[row][0])
				memcpy(why[row], w, sizeof(w));
			bench_series_add(&runs[row], v, disturbed);
		}
	}
	bench_unpin_self();
	bench_wait_quiet();
	if (failed)
		return -1;
	for (row = 0; row < NR_ROWS; row++)
		if (row_runs(row, dev))
			bench_report("ring", row_name[row], 64, "msgs/s", &runs[row], why[row]);
	printf("  ratios, run by run within a round (median, min .. max):\n");
	bench_ratio("kumem queue, runs of " RUN " / naive reference ring (one way)",
		    &runs[ROW_ONEWAY], &runs[ROW_NAIVE]);
	bench_ratio("kumem queue, one publication per batch / naive reference ring",
		    &runs[ROW_ONEWAY_BATCH], &runs[ROW_NAIVE]);
	bench_ratio("same ring, user thread as kernel: runs of " RUN " / one per batch",
		    &runs[ROW_SAME_RING], &runs[ROW_SAME_OLD]);
	bench_ratio("same ring with a user thread as kernel / naive reference ring",
		    &runs[ROW_SAME_RING], &runs[ROW_NAIVE]);
	if (!dev) {
		printf("  (no kumem device: the kernel rows need the module)\n");
		return 0;
	}
	ring_memory(dev);
	bench_ratio("kumem SQPOLL / same ring with a user thread as kernel", &runs[ROW_SQPOLL],
		    &runs[ROW_SAME_RING]);
	if (row_runs(ROW_SQPOLL_OLD, dev))
		bench_ratio("kumem SQPOLL: runs of " RUN " / one publication per batch",
			    &runs[ROW_SQPOLL], &runs[ROW_SQPOLL_OLD]);
	bench_ratio("kumem enter(256) / same ring, one thread, no syscall", &runs[ROW_ENTER256],
		    &runs[ROW_SAME_ONE]);
	bench_ratio("kumem enter(256) / one ioctl per message", &runs[ROW_ENTER256],
		    &runs[ROW_IOCTL]);
	bench_ratio("kumem enter(1024) / one ioctl per message", &runs[ROW_ENTER1024],
		    &runs[ROW_IOCTL]);
	bench_ratio("kumem SQPOLL / one ioctl per message", &runs[ROW_SQPOLL], &runs[ROW_IOCTL]);
	bench_ratio("kumem SQPOLL / io_uring SQPOLL", &runs[ROW_SQPOLL], &runs[ROW_URING_SQPOLL]);
	bench_ratio("kumem enter(32) / io_uring(32)", &runs[ROW_ENTER32], &runs[ROW_URING32]);
	bench_ratio("kumem enter(256) / io_uring(32)", &runs[ROW_ENTER256], &runs[ROW_URING32]);
	bench_ratio("io_uring NOP(32): 128-byte / 64-byte SQEs", &runs[ROW_URING128],
		    &runs[ROW_URING32]);
	if (row_runs(ROW_URING_CMD32, dev)) {
		bench_ratio("kumem enter(32) / kumem through io_uring_cmd(32)", &runs[ROW_ENTER32],
			    &runs[ROW_URING_CMD32]);
		bench_ratio("kumem through io_uring_cmd(32) / io_uring NOP(32)",
			    &runs[ROW_URING_CMD32], &runs[ROW_URING32]);
		bench_ratio("kumem through io_uring_cmd(32): registered file / plain fd",
			    &runs[ROW_URING_CMD_FIXED], &runs[ROW_URING_CMD32]);
		bench_ratio("kumem SQPOLL / kumem through io_uring_cmd, SQPOLL", &runs[ROW_SQPOLL],
			    &runs[ROW_URING_CMD_SQPOLL]);
		bench_ratio("kumem through io_uring_cmd, SQPOLL / io_uring NOP, SQPOLL",
			    &runs[ROW_URING_CMD_SQPOLL], &runs[ROW_URING_SQPOLL]);
	}
	printf("  Reading them: the one-way rows differ only in the queue code and in how often\n"
	       "  each side publishes its index; the same ring's rows are the floor of the kernel's\n"
	       "  rows without the kernel (a thread of ours in its place, or no system call at\n"
	       "  all); enter(N) pays one system call per N messages, SQPOLL none but a second\n"
	       "  CPU. Publishing in runs lets the two CPUs overlap instead of taking turns.\n");
	return 0;
}
