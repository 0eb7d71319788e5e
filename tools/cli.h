/* SPDX-License-Identifier: MIT */
/* What the kumem CLI's files share. */
#ifndef KUMEM_CLI_H
#define KUMEM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <kumem/kumem.h>

/* tools/cli_os.c: page-aligned buffers, and whether to ask the driver for PFNs. */
void *cli_alloc_pages(size_t bytes);
void cli_free_pages(void *p);
bool cli_may_see_pfns(void);

/* Exit codes of every subcommand. */
#define EXIT_OK	   0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

int cmd_demo(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* tools/bench_ring.c; bench_ring() accepts dev == NULL (runs what needs no driver) */
int bench_ring(kumem_t *dev, uint64_t count, FILE *csv);
int bench_events(kumem_t *dev, uint64_t count, FILE *csv);
int bench_chain(kumem_t *dev, FILE *csv);

/* -j/--json (global or after stats, version, inspect, bench): one JSON object on stdout. */
extern bool cli_json;

/* Every error goes out as "kumem: ..." on stderr, after what stdout already holds. */
#ifdef __MINGW_PRINTF_FORMAT
#define CLI_PRINTF_FORMAT __MINGW_PRINTF_FORMAT /* printf or gnu_printf, as mingw's stdio */
#else
#define CLI_PRINTF_FORMAT printf
#endif
void cli_say(const char *fmt, ...) __attribute__((format(CLI_PRINTF_FORMAT, 1, 2)));
/* Print "kumem: <what>: <why>" for a libkumem error. */
void cli_error(const char *what, int err);
/*
 * Parse an unsigned number (decimal, 0x hex, optional K/M/G suffix). Returns 0, -EINVAL
 * (not a number), -EDOM (negative) or -ERANGE (over 2^64 - 1); cli_bad_number() says which.
 */
int cli_parse_u64(const char *s, uint64_t *out);
void cli_bad_number(const char *cmd, const char *opt, const char *s, int err);
/*
 * getopt_long for a subcommand, silent (opterr = 0, optstring starts with ':'): on '?' or ':'
 * cli_bad_option() says which option was unknown or lacks its value.
 */
void cli_bad_option(const char *cmd, int c, char **argv);
/* tools/json.c: the CSV rows @csv of a bench run as one JSON object on @out. */
void cli_bench_json(FILE *out, const char *what, const char *csv, int err);
/* Open the driver or say why not (not loaded, not a kumem device, no permission). */
int cli_open(kumem_t **dev);
/* Print a region's MDL view (and PFNs if @pfns, at most @max). */
void cli_print_mdl(const struct kumem_mdl *m, const uint64_t *pfns, int npfns);
/* Decode KUMEM_MDL_* flags into @buf. */
const char *cli_mdl_flags(uint32_t flags, char *buf, size_t size);

#endif
