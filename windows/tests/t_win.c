// SPDX-License-Identifier: MIT
/*
 * kumem-win-tests.exe: what only Windows can show, next to the portable kumem-tests.exe
 * (tests/guest/t_api.c). Prints TAP. Built here, never run here (no Windows on these machines).
 *
 *   - the driver's user mappings carry the protection asked for: PAGE_READWRITE, or
 *     PAGE_READONLY through MdlMappingNoWrite, never executable (MdlMappingNoExecute)
 *   - the KUMEM_ALLOC_CONTIG variant gives whole, zeroed pages
 *   - one handle serves several threads at once: a thread waiting in the driver for ring
 *     completions does not hold up another thread's ioctl (libkumem opens overlapped)
 *   - the region's memory is gone from the process after release (the driver unmapped it)
 *   - chains and views (issue 14): three segments locked as one MDL chain, the kernel's fill
 *     and checksum across the joints, views at a joint and of a view outliving the parent's
 *     release, refusals naming the segment, a method 2 view mapped PAGE_READWRITE over the
 *     parent's pages (Wine cannot lock pages, so this runs only on Windows)
 */
#include <windows.h>
#include <string.h>

#include <kumem/kumem.h>
#include "../../tests/guest/tap.h"

static kumem_t *dev;

static DWORD protection(const void *p)
{
	MEMORY_BASIC_INFORMATION mbi;

	if (VirtualQuery(p, &mbi, sizeof(mbi)) != sizeof(mbi))
		return 0;
	return mbi.State == MEM_COMMIT ? mbi.Protect : 0;
}

static void mappings(void)
{
	kumem_region_t *r;
	uint8_t *p;
	size_t i, bad = 0;

	/* after a failed create there is no region to use: say not ok and stop here */
	if (!is_int(kumem_alloc_shared(dev, 3 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &r), 0,
		    "read-write region"))
		return;
	p = kumem_region_addr(r);
	is_int(protection(p), PAGE_READWRITE, "mapped PAGE_READWRITE (not executable)");
	is_int(protection(p + 2 * 4096), PAGE_READWRITE, "... up to its last page");
	is_int(kumem_region_release(r), 0, "release");
	is_int(protection(p), 0, "after release the driver has unmapped it");

	if (!is_int(kumem_alloc_shared(dev, 4096, KUMEM_USER_READ, &r), 0, "read-only region"))
		return;
	is_int(protection(kumem_region_addr(r)), PAGE_READONLY,
	       "mapped PAGE_READONLY (MdlMappingNoWrite)");
	kumem_region_release(r);

	if (!is_int(kumem_alloc_shared(dev, 5000,
				       KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG, &r),
		    0, "contiguous variant, 5000 bytes"))
		return;
	p = kumem_region_addr(r);
	ok(((uintptr_t)p & 4095) == 0, "contiguous variant mapped at a page boundary");
	for (i = 0; i < 2 * 4096; i++)
		bad += p[i] != 0;
	is_int(bad, 0, "both whole pages zeroed");
	kumem_region_release(r);
}

struct waiter {
	kumem_ring_t *ring;
	int result;
};

static DWORD WINAPI wait_ring(void *arg)
{
	struct waiter *w = arg;

	w->result = kumem_ring_wait(w->ring, 1, 2000000000ll); /* 2 s, nothing will complete */
	return 0;
}

static void concurrency(void)
{
	struct waiter w = { 0 };
	struct kumem_stats st;
	ULONGLONG t0, t1;
	HANDLE th;

	if (!is_int(kumem_ring_create(dev, 8, 0, 0, &w.ring), 0, "ring for the waiter"))
		return;
	th = CreateThread(NULL, 0, wait_ring, &w, 0, NULL);
	Sleep(200); /* let it enter the driver */
	t0 = GetTickCount64();
	is_int(kumem_stats(dev, &st), 0, "another thread's ioctl while one waits in the driver");
	t1 = GetTickCount64();
	ok(t1 - t0 < 1000, "... is not held up by the wait (%llu ms)",
	   (unsigned long long)(t1 - t0));
	WaitForSingleObject(th, INFINITE);
	CloseHandle(th);
	is_int(w.result, -ETIMEDOUT, "the waiter times out on its own");
	kumem_ring_destroy(w.ring);
}

#define PG 4096u

static void chains(void)
{
	struct kumem_segment s[3], bad_segs[2];
	struct kumem_mdl_elem e[3];
	kumem_region_t *r, *v, *vv, *m2, *mv;
	static uint8_t all[5 * PG];
	struct kumem_mdl md;
	uint8_t *buf, *hole, *mine, *parent;
	unsigned bad;
	uint32_t len = 0;
	uint64_t sum;
	size_t at = 0, i;
	int n;

	buf = VirtualAlloc(NULL, 16 * PG, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
	hole = VirtualAlloc(NULL, PG, MEM_RESERVE, PAGE_NOACCESS); /* reserved, never committed */
	if (!ok(buf && hole, "memory for chains"))
		return;
	for (i = 0; i < 16 * PG; i++)
		buf[i] = (uint8_t)(i * 31 + (i >> 12));
	s[0] = (struct kumem_segment){ (uintptr_t)buf + 5 * PG + 0x64, PG };
	s[1] = (struct kumem_segment){ (uintptr_t)buf + 0xfff, PG + 1 };
	s[2] = (struct kumem_segment){ (uintptr_t)buf + 9 * PG + 7, 2 * PG + 9 };
	for (i = 0; i < 3; i++) {
		memcpy(all + at, (void *)(uintptr_t)s[i].addr, s[i].len);
		at += s[i].len;
	}
	if (!is_int(kumem_lock_user_segments(dev, s, 3, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &r,
					     &bad),
		    0, "three segments locked as one chain"))
		return;
	n = kumem_region_describe_chain(r, e, 3, &len);
	is_int(n, 3, "three MDLs linked through Next");
	ok(n == 3 && e[1].start_va == ((uintptr_t)buf & ~(uintptr_t)(PG - 1)) &&
		   e[1].byte_offset == 0xfff && e[1].byte_count == PG + 1 && e[1].page_count == 2 &&
		   e[1].offset == PG && e[1].first_pfn == 2,
	   "the second element: StartVa, ByteOffset, ByteCount, pages, offset, first PFN");
	is_int(kumem_region_describe(r, &md, NULL, 0), 0, "describe the chain");
	ok((md.flags & KUMEM_MDL_CHAINED) && !(md.flags & KUMEM_MDL_KERNEL_MAPPED) &&
		   md.chain_length == 3 && md.page_count == 7 && md.byte_count == at,
	   "chained, no one linear mapping, 7 pages, %zu bytes", at);
	is_int(kumem_kernel_checksum(r, 0, at, &sum), 0, "kernel checksum of the chain");
	ok(sum == kumem_checksum(all, at), "... equals the segments' bytes back to back");
	is_int(kumem_kernel_fill(r, PG - 3, PG + 10, 0xee), 0, "kernel fill across both joints");
	ok(buf[5 * PG + 0x64 + PG - 1] == 0xee && buf[0xfff] == 0xee &&
		   buf[9 * PG + 7 + 5] == 0xee && buf[9 * PG + 7 + 6] == all[2 * PG + 1 + 6],
	   "the process sees the fill in each segment, and not past it");
	memset(all + PG - 3, 0xee, PG + 10);

	is_int(kumem_region_view(r, PG - 50, 200, &v), 0, "a view across the first joint");
	is_int(kumem_region_view(v, 40, 20, &vv), 0, "a view of the view");
	is_int(kumem_region_release(r), 0, "release the parent while its views live");
	is_int(kumem_kernel_checksum(vv, 0, 20, &sum), 0, "the view of the view still reads");
	ok(sum == kumem_checksum(all + PG - 10, 20), "... the chain's bytes");
	is_int(kumem_region_view(vv, 20, 1, &r), -ERANGE, "a view past its parent's end: ERANGE");
	kumem_region_release(vv);
	kumem_region_release(v);

	bad_segs[0] = s[0];
	bad_segs[1] = (struct kumem_segment){ s[0].addr + 10, 5 };
	is_int(kumem_lock_user_segments(dev, bad_segs, 2, KUMEM_KERNEL_READ, &r, &bad), -EINVAL,
	       "segments sharing a page: EINVAL");
	is_int(bad, 1, "... naming the second");
	bad_segs[1] = (struct kumem_segment){ (uintptr_t)hole, 5 };
	is_int(kumem_lock_user_segments(dev, bad_segs, 2, KUMEM_KERNEL_READ, &r, &bad), -EFAULT,
	       "an uncommitted segment: EFAULT");
	is_int(bad, 1, "... naming it");

	if (!is_int(kumem_alloc_shared(dev, 5 * PG, KUMEM_USER_READ | KUMEM_USER_WRITE, &m2), 0,
		    "method 2 region for a view"))
		return;
	parent = kumem_region_addr(m2);
	is_int(kumem_region_view(m2, PG + 100, 2 * PG, &mv), 0, "a view of it");
	is_int(kumem_region_describe(mv, &md, NULL, 0), 0, "describe the view");
	mine = (uint8_t *)(uintptr_t)md.start_va;
	ok(mine && md.byte_offset == 100 && md.page_count == 3 && (md.flags & KUMEM_MDL_VIEW),
	   "mapped into the process: its own pages, offset 100, 3 pages");
	is_int(protection(mine), PAGE_READWRITE, "the view's mapping is PAGE_READWRITE");
	if (mine) {
		mine[100] = 0xab;
		ok(parent[PG + 100] == 0xab, "a store through the view is in the parent's pages");
	}
	kumem_region_release(mv);
	is_int(protection(mine), 0, "the view's mapping is gone at release");
	kumem_region_release(m2);
	VirtualFree(hole, 0, MEM_RELEASE);
	VirtualFree(buf, 0, MEM_RELEASE);
}

int main(void)
{
	int err;

	tap_header();
	err = kumem_open(&dev);
	if (!is_int(err, 0, "kumem_open (as Administrator)"))
		bail_out("%s", kumem_strerror(err));
	mappings();
	concurrency();
	chains();
	kumem_close(dev);
	return tap_done();
}
