// SPDX-License-Identifier: MIT
/*
 * What `kumem bench` asks the operating system: the clock, CPUs, placement, whether the
 * previous row's threads are gone, how much of a run others took, a faulted buffer, and an
 * in-memory stream for --json. Linux reads /proc and uses sched_setaffinity; Windows uses
 * QueryPerformanceCounter, thread affinity masks and GetSystemTimes (it has no per-process
 * involuntary switch count and no kumem kernel threads to look for by name: those checks
 * are Linux only).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#if defined(_WIN32)
#include <windows.h>
#include <tlhelp32.h>

/* How long an earlier row's threads may take to go. */
#define BENCH_QUIET_MS 3000

uint64_t bench_now_ns(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER now;

	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&now);
	return (uint64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
}

static long online_cpus(void)
{
	return (long)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
}

bool bench_two_cpus(void)
{
	return online_cpus() >= 2;
}

static DWORD_PTR saved_mask;

/* Processor group 0 only (up to 64 CPUs), as the driver's SQ_AFF. */
void bench_pin_self(int cpu)
{
	DWORD_PTR was;

	if (cpu < online_cpus() && cpu < 64) {
		was = SetThreadAffinityMask(GetCurrentThread(), (DWORD_PTR)1 << cpu);
		if (!saved_mask)
			saved_mask = was;
	}
	if (bench_cfg.rt && !SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_TIME_CRITICAL))
		fprintf(stderr, "kumem: bench: --rt: cannot raise the thread's priority (%lu)\n",
			GetLastError());
}

void bench_unpin_self(void)
{
	if (bench_cfg.rt)
		SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_NORMAL);
	if (saved_mask)
		SetThreadAffinityMask(GetCurrentThread(), saved_mask);
	saved_mask = 0;
}

struct spawn_arg {
	int cpu;
	void *(*fn)(void *);
	void *arg;
};

/* winpthreads has no affinity attribute: the thread places itself before anything else. */
static void *spawned(void *p)
{
	struct spawn_arg a = *(struct spawn_arg *)p;

	free(p);
	if (a.cpu < online_cpus() && a.cpu < 64)
		SetThreadAffinityMask(GetCurrentThread(), (DWORD_PTR)1 << a.cpu);
	if (bench_cfg.rt)
		SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_TIME_CRITICAL);
	return a.fn(a.arg);
}

int bench_spawn(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	struct spawn_arg *a = malloc(sizeof(*a));
	int err;

	if (!a)
		return ENOMEM;
	a->cpu = cpu;
	a->fn = fn;
	a->arg = arg;
	err = pthread_create(t, NULL, spawned, a);
	if (err)
		free(a);
	return err;
}

/* This process's threads, from a snapshot (the previous row's must have gone). */
static long own_threads(void)
{
	THREADENTRY32 te = { .dwSize = sizeof(te) };
	DWORD self = GetCurrentProcessId();
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	long n = 0;

	if (snap == INVALID_HANDLE_VALUE)
		return -1;
	if (Thread32First(snap, &te)) {
		do
			n += te.th32OwnerProcessID == self;
		while (Thread32Next(snap, &te));
	}
	CloseHandle(snap);
	return n;
}

bool bench_wait_quiet(void)
{
	uint64_t deadline = bench_now_ns() + BENCH_QUIET_MS * 1000000ull;
	long base = -1, n;

	/* the C runtime and the loader may keep a worker thread or two: take the lowest seen
	 * over a short look as "down to ours", then wait for it */
	for (;;) {
		n = own_threads();
		if (n < 0 || n <= 1 || (base >= 0 && n <= base))
			return true;
		if (base < 0 || n < base)
			base = n;
		if (bench_now_ns() > deadline)
			return false;
		Sleep(2);
	}
}

static uint64_t ft_ms(FILETIME f)
{
	return (((uint64_t)f.dwHighDateTime << 32) | f.dwLowDateTime) / 10000;
}

/* Busy time of all CPUs (kernel time includes idle on Windows: subtracted). */
static void cpu_times(uint64_t *busy_ms, uint64_t *steal_ms)
{
	FILETIME idle, kernel, user;

	*busy_ms = *steal_ms = 0;
	if (GetSystemTimes(&idle, &kernel, &user))
		*busy_ms = ft_ms(kernel) + ft_ms(user) - ft_ms(idle);
}

static uint64_t own_cpu_ns(void)
{
	FILETIME c, e, k, u;

	if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
		return 0;
	return (ft_ms(k) + ft_ms(u)) * 1000000ull;
}

void bench_probe_start(struct bench_probe *p)
{
	p->quiet_before = bench_wait_quiet();
	cpu_times(&p->busy_ms, &p->steal_ms);
	p->own_ns = own_cpu_ns();
	p->nivcsw = 0;
	p->t0 = bench_now_ns();
}

/* The same judgement as Linux's, without the switch count and steal time Windows does not
 * give a process; its CPU times tick at about 15.6 ms, hence the same floors. */
bool bench_probe_stop(struct bench_probe *p, unsigned int kthread_cpus, char *why)
{
	uint64_t busy, steal, wall_ms = (bench_now_ns() - p->t0) / 1000000;
	uint64_t own_ms = (own_cpu_ns() - p->own_ns) / 1000000;
	int64_t others_ms, allowed_ms;

	cpu_times(&busy, &steal);
	others_ms =
		(int64_t)(busy - p->busy_ms) - (int64_t)own_ms - (int64_t)(kthread_cpus * wall_ms);
	allowed_ms = (int64_t)(wall_ms * (uint64_t)online_cpus() / 20);
	if (allowed_ms < 50)
		allowed_ms = 50;
	if (!p->quiet_before) {
		if (why)
			snprintf(why, 96, "an earlier row's thread was still there");
		return true;
	}
	if (others_ms > allowed_ms) {
		if (why)
			snprintf(why, 96, "%" PRId64 " ms of CPU went to other tasks", others_ms);
		return true;
	}
	return false;
}

void *bench_faulted_buffer(uint64_t bytes)
{
	void *p = VirtualAlloc(NULL, (SIZE_T)bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

	if (p)
		memset(p, 0x3c, bytes);
	return p;
}

void bench_free_buffer(void *p, uint64_t bytes)
{
	(void)bytes;
	VirtualFree(p, 0, MEM_RELEASE);
}

/* No open_memstream: a temporary file, read back whole at the end. */
FILE *bench_memstream_open(void)
{
	return tmpfile();
}

char *bench_memstream_close(FILE *f)
{
	long len;
	char *buf;

	fflush(f);
	len = ftell(f);
	buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (buf) {
		rewind(f);
		len = (long)fread(buf, 1, (size_t)len, f);
		buf[len] = 0;
	}
	fclose(f);
	return buf;
}

/* The sections that time raw ioctls and system calls, and poll(): Linux only so far. */
static int linux_only(const char *what)
{
	printf("  %s: not built for Windows yet (it times raw ioctls and system calls, or poll()); "
	       "no rows\n",
	       what);
	return 0;
}

/* RING_INFO is an ioctl on a ring's own fd on Linux; Windows names rings by id instead. */
int bench_ring_info(kumem_ring_t *r, struct kumem_ring_create *info)
{
	(void)r;
	(void)info;
	return -ENOTTY;
}

int bench_wake(kumem_t *dev)
{
	(void)dev;
	return linux_only("wake");
}

int bench_enter(kumem_t *dev)
{
	(void)dev;
	return linux_only("enter");
}
#else
#include <dirent.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* SCHED_FIFO priority of --rt: above ordinary tasks, below the kernel's own RT threads. */
#define BENCH_RT_PRIO  50
/* How long an earlier row's threads may take to go. */
#define BENCH_QUIET_MS 3000

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

bool bench_two_cpus(void)
{
	return online_cpus() >= 2;
}

/* ---- placement --------------------------------------------------------------------------- */

static cpu_set_t saved_mask;
static bool have_saved_mask;

void bench_pin_self(int cpu)
{
	struct sched_param sp = { .sched_priority = BENCH_RT_PRIO };
	cpu_set_t set;

	if (!have_saved_mask)
		have_saved_mask = !sched_getaffinity(0, sizeof(saved_mask), &saved_mask);
	if (cpu < online_cpus()) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		/* before SCHED_FIFO and before any other thread of ours exists: nothing to wait for
		 */
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (bench_cfg.rt && pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		fprintf(stderr, "kumem: bench: --rt: cannot use SCHED_FIFO (%s)\n",
			strerror(errno));
}

void bench_unpin_self(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (bench_cfg.rt)
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	if (have_saved_mask)
		sched_setaffinity(0, sizeof(saved_mask), &saved_mask);
	have_saved_mask = false;
}

int bench_spawn(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	struct sched_param sp = { .sched_priority = BENCH_RT_PRIO };
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	err = pthread_attr_init(&attr);
	if (err)
		return err;
	if (cpu < online_cpus()) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		/* created there: a thread moved after it runs can meet a spinning FIFO thread */
		err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (!err && bench_cfg.rt) {
		err = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		if (!err)
			err = pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		if (!err)
			err = pthread_attr_setschedparam(&attr, &sp);
	}
	if (!err)
		err = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

/* ---- isolation --------------------------------------------------------------------------- */

static int count_entries(const char *dir)
{
	struct dirent *d;
	DIR *p = opendir(dir);
	int n = 0;

	if (!p)
		return -1;
	while ((d = readdir(p)))
		n += d->d_name[0] != '.';
	closedir(p);
	return n;
}

/* Is any kumem kernel thread alive ("kumem-sqpoll/<pid>" cut at 15 bytes, "kumem-events")? */
static bool kumem_kthread_alive(void)
{
	static const char prefix[] = "kumem-";
	char path[64], comm[32];
	struct dirent *d;
	bool found = false;
	DIR *p = opendir("/proc");
	FILE *f;

	if (!p)
		return false;
	while (!found && (d = readdir(p))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		found = fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, sizeof(prefix) - 1);
		fclose(f);
	}
	closedir(p);
	return found;
}

bool bench_wait_quiet(void)
{
	uint64_t deadline = bench_now_ns() + BENCH_QUIET_MS * 1000000ull;
	struct timespec nap = { 0, 2000000 };

	for (;;) {
		if (count_entries("/proc/self/task") <= 1 && !kumem_kthread_alive())
			return true;
		if (bench_now_ns() > deadline)
			return false;
		nanosleep(&nap, NULL);
	}
}

/* ---- disturbance ------------------------------------------------------------------------- */

/* The aggregate "cpu" line of /proc/stat in ms: busy (not idle, not iowait) and steal. */
static void cpu_times(uint64_t *busy_ms, uint64_t *steal_ms)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	*busy_ms = *steal_ms = 0;
	if (!f)
		return;
	/* user nice system idle iowait irq softirq steal */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8 &&
	    hz > 0) {
		*busy_ms = (v[0] + v[1] + v[2] + v[5] + v[6]) * 1000 / (unsigned long long)hz;
		*steal_ms = v[7] * 1000 / (unsigned long long)hz;
	}
	fclose(f);
}

static uint64_t own_cpu_ns(long *nivcsw)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru)) {
		*nivcsw = 0;
		return 0;
	}
	*nivcsw = ru.ru_nivcsw;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

void bench_probe_start(struct bench_probe *p)
{
	p->quiet_before = bench_wait_quiet();
	cpu_times(&p->busy_ms, &p->steal_ms);
	p->own_ns = own_cpu_ns(&p->nivcsw);
	p->t0 = bench_now_ns();
}

/*
 * What counts as disturbed. /proc/stat counts in clock ticks (10 ms), so CPU time of others
 * is judged with a floor of 3 ticks; a spinning thread on an idle machine still sees an
 * occasional kernel worker, hence a few involuntary switches allowed per 100 ms.
 */
bool bench_probe_stop(struct bench_probe *p, unsigned int kthread_cpus, char *why)
{
	uint64_t busy, steal, wall_ms = (bench_now_ns() - p->t0) / 1000000;
	long nivcsw, switches;
	uint64_t own_ms = (own_cpu_ns(&nivcsw) - p->own_ns) / 1000000;
	int64_t others_ms, allowed_ms;

	cpu_times(&busy, &steal);
	switches = nivcsw - p->nivcsw;
	others_ms =
		(int64_t)(busy - p->busy_ms) - (int64_t)own_ms - (int64_t)(kthread_cpus * wall_ms);
	allowed_ms = (int64_t)(wall_ms * (uint64_t)online_cpus() / 20);
	if (allowed_ms < 30)
		allowed_ms = 30;
	if (!p->quiet_before) {
		if (why)
			snprintf(why, 96, "an earlier row's thread was still there");
		return true;
	}
	if (switches > 2 + (long)(wall_ms / 100)) {
		if (why)
			snprintf(why, 96, "%ld involuntary context switches", switches);
		return true;
	}
	if (steal - p->steal_ms > 10 + wall_ms / 100) {
		if (why)
			snprintf(why, 96, "%" PRIu64 " ms stolen", steal - p->steal_ms);
		return true;
	}
	if (others_ms > allowed_ms) {
		if (why)
			snprintf(why, 96, "%" PRId64 " ms of CPU went to other tasks", others_ms);
		return true;
	}
	return false;
}

void *bench_faulted_buffer(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x3c, bytes);
	return p;
}

void bench_free_buffer(void *p, uint64_t bytes)
{
	munmap(p, bytes);
}

int bench_ring_info(kumem_ring_t *r, struct kumem_ring_create *info)
{
	return ioctl(kumem_ring_fd(r), KUMEM_IOC_RING_INFO, info) ? -errno : 0;
}

static char *memstream_buf;
static size_t memstream_len;

FILE *bench_memstream_open(void)
{
	return open_memstream(&memstream_buf, &memstream_len);
}

char *bench_memstream_close(FILE *f)
{
	char *buf;

	fclose(f);
	buf = memstream_buf;
	memstream_buf = NULL;
	return buf;
}
#endif
