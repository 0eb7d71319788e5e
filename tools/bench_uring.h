/* SPDX-License-Identifier: MIT */
/*
 * io_uring for `kumem bench setup`'s comparison column: liburing on Linux. Windows has no
 * io_uring (its I/O rings are another API, not compared here): the set-up reports the column
 * as unavailable, as on a Linux kernel without io_uring.
 */
#ifndef KUMEM_BENCH_URING_H
#define KUMEM_BENCH_URING_H

#include <stdbool.h>
#include <stdint.h>

#if defined(_WIN32)
#include <errno.h>
#include <stddef.h>

/* Rows that compare with io_uring are left out here, not failed. */
static inline bool bench_have_uring(void)
{
	return false;
}

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

/* bench ring's NOP rows */
#define IORING_SETUP_SQPOLL (1u << 1)
#define IORING_SETUP_SQ_AFF (1u << 2)
#define IORING_SETUP_SQE128 (1u << 10)
struct io_uring_params {
	unsigned int flags, sq_thread_cpu, sq_thread_idle;
};
struct io_uring_sqe {
	int unused;
};
struct io_uring_cqe {
	uint64_t user_data;
	int32_t res;
};

static inline int io_uring_queue_init_params(unsigned int entries, struct io_uring *ring,
					     struct io_uring_params *p)
{
	(void)p;
	return io_uring_queue_init(entries, ring, 0);
}

static inline struct io_uring_sqe *io_uring_get_sqe(struct io_uring *ring)
{
	(void)ring;
	return NULL;
}

static inline void io_uring_prep_nop(struct io_uring_sqe *sqe)
{
	(void)sqe;
}

static inline void io_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data)
{
	(void)sqe;
	(void)data;
}

/* no completion is ever ready */
#define io_uring_for_each_cqe(ring, head, cqe) for ((head) = 0, (void)(head), (cqe) = NULL; (cqe);)

static inline void io_uring_cq_advance(struct io_uring *ring, unsigned int n)
{
	(void)ring;
	(void)n;
}

static inline int io_uring_submit(struct io_uring *ring)
{
	(void)ring;
	return -ENOSYS;
}

static inline int io_uring_peek_cqe(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	(void)ring;
	(void)cqe;
	return -ENOSYS;
}

static inline int io_uring_wait_cqe(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	(void)ring;
	(void)cqe;
	return -ENOSYS;
}

static inline void io_uring_cqe_seen(struct io_uring *ring, struct io_uring_cqe *cqe)
{
	(void)ring;
	(void)cqe;
}

static inline double bench_uring_cmd_nops(unsigned int entries, unsigned int flags,
					  unsigned int batch, bool fixed_file, uint64_t count)
{
	(void)entries;
	(void)flags;
	(void)batch;
	(void)fixed_file;
	(void)count;
	return 0;
}
#else
#include <liburing.h>
#include <sys/uio.h>

static inline bool bench_have_uring(void)
{
	return true;
}

/*
 * @count kumem NOPs through io_uring to /dev/kumem, @batch per submit, in a ring of
 * @entries 128-byte SQEs (@flags: IORING_SETUP_SQPOLL or 0), to the fd or, @fixed_file, a
 * registered file: messages/s, or 0 on any error (tools/bench_uring_cmd.c).
 */
double bench_uring_cmd_nops(unsigned int entries, unsigned int flags, unsigned int batch,
			    bool fixed_file, uint64_t count);
#endif

#endif
