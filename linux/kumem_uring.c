// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring passthrough: kumem's ring operations submitted through io_uring itself, the way
 * ublk and NVMe passthrough give a driver a ring without a ring of its own.
 *
 * An IORING_OP_URING_CMD on a /dev/kumem fd with cmd_op KUMEM_URING_CMD_SQE carries one
 * struct kumem_sqe in the command bytes of a 128-byte SQE (IORING_SETUP_SQE128). It is
 * copied out once, checked and run by core/ring_ops.c's kumem_ring_execute(), the very code
 * behind kumem's own rings, on the regions of the file the SQE names: the same ops, checks and
 * errors. The CQE's res is the result; in a ring of 32-byte CQEs (IORING_SETUP_CQE32)
 * big_cqe[0] is the value, and CHECKSUM, whose sum needs it, is refused elsewhere.
 *
 * Where the work runs. A NOP, and an op of at most one chunk (KUMEM_RING_CHUNK_BYTES, 1 MiB),
 * runs when io_uring issues it: in the submitter's io_uring_enter() or io_uring's SQPOLL
 * thread, under the ring's lock, so that is all it may take. A larger op is handed to
 * io_uring's workers (-EAGAIN from a non-blocking issue): there it runs in chunks and stops
 * with -EINTR, partly done, when the worker is signalled, which is how io_uring cancels a
 * running request (IORING_OP_ASYNC_CANCEL, the ring's teardown) and how the process's
 * SIGKILL reaches it. Nothing is ever left pending in this file, so there is nothing of
 * ours to cancel: a request holds its /dev/kumem file, and every region it uses is held
 * by reference for as long as it runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "kumem_internal.h"
#include "kumem_compat.h"
#include "../core/ring_ops.h"

static int uring_get(void *ctx, u32 id, struct kumem_ring_mem *m)
{
	return kumem_ring_mem_get(ctx, id, m);
}

static void uring_put(void *ctx, struct kumem_ring_mem *m)
{
	kumem_ring_mem_put(m);
}

/*
 * Between two chunks (core/ring_ops.h). io_uring stops one of its own threads (a worker,
 * the SQPOLL thread) with a signal of its own (TIF_NOTIFY_SIGNAL: cancellation, teardown)
 * or with its process's SIGKILL; such a thread takes no other signal, so any pending one
 * means stop. Any other thread stops for a fatal signal, as in kumem's enter mode.
 */
static bool uring_yield(void *ctx)
{
	cond_resched();
	if (current->flags & PF_IO_WORKER)
		return signal_pending(current);
	return fatal_signal_pending(current);
}

/* /dev/kumem has no driver behind it: ops >= KUMEM_OP_DRIVER_FIRST fail as on its rings. */
static const struct kumem_region_ops kumem_uring_region_ops = {
	.get = uring_get,
	.put = uring_put,
	.yield = uring_yield,
};

/* The command bytes: the kumem_sqe, then 16 bytes that must be zero. */
union uring_cmd_copy {
	struct kumem_sqe sqe;
	u64 w[KUMEM_URING_CMD_BYTES / 8];
};

static_assert(sizeof(union uring_cmd_copy) == KUMEM_URING_CMD_BYTES);
static_assert(sizeof(struct kumem_sqe) == 64);

/* The CQE: @res, and @value in big_cqe[0] of a ring of 32-byte CQEs. */
static int uring_complete(struct io_uring_cmd *ioucmd, int res, u64 value,
			  unsigned int issue_flags)
{
	if (issue_flags & IO_URING_F_CQE32) {
		kumem_uring_cmd_done32(ioucmd, res, value, issue_flags);
		return -EIOCBQUEUED;
	}
	return res;
}

int kumem_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	const union uring_cmd_copy *src;

	if (ioucmd->cmd_op != KUMEM_URING_CMD_SQE)
		return -ENOTTY;
	/*
	 * An IOPOLL ring reaps completions by polling the file (uring_cmd_iopoll), which kumem
	 * does not have. 6.1 and 6.12 refuse such a ring's commands before calling us; 7.2
	 * issues them as ordinary ones, without this flag. Should it come anyway, refuse rather
	 * than complete in a way nothing polls for.
	 */
	if (issue_flags & IO_URING_F_IOPOLL)
		return -EOPNOTSUPP;
	/* a kumem_sqe fits in a 128-byte SQE's command bytes only (16 in a 64-byte one) */
	if (!(issue_flags & IO_URING_F_SQE128))
		return -EOPNOTSUPP;
	src = kumem_uring_cmd_bytes(ioucmd, union uring_cmd_copy);
	{
		/*
		 * The bytes may still be in the SQ ring, which the process can rewrite while we
		 * look: each word is read once, and only the copy is checked and used. Loaded in
		 * the initialiser, as core/ring_ops.c does, so that kernels built with automatic
		 * stack initialisation do not zero the copy first.
		 */
		const union uring_cmd_copy cmd = { .w = {
			READ_ONCE(src->w[0]), READ_ONCE(src->w[1]), READ_ONCE(src->w[2]),
			READ_ONCE(src->w[3]), READ_ONCE(src->w[4]), READ_ONCE(src->w[5]),
			READ_ONCE(src->w[6]), READ_ONCE(src->w[7]), READ_ONCE(src->w[8]),
			READ_ONCE(src->w[9]),
		} };
		const struct kumem_sqe *e = &cmd.sqe;
		struct kumem_cqe c;

		/* io_uring's user_data names the request: the kumem_sqe's is unused, so 0 */
		if (cmd.w[8] || cmd.w[9] || e->user_data)
			return -EINVAL;
		/*
		 * A well-formed NOP completes here, with the one test kumem's own service loop
		 * uses for it (core/ring_ops.c); everything else takes kumem_ring_execute().
		 */
		if (!(e->op | e->flags | e->reserved0 | e->value | e->reserved[0] | e->reserved[1]))
			return uring_complete(ioucmd, 0, 0, issue_flags);
		if (e->op == KUMEM_OP_CHECKSUM && !(issue_flags & IO_URING_F_CQE32))
			return -EOPNOTSUPP; /* the sum has nowhere to go */
		/* more than a chunk: to a worker, where it can be stopped between chunks */
		if ((issue_flags & IO_URING_F_NONBLOCK) && e->op != KUMEM_OP_NOP &&
		    e->len > KUMEM_RING_CHUNK_BYTES)
			return -EAGAIN;
		kumem_ring_execute(e, &c, &kumem_uring_region_ops, ioucmd->file->private_data);
		return uring_complete(ioucmd, (int)c.result, c.value, issue_flags);
	}
}
