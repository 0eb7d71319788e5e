// SPDX-License-Identifier: MIT
/*
 * libkumem's read()/write() handles, the same on every system: argument checks and the
 * handle's life. kumem_sys_rw_*() opens the handle in its mode and moves the bytes.
 */
#include <errno.h>
#include <stdlib.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"

struct kumem_rw {
	kumem_sys_handle h;
	unsigned mode;
};

int kumem_rw_open(kumem_t *dev, unsigned mode, unsigned align, kumem_rw_t **out)
{
	struct kumem_rw *f;
	int err;

	(void)dev; /* the mode belongs to a handle of its own, opened beside @dev's */
	*out = NULL;
	if (mode != KUMEM_RW_BUFFERED && mode != KUMEM_RW_DIRECT)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	err = kumem_sys_rw_open(getenv("KUMEM_DEVICE"), mode, align, &f->h);
	if (err) {
		free(f);
		return err;
	}
	f->mode = mode;
	*out = f;
	return 0;
}

void kumem_rw_close(kumem_rw_t *f)
{
	if (!f)
		return;
	kumem_sys_close(f->h);
	free(f);
}

int64_t kumem_rw_write(kumem_rw_t *f, const void *buf, size_t len)
{
	struct kumem_iov iov = { .base = (void *)buf, .len = len };

	return kumem_sys_rw(f->h, true, &iov, 1);
}

int64_t kumem_rw_read(kumem_rw_t *f, void *buf, size_t len)
{
	struct kumem_iov iov = { .base = buf, .len = len };

	return kumem_sys_rw(f->h, false, &iov, 1);
}

int64_t kumem_rw_writev(kumem_rw_t *f, const struct kumem_iov *iov, unsigned n)
{
	return kumem_sys_rwv(f->h, true, iov, n);
}

int64_t kumem_rw_readv(kumem_rw_t *f, const struct kumem_iov *iov, unsigned n)
{
	return kumem_sys_rwv(f->h, false, iov, n);
}

int kumem_rw_last(kumem_rw_t *f, struct kumem_rw_last *out)
{
	return kumem_sys_ioctl(f->h, KUMEM_IOC_RW_LAST, out, sizeof(*out));
}

intptr_t kumem_rw_handle(const kumem_rw_t *f)
{
	return f->h;
}
