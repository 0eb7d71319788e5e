/* SPDX-License-Identifier: MIT */
/*
 * The installed public headers as an outside program sees them: scripts/install-check compiles
 * this as C99, C11 and C++17 with -pedantic-errors (and for Windows with mingw-w64), and with
 * HEADERS_FALSE_ASSERT to prove the layout checks can fail in every mode. HEADERS_MAIN makes
 * it a program that calls into libkumem.so.1.
 */
#include <kumem/kumem.h>
#include <kumem/kumem.h> /* twice: the include guards hold */

#if defined(HEADERS_WINDOWS) && (defined(EDQUOT) || defined(EBADFD))
#error "the public headers must not define errno names on Windows"
#endif

#ifdef HEADERS_FALSE_ASSERT
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_sqe) == 65, "must not compile");
#endif

/* Every type and a few constants, used so that a header mistake shows. */
int headers_sizes(void);
int headers_sizes(void)
{
	struct kumem_ring_params params = { 64, 0, KUMEM_RING_SQPOLL, 0, 0 };
	kumem_event_fn fn = 0;
	kumem_t *dev = 0;
	kumem_region_t *r = 0;
	kumem_ring_t *ring = 0;
	kumem_events_t *ev = 0;

	(void)dev;
	(void)r;
	(void)ring;
	(void)ev;
	(void)fn;
	return (int)(sizeof(struct kumem_mdl) + sizeof(struct kumem_info) +
		     sizeof(struct kumem_stats) + sizeof(struct kumem_sqe) +
		     sizeof(struct kumem_cqe) + params.sq_entries) +
	       (int)KUMEM_ABI_VERSION + KUMEM_VERSION_NUMBER;
}

#ifdef HEADERS_MAIN
#include <stdio.h>
#include <string.h>

/* The library's release and the header's agree; a call that needs no driver works. */
int main(void)
{
	static const char hello[] = "hello";

	if (strcmp(kumem_version(), KUMEM_VERSION_STRING)) {
		fprintf(stderr, "library %s, header %s\n", kumem_version(), KUMEM_VERSION_STRING);
		return 1;
	}
	if (kumem_checksum(hello, 5) == kumem_checksum(hello, 4)) {
		fprintf(stderr, "kumem_checksum ignores its length\n");
		return 1;
	}
	return headers_sizes() > 0 ? 0 : 1;
}
#endif
