// SPDX-License-Identifier: MIT
/* Event streams: order, record sizes across the double-mapped wrap, loss accounting, waits,
 * hostile positions, read() baseline, lifetime. */
#include <poll.h>

#include "events_check.h"
#include "guest_util.h"

static kumem_t *dev;

int main(void)
{
	static const uint32_t sizes[] = { 8, 24, 200, 1000, 4096 };
	struct kumem_stats base;
	kumem_events_t *e;
	uint64_t produced, dropped;
	size_t i;
	int fd;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);

	/* every size, no drops (rate 0 waits for the consumer), in order, across the wrap */
	is_int(kumem_events_create(dev, 16 * 4096, &e), 0, "create a 64 KiB stream");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct check c = { .want_len = sizes[i] };
		uint64_t count = (256 * 1024) / sizes[i] + 100; /* several laps of the area */

		kumem_events_generate(e, count, sizes[i], 0);
		drain(e, &c, count);
		ok(c.seen == count && !c.bad && !c.len_bad,
		   "%u-byte records: %llu in order, intact, across the wrap", sizes[i],
		   (unsigned long long)c.seen);
		kumem_events_generate(e, 0, 8, 0);
		/* next size: sequence restarts at 0 */
	}
	kumem_events_counts(e, &produced, &dropped);
	is_int(dropped, 0, "no drops when the generator waits for space");
	kumem_events_destroy(e);

	/* a paced producer and a consumer that does not read: drops are counted, nothing lost
	 * silently: everything produced is either consumed or dropped */
	is_int(kumem_events_create(dev, 4 * 4096, &e), 0, "create a 16 KiB stream");
	kumem_events_generate(e, 2000, 64, 20000);
	/* the generator paces itself in its own thread: wait for it to fill the stream (it
	 * must, since nobody reads), then for all 2000 to be either produced or dropped */
	ok(wait_until(10000, (kumem_events_counts(e, &produced, &dropped), dropped > 0)),
	   "the paced generator fills the stream and starts dropping");
	{
		struct check c = { .any_len = true };

		drain(e, &c, 2000);
		ok(wait_until(10000, (kumem_events_counts(e, &produced, &dropped),
				      produced + dropped >= 2000)),
		   "the generator gets through its 2000 records");
		while (kumem_events_consume(e, check_record, &c, 64) > 0)
			;
		kumem_events_counts(e, &produced, &dropped);
		diag("paced 2000 records into 16 KiB while not reading: %llu delivered, %llu "
		     "dropped",
		     (unsigned long long)produced, (unsigned long long)dropped);
		ok(dropped > 0, "a full stream drops records and counts them");
		is_int(produced + dropped, 2000, "produced + dropped = generated");
		is_int(c.seen, produced, "every produced record was delivered");
		is_int(c.bad, 0, "in order (gaps only where drops were counted)");
	}
	kumem_events_destroy(e);

	/* waiting: poll wakes when a record arrives */
	is_int(kumem_events_create(dev, 4 * 4096, &e), 0, "stream for the wait test");
	is_int(kumem_events_wait(e, 0), 0, "nothing ready yet");
	kumem_events_generate(e, 1, 16, 0);
	is_int(kumem_events_wait(e, 2000), 1, "poll wakes for the record");
	/* Windows' completion-port waits: on Linux the stream fd is what epoll waits on */
	is_int(kumem_events_wait_start(e, -1), -EOPNOTSUPP,
	       "kumem_events_wait_start: EOPNOTSUPP (epoll on kumem_events_fd instead)");
	ok(kumem_events_from_overlapped(e) == NULL, "kumem_events_from_overlapped: NULL");
	{
		struct check c = { .want_len = 16 };

		is_int(kumem_events_consume(e, check_record, &c, 8), 1, "one record");
	}
	/* the data area is read-only for the process */
	{
		uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				  kumem_events_fd(e), 4096);

		ok(p == MAP_FAILED, "the producer page and data cannot be mapped writable");
		ok(mmap(NULL, 4096, PROT_READ, MAP_SHARED, kumem_events_fd(e), 3 * 4096) ==
			   MAP_FAILED,
		   "nor at another offset");
	}
	/* read(): the one-record-per-call baseline */
	{
		uint8_t buf[64];
		uint64_t seq = 0;
		ssize_t n = read(kumem_events_fd(e), buf, sizeof(buf));

		memcpy(&seq, buf, 8);
		ok(n == 64 && seq == 0 && buf[9] == 0 && buf[63] == 0, "read() returns record 0");
		n = read(kumem_events_fd(e), buf, sizeof(buf));
		memcpy(&seq, buf, 8);
		ok(n == 64 && seq == 1 && buf[9] == 1 && buf[63] == 1, "and then record 1");
		is_int(read(kumem_events_fd(e), buf, 12) < 0 ? -errno : 0, -EINVAL,
		       "read() of a length not a multiple of 8 -> EINVAL");
	}
	kumem_events_destroy(e);

	/* bad create/generate */
	fd = raw_open();
	{
		struct kumem_events_create a = { .data_bytes = 3 * 4096 };
		struct kumem_events_gen g = { .count = 1, .record_len = 12 };

		is_int(rioctl(fd, KUMEM_IOC_EVENTS_CREATE, &a), -EINVAL, "size not a power of two");
		a.data_bytes = 4096;
		is_int(rioctl(fd, KUMEM_IOC_EVENTS_CREATE, &a), -EINVAL, "size under 4 pages");
		a.data_bytes = 4 * 4096;
		a.user_addr = 1;
		is_int(rioctl(fd, KUMEM_IOC_EVENTS_CREATE, &a), -EINVAL, "reserved field");
		a.user_addr = 0;
		is_int(rioctl(fd, KUMEM_IOC_EVENTS_CREATE, &a), 0, "a good one");
		is_int(rioctl(a.events_fd, KUMEM_IOC_EVENTS_GEN, &g), -EINVAL,
		       "record_len 12 -> EINVAL");
		g.record_len = 8192;
		is_int(rioctl(a.events_fd, KUMEM_IOC_EVENTS_GEN, &g), -EINVAL,
		       "record larger than a quarter of the area -> EINVAL");
		/* a consumer that lies about its position: the stream dies, nothing else */
		{
			uint64_t *cons = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
					      a.events_fd, 0);
			struct pollfd p = { .fd = a.events_fd, .events = POLLIN };

			*cons = 1ull << 40;
			g.record_len = 8;
			g.count = 10;
			rioctl(a.events_fd, KUMEM_IOC_EVENTS_GEN, &g);
			usleep(100000);
			ok(poll(&p, 1, ASYNC_BOUND_MS) == 1 && (p.revents & POLLERR),
			   "an impossible consumer_pos -> POLLERR, no crash");
			munmap(cons, 4096);
		}
		close(a.events_fd);
		ok(1, "closing a dead stream returns");
	}
	{
		struct kumem_events_create a = { .data_bytes = 8 * 4096 };
		struct kumem_events_gen g = { .count = 1000000000, .record_len = 32 };

		rioctl(fd, KUMEM_IOC_EVENTS_CREATE, &a);
		rioctl(a.events_fd, KUMEM_IOC_EVENTS_GEN, &g);
		usleep(50000);
		close(a.events_fd);
		ok(1, "closing a stream while its generator waits for space returns");
	}
	close(fd);
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
