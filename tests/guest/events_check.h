/* SPDX-License-Identifier: MIT */
/*
 * Checking a generator's records as libkumem hands them over, shared by the Linux guest
 * test (t_events.c) and the same checks against the Windows driver in the model
 * (tests/winmodel/test_events_lib.c): each record is a sequence number followed by bytes
 * equal to its low byte (KUMEM_IOC_EVENTS_GEN).
 */
#ifndef KUMEM_TEST_EVENTS_CHECK_H
#define KUMEM_TEST_EVENTS_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kumem/kumem.h>

struct check {
	uint64_t next, bad, seen, len_bad;
	uint32_t want_len;
	bool any_len;
};

static inline int check_record(void *ctx, const void *payload, uint32_t len)
{
	struct check *c = ctx;
	const uint8_t *p = payload;
	uint64_t seq;
	uint32_t i;

	memcpy(&seq, p, 8);
	if (!c->any_len && len != c->want_len)
		c->len_bad++;
	if (c->any_len ? seq < c->next : seq != c->next)
		c->bad++;
	for (i = 8; i < len; i++)
		if (p[i] != (uint8_t)seq) {
			c->bad++;
			break;
		}
	c->next = seq + 1;
	c->seen++;
	return 0;
}

/* consume @count records of @len, waiting between batches (poll on Linux, EVENTS_WAIT on Windows) */
static inline void drain(kumem_events_t *e, struct check *c, uint64_t count)
{
	int idle = 0;

	while (c->seen < count && idle < 50) {
		int n = kumem_events_consume(e, check_record, c, 64);

		if (n < 0) {
			c->bad++;
			break;
		}
		if (n == 0)
			idle += kumem_events_wait(e, 100) == 0;
		else
			idle = 0;
	}
}

#endif
