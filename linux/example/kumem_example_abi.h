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

#define KUMEM_EXAMPLE_SUM      _IOR(0xB8, 1, struct kumem_example_sum)
#define KUMEM_EXAMPLE_SUM_USER _IOWR(0xB8, 2, struct kumem_example_sum)

#endif
