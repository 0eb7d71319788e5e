/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version guard of the module lives here, so the rest reads as current code.
 * Each branch is built and run by a kernel of the test matrix (kernels.conf: 6.1, 6.12,
 * 7.2; docs/kernels.md says what differs between them).
 */
#ifndef KUMEM_COMPAT_H
#define KUMEM_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/mmzone.h>

/* 6.3 made vma->vm_flags read-only and added vm_flags_set()/vm_flags_clear(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void kumem_vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void kumem_vm_flags_clear(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define kumem_vm_flags_set(vma, f)   vm_flags_set((vma), (f))
#define kumem_vm_flags_clear(vma, f) vm_flags_clear((vma), (f))
#endif

/*
 * Largest order alloc_pages_exact() can serve. 6.8 named it MAX_PAGE_ORDER (inclusive);
 * before, MAX_ORDER was exclusive until 6.3 and inclusive from 6.4 to 6.7. Keyed on the
 * macro, not the version, so that each branch is built by a kernel of the test matrix
 * (6.1: MAX_ORDER - 1; 6.12, 7.2: MAX_PAGE_ORDER): on 6.4-6.7, which no Debian release
 * ships, it is one order below the limit, which is safe.
 */
#ifdef MAX_PAGE_ORDER
#define KUMEM_MAX_PAGE_ORDER MAX_PAGE_ORDER
#else
#define KUMEM_MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

/*
 * pin_user_pages_fast() has kept (start, nr_pages, gup_flags, pages) since 5.6; 6.5 dropped
 * the vmas argument of pin_user_pages(), which kumem does not call. One wrapper anyway, so a
 * future signature change is one edit.
 */
static inline long kumem_pin_user_pages(unsigned long start, unsigned long nr_pages,
					unsigned int gup_flags, struct page **pages)
{
	return pin_user_pages_fast(start, (int)nr_pages, gup_flags, pages);
}

#endif
