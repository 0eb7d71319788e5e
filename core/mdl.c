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

bool kumem_chain_linear(const struct kumem_chain_seg *s, uint32_t n, unsigned int page_shift)
{
	uint64_t mask = ((uint64_t)1 << page_shift) - 1;
	uint32_t i;

	for (i = 0; i + 1 < n; i++) {
		uint64_t end = s[i].geom.byte_offset + s[i].geom.byte_count;

		if ((end & mask) || s[i + 1].geom.byte_offset)
			return false;
	}
	return true;
}

uint32_t kumem_chain_find(const struct kumem_chain_seg *s, uint32_t n, uint64_t off)
{
	uint32_t lo = 0, hi = n;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s[mid].offset <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int kumem_chain_slice(const struct kumem_chain_seg *in, uint32_t n, uint64_t size, uint64_t off,
		      uint64_t len, unsigned int page_shift, struct kumem_chain_seg *out,
		      uint32_t *out_n, uint64_t *base_page)
{
	uint64_t end, base = 0;
	uint32_t i, k = 0;
	int err;

	if (len == 0)
		return -KUMEM_EINVAL;
	err = kumem_range_check(size, off, len);
	if (err)
		return err;
	end = off + len;
	for (i = 0; i < n; i++) {
		const struct kumem_chain_seg *s = &in[i];
		uint64_t from, to, va;
		struct kumem_chain_seg *o;

		if (s->offset + s->geom.byte_count <= off || s->offset >= end)
			continue;
		from = off > s->offset ? off - s->offset : 0; /* bytes into this segment */
		to = end - s->offset < s->geom.byte_count ? end - s->offset : s->geom.byte_count;
		va = kumem_geom_va(&s->geom) + from;
		o = &out[k];
		err = kumem_geom_init(&o->geom, va, to - from, page_shift);
		if (err)
			return err;
		/* pages of the slice's element from the page holding its first byte */
		o->first_page = s->first_page + ((s->geom.byte_offset + from) >> page_shift);
		o->offset = s->offset + from - off;
		if (k == 0)
			base = o->first_page;
		o->first_page -= base;
		k++;
	}
	*out_n = k;
	*base_page = base;
	return 0;
}
