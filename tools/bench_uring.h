/* SPDX-License-Identifier: MIT */
/*
 * io_uring for `kumem bench setup`'s comparison column: liburing on Linux. Windows has no
 * io_uring (its I/O rings are another API, not compared here): the set-up reports the column
 * as unavailable, as on a Linux kernel without io_uring.
 */
#ifndef KUMEM_BENCH_URING_H
#define KUMEM_BENCH_URING_H

#if defined(_WIN32)
#include <errno.h>
#include <stddef.h>

struct io_uring {
	int unused;
};
struct iovec {
	void *iov_base;
	size_t iov_len;
};

static inline int io_uring_queue_init(unsigned int entries, struct io_uring *ring, unsigned flags)
{
	(void)entries;
	(void)ring;
	(void)flags;
	return -ENOSYS;
}

static inline int io_uring_register_buffers(struct io_uring *ring, const struct iovec *iov,
					    unsigned int n)
{
	(void)ring;
	(void)iov;
	(void)n;
	return -ENOSYS;
}

static inline int io_uring_unregister_buffers(struct io_uring *ring)
{
	(void)ring;
	return -ENOSYS;
}

static inline void io_uring_queue_exit(struct io_uring *ring)
{
	(void)ring;
}
#else
#include <liburing.h>
#include <sys/uio.h>
#endif

#endif
