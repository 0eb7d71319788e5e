// SPDX-License-Identifier: MIT
/*
 * libFuzzer over core/evring.c: an event stream consumer (libkumem's side) reading a data
 * area and producer position with arbitrary contents, and a producer (the kernel's side)
 * facing an arbitrary consumer position. The data area is mirrored as the real double
 * mapping would make it for the consumer; nothing may be read or written outside it, records handed over lie
 * inside it, and the consumer never moves past the producer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "evring.h"
#include "fuzz_input.h"

struct seen {
	const uint8_t *lo, *hi;
	unsigned int n, stop_at;
};

static int take(void *ctx, const void *payload, uint32_t len)
{
	struct seen *s = ctx;
	const uint8_t *p = payload;

	FUZZ_CHECK(p >= s->lo && p + len <= s->hi);
	return ++s->n == s->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint64_t area = 4096u << (fuzz_u8(&in) % 3);
	uint8_t *mem = malloc(2 * area);
	uint64_t cons_pos = fuzz_u64(&in), prod_pos;
	struct kumem_evring c, p;
	struct seen s = { mem, mem + 2 * area, 0, fuzz_u8(&in) };
	int round, n;

	fuzz_take(&in, mem, area);
	memcpy(mem + area, mem, area); /* the second mapping of the same pages */
	prod_pos = fuzz_u8(&in) < 128 ? cons_pos + fuzz_u32(&in) % (area + 64) : fuzz_u64(&in);
	FUZZ_CHECK(!kumem_ev_attach(&c, &cons_pos, &prod_pos, mem, area, false));
	for (round = 0; round < 3; round++) {
		uint64_t before = c.pos;

		n = kumem_ev_consume(&c, take, &s, 1 + fuzz_u8(&in));
		FUZZ_CHECK(n == -KUMEM_EINVAL || n >= 0);
		FUZZ_CHECK(c.pos - before <= prod_pos - before);
		FUZZ_CHECK(cons_pos == c.pos);
		kumem_ev_pending(&c);
	}
	/* the producer's side against a consumer position the process wrote */
	prod_pos = fuzz_u64(&in);
	FUZZ_CHECK(!kumem_ev_attach(&p, &cons_pos, &prod_pos, mem, area, true));
	cons_pos = fuzz_u8(&in) < 128 ? prod_pos - fuzz_u32(&in) % (area + 64) : fuzz_u64(&in);
	for (round = 0; round < 8 && in.left; round++) {
		uint32_t len = fuzz_u32(&in) % (area / 2);
		void *payload;
		uint64_t pos;

		if (kumem_ev_reserve(&p, len, &payload, &pos))
			continue;
		FUZZ_CHECK((uint8_t *)payload >= mem && (uint8_t *)payload + len <= mem + 2 * area);
		memset(payload, 0x5a, len);
		kumem_ev_commit(&p, pos, fuzz_u8(&in) & 1);
	}
	free(mem);
	return 0;
}
