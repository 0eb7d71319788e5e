/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * libkumem against the driver in the model (test_events_lib.c, test_rings_lib.c): only the
 * system-call layer is stood in for. A kumem_t is a handle of a model process; an IOCTL goes
 * straight into the model's I/O manager and its status comes back as the errno
 * lib/kumem_sys_windows.c derives from the Win32 error Windows maps that status to.
 */
#ifndef WM_LIB_H
#define WM_LIB_H

#include "wm.h"

struct kumem {
	struct wm_process *p;
	HANDLE h;
};

int wm_lib_errno(NTSTATUS st);

/* Anything the driver finishes asynchronously is waited for this long at most. */
#define WM_LIB_BOUND_MS 5000
uint64_t wm_lib_now_ms(void);
/* Poll @word for at most WM_LIB_BOUND_MS: true once @bit is set / it equals @value. */
bool wm_lib_bit_within(const uint32_t *word, uint32_t bit);
bool wm_lib_value_within(const uint32_t *word, uint32_t value);

#endif
