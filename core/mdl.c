// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Page-list descriptor math (the MDL header fields and the size of its PFN array).
 *
 * The seed's example: a range starting at 0xac004010 has StartVa 0xac004000 and ByteOffset
 * 0x10; its span is every page from the one holding the first byte to the one holding the
 * last. Counting pages from the last byte (va + len - 1) rather than from va + len keeps the
 * arithmetic exact even for a range that ends at the very top of the address space.
 */
#include "mdl.h"
#include <kumem/kumem_abi.h>

static int page_shift_ok(unsigned int page_shift)
{
	return page_shift >= 12 && page_shift <= 30;
}

int kumem_span_pages(uint64_t va, uint64_t len, unsigned int page_shift, uint64_t *pages)
{
	uint64_t last;

	if (!page_shift_ok(page_shift))
		return -KUMEM_EINVAL;
	if (len == 0) {
		*pages = 0;
		return 0;
	}
	last = va + (len - 1);
	if (last < va)
		return -KUMEM_EOVERFLOW;
	*pages = (last >> page_shift) - (va >> page_shift) + 1;
	return 0;
}

int kumem_geom_init(struct kumem_geom *g, uint64_t va, uint64_t len, unsigned int page_shift)
{
	uint64_t pages;
	uint64_t mask;
	int err;

	err = kumem_span_pages(va, len, page_shift, &pages);
	if (err)
		return err;
	mask = ((uint64_t)1 << page_shift) - 1;
	g->start_va = va & ~mask;
	g->byte_offset = (uint32_t)(va & mask);
	g->byte_count = len;
	g->page_count = pages;
	return 0;
}

uint64_t kumem_geom_va(const struct kumem_geom *g)
{
	return g->start_va + g->byte_offset;
}

uint64_t kumem_geom_page_va(const struct kumem_geom *g, uint64_t index, unsigned int page_shift)
{
	return g->start_va + (index << page_shift);
}

int kumem_descriptor_bytes(uint64_t header_bytes, uint64_t page_count, uint64_t *bytes)
{
	if (page_count > (UINT64_MAX - header_bytes) / sizeof(uint64_t))
		return -KUMEM_EOVERFLOW;
	*bytes = header_bytes + page_count * sizeof(uint64_t);
	return 0;
}

int kumem_round_pages(uint64_t len, unsigned int page_shift, uint64_t *rounded)
{
	uint64_t mask;

	if (!page_shift_ok(page_shift))
		return -KUMEM_EINVAL;
	mask = ((uint64_t)1 << page_shift) - 1;
	if (len > UINT64_MAX - mask)
		return -KUMEM_EOVERFLOW;
	*rounded = (len + mask) & ~mask;
	return 0;
}

int kumem_range_check(uint64_t size, uint64_t off, uint64_t len)
{
	if (off > size || len > size - off)
		return -KUMEM_ERANGE;
	return 0;
}
