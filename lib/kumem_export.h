/* SPDX-License-Identifier: MIT */
/*
 * Put in front of every libkumem source on Linux (the Makefile's -include), with
 * -fvisibility=hidden: what the public header declares is exported from libkumem.so.1,
 * nothing else is (core/ and kumem_sys_* stay internal). lib/libkumem.map then names the
 * same calls under the version node KUMEM_1; `make install-check` proves the two agree.
 */
#pragma GCC visibility push(default)
#include <kumem/kumem.h>
#pragma GCC visibility pop
