/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Page-list descriptor math: what an NT MDL records about a virtual range, computed the same
 * way in every world. Every function is overflow-safe for any 64-bit address and length: a
 * range that would wrap the address space is an error, never a small number.
 */
#ifndef KUMEM_CORE_MDL_H
#define KUMEM_CORE_MDL_H

#include "os.h"
#include <kumem/kumem_abi.h> /* KUMEM_E* error values */

struct kumem_geom {
	uint64_t start_va;    /* va rounded down to the page: MDL StartVa */
	uint64_t byte_count;  /* MDL ByteCount */
	uint32_t byte_offset; /* MDL ByteOffset */
	uint64_t page_count;  /* ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, len) */
};

/* Pages touched by [va, va + len): 0 for len 0; -KUMEM_EOVERFLOW if the range wraps. */
int kumem_span_pages(uint64_t va, uint64_t len, unsigned int page_shift, uint64_t *pages);

/* Fill @g for [va, va + len). len 0 gives page_count 0. -KUMEM_EOVERFLOW if the range wraps,
 * -KUMEM_EINVAL for a page_shift outside 12..30.
 */
int kumem_geom_init(struct kumem_geom *g, uint64_t va, uint64_t len, unsigned int page_shift);

/* MmGetMdlVirtualAddress: StartVa + ByteOffset. */
uint64_t kumem_geom_va(const struct kumem_geom *g);

/* Address of page @index of the range (page aligned); index must be < page_count. */
uint64_t kumem_geom_page_va(const struct kumem_geom *g, uint64_t index, unsigned int page_shift);

/* Bytes a descriptor of @page_count pages needs: @header_bytes plus one 8-byte frame number
 * per page (the MDL's PFN array). -KUMEM_EOVERFLOW if that does not fit 64 bits.
 */
int kumem_descriptor_bytes(uint64_t header_bytes, uint64_t page_count, uint64_t *bytes);

/* @len rounded up to whole pages; -KUMEM_EOVERFLOW if that wraps. */
int kumem_round_pages(uint64_t len, unsigned int page_shift, uint64_t *rounded);

/* Is [off, off + len) inside an object of @size bytes? 0, or -KUMEM_ERANGE. Overflow-safe. */
int kumem_range_check(uint64_t size, uint64_t off, uint64_t len);

#endif
