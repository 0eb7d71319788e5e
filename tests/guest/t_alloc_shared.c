// SPDX-License-Identifier: MIT
/* Method 2: zeroed kernel pages mapped into the process; mapping rules and lifetime. */
#include "guest_util.h"

static volatile uint8_t *target;

static int write_target(void *arg)
{
	(void)arg;
	target[0] = 1;
	return 0;
}

static int read_target(void *arg)
{
	(void)arg;
	return target[0] == 0x77 ? 0 : 3;
}

int main(void)
{
	struct kumem_stats base, st;
	struct kumem_alloc_args a, b;
	kumem_region_t *r;
	uint64_t sum = 0;
	uint8_t *p;
	size_t i, len = 5 * 4096 + 333, bad;
	uint32_t lock_id = 0;
	int fd;

	tap_header();
	kumem_t *dev = open_or_bail();
	base = stats_now(dev);

	is_int(kumem_alloc_shared(dev, len, KUMEM_USER_READ | KUMEM_USER_WRITE, &r), 0,
	       "alloc %zu bytes shared", len);
	p = kumem_region_addr(r);
	for (i = 0, bad = 0; i < 6 * 4096; i++)
		bad += p[i] != 0;
	is_int(bad, 0, "all six pages (including the slack of the last) arrive zeroed");
	st = stats_now(dev);
	is_int(st.allocated_pages - base.allocated_pages, 6, "6 pages allocated");
	is_int(st.user_mappings - base.user_mappings, 1, "1 user mapping");
	is_int(kumem_kernel_fill(r, 100, len - 100, 0x3d), 0, "kernel fill");
	for (i = 0, bad = 0; i < len; i++)
		bad += p[i] != (i < 100 ? 0 : 0x3d);
	is_int(bad, 0, "process sees the kernel's fill");
	fill_pattern(p, len, 5);
	ok(kumem_kernel_checksum(r, 0, len, &sum) == 0 && sum == kumem_checksum(p, len),
	   "kernel sees the process's writes");
	ok(kumem_kernel_checksum(r, 7, len - 9, &sum) == 0 && sum == kumem_checksum(p + 7, len - 9),
	   "and any sub-range of them");
	is_int(kumem_region_release(r), 0, "release");

	/* read-only for the process */
	is_int(kumem_alloc_shared(dev, 4096, KUMEM_USER_READ, &r), 0, "alloc read-only");
	p = kumem_region_addr(r);
	kumem_kernel_fill(r, 0, 4096, 0x77);
	is_int(p[4095], 0x77, "process reads the kernel's bytes");
	target = p;
	is_int(in_child(write_target, NULL), KILLED_BY(SIGSEGV), "a write faults (SIGSEGV)");
	is_int(mprotect(p, 4096, PROT_READ | PROT_WRITE) < 0 ? -errno : 0, -EACCES,
	       "mprotect(PROT_WRITE) refused: EACCES");
	is_int(mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? -errno : 0, -EACCES,
	       "mprotect(PROT_EXEC) refused: EACCES");
	kumem_region_release(r);

	/* the seed's pool variant: one contiguous block */
	is_int(kumem_alloc_shared(dev, 64 * 1024 + 1,
				  KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG, &r),
	       0, "alloc contiguous 64 KiB + 1");
	p = kumem_region_addr(r);
	for (i = 0, bad = 0; i < 17 * 4096; i++)
		bad += p[i] != 0;
	is_int(bad, 0, "contiguous block arrives zeroed, whole pages");
	fill_pattern(p, 64 * 1024 + 1, 9);
	ok(kumem_kernel_checksum(r, 0, 64 * 1024 + 1, &sum) == 0 &&
		   sum == kumem_checksum(p, 64 * 1024 + 1),
	   "contiguous: kernel sees the process's writes");
	kumem_region_release(r);
	/* the largest block the page allocator serves: 4 MiB on x86 for every kernel of the
	 * matrix (KUMEM_MAX_PAGE_ORDER, whose guard in kumem_compat.h differs between them) */
	if (is_int(kumem_alloc_shared(dev, 4 << 20, KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &r), 0,
		   "contiguous 4 MiB, the largest order"))
		kumem_region_release(r);
	is_int(kumem_alloc_shared(dev, (4 << 20) + 1, KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &r),
	       -E2BIG, "contiguous over 4 MiB -> E2BIG");

	/* raw ABI: mapping rules */
	fd = raw_open();
	is_int(raw_alloc(fd, 3 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &a), 0, "raw alloc rw");
	is_int(a.map_len, 3 * 4096, "map_len is whole pages");
	is_int(a.mmap_offset, (uint64_t)a.id << 12, "mmap offset names the region");
	is_int(raw_alloc(fd, 4096, KUMEM_USER_READ, &b), 0, "raw alloc ro");
	p = anon(4096, PROT_READ | PROT_WRITE, true);
	is_int(raw_lock(fd, p, 4096, KUMEM_KERNEL_READ, &lock_id), 0, "raw lock (method 1)");
	errno = 0;
	ok(!raw_map(fd, 3 * 4096, PROT_READ, MAP_SHARED, (uint64_t)(a.id + 100) << 12) &&
		   errno == EINVAL,
	   "mmap of an id that does not exist -> EINVAL");
	ok(!raw_map(fd, 2 * 4096, PROT_READ, MAP_SHARED, a.mmap_offset) && errno == EINVAL,
	   "mmap smaller than the region -> EINVAL");
	ok(!raw_map(fd, 4 * 4096, PROT_READ, MAP_SHARED, a.mmap_offset) && errno == EINVAL,
	   "mmap larger than the region -> EINVAL");
	ok(!raw_map(fd, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, a.mmap_offset) &&
		   errno == EINVAL,
	   "MAP_PRIVATE -> EINVAL");
	ok(!raw_map(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b.mmap_offset) && errno == EACCES,
	   "PROT_WRITE on a read-only region -> EACCES");
	ok(!raw_map(fd, 3 * 4096, PROT_READ | PROT_EXEC, MAP_SHARED, a.mmap_offset) &&
		   errno == EACCES,
	   "PROT_EXEC -> EACCES");
	ok(!raw_map(fd, 4096, PROT_READ, MAP_SHARED, (uint64_t)lock_id << 12) && errno == EINVAL,
	   "mmap of a method-1 region -> EINVAL");
	ok(!raw_map(fd, 4096, PROT_READ, MAP_SHARED, 0) && errno == EINVAL,
	   "mmap offset 0 -> EINVAL");
	raw_release(fd, lock_id);
	munmap(p, 4096);

	/* the mapping outlives the region */
	p = raw_map(fd, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, a.mmap_offset);
	ok(p != NULL, "mmap the rw region");
	is_int(munmap(p + 4096, 4096) < 0 ? -errno : 0, -EINVAL,
	       "munmap of the middle page (a split) -> EINVAL");
	is_int(raw_release(fd, a.id), 0, "release while mapped");
	p[0] = 0x77;
	p[3 * 4096 - 1] = 0x78;
	ok(p[0] == 0x77 && p[3 * 4096 - 1] == 0x78, "mapping still usable after release");
	st = stats_now(dev);
	is_int(st.allocated_pages - base.allocated_pages, 4,
	       "its 3 pages (and the ro region's) live on");
	target = p;
	is_int(in_child(read_target, NULL), KILLED_BY(SIGSEGV),
	       "a forked child does not inherit the mapping (VM_DONTCOPY)");
	munmap(p, 3 * 4096);
	st = stats_now(dev);
	is_int(st.allocated_pages - base.allocated_pages, 1, "pages freed at munmap");
	raw_release(fd, b.id);
	close(fd);

	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
