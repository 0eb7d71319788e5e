// SPDX-License-Identifier: MIT
/* The few things the CLI does differently on Linux and Windows, in one place. */
#include <stdlib.h>

#include "cli.h"

#if defined(_WIN32)
#include <malloc.h>

void *cli_alloc_pages(size_t bytes)
{
	return _aligned_malloc(bytes, 4096);
}

void cli_free_pages(void *p)
{
	_aligned_free(p);
}

/* Ask for PFNs and let the driver decide: it wants SeDebugPrivilege (docs/windows.md). */
bool cli_may_see_pfns(void)
{
	return true;
}
#else
#include <unistd.h>

void *cli_alloc_pages(size_t bytes)
{
	return aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
}

void cli_free_pages(void *p)
{
	free(p);
}

/* PFNs are for CAP_SYS_ADMIN: root in practice. Others see the view without them. */
bool cli_may_see_pfns(void)
{
	return geteuid() == 0;
}
#endif
