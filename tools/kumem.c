// SPDX-License-Identifier: MIT
/*
 * kumem: the command-line face of libkumem.
 *
 *   kumem demo              walk through both methods and the I/O manager's transfers
 *   kumem inspect ...       the MDL view of a buffer
 *   kumem stats | version   what the driver reports
 *   kumem bench ...         setup and transfer costs, beside io_uring
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *what, int err)
{
	fflush(stdout); /* keep the report and the error in order when both go to one file */
	fprintf(stderr, "kumem: %s: %s\n", what, kumem_strerror(err));
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift) {
		if (v > UINT64_MAX >> shift)
			return -1;
		v <<= shift;
		end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int cli_open(kumem_t **dev)
{
	int err = kumem_open(dev);

	if (err)
		cli_error("open the kumem device", err);
	if (err == -ENOENT)
		fprintf(stderr,
			"kumem: (insmod kumem.ko first; KUMEM_DEVICE names another path)\n");
	return err;
}

const char *cli_mdl_flags(uint32_t flags, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ KUMEM_MDL_LOCKED, "locked" },
		{ KUMEM_MDL_KERNEL_MAPPED, "kernel-mapped" },
		{ KUMEM_MDL_USER_MAPPED, "user-mapped" },
		{ KUMEM_MDL_KERNEL_ALLOCATED, "kernel-allocated" },
		{ KUMEM_MDL_USER_READ_ONLY, "user-read-only" },
		{ KUMEM_MDL_KERNEL_WRITES, "kernel-writes" },
		{ KUMEM_MDL_CONTIGUOUS, "contiguous" },
	};
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s",
					 used ? "," : "", names[i].name);
	}
	return buf;
}

void cli_print_mdl(const struct kumem_mdl *m, const uint64_t *pfns, int npfns)
{
	char flags[160];
	int i;

	printf("    StartVa          0x%016" PRIx64 "\n", m->start_va);
	printf("    ByteOffset       0x%" PRIx32 "\n", m->byte_offset);
	printf("    ByteCount        %" PRIu64 "\n", m->byte_count);
	printf("    pages            %" PRIu64 "\n", m->page_count);
	printf("    flags            %s\n", cli_mdl_flags(m->flags, flags, sizeof(flags)));
	printf("    descriptor bytes %" PRIu64 " (header + 8 per page)\n", m->descriptor_bytes);
	if (npfns > 0) {
		printf("    PFNs            ");
		for (i = 0; i < npfns; i++)
			printf(" 0x%" PRIx64, pfns[i]);
		printf("%s\n", (uint64_t)npfns < m->page_count ? " ..." : "");
	} else if (npfns == -EPERM) {
		printf("    PFNs             (root only)\n");
	}
}

static int cmd_stats(void)
{
	struct kumem_stats st;
	kumem_t *dev;
	int err;

	if (cli_open(&dev))
		return EXIT_FAIL;
	err = kumem_stats(dev, &st);
	kumem_close(dev);
	if (err) {
		cli_error("stats", err);
		return EXIT_FAIL;
	}
	/* our own handle was open while reading: do not count it */
	printf("open handles    %" PRIu64 "\n", st.open_handles - 1);
	printf("regions         %" PRIu64 "\n", st.regions);
	printf("pinned pages    %" PRIu64 "\n", st.pinned_pages);
	printf("allocated pages %" PRIu64 "\n", st.allocated_pages);
	printf("user mappings   %" PRIu64 "\n", st.user_mappings);
	printf("io pinned pages %" PRIu64 " (direct read/write calls in progress)\n",
	       st.io_pinned_pages);
	return EXIT_OK;
}

static int cmd_version(void)
{
	struct kumem_info info;
	kumem_t *dev;
	int err;

	printf("libkumem ABI %u\n", KUMEM_ABI_VERSION);
	if (cli_open(&dev))
		return EXIT_FAIL;
	err = kumem_info(dev, &info);
	kumem_close(dev);
	if (err) {
		cli_error("version", err);
		return EXIT_FAIL;
	}
	printf("driver ABI %u, page size %u, max region %" PRIu64 " MiB, %u regions per handle\n",
	       info.abi_version, info.page_size, info.max_region_bytes >> 20, info.max_regions);
	return EXIT_OK;
}

static const char stats_help[] =
	"The driver's module-wide counters: open handles (besides this one), regions,\n"
	"pinned (method 1) and allocated (method 2) pages, user mappings.\n";
static const char version_help[] =
	"This library's ABI version, then the driver's: ABI, page size, largest region,\n"
	"regions per handle.\n";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kumem <command> [options]\n\n"
		"commands:\n"
		"  demo                 walk through method 1, method 2, buffered and direct I/O\n"
		"  inspect --addr A --len N [--page-size P]\n"
		"                       the MDL view of a buffer, computed (no driver needed)\n"
		"  inspect --self N     lock an N-byte buffer of this process and ask the driver\n"
		"  stats                the driver's counters\n"
		"  version              library and driver versions\n"
		"  bench [setup|checksum|ring|events|all] [--max-mb N] [--iters N] [--csv F]\n"
		"        [--plot F.png] costs of setup, transfers and rings, beside io_uring\n\n"
		"`kumem <command> --help` for more. Exit status: 0 ok, 1 failure, 2 usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

	/* Only global options before the command; the command parses the rest. */
	while ((c = getopt_long(argc > 1 && argv[1][0] == '-' ? argc : 1, argv, "+h", opts,
				NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0; /* 0: glibc re-initialises getopt for the subcommand */
	if (!strcmp(cmd, "demo"))
		return cmd_demo(argc, argv);
	if (!strcmp(cmd, "inspect"))
		return cmd_inspect(argc, argv);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc, argv);
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "version")) {
		if (argc > 1) {
			bool help = argc == 2 && !strcmp(argv[1], "--help");
			bool stats = !strcmp(cmd, "stats");

			fprintf(help ? stdout : stderr, "usage: kumem %s\n\n%s", cmd,
				stats ? stats_help : version_help);
			return help ? EXIT_OK : EXIT_USAGE;
		}
		return !strcmp(cmd, "stats") ? cmd_stats() : cmd_version();
	}
	fprintf(stderr, "kumem: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
