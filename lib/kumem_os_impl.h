/* SPDX-License-Identifier: MIT */
/* core/os.h for user space (libkumem and the host tests): C11 and <stdatomic.h>. */
#ifndef KUMEM_OS_IMPL_USER_H
#define KUMEM_OS_IMPL_USER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define kumem_os_memcpy(d, s, n)  memcpy((d), (s), (n))
#define kumem_os_memset(d, c, n)  memset((d), (c), (n))
#define kumem_os_memmove(d, s, n) memmove((d), (s), (n))
#define KUMEM_OS_LIKELY(x)	  __builtin_expect(!!(x), 1)
#define KUMEM_OS_UNLIKELY(x)	  __builtin_expect(!!(x), 0)
#define KUMEM_OS_NOINLINE	  __attribute__((noinline))

/* Shared-memory words are plain uint32_t in the ABI; C11 atomics act on them through a cast,
 * which GCC and Clang define for naturally aligned 32-bit objects. */
#define KUMEM_OS_ATOMIC32(p) ((_Atomic uint32_t *)(p))
#define kumem_os_load_acquire_u32(p)                                                               \
	atomic_load_explicit(KUMEM_OS_ATOMIC32(p), memory_order_acquire)
#define kumem_os_store_release_u32(p, v)                                                           \
	atomic_store_explicit(KUMEM_OS_ATOMIC32(p), (v), memory_order_release)
#define kumem_os_read_once_u32(p) atomic_load_explicit(KUMEM_OS_ATOMIC32(p), memory_order_relaxed)
#define kumem_os_write_once_u32(p, v)                                                              \
	atomic_store_explicit(KUMEM_OS_ATOMIC32(p), (v), memory_order_relaxed)
#define kumem_os_smp_mb()    atomic_thread_fence(memory_order_seq_cst)
#define KUMEM_OS_ATOMIC64(p) ((_Atomic uint64_t *)(p))
#define kumem_os_load_acquire_u64(p)                                                               \
	atomic_load_explicit(KUMEM_OS_ATOMIC64(p), memory_order_acquire)
#define kumem_os_store_release_u64(p, v)                                                           \
	atomic_store_explicit(KUMEM_OS_ATOMIC64(p), (v), memory_order_release)
#define kumem_os_read_once_u64(p) atomic_load_explicit(KUMEM_OS_ATOMIC64(p), memory_order_relaxed)

#endif
