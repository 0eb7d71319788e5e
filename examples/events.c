// SPDX-License-Identifier: MIT
/*
 * An event stream: the driver's test generator produces sequence-numbered records, this
 * process reads them in place from shared memory.
 *
 *   cc events.c $(pkg-config --cflags --libs kumem) -o events
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <kumem/kumem.h>

#define RECORDS 1000

struct seen {
	uint64_t next; /* the sequence number expected next */
	int bad;
};

static int on_record(void *ctx, const void *payload, uint32_t len)
{
	struct seen *s = ctx;
	uint64_t seq;

	memcpy(&seq, payload, sizeof(seq));
	if (len != 64 || seq != s->next)
		s->bad = 1;
	s->next++;
	return s->bad; /* nonzero stops consuming */
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "events: %s: %s\n", what, kumem_strerror(err));
	return 1;
}

int main(void)
{
	struct seen s = { 0, 0 };
	kumem_events_t *ev;
	kumem_t *dev;
	int err;

	err = kumem_open(&dev);
	if (err)
		return fail("open", err);
	err = kumem_events_create(dev, 64 * 1024, &ev);
	if (err) {
		kumem_close(dev);
		return fail("create the stream", err);
	}
	err = kumem_events_generate(ev, RECORDS, 64, 0); /* 0: as fast as we take them */
	while (!err && s.next < RECORDS && !s.bad) {
		err = kumem_events_wait(ev, 5000);
		if (err == 0)
			err = -ETIMEDOUT;
		if (err > 0)
			err = kumem_events_consume(ev, on_record, &s, 64);
		if (err > 0)
			err = 0;
	}
	kumem_events_destroy(ev);
	kumem_close(dev);
	if (err)
		return fail("read records", err);
	if (s.bad) {
		fprintf(stderr, "events: record %llu is not the one expected\n",
			(unsigned long long)s.next - 1);
		return 1;
	}
	printf("events: %d records read in place, in order\n", RECORDS);
	return 0;
}
