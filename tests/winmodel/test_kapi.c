// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Scenarios: kumem.sys's kernel API (windows/kapi.c) as another driver uses it. The example
 * driver (windows/example/kumem_example.c) is compiled for the host like kumem.sys and
 * "imports" the API (one program here: the model's loader plays the binding); processes
 * drive it through its IOCTLs and check the bytes on their side, the MDL it is handed, the
 * counters, and the unload order: kumem.sys's image stays while an importer is loaded, what
 * an importer holds stays valid after kumem's service stops, and a region an importer
 * leaks is caught when the image goes.
 */
#include <sys/wait.h>

#include "wm_test.h"
#include "../../core/checksum.h"
#include "../../core/evring.h"
#include "../../windows/kumem_kernel_win.h"
#include "../../windows/example/kumem_example_abi.h"

#define EXAMPLE_DEVICE L"\\Device\\kumem_example"

static HANDLE open_example(struct wm_process *p)
{
	NTSTATUS st;
	HANDLE h = wm_open_device(p, EXAMPLE_DEVICE, &st);

	CHECK(h, "open the example: %#x", (unsigned)st);
	return h;
}

static NTSTATUS user_op(struct wm_process *p, HANDLE h, ULONG code, void *addr, uint64_t len,
			uint32_t value, uint64_t *sum)
{
	struct kumem_example_user u = { .addr = (uintptr_t)addr, .len = len, .value = value };
	NTSTATUS st = IOC(p, h, code, u);

	if (sum)
		*sum = u.sum;
	return st;
}

static NTSTATUS region_op(struct wm_process *p, HANDLE h, ULONG code,
			  struct kumem_example_region *a)
{
	return IOC(p, h, code, *a);
}

/* Method 1 through the example: the process's own bytes, read and written by the driver. */
static void kapi_user_buffers(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem, *ro;
	uint64_t sum;
	HANDLE h;
	int i, bad = 0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	mem = wm_user_alloc(a, 4 * 4096, WM_RW);
	for (i = 0; i < 4 * 4096; i++)
		mem[i] = (uint8_t)(i * 13 + 1);
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_SUM_USER, mem + 33, 3 * 4096 + 5, 0, &sum), 0,
		 "SUM_USER");
	CHECK_EQ(sum, kumem_checksum(mem + 33, 3 * 4096 + 5), "the driver saw the process's bytes");
	CHECK_EQ(a->locked_pages, 0, "unlocked at the end of the call");
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_FILL_USER, mem + 4000, 9000, 0x3c, NULL), 0,
		 "FILL_USER");
	for (i = 0; i < 4 * 4096; i++)
		bad += mem[i] != ((i >= 4000 && i < 13000) ? 0x3c : (uint8_t)(i * 13 + 1));
	CHECK_EQ(bad, 0, "the process sees the fill, and nothing outside it changed");

	/* kumem's checks and errors reach the importer as NTSTATUS */
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_SUM_USER, mem, 0, 0, NULL), STATUS_INVALID_PARAMETER,
		 "0 bytes");
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_SUM_USER, mem, (1ull << 30) + 1, 0, NULL),
		 STATUS_FILE_TOO_LARGE, "over 1 GiB");
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_SUM_USER, mem + 3 * 4096, 2 * 4096, 0, NULL),
		 STATUS_INVALID_USER_BUFFER, "a range running into unmapped memory");
	ro = wm_user_alloc(a, 4096, WM_RO);
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_FILL_USER, ro, 4096, 1, NULL),
		 STATUS_INVALID_USER_BUFFER, "a fill of read-only memory");
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_SUM_USER, ro, 4096, 0, &sum), 0,
		 "a checksum of read-only memory");
	CHECK_EQ(sum, kumem_checksum(ro, 4096), "read-only bytes");
	CHECK_EQ(a->locked_pages, 0, "nothing left locked");
	wm_close(a, h);
	wm_process_exit(a);
	wm_example_unload();
	CHECK(wm_kumem_image_loaded(), "the service still holds kumem.sys");
	wm_driver_unload();
	CHECK(!wm_kumem_image_loaded(), "kumem.sys unloaded with the service");
	wt_nothing_held();
}

/* Method 2 through the example: kumem's pages in the process, and the MDL handed out. */
static void kapi_shared_region(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_example_region r = { .len = 3 * 4096 - 7 };
	struct kumem_stats st;
	uint8_t *shared;
	HANDLE h, k;
	int i, bad = 0;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	k = wt_open(a);
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_MAP, &r), 0, "MAP");
	shared = (uint8_t *)(uintptr_t)r.user_addr;
	CHECK(shared, "a user address");
	CHECK_EQ(a->user_mappings, 1, "one mapping in the process");
	for (i = 0; i < 3 * 4096 - 7; i++)
		bad += shared[i] != 0;
	CHECK_EQ(bad, 0, "kumem's pages arrive zeroed");
	st = wt_stats(a, k);
	CHECK_EQ(st.regions, 1, "kumem counts the importer's region");
	CHECK_EQ(st.allocated_pages, 3, "and its 3 pages");
	CHECK_EQ(st.user_mappings, 1, "and its mapping");

	for (i = 0; i < 3 * 4096 - 7; i++)
		shared[i] = (uint8_t)(i ^ (i >> 8));
	r.offset = 0;
	r.len = 3 * 4096 - 7;
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_SUM, &r), 0, "SUM");
	CHECK_EQ(r.sum, kumem_checksum(shared, 3 * 4096 - 7),
		 "the driver sees the process's bytes");
	r.offset = 100;
	r.len = 50;
	r.value = 0xa5;
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_FILL, &r), 0, "FILL");
	for (i = 0; i < 3 * 4096 - 7; i++)
		bad += shared[i] != ((i >= 100 && i < 150) ? 0xa5 : (uint8_t)(i ^ (i >> 8)));
	CHECK_EQ(bad, 0, "the process sees the driver's fill, nothing else changed");
	r.offset = 3 * 4096 - 8;
	r.len = 2;
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_SUM, &r), STATUS_END_OF_FILE,
		 "a range past the end");

	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_DESCRIBE, &r), 0, "DESCRIBE");
	CHECK_EQ(r.mdl.byte_count, 3 * 4096 - 7, "kumem's description: the length asked for");
	CHECK_EQ(r.mdl.start_va, (uintptr_t)shared, "its StartVa: the user mapping");
	CHECK_EQ(r.mdl.page_count, 3, "3 pages");
	CHECK_EQ(r.mdl.flags &
			 (KUMEM_MDL_KERNEL_ALLOCATED | KUMEM_MDL_USER_MAPPED | KUMEM_MDL_LOCKED),
		 KUMEM_MDL_KERNEL_ALLOCATED | KUMEM_MDL_USER_MAPPED | KUMEM_MDL_LOCKED, "flags");
	CHECK_EQ(r.mdl.chain_length, 1, "one MDL");
	CHECK_EQ(r.mdl_byte_offset, 0, "the MDL starts on a page");
	CHECK_EQ(r.mdl_byte_count, 3 * 4096, "the MDL describes the whole pages");
	CHECK_EQ(r.mdl_pages, 3, "the MDL spans 3 pages");
	CHECK_EQ(r.mdl_distinct_pfns, 3, "of 3 distinct frames");
	CHECK_EQ(r.mdl_is_kaddr, 1, "the MDL's system address is kumem_region_kaddr()");
	CHECK_EQ(r.mdl_sum, kumem_checksum(shared, 3 * 4096 - 7), "the bytes through the MDL");
	CHECK_EQ(r.segments, 1, "one segment");

	r.len = 4096;
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_MAP, &r), STATUS_INVALID_DEVICE_STATE,
		 "one region per handle");
	CHECK_EQ(a->user_mappings, 1, "the refused MAP left no mapping");
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_UNMAP, &r), 0, "UNMAP");
	CHECK_EQ(a->user_mappings, 0, "unmapped in the process");
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_SUM, &r), STATUS_NOT_FOUND, "no region after UNMAP");
	st = wt_stats(a, k);
	CHECK_EQ(st.regions + st.allocated_pages, 0, "kumem freed the pages at the last put");

	/* the handle's region undone at IRP_MJ_CLEANUP */
	r.len = 4096;
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_MAP, &r), 0, "MAP again");
	wm_close(a, h);
	CHECK_EQ(a->user_mappings, 0, "IRP_MJ_CLEANUP unmapped it");
	wm_close(a, k);
	wm_process_exit(a);
	wm_example_unload();
	wm_driver_unload();
	wt_nothing_held();
}

/* Segments locked as one chain through the API; the MDL chain the example walks. */
static void kapi_scatter_gather(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 8 * 4096, WM_RW), *cat;
	struct kumem_segment *segs = wm_user_alloc(a, 4096, WM_RW);
	struct kumem_example_sg sg = { 0 };
	uint64_t total = 0;
	HANDLE h;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	for (i = 0; i < 8 * 4096; i++)
		mem[i] = (uint8_t)(i * 31 + 7);
	/* three segments in a different order than memory, one inside a page, one across two */
	segs[0] = (struct kumem_segment){ (uintptr_t)(mem + 5 * 4096 + 100), 3000 };
	segs[1] = (struct kumem_segment){ (uintptr_t)(mem + 17), 4096 + 50 };
	segs[2] = (struct kumem_segment){ (uintptr_t)(mem + 3 * 4096), 2 * 4096 };
	cat = malloc(3000 + 4096 + 50 + 2 * 4096);
	for (i = 0; i < 3; i++) {
		memcpy(cat + total, (void *)(uintptr_t)segs[i].addr, segs[i].len);
		total += segs[i].len;
	}
	sg.segs = (uintptr_t)segs;
	sg.count = 3;
	CHECK_EQ(IOC(a, h, KUMEM_EXAMPLE_SG, sg), 0, "SG");
	CHECK_EQ(sg.bad, KUMEM_NO_SEGMENT, "no segment refused");
	CHECK_EQ(sg.mdls, 3, "one MDL per segment, linked through Next");
	CHECK_EQ(sg.segments, 3, "kumem_region_segment_count");
	CHECK_EQ(sg.bytes, total, "the MDLs describe every byte");
	CHECK_EQ(sg.chain_sum, kumem_checksum(cat, total),
		 "the bytes through the MDL chain, in order");
	CHECK_EQ(sg.region_sum, kumem_checksum(cat, total), "kumem_region_checksum over the chain");
	CHECK_EQ(a->locked_pages, 0, "all unlocked at the put");

	/* the second segment runs into unmapped memory: nothing locked, that one named */
	segs[1] = (struct kumem_segment){ (uintptr_t)(mem + 7 * 4096), 2 * 4096 };
	CHECK_EQ(IOC(a, h, KUMEM_EXAMPLE_SG, sg), STATUS_INVALID_USER_BUFFER, "SG, a bad segment");
	CHECK_EQ(a->locked_pages, 0, "all or nothing");
	{
		/* the API itself, called in a's context as an importer's IOCTL would be */
		struct wm_thread *t = wm_current();
		struct wm_process *was = t->proc;
		struct kumem_region *r = NULL;
		ULONG bad = 0;
		NTSTATUS st;

		t->proc = a;
		st = kumem_region_lock_segments(segs, 3, KUMEM_KERNEL_READ, &bad, &r);
		t->proc = was;
		CHECK_EQ(st, STATUS_INVALID_USER_BUFFER,
			 "kumem_region_lock_segments, a bad segment");
		CHECK_EQ(bad, 1, "*bad names the segment refused");
		CHECK(!r, "no region");
		CHECK_EQ(a->locked_pages, 0, "nothing locked");
	}
	sg.count = 0;
	CHECK_EQ(IOC(a, h, KUMEM_EXAMPLE_SG, sg), STATUS_INVALID_PARAMETER, "0 segments");
	free(cat);
	wm_close(a, h);
	wm_process_exit(a);
	wm_example_unload();
	wm_driver_unload();
	wt_nothing_held();
}

/*
 * kumem_region_view, called as an importer would: views of kumem's pages and of a process's
 * chain, views of views, the range checks, the parent put first, a view mapped into a process.
 */
static void kapi_views(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 8 * 4096, WM_RW), *base, *user;
	struct kumem_segment segs[2];
	struct kumem_region *r, *v, *vv, *c, *cv;
	struct kumem_region_segment seg;
	struct kumem_stats st;
	ULONG64 sum, uaddr;
	ULONG bad;
	HANDLE k;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	k = wt_open(a);
	wm_become(a); /* the importer's IOCTL, in a's context */

	/* method 2: kumem's pages */
	CHECK_EQ(kumem_region_alloc(3 * 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &r), 0, "alloc");
	base = kumem_region_kaddr(r);
	for (i = 0; i < 3 * 4096; i++)
		base[i] = (uint8_t)(i * 7 + 3);
	CHECK_EQ(kumem_region_view(r, 100, 5000, &v), 0, "view [100, 5100)");
	CHECK_EQ(kumem_region_size(v), 5000, "the view's size");
	CHECK(kumem_region_kaddr(v) == base + 100, "its first byte: the parent's 101st");
	CHECK_EQ(kumem_region_segment_count(v), 1, "one partial MDL");
	CHECK(kumem_region_mdl(v) != kumem_region_mdl(r), "an MDL of its own");
	CHECK(kumem_region_mdl(v)->MdlFlags & MDL_PARTIAL, "built by IoBuildPartialMdl");
	CHECK_EQ(kumem_region_checksum(v, 0, 5000, &sum), 0, "checksum of the view");
	CHECK_EQ(sum, kumem_checksum(base + 100, 5000), "the parent's bytes");
	CHECK_EQ(kumem_region_view(v, 50, 1000, &vv), 0, "a view of the view");
	CHECK(kumem_region_kaddr(vv) == base + 150, "the offsets added");
	CHECK_EQ(kumem_region_view(v, 4999, 2, &c), STATUS_END_OF_FILE, "past the view's end");
	CHECK_EQ(kumem_region_view(r, 3 * 4096, 1, &c), STATUS_END_OF_FILE, "past the end");
	CHECK_EQ(kumem_region_view(r, ~0ull, 2, &c), STATUS_END_OF_FILE, "offset + len wraps");
	CHECK_EQ(kumem_region_view(r, 0, 0, &c), STATUS_INVALID_PARAMETER, "0 bytes");
	CHECK_EQ(kumem_region_fill(vv, 0, 1000, 0xee), 0, "fill through the view of the view");
	CHECK_EQ(base[149], (uint8_t)(149 * 7 + 3), "the byte before it untouched");
	CHECK_EQ(base[150], 0xee, "the parent sees the fill");
	CHECK_EQ(base[1149], 0xee, "to its last byte");
	CHECK_EQ(base[1150], (uint8_t)(1150 * 7 + 3), "and not past it");
	st = wt_stats(a, k);
	CHECK_EQ(st.regions, 3, "the region and its two views");
	CHECK_EQ(st.allocated_pages, 3, "views add no pages");

	/* a view mapped into the process: the parent's pages at the view's offset */
	CHECK_EQ(kumem_region_map_user(v, &uaddr), 0, "map the view into a");
	user = (uint8_t *)(uintptr_t)uaddr;
	CHECK_EQ(user[0], base[100], "the view's first byte in the process");
	user[4999] = 0x5a;
	CHECK_EQ(base[5099], 0x5a, "the process writes the parent's page");
	kumem_region_put(r); /* the parent first: the views hold its pages */
	CHECK_EQ(kumem_region_checksum(vv, 0, 1000, &sum), 0, "the view of the view, parent put");
	CHECK_EQ(sum, kumem_checksum(base + 150, 1000), "still the same pages");
	kumem_region_put(vv);
	kumem_region_unmap_user(v); /* drops the mapping's reference */
	CHECK_EQ(a->user_mappings, 0, "unmapped");
	kumem_region_put(v);
	st = wt_stats(a, k);
	CHECK_EQ(st.regions + st.allocated_pages, 0, "the pages went with the last view");

	/* method 1: a chain of two segments, viewed across the joint */
	for (i = 0; i < 8 * 4096; i++)
		mem[i] = (uint8_t)(i * 11 + 5);
	segs[0] = (struct kumem_segment){ (uintptr_t)(mem + 4096 + 10), 4096 };
	segs[1] = (struct kumem_segment){ (uintptr_t)(mem + 6 * 4096), 4096 };
	CHECK_EQ(kumem_region_lock_segments(segs, 2, KUMEM_KERNEL_READ, &bad, &c), 0, "lockv");
	CHECK_EQ(kumem_region_view(c, 4000, 200, &cv), 0, "a view across the joint");
	CHECK_EQ(kumem_region_segment_count(cv), 2, "two partial MDLs");
	CHECK(!kumem_region_kaddr(cv), "not one linear buffer");
	CHECK_EQ(kumem_region_segment(cv, 1, &seg), 0, "its second segment");
	CHECK_EQ(seg.offset, 96, "starts 96 bytes in");
	CHECK_EQ(seg.len, 104, "and runs 104 bytes");
	CHECK_EQ(seg.user_va, 0, "a view's segment names no user address");
	{
		struct kumem_mdl m;

		kumem_region_describe(cv, &m);
		CHECK_EQ(m.chain_length, 2, "kumem_region_describe: the view's two MDLs");
		CHECK_EQ(m.byte_count, 200, "its bytes, not its first MDL's");
		CHECK(m.flags & KUMEM_MDL_VIEW, "flagged as a view");
	}
	kumem_region_put(c);
	CHECK(a->locked_pages > 0, "the view keeps the chain locked");
	CHECK_EQ(kumem_region_checksum(cv, 0, 200, &sum), 0, "checksum, parent put");
	{
		uint8_t cat[200];

		memcpy(cat, mem + 4096 + 10 + 4000, 96);
		memcpy(cat + 96, mem + 6 * 4096, 104);
		CHECK_EQ(sum, kumem_checksum(cat, 200), "the bytes across the joint, in order");
	}
	kumem_region_put(cv);
	CHECK_EQ(a->locked_pages, 0, "unlocked with the last view");
	wm_become(wm_system);
	wm_close(a, k);
	wm_process_exit(a);
	wm_example_unload();
	wm_driver_unload();
	wt_nothing_held();
}

/* A ring the example made in the process's kumem handle, as libkumem attaches to it. */
struct example_ring {
	struct kumem_ring_create c;
	struct kumem_ring_ctrl *ctrl;
	struct kumem_sqe *sq;
	struct kumem_cqe *cq;
};

static NTSTATUS example_ring(struct wm_process *p, HANDLE h, HANDLE k, uint32_t flags,
			     struct example_ring *r)
{
	struct kumem_example_ring a = { .kumem_handle = (uintptr_t)k,
					.ring = { .sq_entries = 8, .flags = flags } };
	NTSTATUS st = IOC(p, h, KUMEM_EXAMPLE_RING, a);

	memset(r, 0, sizeof(*r));
	if (!NT_SUCCESS(st))
		return st;
	/* kumem_ring_attach_dev(): RING_INFO on the kumem handle, then the mapping it names */
	r->c.ring_fd = a.ring.ring_fd;
	st = IOC(p, k, KUMEM_IOC_RING_INFO, r->c);
	CHECK_EQ(st, 0, "RING_INFO of the example's ring");
	CHECK_EQ(r->c.user_addr, a.ring.user_addr, "RING_INFO: the mapping RING returned");
	r->ctrl = (void *)(uintptr_t)r->c.user_addr;
	r->sq = (void *)((uint8_t *)r->ctrl + r->c.sq_offset);
	r->cq = (void *)((uint8_t *)r->ctrl + r->c.cq_offset);
	return st;
}

static void ring_sqe(struct example_ring *r, uint8_t op, uint32_t value, uint32_t region,
		     uint64_t offset, uint64_t len)
{
	uint32_t tail = r->ctrl->sq_tail;
	struct kumem_sqe *e = &r->sq[tail & (r->c.sq_entries - 1)];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->value = value;
	e->region = region;
	e->offset = offset;
	e->len = len;
	e->user_data = tail;
	__atomic_store_n(&r->ctrl->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

static NTSTATUS ring_enter(struct wm_process *p, HANDLE k, struct example_ring *r, uint32_t n,
			   uint32_t flags)
{
	struct kumem_ring_enter e = { .to_submit = n,
				      .min_complete = n,
				      .flags = flags | KUMEM_ENTER_GETEVENTS,
				      .timeout_ns = 5000ll * 1000 * 1000,
				      .ring_id = (uint32_t)r->c.ring_fd };

	return IOC(p, k, KUMEM_IOC_RING_ENTER, e);
}

/*
 * kumem_ring_create_driver through the example: its ops beside kumem's own on the handle's
 * regions, the counter per example handle, the ring holding the example's file object, SQPOLL,
 * refusals (another device's handle, no handle), and the owner's exit freeing everything.
 */
static void kapi_driver_ring(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_example_ring bad = { .ring = { .sq_entries = 8 } };
	struct example_ring r, s;
	struct kumem_alloc_args al;
	uint32_t id;
	long closes;
	NTSTATUS st;
	HANDLE h, k;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	k = wt_open(a);
	id = wt_alloc(a, k, 4096, KUMEM_USER_READ | KUMEM_USER_WRITE, &st, &al);
	CHECK_EQ(st, 0, "a region in the kumem handle");
	CHECK_EQ(example_ring(a, h, k, 0, &r), 0, "RING: kumem_ring_create_driver");
	CHECK(r.c.ring_fd > 0 && r.c.user_addr, "an id in the kumem handle, a mapping");
	CHECK_EQ(r.c.cq_entries, 16, "2 x 8 completions");

	ring_sqe(&r, KUMEM_EXAMPLE_OP_ADD, 0, 0, 40, 2);
	ring_sqe(&r, KUMEM_EXAMPLE_OP_COUNT, 5, 0, 0, 0);
	ring_sqe(&r, KUMEM_EXAMPLE_OP_COUNT, 7, 0, 0, 0);
	ring_sqe(&r, KUMEM_OP_FILL, 0x3c, id, 0, 4096);
	ring_sqe(&r, 0x90, 0, 0, 0, 0); /* the example does not know it */
	CHECK_EQ(ring_enter(a, k, &r, 5, 0), 0, "ENTER 5, wait for 5");
	CHECK_EQ(r.ctrl->cq_tail, 5, "five completions");
	CHECK_EQ(r.cq[0].result, 0, "ADD");
	CHECK_EQ(r.cq[0].value, 42, "40 + 2");
	CHECK_EQ(r.cq[1].value, 5, "COUNT += 5");
	CHECK_EQ(r.cq[2].value, 12, "COUNT += 7: the example handle's counter");
	CHECK_EQ(r.cq[3].result, 0, "kumem's FILL on the kumem handle's region");
	CHECK_EQ(((uint8_t *)(uintptr_t)al.user_addr)[4095], 0x3c, "filled");
	CHECK_EQ(r.cq[4].result, -KUMEM_EINVAL, "an op the example refuses");
	__atomic_store_n(&r.ctrl->cq_head, 5, __ATOMIC_RELEASE);

	/* a second ring, SQPOLL, from the same example handle: the same counter */
	CHECK_EQ(example_ring(a, h, k, KUMEM_RING_SQPOLL, &s), 0, "RING with SQPOLL");
	ring_sqe(&s, KUMEM_EXAMPLE_OP_COUNT, 30, 0, 0, 0);
	CHECK_EQ(ring_enter(a, k, &s, 1, KUMEM_ENTER_WAKEUP), 0, "WAKEUP, wait for 1");
	CHECK_EQ(s.cq[0].value, 42, "12 + 30, run by the SQPOLL thread");

	/* refusals: the handle is not kumem's, or is no handle; nothing made, Priv given back */
	bad.kumem_handle = (uintptr_t)h;
	CHECK_EQ(IOC(a, h, KUMEM_EXAMPLE_RING, bad), STATUS_INVALID_PARAMETER,
		 "the example's own handle: not kumem's");
	bad.kumem_handle = 0x7ffc;
	CHECK_EQ(IOC(a, h, KUMEM_EXAMPLE_RING, bad), STATUS_INVALID_HANDLE, "no such handle");
	bad.kumem_handle = (uintptr_t)k;
	bad.ring.sq_entries = 6;
	CHECK_EQ(IOC(a, h, KUMEM_EXAMPLE_RING, bad), STATUS_INVALID_PARAMETER, "6 entries");

	/* the rings hold the example's file object: its last handle goes, the counter stays */
	closes = wm_io_dispatched(IRP_MJ_CLOSE);
	wm_close(a, h);
	CHECK_EQ(wm_io_dispatched(IRP_MJ_CLOSE), closes, "no IRP_MJ_CLOSE: the rings hold it");
	ring_sqe(&r, KUMEM_EXAMPLE_OP_COUNT, 1, 0, 0, 0);
	CHECK_EQ(ring_enter(a, k, &r, 1, 0), 0, "ENTER after the example's handle closed");
	CHECK_EQ(r.cq[5].value, 43, "the counter is still there");
	CHECK_EQ(wt_release(a, k, (uint32_t)r.c.ring_fd), 0, "RELEASE the first ring");
	CHECK_EQ(wm_io_dispatched(IRP_MJ_CLOSE), closes, "the SQPOLL ring still holds it");
	/* the owner exits holding the kumem handle and the SQPOLL ring */
	wm_process_exit(a);
	CHECK_EQ(wm_io_dispatched(IRP_MJ_CLOSE), closes + 2,
		 "kumem's handle closed, and the example's file object with the last ring");
	wm_example_unload(); /* would stop the machine with an example file still open */
	wm_driver_unload();
	wt_nothing_held();
}

/* ---- event producers through the API: the example's EMIT and EMIT_DPC --------------------- */

struct ex_stream {
	struct kumem_events_create a;
	struct kumem_ev_producer_page *prod; /* the process's read-only view */
	struct kumem_evring ev;		     /* the consumer, on the process's mappings */
};

static void ex_stream_create(struct wm_process *p, HANDLE k, uint64_t bytes, struct ex_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->a.data_bytes = bytes;
	CHECK_EQ(IOC(p, k, KUMEM_IOC_EVENTS_CREATE, s->a), 0, "EVENTS_CREATE");
	s->prod = (void *)(uintptr_t)s->a.user_ro_addr;
	CHECK_EQ(kumem_ev_attach(&s->ev, (uint64_t *)(uintptr_t)s->a.user_addr,
				 &s->prod->producer_pos, (uint8_t *)s->prod + 4096, bytes, false),
		 0, "consumer attach");
}

struct ex_check {
	uint64_t next, seen, bad;
};

/* The example's records: 16 bytes, {seq, magic}, seq counting from 0 per EMIT. */
static int ex_record(void *ctx, const void *payload, uint32_t len)
{
	struct ex_check *c = ctx;
	uint64_t rec[2];

	if (len != sizeof(rec)) {
		c->bad++;
		return 0;
	}
	memcpy(rec, payload, sizeof(rec));
	c->bad += rec[0] != c->next || rec[1] != KUMEM_EXAMPLE_MAGIC;
	c->next = rec[0] + 1;
	c->seen++;
	return 0;
}

static NTSTATUS ex_emit(struct wm_process *p, HANDLE h, ULONG code, HANDLE k, uint32_t id,
			uint32_t count, struct kumem_example_emit *out)
{
	struct kumem_example_emit a = { .kumem_handle = (uintptr_t)k,
					.events_id = id,
					.count = count };
	NTSTATUS st = IOC(p, h, code, a);

	*out = a;
	return st;
}

/*
 * kumem_events_get/emit/put through the example: records in order in the process's stream,
 * a full stream stopping the producer with the drop counted, records from a DPC at
 * DISPATCH_LEVEL, and the refusals (no such stream, not a kumem handle, not the owner).
 */
static void kapi_events(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_example_emit r;
	struct ex_check c = { 0 };
	struct ex_stream s;
	uint32_t id;
	HANDLE h, k, hb, kb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	k = wt_open(a);
	ex_stream_create(a, k, 4 * 4096, &s);
	id = (uint32_t)s.a.events_fd;

	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT, k, id, 100, &r), 0, "EMIT 100");
	CHECK_EQ(r.emitted, 100, "all 100 emitted");
	CHECK_EQ(kumem_ev_consume(&s.ev, ex_record, &c, 1000), 100, "100 records in the stream");
	CHECK_EQ(c.seen, 100, "100 delivered (none discarded)");
	CHECK_EQ(c.bad, 0, "in order, the example's magic");

	/* more than the area holds: the producer stops at the first refusal, counted */
	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT, k, id, 10000, &r), 0, "EMIT 10000");
	CHECK(r.emitted > 100 && r.emitted < 10000, "a full stream stopped it (%u)", r.emitted);
	CHECK_EQ(s.prod->dropped, 1, "one drop counted");
	c = (struct ex_check){ 0 };
	CHECK_EQ(kumem_ev_consume(&s.ev, ex_record, &c, 20000), r.emitted, "what was emitted");
	CHECK_EQ(c.seen, r.emitted, "all delivered");
	CHECK_EQ(c.bad, 0, "in order");

	/* from a DPC, at DISPATCH_LEVEL */
	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT_DPC, k, id, 50, &r), 0, "EMIT_DPC 50");
	CHECK_EQ(r.emitted, 50, "50 emitted from the DPC");
	CHECK_EQ(r.at_dispatch, 50, "each at DISPATCH_LEVEL");
	c = (struct ex_check){ 0 };
	CHECK_EQ(kumem_ev_consume(&s.ev, ex_record, &c, 1000), 50, "50 records");
	CHECK_EQ(c.seen, 50, "all delivered");
	CHECK_EQ(c.bad, 0, "in order");
	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT_DPC, k, id, 0, &r), STATUS_INVALID_PARAMETER,
		 "EMIT_DPC of 0 records");

	/* refusals */
	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT, k, id + 1000, 1, &r), STATUS_NOT_FOUND,
		 "no such stream");
	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT, h, id, 1, &r), STATUS_INVALID_PARAMETER,
		 "the example's own handle: not kumem's");
	hb = wm_dup(a, h, b);
	kb = wm_dup(a, k, b);
	CHECK_EQ(ex_emit(b, hb, KUMEM_EXAMPLE_EMIT, kb, id, 1, &r), STATUS_ACCESS_DENIED,
		 "a stream of another process");
	wm_close(b, hb);
	wm_close(b, kb);
	CHECK_EQ(s.prod->dropped, 1, "the refusals dropped nothing more");
	CHECK_EQ(wt_release(a, k, id), 0, "RELEASE the stream");
	CHECK_EQ(ex_emit(a, h, KUMEM_EXAMPLE_EMIT, k, id, 1, &r), STATUS_NOT_FOUND,
		 "a released stream");
	wm_close(a, h);
	wm_close(a, k);
	wm_process_exit(a);
	wm_process_exit(b);
	wm_example_unload();
	wm_driver_unload();
	wt_nothing_held();
}

/* The last handle closed in another process: kumem attaches to the mapping's process. */
static void kapi_cleanup_elsewhere(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct wm_process *b = wm_process_create("b.exe", false);
	struct kumem_example_region r = { .len = 2 * 4096 };
	HANDLE h, hb;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_MAP, &r), 0, "MAP in a");
	hb = wm_dup(a, h, b);
	wm_close(a, h);
	CHECK_EQ(a->user_mappings, 1, "still mapped: b holds the handle");
	wm_close(b, hb); /* IRP_MJ_CLEANUP in b */
	CHECK_EQ(a->user_mappings, 0, "unmapped in a, from b's cleanup");
	wm_process_exit(a);
	wm_process_exit(b);
	wm_example_unload();
	wm_driver_unload();
	wt_nothing_held();
}

/*
 * Unload order: sc stop kumem while the example is loaded and a process uses its region.
 * kumem's devices go, its image and the region stay (the example still works on it); the
 * image goes, with Verifier's leak checks, after the example unloads.
 */
static void kapi_unload_order(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	struct kumem_example_region r = { .len = 4096 };
	uint8_t *shared;
	NTSTATUS st;
	HANDLE h;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "sc start kumem");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	h = open_example(a);
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_MAP, &r), 0, "MAP");
	shared = (uint8_t *)(uintptr_t)r.user_addr;
	wm_driver_unload(); /* sc stop kumem: DriverUnload runs, the image stays */
	CHECK(wm_kumem_image_loaded(), "kumem.sys stays loaded while the example is");
	CHECK(!wm_open(a, &st), "but \\Device\\kumem is gone");
	CHECK_EQ(st, STATUS_OBJECT_NAME_NOT_FOUND, "open after sc stop");
	memset(shared, 0x42, 4096);
	r.offset = 0;
	r.len = 4096;
	CHECK_EQ(region_op(a, h, KUMEM_EXAMPLE_SUM, &r), 0, "SUM after sc stop kumem");
	CHECK_EQ(r.sum, kumem_checksum(shared, 4096), "the region still works");
	wm_close(a, h);
	CHECK_EQ(a->user_mappings, 0, "unmapped at cleanup");
	wm_process_exit(a);
	wm_example_unload(); /* the last hold: DllUnload is not owed (the service loaded it) */
	CHECK(!wm_kumem_image_loaded(), "kumem.sys unloaded after its importer");
	wt_nothing_held();
}

/* An importer loaded without kumem's service: the loader loads the image (DllInitialize). */
static void kapi_import_only(void)
{
	struct wm_process *a = wm_process_create("a.exe", false);
	uint8_t *mem = wm_user_alloc(a, 4096, WM_RW);
	NTSTATUS st;
	uint64_t sum;
	HANDLE h;

	CHECK(!wm_kumem_image_loaded(), "nothing loaded");
	CHECK_EQ(wm_example_load(), STATUS_SUCCESS, "the example's DriverEntry");
	CHECK(wm_kumem_image_loaded(), "kumem.sys loaded for its importer");
	CHECK(!wm_open(a, &st), "no \\Device\\kumem: DriverEntry did not run");
	h = open_example(a);
	memset(mem, 7, 4096);
	CHECK_EQ(user_op(a, h, KUMEM_EXAMPLE_SUM_USER, mem, 4096, 0, &sum), 0, "SUM_USER");
	CHECK_EQ(sum, kumem_checksum(mem, 4096), "the API works without the service");
	wm_close(a, h);
	wm_process_exit(a);
	wm_example_unload();
	CHECK(!wm_kumem_image_loaded(), "kumem.sys unloaded with its last importer (DllUnload)");
	wt_nothing_held();
}

/*
 * An importer that leaves a region behind: kumem.sys's image cannot go clean. Run in a child
 * machine, which must stop with Verifier's pool check (0xC4 / 0x62) at the image's unload,
 * and not before: with the region put first, the same sequence ends clean.
 */
static int leak_run(bool put_it)
{
	struct kumem_region *r = NULL;

	if (wm_driver_load() || wm_example_load())
		return 2;
	/* this thread plays a driver importing the API */
	if (kumem_region_alloc(8192, KUMEM_USER_READ | KUMEM_USER_WRITE, &r))
		return 3;
	if (kumem_region_size(r) != 8192 || !kumem_region_kaddr(r) || !kumem_region_mdl(r))
		return 4;
	wm_driver_unload(); /* allowed: the image is the importer's too */
	if (put_it)
		kumem_region_put(r);
	wm_example_unload(); /* the image goes here: leak checks */
	return 0;
}

static void kapi_leak_caught(void)
{
	int status, put_it;
	pid_t pid;

	for (put_it = 1; put_it >= 0; put_it--) {
		fflush(stderr);
		pid = fork();
		if (pid == 0) {
			if (!put_it) /* the expected bugcheck's report is noise in the log */
				freopen("/dev/null", "w", stderr);
			_exit(leak_run(put_it));
		}
		CHECK(waitpid(pid, &status, 0) == pid, "wait");
		CHECK(WIFEXITED(status), "the machine died of signal %d", WTERMSIG(status));
		if (put_it)
			CHECK_EQ(WEXITSTATUS(status), 0,
				 "region put before the importer unloads: clean");
		else
			CHECK_EQ(WEXITSTATUS(status), 100,
				 "region leaked: bugcheck at the image's unload");
	}
}

const struct wt_scenario wt_kapi[] = {
	{ "kapi: example driver locks, sums and fills the caller's buffer", kapi_user_buffers },
	{ "kapi: example driver maps kumem's pages, reads the MDL it is handed",
	  kapi_shared_region },
	{ "kapi: segments locked as one chain, the MDL chain walked", kapi_scatter_gather },
	{ "kapi: kumem_region_view: views of views, ERANGE, parent put first, mapped", kapi_views },
	{ "kapi: the example's ring ops (kumem_ring_create_driver), SQPOLL, refusals",
	  kapi_driver_ring },
	{ "kapi: the example's event producers (EMIT, EMIT_DPC), refusals", kapi_events },
	{ "kapi: the example's last handle closed in another process", kapi_cleanup_elsewhere },
	{ "kapi: sc stop kumem while an importer holds a region", kapi_unload_order },
	{ "kapi: importer loaded without the service (DllInitialize/DllUnload)", kapi_import_only },
	{ "kapi: a region an importer leaks is caught when kumem.sys goes", kapi_leak_caught },
	{ NULL, NULL },
};
