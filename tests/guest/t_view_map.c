// SPDX-License-Identifier: MIT
/*
 * Views of method 2 regions mapped into the process (issue 14 item 3): mmap of a view's id
 * maps the whole pages its bytes touch, the same pages as the parent's mapping; the mapping
 * keeps the view, and the view the parent, alive after both ids are released; no child
 * inherits it; views of views map the same way; read-only parents give read-only views.
 * Every case ends with the module's counters back where they were.
 */
#include "guest_util.h"

#define PG 4096u

static int fd;

static int view_of(uint32_t parent, uint64_t off, uint64_t len, uint32_t *id)
{
	struct kumem_view_args a = { .parent = parent, .offset = off, .len = len };
	int err = rioctl(fd, KUMEM_IOC_VIEW, &a);

	if (!err)
		*id = a.id;
	return err;
}

static struct kumem_mdl describe(uint32_t id)
{
	struct kumem_describe_args d = { .id = id };

	if (rioctl(fd, KUMEM_IOC_DESCRIBE, &d))
		bail_out("describe %u: %s", id, strerror(errno));
	return d.mdl;
}

/* mmap region @id's @pages pages, or NULL (errno set) */
static uint8_t *map_id(uint32_t id, uint64_t pages, int prot)
{
	return raw_map(fd, pages * PG, prot, MAP_SHARED, (uint64_t)id * PG);
}

static struct kumem_stats stats_fd(void)
{
	struct kumem_stats st;

	if (rioctl(fd, KUMEM_IOC_STATS, &st))
		bail_out("stats: %s", strerror(errno));
	return st;
}

static bool same_counters(const struct kumem_stats *base)
{
	struct kumem_stats now = stats_fd();

	return stats_same(&now, base);
}

/* A view in the middle of a region, mapped: the same bytes, both ways, page-granular. */
static void map_a_view(void)
{
	struct kumem_stats base = stats_fd(), during;
	struct kumem_alloc_args a;
	struct kumem_mdl m;
	struct kumem_mdl_elem e;
	struct kumem_describe_chain_args dc = { .elems = (uintptr_t)&e, .max_elems = 1 };
	uint8_t *p, *v, last;
	uint32_t vid;
	uint64_t sum = 1;

	if (!is_int(raw_alloc(fd, 5 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &a), 0,
		    "method 2 region of 5 pages"))
		return;
	p = raw_map(fd, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, a.mmap_offset);
	if (!p)
		bail_out("map parent: %s", strerror(errno));
	fill_pattern(p, 5 * PG, 1);
	is_int(view_of(a.id, PG + 100, 2 * PG, &vid), 0, "view of [PG + 100, 3 PG + 100)");
	m = describe(vid);
	ok(m.page_count == 3 && m.byte_offset == 100 && m.byte_count == 2 * PG && m.start_va == 0,
	   "it spans 3 pages from byte 100 of the first; not mapped yet (start_va 0)");

	errno = 0;
	ok(!map_id(vid, 2, PROT_READ) && errno == EINVAL, "mapping 2 of its 3 pages -> EINVAL");
	ok(!raw_map(fd, 3 * PG, PROT_READ, MAP_PRIVATE, (uint64_t)vid * PG) && errno == EINVAL,
	   "a private mapping -> EINVAL");
	ok(!map_id(vid, 3, PROT_READ | PROT_EXEC) && errno == EACCES, "PROT_EXEC -> EACCES");
	v = map_id(vid, 3, PROT_READ | PROT_WRITE);
	if (!ok(v != NULL, "map the view's 3 pages read-write"))
		bail_out("map view: %s", strerror(errno));
	ok(memcmp(v, p + PG, 3 * PG) == 0, "the mapping shows the parent's pages 1-3");
	v[100] = 0x11;
	v[100 + 2 * PG - 1] = 0x22;
	ok(p[PG + 100] == 0x11 && p[3 * PG + 99] == 0x22,
	   "writes through the view reach the parent");
	p[2 * PG] = 0x33;
	ok(v[PG] == 0x33, "and the parent's writes show in the view");
	is_int(raw_op(fd, KUMEM_IOC_KERNEL_FILL, vid, 5, 7, 0x44, NULL), 0,
	       "kernel fill via the view");
	ok(v[105] == 0x44 && v[111] == 0x44 && v[104] != 0x44 && v[112] != 0x44,
	   "lands at the view's bytes 5..11, in the mapping at byte_offset + 5");
	is_int(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, vid, 0, 2 * PG, 0, &sum), 0,
	       "kernel checksum");
	ok(sum == kumem_checksum(v + 100, 2 * PG), "= the view's bytes in the mapping");

	m = describe(vid);
	ok(m.start_va == (uintptr_t)v, "describe: start_va is the view's mapping");
	ok((m.flags & KUMEM_MDL_USER_MAPPED) && (m.flags & KUMEM_MDL_VIEW) &&
		   (m.flags & KUMEM_MDL_KERNEL_ALLOCATED),
	   "flags: view, kernel allocated, user mapped");
	dc.id = vid;
	ok(rioctl(fd, KUMEM_IOC_DESCRIBE_CHAIN, &dc) == 0 && dc.elems_written == 1 &&
		   e.start_va == (uintptr_t)v && e.byte_offset == 100,
	   "describe_chain: its one element at the mapping, byte offset 100");
	during = stats_fd();
	ok(during.regions == base.regions + 2 && during.user_mappings == base.user_mappings + 2 &&
		   during.allocated_pages == base.allocated_pages + 5,
	   "counters: 2 regions, 2 mappings, the parent's 5 pages and no more");

	/* both ids released: the view's mapping keeps the view, which keeps the parent */
	last = p[4 * PG - 1];
	is_int(raw_release(fd, a.id), 0, "release the parent's id");
	munmap(p, a.map_len);
	is_int(raw_release(fd, vid), 0, "release the view's id");
	during = stats_fd();
	ok(during.regions == base.regions + 2 &&
		   during.allocated_pages == base.allocated_pages + 5 &&
		   during.user_mappings == base.user_mappings + 1,
	   "the view's mapping holds the view and the parent's pages");
	v[0] = 0x55;
	ok(v[0] == 0x55 && v[3 * PG - 1] == last, "the mapping still works, first and last page");
	is_int(munmap(v, 3 * PG), 0, "munmap the view");
	ok(same_counters(&base), "munmap gave everything back (regions, pages, mappings)");
}

static int child_reads(void *arg)
{
	volatile uint8_t *p = arg;

	return p[0] == 0x77 ? 0 : 2;
}

/* Views of views, fork, read-only parents, contiguous parents, method 1 parents. */
static void views_of_views_and_fork(void)
{
	struct kumem_stats base = stats_fd();
	struct kumem_alloc_args a, ro, ct;
	uint32_t v1, v2, rov, ctv, lk, lkv;
	uint8_t *p, *m1, *m2, *r, *buf;

	if (raw_alloc(fd, 4 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &a))
		bail_out("alloc");
	p = raw_map(fd, a.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, a.mmap_offset);
	if (!p)
		bail_out("map: %s", strerror(errno));
	fill_pattern(p, 4 * PG, 2);
	is_int(view_of(a.id, 10, 3 * PG, &v1), 0, "view 1: [10, 3 PG + 10), 4 pages");
	is_int(view_of(v1, PG - 10 + 5, PG, &v2), 0,
	       "view 2 of view 1: parent bytes [PG + 5, ...)");
	ok(describe(v2).page_count == 2 && describe(v2).byte_offset == 5,
	   "view 2 spans pages 1-2 of the parent from byte 5");
	m1 = map_id(v1, 4, PROT_READ | PROT_WRITE);
	m2 = map_id(v2, 2, PROT_READ | PROT_WRITE);
	ok(m1 && m2, "both views mapped");
	if (!m1 || !m2)
		bail_out("map views: %s", strerror(errno));
	m2[5] = 0x66;
	ok(p[PG + 5] == 0x66 && m1[PG + 5] == 0x66,
	   "a write through view 2 shows in view 1 and parent");
	ok(memcmp(m2, p + PG, 2 * PG) == 0, "view 2's mapping is the parent's pages 1-2");

	m1[10] = 0x77;
	is_int(madvise(m1, 4 * PG, MADV_DOFORK) ? errno : 0, EINVAL,
	       "MADV_DOFORK on a view's mapping refused");
	is_int(in_child(child_reads, m1 + 10), KILLED_BY(SIGSEGV),
	       "a forked child has no mapping of the view (SIGSEGV)");
	ok(m1[10] == 0x77, "the parent's mapping is untouched by the fork");

	/* release everything but the mappings, in the worst order */
	raw_release(fd, a.id);
	raw_release(fd, v1);
	munmap(p, a.map_len);
	munmap(m1, 4 * PG);
	ok(m2[5] == 0x66, "view 2's mapping outlives its parent view's id and mapping");
	raw_release(fd, v2);
	munmap(m2, 2 * PG);
	ok(same_counters(&base), "views of views: counters back to baseline");

	/* a read-only parent gives read-only views */
	if (raw_alloc(fd, 2 * PG, KUMEM_USER_READ, &ro))
		bail_out("alloc ro");
	is_int(view_of(ro.id, 1, PG, &rov), 0, "view of a read-only region");
	errno = 0;
	ok(!map_id(rov, 2, PROT_READ | PROT_WRITE) && errno == EACCES, "mapped writable -> EACCES");
	r = map_id(rov, 2, PROT_READ);
	ok(r != NULL, "mapped read-only");
	if (r) {
		is_int(mprotect(r, 2 * PG, PROT_READ | PROT_WRITE) ? errno : 0, EACCES,
		       "mprotect(PROT_WRITE) refused");
		munmap(r, 2 * PG);
	}
	raw_release(fd, rov);
	raw_release(fd, ro.id);

	/* a physically contiguous parent */
	if (is_int(raw_alloc(fd, 3 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG,
			     &ct),
		   0, "contiguous region")) {
		is_int(view_of(ct.id, 2 * PG, PG, &ctv), 0, "view of its last page");
		raw_release(fd, ct.id);
		r = map_id(ctv, 1, PROT_READ | PROT_WRITE);
		ok(r != NULL, "mapped after the parent's id went");
		if (r) {
			r[0] = 9;
			munmap(r, PG);
		}
		raw_release(fd, ctv);
	}

	/* method 1: the pages are the process's own; neither a lock nor its views map */
	buf = anon(2 * PG, PROT_READ | PROT_WRITE, true);
	if (!raw_lock(fd, buf, 2 * PG, KUMEM_KERNEL_READ, &lk)) {
		is_int(view_of(lk, 0, PG, &lkv), 0, "view of a method 1 region");
		errno = 0;
		ok(!map_id(lkv, 1, PROT_READ) && errno == EINVAL, "mmap of it -> EINVAL");
		raw_release(fd, lkv);
		raw_release(fd, lk);
	}
	munmap(buf, 2 * PG);
	ok(same_counters(&base), "counters back to baseline");
}

/* A process killed with mapped views whose parents it released. */
static int map_and_die(void *arg)
{
	int d = open("/dev/kumem", O_RDWR | O_CLOEXEC);
	struct kumem_alloc_args a = { .len = 3 * PG, .flags = KUMEM_USER_READ | KUMEM_USER_WRITE };
	struct kumem_view_args v = { .offset = 5, .len = PG };
	uint8_t *m;

	(void)arg;
	if (d < 0 || ioctl(d, KUMEM_IOC_ALLOC_SHARED, &a))
		return 1;
	v.parent = a.id;
	if (ioctl(d, KUMEM_IOC_VIEW, &v))
		return 2;
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, d, (off_t)v.id * PG);
	if (m == MAP_FAILED)
		return 3;
	m[5] = 1;
	{
		struct kumem_region_ref r = { .id = a.id };

		if (ioctl(d, KUMEM_IOC_RELEASE, &r))
			return 4;
	}
	close(d); /* only the mapping holds the view now, and the view the parent */
	raise(SIGKILL);
	return 5;
}

int main(void)
{
	struct kumem_stats base;
	long pins0;

	tap_header();
	fd = raw_open();
	base = stats_fd();
	pins0 = foll_pins_held(true);
	map_a_view();
	views_of_views_and_fork();
	is_int(in_child(map_and_die, NULL), KILLED_BY(SIGKILL),
	       "child killed holding a mapped view of a released parent");
	ok(wait_until(ASYNC_BOUND_MS, same_counters(&base)),
	   "counters back to baseline after the kill (bounded wait)");
	ok(wait_until(ASYNC_BOUND_MS, foll_pins_held(true) == pins0),
	   "FOLL_PIN pins back to baseline (bounded wait)");
	close(fd);
	return tap_done();
}
