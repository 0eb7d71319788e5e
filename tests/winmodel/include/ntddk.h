/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* The model has one header for the whole kernel API: <ntddk.h> is <ntifs.h>. */
#include "ntifs.h"
