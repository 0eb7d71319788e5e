// SPDX-License-Identifier: MIT
/*
 * kumem inspect: the MDL view of a buffer.
 *
 * --addr/--len computes it with core/mdl.c alone, exactly as IoAllocateMdl would fill the
 * header; --self locks a real buffer of this process and asks the driver for its view.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../core/mdl.h"
#include "../core/validate.h"

/* An NT MDL header is 48 bytes on 64-bit Windows; the PFN array follows it. */
#define NT_MDL_HEADER	 48
#define MAX_LISTED_PAGES 16

static void usage(FILE *f);

static int inspect_computed(uint64_t addr, uint64_t len, unsigned int shift)
{
	struct kumem_geom g;
	uint64_t bytes, i;
	int err;

	err = kumem_geom_init(&g, addr, len, shift);
	if (err == -KUMEM_EOVERFLOW) {
		cli_say("inspect: 0x%" PRIx64 " + %" PRIu64
			" wraps around the end of the address space",
			addr, len);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (err || kumem_descriptor_bytes(NT_MDL_HEADER, g.page_count, &bytes)) {
		cli_say("inspect: %s", kumem_strerror(err ? err : -KUMEM_EOVERFLOW));
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_json) {
		printf("{\"addr\": %" PRIu64 ", \"len\": %" PRIu64 ", \"page_size\": %u, "
		       "\"start_va\": %" PRIu64 ", \"byte_offset\": %" PRIu32
		       ", \"byte_count\": %" PRIu64 ", \"virtual_address\": %" PRIu64
		       ", \"page_count\": %" PRIu64 ", \"descriptor_bytes\": %" PRIu64
		       ", \"pages\": [",
		       addr, len, 1u << shift, g.start_va, g.byte_offset, g.byte_count,
		       kumem_geom_va(&g), g.page_count, bytes);
		for (i = 0; i < g.page_count && i < MAX_LISTED_PAGES; i++)
			printf("%s%" PRIu64, i ? ", " : "", kumem_geom_page_va(&g, i, shift));
		printf("]}\n");
		return EXIT_OK;
	}
	printf("MDL view of 0x%" PRIx64 " + %" PRIu64 " bytes (page size %u):\n", addr, len,
	       1u << shift);
	printf("    StartVa          0x%016" PRIx64 "   (page-aligned)\n", g.start_va);
	printf("    ByteOffset       0x%" PRIx32 "\n", g.byte_offset);
	printf("    ByteCount        %" PRIu64 "\n", g.byte_count);
	printf("    VirtualAddress   0x%016" PRIx64
	       "   (MmGetMdlVirtualAddress = StartVa + ByteOffset)\n",
	       kumem_geom_va(&g));
	printf("    span pages       %" PRIu64 "   (ADDRESS_AND_SIZE_TO_SPAN_PAGES)\n",
	       g.page_count);
	printf("    descriptor bytes %" PRIu64 "   (%d-byte MDL header + 8 per PFN)\n", bytes,
	       NT_MDL_HEADER);
	for (i = 0; i < g.page_count && i < MAX_LISTED_PAGES; i++)
		printf("    page %-4" PRIu64 "        0x%016" PRIx64 "\n", i,
		       kumem_geom_page_va(&g, i, shift));
	if (g.page_count > MAX_LISTED_PAGES)
		printf("    ... %" PRIu64 " more pages\n", g.page_count - MAX_LISTED_PAGES);
	return EXIT_OK;
}

/* The driver's view as JSON; "pfns" is null when this user may not see them. */
static void print_mdl_json(uint64_t len, const void *addr, const struct kumem_mdl *m,
			   const uint64_t *pfns, int npfns)
{
	int i;

	printf("{\"len\": %" PRIu64 ", \"addr\": %" PRIu64 ", \"start_va\": %" PRIu64
	       ", \"byte_offset\": %" PRIu32 ", \"byte_count\": %" PRIu64
	       ", \"page_count\": %" PRIu64 ", \"flags\": %" PRIu32
	       ", \"descriptor_bytes\": %" PRIu64 ", \"pfns\": ",
	       len, (uint64_t)(uintptr_t)addr, m->start_va, m->byte_offset, m->byte_count,
	       m->page_count, m->flags, m->descriptor_bytes);
	if (npfns < 0) {
		printf("null}\n");
		return;
	}
	printf("[");
	for (i = 0; i < npfns; i++)
		printf("%s%" PRIu64, i ? ", " : "", pfns[i]);
	printf("]}\n");
}

static int inspect_self(uint64_t len)
{
	uint64_t pfns[8];
	struct kumem_mdl m;
	kumem_region_t *r;
	kumem_t *dev;
	uint8_t *buf;
	int err, n;

	/* 0x10 bytes into a page, like the seed's example. */
	buf = cli_alloc_pages(len + 0x10);
	if (!buf) {
		cli_error("allocate the buffer", -ENOMEM);
		return EXIT_FAIL;
	}
	memset(buf, 0xa5, len + 0x10);
	if (cli_open(&dev)) {
		cli_free_pages(buf);
		return EXIT_FAIL;
	}
	err = kumem_lock_user(dev, buf + 0x10, len, KUMEM_KERNEL_READ, &r);
	if (err) {
		cli_error("lock the buffer", err);
		goto out;
	}
	n = kumem_region_describe(r, &m, cli_may_see_pfns() ? pfns : NULL, 8);
	if (n < 0) {
		err = n;
		cli_error("describe", err);
	} else if (cli_json) {
		print_mdl_json(len, buf + 0x10, &m, pfns, cli_may_see_pfns() ? n : -EPERM);
	} else {
		printf("driver's view of this process's %" PRIu64 "-byte buffer at %p:\n", len,
		       (void *)(buf + 0x10));
		cli_print_mdl(&m, pfns, cli_may_see_pfns() ? n : -EPERM);
	}
	kumem_region_release(r);
out:
	kumem_close(dev);
	cli_free_pages(buf);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* ---- chains: the seed's MDLs linked through Next ------------------------------------------ */

#define MAX_CHAIN 64

/* One element as a row of the list, then the Next arrow to the following one. */
static void print_elem(const struct kumem_mdl_elem *e, uint32_t n, const uint64_t *pfns, int npfns)
{
	uint64_t i;

	printf("  MDL[%" PRIu32 "]  StartVa 0x%016" PRIx64 "  ByteOffset 0x%-4" PRIx32
	       "  ByteCount %-8" PRIu64 "  pages %" PRIu64 "   bytes [%" PRIu64 ", %" PRIu64 ")\n",
	       e->index, e->start_va, e->byte_offset, e->byte_count, e->page_count, e->offset,
	       e->offset + e->byte_count);
	if (npfns >= 0) {
		printf("          PFNs");
		for (i = 0; i < e->page_count && i < MAX_LISTED_PAGES; i++)
			printf(" 0x%" PRIx64,
			       e->first_pfn + i < (uint64_t)npfns ? pfns[e->first_pfn + i] : 0);
		printf("%s\n", e->page_count > MAX_LISTED_PAGES ? " ..." : "");
	}
	printf("     |\n     | Next\n     v\n");
	if (e->index + 1 == n)
		printf("  NULL\n");
}

static void print_chain_json(const struct kumem_mdl_elem *e, uint32_t n)
{
	uint32_t i;

	printf("{\"chain_length\": %" PRIu32 ", \"elements\": [", n);
	for (i = 0; i < n; i++)
		printf("%s{\"index\": %" PRIu32 ", \"start_va\": %" PRIu64
		       ", \"byte_offset\": %" PRIu32 ", \"byte_count\": %" PRIu64
		       ", \"page_count\": %" PRIu64 ", \"offset\": %" PRIu64 "}",
		       i ? ", " : "", e[i].index, e[i].start_va, e[i].byte_offset, e[i].byte_count,
		       e[i].page_count, e[i].offset);
	printf("]}\n");
}

/* "ADDR:LEN,ADDR:LEN,...": up to MAX_CHAIN segments. */
static int parse_chain(const char *arg, struct kumem_segment *segs, uint32_t *n)
{
	char *copy = strdup(arg), *item, *save = NULL, *colon;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*n = 0;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		colon = strchr(item, ':');
		if (!colon || *n == MAX_CHAIN) {
			err = -EINVAL;
			break;
		}
		*colon = 0;
		err = cli_parse_u64(item, &segs[*n].addr);
		if (!err)
			err = cli_parse_u64(colon + 1, &segs[*n].len);
		if (err)
			break;
		(*n)++;
	}
	free(copy);
	return err ? err : *n ? 0 : -EINVAL;
}

/* The chain's MDLs computed with core/ alone, refused as the driver would refuse it. */
static int inspect_chain_computed(const struct kumem_segment *segs, uint32_t n, unsigned int shift)
{
	const struct kumem_limits lim = { .page_shift = shift,
					  .max_region_bytes = UINT64_MAX,
					  .user_va_end = UINT64_MAX };
	struct kumem_chain_seg c[MAX_CHAIN];
	struct kumem_mdl_elem e[MAX_CHAIN];
	uint64_t pages;
	uint32_t bad, i;
	int err;

	err = kumem_check_segments(segs, n, &lim, c, &pages, &bad);
	if (err) {
		cli_say("inspect: segment %" PRIu32 " refused: %s", bad,
			err == -KUMEM_EINVAL ? "empty, or shares a page with an earlier segment"
					     : kumem_strerror(err));
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++)
		e[i] = (struct kumem_mdl_elem){ .start_va = c[i].geom.start_va,
						.byte_count = c[i].geom.byte_count,
						.byte_offset = c[i].geom.byte_offset,
						.index = i,
						.page_count = c[i].geom.page_count,
						.offset = c[i].offset,
						.first_pfn = c[i].first_page };
	if (cli_json) {
		print_chain_json(e, n);
		return EXIT_OK;
	}
	printf("MDL chain of %" PRIu32 " elements, %" PRIu64 " bytes over %" PRIu64
	       " pages (page size %u); the kernel %s see it as one linear buffer:\n",
	       n, c[n - 1].offset + c[n - 1].geom.byte_count, pages, 1u << shift,
	       kumem_chain_linear(c, n, shift) ? "can" : "cannot");
	for (i = 0; i < n; i++)
		print_elem(&e[i], n, NULL, -1);
	return EXIT_OK;
}

/* @n segments of this process's memory, a page apart, each 0x10 * (i + 1) into its page. */
static int inspect_self_chain(uint32_t n)
{
	struct kumem_segment segs[MAX_CHAIN];
	struct kumem_mdl_elem e[MAX_CHAIN];
	uint64_t pfns[3 * MAX_CHAIN];
	uint32_t i, len = 0;
	struct kumem_mdl m;
	kumem_region_t *r;
	kumem_t *dev;
	uint8_t *buf;
	int err, got, npfns = -EPERM;

	buf = cli_alloc_pages((size_t)n * 3 * 4096);
	if (!buf) {
		cli_error("allocate the buffers", -ENOMEM);
		return EXIT_FAIL;
	}
	memset(buf, 0x5a, (size_t)n * 3 * 4096);
	for (i = 0; i < n; i++)
		segs[i] = (struct kumem_segment){ (uintptr_t)buf + i * 3 * 4096 + 0x10 * (i + 1),
						  4096 };
	if (cli_open(&dev)) {
		cli_free_pages(buf);
		return EXIT_FAIL;
	}
	err = kumem_lock_user_segments(dev, segs, n, KUMEM_KERNEL_READ, &r, NULL);
	if (err) {
		cli_error("lock the chain", err);
		goto out;
	}
	got = kumem_region_describe(r, &m, cli_may_see_pfns() ? pfns : NULL, 3 * MAX_CHAIN);
	if (got >= 0 && cli_may_see_pfns())
		npfns = got;
	err = got < 0 ? got : kumem_region_describe_chain(r, e, MAX_CHAIN, &len);
	if (err < 0) {
		cli_error("describe", err);
	} else if (cli_json) {
		print_chain_json(e, (uint32_t)err);
		err = 0;
	} else {
		printf("driver's view of a chain of %" PRIu32 " buffers of this process (%" PRIu64
		       " bytes, %" PRIu64 " pages, region id %" PRIu32 "):\n",
		       len, m.byte_count, m.page_count, m.id);
		for (i = 0; i < (uint32_t)err; i++)
			print_elem(&e[i], (uint32_t)err, pfns, npfns);
		err = 0;
	}
	kumem_region_release(r);
out:
	kumem_close(dev);
	cli_free_pages(buf);
	return err ? EXIT_FAIL : EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kumem inspect [-j|--json] --addr ADDR --len LEN [--page-size SIZE]\n"
		   "       kumem inspect [-j|--json] --self LEN\n"
		   "       kumem inspect [-j|--json] --chain ADDR:LEN[,...] [--page-size SIZE]\n"
		   "       kumem inspect [-j|--json] --self-chain N\n\n"
		   "The first form computes the MDL header of [ADDR, ADDR+LEN) as IoAllocateMdl\n"
		   "would (no driver needed); the second locks a real buffer and asks the driver.\n"
		   "--chain computes the MDLs of a chain of segments linked through Next (at most\n"
		   "64); --self-chain locks N buffers of this process as one chain and asks the\n"
		   "driver for its elements.\n"
		   "Numbers may be decimal or 0x hex, with an optional K/M/G suffix.\n");
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "len", required_argument, NULL, 'l' },
		{ "page-size", required_argument, NULL, 'p' },
		{ "self", required_argument, NULL, 's' },
		{ "chain", required_argument, NULL, 'c' },
		{ "self-chain", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t addr = 0, len = 0, page = 4096, self = 0, self_chain = 0;
	bool have_addr = false, have_len = false, have_self = false;
	struct kumem_segment segs[MAX_CHAIN];
	const char *chain = NULL;
	uint32_t nsegs = 0;
	unsigned int shift;
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:l:p:s:c:C:jh", opts, NULL)) != -1) {
		uint64_t *dst = c == 'a'   ? &addr
				: c == 'l' ? &len
				: c == 'p' ? &page
				: c == 'C' ? &self_chain
					   : &self;

		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == 'j') {
			cli_json = true;
			continue;
		}
		if (c == '?' || c == ':') {
			cli_bad_option("inspect", c, argv);
			goto usage;
		}
		if (c == 'c') {
			chain = optarg;
			continue;
		}
		err = cli_parse_u64(optarg, dst);
		if (err) {
			cli_bad_number("inspect",
				       c == 'a'	  ? "--addr"
				       : c == 'l' ? "--len"
				       : c == 'p' ? "--page-size"
				       : c == 'C' ? "--self-chain"
						  : "--self",
				       optarg, err);
			goto usage;
		}
		have_addr |= c == 'a';
		have_len |= c == 'l';
		have_self |= c == 's';
	}
	if (optind < argc) {
		cli_say("inspect: unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if (self_chain) {
		if (chain || have_self || have_addr || have_len || self_chain > MAX_CHAIN) {
			cli_say("inspect: --self-chain takes 1 .. %d and no other input",
				MAX_CHAIN);
			goto usage;
		}
		return inspect_self_chain((uint32_t)self_chain);
	}
	if (chain && (have_self || have_addr || have_len)) {
		cli_say("inspect: --chain cannot be combined with --addr/--len/--self");
		goto usage;
	}
	if (have_self && (have_addr || have_len)) {
		cli_say("inspect: --self cannot be combined with --addr/--len");
		goto usage;
	}
	if (!chain && !have_self && !have_addr && !have_len) {
		cli_say("inspect: say what to inspect: --addr and --len, or --self");
		goto usage;
	}
	if (!chain && !have_self && !(have_addr && have_len)) {
		cli_say("inspect: %s needs %s too", have_addr ? "--addr" : "--len",
			have_addr ? "--len" : "--addr");
		goto usage;
	}
	if (have_self) {
		if (self == 0 || self > (1ull << 30)) {
			cli_say("inspect: --self takes 1 byte .. 1G, not %" PRIu64, self);
			goto usage;
		}
		return inspect_self(self);
	}
	for (shift = 12; shift <= 30 && (1ull << shift) != page; shift++)
		;
	if (shift > 30) {
		cli_say("inspect: --page-size must be a power of two, 4K .. 1G, not %" PRIu64,
			page);
		goto usage;
	}
	if (chain) {
		err = parse_chain(chain, segs, &nsegs);
		if (err) {
			cli_say("inspect: --chain takes ADDR:LEN[,...], 1 .. %d pieces: '%s'",
				MAX_CHAIN, chain);
			goto usage;
		}
		return inspect_chain_computed(segs, nsegs, shift);
	}
	return inspect_computed(addr, len, shift);
usage:
	usage(stderr);
	return EXIT_USAGE;
}
