/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The contract between core/ and the world it is compiled into.
 *
 * core/ is compiled unchanged into the Linux module, the Windows driver, libkumem and the host
 * tests. It never tests which OS it is in; instead each world puts its own kumem_os_impl.h on
 * the include path (linux/, windows/, lib/) and that header provides exactly this list:
 *
 *   types      uint8_t, uint16_t, uint32_t, uint64_t, size_t, bool, true, false, NULL,
 *              UINT32_MAX, UINT64_MAX
 *   kumem_os_memcpy(dst, src, n)      memcpy; n is a small constant in core's hot loops
 *   kumem_os_memset(dst, c, n)        memset
 *   kumem_os_memmove(dst, src, n)     memmove
 *   KUMEM_OS_LIKELY(x) / UNLIKELY(x)  branch hints (may expand to (x))
 *   KUMEM_OS_NOINLINE                 keeps a cold function out of its caller (may be empty)
 *
 * and, for the shared-memory rings, the memory-model primitives:
 *
 *   kumem_os_load_acquire_u32(p)      load with acquire ordering
 *   kumem_os_store_release_u32(p, v)  store with release ordering
 *   kumem_os_read_once_u32(p)         a single, untorn load the compiler may not repeat
 *   kumem_os_write_once_u32(p, v)     a single, untorn store
 *   kumem_os_smp_mb()                 full barrier: orders earlier stores before later loads
 *   kumem_os_load_acquire_u64(p), kumem_os_store_release_u64(p, v), kumem_os_read_once_u64(p)
 *                                     the same for 64-bit words (64-bit targets only)
 *
 * Linux maps these onto smp_load_acquire()/smp_store_release()/READ_ONCE()/smp_mb(), user
 * space onto C11 <stdatomic.h>, Windows onto ReadAcquire/WriteRelease/KeMemoryBarrier.
 */
#ifndef KUMEM_CORE_OS_H
#define KUMEM_CORE_OS_H

#include "kumem_os_impl.h"

#endif
