// SPDX-License-Identifier: MIT
/* Method 1: the caller's memory locked and mapped into the kernel. */
#include "guest_util.h"

static kumem_t *dev;

/* Lock [p, p+len), check both directions of sharing, release. */
static void share_both_ways(uint8_t *p, size_t len, const char *what)
{
	kumem_region_t *r;
	uint64_t sum = 0;
	size_t i, bad = 0;
	int err;

	fill_pattern(p, len, (unsigned int)len);
	err = kumem_lock_user(dev, p, len, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r);
	if (!is_int(err, 0, "%s: lock %zu bytes", what, len))
		return;
	is_int(kumem_kernel_checksum(r, 0, len, &sum), 0, "%s: kernel checksum", what);
	ok(sum == kumem_checksum(p, len), "%s: kernel sees what the process wrote", what);
	is_int(kumem_kernel_fill(r, len / 3, len - len / 3, 0xe7), 0, "%s: kernel fill", what);
	for (i = 0; i < len; i++)
		if (p[i] != (i >= len / 3 ? 0xe7 : (uint8_t)((i * 2654435761u + len) >> 13)))
			bad++;
	is_int(bad, 0, "%s: process sees the kernel's fill, bytes before it untouched", what);
	is_int(kumem_region_release(r), 0, "%s: release", what);
}

int main(void)
{
	static const size_t sizes[] = { 1, 4095, 4097, 3 * 4096 + 77, 1 << 20, 64 << 20 };
	struct kumem_stats base;
	kumem_region_t *r;
	uint8_t *buf, *p;
	uint64_t sum = 0;
	uint32_t id = 0;
	size_t i;
	int fd;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);

	buf = anon((64 << 20) + 3 * 4096, PROT_READ | PROT_WRITE, true);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "aligned %zu", sizes[i]);
		share_both_ways(buf, sizes[i], what);
		snprintf(what, sizeof(what), "offset 4093, %zu", sizes[i]);
		share_both_ways(buf + 4093, sizes[i], what);
	}
	{
		struct kumem_stats during;

		is_int(kumem_lock_user(dev, buf + 10, 2 * 4096, KUMEM_KERNEL_READ, &r), 0,
		       "lock 2 pages + 10 bytes offset");
		during = stats_now(dev);
		is_int(during.pinned_pages - base.pinned_pages, 3, "3 pages pinned while it lives");
		is_int(during.regions - base.regions, 1, "one region counted");
		is_int(kumem_kernel_fill(r, 0, 1, 0), -EACCES, "KERNEL_READ region refuses a fill");
		ok(kumem_kernel_checksum(r, 0, 2 * 4096, &sum) == 0 &&
			   sum == kumem_checksum(buf + 10, 2 * 4096),
		   "but checksums it");
		kumem_region_release(r);
	}
	munmap(buf, (64 << 20) + 3 * 4096);

	/* Untouched memory locked for reading must not pin the zero page. */
	p = anon(16 * 4096, PROT_READ | PROT_WRITE, false);
	(void)*(volatile uint8_t *)p; /* a read fault maps the zero page */
	is_int(kumem_lock_user(dev, p, 16 * 4096, KUMEM_KERNEL_READ, &r), 0,
	       "lock untouched memory for reading");
	fill_pattern(p, 16 * 4096, 99);
	ok(kumem_kernel_checksum(r, 0, 16 * 4096, &sum) == 0 && sum == kumem_checksum(p, 16 * 4096),
	   "writes after a read lock of untouched memory reach the kernel (no stale zero page)");
	kumem_region_release(r);

	/* The process unmaps memory the kernel still holds: the kernel keeps the pages. */
	is_int(kumem_lock_user(dev, p, 16 * 4096, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r), 0,
	       "lock a buffer, then munmap it");
	sum = kumem_checksum(p, 16 * 4096);
	munmap(p, 16 * 4096);
	{
		uint64_t after = 0;

		ok(kumem_kernel_checksum(r, 0, 16 * 4096, &after) == 0 && after == sum,
		   "kernel still reads the same bytes after munmap");
		is_int(kumem_kernel_fill(r, 0, 16 * 4096, 0x42), 0, "and may still write them");
		ok(kumem_kernel_checksum(r, 0, 16 * 4096, &after) == 0 && after != sum,
		   "its writes land in the pinned pages");
	}
	is_int(kumem_region_release(r), 0, "release after munmap");

	/* Raw: a second release of the same id */
	fd = raw_open();
	p = anon(4096, PROT_READ | PROT_WRITE, true);
	is_int(raw_lock(fd, p, 100, KUMEM_KERNEL_READ, &id), 0, "raw lock");
	ok(id != 0, "region id is nonzero (%u)", id);
	is_int(raw_release(fd, id), 0, "raw release");
	is_int(raw_release(fd, id), -ENOENT, "second release of the same id -> ENOENT");
	is_int(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, id, 0, 1, 0, &sum), -ENOENT,
	       "checksum of a released id -> ENOENT");
	close(fd);
	munmap(p, 4096);

	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
