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
 *   - many rings waited for at once on one I/O completion port (kumem_port_associate,
 *     kumem_ring_wait_start): completions, a deadline and CancelIoEx each end a wait, one
 *     packet each, and the packet names the ring
 */
#include <windows.h>

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
	port();
	kumem_close(dev);
	return tap_done();
}
