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
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_json;

void cli_say(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep the report and the error in order when both go to one file */
	fputs("kumem: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_error(const char *what, int err)
{
	cli_say("%s: %s", what, kumem_strerror(err));
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '-')
		return s[1] >= '0' && s[1] <= '9' ? -EDOM : -EINVAL;
	if (*s < '0' || *s > '9')
		return -EINVAL; /* strtoull would skip spaces and take '+' */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s)
		return -EINVAL;
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
	if (shift)
		end++;
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

void cli_bad_number(const char *cmd, const char *opt, const char *s, int err)
{
	if (err == -EDOM)
		cli_say("%s: %s '%s' is negative: give a count or size from 0 up", cmd, opt, s);
	else if (err == -ERANGE)
		cli_say("%s: %s '%s' is too large: at most 2^64 - 1 (16E)", cmd, opt, s);
	else
		cli_say("%s: %s '%s' is not a number (decimal or 0x hex, optional K/M/G)", cmd,
			opt, s);
}

void cli_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1], *sep = *cmd ? ": " : "";

	if (c == ':')
		cli_say("%s%soption '%s' needs a value", cmd, sep, arg);
	else if (optopt && strncmp(arg, "--", 2))
		cli_say("%s%sunknown option '-%c'", cmd, sep, optopt);
	else
		cli_say("%s%sunknown option '%s'", cmd, sep, arg);
}

int cli_open(kumem_t **dev)
{
	const char *path = getenv("KUMEM_DEVICE");
	int err = kumem_open(dev);

	if (!err)
		return 0;
	if (path && !*path)
		path = NULL; /* kumem_open() took an empty one as unset too */
	/* kumem_open's errors, worded for the one place they come from here: the open */
	if (err == -ENOENT && !path)
		cli_say("the kumem driver is not loaded (no /dev/kumem): load it with "
			"`modprobe kumem` or `insmod kumem.ko` (docs/install.md)");
	else if (err == -ENOENT)
		cli_say("KUMEM_DEVICE=%s: no such file", path);
	else if (err == -ENOTTY)
		cli_say("%s is not a kumem device (it does not answer kumem's requests)",
			path ? path : "/dev/kumem");
	else if (err == -EACCES)
		cli_say("cannot open %s: permission denied (the device belongs to group kumem: "
			"docs/install.md)",
			path ? path : "/dev/kumem");
	else
		cli_error("open the kumem device", err);
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
	st.open_handles--; /* our own handle was open while reading: do not count it */
	if (cli_json) {
		printf("{\"open_handles\": %" PRIu64 ", \"regions\": %" PRIu64
		       ", \"pinned_pages\": %" PRIu64 ", \"allocated_pages\": %" PRIu64
		       ", \"user_mappings\": %" PRIu64 "}\n",
		       st.open_handles, st.regions, st.pinned_pages, st.allocated_pages,
		       st.user_mappings);
		return EXIT_OK;
	}
	printf("open handles    %" PRIu64 "\n", st.open_handles);
	printf("regions         %" PRIu64 "\n", st.regions);
	printf("pinned pages    %" PRIu64 "\n", st.pinned_pages);
	printf("allocated pages %" PRIu64 "\n", st.allocated_pages);
	printf("user mappings   %" PRIu64 "\n", st.user_mappings);
	printf("io pinned pages %" PRIu64 " (direct read/write calls in progress)\n",
	       st.io_pinned_pages);
	return EXIT_OK;
}

/* What was built, then what the driver says; without the driver, the first part and exit 1. */
static int cmd_version(void)
{
	struct kumem_info info;
	kumem_t *dev;
	int err;

	if (!cli_json)
		printf("kumem %s, libkumem %s, ABI %u\n", KUMEM_VERSION_STRING, kumem_version(),
		       KUMEM_ABI_VERSION);
	err = cli_open(&dev);
	if (!err) {
		err = kumem_info(dev, &info);
		kumem_close(dev);
		if (err)
			cli_error("version", err);
	}
	if (cli_json) {
		printf("{\"release\": \"%s\", \"library\": \"%s\", \"abi\": %u, \"driver\": ",
		       KUMEM_VERSION_STRING, kumem_version(), KUMEM_ABI_VERSION);
		if (err)
			printf("null}\n");
		else
			printf("{\"abi\": %u, \"page_size\": %u, \"max_region_bytes\": %" PRIu64
			       ", \"max_regions\": %u}}\n",
			       info.abi_version, info.page_size, info.max_region_bytes,
			       info.max_regions);
	} else if (!err) {
		printf("driver ABI %u, page size %u, max region %" PRIu64
		       " MiB, %u regions per handle\n",
		       info.abi_version, info.page_size, info.max_region_bytes >> 20,
		       info.max_regions);
	}
	return err ? EXIT_FAIL : EXIT_OK;
}

static const char stats_help[] =
	"usage: kumem stats [-j|--json]\n\n"
	"The driver's module-wide counters: open handles (besides this one), regions,\n"
	"pinned (method 1) and allocated (method 2) pages, user mappings.\n";
static const char version_help[] =
	"usage: kumem version [-j|--json]\n\n"
	"This program's and the library's release and ABI, then the driver's: ABI, page size,\n"
	"largest region, regions per handle. Without the driver: the first part, exit 1.\n";

/* stats and version take only -j/--json and -h/--help. */
static int cmd_simple(const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool stats = !strcmp(cmd, "stats");
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		if (c == 'j') {
			cli_json = true;
			continue;
		}
		if (c == 'h') {
			fputs(stats ? stats_help : version_help, stdout);
			return EXIT_OK;
		}
		cli_bad_option(cmd, c, argv);
		goto usage;
	}
	if (optind < argc) {
		cli_say("%s takes no arguments, not '%s'", cmd, argv[optind]);
		goto usage;
	}
	return stats ? cmd_stats() : cmd_version();
usage:
	fputs(stats ? stats_help : version_help, stderr);
	return EXIT_USAGE;
}

/* -V: what was built, from this binary alone (no driver needed). */
static void print_release(void)
{
	printf("kumem %s (libkumem %s, ABI %u)\n", KUMEM_VERSION_STRING, kumem_version(),
	       KUMEM_ABI_VERSION);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kumem [-h|--help] [-V|--version] [-j|--json] <command> [options]\n\n"
		"commands:\n"
		"  demo                 walk through method 1, method 2, buffered and direct I/O\n"
		"  inspect --addr A --len N [--page-size P]\n"
		"                       the MDL view of a buffer, computed (no driver needed)\n"
		"  inspect --self N     lock an N-byte buffer of this process and ask the driver\n"
		"  inspect --chain A:N,... | --self-chain N\n"
		"                       a chain of MDLs linked through Next, computed or the driver's\n"
		"  stats                the driver's counters\n"
		"  version              program, library and driver versions\n"
		"  bench [setup|checksum|ring|events|wake|enter|chain|all] [--max-mb N] [--iters N]\n"
		"        [--rounds N] [--run-ms N] [--rt] [--repeats N] [--csv F]  costs of setup,\n"
		"        transfers, rings and wake-ups, beside io_uring and a naive ring\n\n"
		"-j/--json (here or after stats, version, inspect, bench): one JSON object.\n"
		"`kumem <command> --help` for more. Exit status: 0 ok, 1 failure, 2 usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

	/* Only global options before the command; the command parses the rest. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hVj", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == 'V') {
			print_release();
			return EXIT_OK;
		}
		if (c == 'j') {
			cli_json = true;
			continue;
		}
		cli_bad_option("", c, argv);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_say("no command given");
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
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "version"))
		return cmd_simple(cmd, argc, argv);
	cli_say("unknown command '%s'", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
