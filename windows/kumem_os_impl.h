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

/*
 * x64 is TSO: a plain load is an acquire and a plain store a release at the hardware level;
 * the compiler barrier keeps the compiler from moving accesses across them. The full barrier
 * is what KeMemoryBarrier() is on x64: a locked instruction (mfence-equivalent).
 */
#define kumem_os_read_once_u32(p)     (*(volatile const uint32_t *)(p))
#define kumem_os_write_once_u32(p, v) (*(volatile uint32_t *)(p) = (v))
static inline uint32_t kumem_os_load_acquire_u32(const uint32_t *p)
{
	uint32_t v = *(volatile const uint32_t *)p;

	__atomic_signal_fence(__ATOMIC_ACQUIRE);
	return v;
}

static inline void kumem_os_store_release_u32(uint32_t *p, uint32_t v)
{
	__atomic_signal_fence(__ATOMIC_RELEASE);
	*(volatile uint32_t *)p = v;
}

#define kumem_os_smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define kumem_os_read_once_u64(p) (*(volatile const uint64_t *)(p))
static inline uint64_t kumem_os_load_acquire_u64(const uint64_t *p)
{
	uint64_t v = *(volatile const uint64_t *)p;

	__atomic_signal_fence(__ATOMIC_ACQUIRE);
	return v;
}

static inline void kumem_os_store_release_u64(uint64_t *p, uint64_t v)
{
	__atomic_signal_fence(__ATOMIC_RELEASE);
	*(volatile uint64_t *)p = v;
}

#endif
