/* SPDX-License-Identifier: GPL-2.0 */
/* core/os.h for the Linux kernel. */
#ifndef KUMEM_OS_IMPL_LINUX_H
#define KUMEM_OS_IMPL_LINUX_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/limits.h>
#include <linux/compiler.h>
#include <asm/barrier.h>

#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif

#define kumem_os_memcpy(d, s, n)  memcpy((d), (s), (n))
#define kumem_os_memset(d, c, n)  memset((d), (c), (n))
#define kumem_os_memmove(d, s, n) memmove((d), (s), (n))
#define KUMEM_OS_LIKELY(x)	  likely(x)
#define KUMEM_OS_UNLIKELY(x)	  unlikely(x)
#define KUMEM_OS_NOINLINE	  noinline

/*
 * core/'s ordering primitives as the kernel spells them. Each use says in core/ what it pairs
 * with (core/ring.h for the queues, core/evring.c for the event stream).
 */
#define kumem_os_load_acquire_u32(p)	 smp_load_acquire(p) /* pairs: store_release */
#define kumem_os_store_release_u32(p, v) smp_store_release((p), (v)) /* pairs: load_acquire */
#define kumem_os_read_once_u32(p)	 READ_ONCE(*(p))
#define kumem_os_write_once_u32(p, v)	 WRITE_ONCE(*(p), (v))
#define kumem_os_smp_mb()		 smp_mb() /* store-load order: core/evring.c says why */
#define kumem_os_load_acquire_u64(p)	 smp_load_acquire(p) /* pairs: store_release */
#define kumem_os_store_release_u64(p, v) smp_store_release((p), (v)) /* pairs: load_acquire */
#define kumem_os_read_once_u64(p)	 READ_ONCE(*(p))

#endif
