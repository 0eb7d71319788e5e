/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The kumem release: the one place its number is written. The module's MODULE_VERSION,
 * kumem_version() in libkumem, the CLI's --version, kumem.pc, the Windows INF's DriverVer
 * and dkms.conf all take it from here (the Makefile reads the string below with sed).
 *
 * The release says which sources were built; KUMEM_ABI_VERSION (kumem_abi.h) says which
 * ioctl blocks they speak, and the shared library's soname (libkumem.so.1) which calls.
 */
#ifndef KUMEM_VERSION_H
#define KUMEM_VERSION_H

#define KUMEM_VERSION_MAJOR 0
#define KUMEM_VERSION_MINOR 1
#define KUMEM_VERSION_PATCH 0
#define KUMEM_VERSION_STRING "0.1.0"

/* One number that orders releases: 0x000100 for 0.1.0. */
#define KUMEM_VERSION_NUMBER                                                                       \
	((KUMEM_VERSION_MAJOR << 16) | (KUMEM_VERSION_MINOR << 8) | KUMEM_VERSION_PATCH)

#endif /* KUMEM_VERSION_H */
