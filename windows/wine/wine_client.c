// SPDX-License-Identifier: MIT
/*
 * wine-client.exe: drives every IOCTL of kumem-wine.sys under Wine and checks each answer.
 * Prints TAP, then `client: N passed, M failed`; exit status 1 if anything failed.
 *
 * What Wine can honestly show (docs/windows.md): dispatch and decoding, argument checks,
 * the NTSTATUS each error becomes (as the Win32 error the caller sees, through Wine's
 * RtlNtStatusToDosError), the buffered path, SEH around a user address, region and ring
 * bookkeeping (ids, quotas, counters, release, cleanup at close), SQPOLL thread start/stop,
 * ReadFile/WriteFile on both read/write devices (on winedevice's copies of the data),
 * event streams' argument checks and failed create, unload. Not: sharing of memory (the driver runs
 * in winedevice.exe, another process; Wine stubs page locking and user mappings), process attach,
 * the exit notification.
 */
#include <stdbool.h>
#include <windows.h>

#include <kumem/kumem.h>
#include "../../tests/guest/tap.h"

#define WINE_MDL_PARTIAL 0x0010 /* MdlFlags, as wdm.h has it */

static HANDLE open_dev(void)
{
	return CreateFileW(L"\\\\.\\kumem", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
			   NULL);
}

/* One IOCTL: 0 or the Win32 error the caller sees. */
static DWORD ioc(HANDLE h, DWORD code, void *in, DWORD in_len, void *out, DWORD out_len, DWORD *got)
{
	DWORD n = 0;

	if (!DeviceIoControl(h, code, in, in_len, out, out_len, &n, NULL))
		return GetLastError();
	if (got)
		*got = n;
	return 0;
}

/* The same block in and out, as every METHOD_BUFFERED call but the checksums uses. */
#define IOC(h, code, blk) ioc((h), (code), &(blk), sizeof(blk), &(blk), sizeof(blk), NULL)

static struct kumem_stats stats(HANDLE h)
{
	struct kumem_stats st = { 0 };

	ioc(h, KUMEM_IOC_STATS, NULL, 0, &st, sizeof(st), NULL);
	return st;
}

static uint32_t alloc(HANDLE h, uint64_t len, uint32_t flags, DWORD *err)
{
	struct kumem_alloc_args a = { .len = len, .flags = flags };

	*err = IOC(h, KUMEM_IOC_ALLOC_SHARED, a);
	return *err ? 0 : a.id;
}

static DWORD release(HANDLE h, uint32_t id)
{
	struct kumem_region_ref ref = { .id = id };

	return ioc(h, KUMEM_IOC_RELEASE, &ref, sizeof(ref), NULL, 0, NULL);
}

static void version_and_stats(HANDLE h)
{
	struct kumem_info v = { 0 };
	struct kumem_stats st;
	DWORD got = 0;

	is_int(ioc(h, KUMEM_IOC_VERSION, NULL, 0, &v, sizeof(v), &got), 0, "VERSION");
	is_int(got, sizeof(v), "VERSION returns the whole block");
	is_int(v.abi_version, KUMEM_ABI_VERSION, "abi_version");
	is_int(v.page_size, 4096, "page_size");
	is_int(v.max_regions, 1024, "max_regions (the per-handle quota)");
	is_int(ioc(h, KUMEM_IOC_VERSION, NULL, 0, &v, 8, NULL), ERROR_INVALID_PARAMETER,
	       "VERSION with a short output buffer: EINVAL -> STATUS_INVALID_PARAMETER");
	is_int(ioc(h, KUMEM_WIN_IOCTL(0x7f, KUMEM_METHOD_BUFFERED), NULL, 0, NULL, 0, NULL),
	       ERROR_INVALID_FUNCTION, "unknown IOCTL: ENOTTY -> STATUS_INVALID_DEVICE_REQUEST");
	st = stats(h);
	is_int(st.open_handles, 1, "STATS: one open handle");
	is_int(st.regions + st.pinned_pages + st.allocated_pages + st.user_mappings, 0,
	       "STATS: nothing held");
}

static void transfers(HANDLE h)
{
	static uint8_t buf[10000];
	struct kumem_xfer x = { 0 };
	uint64_t sum = 0;
	DWORD got = 0;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	is_int(ioc(h, KUMEM_IOC_BUFFERED_CHECKSUM, buf, sizeof(buf), &sum, sizeof(sum), &got), 0,
	       "BUFFERED checksum of 10000 bytes");
	ok(sum == kumem_checksum(buf, sizeof(buf)) && got == 8,
	   "... equals the user-space checksum (%llx)", (unsigned long long)sum);
	is_int(ioc(h, KUMEM_IOC_BUFFERED_CHECKSUM, NULL, 0, &sum, sizeof(sum), NULL), 0,
	       "BUFFERED checksum of nothing");
	ok(sum == kumem_checksum(NULL, 0), "... is the empty checksum");
	is_int(ioc(h, KUMEM_IOC_BUFFERED_CHECKSUM, buf, 16, &sum, 4, NULL), ERROR_INVALID_PARAMETER,
	       "BUFFERED with a 4-byte output: EINVAL");

	/* DIRECT: data = output buffer; the sum goes to x.addr, which the driver probes and
	 * writes in __try. In winedevice.exe page 0x10000 is never mapped: SEH turns the fault
	 * into -EFAULT (the client's address means nothing there, see the file comment). */
	x.addr = 0x10000;
	x.len = 100;
	is_int(ioc(h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), buf, 100, NULL),
	       ERROR_INVALID_USER_BUFFER,
	       "DIRECT: a fault writing the sum is caught (SEH): EFAULT -> "
	       "STATUS_INVALID_USER_BUFFER");
	x.len = 99;
	is_int(ioc(h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), buf, 100, NULL),
	       ERROR_INVALID_PARAMETER, "DIRECT: len differs from the data's length: EINVAL");
	x.len = 100;
	x.reserved = 1;
	is_int(ioc(h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), buf, 100, NULL),
	       ERROR_INVALID_PARAMETER, "DIRECT: reserved field set: EINVAL");
	x.reserved = 0;
	is_int(ioc(h, KUMEM_IOC_DIRECT_CHECKSUM, &x, 8, buf, 100, NULL), ERROR_INVALID_PARAMETER,
	       "DIRECT: short argument block: EINVAL");
	x.addr = 0x800000000000ull;
	is_int(ioc(h, KUMEM_IOC_DIRECT_CHECKSUM, &x, sizeof(x), buf, 100, NULL),
	       ERROR_INVALID_USER_BUFFER, "DIRECT: sum address outside user space: EFAULT");
}

static void lock_user(HANDLE h)
{
	static uint8_t buf[3 * 4096];
	struct kumem_lock_args a = { 0 };
	struct kumem_stats st;

	a.addr = (uintptr_t)buf;
	a.len = 0;
	a.flags = KUMEM_KERNEL_READ;
	is_int(IOC(h, KUMEM_IOC_LOCK_USER, a), ERROR_INVALID_PARAMETER, "LOCK_USER len 0: EINVAL");
	a.len = 2ull << 30;
	is_int(IOC(h, KUMEM_IOC_LOCK_USER, a), ERROR_FILE_TOO_LARGE,
	       "LOCK_USER 2 GiB: E2BIG -> STATUS_FILE_TOO_LARGE");
	a.addr = 0x7ffffffff000ull;
	a.len = 2 * 4096;
	is_int(IOC(h, KUMEM_IOC_LOCK_USER, a), ERROR_INVALID_USER_BUFFER,
	       "LOCK_USER past the end of user space: EFAULT");
	a.addr = (uintptr_t)buf;
	a.len = sizeof(buf);
	a.flags = 0x100;
	is_int(IOC(h, KUMEM_IOC_LOCK_USER, a), ERROR_INVALID_PARAMETER, "LOCK_USER bad flags");
	/* Wine's MmProbeAndLockPages locks nothing, so the MDL never gets a system address:
	 * the driver must undo the MDL and the region and say ENOMEM. */
	a.flags = KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE;
	is_int(IOC(h, KUMEM_IOC_LOCK_USER, a), ERROR_NO_SYSTEM_RESOURCES,
	       "LOCK_USER where no system mapping can be had: ENOMEM");
	st = stats(h);
	is_int(st.regions + st.pinned_pages, 0, "... and nothing is left held");
}

static void regions(HANDLE h)
{
	struct kumem_describe_args d = { 0 };
	struct kumem_kernel_op op = { 0 };
	static uint8_t ref[3 * 4096];
	struct kumem_alloc_args a = { 0 };
	struct kumem_stats st;
	uint64_t pfns[4];
	uint32_t id, id2;
	DWORD err;

	a.len = 3 * 4096 - 100;
	a.flags = KUMEM_USER_READ | KUMEM_USER_WRITE;
	is_int(IOC(h, KUMEM_IOC_ALLOC_SHARED, a), 0, "ALLOC_SHARED 3 pages");
	id = a.id;
	ok(id != 0 && a.map_len == 3 * 4096 && a.user_addr && a.mmap_offset == 0,
	   "... id %u, map_len %llu, an address", id, (unsigned long long)a.map_len);
	st = stats(h);
	ok(st.regions == 1 && st.allocated_pages == 3 && st.user_mappings == 1,
	   "STATS: 1 region, 3 pages, 1 mapping");

	op.id = id;
	op.value = 0x5a;
	op.len = 3 * 4096 - 100;
	is_int(IOC(h, KUMEM_IOC_KERNEL_FILL, op), 0, "KERNEL_FILL the region with 0x5a");
	op.value = 0;
	is_int(IOC(h, KUMEM_IOC_KERNEL_CHECKSUM, op), 0, "KERNEL_CHECKSUM");
	memset(ref, 0x5a, sizeof(ref));
	ok(op.result == kumem_checksum(ref, 3 * 4096 - 100), "... sees the fill");
	op.offset = 3 * 4096 - 100;
	op.len = 1;
	is_int(IOC(h, KUMEM_IOC_KERNEL_CHECKSUM, op), ERROR_HANDLE_EOF,
	       "KERNEL_CHECKSUM past the end: ERANGE -> STATUS_END_OF_FILE");
	op.offset = 0;
	op.value = 256;
	is_int(IOC(h, KUMEM_IOC_KERNEL_FILL, op), ERROR_INVALID_PARAMETER,
	       "fill value 256: EINVAL");

	d.id = id;
	is_int(IOC(h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE");
	ok(d.mdl.byte_count == 3 * 4096 - 100 && d.mdl.page_count == 3 && d.mdl.id == id &&
		   d.mdl.start_va == a.user_addr,
	   "... byte count, 3 pages, the id, the mapping's address");
	ok((d.mdl.flags & (KUMEM_MDL_KERNEL_ALLOCATED | KUMEM_MDL_USER_MAPPED)) ==
			   (KUMEM_MDL_KERNEL_ALLOCATED | KUMEM_MDL_USER_MAPPED) &&
		   !(d.mdl.flags & KUMEM_MDL_USER_READ_ONLY),
	   "... flags: allocated, mapped, writable (%#x)", d.mdl.flags);
	ok(d.mdl.descriptor_bytes > 48, "... descriptor_bytes counts the MDL (MmSizeOfMdl)");
	d.pfns = (uintptr_t)pfns;
	d.max_pfns = 4;
	is_int(IOC(h, KUMEM_IOC_DESCRIBE, d), ERROR_PRIVILEGE_NOT_HELD,
	       "DESCRIBE with PFNs, no SeDebugPrivilege: EPERM -> STATUS_PRIVILEGE_NOT_HELD");
	d.pfns = 0;
	d.max_pfns = 0;
	d.id = 0x7fff0;
	is_int(IOC(h, KUMEM_IOC_DESCRIBE, d), ERROR_NOT_FOUND, "DESCRIBE an unknown id: ENOENT");

	id2 = alloc(h, 5000, KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG, &err);
	is_int(err, 0, "ALLOC_SHARED contiguous (KUMEM_ALLOC_CONTIG), 5000 bytes");
	op.id = id2;
	op.value = 0;
	op.len = 2 * 4096;
	is_int(IOC(h, KUMEM_IOC_KERNEL_CHECKSUM, op), ERROR_HANDLE_EOF,
	       "... is 5000 bytes long to the driver");
	op.len = 5000;
	is_int(IOC(h, KUMEM_IOC_KERNEL_CHECKSUM, op), 0, "... checksum");
	memset(ref, 0, sizeof(ref));
	ok(op.result == kumem_checksum(ref, 5000), "... zeroed");
	is_int(alloc(h, 5ull << 20, KUMEM_USER_READ | KUMEM_ALLOC_CONTIG, &err), 0,
	       "contiguous above 4 MiB refused");
	is_int(err, ERROR_FILE_TOO_LARGE, "... with E2BIG");

	is_int(release(h, id), 0, "RELEASE the first region");
	is_int(release(h, id), ERROR_NOT_FOUND, "RELEASE it again: ENOENT");
	is_int(release(h, id2), 0, "RELEASE the contiguous region");
	st = stats(h);
	is_int(st.regions + st.allocated_pages + st.user_mappings, 0, "STATS: nothing held");
}

/*
 * Chains and views (issue 14). What Wine can show: the argument checks and their Win32
 * errors, SEH around the segment array, and views of method 2 regions (IoBuildPartialMdl of
 * the shim's nonpaged MDL, kernel ops through the inherited mapping, the view outliving its
 * parent's id). Not: a vectored lock that succeeds (Wine locks nothing: -ENOMEM, as for
 * LOCK_USER), PFNs, or DESCRIBE_CHAIN into the client's memory (the driver would write into
 * winedevice.exe's memory at that address), and so no ring submission over a chain (its one
 * system mapping, chain.c): tests/winmodel/test_chain_ring.c runs those.
 */
static void chains(HANDLE h)
{
	struct kumem_lockv_args lv = { 0 };
	struct kumem_view_args v = { 0 };
	struct kumem_describe_chain_args dc = { 0 };
	struct kumem_describe_args d = { 0 };
	struct kumem_kernel_op op = { 0 };
	static uint8_t ref[3 * 4096];
	struct kumem_stats st;
	uint32_t id, vid, vv;
	DWORD err;

	printf("# not run under Wine: ring submissions over a chain (Wine locks nothing; "
	       "tests/winmodel/test_chain_ring.c runs them)\n");
	lv.flags = KUMEM_KERNEL_READ;
	is_int(IOC(h, KUMEM_IOC_LOCK_USERV, lv), ERROR_INVALID_PARAMETER, "LOCK_USERV 0 segments");
	lv.count = KUMEM_MAX_SEGMENTS + 1;
	is_int(IOC(h, KUMEM_IOC_LOCK_USERV, lv), ERROR_INVALID_PARAMETER,
	       "LOCK_USERV more than KUMEM_MAX_SEGMENTS");
	lv.count = 2;
	lv.flags = 0;
	is_int(IOC(h, KUMEM_IOC_LOCK_USERV, lv), ERROR_INVALID_PARAMETER, "LOCK_USERV no flags");
	lv.flags = KUMEM_KERNEL_READ;
	lv.segs = 0x7ff000000000ull; /* mapped in neither process */
	is_int(IOC(h, KUMEM_IOC_LOCK_USERV, lv), ERROR_INVALID_USER_BUFFER,
	       "LOCK_USERV with an unmapped segment array: EFAULT (SEH around the copy)");

	id = alloc(h, 3 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &err);
	is_int(err, 0, "ALLOC_SHARED 3 pages for views");
	op.id = id;
	op.len = 3 * 4096;
	op.value = 0x11;
	IOC(h, KUMEM_IOC_KERNEL_FILL, op);
	op.offset = 4096 + 10;
	op.len = 10;
	op.value = 0x22;
	IOC(h, KUMEM_IOC_KERNEL_FILL, op);
	memset(ref, 0x11, sizeof(ref));
	memset(ref + 4096 + 10, 0x22, 10);

	v.parent = id;
	v.offset = 4096 + 5;
	v.len = 4096;
	is_int(IOC(h, KUMEM_IOC_VIEW, v), 0, "VIEW [4101, +4096) of method 2 (IoBuildPartialMdl)");
	vid = v.id;
	memset(&op, 0, sizeof(op));
	op.id = vid;
	op.len = 4096;
	is_int(IOC(h, KUMEM_IOC_KERNEL_CHECKSUM, op), 0, "KERNEL_CHECKSUM of the view");
	ok(op.result == kumem_checksum(ref + 4096 + 5, 4096),
	   "... the parent's bytes, through the partial MDL's inherited mapping");
	d.id = vid;
	is_int(IOC(h, KUMEM_IOC_DESCRIBE, d), 0, "DESCRIBE the view");
	ok(d.mdl.byte_count == 4096 && d.mdl.byte_offset == 5 && d.mdl.page_count == 2 &&
		   d.mdl.chain_length == 1 &&
		   (d.mdl.flags & (KUMEM_MDL_VIEW | KUMEM_MDL_KERNEL_MAPPED)) ==
			   (KUMEM_MDL_VIEW | KUMEM_MDL_KERNEL_MAPPED),
	   "... 4096 bytes at offset 5 of its first page, 2 pages, one MDL, a view (%#x)",
	   d.mdl.flags);
	ok(d.mdl.os_flags & WINE_MDL_PARTIAL, "... MdlFlags has MDL_PARTIAL (%#x)", d.mdl.os_flags);
	dc.id = vid;
	is_int(IOC(h, KUMEM_IOC_DESCRIBE_CHAIN, dc), 0, "DESCRIBE_CHAIN without room: the length");
	ok(dc.chain_length == 1 && dc.elems_written == 0, "... 1, none written");
	dc.max_elems = 1;
	is_int(IOC(h, KUMEM_IOC_DESCRIBE_CHAIN, dc), ERROR_INVALID_PARAMETER,
	       "DESCRIBE_CHAIN with room but no array: EINVAL");

	v.parent = vid;
	v.offset = 5;
	v.len = 10;
	is_int(IOC(h, KUMEM_IOC_VIEW, v), 0, "VIEW of the view");
	vv = v.id;
	v.offset = 4096;
	v.len = 1;
	is_int(IOC(h, KUMEM_IOC_VIEW, v), ERROR_HANDLE_EOF, "VIEW past the view's end: ERANGE");
	v.offset = 0;
	v.len = 0;
	is_int(IOC(h, KUMEM_IOC_VIEW, v), ERROR_INVALID_PARAMETER, "VIEW of 0 bytes: EINVAL");
	v.parent = 0x7fff0;
	v.len = 1;
	is_int(IOC(h, KUMEM_IOC_VIEW, v), ERROR_NOT_FOUND, "VIEW of no region: ENOENT");

	is_int(release(h, id), 0, "RELEASE the parent while its views live");
	op.id = vv;
	op.len = 10;
	is_int(IOC(h, KUMEM_IOC_KERNEL_CHECKSUM, op), 0, "the view of the view still reads");
	ok(op.result == kumem_checksum(ref + 4096 + 10, 10), "... the parent's bytes");
	is_int(release(h, vid), 0, "RELEASE the view");
	is_int(release(h, vv), 0, "RELEASE the view of the view");
	st = stats(h);
	is_int(st.regions + st.allocated_pages + st.user_mappings, 0,
	       "STATS: nothing held after the last view");
}

/* The per-handle count quota: 1024 regions, the next is ENOSPC; all released by close. */
static void quota_and_close(void)
{
	HANDLE h = open_dev(), h2 = open_dev();
	struct kumem_stats st;
	DWORD err = 0;
	int i, made = 0;

	for (i = 0; i < 1024; i++)
		made += alloc(h, 4096, KUMEM_USER_READ, &err) != 0;
	is_int(made, 1024, "1024 one-page regions on one handle");
	is_int(alloc(h, 4096, KUMEM_USER_READ, &err), 0, "the 1025th is refused");
	is_int(err, ERROR_TOO_MANY_OPEN_FILES, "... ENOSPC -> STATUS_TOO_MANY_OPENED_FILES");
	st = stats(h2);
	ok(st.open_handles == 2 && st.regions == 1024, "STATS from a second handle: 2, 1024");
	for (i = 0; i < 8; i++)
		release(h, (uint32_t)(i + 1));
	{
		struct kumem_ring_create c = { .sq_entries = 8, .flags = KUMEM_RING_SQPOLL };

		is_int(IOC(h, KUMEM_IOC_RING_CREATE, c), 0, "an SQPOLL ring, live at close");
	}
	CloseHandle(h);
	st = stats(h2);
	ok(st.open_handles == 1 && st.regions == 0 && st.allocated_pages == 0 &&
		   st.user_mappings == 0,
	   "closing the handle released every region and stopped the ring (cleanup)");
	CloseHandle(h2);
}

static void rings(HANDLE h)
{
	struct kumem_ring_create c = { .sq_entries = 8 };
	struct kumem_ring_enter e = { 0 };
	struct kumem_stats st;
	uint32_t id;

	is_int(IOC(h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE 8 entries");
	id = (uint32_t)c.ring_fd;
	ok(id && c.sq_offset == 4096 && c.cq_offset == 4096 + 8 * 64 && c.user_addr &&
		   c.map_len == 2 * 4096,
	   "... id %u, layout: SQ at 4096, CQ after 8 entries, 2 pages", id);
	e.ring_id = id;
	e.flags = KUMEM_ENTER_GETEVENTS;
	e.min_complete = 1;
	e.timeout_ns = 20 * 1000 * 1000;
	is_int(IOC(h, KUMEM_IOC_RING_ENTER, e), ERROR_SEM_TIMEOUT,
	       "ENTER GETEVENTS, nothing submitted: ETIMEDOUT after 20 ms");
	e.flags = 0x80;
	is_int(IOC(h, KUMEM_IOC_RING_ENTER, e), ERROR_INVALID_PARAMETER, "ENTER bad flags: EINVAL");
	e.flags = KUMEM_ENTER_GETEVENTS;
	e.min_complete = 17;
	is_int(IOC(h, KUMEM_IOC_RING_ENTER, e), ERROR_INVALID_PARAMETER,
	       "ENTER min_complete above the CQ's 16: EINVAL");
	e.min_complete = 0;
	e.flags = 0;
	e.to_submit = 8;
	is_int(IOC(h, KUMEM_IOC_RING_ENTER, e), 0, "ENTER with an empty SQ");
	is_int(e.submitted, 0, "... consumed nothing");
	c.sq_entries = 6;
	is_int(IOC(h, KUMEM_IOC_RING_CREATE, c), ERROR_INVALID_PARAMETER,
	       "RING_CREATE 6 entries (not a power of two): EINVAL");
	is_int(release(h, id), 0, "RELEASE the ring");
	e.to_submit = 0;
	is_int(IOC(h, KUMEM_IOC_RING_ENTER, e), ERROR_NOT_FOUND, "ENTER a released ring: ENOENT");

	/* SQPOLL: a system thread, referenced through PsThreadType; release stops and waits. */
	memset(&c, 0, sizeof(c));
	c.sq_entries = 8;
	c.flags = KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF;
	c.idle_us = 100;
	is_int(IOC(h, KUMEM_IOC_RING_CREATE, c), 0, "RING_CREATE SQPOLL on CPU 0");
	memset(&e, 0, sizeof(e));
	e.ring_id = (uint32_t)c.ring_fd;
	e.flags = KUMEM_ENTER_WAKEUP;
	is_int(IOC(h, KUMEM_IOC_RING_ENTER, e), 0, "ENTER WAKEUP");
	is_int(release(h, (uint32_t)c.ring_fd), 0, "RELEASE the SQPOLL ring (stops its thread)");
	c.sq_cpu = 4096;
	is_int(IOC(h, KUMEM_IOC_RING_CREATE, c), ERROR_INVALID_PARAMETER,
	       "SQPOLL on CPU 4096: EINVAL");
	st = stats(h);
	is_int(st.regions + st.allocated_pages + st.user_mappings, 0, "STATS: nothing held");
}

/*
 * Event streams (events.c). Under Wine a stream cannot be made: its data pages are mapped
 * twice through a hand-built MDL, and Wine has no pages to alias (the shim maps only an MDL of
 * pool memory, as its own address). What runs here for real is the dispatch and decoding of
 * the three IOCTLs, the argument checks, the unwinding of a create whose system mapping fails
 * (pages, three MDLs, IoBuildPartialMdl's partial MDLs, quota: nothing left), the ids a stream
 * shares with regions and libkumem's error path. The stream itself is tested in the model.
 */
static void events(HANDLE h)
{
	struct kumem_events_create c = { .data_bytes = 3 * 4096 };
	struct kumem_events_gen g = { .count = 1, .record_len = 8, .events_id = 77 };
	struct kumem_events_wait w = { .events_id = 77 };
	struct kumem_stats st;
	kumem_events_t *e = (kumem_events_t *)1;
	kumem_t *dev;

	is_int(IOC(h, KUMEM_IOC_EVENTS_CREATE, c), ERROR_INVALID_PARAMETER,
	       "EVENTS_CREATE of 3 pages (not a power of two): EINVAL");
	c.data_bytes = 8u << 20;
	is_int(IOC(h, KUMEM_IOC_EVENTS_CREATE, c), ERROR_INVALID_PARAMETER,
	       "EVENTS_CREATE of 8 MiB (over Windows' 4 MiB): EINVAL");
	c.data_bytes = 4 * 4096;
	c.user_ro_addr = 1;
	is_int(IOC(h, KUMEM_IOC_EVENTS_CREATE, c), ERROR_INVALID_PARAMETER,
	       "EVENTS_CREATE with user_ro_addr set: EINVAL");
	c.user_ro_addr = 0;
	is_int(IOC(h, KUMEM_IOC_EVENTS_CREATE, c), ERROR_NO_SYSTEM_RESOURCES,
	       "EVENTS_CREATE under Wine: the double mapping cannot be made: ENOMEM");
	st = stats(h);
	is_int(st.allocated_pages + st.user_mappings + st.regions, 0,
	       "... and the failed create left nothing (pages, MDLs, mappings)");
	is_int(IOC(h, KUMEM_IOC_EVENTS_GEN, g), ERROR_NOT_FOUND, "EVENTS_GEN of no stream: ENOENT");
	g.reserved1 = 1;
	is_int(IOC(h, KUMEM_IOC_EVENTS_GEN, g), ERROR_INVALID_PARAMETER,
	       "EVENTS_GEN with a reserved field: EINVAL");
	is_int(IOC(h, KUMEM_IOC_EVENTS_WAIT, w), ERROR_NOT_FOUND,
	       "EVENTS_WAIT on no stream: ENOENT");
	w.reserved0 = 1;
	is_int(IOC(h, KUMEM_IOC_EVENTS_WAIT, w), ERROR_INVALID_PARAMETER,
	       "EVENTS_WAIT with a reserved field: EINVAL");
	if (kumem_open(&dev) == 0) {
		is_int(kumem_events_create(dev, 4 * 4096, &e), -ENOMEM,
		       "libkumem: kumem_events_create under Wine: -ENOMEM");
		ok(e == NULL, "... and *out is NULL");
		kumem_close(dev);
	} else {
		ok(0, "kumem_open");
	}
}

/* ---- pended waits: overlapped ENTER(GETEVENTS) on an I/O completion port -------------------
 *
 * The driver pends GETEVENTS in a cancel-safe queue (irp_wait.c); under Wine that runs on
 * Wine's own IoCsq*, KeSetTimer/DPC and IoCancelIrp, and the client's CancelIoEx and
 * completion port are Wine's too. No completion can be posted here (the ring's memory is in
 * winedevice.exe, the client cannot write submissions), so the waits end by their deadline,
 * CancelIoEx, RELEASE and the handle's cleanup; a wait for 0 completions ends at once.
 */
struct wait {
	OVERLAPPED ov;
	struct kumem_ring_enter e;
};

/* A synchronous IOCTL on an overlapped handle: the event's low bit keeps it off the port. */
static DWORD ioc_sync(HANDLE h, DWORD code, void *blk, DWORD len)
{
	OVERLAPPED ov = { 0 };
	HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
	DWORD got, e = 0;

	ov.hEvent = (HANDLE)((ULONG_PTR)ev | 1);
	if (!DeviceIoControl(h, code, blk, len, blk, len, &got, &ov)) {
		e = GetLastError();
		if (e == ERROR_IO_PENDING)
			e = GetOverlappedResult(h, &ov, &got, TRUE) ? 0 : GetLastError();
	}
	CloseHandle(ev);
	return e;
}

static DWORD wait_start(HANDLE h, struct wait *w, uint32_t ring, uint32_t min, int64_t timeout_ns)
{
	DWORD got;

	memset(w, 0, sizeof(*w));
	w->e.ring_id = ring;
	w->e.flags = KUMEM_ENTER_GETEVENTS;
	w->e.min_complete = min;
	w->e.timeout_ns = timeout_ns;
	if (DeviceIoControl(h, KUMEM_IOC_RING_ENTER, &w->e, sizeof(w->e), &w->e, sizeof(w->e), &got,
			    &w->ov))
		return 0;
	return GetLastError();
}

/* The next packet: which wait (index in @w, -1 for none within @ms) and its Win32 error. */
static int next_packet(HANDLE port, struct wait *w, int n, DWORD ms, DWORD *err)
{
	OVERLAPPED *ov = NULL;
	ULONG_PTR key = 0;
	DWORD got;
	int i;

	*err = GetQueuedCompletionStatus(port, &got, &key, &ov, ms) ? 0 : GetLastError();
	for (i = 0; i < n; i++)
		if (ov == &w[i].ov)
			return key == 0x4b55 ? i : -2;
	return -1;
}

static void waits(void)
{
	HANDLE h, port;
	struct kumem_ring_create c;
	struct wait w[5];
	uint32_t ring[4];
	DWORD err, t0, ms, got2;
	int i, got, seen = 0;

	h = CreateFileW(L"\\\\.\\kumem", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
			FILE_FLAG_OVERLAPPED, NULL);
	if (!ok(h != INVALID_HANDLE_VALUE, "waits: open \\\\.\\kumem overlapped"))
		return;
	port = CreateIoCompletionPort(h, NULL, 0x4b55, 0);
	ok(port != NULL, "CreateIoCompletionPort on the device handle");
	for (i = 0; i < 4; i++) {
		memset(&c, 0, sizeof(c));
		c.sq_entries = 8;
		is_int(ioc_sync(h, KUMEM_IOC_RING_CREATE, &c, sizeof(c)), 0, "RING_CREATE %d", i);
		ring[i] = (uint32_t)c.ring_fd;
	}
	ok(next_packet(port, w, 0, 100, &err) == -1,
	   "no packet for libkumem-style calls (low bit)");
	t0 = GetTickCount();
	is_int(wait_start(h, &w[0], ring[0], 1, 150 * 1000 * 1000ll), ERROR_IO_PENDING,
	       "GETEVENTS, 150 ms deadline: pended (ERROR_IO_PENDING)");
	is_int(wait_start(h, &w[1], ring[1], 1, -1), ERROR_IO_PENDING,
	       "GETEVENTS, no deadline: pended");
	is_int(wait_start(h, &w[2], ring[2], 1, -1), ERROR_IO_PENDING,
	       "GETEVENTS on a third ring: pended");
	is_int(wait_start(h, &w[3], ring[3], 1, -1), ERROR_IO_PENDING,
	       "GETEVENTS on a fourth ring: pended");
	is_int(wait_start(h, &w[4], ring[3], 0, -1), 0, "GETEVENTS for 0: completed in dispatch");
	ok(CancelIoEx(h, &w[1].ov), "CancelIoEx on the second wait");
	{
		struct kumem_region_ref ref = { .id = ring[2] };

		is_int(ioc_sync(h, KUMEM_IOC_RELEASE, &ref, sizeof(ref)), 0,
		       "RELEASE the third ring");
	}
	for (i = 0; i < 4; i++) {
		got = next_packet(port, w, 5, 5000, &err);
		if (!ok(got >= 0, "packet %d names one of the waits, with the handle's key (%d)", i,
			got))
			break;
		seen |= 1 << got;
		switch (got) {
		case 0:
			ms = GetTickCount() - t0;
			is_int(err, ERROR_SEM_TIMEOUT,
			       "the deadline: ERROR_SEM_TIMEOUT (ETIMEDOUT)");
			ok(ms >= 140 && ms < 3000, "... after %lu ms (150 ms asked)", ms);
			break;
		case 1:
			is_int(err, ERROR_OPERATION_ABORTED,
			       "CancelIoEx: ERROR_OPERATION_ABORTED (EINTR)");
			break;
		case 2:
			is_int(err, ERROR_CRC, "RELEASE: ERROR_CRC (EBADFD)");
			break;
		case 4:
			is_int(err, 0, "the wait for 0: a packet too, success");
			break;
		default:
			ok(0, "wait 3 ended early (error %lu)", err);
		}
	}
	is_int(seen, 0x17, "packets for waits 0, 1, 2 and 4");
	ok(!CancelIoEx(h, &w[1].ov) && GetLastError() == ERROR_NOT_FOUND,
	   "a second CancelIoEx: ERROR_NOT_FOUND");
	/* an event stream's wait pends the same way (events.c on irp_wait.c), but no stream can
	 * be made under Wine (events() above): only its failure in dispatch runs here */
	{
		struct kumem_events_wait ew = { .events_id = 77, .timeout_ns = -1 };
		OVERLAPPED eov = { 0 };

		ok(!DeviceIoControl(h, KUMEM_IOC_EVENTS_WAIT, &ew, sizeof(ew), &ew, sizeof(ew),
				    &got2, &eov) &&
			   GetLastError() == ERROR_NOT_FOUND,
		   "overlapped EVENTS_WAIT on no stream: ERROR_NOT_FOUND in dispatch");
		is_int(next_packet(port, w, 5, 100, &err), -1,
		       "... and no packet for it (failed in dispatch; Wine's port)");
	}
	/* the last one ends when the handle closes: the driver's IRP_MJ_CLEANUP completes it
	 * (under Wine sent by the shim from IRP_MJ_CLOSE, which Wine sends while the request is
	 * still pending; Wine itself cancels nothing at close, traced with +ntoskrnl) */
	CloseHandle(h);
	got = next_packet(port, w, 5, 5000, &err);
	is_int(got, 3, "closing the handle ended the fourth wait (packet)");
	is_int(err, ERROR_OPERATION_ABORTED, "... as cancelled");
	CloseHandle(port);
}

/* ---- driver-defined rings: the Wine build's test provider (shim.c) ----------------------- */

#define KUMEM_WINE_PROVIDER_RING     KUMEM_WIN_IOCTL(0x7e, KUMEM_METHOD_BUFFERED)
#define KUMEM_WINE_PROVIDER_RELEASED KUMEM_WIN_IOCTL(0x7f, KUMEM_METHOD_BUFFERED)

static LONG provider_released(HANDLE h)
{
	LONG n = -1;

	ioc(h, KUMEM_WINE_PROVIDER_RELEASED, NULL, 0, &n, sizeof(n), NULL);
	return n;
}

static void driver_rings(void)
{
	struct kumem_ring_create c = { .sq_entries = 16, .flags = KUMEM_RING_SQPOLL };
	struct kumem_ring_create info = { 0 };
	LONG before;
	HANDLE h = open_dev();

	before = provider_released(h);
	ok(before >= 0, "the test provider answers (%ld rings released so far)", before);
	is_int(IOC(h, KUMEM_WINE_PROVIDER_RING, c), 0, "KumemRingCreateDriver in this handle");
	ok(c.ring_fd > 0 && c.user_addr && c.map_len == 2 * 4096, /* 4096 + 16 * 64 + 32 * 32 */
	   "... id %d, mapped, %llu bytes", c.ring_fd, (unsigned long long)c.map_len);
	info.ring_fd = c.ring_fd;
	is_int(IOC(h, KUMEM_IOC_RING_INFO, info), 0, "RING_INFO on it (kumem_ring_attach_dev)");
	ok(info.user_addr == c.user_addr && info.map_len == c.map_len &&
		   info.sq_offset == c.sq_offset && info.cq_offset == c.cq_offset &&
		   info.cq_entries == 32 && info.flags == KUMEM_RING_SQPOLL,
	   "... the provider's layout, SQPOLL");
	info.ring_fd = 999;
	is_int(IOC(h, KUMEM_IOC_RING_INFO, info), ERROR_NOT_FOUND, "RING_INFO of no ring: ENOENT");
	is_int(provider_released(h), before, "the ring holds the provider's Priv");
	is_int(release(h, (uint32_t)c.ring_fd), 0, "RELEASE the driver's ring");
	is_int(provider_released(h), before + 1, "... its Release ran, once");
	c.sq_entries = 6;
	is_int(IOC(h, KUMEM_WINE_PROVIDER_RING, c), ERROR_INVALID_PARAMETER,
	       "a provider's ring of 6 entries: EINVAL");
	is_int(provider_released(h), before + 2, "... Release ran on the failure too");
	c.sq_entries = 8;
	is_int(IOC(h, KUMEM_WINE_PROVIDER_RING, c), 0, "another, left for the handle's cleanup");
	CloseHandle(h);
	h = open_dev();
	is_int(provider_released(h), before + 3, "closing the handle released it");
	CloseHandle(h);
}

/* ---- ReadFile/WriteFile on the DO_BUFFERED_IO and DO_DIRECT_IO devices (rw.c) ------------
 *
 * Wine's winedevice.exe builds each read/write IRP with IoBuildSynchronousFsdRequest around a
 * heap copy of the data (a write's bytes, a read's result copied back for Information bytes):
 * for DO_BUFFERED_IO that copy is SystemBuffer, as on Windows; for DO_DIRECT_IO Wine attaches an
 * MDL for the same copy that it marks MDL_MAPPED_TO_SYSTEM_VA itself (MappedSystemVa = the copy),
 * never probed or locked. So the driver's MmGetSystemAddressForMdlSafe returns the copy without
 * calling MmMapLockedPagesSpecifyCache (Wine's returns NULL): direct works under Wine, on a copy,
 * and RW_LAST shows Wine's MDL (flags without MDL_PAGES_LOCKED, the copy's byte offset).
 */
#define WINE_MDL_MAPPED_TO_SYSTEM_VA 0x0001
#define WINE_MDL_PAGES_LOCKED	     0x0002

static HANDLE open_path(const wchar_t *path)
{
	return CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
}

static struct kumem_rw_last rw_last(HANDLE h)
{
	struct kumem_rw_last l;

	memset(&l, 0xee, sizeof(l));
	if (IOC(h, KUMEM_IOC_RW_LAST, l))
		memset(&l, 0xee, sizeof(l));
	return l;
}

/* WriteFile/ReadFile: 0 or the Win32 error; the count in *n. */
static DWORD rw_write(HANDLE h, const void *buf, DWORD len, DWORD *n)
{
	*n = 0xdead;
	return WriteFile(h, buf, len, n, NULL) ? 0 : GetLastError();
}

static DWORD rw_read(HANDLE h, void *buf, DWORD len, DWORD *n)
{
	*n = 0xdead;
	return ReadFile(h, buf, len, n, NULL) ? 0 : GetLastError();
}

/* One size on one device: write (checksum), then read (pattern, nothing past the length). */
static void rw_one(HANDLE h, bool direct, uint8_t *mem, DWORD len)
{
	const char *dev = direct ? "direct" : "buffered";
	uint8_t *buf = mem + 13, *want = malloc(len + 64);
	struct kumem_rw_last l;
	DWORD n, i, bad = 0;

	for (i = 0; i < len + 64; i++)
		buf[i] = (uint8_t)(i * 29 + len);
	is_int(rw_write(h, buf, len, &n), 0, "%s WriteFile of %lu bytes", dev, (unsigned long)len);
	is_int(n, len, "... wrote %lu", (unsigned long)len);
	l = rw_last(h);
	ok(l.mode == (direct ? KUMEM_RW_DIRECT : KUMEM_RW_BUFFERED) && l.op == KUMEM_RW_OP_WRITE &&
		   l.bytes == len && l.sum == kumem_checksum(buf, len) &&
		   l.segments == (len ? 1 : 0),
	   "... RW_LAST: mode, write, %lu bytes, the user-space checksum", (unsigned long)len);
	if (direct && len) {
		/* Wine's MDL: its heap copy, mapped by Wine's own flag, never locked */
		ok(l.os_flags == WINE_MDL_MAPPED_TO_SYSTEM_VA && l.pfn_count == 0 &&
			   l.pages == (l.byte_offset + (uint64_t)len + 4095) / 4096,
		   "... Wine's MDL: MdlFlags %#x (mapped, not locked), %llu pages at offset %u",
		   l.os_flags, (unsigned long long)l.pages, l.byte_offset);
	} else {
		ok(l.os_flags == 0 && l.pages == 0 && l.pfn_count == 0, "... no MDL fields");
	}

	memcpy(want, buf, len + 64);
	kumem_pattern_fill(want, 0, len);
	is_int(rw_read(h, buf, len, &n), 0, "%s ReadFile of %lu bytes", dev, (unsigned long)len);
	is_int(n, len, "... read %lu", (unsigned long)len);
	for (i = 0; i < len + 64; i++)
		bad += buf[i] != want[i];
	is_int(bad, 0, "... the pattern, and nothing past the length");
	l = rw_last(h);
	ok(l.op == KUMEM_RW_OP_READ && l.bytes == len && l.sum == kumem_checksum(want, len),
	   "... RW_LAST: read, %lu bytes, the pattern's checksum", (unsigned long)len);
	free(want);
}

static void rw_device(const wchar_t *path, bool direct)
{
	static const DWORD lens[] = { 0, 1, 4095, 4097, 5u << 20 };
	const char *dev = direct ? "direct" : "buffered";
	HANDLE h = open_path(path);
	uint8_t *mem, *ro, *huge;
	DWORD n, old, i, bad;
	size_t k;

	if (!ok(h != INVALID_HANDLE_VALUE, "open %ls (error %lu)", path,
		h == INVALID_HANDLE_VALUE ? GetLastError() : 0ul))
		return;
	ok(rw_last(h).mode == 0, "%s: RW_LAST before any transfer: none", dev);
	is_int(stats(h).open_handles, 1, "%s: STATS on this handle (per-handle state)", dev);
	mem = VirtualAlloc(NULL, (5u << 20) + 2 * 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
		rw_one(h, direct, mem, lens[k]);
	VirtualFree(mem, 0, MEM_RELEASE);

	/* A read into a page the client may not write: Wine's NtReadFile checks the buffer
	 * before it sends anything (as Windows's probe does), so the driver is never called. */
	ro = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
	memset(ro, 0x3c, 4096);
	VirtualProtect(ro, 4096, PAGE_READONLY, &old);
	is_int(rw_read(h, ro, 100, &n), ERROR_NOACCESS,
	       "%s ReadFile into a read-only page: STATUS_ACCESS_VIOLATION", dev);
	for (i = 0, bad = 0; i < 4096; i++)
		bad += ro[i] != 0x3c;
	is_int(bad, 0, "... the page is unchanged");
	VirtualFree(ro, 0, MEM_RELEASE);

	/* Over 1 GiB: the driver refuses before touching a byte. A read only: a write would
	 * send 1 GiB through wineserver; the client's pages are committed only when touched. */
	huge = VirtualAlloc(NULL, (1u << 30) + 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
	if (ok(huge != NULL, "%s: 1 GiB + 4 KiB of address space", dev)) {
		is_int(rw_read(h, huge, (1u << 30) + 1, &n), ERROR_FILE_TOO_LARGE,
		       "%s ReadFile of 1 GiB + 1: E2BIG -> STATUS_FILE_TOO_LARGE", dev);
		is_int(n, 0, "... no count");
		is_int(huge[0] + huge[1u << 30], 0, "... nothing written into the buffer");
		VirtualFree(huge, 0, MEM_RELEASE);
	}
	ok(rw_last(h).bytes == 5u << 20,
	   "%s: RW_LAST still the 5 MiB read: no refused request was recorded", dev);
	CloseHandle(h);
}

static void read_write(void)
{
	HANDLE h = open_dev();
	uint8_t buf[16] = { 0 };
	DWORD n;

	is_int(rw_write(h, buf, sizeof(buf), &n), ERROR_INVALID_FUNCTION,
	       "WriteFile on \\\\.\\kumem (neither flag): STATUS_INVALID_DEVICE_REQUEST");
	is_int(rw_read(h, buf, sizeof(buf), &n), ERROR_INVALID_FUNCTION,
	       "ReadFile on \\\\.\\kumem: STATUS_INVALID_DEVICE_REQUEST");
	CloseHandle(h);
	rw_device(L"\\\\.\\kumem-buffered", false);
	rw_device(L"\\\\.\\kumem-direct", true);
	h = open_dev();
	is_int(stats(h).open_handles, 1, "after the rw handles closed: one handle open");
	CloseHandle(h);
}

int main(void)
{
	HANDLE h;

	tap_header();
	h = open_dev();
	if (!ok(h != INVALID_HANDLE_VALUE, "open \\\\.\\kumem (error %lu)",
		h == INVALID_HANDLE_VALUE ? GetLastError() : 0ul)) {
		printf("client: %d passed, %d failed\n", tap_n - tap_failed, tap_failed);
		return 1;
	}
	version_and_stats(h);
	transfers(h);
	lock_user(h);
	regions(h);
	chains(h);
	rings(h);
	events(h);
	CloseHandle(h);
	waits();
	driver_rings();
	quota_and_close();
	read_write();
	h = open_dev();
	ok(h != INVALID_HANDLE_VALUE && stats(h).open_handles == 1,
	   "reopen: only this handle is open");
	CloseHandle(h);
	printf("1..%d\n", tap_n);
	printf("client: %d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
