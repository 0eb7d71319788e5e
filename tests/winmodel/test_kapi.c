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
	{ "kapi: the example's last handle closed in another process", kapi_cleanup_elsewhere },
	{ "kapi: sc stop kumem while an importer holds a region", kapi_unload_order },
	{ "kapi: importer loaded without the service (DllInitialize/DllUnload)", kapi_import_only },
	{ "kapi: a region an importer leaks is caught when kumem.sys goes", kapi_leak_caught },
	{ NULL, NULL },
};
