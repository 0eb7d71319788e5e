// SPDX-License-Identifier: MIT
/* Lifetime: fork, threads, kill -9, close with regions live, release racing use. */
#include <pthread.h>
#include <time.h>

#include "guest_util.h"

static kumem_t *dev;

struct holder {
	int ready[2]; /* child -> parent: regions set up */
};

/* child: hold method 1 and method 2 regions (mapped), then wait to be killed */
static int hold_and_wait(void *arg)
{
	struct holder *h = arg;
	kumem_region_t *r1, *r2;
	kumem_t *d;
	uint8_t *p = anon(64 * 4096, PROT_READ | PROT_WRITE, true);
	char c = 1;

	if (kumem_open(&d))
		return 2;
	if (kumem_lock_user(d, p, 64 * 4096, KUMEM_KERNEL_WRITE, &r1) ||
	    kumem_alloc_shared(d, 32 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &r2))
		return 3;
	memset(kumem_region_addr(r2), 1, 32 * 4096);
	if (write(h->ready[1], &c, 1) != 1)
		return 4;
	for (;;)
		pause();
}

static int child_uses_inherited(void *arg)
{
	kumem_region_t *r = arg;
	uint64_t sum = 0;

	/* the kernel side works through the shared handle; the mapping was not inherited, so
	 * reading it here faults */
	if (kumem_kernel_checksum(r, 0, kumem_region_len(r), &sum))
		return 2;
	return sum == kumem_checksum(kumem_region_addr(r), kumem_region_len(r)) ? 0 : 3;
}

struct worker {
	pthread_t t;
	unsigned int seed;
	long rounds, errors;
};

static volatile int stop;

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t len;
	uint8_t *p;

	while (!stop) {
		kumem_region_t *r;
		uint64_t sum = 0;
		bool shared = rand_r(&w->seed) & 1;

		len = 1 + (size_t)(rand_r(&w->seed) % (64 * 1024));
		if (shared) {
			if (kumem_alloc_shared(dev, len, KUMEM_USER_READ | KUMEM_USER_WRITE, &r)) {
				w->errors++;
				continue;
			}
			p = kumem_region_addr(r);
		} else {
			p = malloc(len);
			if (kumem_lock_user(dev, p, len, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE,
					    &r)) {
				w->errors++;
				free(p);
				continue;
			}
		}
		fill_pattern(p, len, w->seed);
		if (kumem_kernel_checksum(r, 0, len, &sum) || sum != kumem_checksum(p, len))
			w->errors++;
		if (kumem_kernel_fill(r, 0, len, 0xab) || p[len - 1] != 0xab)
			w->errors++;
		if (kumem_region_release(r))
			w->errors++;
		if (!shared)
			free(p);
		w->rounds++;
	}
	return NULL;
}

struct racer {
	int fd;
	uint32_t id;
	long ok, enoent, other;
};

static void *race_use(void *arg)
{
	struct racer *rc = arg;
	uint64_t sum;

	for (int i = 0; i < 2000; i++) {
		int err = raw_op(rc->fd, KUMEM_IOC_KERNEL_CHECKSUM, rc->id, 0, 4096, 0, &sum);

		if (!err)
			rc->ok++;
		else if (err == -ENOENT)
			rc->enoent++;
		else
			rc->other++;
	}
	return NULL;
}

int main(void)
{
	struct kumem_stats base, st;
	struct worker w[8];
	struct holder h;
	kumem_region_t *r;
	long rounds = 0, errors = 0;
	uint8_t *p;
	pid_t pid;
	int i, st_child, fd;
	char c;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);

	/* fork with live regions */
	is_int(kumem_alloc_shared(dev, 8 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &r), 0,
	       "alloc before fork");
	fill_pattern(kumem_region_addr(r), 8 * 4096, 3);
	is_int(in_child(child_uses_inherited, r), KILLED_BY(SIGSEGV),
	       "forked child cannot touch the parent's mapping (not inherited)");
	{
		uint64_t sum = 0;

		ok(kumem_kernel_checksum(r, 0, 8 * 4096, &sum) == 0 &&
			   sum == kumem_checksum(kumem_region_addr(r), 8 * 4096),
		   "parent's region intact after the child exits");
	}
	kumem_region_release(r);
	stats_check(dev, &base, "after fork");

	/* threads */
	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .seed = 1000u + (unsigned int)i };
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	sleep(3);
	stop = 1;
	for (i = 0; i < 8; i++) {
		pthread_join(w[i].t, NULL);
		rounds += w[i].rounds;
		errors += w[i].errors;
	}
	diag("8 threads: %ld create/use/release rounds in 3 s", rounds);
	ok(rounds > 8, "threads made progress");
	is_int(errors, 0, "no errors and every checksum/fill verified");
	stats_check(dev, &base, "after the threads");

	/* kill -9 while regions and mappings are live */
	if (pipe(h.ready))
		bail_out("pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(hold_and_wait(&h));
	ok(read(h.ready[0], &c, 1) == 1, "child holds a 64-page lock and a mapped 32-page region");
	st = stats_now(dev);
	is_int(st.pinned_pages - base.pinned_pages, 64, "64 pages pinned");
	is_int(st.allocated_pages - base.allocated_pages, 32, "32 pages allocated");
	kill(pid, SIGKILL);
	waitpid(pid, &st_child, 0);
	ok(WIFSIGNALED(st_child) && WTERMSIG(st_child) == SIGKILL, "child killed with SIGKILL");
	stats_check(dev, &base, "after kill -9");

	/* close with regions live */
	{
		kumem_t *d2 = open_or_bail();
		kumem_region_t *a, *b;

		p = anon(16 * 4096, PROT_READ | PROT_WRITE, true);
		ok(!kumem_lock_user(d2, p, 16 * 4096, KUMEM_KERNEL_READ, &a) &&
			   !kumem_alloc_shared(d2, 16 * 4096, KUMEM_USER_READ, &b),
		   "two regions on a handle");
		kumem_close(d2);
		stats_check(dev, &base, "after kumem_close with regions live");
		fd = raw_open();
		ok(raw_lock(fd, p, 16 * 4096, KUMEM_KERNEL_READ, NULL) == 0 &&
			   raw_alloc(fd, 4096, KUMEM_USER_READ, NULL) == 0,
		   "two regions on a raw fd");
		close(fd);
		stats_check(dev, &base, "after close() with regions live");
		munmap(p, 16 * 4096);
	}

	/* release racing use of the same id */
	{
		struct racer rc = { 0 };
		pthread_t t;

		rc.fd = raw_open();
		p = anon(4096, PROT_READ | PROT_WRITE, true);
		for (i = 0; i < 50; i++) {
			if (raw_lock(rc.fd, p, 4096, KUMEM_KERNEL_READ, &rc.id))
				break;
			pthread_create(&t, NULL, race_use, &rc);
			usleep((useconds_t)(i * 37 % 500));
			raw_release(rc.fd, rc.id);
			pthread_join(t, NULL);
		}
		is_int(i, 50, "50 rounds of release racing checksum");
		is_int(rc.other, 0, "every racing call returned success or ENOENT");
		diag("racing calls: %ld succeeded, %ld ENOENT", rc.ok, rc.enoent);
		close(rc.fd);
		munmap(p, 4096);
	}
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
