// SPDX-License-Identifier: MIT
/*
 * Event streams on a system whose driver does not serve them yet (Windows): every call says
 * so with -EOPNOTSUPP, so programs written for Linux build and report it cleanly.
 */
#include <errno.h>

#include <kumem/kumem.h>

int kumem_events_create(kumem_t *dev, size_t data_bytes, kumem_events_t **out)
{
	(void)dev;
	(void)data_bytes;
	*out = NULL;
	return -EOPNOTSUPP;
}

void kumem_events_destroy(kumem_events_t *e)
{
	(void)e;
}

int kumem_events_fd(const kumem_events_t *e)
{
	(void)e;
	return -1;
}

int kumem_events_generate(kumem_events_t *e, uint64_t count, uint32_t record_len, uint32_t rate)
{
	(void)e;
	(void)count;
	(void)record_len;
	(void)rate;
	return -EOPNOTSUPP;
}

int kumem_events_consume(kumem_events_t *e, kumem_event_fn fn, void *ctx, unsigned max)
{
	(void)e;
	(void)fn;
	(void)ctx;
	(void)max;
	return -EOPNOTSUPP;
}

int kumem_events_wait(kumem_events_t *e, int timeout_ms)
{
	(void)e;
	(void)timeout_ms;
	return -EOPNOTSUPP;
}

void kumem_events_counts(const kumem_events_t *e, uint64_t *produced, uint64_t *dropped)
{
	(void)e;
	*produced = 0;
	*dropped = 0;
}
