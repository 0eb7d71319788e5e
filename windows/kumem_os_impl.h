/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* core/os.h for the Windows kernel (WDM, x64). */
#ifndef KUMEM_OS_IMPL_WIN_H
#define KUMEM_OS_IMPL_WIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ntoskrnl exports memcpy and memset; the compiler's builtins call them. */
#define kumem_os_memcpy(d, s, n)  __builtin_memcpy((d), (s), (n))
#define kumem_os_memset(d, c, n)  __builtin_memset((d), (c), (n))
#define kumem_os_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define KUMEM_OS_LIKELY(x)	  __builtin_expect(!!(x), 1)
#define KUMEM_OS_UNLIKELY(x)	  __builtin_expect(!!(x), 0)
#define KUMEM_OS_NOINLINE	  __attribute__((noinline))

/*
 * The compiler's atomics, so the orderings are right on any architecture the driver is built
 * for (an ARM64 build needs real acquire/release instructions; on x64 they are plain moves,
 * x64 being TSO). The full barrier is a locked instruction on x64, dmb ish on ARM64, as
 * KeMemoryBarrier() is.
 */
#define kumem_os_read_once_u32(p)     __atomic_load_n((const uint32_t *)(p), __ATOMIC_RELAXED)
#define kumem_os_write_once_u32(p, v) __atomic_store_n((uint32_t *)(p), (v), __ATOMIC_RELAXED)
static inline uint32_t kumem_os_load_acquire_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void kumem_os_store_release_u32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#define kumem_os_smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define kumem_os_read_once_u64(p) __atomic_load_n((const uint64_t *)(p), __ATOMIC_RELAXED)
static inline uint64_t kumem_os_load_acquire_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void kumem_os_store_release_u64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#endif
