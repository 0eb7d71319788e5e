/* SPDX-License-Identifier: MIT */
/*
 * A small TAP producer for the guest test programs: one program per feature, each case one
 * `ok N - name` line, the plan printed at the end, exit status 1 if anything failed. The
 * harness (scripts/guest-run) indents this output under the program's own KTAP line.
 */
#ifndef KUMEM_TAP_H
#define KUMEM_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mingw's C99 printf (__USE_MINGW_ANSI_STDIO) checks as gnu_printf, not the MS flavour */
#if defined(_WIN32)
#define TAP_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#else
#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#endif

static int tap_n, tap_failed;

static inline void tap_header(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

static inline TAP_PRINTF(2, 3) int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Compare integers; on mismatch say what was seen. */
#define is_int(got, want, ...)                                                                     \
	({                                                                                         \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		int r_ = ok(g_ == w_, __VA_ARGS__);                                                \
		if (!r_)                                                                           \
			diag("  got %lld (%s), want %lld (%s)", g_,                                \
			     g_ < 0 ? strerror((int)-g_) : "", w_,                                 \
			     w_ < 0 ? strerror((int)-w_) : "");                                    \
		r_;                                                                                \
	})

static inline __attribute__((noreturn)) TAP_PRINTF(1, 2) void bail_out(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		diag("%d of %d failed", tap_failed, tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
