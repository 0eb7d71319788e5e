// SPDX-License-Identifier: MIT
/*
 * core/ring_ops.c over chains whose joints lie inside pages: FILL, CHECKSUM and COPY walk the
 * elements and must give what one memset/hash/memmove over the chain's logical bytes gives,
 * for the chain itself and for views cut from it (core/mdl.c's kumem_chain_slice, as the
 * Linux driver cuts them), overlapping copies across joints included. AddressSanitizer
 * watches the mapping: an op that strays outside an element's bytes into a gap is caught by
 * the gap check below, one that leaves the mapping by ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ring_ops.h"
#include "checksum.h"

#define SHIFT 12
#define PG    (1u << SHIFT)
#define PAGES 9
#define NSEG  4
#define MAXV  8

/* A chain over a "mapping" of PAGES pages, its pages in order, as r->vaddr is on Linux. */
struct world {
	uint8_t *map;
	struct kumem_chain_seg seg[NSEG];
	uint64_t size;
	uint64_t pos[PAGES * PG]; /* logical byte -> offset in map */
	/* region 1 is the chain; regions 2.. are views of it */
	struct kumem_chain_seg vseg[MAXV][NSEG];
	uint32_t vn[MAXV];
	uint64_t vbase[MAXV], voff[MAXV], vlen[MAXV];
	unsigned int nviews;
	unsigned int gets, puts;
};

/* Element i: page-relative start and length; pages follow each other, joints inside pages. */
static const struct {
	uint32_t byte_offset;
	uint64_t len;
} layout[NSEG] = {
	{ 100, 5000 },	   /* pages 0-1 */
	{ 4095, 2 },	   /* pages 2-3: one byte on each */
	{ 7, 3 * PG - 7 }, /* pages 4-6, ends on a page boundary */
	{ 0, PG + 50 },	   /* pages 7-8 */
};

static void world_init(struct world *w)
{
	uint64_t page = 0, off = 0, i;
	unsigned int k;

	memset(w, 0, sizeof(*w));
	w->map = malloc(PAGES * PG);
	assert_non_null(w->map);
	for (i = 0; i < PAGES * PG; i++)
		w->map[i] = (uint8_t)(i * 2654435761u >> 11);
	for (k = 0; k < NSEG; k++) {
		struct kumem_chain_seg *s = &w->seg[k];

		assert_int_equal(kumem_geom_init(&s->geom,
						 0x100000 + page * PG + layout[k].byte_offset,
						 layout[k].len, SHIFT),
				 0);
		s->first_page = page;
		s->offset = off;
		for (i = 0; i < layout[k].len; i++)
			w->pos[off + i] = page * PG + layout[k].byte_offset + i;
		page += s->geom.page_count;
		off += layout[k].len;
	}
	assert_int_equal(page, PAGES);
	w->size = off;
	assert_false(kumem_chain_linear(w->seg, NSEG, SHIFT));
}

/* A view of [off, off + len) of the chain: region id 2 + its index. */
static uint32_t world_view(struct world *w, uint64_t off, uint64_t len)
{
	unsigned int v = w->nviews++;

	assert_true(v < MAXV);
	assert_int_equal(kumem_chain_slice(w->seg, NSEG, w->size, off, len, SHIFT, w->vseg[v],
					   &w->vn[v], &w->vbase[v]),
			 0);
	w->voff[v] = off;
	w->vlen[v] = len;
	return 2 + v;
}

static int chain_get(void *ctx, uint32_t id, struct kumem_ring_mem *m)
{
	struct world *w = ctx;
	unsigned int v = id - 2;

	if (id == 1) {
		m->segs = w->seg;
		m->nsegs = NSEG;
		m->map = w->map;
		m->size = w->size;
	} else if (id >= 2 && v < w->nviews) {
		m->segs = w->vseg[v];
		m->nsegs = w->vn[v];
		m->map = w->map + (w->vbase[v] << SHIFT);
		m->size = w->vlen[v];
	} else {
		return -KUMEM_ENOENT;
	}
	m->page_shift = SHIFT;
	m->writable = true;
	w->gets++;
	return 0;
}

static void chain_put(void *ctx, struct kumem_ring_mem *m)
{
	struct world *w = ctx;

	(void)m;
	w->puts++;
}

static const struct kumem_region_ops chain_ops = { .get = chain_get, .put = chain_put };

/* The chain's logical bytes, gathered. */
static void gather(const struct world *w, uint8_t *out)
{
	uint64_t i;

	for (i = 0; i < w->size; i++)
		out[i] = w->map[w->pos[i]];
}

/* The mapping's bytes that belong to no element (gaps before, between, after). */
static void gaps(const struct world *w, uint8_t *out, size_t *n)
{
	uint8_t *in = calloc(PAGES * PG, 1);
	uint64_t i;

	assert_non_null(in);
	for (i = 0; i < w->size; i++)
		in[w->pos[i]] = 1;
	*n = 0;
	for (i = 0; i < PAGES * PG; i++)
		if (!in[i])
			out[(*n)++] = w->map[i];
	free(in);
}

static struct kumem_cqe run(struct world *w, struct kumem_sqe e)
{
	struct kumem_cqe c;

	memset(&c, 0xee, sizeof(c));
	kumem_ring_execute(&e, &c, &chain_ops, w);
	assert_int_equal(w->gets, w->puts);
	return c;
}

/* FILL and CHECKSUM of every range that starts or ends at a joint, or next to one. */
static void fill_and_checksum(void **state)
{
	static struct world w;
	uint8_t *want = malloc(PAGES * PG), *got = malloc(PAGES * PG);
	uint8_t *gap0 = malloc(PAGES * PG), *gap1 = malloc(PAGES * PG);
	uint64_t edges[3 * NSEG + 3], n = 0, i, j;
	size_t ng0, ng1;
	unsigned int k;

	(void)state;
	world_init(&w);
	for (k = 0; k < NSEG; k++) {
		edges[n++] = w.seg[k].offset;
		edges[n++] = w.seg[k].offset + 1;
		if (w.seg[k].offset)
			edges[n++] = w.seg[k].offset - 1;
	}
	edges[n++] = w.size - 1;
	edges[n++] = w.size;
	gaps(&w, gap0, &ng0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			uint64_t off = edges[i], len = edges[j] > off ? edges[j] - off : 0;
			struct kumem_cqe c;

			gather(&w, want);
			c = run(&w, (struct kumem_sqe){ .op = KUMEM_OP_CHECKSUM,
							.region = 1,
							.offset = off,
							.len = len });
			assert_int_equal(c.result, 0);
			assert_true(c.value == kumem_checksum(want + off, len));
			memset(want + off, (int)(i + j) & 0xff, len);
			c = run(&w, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
							.region = 1,
							.offset = off,
							.len = len,
							.value = (i + j) & 0xff });
			assert_int_equal(c.result, 0);
			gather(&w, got);
			assert_memory_equal(got, want, w.size);
		}
	}
	gaps(&w, gap1, &ng1);
	assert_int_equal(ng0, ng1);
	assert_memory_equal(gap0, gap1, ng0);
	assert_int_equal(run(&w, (struct kumem_sqe){ .op = KUMEM_OP_FILL,
						     .region = 1,
						     .offset = w.size - 1,
						     .len = 2 })
				 .result,
			 -KUMEM_ERANGE);
	free(want);
	free(got);
	free(gap0);
	free(gap1);
	free(w.map);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * COPY within the chain and between views of it, random ranges (overlapping most of the
 * time: everything lives in 17 KiB), each checked against memmove over the logical bytes;
 * the gaps between elements must never change.
 */
static void copy_is_memmove(void **state)
{
	static struct world w;
	uint8_t *want = malloc(PAGES * PG), *got = malloc(PAGES * PG);
	uint8_t *gap0 = malloc(PAGES * PG), *gap1 = malloc(PAGES * PG);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t ng0, ng1;
	unsigned int it, overlapping = 0, across = 0;

	(void)state;
	world_init(&w);
	/* region 1 is the chain; 2: across joints 0-1-2; 3: inside element 2; 4: all but the ends
	 */
	world_view(&w, 4000, 6000);
	world_view(&w, 5100, 3000);
	world_view(&w, 1, w.size - 2);
	gaps(&w, gap0, &ng0);
	for (it = 0; it < 20000; it++) {
		uint32_t sid = 1 + (uint32_t)(rnd(&seed) % 4), did = 1 + (uint32_t)(rnd(&seed) % 4);
		uint64_t ssz = sid == 1 ? w.size : w.vlen[sid - 2];
		uint64_t dsz = did == 1 ? w.size : w.vlen[did - 2];
		uint64_t sbase = sid == 1 ? 0 : w.voff[sid - 2];
		uint64_t dbase = did == 1 ? 0 : w.voff[did - 2];
		uint64_t maxlen = ssz < dsz ? ssz : dsz;
		uint64_t len = rnd(&seed) % (it % 4 ? 64 : maxlen + 1);
		uint64_t soff, doff, s0, d0;
		struct kumem_cqe c;

		if (len > maxlen)
			len = maxlen;
		soff = rnd(&seed) % (ssz - len + 1);
		doff = rnd(&seed) % (dsz - len + 1);
		/* often a destination a few bytes either side of the source */
		if (it % 3 == 0 && sid == did) {
			uint64_t delta = rnd(&seed) % 9;

			doff = it % 2 ? soff + delta : (soff > delta ? soff - delta : 0);
			if (doff + len > dsz)
				doff = dsz - len;
		}
		s0 = sbase + soff;
		d0 = dbase + doff;
		overlapping += len && s0 < d0 + len && d0 < s0 + len && s0 != d0;
		across += len && (kumem_chain_find(w.seg, NSEG, s0) !=
					  kumem_chain_find(w.seg, NSEG, s0 + len - 1) ||
				  kumem_chain_find(w.seg, NSEG, d0) !=
					  kumem_chain_find(w.seg, NSEG, d0 + len - 1));
		gather(&w, want);
		memmove(want + d0, want + s0, len);
		c = run(&w, (struct kumem_sqe){ .op = KUMEM_OP_COPY,
						.region = sid,
						.offset = soff,
						.dst_region = did,
						.dst_offset = doff,
						.len = len });
		assert_int_equal(c.result, 0);
		gather(&w, got);
		if (memcmp(got, want, w.size))
			fail_msg("COPY %u:%llu -> %u:%llu len %llu differs from memmove", sid,
				 (unsigned long long)soff, did, (unsigned long long)doff,
				 (unsigned long long)len);
	}
	gaps(&w, gap1, &ng1);
	assert_memory_equal(gap0, gap1, ng0);
	/* the test must have exercised what it claims */
	print_message("%u overlapping copies, %u across a joint\n", overlapping, across);
	assert_true(overlapping > 1000);
	assert_true(across > 1000);
	free(want);
	free(got);
	free(gap0);
	free(gap1);
	free(w.map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fill_and_checksum),
		cmocka_unit_test(copy_is_memmove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
