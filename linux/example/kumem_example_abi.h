/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* The example driver's two ioctls (shared with tests/guest/t_kernel_api.c). */
#ifndef KUMEM_EXAMPLE_ABI_H
#define KUMEM_EXAMPLE_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

struct kumem_example_sum {
	uint64_t addr; /* in (SUM_USER): the caller's buffer */
	uint64_t len;  /* in (SUM_USER) / out (SUM) */
	uint64_t sum;  /* out */
};

/*
 * EMIT: produce @count records of 16 bytes {u64 seq, u64 magic} into a kumem event stream.
 * EMIT_HARDIRQ: the same, one record per tick of a hard-interrupt hrtimer (50 us apart,
 * count <= 10000), to show the producer calls work there, on PREEMPT_RT too.
 */
struct kumem_example_emit {
	int32_t events_fd; /* in: from KUMEM_IOC_EVENTS_CREATE */
	uint32_t count;	   /* in */
	uint32_t emitted;  /* out */
	uint32_t hardirq;  /* out (EMIT_HARDIRQ): records emitted in hard interrupt context */
};

/*
 * SG: lock the caller's @count segments as one chain (kumem_region_lock_segments), build an
 * sg_table of it (kumem_region_sg_table: what a driver would hand to dma_map_sgtable()),
 * checksum the bytes twice, through the sg_table and through the segment walker, unlock.
 */
struct kumem_example_sg {
	uint64_t segs;	   /* in: struct kumem_segment[count] */
	uint32_t count;	   /* in: 1 .. KUMEM_MAX_SEGMENTS */
	uint32_t nents;	   /* out: entries of the sg_table */
	uint64_t sg_sum;   /* out: checksum of the bytes the sg_table names, in order */
	uint64_t walk_sum; /* out: the same through kumem_region_segment() */
	uint64_t bytes;	   /* out: bytes the sg_table names */
};

#define KUMEM_EXAMPLE_MAGIC 0x6b756d656d2d6578ull

/* RING: a command ring with the example's own ops; returns the ring fd */
#define KUMEM_EXAMPLE_OP_ADD   0x80 /* value = offset + len */
#define KUMEM_EXAMPLE_OP_COUNT 0x81 /* the file's counter += value; value = the new count */

#define KUMEM_EXAMPLE_SUM      _IOR(0xB8, 1, struct kumem_example_sum)
#define KUMEM_EXAMPLE_EMIT     _IOWR(0xB8, 3, struct kumem_example_emit)
#define KUMEM_EXAMPLE_RING     _IO(0xB8, 4)
#define KUMEM_EXAMPLE_EMIT_HARDIRQ _IOWR(0xB8, 5, struct kumem_example_emit)
#define KUMEM_EXAMPLE_SUM_USER _IOWR(0xB8, 2, struct kumem_example_sum)
#define KUMEM_EXAMPLE_SG       _IOWR(0xB8, 6, struct kumem_example_sg)

#endif
