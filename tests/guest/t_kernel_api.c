// SPDX-License-Identifier: MIT
/*
 * kumem's kernel-side API, used by another driver: linux/example/kumem_example.ko allocates and
 * maps a region from its own mmap handler and locks the caller's buffer per call, using only
 * kumem_region_*(). Loads and unloads the example module itself.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kumem/kumem.h>
#include "tap.h"
#include "../../linux/example/kumem_example_abi.h"

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static struct kumem_stats stats_now(kumem_t *dev)
{
	struct kumem_stats st;

	if (kumem_stats(dev, &st))
		bail_out("kumem_stats failed");
	return st;
}

struct emitted {
	uint64_t next, bad;
};

static int take_emitted(void *ctx, const void *payload, uint32_t len)
{
	struct emitted *e = ctx;
	uint64_t rec[2];

	memcpy(rec, payload, sizeof(rec));
	if (len != sizeof(rec) || rec[0] != e->next || rec[1] != KUMEM_EXAMPLE_MAGIC)
		e->bad++;
	e->next++;
	return 0;
}

static void *wait_for_records(void *arg)
{
	return (void *)(intptr_t)kumem_events_wait(arg, 5000);
}

/*
 * The producer calls from hard interrupt context (an HRTIMER_MODE_REL_HARD timer in the
 * example driver): every record arrives, and a consumer asleep in poll() is woken (through
 * irq_work). On PREEMPT_RT and on the lockdep kernel, a spinlock_t or a direct wake_up()
 * there is reported, which the harness counts as a failure.
 */
static void emit_from_hard_irq(kumem_t *dev, int fd)
{
	struct kumem_example_emit em = { .count = 1000 };
	struct emitted got = { 0 };
	kumem_events_t *ev;
	pthread_t waiter;
	void *woke = NULL;

	is_int(kumem_events_create(dev, 64 * 1024, &ev), 0, "hard irq: create a 64 KiB stream");
	em.events_fd = kumem_events_fd(ev);
	pthread_create(&waiter, NULL, wait_for_records, ev);
	is_int(ioctl(fd, KUMEM_EXAMPLE_EMIT_HARDIRQ, &em) < 0 ? -errno : 0, 0,
	       "hard irq: 1000 timer ticks emit");
	pthread_join(waiter, &woke);
	is_int((intptr_t)woke, 1, "hard irq: the consumer sleeping in poll() was woken");
	is_int(em.emitted, 1000, "hard irq: 1000 records emitted");
	is_int(em.hardirq, 1000, "hard irq: every one from hard interrupt context");
	is_int(kumem_events_consume(ev, take_emitted, &got, 2000), 1000,
	       "hard irq: 1000 records arrive");
	is_int(got.bad, 0, "hard irq: in order, with the driver's payload");
	kumem_events_destroy(ev);
}

int main(void)
{
	struct kumem_example_sum s;
	struct kumem_stats before, st;
	const size_t len = 5 * 4096 + 123;
	kumem_t *dev;
	uint8_t *p, *buf;
	size_t i;
	int fd;

	tap_header();
	if (kumem_open(&dev))
		bail_out("cannot open /dev/kumem");
	before = stats_now(dev);
	if (!is_int(run("insmod /kumem_example.ko"), 0, "insmod kumem_example.ko"))
		bail_out("example module did not load");

	fd = open("/dev/kumem_example", O_RDWR);
	ok(fd >= 0, "open /dev/kumem_example");
	/* a driver .mmap that fails after kumem_region_map_user() gives everything back */
	p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	is_int(p == MAP_FAILED ? errno : 0, EPERM, "the example's refused mapping fails (EPERM)");
	st = stats_now(dev);
	ok(st.regions == before.regions && st.user_mappings == before.user_mappings &&
		   st.allocated_pages == before.allocated_pages,
	   "kumem_region_unmap_user(): no region, page or mapping left behind");
	p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p != MAP_FAILED, "mmap a region the example driver allocates through kumem");
	if (p == MAP_FAILED)
		bail_out("mmap: %s", strerror(errno));
	for (i = 0; i < 8 * 4096 && p[i] == 0; i++)
		;
	is_int(i, 8 * 4096, "the example driver's region arrives zeroed");
	for (i = 0; i < 8 * 4096; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	st = stats_now(dev);
	is_int(st.allocated_pages - before.allocated_pages, 8, "kumem counts the 8 pages");
	is_int(st.user_mappings - before.user_mappings, 1, "and the mapping");
	ok(ioctl(fd, KUMEM_EXAMPLE_SUM, &s) == 0, "KUMEM_EXAMPLE_SUM");
	ok(s.sum == kumem_checksum(p, 8 * 4096), "the driver's checksum through kumem_region_kaddr "
						 "matches what this process wrote");

	buf = malloc(len + 64);
	for (i = 0; i < len; i++)
		buf[i + 5] = (uint8_t)(i ^ (i >> 8));
	s.addr = (uint64_t)(uintptr_t)(buf + 5);
	s.len = len;
	ok(ioctl(fd, KUMEM_EXAMPLE_SUM_USER, &s) == 0,
	   "KUMEM_EXAMPLE_SUM_USER (method 1 per call)");
	ok(s.sum == kumem_checksum(buf + 5, len), "kumem_region_lock_user checksum matches");
	s.addr = 0;
	is_int(ioctl(fd, KUMEM_EXAMPLE_SUM_USER, &s) < 0 ? -errno : 0, -EFAULT,
	       "kumem_region_lock_user(NULL) -> EFAULT for the calling driver too");
	free(buf);

	/* a chain and its sg_table, from another driver */
	{
		uint8_t *m = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
			*g;
		const struct kumem_segment segs[] = { { (uintptr_t)(m + 5 * 4096 + 9), 3000 },
						      { (uintptr_t)(m + 100), 2 * 4096 },
						      { (uintptr_t)(m + 3 * 4096), 4096 } };
		const struct kumem_segment lin[] = { { (uintptr_t)(m + 4096 * 3), 2 * 4096 },
						     { (uintptr_t)m, 4096 } };
		struct kumem_example_sg sg = { .segs = (uintptr_t)segs, .count = 3 };

		if (m == MAP_FAILED)
			bail_out("mmap: %s", strerror(errno));
		for (i = 0; i < 8 * 4096; i++)
			m[i] = (uint8_t)(i * 13 + (i >> 12));
		g = malloc(3000 + 3 * 4096);
		memcpy(g, m + 5 * 4096 + 9, 3000);
		memcpy(g + 3000, m + 100, 2 * 4096);
		memcpy(g + 3000 + 2 * 4096, m + 3 * 4096, 4096);
		ok(ioctl(fd, KUMEM_EXAMPLE_SG, &sg) == 0, "KUMEM_EXAMPLE_SG: a chain of 3");
		ok(sg.sg_sum == kumem_checksum(g, 3000 + 3 * 4096) && sg.walk_sum == sg.sg_sum,
		   "the sg_table and the segment walk both name exactly the chain's bytes");
		is_int(sg.bytes, 3000 + 3 * 4096, "the sg_table's length is the chain's");
		is_int(sg.nents, 5, "joints inside pages: one entry per page (1 + 3 + 1)");
		memcpy(g, m + 3 * 4096, 2 * 4096);
		memcpy(g + 2 * 4096, m, 4096);
		sg = (struct kumem_example_sg){ .segs = (uintptr_t)lin, .count = 2 };
		ok(ioctl(fd, KUMEM_EXAMPLE_SG, &sg) == 0 &&
			   sg.sg_sum == kumem_checksum(g, 3 * 4096) && sg.walk_sum == sg.sg_sum &&
			   sg.bytes == 3 * 4096,
		   "a linear chain's sg_table names its bytes too");
		ok(sg.nents >= 1 && sg.nents <= 3,
		   "built by sg_alloc_table_from_pages: contiguous pages merge (%u entries)",
		   sg.nents);
		st = stats_now(dev);
		is_int(st.pinned_pages, before.pinned_pages, "the example's chains are unpinned");
		free(g);
		munmap(m, 8 * 4096);
	}

	/* another driver producing into a stream this process created */
	{
		struct kumem_example_emit em = { .count = 100 };
		struct emitted got = { 0 };
		kumem_events_t *ev;
		uint64_t produced, dropped;

		is_int(kumem_events_create(dev, 4 * 4096, &ev), 0, "create an event stream");
		em.events_fd = kumem_events_fd(ev);
		is_int(ioctl(fd, KUMEM_EXAMPLE_EMIT, &em) < 0 ? -errno : 0, 0,
		       "the example driver takes the stream by fd and emits");
		is_int(em.emitted, 100, "100 records emitted");
		is_int(kumem_events_consume(ev, take_emitted, &got, 1000), 100,
		       "100 records arrive");
		is_int(got.bad, 0, "in order, with the driver's payload");
		kumem_events_counts(ev, &produced, &dropped);
		is_int(dropped, 0, "none dropped");
		em.events_fd = fd; /* not an event stream */
		is_int(ioctl(fd, KUMEM_EXAMPLE_EMIT, &em) < 0 ? -errno : 0, -EINVAL,
		       "kumem_events_fdget of another kind of fd -> EINVAL");
		em.events_fd = 9999;
		is_int(ioctl(fd, KUMEM_EXAMPLE_EMIT, &em) < 0 ? -errno : 0, -EBADF,
		       "kumem_events_fdget of a closed fd -> EBADF");
		kumem_events_destroy(ev);
	}
	emit_from_hard_irq(dev, fd);

	/* a command ring whose ops the example driver defines */
	{
		struct kumem_cqe cq[8];
		kumem_ring_t *ring;
		struct kumem_sqe *e;
		int rfd = ioctl(fd, KUMEM_EXAMPLE_RING);
		int k;

		ok(rfd >= 0, "the example driver hands out a ring fd");
		is_int(kumem_ring_attach(rfd, &ring), 0, "kumem_ring_attach maps it");
		e = kumem_ring_get_sqe(ring);
		e->op = KUMEM_EXAMPLE_OP_ADD;
		e->offset = 40;
		e->len = 2;
		for (k = 0; k < 2; k++) {
			e = kumem_ring_get_sqe(ring);
			e->op = KUMEM_EXAMPLE_OP_COUNT;
			e->value = 5;
		}
		kumem_ring_get_sqe(ring)->op = KUMEM_OP_NOP;
		e = kumem_ring_get_sqe(ring);
		e->op = KUMEM_OP_CHECKSUM;
		e->region = 1;
		e->len = 1;
		kumem_ring_get_sqe(ring)->op = 0x90;
		e = kumem_ring_get_sqe(ring);
		e->op = KUMEM_EXAMPLE_OP_ADD;
		e->reserved[0] = 1;
		is_int(kumem_ring_submit(ring), 7, "7 submissions");
		is_int(kumem_ring_reap(ring, cq, 8), 7, "7 completions");
		ok(cq[0].result == 0 && cq[0].value == 42, "driver op ADD: 40 + 2 = 42");
		ok(cq[1].value == 5 && cq[2].value == 10,
		   "driver op COUNT keeps the driver's state");
		is_int(cq[3].result, 0, "kumem's NOP still works");
		is_int(cq[4].result, -ENOENT, "a ring without a /dev/kumem file has no regions");
		is_int(cq[5].result, -EINVAL, "an op the driver does not know -> EINVAL");
		is_int(cq[6].result, -EINVAL, "reserved fields are checked for driver ops too");
		ok(run("rmmod kumem_example 2>/dev/null") != 0,
		   "rmmod refused while its ring lives");
		kumem_ring_destroy(ring);
		ok(fcntl(rfd, F_GETFD) < 0 && errno == EBADF, "destroying the ring closed its fd");

		/* the portable spelling (Windows needs the handle; Linux ignores it) */
		rfd = ioctl(fd, KUMEM_EXAMPLE_RING);
		is_int(kumem_ring_attach_dev(dev, rfd, &ring), 0, "kumem_ring_attach_dev maps it");
		/* Windows' completion-port waits: on Linux the ring fd is what epoll waits on */
		is_int(kumem_ring_wait_start(ring, 1, -1), -EOPNOTSUPP,
		       "kumem_ring_wait_start: EOPNOTSUPP (epoll on kumem_ring_fd instead)");
		kumem_ring_destroy(ring);
	}

	ok(run("rmmod kumem_example 2>/dev/null") != 0, "rmmod refused while the file is open");
	close(fd);
	ok(run("rmmod kumem_example 2>/dev/null") != 0, "rmmod refused while the mapping lives");
	st = stats_now(dev);
	is_int(st.allocated_pages - before.allocated_pages, 8,
	       "mapping keeps the pages after close");
	munmap(p, 8 * 4096);
	st = stats_now(dev);
	is_int(st.allocated_pages, before.allocated_pages, "pages freed at munmap");
	is_int(st.regions, before.regions, "regions back to baseline");
	is_int(st.user_mappings, before.user_mappings, "mappings back to baseline");
	is_int(run("rmmod kumem_example"), 0, "rmmod kumem_example");
	kumem_close(dev);
	return tap_done();
}
