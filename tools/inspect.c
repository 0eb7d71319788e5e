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

static int inspect_computed(uint64_t addr, uint64_t len, unsigned int shift)
{
	struct kumem_geom g;
	uint64_t bytes, i;
	int err;

	err = kumem_geom_init(&g, addr, len, shift);
	if (err == -KUMEM_EOVERFLOW) {
		fprintf(stderr,
			"kumem inspect: 0x%" PRIx64 " + %" PRIu64
			" wraps around the end of the address space\n",
			addr, len);
		return EXIT_USAGE;
	}
	if (err || kumem_descriptor_bytes(NT_MDL_HEADER, g.page_count, &bytes)) {
		fprintf(stderr, "kumem inspect: %s\n",
			kumem_strerror(err ? err : -KUMEM_EOVERFLOW));
		return EXIT_USAGE;
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
	fprintf(f, "usage: kumem inspect --addr ADDR --len LEN [--page-size SIZE]\n"
		   "       kumem inspect --self LEN\n\n"
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t addr = 0, len = 0, page = 4096, self = 0;
	bool have_addr = false, have_len = false, have_self = false;
	unsigned int shift;
	int c;

	while ((c = getopt_long(argc, argv, "a:l:p:s:h", opts, NULL)) != -1) {
		uint64_t *dst = c == 'a' ? &addr : c == 'l' ? &len : c == 'p' ? &page : &self;

		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == '?' || cli_parse_u64(optarg, dst)) {
			if (c != '?')
				fprintf(stderr, "kumem inspect: '%s' is not a number\n", optarg);
			usage(stderr);
			return EXIT_USAGE;
		}
		have_addr |= c == 'a';
		have_len |= c == 'l';
		have_self |= c == 's';
	}
	if (optind < argc || have_self == (have_addr || have_len) ||
	    (!have_self && !(have_addr && have_len))) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (have_self) {
		if (self == 0 || self > (1ull << 30)) {
			fprintf(stderr, "kumem inspect: --self takes 1 byte .. 1 GiB\n");
			return EXIT_USAGE;
		}
		return inspect_self(self);
	}
	for (shift = 12; shift <= 30 && (1ull << shift) != page; shift++)
		;
	if (shift > 30) {
		fprintf(stderr, "kumem inspect: page size must be a power of two, 4K .. 1G\n");
		return EXIT_USAGE;
	}
	return inspect_computed(addr, len, shift);
}
