// SPDX-License-Identifier: MIT
/* Command rings: every op in both service modes, bad input, hostile indices, lifetime, stress. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
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

/* Fill @n batch slots with NOPs numbered from @first (a whole entry each: slots hold old data). */
static void nops_at(struct kumem_sqe *s, unsigned n, uint64_t first)
{
	unsigned i;

	for (i = 0; i < n; i++)
		s[i] = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = first + i };
}

/* Check @n in-place completions: user_data from @first, result 0. */
static bool cqes_are(const struct kumem_cqe *c, int n, uint64_t first)
{
	int i;

	for (i = 0; i < n; i++)
		if (c[i].user_data != first + (uint64_t)i || c[i].result != 0)
			return false;
	return true;
}

/* kumem_ring_get_sqes() / peek_cqes() / cq_advance(): runs, the wrap, full, empty. */
static void batch_api(unsigned flags, const char *mode)
{
	struct kumem_sqe *s1, *s2, *one_sqe;
	struct kumem_ring_create info;
	const struct kumem_cqe *c;
	struct kumem_ring_ctrl *ctrl;
	kumem_ring_t *r;
	int n;

	is_int(kumem_ring_create(dev, 8, flags, 200, &r), 0, "%s batch: an 8-entry ring", mode);
	is_int(rioctl(kumem_ring_fd(r), KUMEM_IOC_RING_INFO, &info), 0, "%s batch: its layout",
	       mode);
	is_int(kumem_ring_peek_cqes(r, &c), 0, "%s batch: no completions yet", mode);
	is_int(kumem_ring_get_sqes(r, 100, &s1), 8, "%s batch: the whole empty SQ in one run",
	       mode);
	ctrl = (struct kumem_ring_ctrl *)((uint8_t *)s1 - info.sq_offset);
	nops_at(s1, 8, 0);
	is_int(kumem_ring_get_sqes(r, 1, &s2), 0, "%s batch: then it is full", mode);
	ok(kumem_ring_get_sqe(r) == NULL, "%s batch: for get_sqe too", mode);
	is_int(kumem_ring_submit(r), 8, "%s batch: submit publishes all 8", mode);
	is_int(kumem_ring_wait(r, 8, 2000000000ll), 0, "%s batch: 8 completions", mode);
	n = kumem_ring_peek_cqes(r, &c);
	ok(n == 8 && cqes_are(c, n, 0), "%s batch: peeked in place, in order", mode);
	kumem_ring_cq_advance(r, 5);
	n = kumem_ring_peek_cqes(r, &c);
	ok(n == 3 && cqes_are(c, n, 5), "%s batch: advance gives back only 5", mode);
	kumem_ring_cq_advance(r, 3);
	is_int(kumem_ring_peek_cqes(r, &c), 0, "%s batch: all given back", mode);

	/* move the SQ to slot 5 and the CQ to slot 13, then cross both wraps */
	is_int(kumem_ring_get_sqes(r, 5, &s1), 5, "%s batch: 5 more", mode);
	nops_at(s1, 5, 8);
	kumem_ring_submit(r);
	kumem_ring_wait(r, 5, 2000000000ll);
	n = kumem_ring_peek_cqes(r, &c);
	ok(n == 5 && cqes_are(c, n, 8), "%s batch: and their completions", mode);
	kumem_ring_cq_advance(r, (unsigned)n);
	is_int(kumem_ring_get_sqes(r, 8, &s1), 3, "%s batch: a run stops at the wrap (3)", mode);
	is_int(kumem_ring_get_sqes(r, 8, &s2), 5, "%s batch: the next starts at slot 0 (5)", mode);
	ok(s2 + 5 == s1, "%s batch: slot 0 follows the wrap", mode);
	nops_at(s1, 3, 13);
	nops_at(s2, 5, 16);
	s2[1].flags = 1; /* entry 17 is malformed: its completion says so, alone */
	is_int(kumem_ring_submit(r), 8, "%s batch: both runs submitted at once", mode);
	kumem_ring_wait(r, 8, 2000000000ll);
	n = kumem_ring_peek_cqes(r, &c);
	ok(n == 3 && cqes_are(c, n, 13), "%s batch: completions up to the CQ's wrap", mode);
	kumem_ring_cq_advance(r, 3);
	n = kumem_ring_peek_cqes(r, &c);
	ok(n == 5 && c[0].user_data == 16 && c[0].result == 0 && c[1].user_data == 17 &&
		   c[1].result == -EINVAL && cqes_are(c + 2, 3, 18),
	   "%s batch: the rest from slot 0, the malformed one -EINVAL", mode);
	kumem_ring_cq_advance(r, 5);

	/* get_sqe and get_sqes share the slots they hand out */
	one_sqe = kumem_ring_get_sqe(r);
	one_sqe->op = KUMEM_OP_NOP;
	one_sqe->user_data = 21;
	is_int(kumem_ring_get_sqes(r, 2, &s1), 2, "%s batch: two more after a get_sqe", mode);
	ok(s1 == one_sqe + 1, "%s batch: right after it", mode);
	nops_at(s1, 2, 22);
	is_int(kumem_ring_submit(r), 3, "%s batch: submit publishes all three", mode);
	kumem_ring_wait(r, 3, 2000000000ll);
	n = kumem_ring_peek_cqes(r, &c);
	ok(n == 3 && cqes_are(c, n, 21), "%s batch: completed in order", mode);
	kumem_ring_cq_advance(r, 3);

	/* the library does not trust a completion index that cannot be */
	ctrl->cq_tail += 1000;
	is_int(kumem_ring_peek_cqes(r, &c), -EBADFD, "%s batch: corrupt cq_tail -> EBADFD", mode);
	kumem_ring_destroy(r);
}

/* The kernel thread of the ring created last by this process (comm "kumem-sqpoll/<pid>",
 * cut to 15 characters): its pid, or -1. */
static pid_t sqpoll_thread(void)
{
	char want[32], path[64], comm[32];
	pid_t pid, found = -1;
	DIR *d = opendir("/proc");
	struct dirent *de;

	snprintf(want, sizeof(want), "kumem-sqpoll/%d", (int)getpid());
	want[15] = '\0';
	while (d && (de = readdir(d))) {
		FILE *f;

		pid = (pid_t)atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, want, strlen(want)) &&
		    pid > found)
			found = pid;
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* Write @v to a sysfs/proc file; 0 or -errno. */
static int write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* KUMEM_RING_SQ_AFF: the thread runs where it is told, and only on a CPU that is online. */
static void sq_affinity(void)
{
	static const char cpu1[] = "/sys/devices/system/cpu/cpu1/online";
	struct kumem_ring_params p = { .sq_entries = 16,
				       .flags = KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF,
				       .idle_us = 100,
				       .sq_cpu = 1 };
	cpu_set_t mine, only0, got;
	struct kumem_cqe c;
	kumem_ring_t *r;
	pid_t t;

	/* the guest has two vCPUs; fewer is a harness problem, and a failure, not a skip */
	if (!ok(sysconf(_SC_NPROCESSORS_ONLN) >= 2, "SQ_AFF: two CPUs to choose from"))
		return;
	/* the usual set-up: the submitting thread on CPU 0, the kernel's on CPU 1 */
	sched_getaffinity(0, sizeof(mine), &mine);
	CPU_ZERO(&only0);
	CPU_SET(0, &only0);
	sched_setaffinity(0, sizeof(only0), &only0);
	is_int(kumem_ring_create_params(dev, &p, &r), 0,
	       "SQ_AFF: a caller on CPU 0 puts its ring's thread on CPU 1");
	/* served first, so the thread has started: kernels since 6.14 re-affine an unbound
	 * kthread when it starts, which is what undid SQ_AFF there */
	c = one(r, (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 5 });
	ok(c.result == 0 && c.user_data == 5, "SQ_AFF: the thread serves the ring");
	t = sqpoll_thread();
	CPU_ZERO(&got);
	ok(t > 0 && sched_getaffinity(t, sizeof(got), &got) == 0 && CPU_COUNT(&got) == 1 &&
		   CPU_ISSET(1, &got),
	   "SQ_AFF: the kernel thread (pid %d) may run on CPU 1 only", (int)t);
	kumem_ring_destroy(r);
	sched_setaffinity(0, sizeof(mine), &mine);

	/* an offline CPU: the thread was made, is never run, and goes again */
	if (!ok(write_file(cpu1, "0") == 0, "SQ_AFF: take CPU 1 offline"))
		return;
	is_int(kumem_ring_create_params(dev, &p, &r), -EINVAL, "SQ_AFF: an offline CPU -> EINVAL");
	/* a thread that was made and stopped is reaped, and leaves /proc, asynchronously */
	if (!ok(wait_until(ASYNC_BOUND_MS, sqpoll_thread() < 0),
		"SQ_AFF: and no thread is left behind (within %d ms)", ASYNC_BOUND_MS))
		diag("  still there: pid %d (kumem-sqpoll/%d)", (int)sqpoll_thread(), (int)getpid());
	ok(write_file(cpu1, "1") == 0, "SQ_AFF: CPU 1 back online");
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
	a.sq_cpu = 1;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "sq_cpu without SQ_AFF -> EINVAL");
	a.flags = KUMEM_RING_SQ_AFF;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL, "SQ_AFF without SQPOLL -> EINVAL");
	a.flags = KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF;
	a.sq_cpu = 4096;
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), -EINVAL,
	       "SQ_AFF on a CPU not there -> EINVAL");
	a.sq_cpu = 0;
	a.flags = 0;
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
		/* the thread finds the bad index when it next looks, not during the call */
		ok(wait_until(ASYNC_BOUND_MS, ctrl->sq_flags & KUMEM_RING_DEAD),
		   "%s: the thread marks the ring dead (within %d ms)", mode, ASYNC_BOUND_MS);
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

/*
 * KUMEM_IOC_RING_SUBMIT, raw: the count is the argument, the result the return value, and
 * nothing of the caller's memory is touched (the argument is not a pointer: an address there
 * is just a very large count). The library's rows above go through it as well.
 */
static void submit_ioctl(unsigned flags, const char *mode)
{
	struct kumem_ring_create a = { .sq_entries = 16, .flags = flags, .idle_us = 100 };
	struct kumem_info info;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
	struct kumem_cqe *cq;
	int fd = raw_open(), i;
	bool sqpoll = flags & KUMEM_RING_SQPOLL;

	is_int(rioctl(fd, KUMEM_IOC_VERSION, &info), 0, "%s: version", mode);
	ok(info.features & KUMEM_FEAT_RING_SUBMIT, "%s: the module offers RING_SUBMIT", mode);
	is_int(rioctl(fd, KUMEM_IOC_RING_CREATE, &a), 0, "%s: raw ring of 16 (CQ 32)", mode);
	ctrl = mmap(NULL, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, a.ring_fd, 0);
	if (!ok(ctrl != MAP_FAILED, "%s: mapped", mode))
		bail_out("mmap");
	sq = (struct kumem_sqe *)((char *)ctrl + a.sq_offset);
	cq = (struct kumem_cqe *)((char *)ctrl + a.cq_offset);
	is_int(ioctl(fd, KUMEM_IOC_RING_SUBMIT, 1ul) < 0 ? -errno : 0, -ENOTTY,
	       "%s: not an ioctl of /dev/kumem itself (ENOTTY)", mode);
	is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 4ul), 0, "%s: nothing queued -> 0", mode);
	for (i = 0; i < 10; i++)
		sq[i] = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 100 + (uint64_t)i };
	__atomic_store_n(&ctrl->sq_tail, 10, __ATOMIC_RELEASE);
	is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 0ul), 0, "%s: a count of 0 -> 0", mode);
	errno = 0;
	is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 0x100000000ul) < 0 ? -errno : 0,
	       sizeof(long) > 4 ? -EINVAL : 0, "%s: a count above UINT32_MAX -> EINVAL", mode);
	if (sqpoll) {
		/* the thread consumes; SUBMIT, like ENTER, consumes nothing here */
		struct kumem_ring_enter w = { .flags = KUMEM_ENTER_WAKEUP };

		is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 3ul), 0, "%s: SUBMIT -> 0", mode);
		rioctl(a.ring_fd, KUMEM_IOC_RING_ENTER, &w);
		ok(wait_until(ASYNC_BOUND_MS, __atomic_load_n(&ctrl->cq_tail, __ATOMIC_ACQUIRE) == 10),
		   "%s: the thread posts all 10", mode);
	} else {
		is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 3ul), 3, "%s: SUBMIT(3) -> 3", mode);
		is_int(ctrl->sq_head, 3, "%s: three consumed", mode);
		is_int(ctrl->cq_tail, 3, "%s: three completions", mode);
		is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 100ul), 7,
		       "%s: SUBMIT(100) -> the 7 left", mode);
	}
	for (i = 0; i < 10; i++)
		if (cq[i].user_data != 100 + (uint64_t)i || cq[i].result)
			break;
	is_int(i, 10, "%s: every completion in order, each a success", mode);
	/* an ill-formed entry completes with its error, as through ENTER */
	sq[10] = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .flags = 1, .user_data = 7 };
	__atomic_store_n(&ctrl->sq_tail, 11, __ATOMIC_RELEASE);
	if (!sqpoll) {
		is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 1ul), 1, "%s: a bad entry", mode);
		is_int(cq[10].result, -EINVAL, "%s: completes with EINVAL", mode);
		/* impossible indices: the ring is dead, as through ENTER */
		ctrl->sq_tail = 1000;
		is_int(ioctl(a.ring_fd, KUMEM_IOC_RING_SUBMIT, 1ul) < 0 ? -errno : 0, -EBADFD,
		       "%s: corrupt sq_tail -> EBADFD", mode);
		ok(ctrl->sq_flags & KUMEM_RING_DEAD, "%s: the ring says it is dead", mode);
	}
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
	const uint8_t *p;
	uint64_t sent, got, bad;
};

/* Every fourth entry a CHECKSUM of 64 bytes at a moving offset, the rest NOPs. */
static struct kumem_sqe stress_entry(const struct stress *s, uint64_t seq)
{
	return (struct kumem_sqe){
		.op = (seq & 3) ? KUMEM_OP_NOP : KUMEM_OP_CHECKSUM,
		.region = kumem_region_id(s->reg),
		.offset = seq % 4096,
		.len = 64,
		.user_data = seq,
	};
}

static void stress_check(struct stress *s, const struct kumem_cqe *c)
{
	uint64_t u = c->user_data;

	if (u != s->got || c->result ||
	    ((u & 3) == 0 && c->value != kumem_checksum(s->p + u % 4096, 64)))
		s->bad++;
	s->got++;
}

/* Fill the SQ: one kumem_ring_get_sqe() per entry, or runs from kumem_ring_get_sqes(). */
static void stress_queue(struct stress *s, bool batch)
{
	struct kumem_sqe *e;
	unsigned n, i;

	if (!batch) {
		while ((e = kumem_ring_get_sqe(s->r)))
			*e = stress_entry(s, s->sent++);
		return;
	}
	while ((n = kumem_ring_get_sqes(s->r, 64, &e)) > 0)
		for (i = 0; i < n; i++)
			e[i] = stress_entry(s, s->sent++);
}

/* Take what is ready: copies from kumem_ring_reap(), or in place from peek_cqes(). */
static void stress_reap(struct stress *s, bool batch)
{
	struct kumem_cqe cq[64];
	const struct kumem_cqe *c;
	int n, i;

	do {
		if (batch) {
			n = kumem_ring_peek_cqes(s->r, &c);
		} else {
			n = kumem_ring_reap(s->r, cq, 64);
			c = cq;
		}
		for (i = 0; i < n; i++)
			stress_check(s, &c[i]);
		if (batch && n > 0)
			kumem_ring_cq_advance(s->r, (unsigned)n);
	} while (n > 0);
	if (n < 0)
		s->bad++;
}

/* One submitter's run: its own ring and region, @seconds of traffic, then drain. */
struct stress_run {
	unsigned flags;
	bool batch;
	int seconds;
	struct stress s;
};

static void *stress_thread(void *arg)
{
	struct stress_run *run = arg;
	struct stress *s = &run->s;
	uint64_t end;

	if (kumem_ring_create(dev, 256, run->flags, 2000, &s->r) ||
	    kumem_alloc_shared(dev, 1 << 16, KUMEM_USER_READ | KUMEM_USER_WRITE, &s->reg)) {
		s->bad++;
		return NULL;
	}
	s->p = kumem_region_addr(s->reg);
	fill_pattern(kumem_region_addr(s->reg), 1 << 16, 9);
	end = now_ns() + (uint64_t)run->seconds * 1000000000ull;
	while (now_ns() < end) {
		stress_queue(s, run->batch);
		if (kumem_ring_submit(s->r) < 0)
			break;
		kumem_ring_wait(s->r, 1, 100000000ll);
		stress_reap(s, run->batch);
	}
	while (s->got < s->sent && kumem_ring_wait(s->r, 1, 1000000000ll) == 0)
		stress_reap(s, run->batch);
	kumem_ring_destroy(s->r);
	kumem_region_release(s->reg);
	return NULL;
}

/*
 * @seconds of traffic with both vCPUs busy: in enter mode two submitters, each with its own
 * ring on the same /dev/kumem file (one through the per-entry calls, one through the batch
 * calls); with SQPOLL one submitter (batch calls) and the kernel thread.
 */
static void stress(unsigned flags, const char *mode, int seconds)
{
	struct stress_run runs[2] = {
		{ .flags = flags, .batch = true, .seconds = seconds },
		{ .flags = flags, .batch = false, .seconds = seconds },
	};
	int i, n = (flags & KUMEM_RING_SQPOLL) ? 1 : 2;
	pthread_t t;

	if (n == 2 && pthread_create(&t, NULL, stress_thread, &runs[1]))
		bail_out("pthread_create");
	stress_thread(&runs[0]);
	if (n == 2)
		pthread_join(t, NULL);
	for (i = 0; i < n; i++) {
		struct stress *s = &runs[i].s;
		const char *calls = runs[i].batch ? "batch calls" : "per-entry calls";

		diag("%s stress (%s): %llu entries in %d s", mode, calls,
		     (unsigned long long)s->got, seconds);
		ok(s->got == s->sent && s->got > 1000,
		   "%s stress (%s): every submission completed (%llu)", mode, calls,
		   (unsigned long long)s->got);
		is_int(s->bad, 0, "%s stress (%s): in order, checksums right", mode, calls);
	}
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
	batch_api(0, "enter");
	batch_api(KUMEM_RING_SQPOLL, "sqpoll");
	bad_create();
	sq_affinity();
	hostile(0, "enter");
	hostile(KUMEM_RING_SQPOLL, "sqpoll");
	submit_ioctl(0, "enter");
	submit_ioctl(KUMEM_RING_SQPOLL, "sqpoll");

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

		is_int(kumem_ring_create(dev, 8, KUMEM_RING_SQPOLL, 1000000, &r), 0,
		       "a ring whose thread busy-polls for a second");
		e = kumem_ring_get_sqe(r);
		e->op = KUMEM_OP_NOP;
		kumem_ring_submit(r);
		ok(sqpoll_thread() > 0, "its thread runs");
		kumem_ring_destroy(r);
		ok(wait_until(ASYNC_BOUND_MS, sqpoll_thread() < 0),
		   "closing the ring while its thread busy-polls stops the thread (within %d ms)",
		   ASYNC_BOUND_MS);
	}
	stress(0, "enter", 5);
	stress(KUMEM_RING_SQPOLL, "sqpoll", 5);
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
