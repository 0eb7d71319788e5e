/* SPDX-License-Identifier: MIT */
/* Helpers shared by the guest test programs: counters, raw ioctls, children, parameters. */
#ifndef KUMEM_GUEST_UTIL_H
#define KUMEM_GUEST_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kumem/kumem.h>
#include "tap.h"

/* Counters every program compares at its end with what it saw at its start. */
static inline struct kumem_stats stats_now(kumem_t *dev)
{
	struct kumem_stats st;
	int err = kumem_stats(dev, &st);

	if (err)
		bail_out("kumem_stats: %s", kumem_strerror(err));
	return st;
}

static inline bool stats_same(const struct kumem_stats *a, const struct kumem_stats *b)
{
	return a->regions == b->regions && a->pinned_pages == b->pinned_pages &&
	       a->allocated_pages == b->allocated_pages && a->user_mappings == b->user_mappings;
}

static inline void stats_check(kumem_t *dev, const struct kumem_stats *base, const char *when)
{
	struct kumem_stats now = stats_now(dev);

	if (!ok(stats_same(&now, base), "counters back to baseline %s", when))
		diag("  regions %llu/%llu pinned %llu/%llu allocated %llu/%llu mappings %llu/%llu",
		     (unsigned long long)now.regions, (unsigned long long)base->regions,
		     (unsigned long long)now.pinned_pages, (unsigned long long)base->pinned_pages,
		     (unsigned long long)now.allocated_pages,
		     (unsigned long long)base->allocated_pages,
		     (unsigned long long)now.user_mappings,
		     (unsigned long long)base->user_mappings);
}

static inline kumem_t *open_or_bail(void)
{
	kumem_t *dev;
	int err = kumem_open(&dev);

	if (err)
		bail_out("kumem_open: %s", kumem_strerror(err));
	return dev;
}

static inline int raw_open(void)
{
	int fd = open("/dev/kumem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		bail_out("open /dev/kumem: %s", strerror(errno));
	return fd;
}

/* ioctl returning 0 or -errno */
static inline int rioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int raw_lock(int fd, const void *addr, uint64_t len, uint32_t flags, uint32_t *id)
{
	struct kumem_lock_args a = { .addr = (uint64_t)(uintptr_t)addr,
				     .len = len,
				     .flags = flags };
	int err = rioctl(fd, KUMEM_IOC_LOCK_USER, &a);

	if (!err && id)
		*id = a.id;
	return err;
}

static inline int raw_alloc(int fd, uint64_t len, uint32_t flags, struct kumem_alloc_args *out)
{
	struct kumem_alloc_args a = { .len = len, .flags = flags };
	int err = rioctl(fd, KUMEM_IOC_ALLOC_SHARED, &a);

	if (out)
		*out = a;
	return err;
}

static inline int raw_release(int fd, uint32_t id)
{
	struct kumem_region_ref r = { .id = id };

	return rioctl(fd, KUMEM_IOC_RELEASE, &r);
}

static inline int raw_op(int fd, unsigned long cmd, uint32_t id, uint64_t off, uint64_t len,
			 uint32_t value, uint64_t *sum)
{
	struct kumem_kernel_op op = { .id = id, .value = value, .offset = off, .len = len };
	int err = rioctl(fd, cmd, &op);

	if (!err && sum)
		*sum = op.result;
	return err;
}

/* mmap returning the address or NULL with errno set */
static inline void *raw_map(int fd, uint64_t len, int prot, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Run @fn(@arg) in a child; return its exit status (0..255) if it exited, or 1000 + the
 * signal number that killed it.
 */
static inline int in_child(int (*fn)(void *), void *arg)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) != pid)
		bail_out("waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

#define KILLED_BY(sig) (1000 + (sig))

/*
 * Fork a child that sets something up, tells the parent it is ready and goes on (usually
 * until killed): @child(@arg, ready_fd) writes @len bytes of report (a pid, a byte) to
 * ready_fd once set up. Returns the child's pid with the report in @report; a child that
 * dies or returns before reporting ends the test program (bail_out: nothing to kill).
 */
static inline pid_t fork_ready(void (*child)(void *arg, int ready_fd), void *arg, void *report,
			       size_t len)
{
	int ready[2];
	pid_t pid;

	if (pipe(ready))
		bail_out("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(ready[0]);
		child(arg, ready[1]);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], report, len) != (ssize_t)len)
		bail_out("child %d did not get ready", (int)pid);
	close(ready[0]);
	return pid;
}

/* Milliseconds on the monotonic clock. */
static inline int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Some of what a call starts, the kernel finishes after the call returns: a stopped kernel
 * thread is reaped (and leaves /proc) a little later, deferred frees run from RCU or a
 * workqueue, a generator thread works at its own pace. A test of such a thing waits for it,
 * with a bound: wait_until(ms, cond) re-evaluates @cond every 10 ms until it holds or @ms
 * milliseconds have passed, and is true if it held. A pass costs only as long as the kernel
 * takes; a failure means the kernel did not finish within the bound. Never a bare sleep.
 */
#define WAIT_STEP_US 10000
#define wait_until(ms, cond)                                                                       \
	({                                                                                         \
		int64_t deadline_ = mono_ms() + (ms);                                              \
		bool held_;                                                                        \
		while (!(held_ = (cond)) && mono_ms() < deadline_)                                 \
			usleep(WAIT_STEP_US);                                                      \
		held_;                                                                             \
	})

/* The bound for what the kernel finishes by itself: generous, since a pass does not wait it
 * out (measured: a stopped SQPOLL thread leaves /proc within ~200 ms in the TCG guest). */
#define ASYNC_BOUND_MS 5000

/*
 * FOLL_PIN pins held system-wide, from /proc/vmstat. Its counters are folded from per-CPU
 * deltas about once a second; with @refresh, writing vm.stat_refresh (root) folds them first,
 * so the figure is exact at the time of the call (a pass over every CPU: too slow for a
 * sampling loop, which takes the lagging figure).
 */
static inline long foll_pins_held(bool refresh)
{
	char name[64];
	long v, acq = 0, rel = 0;
	FILE *f;

	if (refresh) {
		int rf = open("/proc/sys/vm/stat_refresh", O_WRONLY);

		if (rf >= 0) {
			/* EINVAL when some counter is negative; every one is folded all the same */
			ssize_t ignored = write(rf, "1", 1);

			(void)ignored;
			close(rf);
		}
	}
	f = fopen("/proc/vmstat", "r");
	while (f && fscanf(f, "%63s %ld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	if (f)
		fclose(f);
	return acq - rel;
}

/* Module parameters, to test the limits; always restored by the caller. */
static inline long param_get(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kumem/parameters/%s", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1)
		bail_out("read %s", path);
	fclose(f);
	return v;
}

static inline void param_set(const char *name, long v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kumem/parameters/%s", name);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%ld\n", v) < 0 || fclose(f))
		bail_out("write %s", path);
}

static inline void fill_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
}

/* anonymous memory, faulted in unless @touch is false */
static inline uint8_t *anon(size_t len, int prot, bool touch)
{
	uint8_t *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail_out("mmap %zu: %s", len, strerror(errno));
	if (touch)
		memset(p, 0, len);
	return p;
}

#endif
