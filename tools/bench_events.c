// SPDX-License-Identifier: MIT
/*
 * kumem bench events: kernel -> user records of 8 B .. 4 KiB through the event stream,
 * beside one read() per record and one memcpy per record in user space (the floor of any
 * transport). The three rows take turns in every round (see bench_util.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "cli.h"

static double rate(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

/* ---- events ----------------------------------------------------------------------------- */

static int count_record(void *ctx, const void *payload, uint32_t len)
{
	(void)payload;
	(void)len;
	++*(uint64_t *)ctx;
	return 0;
}

/* @n records of @size bytes through the event stream; records/s, or 0 on any error. */
static double events_stream(kumem_t *dev, uint32_t size, uint64_t n)
{
	uint64_t seen = 0, produced = 0, dropped = 0, t0;
	kumem_events_t *e;

	if (kumem_events_create(dev, 1 << 20, &e))
		return 0;
	t0 = bench_now_ns();
	if (kumem_events_generate(e, n, size, 0) == 0)
		while (seen < n)
			if (kumem_events_consume(e, count_record, &seen, 1024) == 0 &&
			    kumem_events_wait(e, 1000) <= 0)
				break;
	t0 = bench_now_ns() - t0;
	kumem_events_counts(e, &produced, &dropped);
	kumem_events_destroy(e);
	return seen == n && produced == n && !dropped ? rate(n, t0) : 0;
}

/* The same records, one read() each. */
static double events_read(kumem_t *dev, uint32_t size, uint64_t n)
{
	char *buf = malloc(size);
	kumem_events_t *e;
	uint64_t i = 0, t0;

	if (!buf || kumem_events_create(dev, 1 << 20, &e)) {
		free(buf);
		return 0;
	}
	t0 = bench_now_ns();
	for (; i < n; i++)
		if (read(kumem_events_fd(e), buf, size) != (ssize_t)size)
			break;
	t0 = bench_now_ns() - t0;
	kumem_events_destroy(e);
	free(buf);
	return i == n ? rate(n, t0) : 0;
}

/* The floor of any transport of a record: one memcpy of it, from a 1 MiB ring of them. */
static double events_memcpy(uint32_t size, uint64_t n)
{
	const size_t span = 1 << 20;
	char *src = malloc(span), *dst = malloc(size);
	uint64_t i, t0, sink = 0;

	if (!src || !dst) {
		free(src);
		free(dst);
		return 0;
	}
	memset(src, 0x5a, span);
	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		memcpy(dst, src + (i * size) % span, size);
		/* keep the copy: the compiler may not drop it */
		__asm__ volatile("" : : "r"(dst) : "memory");
		sink += (uint8_t)dst[0];
	}
	t0 = bench_now_ns() - t0;
	free(src);
	free(dst);
	return sink ? rate(n, t0) : 0;
}

enum ev_row { EV_STREAM, EV_READ, EV_MEMCPY, NR_EV };
static const char *const ev_name[NR_EV] = { "event stream", "read() per record",
					     "memcpy per record (user space)" };

struct ev_run {
	kumem_t *dev;
	enum ev_row row;
	uint32_t size;
	uint64_t n;
};

static double ev_run_fn(void *ctx)
{
	const struct ev_run *r = ctx;

	switch (r->row) {
	case EV_STREAM:
		return events_stream(r->dev, r->size, r->n);
	case EV_READ:
		return events_read(r->dev, r->size, r->n);
	default:
		return events_memcpy(r->size, r->n);
	}
}

int bench_events(kumem_t *dev)
{
	static const uint32_t sizes[] = { 8, 64, 512, 1024, 4096 };
	struct bench_series s[NR_EV];
	char why[NR_EV][96], name[96], h[32];
	unsigned int round, rounds = bench_cfg.rounds;
	size_t i;
	int row;

	printf("\nevents: kernel -> user records, records/s: median of %u rounds (min .. max) after "
	       "a warm-up round,\n        the three rows take turns, each run ~%u ms\n",
	       rounds, bench_cfg.run_ms);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n[NR_EV];

		memset(s, 0, sizeof(s));
		memset(why, 0, sizeof(why));
		for (round = 0; round <= rounds; round++) {
			for (row = 0; row < NR_EV; row++) {
				struct ev_run r = { dev, (enum ev_row)row, sizes[i], 20000 };
				bool disturbed;
				char w[96] = "";
				double v;

				if (round)
					r.n = n[row];
				/* the generator is a kernel thread, not ours */
				v = bench_run_checked(ev_run_fn, &r, row == EV_STREAM, &disturbed, w);
				if (v <= 0) {
					cli_say("bench: %s of %u B failed", ev_name[row], sizes[i]);
					return -1;
				}
				if (!round) {
					n[row] = (uint64_t)(v * bench_cfg.run_ms / 1000);
					if (n[row] < 1000)
						n[row] = 1000;
					continue;
				}
				if (disturbed && !why[row][0])
					memcpy(why[row], w, sizeof(w));
				bench_series_add(&s[row], v, disturbed);
			}
		}
		bench_human(sizes[i], h, sizeof(h));
		for (row = 0; row < NR_EV; row++) {
			snprintf(name, sizeof(name), "%s, %s", ev_name[row], h);
			bench_report("events", name, sizes[i], "records/s", &s[row], why[row]);
		}
		snprintf(name, sizeof(name), "event stream / read(), %s records", h);
		bench_ratio(name, &s[EV_STREAM], &s[EV_READ]);
		snprintf(name, sizeof(name), "event stream / memcpy, %s records", h);
		bench_ratio(name, &s[EV_STREAM], &s[EV_MEMCPY]);
	}
	printf("  Both kernel rows fill each record the same way (the generator's pattern), so\n"
	       "  stream / read() is the transport: read() adds a system call and a copy per\n"
	       "  record. Large records are bound by filling and copying them (the memcpy row).\n");
	return 0;
}
