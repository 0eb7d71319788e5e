/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The Windows example driver's IOCTLs (windows/example/kumem_example.c), shared with the
 * programs and tests that drive it. All METHOD_BUFFERED: the block goes in and comes back.
 */
#ifndef KUMEM_EXAMPLE_WIN_ABI_H
#define KUMEM_EXAMPLE_WIN_ABI_H

#include <kumem/kumem_abi.h>

/* SUM_USER: lock [addr, addr + len) of the caller (kumem_region_lock_user), checksum it
 * through the system mapping, put it. FILL_USER: the same locked for writing, filled with
 * value. */
struct kumem_example_user {
	uint64_t addr;	/* in */
	uint64_t len;	/* in */
	uint32_t value; /* in (FILL_USER): the byte */
	uint32_t reserved;
	uint64_t sum; /* out (SUM_USER) */
};

/*
 * MAP: allocate len bytes (kumem_region_alloc), map them into the caller
 * (kumem_region_map_user) and keep the region in the handle; user_addr out.
 * SUM / FILL: checksum / fill [offset, offset + len) of that region (kumem_region_checksum,
 * kumem_region_fill). DESCRIBE: kumem_region_describe, and what the example reads from the
 * MDL kumem hands out (kumem_region_mdl). UNMAP: unmap and put.
 */
struct kumem_example_region {
	uint64_t len;	    /* in (MAP, SUM, FILL) */
	uint64_t offset;    /* in (SUM, FILL) */
	uint64_t user_addr; /* out (MAP) */
	uint64_t sum;	    /* out (SUM) */
	uint32_t value;	    /* in (FILL) */
	/* out (DESCRIBE), read from the MDL itself: */
	uint32_t mdl_byte_offset;
	uint64_t mdl_byte_count;
	uint64_t mdl_pages;	    /* ADDRESS_AND_SIZE_TO_SPAN_PAGES of the MDL */
	uint64_t mdl_distinct_pfns; /* distinct frames in its PFN array */
	uint64_t mdl_sum;	    /* checksum through MmGetSystemAddressForMdlSafe(mdl) */
	uint32_t segments;	    /* kumem_region_segment_count */
	uint32_t mdl_is_kaddr;	    /* the MDL's system address is kumem_region_kaddr() */
	struct kumem_mdl mdl;	    /* kumem_region_describe */
};

/*
 * SG: lock the caller's @count segments as one chain (kumem_region_lock_segments), walk the
 * MDL chain kumem hands out (what GetScatterGatherListEx would take) and checksum the bytes
 * through each MDL's system address, and once more through kumem_region_checksum; put it.
 */
struct kumem_example_sg {
	uint64_t segs;	     /* in: struct kumem_segment[count], the caller's */
	uint32_t count;	     /* in: 1 .. KUMEM_MAX_SEGMENTS */
	uint32_t bad;	     /* out: the segment kumem refused, or KUMEM_NO_SEGMENT */
	uint32_t mdls;	     /* out: MDLs in the chain */
	uint32_t segments;   /* out: kumem_region_segment_count */
	uint64_t chain_sum;  /* out: the bytes through the MDLs, in order */
	uint64_t region_sum; /* out: kumem_region_checksum of the whole region */
	uint64_t bytes;	     /* out: bytes the MDLs describe */
};

#define KUMEM_EXAMPLE_DEVICE_TYPE 0x8338u
/* CTL_CODE(KUMEM_EXAMPLE_DEVICE_TYPE, 0x800 + nr, METHOD_BUFFERED, FILE_READ_DATA | _WRITE_) */
#define KUMEM_EXAMPLE_CTL(nr)                                                                      \
	((KUMEM_EXAMPLE_DEVICE_TYPE << 16) | (3u << 14) | ((0x800u + (nr)) << 2))
#define KUMEM_EXAMPLE_SUM_USER	KUMEM_EXAMPLE_CTL(1)
#define KUMEM_EXAMPLE_FILL_USER KUMEM_EXAMPLE_CTL(2)
#define KUMEM_EXAMPLE_MAP	KUMEM_EXAMPLE_CTL(3)
#define KUMEM_EXAMPLE_SUM	KUMEM_EXAMPLE_CTL(4)
#define KUMEM_EXAMPLE_FILL	KUMEM_EXAMPLE_CTL(5)
#define KUMEM_EXAMPLE_DESCRIBE	KUMEM_EXAMPLE_CTL(6)
#define KUMEM_EXAMPLE_UNMAP	KUMEM_EXAMPLE_CTL(7)
#define KUMEM_EXAMPLE_SG	KUMEM_EXAMPLE_CTL(8)

#define KUMEM_EXAMPLE_DEVICE_NAME L"\\Device\\kumem_example"
#define KUMEM_EXAMPLE_LINK_NAME	  L"\\DosDevices\\kumem_example"

#endif
