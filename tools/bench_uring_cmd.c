// SPDX-License-Identifier: MIT
/*
 * kumem's NOPs carried by io_uring to /dev/kumem (KUMEM_URING_CMD_SQE in a 128-byte SQE, see
 * docs/rings.md): the `kumem bench ring` rows that set kumem's ops through io_uring's ring
 * beside kumem's own. Linux only (windows/Makefile leaves this file out; bench_uring.h gives
 * Windows a stub that runs nothing).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bench_uring.h"
#include "bench_util.h"
#include "cli.h"

double bench_uring_cmd_nops(unsigned int entries, unsigned int flags, unsigned int batch,
			    bool fixed_file, uint64_t count)
{
	struct io_uring_params p = { .flags = flags | IORING_SETUP_SQE128, .sq_thread_idle = 5 };
	uint64_t sent = 0, got = 0, t0;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	bool bad = false;
	int fd;

	if ((flags & IORING_SETUP_SQPOLL) && bench_two_cpus()) {
		p.flags |= IORING_SETUP_SQ_AFF; /* where kumem's own thread goes */
		p.sq_thread_cpu = BENCH_CPU_PEER;
	}
	fd = open("/dev/kumem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (io_uring_queue_init_params(entries, &ring, &p) < 0) {
		close(fd);
		return 0;
	}
	/* a registered file: io_uring takes no reference on it per request */
	if (fixed_file && io_uring_register_files(&ring, &fd, 1) < 0)
		bad = true;
	t0 = bench_now_ns();
	while (got < count && !bad) {
		unsigned int i;

		for (i = 0; i < batch && sent < count; i++, sent++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			if (!sqe)
				break;
			/* a zeroed command is a well-formed kumem NOP */
			memset(sqe, 0, 128);
			sqe->opcode = IORING_OP_URING_CMD;
			sqe->fd = fixed_file ? 0 : fd;
			sqe->flags = fixed_file ? IOSQE_FIXED_FILE : 0;
			sqe->cmd_op = KUMEM_URING_CMD_SQE;
		}
		if (io_uring_submit(&ring) < 0)
			break;
		while (got < sent && io_uring_peek_cqe(&ring, &cqe) == 0) {
			bad |= cqe->res != 0;
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
		if (sent - got >= 128 && io_uring_wait_cqe(&ring, &cqe) == 0) {
			bad |= cqe->res != 0;
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
	}
	t0 = bench_now_ns() - t0;
	io_uring_queue_exit(&ring);
	close(fd);
	if (bad)
		cli_say("bench: kumem through io_uring: a NOP failed");
	return !bad && got == count && t0 ? (double)count * 1e9 / (double)t0 : 0;
}
