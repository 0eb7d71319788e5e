// SPDX-License-Identifier: MIT
/*
 * read() and write() on /dev/kumem in buffered and direct mode (the seed's DO_BUFFERED_IO and
 * DO_DIRECT_IO): counts, bytes, the pin's view, and every edge: 0 bytes, unaligned buffers,
 * many pages, vectored calls, unmapped and read-only memory, O_DIRECT-style alignment, huge
 * calls chunked with bounded pinning, signals mid-call, and counters back where they were.
 */
#include <pthread.h>
#include <sys/uio.h>

#include "guest_util.h"
#include "../../core/checksum.h"

#define PAGE	  4096ul
#define MIB	  (1ul << 20)
#define BIG_SEGS  1024 /* IOV_MAX: 1024 x 1 MiB = one 1 GiB call from 1 MiB of memory */
#define HUGE_SEGS 128  /* the call run to the end: 128 MiB (buffered takes ~1 s under TCG) */

static const char *const mode_name[] = { "none", "buffered", "direct" };

static kumem_rw_t *rw_open_or_bail(kumem_t *dev, unsigned mode, unsigned align)
{
	kumem_rw_t *f;
	int err = kumem_rw_open(dev, mode, align, &f);

	if (err)
		bail_out("kumem_rw_open(%s): %s", mode_name[mode], kumem_strerror(err));
	return f;
}

static struct kumem_rw_last last_of(kumem_rw_t *f)
{
	struct kumem_rw_last l;
	int err = kumem_rw_last(f, &l);

	if (err)
		bail_out("kumem_rw_last: %s", kumem_strerror(err));
	return l;
}

static uint64_t span_pages(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	return len ? ((a + len - 1) / PAGE) - (a / PAGE) + 1 : 0;
}

/* the bytes read() must have produced: pattern 0 .. len-1 */
static bool is_pattern(const uint8_t *p, size_t len, uint64_t pos)
{
	static uint8_t want[64 * 1024];

	while (len) {
		size_t n = len < sizeof(want) ? len : sizeof(want);

		kumem_pattern_fill(want, pos, n);
		if (memcmp(p, want, n))
			return false;
		p += n;
		pos += n;
		len -= n;
	}
	return true;
}

static void sizes_one_mode(kumem_t *dev, unsigned mode, uint8_t *buf)
{
	/* 5 MiB + 1 crosses both the bounce buffer (256 KiB) and the pin batch (4 MiB) */
	static const size_t sizes[] = { 1, 7, 4095, 4096, 4097, 65537, MIB + 3, 5 * MIB + 1 };
	kumem_rw_t *f = rw_open_or_bail(dev, mode, 0);
	const char *m = mode_name[mode];
	struct kumem_rw_last l;
	size_t i;

	is_int(kumem_rw_write(f, buf, 0), 0, "%s: write of 0 bytes returns 0", m);
	l = last_of(f);
	ok(l.op == KUMEM_RW_OP_WRITE && l.bytes == 0 && l.sum == kumem_checksum(NULL, 0) &&
		   l.pages == 0,
	   "%s: a 0-byte write is recorded as one, with nothing pinned", m);
	is_int(kumem_rw_read(f, buf, 0), 0, "%s: read of 0 bytes returns 0", m);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *p = buf + 13; /* unaligned: 13 bytes into a page */
		size_t n = sizes[i];
		int64_t got;

		fill_pattern(buf, 6 * MIB, (unsigned)i);
		got = kumem_rw_write(f, p, n);
		l = last_of(f);
		ok(got == (int64_t)n && l.op == KUMEM_RW_OP_WRITE && l.bytes == n &&
			   l.sum == kumem_checksum(p, n),
		   "%s: write %zu bytes at +13: count %lld, driver's checksum %s", m, n,
		   (long long)got, l.sum == kumem_checksum(p, n) ? "matches" : "differs");
		if (mode == KUMEM_RW_DIRECT)
			ok(l.pages == span_pages(p, n) && l.byte_offset == 13 &&
				   l.chunks == (span_pages(p, n) + KUMEM_RW_PIN_BATCH - 1) /
						       KUMEM_RW_PIN_BATCH &&
				   l.max_pinned <= KUMEM_RW_PIN_BATCH,
			   "direct: the pin's view of %zu bytes: %llu pages from offset %u in %u "
			   "batches, at most %u at once",
			   n, (unsigned long long)l.pages, l.byte_offset, l.chunks, l.max_pinned);

		memset(buf, 0xee, 6 * MIB);
		got = kumem_rw_read(f, p, n);
		l = last_of(f);
		ok(got == (int64_t)n && is_pattern(p, n, 0) && buf[12] == 0xee && p[n] == 0xee &&
			   l.op == KUMEM_RW_OP_READ && l.sum == kumem_checksum(p, n),
		   "%s: read %zu bytes at +13: count %lld, the driver's bytes and nothing past "
		   "them",
		   m, n, (long long)got);
	}
	kumem_rw_close(f);
}

static void vectored(kumem_t *dev, unsigned mode, uint8_t *buf)
{
	kumem_rw_t *f = rw_open_or_bail(dev, mode, 0);
	const char *m = mode_name[mode];
	struct kumem_iov v[4] = {
		{ buf + 1, 10 },
		{ buf + 3 * PAGE - 5, 0 }, /* empty pieces are skipped */
		{ buf + 3 * PAGE - 5, PAGE + 9 },
		{ buf + 9 * PAGE, 3 * PAGE },
	};
	size_t total = 10 + PAGE + 9 + 3 * PAGE;
	struct kumem_csum c;
	struct kumem_rw_last l;
	int64_t got;
	int i;

	fill_pattern(buf, 16 * PAGE, 5);
	kumem_csum_init(&c);
	for (i = 0; i < 4; i++)
		kumem_csum_update(&c, v[i].base, v[i].len);
	got = kumem_rw_writev(f, v, 4);
	l = last_of(f);
	ok(got == (int64_t)total && l.sum == kumem_csum_final(&c) && l.segments == 4,
	   "%s: writev of 4 pieces (one empty): count %lld, checksum over them in order", m,
	   (long long)got);
	if (mode == KUMEM_RW_DIRECT)
		ok(l.pages == 1 + 3 + 3 && l.chunks == 3 && l.byte_offset == 1,
		   "direct: writev pins each piece's pages (%llu pages, %u batches)",
		   (unsigned long long)l.pages, l.chunks);

	memset(buf, 0xee, 16 * PAGE);
	got = kumem_rw_readv(f, v, 4);
	ok(got == (int64_t)total && is_pattern(v[0].base, 10, 0) &&
		   is_pattern(v[2].base, v[2].len, 10) &&
		   is_pattern(v[3].base, v[3].len, 10 + v[2].len) && buf[0] == 0xee &&
		   buf[11] == 0xee,
	   "%s: readv continues the driver's bytes across the pieces", m);
	kumem_rw_close(f);
}

static int shared_memfd(size_t len, uint8_t **rw, uint8_t **ro)
{
	int fd = memfd_create("kumem-rw", 0);

	if (fd < 0 || ftruncate(fd, (off_t)len))
		bail_out("memfd: %s", strerror(errno));
	*rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*ro = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (*rw == MAP_FAILED || *ro == MAP_FAILED)
		bail_out("mmap memfd: %s", strerror(errno));
	return fd;
}

static void bad_memory(kumem_t *dev, unsigned mode)
{
	kumem_rw_t *f = rw_open_or_bail(dev, mode, 0);
	const char *m = mode_name[mode];
	uint8_t *hole = anon(3 * PAGE, PROT_READ | PROT_WRITE, true), *rw, *ro, *fresh;
	bool untouched = true;
	int fd;
	size_t i;

	munmap(hole + PAGE, PAGE);
	fill_pattern(hole, PAGE, 9);
	is_int(kumem_rw_write(f, NULL, 10), -EFAULT, "%s: write from NULL -> EFAULT", m);
	is_int(kumem_rw_read(f, NULL, 10), -EFAULT, "%s: read into NULL -> EFAULT", m);
	is_int(kumem_rw_write(f, (void *)0xffff888000000000ull, 10), -EFAULT,
	       "%s: write from a kernel address -> EFAULT", m);
	is_int(kumem_rw_write(f, hole + PAGE, 10), -EFAULT,
	       "%s: write starting in an unmapped page -> EFAULT", m);
	is_int(kumem_rw_write(f, hole + 100, 3 * PAGE - 100), (int64_t)(PAGE - 100),
	       "%s: write running into an unmapped page: the bytes before it", m);
	ok(last_of(f).sum == kumem_checksum(hole + 100, PAGE - 100),
	   "%s: and the driver's checksum covers exactly those bytes", m);
	is_int(kumem_rw_read(f, hole + 100, 3 * PAGE - 100), (int64_t)(PAGE - 100),
	       "%s: read running into an unmapped page: the bytes before it", m);
	ok(is_pattern(hole + 100, PAGE - 100, 0), "%s: and they arrived", m);

	/* read-only memory: one file, a writable and a read-only view of it */
	fd = shared_memfd(2 * PAGE, &rw, &ro);
	memset(rw, 0x5c, 2 * PAGE);
	is_int(kumem_rw_read(f, ro, 2 * PAGE), -EFAULT, "%s: read into read-only memory -> EFAULT",
	       m);
	for (i = 0; i < 2 * PAGE; i++)
		untouched &= rw[i] == 0x5c;
	ok(untouched, "%s: and not one byte of it changed", m);
	mprotect(rw + PAGE, PAGE, PROT_READ);
	is_int(kumem_rw_read(f, rw, 2 * PAGE), (int64_t)PAGE,
	       "%s: read into a writable page then a read-only one: one page", m);
	ok(is_pattern(rw, PAGE, 0) && rw[PAGE] == 0x5c, "%s: the read-only page kept its bytes", m);
	is_int(kumem_rw_write(f, ro, 2 * PAGE), (int64_t)(2 * PAGE),
	       "%s: write from read-only memory works (the driver only reads it)", m);
	ok(last_of(f).sum == kumem_checksum(ro, 2 * PAGE), "%s: with the right checksum", m);
	munmap(rw, 2 * PAGE);
	munmap(ro, 2 * PAGE);
	close(fd);

	/* memory never touched: the zero page (direct pins it for reading) */
	fresh = anon(4 * PAGE, PROT_READ | PROT_WRITE, false);
	is_int(kumem_rw_write(f, fresh, 4 * PAGE), (int64_t)(4 * PAGE),
	       "%s: write from memory never touched", m);
	ok(last_of(f).sum == kumem_checksum(fresh, 4 * PAGE), "%s: it reads as zeros", m);
	is_int(kumem_rw_read(f, fresh + 1, 2 * PAGE), (int64_t)(2 * PAGE),
	       "%s: read into memory never touched faults it in", m);
	ok(is_pattern(fresh + 1, 2 * PAGE, 0) && fresh[0] == 0, "%s: and the process sees it", m);
	munmap(fresh, 4 * PAGE);
	munmap(hole, PAGE);
	munmap(hole + 2 * PAGE, PAGE);
	kumem_rw_close(f);
}

static void modes_and_alignment(kumem_t *dev, uint8_t *buf)
{
	int fd = raw_open();
	struct kumem_rw_mode m = { 0 };
	kumem_rw_t *f;
	char c = 0;

	is_int(write(fd, &c, 1) < 0 ? -errno : 0, -EINVAL,
	       "a file that chose no mode refuses write() (EINVAL)");
	is_int(read(fd, &c, 1) < 0 ? -errno : 0, -EINVAL, "and read()");
	m.mode = 3;
	is_int(rioctl(fd, KUMEM_IOC_RW_MODE, &m), -EINVAL, "unknown mode -> EINVAL");
	m = (struct kumem_rw_mode){ .mode = KUMEM_RW_DIRECT, .reserved = { 1 } };
	is_int(rioctl(fd, KUMEM_IOC_RW_MODE, &m), -EINVAL, "reserved field set -> EINVAL");
	m = (struct kumem_rw_mode){ .mode = KUMEM_RW_BUFFERED, .align = 512 };
	is_int(rioctl(fd, KUMEM_IOC_RW_MODE, &m), -EINVAL, "alignment asked of buffered -> EINVAL");
	m = (struct kumem_rw_mode){ .mode = KUMEM_RW_DIRECT, .align = 24 };
	is_int(rioctl(fd, KUMEM_IOC_RW_MODE, &m), -EINVAL,
	       "alignment not a power of two -> EINVAL");
	m.align = 2 * PAGE;
	is_int(rioctl(fd, KUMEM_IOC_RW_MODE, &m), -EINVAL, "alignment above a page -> EINVAL");
	m = (struct kumem_rw_mode){ .mode = KUMEM_RW_BUFFERED };
	is_int(rioctl(fd, KUMEM_IOC_RW_MODE, &m), 0, "a file can switch to buffered");
	is_int(write(fd, buf, 100), 100, "and then write()s");
	m.mode = KUMEM_RW_NONE;
	rioctl(fd, KUMEM_IOC_RW_MODE, &m);
	is_int(write(fd, buf, 100) < 0 ? -errno : 0, -EINVAL, "and back to none: EINVAL again");
	close(fd);

	f = rw_open_or_bail(dev, KUMEM_RW_DIRECT, 512);
	is_int(kumem_rw_write(f, buf + 512, 1024), 1024, "direct, align 512: aligned buffer works");
	is_int(kumem_rw_write(f, buf + 100, 1024), -EINVAL,
	       "direct, align 512: unaligned address -> EINVAL");
	is_int(kumem_rw_write(f, buf + 512, 1000), -EINVAL,
	       "direct, align 512: unaligned length -> EINVAL");
	{
		struct kumem_iov v[2] = { { buf, 512 }, { buf + 1000, 512 } };

		is_int(kumem_rw_readv(f, v, 2), -EINVAL,
		       "direct, align 512: one unaligned piece of a readv -> EINVAL");
	}
	ok(last_of(f).bytes == 1024, "a refused call is not recorded as the last one");
	kumem_rw_close(f);
}

/* One 1 GiB call made of the same 1 MiB 1024 times. */
static void big_iov(struct kumem_iov *v, uint8_t *buf)
{
	int i;

	for (i = 0; i < BIG_SEGS; i++)
		v[i] = (struct kumem_iov){ buf, MIB };
}

static uint64_t sum_of_pattern(uint64_t bytes)
{
	static uint8_t chunk[MIB];
	struct kumem_csum c;
	uint64_t pos;

	kumem_csum_init(&c);
	for (pos = 0; pos < bytes; pos += MIB) {
		size_t n = bytes - pos < MIB ? bytes - pos : MIB;

		kumem_pattern_fill(chunk, pos, n);
		kumem_csum_update(&c, chunk, n);
	}
	return kumem_csum_final(&c);
}

static uint64_t sum_of_repeats(const uint8_t *buf, uint64_t bytes)
{
	struct kumem_csum c;

	kumem_csum_init(&c);
	for (; bytes >= MIB; bytes -= MIB)
		kumem_csum_update(&c, buf, MIB);
	kumem_csum_update(&c, buf, bytes);
	return kumem_csum_final(&c);
}

/* Returns how long the HUGE_SEGS MiB call took, in ms. */
static int64_t huge(kumem_t *dev, unsigned mode, uint8_t *buf, struct kumem_iov *v)
{
	kumem_rw_t *f = rw_open_or_bail(dev, mode, 0);
	const char *m = mode_name[mode];
	struct kumem_rw_last l;
	int64_t got, t0;

	fill_pattern(buf, MIB, 21);
	t0 = mono_ms();
	got = kumem_rw_writev(f, v, HUGE_SEGS);
	t0 = mono_ms() - t0;
	l = last_of(f);
	ok(got == HUGE_SEGS * (int64_t)MIB && l.sum == sum_of_repeats(buf, HUGE_SEGS * MIB),
	   "%s: one %d MiB writev: full count, checksum right", m, HUGE_SEGS);
	if (mode == KUMEM_RW_DIRECT)
		ok(l.pages == HUGE_SEGS * 256 && l.max_pinned <= KUMEM_RW_PIN_BATCH,
		   "direct: %llu pages pinned over the call, at most %u at once (%u)",
		   (unsigned long long)l.pages, KUMEM_RW_PIN_BATCH, l.max_pinned);
	else
		ok(l.chunks == HUGE_SEGS * 4, "buffered: 256 KiB at a time (%u chunks)", l.chunks);
	diag("%s: %d MiB written in %lld ms", m, HUGE_SEGS, (long long)t0);
	kumem_rw_close(f);
	return t0;
}

static volatile sig_atomic_t signals_seen;
static volatile int call_done;

static void on_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

/* Signal the calling thread every 5 ms until its call returns: one lands inside it. */
static void *pester(void *arg)
{
	pthread_t target = *(pthread_t *)arg;

	while (!__atomic_load_n(&call_done, __ATOMIC_ACQUIRE)) {
		pthread_kill(target, SIGUSR1);
		usleep(5000);
	}
	return NULL;
}

static void signal_mid_call(kumem_t *dev, unsigned mode, uint8_t *buf, struct kumem_iov *v)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	kumem_rw_t *f = rw_open_or_bail(dev, mode, 0);
	const char *m = mode_name[mode];
	pthread_t self = pthread_self(), th;
	struct kumem_rw_last l;
	int64_t got, t0;
	int dir;

	sigaction(SIGUSR1, &sa, NULL);
	fill_pattern(buf, MIB, 33);
	for (dir = 0; dir < 2; dir++) {
		signals_seen = 0;
		call_done = 0;
		t0 = mono_ms();
		pthread_create(&th, NULL, pester, &self);
		got = dir ? kumem_rw_readv(f, v, BIG_SEGS) : kumem_rw_writev(f, v, BIG_SEGS);
		__atomic_store_n(&call_done, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		l = last_of(f);
		ok(got > 0 && got < (int64_t)BIG_SEGS * (int64_t)MIB && l.bytes == (uint64_t)got,
		   "%s: a signal stops a 1 GiB %s part way: count %lld after %lld ms", m,
		   dir ? "readv" : "writev", (long long)got, (long long)(mono_ms() - t0));
		if (!dir) {
			ok(l.sum == sum_of_repeats(buf, (uint64_t)got),
			   "%s: the checksum covers exactly the bytes counted", m);
		} else {
			/* every piece is buf: it holds the last piece's bytes up to the stop,
			 * the piece before's after it */
			uint64_t q = (uint64_t)got / MIB, r = (uint64_t)got % MIB;

			ok(l.sum == sum_of_pattern((uint64_t)got) && is_pattern(buf, r, q * MIB) &&
				   (!q || is_pattern(buf + r, MIB - r, (q - 1) * MIB + r)),
			   "%s: the bytes read up to the stop are the driver's, checksum too", m);
			fill_pattern(buf, MIB, 33);
		}
	}
	signal(SIGUSR1, SIG_DFL);
	kumem_rw_close(f);
}

struct killed_child {
	unsigned mode;
	struct kumem_iov *v;
	int ready; /* pipe: one byte when about to write */
};

static int write_forever(void *arg)
{
	struct killed_child *k = arg;
	kumem_t *dev;
	kumem_rw_t *f;

	if (kumem_open(&dev) || kumem_rw_open(dev, k->mode, 0, &f))
		return 2;
	if (write(k->ready, "", 1) != 1)
		return 3;
	for (;;)
		kumem_rw_writev(f, k->v, BIG_SEGS);
}

static uint64_t io_pinned(kumem_t *dev)
{
	return stats_now(dev).io_pinned_pages;
}

/*
 * SIGKILL in the middle of a call: the process goes well before the call would have ended
 * (@call_ms: how long a HUGE_SEGS MiB call takes; the child's calls are 1 GiB), and its
 * pins with it.
 */
static void fatal_signal(kumem_t *dev, unsigned mode, struct kumem_iov *v, int64_t call_ms)
{
	struct killed_child k = { mode, v, -1 };
	const char *m = mode_name[mode];
	uint64_t most = 0, now = 0;
	int64_t t0, took;
	int st, p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		bail_out("pipe: %s", strerror(errno));
	k.ready = p[1];
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(write_forever(&k));
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		bail_out("the writing child did not start");
	close(p[0]);
	if (mode == KUMEM_RW_DIRECT) {
		ok(wait_until(ASYNC_BOUND_MS, (now = io_pinned(dev)) > 0),
		   "direct: the writing child holds pins (%llu pages)", (unsigned long long)now);
		most = now;
		for (t0 = mono_ms(); mono_ms() - t0 < 200; usleep(2000)) {
			now = io_pinned(dev);
			most = now > most ? now : most;
		}
		ok(most <= KUMEM_RW_PIN_BATCH,
		   "direct: a 1 GiB call never holds more than %u pinned pages (most seen %llu)",
		   KUMEM_RW_PIN_BATCH, (unsigned long long)most);
	}
	t0 = mono_ms();
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid)
		bail_out("waitpid: %s", strerror(errno));
	took = mono_ms() - t0;
	/* half of what the 1 GiB call would take: room for a loaded machine, still "mid-call" */
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && took < BIG_SEGS / HUGE_SEGS / 2 * call_ms,
	   "%s: SIGKILL mid-call ends the writer in %lld ms (a 1 GiB call takes ~%lld)", m,
	   (long long)took, (long long)(BIG_SEGS / HUGE_SEGS * call_ms));
	ok(wait_until(ASYNC_BOUND_MS, io_pinned(dev) == 0), "%s: no page is left pinned", m);
}

/* The pin's frames are for root only, as everywhere in kumem. */
static int last_as_nobody(void *arg)
{
	struct kumem_rw_last l;

	if (setuid(65534))
		return 2;
	if (kumem_rw_last(arg, &l))
		return 3;
	return l.pfn_count == 0 && l.pfns[0] == 0 && l.pages > 0 ? 0 : 1;
}

static void pfns(kumem_t *dev, uint8_t *buf)
{
	kumem_rw_t *f = rw_open_or_bail(dev, KUMEM_RW_DIRECT, 0);
	struct kumem_rw_last l;

	kumem_rw_write(f, buf + 100, 3 * PAGE);
	l = last_of(f);
	ok(l.pfn_count == 4 && l.pfns[0] && l.pfns[3],
	   "root sees the frames of the pinned pages (%u: 0x%llx ...)", l.pfn_count,
	   (unsigned long long)l.pfns[0]);
	is_int(in_child(last_as_nobody, f), 0, "another user sees the page count, no frames");
	kumem_rw_close(f);
}

int main(void)
{
	struct kumem_iov *v = calloc(BIG_SEGS, sizeof(*v));
	struct kumem_info info;
	struct kumem_stats base;
	int64_t call_ms, t0 = mono_ms();
	uint8_t *buf;
	unsigned mode;

	tap_header();
	kumem_t *dev = open_or_bail();
	base = stats_now(dev);
	if (kumem_info(dev, &info) || !(info.features & KUMEM_FEAT_RW) || !v)
		bail_out("the driver does not offer read/write (features 0x%x)", info.features);
	buf = anon(6 * MIB + PAGE, PROT_READ | PROT_WRITE, true);
	big_iov(v, buf);

	for (mode = KUMEM_RW_BUFFERED; mode <= KUMEM_RW_DIRECT; mode++) {
		sizes_one_mode(dev, mode, buf);
		vectored(dev, mode, buf);
		bad_memory(dev, mode);
		call_ms = huge(dev, mode, buf, v);
		signal_mid_call(dev, mode, buf, v);
		fatal_signal(dev, mode, v, call_ms);
	}
	modes_and_alignment(dev, buf);
	pfns(dev, buf);

	munmap(buf, 6 * MIB + PAGE);
	free(v);
	stats_check(dev, &base, "at the end");
	is_int(io_pinned(dev), 0, "no page pinned by read/write at the end");
	diag("t_rw ran %lld ms", (long long)(mono_ms() - t0));
	kumem_close(dev);
	return tap_done();
}
