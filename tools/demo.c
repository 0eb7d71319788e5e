// SPDX-License-Identifier: MIT
/*
 * kumem demo: the seed's two methods and the I/O manager's two transfers, one verified step
 * at a time. Each step says which Windows call of the tutorial it stands for and what the
 * driver does on this system; a step that does not verify fails the demo (exit 1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/mman.h>
#endif

#include "cli.h"

#define DEMO_LEN  (3 * 4096 + 100) /* three pages and a bit: from 0x10 into a page it spans four */
#define DEMO_PFNS 8
/* A step's result besides 0 and a negative errno: the driver here does not offer it. */
#define STEP_UNAVAILABLE 1

struct demo {
	kumem_t *dev;
	struct kumem_stats start;
	uint8_t *user_buf;	/* method 1: this process's memory */
	uint8_t *user_va;	/* 0x10 into a page, like the seed's 0xac004010 */
	kumem_region_t *locked; /* method 1 region */
	kumem_region_t *shared; /* method 2 region */
	kumem_region_t *ro;	/* method 2, read-only for this process */
};

static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed) ^ (i >> 9));
}

static int fail_msg(const char *what)
{
	cli_say("demo: verification failed: %s", what);
	return -EIO;
}

static void show_mdl(kumem_region_t *r)
{
	uint64_t pfns[DEMO_PFNS];
	struct kumem_mdl m;
	bool root = cli_may_see_pfns();
	int n;

	n = kumem_region_describe(r, &m, root ? pfns : NULL, DEMO_PFNS);
	if (n < 0) {
		cli_error("describe", n);
		return;
	}
	cli_print_mdl(&m, pfns, root ? n : -EPERM);
}

static int step_open(struct demo *d)
{
	struct kumem_info info;
	int err;

	if (cli_open(&d->dev))
		return -EIO; /* cli_open said why */
	err = kumem_info(d->dev, &info);
	if (err)
		return err;
	printf("    driver ABI %u, page size %u, regions up to %" PRIu64 " MiB\n", info.abi_version,
	       info.page_size, info.max_region_bytes >> 20);
	return kumem_stats(d->dev, &d->start);
}

static int step_lock_user(struct demo *d)
{
	uint64_t sum;
	int err;

	d->user_buf = cli_alloc_pages(5 * 4096);
	if (!d->user_buf)
		return -ENOMEM;
	d->user_va = d->user_buf + 0x10;
	pattern(d->user_va, DEMO_LEN, 1);
	err = kumem_lock_user(d->dev, d->user_va, DEMO_LEN, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE,
			      &d->locked);
	if (err)
		return err;
	show_mdl(d->locked);
	err = kumem_kernel_checksum(d->locked, 0, DEMO_LEN, &sum);
	if (err)
		return err;
	printf("    kernel checksum through its own mapping 0x%016" PRIx64 ", user 0x%016" PRIx64
	       "\n",
	       sum, kumem_checksum(d->user_va, DEMO_LEN));
	return sum == kumem_checksum(d->user_va, DEMO_LEN) ? 0 : fail_msg("method 1 checksum");
}

static int step_kernel_writes_user(struct demo *d)
{
	uint8_t before[DEMO_LEN];
	size_t i;
	int err;

	err = kumem_kernel_fill(d->locked, 4000, 200, 0x5a);
	if (err)
		return err;
	pattern(before, DEMO_LEN, 1); /* what step 2 wrote */
	for (i = 0; i < DEMO_LEN; i++) {
		bool filled = i >= 4000 && i < 4200;

		if (d->user_va[i] != (filled ? 0x5a : before[i]))
			return fail_msg(filled ? "kernel fill not seen by the process"
					       : "kernel fill wrote outside its range");
	}
	printf("    the process sees bytes 4000..4199 = 0x5a, written across a page boundary\n");
	err = kumem_region_release(d->locked);
	d->locked = NULL;
	return err;
}

static int step_alloc_shared(struct demo *d)
{
	uint8_t *p;
	size_t i;
	int err;

	err = kumem_alloc_shared(d->dev, DEMO_LEN, KUMEM_USER_READ | KUMEM_USER_WRITE, &d->shared);
	if (err)
		return err;
	p = kumem_region_addr(d->shared);
	for (i = 0; i < DEMO_LEN; i++)
		if (p[i])
			return fail_msg("method 2 memory did not arrive zeroed");
	show_mdl(d->shared);
	printf("    %d bytes mapped at %p, all zero on arrival\n", DEMO_LEN, (void *)p);
	return 0;
}

static int step_shared_both_ways(struct demo *d)
{
	uint8_t *p = kumem_region_addr(d->shared);
	uint64_t sum;
	size_t i;
	int err;

	err = kumem_kernel_fill(d->shared, 0, DEMO_LEN, 0xc3);
	if (err)
		return err;
	for (i = 0; i < DEMO_LEN; i++)
		if (p[i] != 0xc3)
			return fail_msg("kernel fill of shared pages not seen by the process");
	pattern(p, DEMO_LEN, 7);
	err = kumem_kernel_checksum(d->shared, 0, DEMO_LEN, &sum);
	if (err)
		return err;
	if (sum != kumem_checksum(p, DEMO_LEN))
		return fail_msg("process writes not seen by the kernel");
	printf("    kernel fill seen by the process; process writes seen by the kernel "
	       "(checksum 0x%016" PRIx64 ")\n",
	       sum);
	err = kumem_region_release(d->shared);
	d->shared = NULL;
	return err;
}

static int step_read_only(struct demo *d)
{
	uint8_t *p;
	int err;

	err = kumem_alloc_shared(d->dev, 4096, KUMEM_USER_READ, &d->ro);
	if (err)
		return err;
	err = kumem_kernel_fill(d->ro, 0, 4096, 0x11);
	if (err)
		return err;
	p = kumem_region_addr(d->ro);
	show_mdl(d->ro);
	if (p[0] != 0x11 || p[4095] != 0x11)
		return fail_msg("kernel writes to a read-only region not visible");
#ifndef _WIN32
	if (mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0 || errno != EACCES)
		return fail_msg("mprotect made a read-only region writable");
#endif
	printf("    the process reads 0x%02x; it cannot write or mprotect it writable\n", p[0]);
	err = kumem_region_release(d->ro);
	d->ro = NULL;
	return err;
}

static int step_transfers(struct demo *d)
{
	uint64_t buffered, direct, want;
	int err;

	pattern(d->user_buf, 5 * 4096, 3);
	want = kumem_checksum(d->user_buf + 3, 5 * 4096 - 3);
	err = kumem_buffered_checksum(d->dev, d->user_buf + 3, 5 * 4096 - 3, &buffered);
	if (err)
		return err;
	err = kumem_direct_checksum(d->dev, d->user_buf + 3, 5 * 4096 - 3, &direct);
	if (err)
		return err;
	printf("    buffered 0x%016" PRIx64 ", direct 0x%016" PRIx64 ", user 0x%016" PRIx64 "\n",
	       buffered, direct, want);
	if (buffered != want || direct != want)
		return fail_msg("buffered/direct checksum");
	return 0;
}

/* What the pin of a direct read()/write() looked like: the MDL the I/O manager would build. */
static void show_pin(const struct kumem_rw_last *l, const void *va)
{
	uint32_t i;

	printf("    the pin (as Irp->MdlAddress would describe it):\n");
	printf("      StartVa        0x%016" PRIx64 "\n", (uint64_t)(uintptr_t)va - l->byte_offset);
	printf("      ByteOffset     0x%" PRIx32 "\n", l->byte_offset);
	printf("      ByteCount      %" PRIu64 "\n", l->bytes);
	printf("      pages          %" PRIu64 " in %" PRIu32 " batch%s, at most %" PRIu32
	       " pinned at once\n",
	       l->pages, l->chunks, l->chunks == 1 ? "" : "es", l->max_pinned);
	if (l->os_flags)
		printf("      MdlFlags       0x%04" PRIx32 "\n", l->os_flags);
	if (l->pfn_count) {
		printf("      PFNs          ");
		for (i = 0; i < l->pfn_count; i++)
			printf(" 0x%" PRIx64, l->pfns[i]);
		printf("%s\n", l->pfn_count < l->pages ? " ..." : "");
	} else {
		printf("      PFNs           (root only)\n");
	}
}

/* One mode: write the buffer, read it back; check both against what this process computes. */
static int rw_one_mode(struct demo *d, unsigned mode, const uint8_t *data, size_t len,
		       uint8_t *back)
{
	const char *name = mode == KUMEM_RW_DIRECT ? "direct" : "buffered";
	uint8_t want[256];
	struct kumem_rw_last l;
	kumem_rw_t *f;
	int64_t got;
	int err;

	err = kumem_rw_open(d->dev, mode, 0, &f);
	if (err)
		return err;
	got = kumem_rw_write(f, data, len);
	err = got < 0 ? (int)got : kumem_rw_last(f, &l);
	if (err)
		goto out;
	printf("    %-8s write(%zu bytes) = %" PRId64 ", driver's checksum 0x%016" PRIx64 "\n",
	       name, len, got, l.sum);
	if ((size_t)got != len || l.sum != kumem_checksum(data, len)) {
		err = fail_msg("write() count or checksum");
		goto out;
	}
	if (mode == KUMEM_RW_DIRECT)
		show_pin(&l, data);
	memset(back, 0, len);
	got = kumem_rw_read(f, back, len);
	if (got < 0) {
		err = (int)got;
		goto out;
	}
	kumem_pattern_fill(want, 0, sizeof(want));
	printf("    %-8s read(%zu bytes)  = %" PRId64 ", first bytes %02x %02x %02x %02x\n", name,
	       len, got, back[0], back[1], back[2], back[3]);
	if ((size_t)got != len || memcmp(back, want, len < sizeof(want) ? len : sizeof(want)))
		err = fail_msg("read() count or bytes");
out:
	kumem_rw_close(f);
	return err;
}

static int step_read_write(struct demo *d)
{
	size_t len = DEMO_LEN;
	uint8_t *data = d->user_buf + 0x10, *back = cli_alloc_pages(4 * 4096);
	int err;

	if (!back)
		return -ENOMEM;
	pattern(data, len, 11);
	err = rw_one_mode(d, KUMEM_RW_BUFFERED, data, len, back);
	if (!err)
		err = rw_one_mode(d, KUMEM_RW_DIRECT, data, len, back);
	cli_free_pages(back);
	return err;
}

static int step_ring(struct demo *d)
{
	kumem_region_t *a = NULL, *b = NULL;
	struct kumem_cqe cq[3];
	kumem_ring_t *r = NULL;
	struct kumem_sqe *e;
	uint8_t *pa, *pb;
	int err, i;

	err = kumem_ring_create(d->dev, 8, 0, 0, &r);
	if (!err)
		err = kumem_alloc_shared(d->dev, 8192, KUMEM_USER_READ | KUMEM_USER_WRITE, &a);
	if (!err)
		err = kumem_alloc_shared(d->dev, 8192, KUMEM_USER_READ | KUMEM_USER_WRITE, &b);
	if (err)
		goto out;
	pa = kumem_region_addr(a);
	pb = kumem_region_addr(b);
	e = kumem_ring_get_sqe(r);
	*e = (struct kumem_sqe){ .op = KUMEM_OP_FILL,
				 .region = kumem_region_id(a),
				 .len = 8192,
				 .value = 0x42,
				 .user_data = 1 };
	e = kumem_ring_get_sqe(r);
	*e = (struct kumem_sqe){ .op = KUMEM_OP_COPY,
				 .region = kumem_region_id(a),
				 .len = 4096,
				 .dst_region = kumem_region_id(b),
				 .dst_offset = 4096,
				 .user_data = 2 };
	e = kumem_ring_get_sqe(r);
	*e = (struct kumem_sqe){
		.op = KUMEM_OP_CHECKSUM, .region = kumem_region_id(b), .len = 8192, .user_data = 3
	};
	err = kumem_ring_submit(r);
	if (err != 3) {
		err = err < 0 ? err : fail_msg("ring did not take 3 submissions");
		goto out;
	}
	err = kumem_ring_wait(r, 3, 1000000000ll);
	if (err)
		goto out;
	if (kumem_ring_reap(r, cq, 3) != 3) {
		err = fail_msg("3 completions");
		goto out;
	}
	for (i = 0; i < 3; i++)
		printf("    completion user_data %" PRIu64 ": result %" PRId64 "%s\n",
		       cq[i].user_data, cq[i].result, i == 2 ? ", checksum of b" : "");
	if (cq[0].result || cq[1].result || cq[2].result || pa[8191] != 0x42 || pb[4095] != 0 ||
	    pb[4096] != 0x42 || cq[2].value != kumem_checksum(pb, 8192))
		err = fail_msg("ring operations");
	else
		printf("    one system call ran FILL, COPY and CHECKSUM; the process sees every "
		       "effect\n");
out:
	kumem_region_release(a);
	kumem_region_release(b);
	kumem_ring_destroy(r);
	return err;
}

static int count_ordered(void *ctx, const void *payload, uint32_t len)
{
	uint64_t *next = ctx, seq;

	memcpy(&seq, payload, sizeof(seq));
	if (seq == *next && len == 64)
		++*next;
	return 0;
}

static int step_events(struct demo *d)
{
	uint64_t next = 0, produced = 0, dropped = 0;
	kumem_events_t *e;
	int err, waits = 0;

	err = kumem_events_create(d->dev, 64 * 1024, &e);
	if (err == -EOPNOTSUPP) {
		printf("    not served by this system's driver yet\n");
		return STEP_UNAVAILABLE;
	}
	if (err)
		return err;
	err = kumem_events_generate(e, 1000, 64, 0);
	while (!err && next < 1000 && waits < 20) {
		int n = kumem_events_consume(e, count_ordered, &next, 256);

		if (n < 0)
			err = n;
		else if (n == 0)
			waits += kumem_events_wait(e, 200) == 0;
	}
	kumem_events_counts(e, &produced, &dropped);
	kumem_events_destroy(e);
	if (err)
		return err;
	printf("    %" PRIu64 " records of 64 bytes received in order, %" PRIu64 " dropped\n", next,
	       dropped);
	return next == 1000 ? 0 : fail_msg("event stream order");
}

static int step_nothing_left(struct demo *d)
{
	struct kumem_stats now;
	int err;

	err = kumem_stats(d->dev, &now);
	if (err)
		return err;
	printf("    regions %" PRIu64 ", pinned pages %" PRIu64 ", allocated pages %" PRIu64
	       ", user mappings %" PRIu64 "\n",
	       now.regions, now.pinned_pages, now.allocated_pages, now.user_mappings);
	if (now.regions != d->start.regions || now.pinned_pages != d->start.pinned_pages ||
	    now.allocated_pages != d->start.allocated_pages ||
	    now.user_mappings != d->start.user_mappings || now.io_pinned_pages)
		return fail_msg("the driver still holds memory after every region was released");
	return 0;
}

/*
 * The demo is this table, run in order: each step prints its title and explanation, then
 * runs; 0 verified, STEP_UNAVAILABLE skipped, -EIO a failed check (already reported), any
 * other negative errno a call that failed. More demos (further ring or event-stream
 * walkthroughs) are one function and one entry each, before "nothing left behind", which
 * must stay last: it checks that every earlier step released what it took.
 */
struct demo_step {
	const char *title;
	const char *why; /* the seed's call and this system's */
	int (*run)(struct demo *d);
};

static const struct demo_step steps[] = {
	{ "open the driver",
	  "CreateFile(\\\\.\\kumem) on Windows, open(/dev/kumem) here; the ABI version is checked.",
	  step_open },
	{ "method 1: lock this process's buffer and map it into the kernel",
	  "Seed: IoAllocateMdl + MmProbeAndLockPages(IoWriteAccess) + "
	  "MmGetSystemAddressForMdlSafe.\n"
	  "Linux: pin_user_pages_fast(FOLL_LONGTERM | FOLL_WRITE) + vmap(). The buffer starts "
	  "0x10\n"
	  "into a page, so ByteOffset is 0x10, as in the seed's 0xac004010 example.",
	  step_lock_user },
	{ "method 1: the kernel writes, the process reads",
	  "The driver memsets through its own kernel address; no copy, no system call per byte.",
	  step_kernel_writes_user },
	{ "method 2: kernel pages mapped into this process",
	  "Seed: ExAllocatePoolWithTag + MmBuildMdlForNonPagedPool; the Windows driver uses\n"
	  "MmAllocatePagesForMdlEx + MmMapLockedPagesSpecifyCache(UserMode). Linux: zeroed\n"
	  "alloc_page() per page + vmap() for the kernel, vm_insert_pages() in this mmap().",
	  step_alloc_shared },
	{ "method 2: both sides see each other's writes",
	  "Same physical pages, two virtual mappings: the kernel's and this process's.",
	  step_shared_both_ways },
	{ "method 2: a region this process may only read",
	  "Mapped without write permission and without VM_MAYWRITE, so mprotect cannot add it.",
	  step_read_only },
	{ "buffered and direct I/O, the I/O manager's way",
	  "METHOD_BUFFERED copies into Irp->AssociatedIrp.SystemBuffer (copy_from_user here);\n"
	  "METHOD_IN_DIRECT locks the pages for one request (Irp->MdlAddress; a short pin here).",
	  step_transfers },
	{ "read() and write(): DO_BUFFERED_IO and DO_DIRECT_IO",
	  "The same two transfers as device flags: IRP_MJ_WRITE/IRP_MJ_READ on a device with\n"
	  "DO_BUFFERED_IO (SystemBuffer) or DO_DIRECT_IO (Irp->MdlAddress). Here a handle picks\n"
	  "its mode: buffered copies through a 256 KiB bounce buffer, direct pins this\n"
	  "process's pages for the call (iov_iter_extract_pages) and works on them in place.\n"
	  "write() consumes (the driver checksums), read() produces (a known pattern).",
	  step_read_write },
	{ "a command ring: three operations, one system call",
	  "Submission and completion queues live in shared memory (io_uring style): the process\n"
	  "writes entries, one ENTER makes the driver run them, completions come back the same "
	  "way.",
	  step_ring },
	{ "an event stream: kernel to process, no copy per record",
	  "Variable-size records in a data area mapped twice back to back, so none ever wraps;\n"
	  "the process is woken only when it had caught up (BPF ring buffer style).",
	  step_events },
	{ "nothing left behind",
	  "Every region released: the driver's counters are back where they started.",
	  step_nothing_left },
};

static void print_indented(const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n'))) {
		printf("  %.*s\n", (int)(nl - text), text);
		text = nl + 1;
	}
	printf("  %s\n", text);
}

static void cleanup(struct demo *d)
{
	kumem_region_release(d->locked);
	kumem_region_release(d->shared);
	kumem_region_release(d->ro);
	kumem_close(d->dev);
	cli_free_pages(d->user_buf);
}

int cmd_demo(int argc, char **argv)
{
	struct demo d = { 0 };
	size_t i, n = sizeof(steps) / sizeof(steps[0]), unavailable = 0;
	int err = 0;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help")) {
			printf("usage: kumem demo\n\nWalks through both shared-memory methods and "
			       "the "
			       "buffered/direct transfers,\nverifying each step. Exit 1 if any "
			       "does "
			       "not verify.\n");
			return EXIT_OK;
		}
		cli_say("demo takes no arguments, not '%s'", argv[1]);
		fprintf(stderr, "usage: kumem demo\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		printf("\n[%zu/%zu] %s\n", i + 1, n, steps[i].title);
		print_indented(steps[i].why);
		err = steps[i].run(&d);
		if (err == STEP_UNAVAILABLE) {
			printf("  not available here\n");
			unavailable++;
			err = 0;
			continue;
		}
		if (err) {
			if (err != -EIO)
				cli_error(steps[i].title, err);
			break;
		}
		printf("  ok\n");
	}
	cleanup(&d);
	if (err) {
		cli_say("demo: step %zu of %zu failed", i + 1, n);
		return EXIT_FAIL;
	}
	if (unavailable)
		printf("\ndemo: %zu steps verified, %zu not available on this system\n",
		       n - unavailable, unavailable);
	else
		printf("\ndemo: all %zu steps verified\n", n);
	return EXIT_OK;
}
