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

static void usage(FILE *f)
{
	fprintf(f, "usage: kumem inspect [-j|--json] --addr ADDR --len LEN [--page-size SIZE]\n"
		   "       kumem inspect [-j|--json] --self LEN\n\n"
		   "The first form computes the MDL header of [ADDR, ADDR+LEN) as IoAllocateMdl\n"
		   "would (no driver needed); the second locks a real buffer and asks the driver.\n"
		   "Numbers may be decimal or 0x hex, with an optional K/M/G suffix.\n");
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "len", required_argument, NULL, 'l' },
		{ "page-size", required_argument, NULL, 'p' },
		{ "self", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t addr = 0, len = 0, page = 4096, self = 0;
	bool have_addr = false, have_len = false, have_self = false;
	unsigned int shift;
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:l:p:s:jh", opts, NULL)) != -1) {
		uint64_t *dst = c == 'a' ? &addr : c == 'l' ? &len : c == 'p' ? &page : &self;

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
		err = cli_parse_u64(optarg, dst);
		if (err) {
			cli_bad_number("inspect",
				       c == 'a'	  ? "--addr"
				       : c == 'l' ? "--len"
				       : c == 'p' ? "--page-size"
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
	if (have_self && (have_addr || have_len)) {
		cli_say("inspect: --self cannot be combined with --addr/--len");
		goto usage;
	}
	if (!have_self && !have_addr && !have_len) {
		cli_say("inspect: say what to inspect: --addr and --len, or --self");
		goto usage;
	}
	if (!have_self && !(have_addr && have_len)) {
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
		cli_say("inspect: --page-size must be a power of two, 4K .. 1G, not %" PRIu64, page);
		goto usage;
	}
	return inspect_computed(addr, len, shift);
usage:
	usage(stderr);
	return EXIT_USAGE;
}
