// SPDX-License-Identifier: MIT
/*
 * What one process may make a ring do: every batch is bounded and killable (a SIGKILLed
 * submitter with GiBs queued is reaped at once, and so is a second submitter waiting for the
 * ring), and the kernel threads SQPOLL starts are bounded in number and in idle polling.
 */
#include <grp.h>
#include <sched.h>
#include <time.h>

#include "guest_util.h"

#define BIG_REGION (64ull << 20) /* one FILL: as large as a region of the default limits */
#define QUEUED	   1024u	 /* 1024 x 64 MiB = 64 GiB queued */
#define REAP_LIMIT_MS 5000	 /* "a few seconds at most, even under emulation" */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Wait for @pid to be reaped, polling for at most @limit_ms: the milliseconds it took, or -1
 * if it had not gone by then (the child is then killed and reaped for good, untimed).
 */
static long reap_within(pid_t pid, long limit_ms, int *status)
{
	uint64_t t0 = now_ns();
	struct timespec tick = { 0, 1000000 };

	for (;;) {
		pid_t got = waitpid(pid, status, WNOHANG);
		long ms = (long)((now_ns() - t0) / 1000000);

		if (got == pid)
			return ms;
		if (got < 0)
			bail_out("waitpid %d: %s", (int)pid, strerror(errno));
		if (ms > limit_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
}

/* Queue @n FILLs of the whole of @region on @r, published but not entered. */
static void queue_fills(kumem_ring_t *r, kumem_region_t *region, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct kumem_sqe *e = kumem_ring_get_sqe(r);

		if (!e)
			bail_out("ring full after %u", i);
		*e = (struct kumem_sqe){ .op = KUMEM_OP_FILL,
					 .region = kumem_region_id(region),
					 .len = BIG_REGION,
					 .value = i & 0xff,
					 .user_data = i };
	}
}

/* Loop on ENTER(to_submit = everything queued) until killed. */
static void __attribute__((noreturn)) enter_forever(int ring_fd)
{
	for (;;) {
		struct kumem_ring_enter a = { .to_submit = QUEUED };

		if (ioctl(ring_fd, KUMEM_IOC_RING_ENTER, &a) < 0 && errno != EINTR)
			_exit(4);
	}
}

/*
 * A submitter with 64 GiB of FILLs queued in enter mode, and a second process entering the
 * same ring (it inherited the fd): both must go within REAP_LIMIT_MS of their SIGKILL. Before
 * the fix the first ran its whole batch (about 45 s under TCG) and the second sat in D state
 * on the ring's mutex all that time.
 */
static void submitters(void *arg, int ready_fd)
{
	kumem_t *d = open_or_bail();
	kumem_region_t *big;
	kumem_ring_t *r;
	pid_t b;

	(void)arg;
	if (kumem_alloc_shared(d, BIG_REGION, KUMEM_USER_READ | KUMEM_USER_WRITE, &big) ||
	    kumem_ring_create(d, QUEUED, 0, 0, &r))
		_exit(2);
	queue_fills(r, big, QUEUED);
	b = fork(); /* the second submitter: same ring fd, entering from the start */
	if (b == 0)
		enter_forever(kumem_ring_fd(r));
	if (b < 0 || write(ready_fd, &b, sizeof(b)) != sizeof(b))
		_exit(3);
	kumem_ring_submit(r); /* publish, and enter once */
	enter_forever(kumem_ring_fd(r));
}

static void killed_submitters(void)
{
	int st;
	pid_t a, b;
	long ms;

	a = fork_ready(submitters, NULL, &b, sizeof(b));
	usleep(300 * 1000); /* both are in the kernel now: one runs a batch, one waits for it */

	/* b is not our child: it is killed, and its end seen as its /proc entry going away */
	kill(b, SIGKILL);
	{
		uint64_t t0 = now_ns();
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)b);
		ms = -1;
		while ((now_ns() - t0) / 1000000 < REAP_LIMIT_MS) {
			FILE *f = fopen(path, "r");
			char state = '?';
			int pid;

			/* gone, or a zombie waiting for a (so it has left the kernel) */
			if (!f || (fscanf(f, "%d %*s %c", &pid, &state) == 2 && state == 'Z')) {
				ms = (long)((now_ns() - t0) / 1000000);
				if (f)
					fclose(f);
				break;
			}
			fclose(f);
			usleep(1000);
		}
	}
	ok(ms >= 0, "a second submitter waiting for the ring dies on SIGKILL (%ld ms)", ms);
	kill(a, SIGKILL);
	ms = reap_within(a, REAP_LIMIT_MS, &st);
	ok(ms >= 0 && WIFSIGNALED(st),
	   "a submitter with 64 GiB of FILLs queued is reaped after SIGKILL (%ld ms)", ms);
	diag("kill-to-reap, enter mode: %ld ms", ms);
}

/* The same with an SQPOLL ring: its thread stops within a chunk when the ring goes away. */
static void sqpoll_owner(void *arg, int ready_fd)
{
	kumem_t *d = open_or_bail();
	kumem_region_t *big;
	kumem_ring_t *r;
	char c = 1;

	(void)arg;
	if (kumem_alloc_shared(d, BIG_REGION, KUMEM_USER_READ | KUMEM_USER_WRITE, &big) ||
	    kumem_ring_create(d, QUEUED, KUMEM_RING_SQPOLL, 1000, &r))
		_exit(2);
	queue_fills(r, big, QUEUED);
	kumem_ring_submit(r); /* wakes the thread if it sleeps */
	if (write(ready_fd, &c, 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

static void killed_sqpoll_owner(void)
{
	int st;
	char c;
	pid_t a;
	long ms;

	a = fork_ready(sqpoll_owner, NULL, &c, 1);
	usleep(300 * 1000);
	kill(a, SIGKILL);
	ms = reap_within(a, REAP_LIMIT_MS, &st);
	ok(ms >= 0 && WIFSIGNALED(st),
	   "the owner of a busy SQPOLL ring (64 GiB queued) is reaped after SIGKILL (%ld ms)", ms);
	diag("kill-to-reap, SQPOLL: %ld ms", ms);
}

/* One ENTER consumes at most a batch's worth (64 MiB) and says how many it took. */
static void short_count(void)
{
	kumem_t *d = open_or_bail();
	kumem_region_t *big;
	kumem_ring_t *r;
	struct kumem_ring_enter a = { .to_submit = 8 };
	struct kumem_cqe c[8];
	int got, total;

	if (kumem_alloc_shared(d, BIG_REGION, KUMEM_USER_READ | KUMEM_USER_WRITE, &big) ||
	    kumem_ring_create(d, 8, 0, 0, &r))
		bail_out("short_count set-up");
	queue_fills(r, big, 8);
	got = kumem_ring_submit(r); /* publishes all eight and enters once */
	is_int(got, 8, "eight 64 MiB FILLs published");
	total = kumem_ring_reap(r, c, 8);
	is_int(total, 1, "one ENTER ran one batch's worth: one 64 MiB FILL");
	total += ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_ENTER, &a) < 0 ? 0 : (int)a.submitted;
	is_int(a.submitted, 1, "the next ENTER takes the next one");
	while (total < 8) {
		a = (struct kumem_ring_enter){ .to_submit = 8 };
		if (ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_ENTER, &a) < 0 || !a.submitted)
			break;
		total += (int)a.submitted;
	}
	is_int(total, 8, "the rest stayed queued and ran on later calls");
	/* a caller that waits for all of them is served batch after batch, not left waiting */
	queue_fills(r, big, 8);
	kumem_ring_submit(r);
	is_int(kumem_ring_wait(r, 8, 30000000000ll), 0,
	       "waiting for eight 64 MiB FILLs: ENTER(GETEVENTS) runs the batches it needs");
	is_int(kumem_ring_reap(r, c, 8), 8, "all eight complete");
	kumem_ring_destroy(r);
	kumem_region_release(big);
	kumem_close(d);
}

/*
 * Two processes submitting to one ring: eight 64 MiB FILLs queued, one per batch. The second
 * process enters 10 ms after the first, while the first runs its FILL (~45 ms under TCG): it
 * finds the ring's lock held and sleeps, while the first keeps entering. It must still get a
 * turn and run a FILL: the lock may not go back to the process that just dropped it every
 * time (a bit lock did, on 7.2: the second got nothing until the queue was empty). Then both
 * loop on KUMEM_IOC_RING_SUBMIT until the queue is empty: every FILL consumed once, and
 * neither process left asleep.
 */
static void turns(void)
{
	kumem_t *d = open_or_bail();
	kumem_region_t *big;
	kumem_ring_t *r;
	struct kumem_cqe c[8];
	struct kumem_ring_create info;
	struct kumem_ring_ctrl *ctrl;
	int p[2], first, mine = 0, theirs[2] = { -1, -1 }, st, n, i;
	pid_t b;

	if (kumem_alloc_shared(d, BIG_REGION, KUMEM_USER_READ | KUMEM_USER_WRITE, &big) ||
	    kumem_ring_create(d, 8, 0, 0, &r) || pipe(p))
		bail_out("turns set-up");
	queue_fills(r, big, 8);
	/* publish without entering (the library's submit would enter once), through a mapping
	 * of our own: the library's is not exported */
	if (rioctl(kumem_ring_fd(r), KUMEM_IOC_RING_INFO, &info))
		bail_out("RING_INFO");
	ctrl = mmap(NULL, info.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, kumem_ring_fd(r), 0);
	if (ctrl == MAP_FAILED)
		bail_out("map the ring");
	__atomic_store_n(&ctrl->sq_tail, 8, __ATOMIC_RELEASE);
	b = fork();
	if (b == 0) {
		int got[2] = { 0, 0 };

		usleep(10 * 1000);
		got[0] = (int)ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_SUBMIT, 1ul);
		while ((n = ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_SUBMIT, 8ul)) > 0)
			got[1] += n;
		_exit(write(p[1], got, sizeof(got)) == sizeof(got) && n == 0 ? 0 : 1);
	}
	first = (int)ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_SUBMIT, 1ul);
	is_int(first, 1, "first submitter: one 64 MiB FILL");
	while ((n = ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_SUBMIT, 8ul)) > 0)
		mine += n;
	is_int(n, 0, "first submitter: SUBMIT until nothing is left");
	ok(reap_within(b, 30000, &st) >= 0 && WIFEXITED(st) && !WEXITSTATUS(st),
	   "second submitter: the same, and it ends");
	if (read(p[0], theirs, sizeof(theirs)) != sizeof(theirs))
		theirs[0] = theirs[1] = -1;
	is_int(theirs[0], 1, "second submitter, entering while the first ran: one FILL");
	is_int(first + mine + theirs[0] + theirs[1], 8,
	       "between them every FILL was consumed once (%d + %d, %d + %d)", first, mine,
	       theirs[0], theirs[1]);
	is_int(kumem_ring_reap(r, c, 8), 8, "eight completions");
	for (i = 0; i < 8 && !c[i].result; i++)
		;
	is_int(i, 8, "each a success");
	close(p[0]);
	close(p[1]);
	munmap(ctrl, info.map_len);
	kumem_ring_destroy(r);
	kumem_region_release(big);
	kumem_close(d);
}

/* KUMEM_IOC_RING_CREATE on @dev_fd: 0 or -errno; *@a gets the layout. */
static int raw_ring(int dev_fd, uint32_t flags, uint32_t idle_us, struct kumem_ring_create *a)
{
	*a = (struct kumem_ring_create){ .sq_entries = 8, .flags = flags, .idle_us = idle_us };
	return rioctl(dev_fd, KUMEM_IOC_RING_CREATE, a);
}

/* Poll @word for @bit for at most @limit_ms: true if it was seen set. */
static bool bit_within(const volatile uint32_t *word, uint32_t bit, long limit_ms)
{
	uint64_t t0 = now_ns();

	while ((long)((now_ns() - t0) / 1000000) <= limit_ms) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) & bit)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * The polling thread: idle_us is bounded; the thread starts asleep (before, it polled for
 * idle_us first: a second here), and serves the first submission once woken. RING_INFO
 * reports the ring's own fd (before: 0 for rings made by the ioctl).
 */
static void sqpoll_idle_and_info(void)
{
	int fd = raw_open();
	struct kumem_ring_create a, info;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sqe;
	struct kumem_ring_enter en = { .flags = KUMEM_ENTER_WAKEUP };
	uint8_t *mem;

	is_int(raw_ring(fd, KUMEM_RING_SQPOLL, KUMEM_RING_MAX_IDLE_US + 1, &a), -EINVAL,
	       "idle_us above KUMEM_RING_MAX_IDLE_US -> EINVAL");
	is_int(raw_ring(fd, KUMEM_RING_SQPOLL, UINT32_MAX, &a), -EINVAL, "idle_us 2^32-1 -> EINVAL");
	if (!is_int(raw_ring(fd, KUMEM_RING_SQPOLL, KUMEM_RING_MAX_IDLE_US, &a), 0,
		    "idle_us = KUMEM_RING_MAX_IDLE_US is accepted"))
		return;
	is_int(rioctl(a.ring_fd, KUMEM_IOC_RING_INFO, &info), 0, "RING_INFO on an ioctl-made ring");
	is_int(info.ring_fd, a.ring_fd, "RING_INFO reports the ring's fd");
	mem = raw_map(a.ring_fd, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (!mem)
		bail_out("mmap ring: %s", strerror(errno));
	ctrl = (struct kumem_ring_ctrl *)mem;
	ok(bit_within(&ctrl->sq_flags, KUMEM_SQ_NEED_WAKEUP, 300),
	   "a new polling thread sleeps at once (NEED_WAKEUP within 300 ms, idle_us = 1 s)");
	sqe = (struct kumem_sqe *)(mem + a.sq_offset);
	*sqe = (struct kumem_sqe){ .op = KUMEM_OP_NOP, .user_data = 5 };
	__atomic_store_n(&ctrl->sq_tail, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	is_int(rioctl(a.ring_fd, KUMEM_IOC_RING_ENTER, &en), 0, "ENTER(WAKEUP) wakes it");
	ok(bit_within(&ctrl->cq_tail, 1, 2000), "and it serves the first submission");
	munmap(mem, a.map_len);
	close(a.ring_fd);
	close(fd);
}

/* In a child that dropped to uid 65534 with /dev/kumem opened before: which step failed. */
static int per_user_child(void *arg)
{
	int fd = *(int *)arg, i;
	struct kumem_ring_create a[3], plain;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 100;
	for (i = 0; i < 2; i++)
		if (raw_ring(fd, KUMEM_RING_SQPOLL, 100, &a[i]))
			return 1 + i;
	if (raw_ring(fd, KUMEM_RING_SQPOLL, 100, &a[2]) != -EAGAIN)
		return 3;
	if (raw_ring(fd, 0, 0, &plain)) /* rings without a thread are not limited */
		return 4;
	close(a[0].ring_fd); /* its thread is stopped and uncounted before close() returns */
	if (raw_ring(fd, KUMEM_RING_SQPOLL, 100, &a[0]))
		return 5;
	return 0;
}

/* max_sqpoll_per_user for users without CAP_SYS_ADMIN, max_sqpoll_threads for everyone. */
static void thread_limits(void)
{
	long per_user = param_get("max_sqpoll_per_user"), total = param_get("max_sqpoll_threads");
	int fd = raw_open(), i, rc;
	struct kumem_ring_create a[4];

	param_set("max_sqpoll_per_user", 2);
	rc = in_child(per_user_child, &fd);
	is_int(rc, 0,
	       "uid 65534: two polling threads, the third -> EAGAIN, plain rings still, one "
	       "again after a close (0: all as expected)");
	param_set("max_sqpoll_threads", 3);
	for (i = 0; i < 3; i++)
		if (raw_ring(fd, KUMEM_RING_SQPOLL, 100, &a[i]))
			break;
	is_int(i, 3, "root: max_sqpoll_threads=3 allows three");
	is_int(raw_ring(fd, KUMEM_RING_SQPOLL, 100, &a[3]), -EAGAIN,
	       "and refuses the fourth with EAGAIN, root or not");
	while (i--)
		close(a[i].ring_fd);
	param_set("max_sqpoll_threads", total);
	param_set("max_sqpoll_per_user", per_user);
	close(fd);
}

/*
 * Only the groups named as arguments, or after "__" in the program's name
 * (t_ring_limits__sqpoll), if any: to replay one group against an older module.
 */
static bool wanted(int argc, char **argv, const char *name)
{
	const char *tail = strstr(argv[0], "__");
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	if (tail)
		return strstr(tail, name) != NULL;
	return argc < 2;
}

int main(int argc, char **argv)
{
	kumem_t *dev;
	struct kumem_stats base;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	if (wanted(argc, argv, "batch")) {
		short_count();
		turns();
		killed_submitters();
		killed_sqpoll_owner();
	}
	if (wanted(argc, argv, "sqpoll")) {
		sqpoll_idle_and_info();
		thread_limits();
	}
	stats_check(dev, &base, "after the killed submitters");
	kumem_close(dev);
	return tap_done();
}
