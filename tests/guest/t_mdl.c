// SPDX-License-Identifier: MIT
/* The MDL view: header fields, flags, descriptor size, and PFNs (root only) vs pagemap. */
#include "guest_util.h"

static kumem_t *dev;
static kumem_region_t *pfn_region;

static uint64_t pagemap_pfn(int fd, const void *va)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)va / 4096) * 8;

	if (pread(fd, &e, 8, off) != 8 || !(e >> 63))
		return 0;
	return e & ((1ull << 55) - 1);
}

/* child: drop root, then ask for PFNs (must be EPERM) and the view alone (must work) */
static int unprivileged_describe(void *arg)
{
	struct kumem_mdl m;
	uint64_t pfns[4];

	(void)arg;
	if (setgid(65534) || setuid(65534))
		return 10;
	if (kumem_region_describe(pfn_region, &m, pfns, 4) != -EPERM)
		return 11;
	if (kumem_region_describe(pfn_region, &m, NULL, 0) != 0)
		return 12;
	return m.page_count == 3 ? 0 : 13;
}

int main(void)
{
	struct kumem_stats base;
	struct kumem_mdl m, m2;
	kumem_region_t *r, *r2;
	uint64_t pfns[64];
	uint8_t *buf;
	size_t i;
	int n, pm, same;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	buf = anon(64 * 4096, PROT_READ | PROT_WRITE, true);

	/* method 1, unaligned */
	is_int(kumem_lock_user(dev, buf + 0x10, 2 * 4096, KUMEM_KERNEL_READ, &r), 0,
	       "lock buf+0x10, 2 pages long");
	n = kumem_region_describe(r, &m, NULL, 0);
	is_int(n, 0, "describe without PFNs");
	is_int(m.start_va, (uintptr_t)buf, "StartVa is the page holding the first byte");
	is_int(m.byte_offset, 0x10, "ByteOffset 0x10");
	is_int(m.byte_count, 2 * 4096, "ByteCount");
	is_int(m.page_count, 3, "spans 3 pages");
	is_int(m.id, kumem_region_id(r), "id");
	is_int(m.flags, KUMEM_MDL_LOCKED | KUMEM_MDL_KERNEL_MAPPED, "flags: locked, kernel-mapped");
	is_int(kumem_lock_user(dev, buf + 4095, 10 * 4096, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE,
			       &r2),
	       0, "lock buf+4095, 10 pages long");
	kumem_region_describe(r2, &m2, NULL, 0);
	is_int(m2.page_count, 11, "spans 11 pages");
	is_int(m2.byte_offset, 4095, "ByteOffset 4095");
	is_int(m2.flags, KUMEM_MDL_LOCKED | KUMEM_MDL_KERNEL_MAPPED | KUMEM_MDL_KERNEL_WRITES,
	       "flags include kernel-writes");
	is_int(m2.descriptor_bytes - m.descriptor_bytes, 8 * (11 - 3),
	       "descriptor grows by 8 bytes a page");
	ok(m.descriptor_bytes < 512, "descriptor header is small (%llu bytes for 3 pages)",
	   (unsigned long long)m.descriptor_bytes);

	/* PFNs vs /proc/self/pagemap (root) */
	n = kumem_region_describe(r2, &m2, pfns, 64);
	is_int(n, 11, "11 PFNs written");
	pm = open("/proc/self/pagemap", O_RDONLY);
	ok(pm >= 0, "open /proc/self/pagemap");
	for (i = 0, same = 0; i < 11; i++)
		same += pfns[i] == pagemap_pfn(pm, buf + i * 4096) && pfns[i] != 0;
	is_int(same, 11, "every PFN equals what pagemap reports for the same page");
	close(pm);
	memset(pfns, 0, sizeof(pfns));
	is_int(kumem_region_describe(r2, &m2, pfns, 4), 4, "max 4 writes only 4");
	is_int(pfns[4], 0, "nothing written past max");
	kumem_region_release(r2);

	pfn_region = r;
	is_int(in_child(unprivileged_describe, NULL), 0,
	       "non-root: PFNs -> EPERM, the view without PFNs still works");
	kumem_region_release(r);

	/* method 2 */
	is_int(kumem_alloc_shared(dev, 3 * 4096, KUMEM_USER_READ, &r), 0, "alloc read-only");
	kumem_region_describe(r, &m, NULL, 0);
	is_int(m.start_va, (uintptr_t)kumem_region_addr(r), "StartVa is this process's mapping");
	is_int(m.byte_offset, 0, "ByteOffset 0");
	is_int(m.flags,
	       KUMEM_MDL_LOCKED | KUMEM_MDL_KERNEL_MAPPED | KUMEM_MDL_KERNEL_ALLOCATED |
		       KUMEM_MDL_USER_MAPPED | KUMEM_MDL_USER_READ_ONLY,
	       "flags: kernel-allocated, user-mapped, user-read-only");
	kumem_region_release(r);
	is_int(kumem_alloc_shared(dev, 8 * 4096,
				  KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG, &r),
	       0, "alloc contiguous 8 pages");
	n = kumem_region_describe(r, &m, pfns, 64);
	is_int(n, 8, "8 PFNs");
	ok(m.flags & KUMEM_MDL_CONTIGUOUS, "flags: contiguous");
	for (i = 1, same = 0; i < 8; i++)
		same += pfns[i] == pfns[0] + i;
	is_int(same, 7, "contiguous PFNs are consecutive");
	kumem_region_release(r);

	munmap(buf, 64 * 4096);
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
