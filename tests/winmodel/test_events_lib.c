// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * libkumem's event-stream code (lib/kumem_events_windows.c, core/evring.c as the consumer)
 * against the driver in the model: the checks of tests/guest/t_events.c that need no Linux
 * call (mmap, poll, read), through the same library calls. Only the system-call layer is
 * stood in for: kumem_sys_ioctl() (wm_lib.c) sends the IOCTL into the model's I/O manager
 * from the process the scenario plays and maps the status as lib/kumem_sys_windows.c maps
 * the Win32 error Windows derives from it.
 */
#include <errno.h>

#include "wm_test.h"
#include "wm_lib.h"
#include <kumem/kumem.h>
#include "../guest/events_check.h"

static struct kumem lib_dev;


static void lib_events(void)
{
	static const uint32_t sizes[] = { 8, 24, 200, 1000, 4096 };
	uint64_t produced, dropped;
	kumem_events_t *e;
	size_t i;
	int k;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	lib_dev.p = wm_process_create("lib.exe", false);
	lib_dev.h = wt_open(lib_dev.p);

	/* every size, no drops (rate 0 waits for the consumer), in order, across the wrap */
	CHECK_EQ(kumem_events_create(&lib_dev, 16 * 4096, &e), 0, "create a 64 KiB stream");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct check c = { .want_len = sizes[i] };
		uint64_t count = (256 * 1024) / sizes[i] + 100; /* several laps of the area */

		CHECK_EQ(kumem_events_generate(e, count, sizes[i], 0), 0, "generate");
		drain(e, &c, count);
		CHECK(c.seen == count && !c.bad && !c.len_bad,
		      "%u-byte records: %llu of %llu, %llu bad", sizes[i],
		      (unsigned long long)c.seen, (unsigned long long)count,
		      (unsigned long long)c.bad);
		CHECK_EQ(kumem_events_generate(e, 0, 8, 0), 0, "stop");
	}
	kumem_events_counts(e, &produced, &dropped);
	CHECK_EQ(dropped, 0, "no drops when the generator waits for space");
	kumem_events_destroy(e);

	/* a paced producer and a consumer that does not read: drops counted, nothing lost */
	CHECK_EQ(kumem_events_create(&lib_dev, 4 * 4096, &e), 0, "create a 16 KiB stream");
	CHECK_EQ(kumem_events_generate(e, 2000, 64, 20000), 0, "paced generator");
	for (k = 0; k < 1000; k++) {
		kumem_events_counts(e, &produced, &dropped);
		if (dropped)
			break;
		usleep(10 * 1000);
	}
	CHECK(dropped > 0, "the paced generator fills the stream and starts dropping");
	{
		struct check c = { .any_len = true };

		drain(e, &c, 2000);
		for (k = 0; k < 1000 && produced + dropped < 2000; k++) {
			usleep(10 * 1000);
			kumem_events_counts(e, &produced, &dropped);
		}
		while (kumem_events_consume(e, check_record, &c, 64) > 0)
			;
		kumem_events_counts(e, &produced, &dropped);
		CHECK_EQ(produced + dropped, 2000, "produced + dropped = generated");
		CHECK_EQ(c.seen, produced, "every produced record was delivered");
		CHECK_EQ(c.bad, 0, "in order (gaps only where drops were counted)");
	}
	kumem_events_destroy(e);

	/* waiting */
	CHECK_EQ(kumem_events_create(&lib_dev, 4 * 4096, &e), 0, "stream for the wait test");
	CHECK_EQ(kumem_events_wait(e, 0), 0, "nothing ready yet");
	CHECK_EQ(kumem_events_generate(e, 1, 16, 0), 0, "one record");
	CHECK_EQ(kumem_events_wait(e, 2000), 1, "the wait wakes for the record");
	{
		struct check c = { .want_len = 16 };

		CHECK_EQ(kumem_events_consume(e, check_record, &c, 8), 1, "one record");
	}
	CHECK_EQ(kumem_events_generate(e, 1, 12, 0), -EINVAL, "record_len 12 -> EINVAL");
	CHECK_EQ(kumem_events_generate(e, 1, 8192, 0), -EINVAL, "over a quarter -> EINVAL");
	kumem_events_destroy(e);

	/* bad creates */
	e = (kumem_events_t *)1;
	CHECK_EQ(kumem_events_create(&lib_dev, 3 * 4096, &e), -EINVAL, "not a power of two");
	CHECK(e == NULL, "*out is NULL after a failed create");
	CHECK_EQ(kumem_events_create(&lib_dev, 4096, &e), -EINVAL, "under 4 pages");
	CHECK_EQ(wt_stats(lib_dev.p, lib_dev.h).allocated_pages, 0, "nothing left allocated");

	wm_close(lib_dev.p, lib_dev.h);
	wm_process_exit(lib_dev.p);
	wt_nothing_held();
	wm_driver_unload();
}

/*
 * kumem_events_wait_start() and a ring's kumem_ring_wait_start() on one completion port, as a
 * Windows program waits for many streams and rings (Linux: epoll on their fds): each packet
 * names its stream or its ring and no other, wait_end gives the result (1 ready, 0 the
 * deadline, -EINTR cancelled), destroy ends a started wait.
 */
static void lib_port(void)
{
	struct wm_port *port = wm_port_create();
	struct check c = { .want_len = 16 };
	struct wm_overlapped *ov;
	kumem_events_t *e[3];
	kumem_ring_t *r;
	ULONG_PTR key;
	int i;

	CHECK_EQ(wm_driver_load(), STATUS_SUCCESS, "DriverEntry");
	lib_dev.p = wm_process_create("lib.exe", false);
	lib_dev.h = wt_open(lib_dev.p);
	CHECK_EQ(kumem_port_associate(&lib_dev, port, 9), 0, "associate the handle with the port");
	for (i = 0; i < 3; i++) {
		CHECK_EQ(kumem_events_create(&lib_dev, 4 * 4096, &e[i]), 0, "a stream");
		CHECK_EQ(kumem_events_wait_start(e[i], -1), 0, "a wait on each stream");
	}
	CHECK_EQ(kumem_ring_create(&lib_dev, 8, 0, 0, &r), 0, "a ring");
	CHECK_EQ(kumem_ring_wait_start(r, 1, -1), 0, "and a wait on it");
	CHECK_EQ(kumem_events_wait_start(e[0], -1), -EBUSY, "one wait per stream at a time");
	CHECK(!wm_port_get(port, &key, 50), "no packet before anything happened");

	CHECK_EQ(kumem_events_generate(e[1], 1, 16, 0), 0, "one record into stream 1");
	ov = wm_port_get(port, &key, WM_LIB_BOUND_MS);
	CHECK(ov && key == 9, "a packet with the handle's key");
	CHECK(kumem_events_from_overlapped(ov) == e[1], "it names stream 1");
	CHECK(kumem_ring_from_overlapped(ov) == NULL, "and no ring");
	CHECK_EQ(kumem_events_wait_end(e[1]), 1, "its result: ready");
	CHECK_EQ(kumem_events_consume(e[1], check_record, &c, 8), 1, "the record");

	CHECK(kumem_ring_get_sqe(r) != NULL, "a NOP (a zeroed entry)");
	CHECK_EQ(kumem_ring_submit(r), 1, "submitted");
	ov = wm_port_get(port, &key, WM_LIB_BOUND_MS);
	CHECK(ov && kumem_ring_from_overlapped(ov) == r, "the ring's packet");
	CHECK(kumem_events_from_overlapped(ov) == NULL, "names no stream");
	CHECK_EQ(kumem_ring_wait_end(r), 0, "its result");

	CHECK_EQ(kumem_events_wait_cancel(e[0]), 0, "cancel stream 0's wait");
	ov = wm_port_get(port, &key, WM_LIB_BOUND_MS);
	CHECK(ov && kumem_events_from_overlapped(ov) == e[0], "the cancelled wait's packet");
	CHECK_EQ(kumem_events_wait_end(e[0]), -EINTR, "cancelled: EINTR");

	CHECK_EQ(kumem_events_wait_start(e[1], 100), 0, "a 100 ms wait on stream 1");
	ov = wm_port_get(port, &key, WM_LIB_BOUND_MS);
	CHECK(ov && kumem_events_from_overlapped(ov) == e[1], "its packet");
	CHECK_EQ(kumem_events_wait_end(e[1]), 0, "the deadline: 0, as kumem_events_wait()");

	kumem_events_destroy(e[2]); /* a wait still running: the release ends it */
	kumem_events_destroy(e[1]);
	kumem_events_destroy(e[0]);
	kumem_ring_destroy(r);
	wm_close(lib_dev.p, lib_dev.h);
	wm_process_exit(lib_dev.p);
	wt_nothing_held();
	wm_driver_unload();
}

const struct wt_scenario wt_events_lib[] = {
	{ "events: libkumem's calls against the driver (t_events.c's checks)", lib_events },
	{ "events: libkumem's waits on a completion port, with a ring's", lib_port },
	{ NULL, NULL },
};
