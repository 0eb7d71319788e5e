/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * What the scenarios share: each scenario runs in a child process of its own (a bugcheck
 * stops that "machine" only), checks with CHECK/CHECK_EQ and exits 0 when all held.
 */
#ifndef WM_TEST_H
#define WM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wm.h"
/* The driver's view of the ABI: Windows IOCTL codes (METHOD_* in the low bits). */
#define _WIN32 1
#include <kumem/kumem_abi.h>
#undef _WIN32

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)
#define CHECK_EQ(got, want, what)                                                                  \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		CHECK(g_ == w_, "%s: got %lld (%#llx), want %lld (%#llx)", what, g_,               \
		      (unsigned long long)g_, w_, (unsigned long long)w_);                         \
	} while (0)

/* One METHOD_BUFFERED IOCTL with the same block in and out. */
#define IOC(p, h, code, blk)                                                                       \
	wm_ioctl((p), (h), (code), &(blk), sizeof(blk), &(blk), sizeof(blk), NULL)

static inline struct kumem_stats wt_stats(struct wm_process *p, HANDLE h)
{
	struct kumem_stats st = { 0 };

	CHECK_EQ(wm_ioctl(p, h, KUMEM_IOC_STATS, NULL, 0, &st, sizeof(st), NULL), 0, "STATS");
	return st;
}

/* Nothing the driver holds on behalf of anyone (counters and the model's own counts). */
static inline void wt_nothing_held(void)
{
	struct wm_counts c;

	wm_counts(&c);
	CHECK_EQ(c.locked_pages, 0, "locked pages");
	CHECK_EQ(c.user_mappings, 0, "user mappings");
	CHECK_EQ(c.kernel_mappings, 0, "system mappings");
}

static inline uint32_t wt_alloc(struct wm_process *p, HANDLE h, uint64_t len, uint32_t flags,
				NTSTATUS *st, struct kumem_alloc_args *out)
{
	struct kumem_alloc_args a = { .len = len, .flags = flags };

	*st = IOC(p, h, KUMEM_IOC_ALLOC_SHARED, a);
	if (out)
		*out = a;
	return NT_SUCCESS(*st) ? a.id : 0;
}

static inline uint32_t wt_lock(struct wm_process *p, HANDLE h, void *addr, uint64_t len,
			       uint32_t flags, NTSTATUS *st)
{
	struct kumem_lock_args a = { .addr = (uintptr_t)addr, .len = len, .flags = flags };

	*st = IOC(p, h, KUMEM_IOC_LOCK_USER, a);
	return NT_SUCCESS(*st) ? a.id : 0;
}

static inline NTSTATUS wt_release(struct wm_process *p, HANDLE h, uint32_t id)
{
	struct kumem_region_ref ref = { .id = id };

	return wm_ioctl(p, h, KUMEM_IOC_RELEASE, &ref, sizeof(ref), NULL, 0, NULL);
}

static inline NTSTATUS wt_kop(struct wm_process *p, HANDLE h, ULONG code, uint32_t id, uint64_t off,
			      uint64_t len, uint32_t value, uint64_t *result)
{
	struct kumem_kernel_op op = { .id = id, .value = value, .offset = off, .len = len };
	NTSTATUS st = IOC(p, h, code, op);

	if (result)
		*result = op.result;
	return st;
}

static inline HANDLE wt_open(struct wm_process *p)
{
	NTSTATUS st;
	HANDLE h = wm_open(p, &st);

	CHECK(h, "open: %#x", (unsigned)st);
	return h;
}

/*
 * Fault injection, one fallible call at a time: @run(n, @arg) runs in a child of its own, with
 * the model's n-th fallible call failing, for n = 1, 2, ... It returns 0 when that call failed
 * (and its checks passed), nonzero when the operation ran to its end without reaching an n-th
 * fallible call. A child that dies or fails a check fails the scenario, as does an operation
 * still reaching its @max-th call. Returns how many calls were failed in turn.
 */
int wt_each_fallible_call(int max, int (*run)(int n, const void *arg), const void *arg);

/* scenario lists, one per file */
struct wt_scenario {
	const char *name;
	void (*fn)(void);
};
extern const struct wt_scenario wt_basic[], wt_lifetime[], wt_faults[], wt_findings[], wt_rw[],
	wt_chain[], wt_chain_ring[], wt_kapi[], wt_wait[], wt_attach[], wt_events[],
	wt_events_lib[], wt_rings_lib[], wt_events_wait[];

#endif
