// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios: ReadFile/WriteFile on \Device\kumem-buffered (DO_BUFFERED_IO) and
 * \Device\kumem-direct (DO_DIRECT_IO), windows/rw.c, sent by the model's I/O manager the way
 * Windows sends them for each flag (wm_io.c: read_write). Write consumes (the driver's
 * checksum must equal core's over the caller's bytes), read produces (core's pattern from 0,
 * exactly Length bytes, nothing past them); KUMEM_IOC_RW_LAST reports each call. Bad buffers
 * fail in the I/O manager's probe and the driver is never called; every fallible call of the
 * read/write path fails in turn; every scenario ends with the unload's leak checks.
 */
#include <sys/wait.h>

#include "wm_test.h"
#include "../../core/checksum.h"

#define DEV_BUFFERED L"\\Device\\kumem-buffered"
#define DEV_DIRECT   L"\\Device\\kumem-direct"
#define RW_MAX	     (1024u << 20) /* rw.c: KUMEM_RW_MAX_BYTES, one region's limit */

static HANDLE open_dev(struct wm_process *p, PCWSTR name)
{
	NTSTATUS st;
	HANDLE h = wm_open_device(p, name, &st);

	CHECK(h, "open %ls: %#x", name, (unsigned)st);
	return h;
}

static struct kumem_rw_last rw_last(struct wm_process *p, HANDLE h)
{
	struct kumem_rw_last l = { 0 };

	CHECK_EQ(IOC(p, h, KUMEM_IOC_RW_LAST, l), 0, "RW_LAST");
	return l;
}

static uint64_t pattern_sum(size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	uint64_t sum;

	kumem_pattern_fill(b, 0, len);
	sum = kumem_checksum(b, len);
	free(b);
	return sum;
}

/* What RW_LAST must say after a successful call of @len bytes at @buf on @direct's device. */
static void check_last(struct wm_process *p, HANDLE h, bool direct, bool write, const uint8_t *buf,
		       ULONG len, uint64_t sum)
{
	struct kumem_rw_last l = rw_last(p, h);
	uint64_t span = len ? ADDRESS_AND_SIZE_TO_SPAN_PAGES(buf, len) : 0;
	uint32_t i;

	CHECK_EQ(l.mode, direct ? KUMEM_RW_DIRECT : KUMEM_RW_BUFFERED, "RW_LAST mode");
	CHECK_EQ(l.op, write ? KUMEM_RW_OP_WRITE : KUMEM_RW_OP_READ, "RW_LAST op");
	CHECK_EQ(l.bytes, len, "RW_LAST bytes");
	CHECK_EQ(l.sum, sum, "RW_LAST sum");
	CHECK_EQ(l.segments, len ? 1 : 0, "RW_LAST segments");
	if (!direct || !len) {
		CHECK_EQ(l.pages + l.byte_offset + l.pfn_count + l.os_flags, 0,
			 "no MDL fields without an MDL");
		return;
	}
	CHECK_EQ(l.pages, span, "RW_LAST pages: the buffer's span");
	CHECK_EQ(l.max_pinned, span, "RW_LAST max_pinned: all locked at once");
	CHECK_EQ(l.byte_offset, BYTE_OFFSET(buf), "RW_LAST byte_offset");
	CHECK((l.os_flags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA)) ==
		      (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA),
	      "MdlFlags %#x: locked by the I/O manager, mapped by the driver", l.os_flags);
	CHECK_EQ(!!(l.os_flags & MDL_WRITE_OPERATION), !write,
		 "MDL_WRITE_OPERATION: the pages were locked for writing only for a read");
	if (!p->debug_privilege) {
		CHECK_EQ(l.pfn_count, 0, "no PFNs without SeDebugPrivilege");
		return;
	}
	CHECK_EQ(l.pfn_count, span < KUMEM_RW_PFNS ? span : KUMEM_RW_PFNS, "PFN count");
	for (i = 0; i < l.pfn_count; i++)
		CHECK_EQ(l.pfns[i], wm_user_pfn(p, PAGE_ALIGN(buf) + (size_t)i * PAGE_SIZE),
			 "PFN of the caller's page");
}

/* Write then read @len bytes 13 bytes into a page of @p's memory, on one device. */
static void one_size(struct wm_process *p, HANDLE h, bool direct, uint8_t *mem, ULONG len)
{
	uint8_t *buf = mem + 13, *want = malloc(len + 64);
	long before = wm_io_dispatched(IRP_MJ_WRITE);
	ULONG_PTR info = 99;
	ULONG i;
	int bad = 0;

	for (i = 0; i < len + 64; i++)
		buf[i] = (uint8_t)(i * 31 + len);
	CHECK_EQ(wm_write(p, h, buf, len, &info), 0, "WriteFile");
	CHECK_EQ(info, len, "WriteFile: Information is the length");
	CHECK_EQ(wm_io_dispatched(IRP_MJ_WRITE), before + 1, "the driver saw the write");
	check_last(p, h, direct, true, buf, len, kumem_checksum(buf, len));

	memcpy(want, buf, len + 64);
	kumem_pattern_fill(want, 0, len);
	info = 99;
	CHECK_EQ(wm_read(p, h, buf, len, &info), 0, "ReadFile");
	CHECK_EQ(info, len, "ReadFile: Information is the length");
	for (i = 0; i < len + 64; i++)
		bad += buf[i] != want[i];
	CHECK_EQ(bad, 0, "the pattern, and nothing past Length");
	check_last(p, h, direct, false, buf, len, pattern_sum(len));
	wt_nothing_held();
	free(want);
}

static void sizes(PCWSTR dev, bool direct, bool debug, bool wow64)
{
	static const ULONG lens[] = { 0, 1, 4095, 4096, 4097, 3 * 4096 - 13, 5u << 20 };
	struct wm_process *a = wm_process_create(wow64 ? "a32.exe" : "a.exe", wow64);
	uint8_t *mem;
	HANDLE h;
	size_t i;

	a->debug_privilege = debug;
	mem = wm_user_alloc(a, (5u << 20) + 2 * 4096, WM_RW);
	if (wow64)
		CHECK((uintptr_t)mem + (5u << 20) + 2 * 4096 <= 1ull << 32,
		      "a WOW64 process's buffer at %p is below 4 GiB", (void *)mem);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = open_dev(a, dev);
	CHECK_EQ(rw_last(a, h).mode, 0, "RW_LAST before any transfer: none");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		one_size(a, h, direct, mem, lens[i]);
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

static void buffered_sizes(void)
{
	sizes(DEV_BUFFERED, false, false, false);
}

static void direct_sizes(void)
{
	sizes(DEV_DIRECT, true, false, false);
}

static void direct_sizes_pfns(void)
{
	sizes(DEV_DIRECT, true, true, false);
}

/* A 32-bit process: its buffers below 4 GiB, nothing pointer-sized in the requests. */
static void wow64_sizes(void)
{
	sizes(DEV_BUFFERED, false, false, true);
	sizes(DEV_DIRECT, true, true, true);
}

/* Zero bytes: neither buffer nor MDL comes with the request; the driver still answers. */
static void zero_length(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	PCWSTR devs[] = { DEV_BUFFERED, DEV_DIRECT };
	ULONG_PTR info;
	size_t i;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	for (i = 0; i < 2; i++) {
		long r = wm_io_dispatched(IRP_MJ_READ), w = wm_io_dispatched(IRP_MJ_WRITE);

		h = open_dev(a, devs[i]);
		info = 5;
		/* no buffer at all: a NULL address is fine for 0 bytes */
		CHECK_EQ(wm_write(a, h, NULL, 0, &info), 0, "WriteFile of 0 bytes");
		CHECK_EQ(info, 0, "Information 0");
		check_last(a, h, i == 1, true, NULL, 0, kumem_checksum(NULL, 0));
		info = 5;
		CHECK_EQ(wm_read(a, h, NULL, 0, &info), 0, "ReadFile of 0 bytes");
		CHECK_EQ(info, 0, "Information 0");
		check_last(a, h, i == 1, false, NULL, 0, kumem_checksum(NULL, 0));
		CHECK_EQ(wm_io_dispatched(IRP_MJ_READ) - r + wm_io_dispatched(IRP_MJ_WRITE) - w, 2,
			 "both reached the driver");
		wm_close(a, h);
	}
	wm_process_exit(a);
	wm_driver_unload();
}

/* Over one region's limit: STATUS_FILE_TOO_LARGE from the driver, nothing moved, RW_LAST
 * still the previous call. The buffer is real (sparse) memory: the I/O manager has copied
 * or locked all of it before the driver refuses. */
static void too_large(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	PCWSTR devs[] = { DEV_BUFFERED, DEV_DIRECT };
	ULONG len = RW_MAX + 1;
	uint8_t *mem = wm_user_alloc(a, (size_t)len + 4096, WM_RW);
	struct kumem_rw_last l;
	ULONG_PTR info;
	size_t i;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	for (i = 0; i < 2; i++) {
		h = open_dev(a, devs[i]);
		CHECK_EQ(wm_write(a, h, mem, 100, NULL), 0, "a small write first");
		CHECK_EQ(wm_write(a, h, mem, RW_MAX, &info), 0, "exactly the limit is accepted");
		CHECK_EQ(info, RW_MAX, "Information");
		mem[len - 1] = 0x77;
		info = 5;
		CHECK_EQ(wm_write(a, h, mem, len, &info), STATUS_FILE_TOO_LARGE,
			 "write over 1 GiB");
		CHECK_EQ(info, 0, "Information 0 on failure");
		info = 5;
		CHECK_EQ(wm_read(a, h, mem, len, &info), STATUS_FILE_TOO_LARGE, "read over 1 GiB");
		CHECK_EQ(info, 0, "Information 0 on failure");
		CHECK_EQ(mem[0] + mem[len - 1], 0x77, "nothing was read into the buffer");
		l = rw_last(a, h);
		CHECK_EQ(l.bytes, RW_MAX, "RW_LAST: still the last successful call");
		CHECK_EQ(l.op, KUMEM_RW_OP_WRITE, "RW_LAST op");
		mem[len - 1] = 0;
		wm_close(a, h);
		wt_nothing_held();
	}
	wm_process_exit(a);
	wm_driver_unload();
}

/* A buffer with an unmapped page: the probe fails, the whole request fails (no partial
 * count), the driver never runs, nothing stays locked. */
static void unmapped(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	PCWSTR devs[] = { DEV_BUFFERED, DEV_DIRECT };
	uint8_t *mem = wm_user_alloc(a, 3 * 4096, WM_RW);
	uint8_t *nowhere = (uint8_t *)(uintptr_t)0x10000;
	uint8_t *straddle = mem + 2 * 4096 + 100;
	size_t i;
	HANDLE h;

	CHECK_EQ(wm_user_pfn(a, mem + 3 * 4096), 0, "the page after the buffer is not mapped");
	CHECK_EQ(wm_user_pfn(a, nowhere), 0, "0x10000 is not mapped");
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	for (i = 0; i < 2; i++) {
		long r = wm_io_dispatched(IRP_MJ_READ), w = wm_io_dispatched(IRP_MJ_WRITE);
		ULONG_PTR info = 5;

		h = open_dev(a, devs[i]);
		CHECK_EQ(wm_write(a, h, straddle, 8192, &info), STATUS_ACCESS_VIOLATION,
			 "write from a range running into an unmapped page");
		CHECK_EQ(info, 0, "no partial count");
		CHECK_EQ(wm_read(a, h, straddle, 8192, &info), STATUS_ACCESS_VIOLATION,
			 "read into a range running into an unmapped page");
		CHECK_EQ(straddle[0], 0, "not a byte read into the mapped part");
		CHECK_EQ(wm_write(a, h, nowhere, 10, NULL), STATUS_ACCESS_VIOLATION,
			 "write from an unmapped address");
		CHECK_EQ(wm_read(a, h, nowhere, 10, NULL), STATUS_ACCESS_VIOLATION,
			 "read to an unmapped address");
		CHECK_EQ(wm_io_dispatched(IRP_MJ_READ) - r + wm_io_dispatched(IRP_MJ_WRITE) - w, 0,
			 "the driver was not called");
		CHECK_EQ(rw_last(a, h).mode, 0, "RW_LAST: no transfer");
		wt_nothing_held();
		wm_close(a, h);
	}
	wm_process_exit(a);
	wm_driver_unload();
}

/* Read-only memory: a write from it is fine (IoReadAccess), a read into it fails in the
 * probe and leaves it as it was; a copy-on-write page gets its private copy first. */
static void read_only(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *ro = wm_user_alloc(a, 2 * 4096, WM_RO);
	uint8_t *cow = wm_user_alloc(a, 2 * 4096, WM_COW);
	PFN_NUMBER shared = wm_user_pfn(a, cow);
	uint8_t want[4096];
	ULONG_PTR info;
	HANDLE hb, hd;
	int i, bad = 0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	hb = open_dev(a, DEV_BUFFERED);
	hd = open_dev(a, DEV_DIRECT);
	CHECK_EQ(wm_write(a, hd, ro + 7, 5000, &info), 0, "direct write from read-only memory");
	CHECK_EQ(info, 5000, "Information");
	check_last(a, hd, true, true, ro + 7, 5000, kumem_checksum(ro + 7, 5000));
	CHECK_EQ(wm_write(a, hb, ro + 7, 5000, &info), 0, "buffered write from read-only memory");
	check_last(a, hb, false, true, ro + 7, 5000, kumem_checksum(ro + 7, 5000));

	long r = wm_io_dispatched(IRP_MJ_READ);

	info = 5;
	CHECK_EQ(wm_read(a, hd, ro + 7, 5000, &info), STATUS_ACCESS_VIOLATION,
		 "direct read into read-only memory");
	CHECK_EQ(info, 0, "Information 0");
	CHECK_EQ(wm_read(a, hb, ro + 7, 5000, &info), STATUS_ACCESS_VIOLATION,
		 "buffered read into read-only memory");
	CHECK_EQ(wm_io_dispatched(IRP_MJ_READ), r, "the driver was not called");
	for (i = 0; i < 2 * 4096; i++)
		bad += ro[i] != 0;
	CHECK_EQ(bad, 0, "the read-only pages are unchanged");
	CHECK_EQ(rw_last(a, hd).op, KUMEM_RW_OP_WRITE, "RW_LAST: still the write");
	wt_nothing_held();

	/* copy-on-write: the write probe gives the process its own page, the read lands there */
	CHECK_EQ(wm_read(a, hd, cow + 100, 4096, &info), 0,
		 "direct read into copy-on-write memory");
	CHECK(wm_user_pfn(a, cow) != shared, "the process has a private copy of the page");
	kumem_pattern_fill(want, 0, 4096);
	CHECK_EQ(memcmp(cow + 100, want, 4096), 0, "the process sees the pattern");
	wm_close(a, hb);
	wm_close(a, hd);
	wm_process_exit(a);
	wm_driver_unload();
}

/* \Device\kumem has neither flag: read/write refused; the rw devices open through the same
 * IRP_MJ_CREATE (administrators only) and carry the usual per-handle state. */
static void devices(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *u = wm_process_create("user.exe", false);
	uint8_t *mem = wm_user_alloc(a, 4096, WM_RW);
	PCWSTR devs[] = { DEV_BUFFERED, DEV_DIRECT };
	long creates;
	ULONG_PTR info;
	NTSTATUS st;
	HANDLE h;
	size_t i;

	u->admin = false;
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = wt_open(a);
	info = 5;
	CHECK_EQ(wm_write(a, h, mem, 10, &info), STATUS_INVALID_DEVICE_REQUEST,
		 "WriteFile on \\Device\\kumem");
	CHECK_EQ(info, 0, "Information 0");
	CHECK_EQ(wm_read(a, h, mem, 10, &info), STATUS_INVALID_DEVICE_REQUEST,
		 "ReadFile on \\Device\\kumem");
	CHECK_EQ(wm_read(a, h, NULL, 0, &info), STATUS_INVALID_DEVICE_REQUEST,
		 "ReadFile of 0 bytes on \\Device\\kumem");
	wm_close(a, h);
	for (i = 0; i < 2; i++) {
		creates = wm_io_dispatched(IRP_MJ_CREATE);
		CHECK(!wm_open_device(u, devs[i], &st), "a non-administrator opened %ls", devs[i]);
		CHECK_EQ(st, STATUS_ACCESS_DENIED, "refused by the driver's IRP_MJ_CREATE");
		h = open_dev(a, devs[i]);
		CHECK_EQ(wm_io_dispatched(IRP_MJ_CREATE), creates + 2, "both went to the driver");
		CHECK_EQ(wt_stats(a, h).open_handles, 1, "STATS on the rw handle: one open");
		wm_close(a, h);
	}
	wm_process_exit(u);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- two writers on one handle ----------------------------------------------------------- */

struct writer {
	struct wm_process *p;
	HANDLE h;
	const uint8_t *buf;
	ULONG len;
	int failures;
	int done;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	ULONG_PTR info;
	int i;

	for (i = 0; i < 2000; i++)
		w->failures += wm_write(w->p, w->h, w->buf, w->len, &info) != 0 || info != w->len;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Two threads write different buffers on one direct handle while a third reads RW_LAST: every
 * record read is one whole call's (the spin lock), never a mix of the two. Concurrent direct
 * requests each get their own MDL and mapping. The torn-record check is statistical: with the
 * lock removed it failed in about one run in eight here (the copy's window is short). */
static void concurrent_writers(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 8 * 4096, WM_RW);
	struct writer w1, w2;
	struct wm_thread *t1, *t2;
	struct kumem_rw_last l;
	uint64_t sum1, sum2;
	int i, seen1 = 0, seen2 = 0;
	HANDLE h;

	for (i = 0; i < 8 * 4096; i++)
		mem[i] = (uint8_t)(i * 131);
	sum1 = kumem_checksum(mem + 5, 3 * 4096 + 5);
	sum2 = kumem_checksum(mem + 5 * 4096 + 77, 777);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = open_dev(a, DEV_DIRECT);
	w1 = (struct writer){ a, h, mem + 5, 3 * 4096 + 5, 0, 0 };
	w2 = (struct writer){ a, h, mem + 5 * 4096 + 77, 777, 0, 0 };
	t1 = wm_thread_start(a, write_loop, &w1);
	t2 = wm_thread_start(a, write_loop, &w2);
	/* until both writers are done: the calls are bounded, so is this */
	while (!__atomic_load_n(&w1.done, __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&w2.done, __ATOMIC_ACQUIRE)) {
		l = rw_last(a, h);
		if (!l.mode)
			continue; /* no call finished yet */
		if (l.bytes == w1.len) {
			CHECK(l.sum == sum1 && l.pages == 4 && l.byte_offset == 5,
			      "a torn record: bytes %llu with sum %llx, %llu pages, offset %u",
			      (unsigned long long)l.bytes, (unsigned long long)l.sum,
			      (unsigned long long)l.pages, l.byte_offset);
			seen1++;
		} else {
			CHECK(l.bytes == w2.len && l.sum == sum2 && l.pages == 1 &&
				      l.byte_offset == 77,
			      "a torn record: bytes %llu with sum %llx, %llu pages, offset %u",
			      (unsigned long long)l.bytes, (unsigned long long)l.sum,
			      (unsigned long long)l.pages, l.byte_offset);
			seen2++;
		}
	}
	wm_thread_join(t1);
	wm_thread_join(t2);
	CHECK_EQ(w1.failures + w2.failures, 0, "every write succeeded with its full count");
	CHECK(seen1 + seen2 > 0, "RW_LAST showed a record while the writers ran");
	wt_nothing_held();
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
}

/* ---- failed allocation at every step ------------------------------------------------------ */

/* One machine: the n-th fallible call of a read or write fails. 0: the failure was reached;
 * 1: the request ran without reaching it. */
static int one_run(PCWSTR dev, bool write, int n)
{
	struct wm_process *a;
	ULONG_PTR info = 5;
	uint8_t *mem;
	NTSTATUS st;
	bool fired;
	HANDLE h;

	wm_init();
	a = wm_process_create("a.exe", false);
	mem = wm_user_alloc(a, 4 * 4096, WM_RW);
	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	h = open_dev(a, dev);
	wm_fail_plan(n, STATUS_INSUFFICIENT_RESOURCES);
	st = write ? wm_write(a, h, mem + 5, 3 * 4096, &info)
		   : wm_read(a, h, mem + 5, 3 * 4096, &info);
	fired = wm_fail_fired();
	wm_fail_plan(0, 0);
	if (fired) {
		CHECK(!NT_SUCCESS(st), "call %d failed but the request succeeded", n);
		CHECK_EQ(info, 0, "Information 0 on failure");
		CHECK_EQ(rw_last(a, h).mode, 0, "RW_LAST: no transfer recorded");
		CHECK_EQ(mem[5], 0, "nothing read into the buffer");
	} else {
		CHECK_EQ(st, 0, "the request without injected failure");
		CHECK_EQ(info, 3 * 4096, "Information");
	}
	wt_nothing_held();
	wm_close(a, h);
	wm_process_exit(a);
	wm_driver_unload();
	return fired ? 0 : 1;
}

struct rw_case {
	PCWSTR dev;
	bool write;
};

static int one_run_of(int n, const void *arg)
{
	const struct rw_case *c = arg;

	return one_run(c->dev, c->write, n);
}

static void every_step(PCWSTR dev, bool write, int want_steps)
{
	struct rw_case c = { dev, write };

	/* the path's fallible calls, counted: a change in rw.c shows here */
	CHECK_EQ(wt_each_fallible_call(15, one_run_of, &c), want_steps,
		 "fallible calls on the path");
}

/* DO_BUFFERED_IO: the driver makes no fallible call (the I/O manager owns the buffer). */
static void f_buffered_write(void)
{
	every_step(DEV_BUFFERED, true, 0);
}

static void f_buffered_read(void)
{
	every_step(DEV_BUFFERED, false, 0);
}

/* DO_DIRECT_IO: one, the system mapping of the I/O manager's MDL. */
static void f_direct_write(void)
{
	every_step(DEV_DIRECT, true, 1);
}

static void f_direct_read(void)
{
	every_step(DEV_DIRECT, false, 1);
}

const struct wt_scenario wt_rw[] = {
	{ "rw: buffered write/read 0..5 MiB", buffered_sizes },
	{ "rw: direct write/read 0..5 MiB", direct_sizes },
	{ "rw: direct with SeDebugPrivilege: PFNs of the caller's pages", direct_sizes_pfns },
	{ "rw: a WOW64 process, both devices", wow64_sizes },
	{ "rw: zero length, no buffer", zero_length },
	{ "rw: over 1 GiB is STATUS_FILE_TOO_LARGE", too_large },
	{ "rw: unmapped buffers fail in the probe, driver not called", unmapped },
	{ "rw: read-only and copy-on-write buffers", read_only },
	{ "rw: \\Device\\kumem refuses, rw devices open via IRP_MJ_CREATE", devices },
	{ "rw: two writers on one handle, RW_LAST never torn", concurrent_writers },
	{ "rw: failed allocation at every step: buffered write", f_buffered_write },
	{ "rw: failed allocation at every step: buffered read", f_buffered_read },
	{ "rw: failed allocation at every step: direct write", f_direct_write },
	{ "rw: failed allocation at every step: direct read", f_direct_read },
	{ NULL, NULL },
};
