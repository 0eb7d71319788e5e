// SPDX-License-Identifier: MIT
/*
 * kumem bench enter: where the fixed cost of one KUMEM_IOC_RING_ENTER goes, in ns per call.
 *
 *   getppid()                     the floor of any system call
 *   an ioctl the ring does not know (ENOTTY): the floor of any ioctl on the ring's fd
 *   ENTER with nothing to do      + copying the argument in, its checks, writing back
 *   ENTER of 1, nothing queued    + the ring lock and a service call that finds nothing
 *   ENTER of 1 NOP, no library    + one NOP, its completion and the wake check; the
 *                                   submission and completion written and read in place
 *   ENTER of 1 NOP, reaped        the same through libkumem's submit and reap
 *   ENTER of 32 NOPs, per ENTER   the same with 31 more NOPs: the per-entry part
 *
 * Differences between neighbouring rows are the costs of the steps; the rows take turns in
 * every round (see bench_util.h). Enter mode, a 256-entry ring.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_util.h"
#include "cli.h"

/* A command of kumem's ioctl type that no kumem version defines. */
#define UNKNOWN_IOCTL _IO(KUMEM_IOC_MAGIC, 0xee)

enum enter_row {
	EN_SYSCALL,
	EN_ENOTTY,
	EN_EMPTY,
	EN_NOTHING,
	EN_RAW_ONE,
	EN_ONE,
	EN_32,
	NR_EN
};

static const char *const en_name[NR_EN] = {
	[EN_SYSCALL] = "getppid(): any system call",
	[EN_ENOTTY] = "an ioctl the ring does not know (ENOTTY)",
	[EN_EMPTY] = "ENTER with nothing to do",
	[EN_NOTHING] = "ENTER of 1 with nothing queued",
	[EN_RAW_ONE] = "ENTER of 1 NOP, no library",
	[EN_ONE] = "ENTER of 1 NOP, reaped",
	[EN_32] = "ENTER of 32 NOPs, reaped, per ENTER",
};

/* A ring of its own reached without libkumem: the kernel's part alone. */
struct raw_ring {
	int dev_fd, fd;
	void *map;
	size_t len;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
	struct kumem_cqe *cq;
	uint32_t sq_mask, cq_mask;
};

static int raw_ring_open(struct raw_ring *rr)
{
	struct kumem_ring_create a = { .sq_entries = 256 };

	memset(rr, 0, sizeof(*rr));
	rr->fd = -1;
	rr->dev_fd = open("/dev/kumem", O_RDWR | O_CLOEXEC);
	if (rr->dev_fd < 0 || ioctl(rr->dev_fd, KUMEM_IOC_RING_CREATE, &a))
		return -errno;
	rr->fd = a.ring_fd;
	rr->len = a.map_len;
	rr->map = mmap(NULL, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, rr->fd, 0);
	if (rr->map == MAP_FAILED)
		return -errno;
	rr->ctrl = rr->map;
	rr->sq = (struct kumem_sqe *)((char *)rr->map + a.sq_offset);
	rr->cq = (struct kumem_cqe *)((char *)rr->map + a.cq_offset);
	rr->sq_mask = a.sq_entries - 1;
	rr->cq_mask = a.cq_entries - 1;
	return 0;
}

static void raw_ring_close(struct raw_ring *rr)
{
	if (rr->map && rr->map != MAP_FAILED)
		munmap(rr->map, rr->len);
	if (rr->fd >= 0)
		close(rr->fd);
	if (rr->dev_fd >= 0)
		close(rr->dev_fd);
}

/* One NOP written in place, one ENTER, its completion read in place: 0 or an error. */
static int raw_one(struct raw_ring *rr)
{
	uint32_t tail = rr->ctrl->sq_tail, head = rr->ctrl->cq_head;
	struct kumem_ring_enter a = { .to_submit = 1 };
	const struct kumem_cqe *c;

	rr->sq[tail & rr->sq_mask] = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = tail };
	__atomic_store_n(&rr->ctrl->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (ioctl(rr->fd, KUMEM_IOC_RING_ENTER, &a) != 1)
		return -EIO;
	if (__atomic_load_n(&rr->ctrl->cq_tail, __ATOMIC_ACQUIRE) != head + 1)
		return -EIO;
	c = &rr->cq[head & rr->cq_mask];
	if (c->result || c->user_data != tail)
		return 1;
	__atomic_store_n(&rr->ctrl->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

struct en_run {
	enum enter_row row;
	kumem_ring_t *ring;
	struct raw_ring *raw;
	uint64_t calls;
};

/* @batch NOPs through one ENTER, then reaped; 0 or a negative errno (1: wrong completion). */
static int enter_nops(kumem_ring_t *r, unsigned int batch)
{
	const struct kumem_cqe *c;
	struct kumem_sqe *e;
	unsigned int i;
	int n, got = 0;

	for (i = 0; i < batch; i++) {
		e = kumem_ring_get_sqe(r);
		if (!e)
			return -ENOSPC;
	}
	n = kumem_ring_submit(r);
	if (n != (int)batch)
		return n < 0 ? n : -EIO;
	while (got < (int)batch) {
		n = kumem_ring_peek_cqes(r, &c);
		if (n <= 0)
			return n < 0 ? n : -EIO;
		for (i = 0; i < (unsigned int)n; i++)
			if (c[i].result)
				return 1;
		kumem_ring_cq_advance(r, (unsigned int)n);
		got += n;
	}
	return 0;
}

static double en_run_fn(void *ctx)
{
	struct en_run *r = ctx;
	struct kumem_ring_enter a;
	int fd = kumem_ring_fd(r->ring);
	uint64_t i, t0;
	int err = 0;

	t0 = bench_now_ns();
	for (i = 0; i < r->calls && !err; i++) {
		switch (r->row) {
		case EN_SYSCALL:
			syscall(SYS_getppid);
			break;
		case EN_ENOTTY:
			err = ioctl(fd, UNKNOWN_IOCTL) == -1 && errno == ENOTTY ? 0 : -EIO;
			break;
		case EN_EMPTY:
			memset(&a, 0, sizeof(a));
			err = ioctl(fd, KUMEM_IOC_RING_ENTER, &a) == 0 ? 0 : -errno;
			break;
		case EN_NOTHING:
			memset(&a, 0, sizeof(a));
			a.to_submit = 1;
			err = ioctl(r->raw->fd, KUMEM_IOC_RING_ENTER, &a) == 0 ? 0 : -errno;
			break;
		case EN_RAW_ONE:
			err = raw_one(r->raw);
			break;
		case EN_ONE:
			err = enter_nops(r->ring, 1);
			break;
		default:
			err = enter_nops(r->ring, 32);
			break;
		}
	}
	t0 = bench_now_ns() - t0;
	if (err) {
		cli_say("bench: %s: %s", en_name[r->row],
			err < 0 ? kumem_strerror(err) : "wrong completion");
		return 0;
	}
	return r->calls ? (double)t0 / (double)r->calls : 0;
}

int bench_enter(kumem_t *dev)
{
	struct bench_series s[NR_EN];
	char why[NR_EN][96];
	uint64_t calls[NR_EN];
	unsigned int round, rounds = bench_cfg.rounds;
	struct raw_ring raw;
	kumem_ring_t *ring;
	int row, err = 0;

	if (kumem_ring_create(dev, 256, 0, 0, &ring)) {
		cli_say("bench: enter: cannot create a ring");
		return -1;
	}
	if (raw_ring_open(&raw)) {
		cli_say("bench: enter: cannot map a ring without the library");
		raw_ring_close(&raw);
		kumem_ring_destroy(ring);
		return -1;
	}
	memset(s, 0, sizeof(s));
	memset(why, 0, sizeof(why));
	printf("\nenter: ns per call, median (min .. max) of %u rounds after a warm-up round; "
	       "the rows take turns\n",
	       rounds);
	bench_pin_self(BENCH_CPU_SELF);
	for (round = 0; round <= rounds && !err; round++) {
		for (row = 0; row < NR_EN; row++) {
			struct en_run r = { (enum enter_row)row, ring, &raw, 2000 };
			bool disturbed;
			char w[96] = "";
			double v;

			if (round)
				r.calls = calls[row];
			v = bench_run_checked(en_run_fn, &r, 0, &disturbed, w);
			if (v <= 0) {
				err = -1;
				break;
			}
			if (!round) {
				/* a fifth of --run-ms per run: seven rows */
				calls[row] = (uint64_t)(bench_cfg.run_ms * 200000.0 / v);
				if (calls[row] < 100)
					calls[row] = 100;
				continue;
			}
			if (disturbed && !why[row][0])
				memcpy(why[row], w, sizeof(w));
			bench_series_add(&s[row], v, disturbed);
		}
	}
	bench_unpin_self();
	raw_ring_close(&raw);
	kumem_ring_destroy(ring);
	if (err)
		return err;
	for (row = 0; row < NR_EN; row++)
		bench_report("enter", en_name[row], 0, "ns/call", &s[row], why[row]);
	bench_ratio("ENTER with nothing to do / ENOTTY ioctl", &s[EN_EMPTY], &s[EN_ENOTTY]);
	bench_ratio("ENTER of 1, nothing queued / ENTER with nothing to do", &s[EN_NOTHING],
		    &s[EN_EMPTY]);
	bench_ratio("ENTER of 1 NOP, no library / ENTER of 1, nothing queued", &s[EN_RAW_ONE],
		    &s[EN_NOTHING]);
	bench_ratio("ENTER of 1 NOP, reaped / the same without the library", &s[EN_ONE],
		    &s[EN_RAW_ONE]);
	bench_ratio("ENTER of 32 NOPs / ENTER of 1 NOP", &s[EN_32], &s[EN_ONE]);
	printf("  Differences of neighbouring rows are the steps: the ioctl floor, ENTER's own\n"
	       "  argument handling, the ring lock and a service call, one NOP with its completion\n"
	       "  and wake check, the library's calls, 31 more NOPs.\n");
	return 0;
}
