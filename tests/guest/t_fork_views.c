// SPDX-License-Identifier: MIT
/*
 * What a process sees of kumem memory after fork, madvise and mremap: no kumem mapping is
 * ever copied into a child (not even after MADV_DOFORK), and the MDL view's start_va is the
 * caller's own current mapping of the region, or 0.
 */
#include "guest_util.h"

#define PG 4096

static int dev_fd;

/* Child: read the first word at @arg. Exit 0 if it could (it must not). */
static int child_reads(void *arg)
{
	volatile uint64_t *p = arg;

	return *p == 0 ? 2 : 0;
}

/* @p (@len bytes, holding a non-zero first word) refuses MADV_DOFORK and a child never sees it */
static void not_inherited(void *p, size_t len, const char *what)
{
	int err = madvise(p, len, MADV_DOFORK) ? errno : 0;

	is_int(err, EINVAL, "%s: MADV_DOFORK refused (EINVAL)", what);
	is_int(in_child(child_reads, p), KILLED_BY(SIGSEGV),
	       "%s: a forked child has no such mapping (SIGSEGV)", what);
}

static void no_fork_copies(void)
{
	struct kumem_alloc_args a;
	struct kumem_ring_create rc = { .sq_entries = 8 };
	struct kumem_events_create ec = { .data_bytes = 4 * PG };
	uint8_t *p;

	if (raw_alloc(dev_fd, 2 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &a))
		bail_out("alloc");
	p = raw_map(dev_fd, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, a.mmap_offset);
	if (!p)
		bail_out("map region: %s", strerror(errno));
	memset(p, 0x5a, 2 * PG);
	not_inherited(p, 2 * PG, "region");
	munmap(p, 2 * PG);
	raw_release(dev_fd, a.id);

	if (rioctl(dev_fd, KUMEM_IOC_RING_CREATE, &rc))
		bail_out("ring");
	p = raw_map(rc.ring_fd, rc.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (!p)
		bail_out("map ring: %s", strerror(errno));
	((struct kumem_ring_ctrl *)p)->cq_head = 0x77; /* a word the process may write */
	not_inherited(p, rc.map_len, "ring");
	((struct kumem_ring_ctrl *)p)->cq_head = 0;
	munmap(p, rc.map_len);
	close(rc.ring_fd);

	if (rioctl(dev_fd, KUMEM_IOC_EVENTS_CREATE, &ec))
		bail_out("events");
	p = raw_map(ec.events_fd, PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (!p)
		bail_out("map events: %s", strerror(errno));
	*(uint64_t *)p = 0x99;
	not_inherited(p, PG, "event stream consumer page");
	munmap(p, PG);
	close(ec.events_fd);
}

static uint64_t start_va(int fd, uint32_t id)
{
	struct kumem_describe_args d = { .id = id };

	if (rioctl(fd, KUMEM_IOC_DESCRIBE, &d))
		bail_out("describe: %s", strerror(errno));
	return d.mdl.start_va;
}

struct view_arg {
	uint32_t id;
};

/* Child (the fd is inherited, the mapping is not): what does it see? 0 expected. */
static int child_view(void *arg)
{
	struct view_arg *v = arg;

	return start_va(dev_fd, v->id) == 0 ? 0 : 1;
}

static void mdl_start_va(void)
{
	struct kumem_alloc_args a;
	struct view_arg v;
	uint8_t *p, *q, *spot;
	uint32_t id;

	if (raw_alloc(dev_fd, 2 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &a))
		bail_out("alloc");
	is_int(start_va(dev_fd, a.id), 0, "method 2, not mapped: start_va 0");
	p = raw_map(dev_fd, 2 * PG, PROT_READ, MAP_SHARED, a.mmap_offset);
	q = raw_map(dev_fd, 2 * PG, PROT_READ, MAP_SHARED, a.mmap_offset);
	if (!p || !q)
		bail_out("map: %s", strerror(errno));
	ok(start_va(dev_fd, a.id) == (uint64_t)(uintptr_t)(p < q ? p : q),
	   "mapped twice: start_va is the lower mapping");
	munmap(p < q ? p : q, 2 * PG);
	p = p < q ? q : p;
	ok(start_va(dev_fd, a.id) == (uint64_t)(uintptr_t)p, "after munmap of it: the other one");
	/* move it somewhere else */
	spot = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 3 * PG);
	if (q == MAP_FAILED)
		bail_out("mremap: %s", strerror(errno));
	ok(start_va(dev_fd, a.id) == (uint64_t)(uintptr_t)q, "after mremap: the new address");
	v.id = a.id;
	is_int(in_child(child_view, &v), 0, "a child sharing the fd: start_va 0, not the parent's");
	munmap(q, 2 * PG);
	munmap(spot, 8 * PG);
	is_int(start_va(dev_fd, a.id), 0, "after the last munmap: start_va 0");
	raw_release(dev_fd, a.id);

	/* method 1: the locked range, in the locking process only */
	p = anon(2 * PG, PROT_READ | PROT_WRITE, true);
	if (raw_lock(dev_fd, p, 2 * PG, KUMEM_KERNEL_READ, &id))
		bail_out("lock");
	ok(start_va(dev_fd, id) == (uint64_t)(uintptr_t)p, "method 1: the locked address");
	v.id = id;
	is_int(in_child(child_view, &v), 0, "method 1, a child sharing the fd: start_va 0");
	raw_release(dev_fd, id);
	munmap(p, 2 * PG);
}

int main(void)
{
	kumem_t *dev;
	struct kumem_stats base;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	dev_fd = open("/dev/kumem", O_RDWR); /* no O_CLOEXEC needed: children only fork */
	if (dev_fd < 0)
		bail_out("open: %s", strerror(errno));
	no_fork_copies();
	mdl_start_va();
	close(dev_fd);
	stats_check(dev, &base, "after fork and view tests");
	kumem_close(dev);
	return tap_done();
}
