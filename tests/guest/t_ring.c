// SPDX-License-Identifier: MIT
/* Command rings: every op in both service modes, bad input, hostile indices, lifetime, stress. */
#include <poll.h>
#include <sys/epoll.h>
#include <pthread.h>
#include <time.h>

#include "guest_util.h"

static kumem_t *dev;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* submit one sqe and wait for its completion */
static struct kumem_cqe one(kumem_ring_t *r, struct kumem_sqe s)
{
	struct kumem_cqe c = { .result = 12345 };
	struct kumem_sqe *e = kumem_ring_get_sqe(r);

	if (!e)
		bail_out("ring full");
	*e = s;
	if (kumem_ring_submit(r) < 0 || kumem_ring_wait(r, 1, 2000000000ll) ||
	    kumem_ring_reap(r, &c, 1) != 1)
		c.result = 99999;
	return c;
}

static void every_op(unsigned flags, const char *mode)
{
	kumem_region_t *a, *b, *ro;
	kumem_ring_t *r;
	uint8_t *pa, *pb, *mem;
	struct kumem_cqe c;
	size_t i, bad = 0;

	is_int(kumem_ring_create(dev, 64, flags, 200, &r), 0, "%s: create a 64-entry ring", mode);
	is_int(kumem_alloc_shared(dev, 8192, KUMEM_USER_READ | KUMEM_USER_WRITE, &a), 0,
	       "%s: region a", mode);
	mem = anon(3 * 4096, PROT_READ | PROT_WRITE, true);
	is_int(kumem_lock_user(dev, mem + 100, 8000, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &b), 0,
	       "%s: region b (method 1)", mode);
	is_int(kumem_lock_user(dev, mem, 100, KUMEM_KERNEL_READ, &ro), 0, "%s: read-only lock",
	       mode);
	pa = kumem_region_addr(a);
	pb = kumem_region_addr(b);

	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 7 });
	ok(c.result == 0 && c.user_data == 7, "%s: NOP completes with its user_data", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
				       .region = kumem_region_id(a),
				       .offset = 10,
				       .len = 5000,
				       .value = 0x6b,
				       .user_data = 8 });
	for (i = 0; i < 8192; i++)
		bad += pa[i] != (i >= 10 && i < 5010 ? 0x6b : 0);
	ok(c.result == 0 && bad == 0, "%s: FILL lands in the shared region", mode);
	fill_pattern(pa, 8192, 5);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM,
				       .region = kumem_region_id(a),
				       .offset = 3,
				       .len = 8000 });
	ok(c.result == 0 && c.value == kumem_checksum(pa + 3, 8000), "%s: CHECKSUM", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
				       .region = kumem_region_id(a),
				       .offset = 1,
				       .len = 7000,
				       .dst_region = kumem_region_id(b),
				       .dst_offset = 500 });
	ok(c.result == 0 && memcmp(pb + 500, pa + 1, 7000) == 0,
	   "%s: COPY region to region (method 2 -> method 1)", mode);

	/* bad submissions fail alone, the ring goes on */
	c = one(r, (struct kumem_sqe){ .op = 9 });
	is_int(c.result, -EINVAL, "%s: unknown op -> EINVAL completion", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM, .region = 999999, .len = 1 });
	is_int(c.result, -ENOENT, "%s: unknown region -> ENOENT completion", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
				       .region = kumem_region_id(a),
				       .offset = 8000,
				       .len = 193 });
	is_int(c.result, -ERANGE, "%s: past the region -> ERANGE completion", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM,
				       .region = kumem_region_id(a),
				       .offset = UINT64_MAX,
				       .len = 2 });
	is_int(c.result, -ERANGE, "%s: offset+len overflow -> ERANGE", mode);
	c = one(r,
		(struct kumem_sqe){ .op = KUMEM_OP_FILL, .region = kumem_region_id(ro), .len = 1 });
	is_int(c.result, -EACCES, "%s: FILL of a read-only lock -> EACCES", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
				       .region = kumem_region_id(a),
				       .len = 1,
				       .dst_region = kumem_region_id(ro) });
	is_int(c.result, -EACCES, "%s: COPY into a read-only lock -> EACCES", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
				       .region = kumem_region_id(a),
				       .len = 1,
				       .value = 256 });
	is_int(c.result, -EINVAL, "%s: fill value 256 -> EINVAL", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .reserved = { 1, 0 } });
	is_int(c.result, -EINVAL, "%s: reserved field set -> EINVAL", mode);
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 77 });
	ok(c.result == 0 && c.user_data == 77, "%s: the ring still works after bad entries", mode);

	/* poll() reports completions */
	{
		struct pollfd p = { .fd = kumem_ring_fd(r), .events = POLLIN };
		struct kumem_sqe *e = kumem_ring_get_sqe(r);

		is_int(poll(&p, 1, 0), 0, "%s: poll: nothing ready", mode);
		e->op = KUMEM_OP_NOP;
		kumem_ring_submit(r);
		ok(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN), "%s: poll: a completion", mode);
		kumem_ring_reap(r, &c, 1);
	}
	/* and epoll */
	{
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct kumem_sqe *e;

		ok(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, kumem_ring_fd(r), &ev) == 0,
		   "%s: the ring fd joins an epoll set", mode);
		is_int(epoll_wait(ep, &out, 1, 0), 0, "%s: epoll: nothing ready", mode);
		e = kumem_ring_get_sqe(r);
		e->op = KUMEM_OP_NOP;
		kumem_ring_submit(r);
		ok(epoll_wait(ep, &out, 1, 2000) == 1 && (out.events & EPOLLIN),
		   "%s: epoll: a completion wakes it", mode);
		kumem_ring_reap(r, &c, 1);
		close(ep);
	}
	is_int(kumem_ring_wait(r, 1, 1000000), -ETIMEDOUT,
	       "%s: wait with nothing pending times out", mode);
	kumem_ring_destroy(r);
	kumem_region_release(a);
	kumem_region_release(b);
	kumem_region_release(ro);
	munmap(mem, 3 * 4096);
}

static void bad_create(void)
{
	int fd = raw_open();
	struct kumem_ring_create a;

	memset(&a, 0, sizeof(a));
	a.sq_entries = 48;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL,
	       "entries not a power of two -> EINVAL");
	a.sq_entries = 0;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "0 entries -> EINVAL");
	a.sq_entries = KUMEM_RING_MAX_ENTRIES * 2;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "too many entries -> EINVAL");
	a.sq_entries = 64;
	a.cq_entries = 32;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "CQ smaller than SQ -> EINVAL");
	a.cq_entries = 0;
	a.flags = 0x80;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "unknown flag -> EINVAL");
	a.flags = 0;
	a.event_handle = 1;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "a Windows event handle -> EINVAL");
	a.event_handle = 0;
	a.reserved0 = 1;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "reserved field -> EINVAL");
	a.reserved0 = 0;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, (void *)16), -EFAULT, "bad pointer -> EFAULT");
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), 0, "a good one");
	{
		void *m = mmap(NULL, a.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, a.ring_fd, 0);

		ok(m == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE of the ring -> EINVAL");
		m = mmap(NULL, a.map_len + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, a.ring_fd, 0);
		ok(m == MAP_FAILED && errno == EINVAL, "wrong size -> EINVAL");
	}
	close(a.ring_fd);
	close(fd);
}

/* The user scribbles over the indices: the kernel stops serving, nothing breaks. */
static void hostile(unsigned flags, const char *mode)
{
	struct kumem_ring_create a = { .sq_entries = 16, .flags = flags, .idle_us = 100 };
	struct kumem_ring_enter en = { 0 };
	struct kumem_ring_ctrl *ctrl;
	int fd = raw_open(), err;

	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), 0, "%s: raw ring", mode);
	ok(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, a.ring_fd, 0) == MAP_FAILED,
	   "%s: a partial mapping of the ring is refused", mode);
	ctrl = mmap(NULL, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, a.ring_fd, 0);
	ok(ctrl != MAP_FAILED, "%s: map it whole", mode);
	((struct kumem_sqe *)((char *)ctrl + a.sq_offset))->op = KUMEM_OP_NOP;
	__atomic_store_n(&ctrl->sq_tail, 1, __ATOMIC_RELEASE);
	en.to_submit = 1;
	en.flags = KUMEM_ENTER_GETEVENTS | ((flags & KUMEM_RING_SQPOLL) ? KUMEM_ENTER_WAKEUP : 0);
	en.min_complete = 1;
	en.timeout_ns = 1000000000ll;
	is_int(rioctl(a.ring_fd, KUMEM_IOC_RING_ENTER, &en), 0, "%s: one good entry", mode);
	is_int(en.submitted, (flags & KUMEM_RING_SQPOLL) ? 0 : 1,
	       "%s: consumed by ENTER (enter mode) or by the thread (SQPOLL)", mode);
	is_int(ctrl->cq_tail, 1, "%s: its completion is posted", mode);
	ctrl->cq_head = 1;
	ctrl->sq_tail = 1000; /* far past the capacity */
	en.flags = KUMEM_ENTER_WAKEUP;
	en.min_complete = 0;
	err = rioctl(a.ring_fd, KUMEM_IOC_RING_ENTER, &en);
	if (flags & KUMEM_RING_SQPOLL) {
		usleep(200000);
		en.flags = KUMEM_ENTER_GETEVENTS;
		en.min_complete = 1;
		err = rioctl(a.ring_fd, KUMEM_IOC_RING_ENTER, &en);
	}
	is_int(err, -EBADFD, "%s: corrupt sq_tail -> the ring is dead (EBADFD)", mode);
	ok(ctrl->sq_flags & KUMEM_RING_DEAD, "%s: and says so in sq_flags", mode);
	{
		struct pollfd p = { .fd = a.ring_fd, .events = POLLIN };

		ok(poll(&p, 1, 0) == 1 && (p.revents & POLLERR), "%s: poll reports POLLERR", mode);
	}
	ctrl->cq_head = 0x80000000u; /* nonsense from the consumer side too */
	munmap(ctrl, a.map_len);
	close(a.ring_fd);
	close(fd);
}

static int blocked_waiter(void *arg)
{
	kumem_ring_t *r;
	kumem_t *d;

	(void)arg;
	if (kumem_open(&d) || kumem_ring_create(d, 8, KUMEM_RING_SQPOLL, 100, &r))
		return 2;
	kumem_ring_wait(r, 1, -1); /* nothing will come: blocks until killed */
	return 3;
}

struct stress {
	kumem_ring_t *r;
	kumem_region_t *reg;
	uint64_t done, bad;
	volatile int stop;
};

static void stress(unsigned flags, const char *mode, int seconds)
{
	struct stress s = { 0 };
	struct kumem_cqe cq[64];
	uint64_t end, sent = 0, got = 0;
	uint8_t *p;

	kumem_ring_create(dev, 256, flags, 2000, &s.r);
	kumem_alloc_shared(dev, 1 << 16, KUMEM_USER_READ | KUMEM_USER_WRITE, &s.reg);
	p = kumem_region_addr(s.reg);
	fill_pattern(p, 1 << 16, 9);
	end = now_ns() + (uint64_t)seconds * 1000000000ull;
	while (now_ns() < end) {
		struct kumem_sqe *e;
		int n, i;

		while ((e = kumem_ring_get_sqe(s.r))) {
			e->op = (sent & 3) ? KUMEM_OP_NOP : KUMEM_OP_CHECKSUM;
			e->region = kumem_region_id(s.reg);
			e->offset = sent % 4096;
			e->len = 64;
			e->user_data = sent++;
		}
		if (kumem_ring_submit(s.r) < 0)
			break;
		kumem_ring_wait(s.r, 1, 100000000ll);
		n = kumem_ring_reap(s.r, cq, 64);
		for (i = 0; i < n; i++, got++) {
			uint64_t u = cq[i].user_data;

			if (u != got || cq[i].result ||
			    ((u & 3) == 0 && cq[i].value != kumem_checksum(p + u % 4096, 64)))
				s.bad++;
		}
	}
	while (got < sent && kumem_ring_wait(s.r, 1, 1000000000ll) == 0) {
		int n = kumem_ring_reap(s.r, cq, 64), i;

		for (i = 0; i < n; i++, got++)
			if (cq[i].user_data != got)
				s.bad++;
	}
	diag("%s stress: %llu entries in %d s", mode, (unsigned long long)got, seconds);
	ok(got == sent && got > 1000, "%s stress: every submission completed (%llu)", mode,
	   (unsigned long long)got);
	is_int(s.bad, 0, "%s stress: in order, checksums right", mode);
	kumem_ring_destroy(s.r);
	kumem_region_release(s.reg);
}

int main(void)
{
	struct kumem_stats base;
	pid_t pid;
	int st;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	every_op(0, "enter");
	every_op(KUMEM_RING_SQPOLL, "sqpoll");
	bad_create();
	hostile(0, "enter");
	hostile(KUMEM_RING_SQPOLL, "sqpoll");

	/* kill -9 while blocked in ENTER(GETEVENTS) with an SQPOLL thread running */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(blocked_waiter(NULL));
	usleep(300000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "a blocked waiter dies with SIGKILL");

	/* close the ring fd while its thread is polling */
	{
		kumem_ring_t *r;
		struct kumem_sqe *e;

		kumem_ring_create(dev, 8, KUMEM_RING_SQPOLL, 1000000, &r);
		e = kumem_ring_get_sqe(r);
		e->op = KUMEM_OP_NOP;
		kumem_ring_submit(r);
		kumem_ring_destroy(r);
		ok(1, "closing a ring while its thread busy-polls returns");
	}
	stress(0, "enter", 5);
	stress(KUMEM_RING_SQPOLL, "sqpoll", 5);
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
