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

/*
 * Chains (the seed's MDLs linked through Next): a region made of several user ranges, whose
 * pages sit one range after the other in one page array and whose bytes are the ranges'
 * bytes in order. Ranges never share a page, so range i's pages are followed directly by
 * range i + 1's.
 */
struct kumem_chain_seg {
	struct kumem_geom geom; /* the range as its own MDL would describe it */
	uint64_t first_page;	/* index of its first page in the region's page array */
	uint64_t offset;	/* of its first byte within the region's bytes */
};

/*
 * Do the region's bytes lie in its pages back to back, so that one mapping of the pages in
 * order shows them as one buffer? True when every segment but the first starts at offset 0
 * of its page and every one but the last ends at the end of its page.
 */
bool kumem_chain_linear(const struct kumem_chain_seg *s, uint32_t n, unsigned int page_shift);

/*
 * The element of chain @s (@n elements, in offset order) holding byte @off (within the
 * chain): the last one starting at or before it. A binary search: chains reach 256 elements.
 */
uint32_t kumem_chain_find(const struct kumem_chain_seg *s, uint32_t n, uint64_t off);

/*
 * Where byte @off of the chain (inside element @s) lies in one mapping of the chain's pages
 * in order: its offset from the mapping's first byte.
 */
static inline uint64_t kumem_chain_map_offset(const struct kumem_chain_seg *s, uint64_t off,
					      unsigned int page_shift)
{
	return (s->first_page << page_shift) + s->geom.byte_offset + (off - s->offset);
}

/*
 * The elements of bytes [off, off + len) of chain @in (@n elements, of @size bytes in all),
 * as a chain of its own: at most @n elements into @out, their count in *@out_n, their
 * first_page counted from *@base_page, the index in @in's page array of the slice's first
 * page. -KUMEM_ERANGE outside the chain, -KUMEM_EINVAL for len 0.
 */
int kumem_chain_slice(const struct kumem_chain_seg *in, uint32_t n, uint64_t size, uint64_t off,
		      uint64_t len, unsigned int page_shift, struct kumem_chain_seg *out,
		      uint32_t *out_n, uint64_t *base_page);

#endif
