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

#endif
