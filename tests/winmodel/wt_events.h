/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* What the event-stream scenarios share (test_events.c, test_events_wait.c): a stream as the
 * process sees it, the driver's reference on it, producing at DISPATCH_LEVEL. */
#ifndef WT_EVENTS_H
#define WT_EVENTS_H

#include "wm_test.h"
#include "kumem_win.h"
#include "../../core/evring.h"

#define PAGE 4096u

/* A stream as a process sees it after KUMEM_IOC_EVENTS_CREATE. */
struct stream {
	struct wm_process *p;
	HANDLE h;
	struct kumem_events_create a;
	struct kumem_ev_producer_page *prod; /* the process's read-only view */
	uint64_t *cons;			     /* its read-write consumer_pos */
	uint8_t *data;			     /* its view of the data, twice */
	struct kumem_evring ev;		     /* the consumer, on those views */
};

static inline NTSTATUS stream_create(struct wm_process *p, HANDLE h, uint64_t bytes, struct stream *s)
{
	NTSTATUS st;

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->h = h;
	s->a.data_bytes = bytes;
	st = IOC(p, h, KUMEM_IOC_EVENTS_CREATE, s->a);
	if (st)
		return st;
	s->cons = (uint64_t *)(uintptr_t)s->a.user_addr;
	s->prod = (void *)(uintptr_t)s->a.user_ro_addr;
	s->data = (uint8_t *)s->prod + PAGE;
	CHECK_EQ(kumem_ev_attach(&s->ev, s->cons, &s->prod->producer_pos, s->data, bytes, false), 0,
		 "consumer attach");
	return 0;
}

static inline NTSTATUS stream_release(struct stream *s)
{
	return wt_release(s->p, s->h, (uint32_t)s->a.events_fd);
}

/* The driver's handle on the stream, as an export-driver caller gets it (in @p's context). */
static inline PKUMEM_EVENTS stream_ref(struct stream *s)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	PKUMEM_EVENTS e;
	int err;

	t->proc = s->p;
	err = KumemEventsLookup(wm_file_context(s->p, s->h), (ULONG)s->a.events_fd, &e);
	t->proc = was;
	CHECK_EQ(err, 0, "KumemEventsLookup");
	return e;
}

/* Produce at DISPATCH_LEVEL, as a DPC would: every call made must allow it. */
static inline int emit_at_dispatch(PKUMEM_EVENTS e, const void *data, uint32_t len)
{
	struct wm_thread *t = wm_current();
	KIRQL was = t->irql;
	int err;

	t->irql = DISPATCH_LEVEL;
	err = KumemEventsEmit(e, data, len);
	t->irql = was;
	return err;
}

#endif
