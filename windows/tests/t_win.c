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
 *     parent's pages, ring COPY and CHECKSUM across the joints (Wine cannot lock pages, so
 *     this runs only on Windows)
 *   - event streams (issue 16): the consumer page PAGE_READWRITE, the producer page and both
 *     copies of the data PAGE_READONLY, the second copy showing the first one's bytes, the
 *     generator's records in order through libkumem, both pieces unmapped at release
 *   - many rings waited for at once on one I/O completion port (kumem_port_associate,
 *     kumem_ring_wait_start): completions, a deadline and CancelIoEx each end a wait, one
 *     packet each, and the packet names the ring; an event stream's wait on the same port
 *     (kumem_events_wait_start), its packet naming the stream and no ring
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

/* One submission on @ring, waited for: its completion's result (and *@value). */
static int64_t ring_one(kumem_ring_t *ring, const struct kumem_sqe *e, uint64_t *value)
{
	struct kumem_sqe *slot = kumem_ring_get_sqe(ring);
	struct kumem_cqe cqe = { .result = -EIO };

	if (!slot)
		return -ENOSPC;
	*slot = *e;
	if (kumem_ring_submit(ring) != 1 || kumem_ring_wait(ring, 1, -1) ||
	    kumem_ring_reap(ring, &cqe, 1) != 1)
		return -EIO;
	if (value)
		*value = cqe.value;
	return cqe.result;
}

/*
 * Ring submissions over the chain (@all: its bytes as the process sees them, @len of them):
 * the driver's one mapping of the chain's frames, walked across joints.
 */
static void chain_ring(kumem_region_t *r, uint8_t *all, size_t len)
{
	struct kumem_sqe e = {
		.op = KUMEM_OP_COPY, .offset = PG - 20, .dst_offset = PG - 10, .len = 40
	};
	kumem_ring_t *ring;
	uint64_t sum = 0;

	if (!is_int(kumem_ring_create(dev, 8, 0, 0, &ring), 0, "a ring for the chain"))
		return;
	e.region = e.dst_region = kumem_region_id(r);
	is_int(ring_one(ring, &e, NULL), 0,
	       "ring COPY within the chain, across a joint, overlapping");
	memmove(all + PG - 10, all + PG - 20, 40);
	memset(&e, 0, sizeof(e));
	e.op = KUMEM_OP_CHECKSUM;
	e.region = kumem_region_id(r);
	e.len = len;
	is_int(ring_one(ring, &e, &sum), 0, "ring CHECKSUM of the whole chain");
	ok(sum == kumem_checksum(all, len), "... the segments' bytes after a memmove");
	kumem_ring_destroy(ring);
}

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
	chain_ring(r, all, at);

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
	ok(mine && kumem_region_addr(mv) == mine + 100,
	   "libkumem's address of the view is its first byte in that mapping");
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

struct ev_check {
	uint64_t next, bad;
};

static int ev_record(void *ctx, const void *payload, uint32_t len)
{
	struct ev_check *c = ctx;
	const uint8_t *p = payload;
	uint64_t seq;
	uint32_t i;

	memcpy(&seq, p, 8);
	c->bad += seq != c->next++;
	for (i = 8; i < len; i++)
		if (p[i] != (uint8_t)seq) {
			c->bad++;
			break;
		}
	return 0;
}

static void events(void)
{
	struct kumem_events_create a = { .data_bytes = 4 * 4096 };
	struct kumem_region_ref ref = { 0 };
	struct ev_check c = { 0 };
	kumem_events_t *e;
	uint64_t produced, dropped;
	uint8_t *ro;
	DWORD n;
	HANDLE h;
	int idle = 0;

	/* the library's calls, as on Linux */
	if (!is_int(kumem_events_create(dev, 16 * 4096, &e), 0, "event stream of 64 KiB"))
		return;
	is_int(kumem_events_generate(e, 5000, 200, 0), 0, "generate 5000 records of 200 bytes");
	while (c.next < 5000 && idle < 50) {
		int got = kumem_events_consume(e, ev_record, &c, 64);

		if (got > 0)
			idle = 0;
		else
			idle += kumem_events_wait(e, 100) == 0;
	}
	is_int(c.next, 5000, "5000 records consumed");
	is_int(c.bad, 0, "in order and intact, across the wrap");
	kumem_events_counts(e, &produced, &dropped);
	ok(produced == 5000 && dropped == 0, "counted: 5000 produced, none dropped");
	kumem_events_destroy(e);

	/* the driver's two mappings, seen by the memory manager */
	h = CreateFileW(L"\\\\.\\kumem", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
			NULL);
	if (!ok(h != INVALID_HANDLE_VALUE, "a second handle"))
		return;
	if (!ok(DeviceIoControl(h, KUMEM_IOC_EVENTS_CREATE, &a, sizeof(a), &a, sizeof(a), &n, NULL),
		"EVENTS_CREATE of 16 KiB")) {
		CloseHandle(h);
		return;
	}
	ro = (uint8_t *)(uintptr_t)a.user_ro_addr;
	is_int(protection((void *)(uintptr_t)a.user_addr), PAGE_READWRITE,
	       "consumer page PAGE_READWRITE");
	is_int(protection(ro), PAGE_READONLY, "producer page PAGE_READONLY");
	is_int(protection(ro + 4096 + 2 * 16384 - 1), PAGE_READONLY,
	       "... through the last byte of the second copy");
	{
		struct kumem_events_gen g = { .count = 300,
					      .record_len = 64,
					      .events_id = (uint32_t)a.events_fd };
		struct kumem_events_wait w = { .events_id = (uint32_t)a.events_fd,
					       .timeout_ns = 2000000000ll };

		DeviceIoControl(h, KUMEM_IOC_EVENTS_GEN, &g, sizeof(g), &g, sizeof(g), &n, NULL);
		DeviceIoControl(h, KUMEM_IOC_EVENTS_WAIT, &w, sizeof(w), &w, sizeof(w), &n, NULL);
		Sleep(200); /* nobody consumes: the generator fills the area and waits */
		ok(memcmp(ro + 4096, ro + 4096 + 16384, 16384) == 0 && ro[4096] != 0,
		   "the second copy shows the first one's bytes");
	}
	ref.id = (uint32_t)a.events_fd;
	ok(DeviceIoControl(h, KUMEM_IOC_RELEASE, &ref, sizeof(ref), NULL, 0, &n, NULL), "RELEASE");
	is_int(protection(ro), 0, "after release both pieces are unmapped");
	CloseHandle(h);
}

#define PORT_RINGS 4

/* The next packet's ring (NULL: none within @ms), with the port's key checked. */
static kumem_ring_t *next_ring(HANDLE port, DWORD ms)
{
	OVERLAPPED *ov = NULL;
	ULONG_PTR key = 0;
	DWORD n;

	GetQueuedCompletionStatus(port, &n, &key, &ov, ms);
	if (!ov)
		return NULL;
	ok(key == 0x4b55, "the packet carries the handle's key");
	return kumem_ring_from_overlapped(ov);
}

/* A stream's wait on the rings' port: a record, then a 100 ms deadline, then a cancel. */
static void port_stream(HANDLE port)
{
	OVERLAPPED *ov = NULL;
	kumem_events_t *s;
	ULONG_PTR key;
	DWORD n;

	if (!is_int(kumem_events_create(dev, 4 * 4096, &s), 0, "a stream on the same handle"))
		return;
	is_int(kumem_events_wait_start(s, -1), 0, "kumem_events_wait_start");
	is_int(kumem_events_generate(s, 1, 16, 0), 0, "one record");
	GetQueuedCompletionStatus(port, &n, &key, &ov, 2000);
	ok(ov && kumem_events_from_overlapped(ov) == s, "the packet names the stream");
	ok(ov && kumem_ring_from_overlapped(ov) == NULL, "... and no ring");
	is_int(kumem_events_wait_end(s), 1, "its wait: a record ready");
	is_int(kumem_events_consume(s, ev_record, &(struct ev_check){ 0 }, 8), 1, "the record");
	is_int(kumem_events_wait_start(s, 100), 0, "a 100 ms wait");
	ov = NULL;
	GetQueuedCompletionStatus(port, &n, &key, &ov, 2000);
	ok(ov && kumem_events_from_overlapped(ov) == s, "its packet");
	is_int(kumem_events_wait_end(s), 0, "the deadline: 0");
	is_int(kumem_events_wait_start(s, -1), 0, "a wait to cancel");
	is_int(kumem_events_wait_cancel(s), 0, "kumem_events_wait_cancel");
	ov = NULL;
	GetQueuedCompletionStatus(port, &n, &key, &ov, 2000);
	ok(ov && kumem_events_from_overlapped(ov) == s, "the cancelled wait's packet");
	is_int(kumem_events_wait_end(s), -EINTR, "... EINTR");
	kumem_events_destroy(s);
}

static void port(void)
{
	kumem_ring_t *r[PORT_RINGS], *got;
	struct kumem_cqe cqe;
	struct kumem_sqe *e;
	HANDLE port;
	int i;

	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	if (!ok(port != NULL, "CreateIoCompletionPort"))
		return;
	is_int(kumem_port_associate(dev, port, 0x4b55), 0, "kumem_port_associate");
	for (i = 0; i < PORT_RINGS; i++) {
		is_int(kumem_ring_create(dev, 8, 0, 0, &r[i]), 0, "ring %d", i);
		is_int(kumem_ring_wait_start(r[i], 1, i == 3 ? 100 * 1000 * 1000ll : -1), 0,
		       "wait_start on ring %d", i);
	}
	is_int(kumem_ring_wait_start(r[0], 1, -1), -EBUSY, "a second wait on one ring: EBUSY");
	ok(next_ring(port, 50) == NULL, "no packet yet (nor for libkumem's own calls)");
	/* ring 2 gets a NOP: its wait, and only its, ends */
	e = kumem_ring_get_sqe(r[2]);
	e->op = KUMEM_OP_NOP;
	e->user_data = 22;
	is_int(kumem_ring_submit(r[2]), 1, "a NOP on ring 2");
	got = next_ring(port, 2000);
	ok(got == r[2], "the packet names ring 2");
	is_int(kumem_ring_wait_end(r[2]), 0, "its wait: completed");
	is_int(kumem_ring_reap(r[2], &cqe, 1), 1, "the completion is there");
	is_int(cqe.user_data, 22, "... ring 2's");
	/* ring 3's 100 ms deadline */
	got = next_ring(port, 2000);
	ok(got == r[3], "the next packet names ring 3 (its deadline)");
	is_int(kumem_ring_wait_end(r[3]), -ETIMEDOUT, "its wait: ETIMEDOUT");
	/* the other two are cancelled */
	is_int(kumem_ring_wait_cancel(r[0]), 0, "cancel ring 0's wait");
	is_int(kumem_ring_wait_cancel(r[1]), 0, "cancel ring 1's wait");
	for (i = 0; i < 2; i++) {
		got = next_ring(port, 2000);
		ok(got == r[0] || got == r[1], "a packet for a cancelled wait");
		if (got)
			is_int(kumem_ring_wait_end(got), -EINTR, "... EINTR");
	}
	port_stream(port);
	for (i = 0; i < PORT_RINGS; i++)
		kumem_ring_destroy(r[i]);
	CloseHandle(port);
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
	events();
	port();
	kumem_close(dev);
	return tap_done();
}
