/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* What the chain scenarios share (test_chain.c, test_chain_ring.c): a vectored lock, a view
 * and one ring submission, each through the driver's IOCTLs from a model process. */
#ifndef WT_CHAIN_H
#define WT_CHAIN_H

#include <string.h>

#include "wm_test.h"

#define PG 4096u

/* LOCK_USERV with the argument block and the segment array in the process's memory, so the
 * driver's read of the array and its write of bad_segment on failure are real user accesses. */
static inline uint32_t lockv(struct wm_process *p, HANDLE h, const struct kumem_segment *segs,
			     uint32_t n, uint32_t flags, NTSTATUS *st, uint32_t *bad)
{
	uint8_t *mem = wm_user_alloc(p, 2 * PG, WM_RW);
	struct kumem_lockv_args *a = (void *)mem;
	struct kumem_segment *us = (void *)(mem + PG);

	memcpy(us, segs, n * sizeof(*segs));
	memset(a, 0, sizeof(*a));
	a->segs = (uintptr_t)us;
	a->count = n;
	a->flags = flags;
	a->bad_segment = 12345;
	*st = wm_ioctl(p, h, KUMEM_IOC_LOCK_USERV, a, sizeof(*a), a, sizeof(*a), NULL);
	if (bad)
		*bad = a->bad_segment;
	return NT_SUCCESS(*st) ? a->id : 0;
}

static inline uint32_t view(struct wm_process *p, HANDLE h, uint32_t parent, uint64_t off,
			    uint64_t len, NTSTATUS *st)
{
	struct kumem_view_args v = { .parent = parent, .offset = off, .len = len };

	*st = IOC(p, h, KUMEM_IOC_VIEW, v);
	return NT_SUCCESS(*st) ? v.id : 0;
}

/* One ring submission, entered and waited for: its completion. */
static inline struct kumem_cqe ring_one(struct wm_process *p, HANDLE h, struct kumem_ring_create *c,
					const struct kumem_sqe *e)
{
	struct kumem_ring_ctrl *ctrl = (void *)(uintptr_t)c->user_addr;
	struct kumem_sqe *sq = (void *)((uint8_t *)ctrl + c->sq_offset);
	struct kumem_cqe *cq = (void *)((uint8_t *)ctrl + c->cq_offset);
	uint32_t tail = ctrl->sq_tail, head = ctrl->cq_head;
	struct kumem_ring_enter en = { .to_submit = 1,
				       .min_complete = 1,
				       .flags = KUMEM_ENTER_GETEVENTS,
				       .timeout_ns = -1,
				       .ring_id = (uint32_t)c->ring_fd };
	struct kumem_cqe got;

	sq[tail & (c->sq_entries - 1)] = *e;
	__atomic_store_n(&ctrl->sq_tail, tail + 1, __ATOMIC_RELEASE);
	CHECK_EQ(IOC(p, h, KUMEM_IOC_RING_ENTER, en), 0, "ENTER");
	CHECK(ctrl->cq_tail != head, "a completion");
	got = cq[head & (c->cq_entries - 1)];
	__atomic_store_n(&ctrl->cq_head, head + 1, __ATOMIC_RELEASE);
	return got;
}

#endif
