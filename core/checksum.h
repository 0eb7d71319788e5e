/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * kumem_checksum: a 64-bit hash of a byte string, identical in the kernels and in user space.
 *
 * It reads eight bytes at a time in four independent lanes (two multiplies per word, no
 * dependency between lanes), so it runs at a good fraction of memory bandwidth: benchmarks
 * built on it measure memory movement, not the hash. It is a checksum for verifying that both
 * sides saw the same bytes, not a cryptographic MAC.
 *
 * The streaming form gives the same value however the input is cut into pieces, which lets a
 * driver hash a buffer page by page (direct I/O) and compare with a one-shot hash in user space.
 */
#ifndef KUMEM_CORE_CHECKSUM_H
#define KUMEM_CORE_CHECKSUM_H

#include "os.h"

#define KUMEM_CSUM_BLOCK 32

struct kumem_csum {
	uint64_t lane[4];
	uint64_t total;
	uint32_t pending; /* bytes waiting in buf, < KUMEM_CSUM_BLOCK */
	uint8_t buf[KUMEM_CSUM_BLOCK];
};

void kumem_csum_init(struct kumem_csum *c);
void kumem_csum_update(struct kumem_csum *c, const void *data, size_t len);
uint64_t kumem_csum_final(const struct kumem_csum *c);

/* One shot: init + update + final. */
uint64_t kumem_checksum(const void *data, size_t len);

/*
 * The bytes a driver produces for read(): byte @pos of an endless stream. Eight bytes at a
 * time are one multiply (word pos / 8, little-endian), so producing costs about what copying
 * does. The constant is odd, so no two words of the stream are equal: a chunk placed at the
 * wrong offset shows.
 */
static inline uint8_t kumem_pattern_byte(uint64_t pos)
{
	uint64_t word = ((pos >> 3) + 1) * 0x9e3779b97f4a7c15ull;

	return (uint8_t)(word >> ((pos & 7) * 8));
}

/* Bytes @pos .. @pos + @len - 1 of that stream into @dst. */
void kumem_pattern_fill(void *dst, uint64_t pos, size_t len);

#endif
