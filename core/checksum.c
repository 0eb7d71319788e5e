// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Four-lane multiply-rotate hash. Each 32-byte block feeds one 64-bit word to each lane; the
 * tail (< 32 bytes) is folded in word by word and then byte-packed, and the total length is
 * mixed in, so inputs that differ only by trailing zero bytes hash differently.
 */
#include "checksum.h"

#define K1 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio */
#define K2 0xd6e8feb86659fd93ull
#define K3 0xff51afd7ed558ccdull
#define K4 0xc4ceb9fe1a85ec53ull

static inline uint64_t rotl64(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	/* Little-endian hosts only (x86-64, arm64): both targets of kumem. */
	kumem_os_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t mix_word(uint64_t lane, uint64_t word)
{
	lane += word * K2;
	lane = rotl64(lane, 29);
	return lane * K1;
}

static void eat_blocks(struct kumem_csum *c, const uint8_t *p, size_t blocks)
{
	uint64_t a = c->lane[0], b = c->lane[1], d = c->lane[2], e = c->lane[3];

	while (blocks--) {
		a = mix_word(a, load64(p));
		b = mix_word(b, load64(p + 8));
		d = mix_word(d, load64(p + 16));
		e = mix_word(e, load64(p + 24));
		p += KUMEM_CSUM_BLOCK;
	}
	c->lane[0] = a;
	c->lane[1] = b;
	c->lane[2] = d;
	c->lane[3] = e;
}

void kumem_csum_init(struct kumem_csum *c)
{
	c->lane[0] = K1 + K2;
	c->lane[1] = K2;
	c->lane[2] = 0;
	c->lane[3] = (uint64_t)0 - K1;
	c->total = 0;
	c->pending = 0;
}

void kumem_csum_update(struct kumem_csum *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t take;

	c->total += len;
	if (c->pending) {
		take = KUMEM_CSUM_BLOCK - c->pending;
		if (take > len)
			take = len;
		kumem_os_memcpy(c->buf + c->pending, p, take);
		c->pending += (uint32_t)take;
		p += take;
		len -= take;
		if (c->pending < KUMEM_CSUM_BLOCK)
			return;
		eat_blocks(c, c->buf, 1);
		c->pending = 0;
	}
	if (len >= KUMEM_CSUM_BLOCK) {
		eat_blocks(c, p, len / KUMEM_CSUM_BLOCK);
		p += len & ~(size_t)(KUMEM_CSUM_BLOCK - 1);
		len &= KUMEM_CSUM_BLOCK - 1;
	}
	if (len) {
		kumem_os_memcpy(c->buf, p, len);
		c->pending = (uint32_t)len;
	}
}

static uint64_t avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= K3;
	h ^= h >> 33;
	h *= K4;
	h ^= h >> 33;
	return h;
}

uint64_t kumem_csum_final(const struct kumem_csum *c)
{
	const uint8_t *p = c->buf;
	uint32_t left = c->pending;
	uint64_t h, last = 0;
	uint32_t i;

	h = rotl64(c->lane[0], 1) + rotl64(c->lane[1], 7) + rotl64(c->lane[2], 12) +
	    rotl64(c->lane[3], 18);
	h ^= c->total * K1;
	while (left >= 8) {
		h = rotl64(h ^ mix_word(0, load64(p)), 27) * K1 + K4;
		p += 8;
		left -= 8;
	}
	for (i = 0; i < left; i++)
		last |= (uint64_t)p[i] << (8 * i);
	if (left)
		h = rotl64(h ^ mix_word(0, last), 23) * K2 + K3;
	return avalanche(h);
}

uint64_t kumem_checksum(const void *data, size_t len)
{
	struct kumem_csum c;

	kumem_csum_init(&c);
	kumem_csum_update(&c, data, len);
	return kumem_csum_final(&c);
}

void kumem_pattern_fill(void *dst_, uint64_t pos, size_t len)
{
	uint8_t *dst = dst_;

	/* byte by byte up to a word boundary of the stream, then whole words, then the tail */
	while (len && (pos & 7)) {
		*dst++ = kumem_pattern_byte(pos++);
		len--;
	}
	while (len >= 8) {
		uint64_t word = ((pos >> 3) + 1) * 0x9e3779b97f4a7c15ull;

		kumem_os_memcpy(dst, &word, sizeof(word)); /* little-endian, as load64() */
		dst += 8;
		pos += 8;
		len -= 8;
	}
	while (len--)
		*dst++ = kumem_pattern_byte(pos++);
}
