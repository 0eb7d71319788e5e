// SPDX-License-Identifier: MIT
/* Buffered and direct transfers: same checksum as user space, their errors, their footprint. */
#include <pthread.h>

#include "guest_util.h"

/* What a transfer holds while it runs, sampled by a second thread. */
struct footprint {
	volatile int done;
	long vmalloc_kb, pins; /* the largest increase seen */
};

static long meminfo_kb(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			sscanf(line + strlen(key), " %ld", &v);
	if (f)
		fclose(f);
	return v;
}

static void *sample(void *arg)
{
	struct footprint *fp = arg;
	long vm0 = meminfo_kb("VmallocUsed:"), pin0 = foll_pins_held(false);

	while (!fp->done) {
		long vm = meminfo_kb("VmallocUsed:") - vm0, pins = foll_pins_held(false) - pin0;

		fp->vmalloc_kb = vm > fp->vmalloc_kb ? vm : fp->vmalloc_kb;
		fp->pins = pins > fp->pins ? pins : fp->pins;
		usleep(2000);
	}
	return NULL;
}

/*
 * A transfer of 128 MiB holds at most a small bounded amount at a time (the module works in
 * 1 MiB pieces): before, the buffered one allocated all 128 MiB and the direct one pinned all
 * 32768 pages at once, none of it charged to RLIMIT_MEMLOCK.
 */
static void footprint(kumem_t *dev)
{
	const size_t len = 128u << 20;
	uint8_t *big = anon(len, PROT_READ | PROT_WRITE, true);
	struct footprint fp = { 0 };
	uint64_t sum = 0, want;
	pthread_t t;

	fill_pattern(big, len, 3);
	want = kumem_checksum(big, len);
	pthread_create(&t, NULL, sample, &fp);
	usleep(20000);
	ok(kumem_buffered_checksum(dev, big, len, &sum) == 0 && sum == want,
	   "buffered 128 MiB: matches");
	fp.done = 1;
	pthread_join(t, NULL);
	ok(fp.vmalloc_kb < 16 * 1024, "buffered 128 MiB held at most 16 MiB of kernel buffer (%ld KiB)",
	   fp.vmalloc_kb);
	fp = (struct footprint){ 0 };
	pthread_create(&t, NULL, sample, &fp);
	usleep(20000);
	ok(kumem_direct_checksum(dev, big, len, &sum) == 0 && sum == want,
	   "direct 128 MiB: matches");
	fp.done = 1;
	pthread_join(t, NULL);
	ok(fp.pins < 4096, "direct 128 MiB held at most 4096 pages pinned at once (%ld)", fp.pins);
	munmap(big, len);
}

int main(void)
{
	static const size_t sizes[] = { 0, 1, 7, 4095, 4096, 4097, 65537, (1 << 20) + 3, 16 << 20 };
	struct kumem_stats base;
	uint64_t sum, want;
	uint8_t *buf, *hole;
	long old;
	size_t i;
	int err;

	tap_header();
	kumem_t *dev = open_or_bail();
	base = stats_now(dev);
	buf = anon((16 << 20) + 4096, PROT_READ | PROT_WRITE, true);
	fill_pattern(buf, (16 << 20) + 4096, 77);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const uint8_t *p = buf + 13;

		want = kumem_checksum(p, sizes[i]);
		sum = ~want;
		err = kumem_buffered_checksum(dev, p, sizes[i], &sum);
		ok(!err && sum == want, "buffered %zu bytes at +13: %s", sizes[i],
		   err ? kumem_strerror(err) : "matches");
		sum = ~want;
		err = kumem_direct_checksum(dev, p, sizes[i], &sum);
		ok(!err && sum == want, "direct %zu bytes at +13: %s", sizes[i],
		   err ? kumem_strerror(err) : "matches");
	}

	hole = anon(3 * 4096, PROT_READ | PROT_WRITE, true);
	munmap(hole + 4096, 4096);
	is_int(kumem_buffered_checksum(dev, NULL, 10, &sum), -EFAULT, "buffered NULL -> EFAULT");
	is_int(kumem_direct_checksum(dev, NULL, 10, &sum), -EFAULT, "direct NULL -> EFAULT");
	is_int(kumem_buffered_checksum(dev, (void *)0xffff888000000000ull, 10, &sum), -EFAULT,
	       "buffered kernel address -> EFAULT");
	is_int(kumem_direct_checksum(dev, (void *)0xffff888000000000ull, 10, &sum), -EFAULT,
	       "direct kernel address -> EFAULT");
	is_int(kumem_buffered_checksum(dev, hole, 3 * 4096, &sum), -EFAULT,
	       "buffered across an unmapped hole -> EFAULT");
	is_int(kumem_direct_checksum(dev, hole, 3 * 4096, &sum), -EFAULT,
	       "direct across an unmapped hole -> EFAULT");
	munmap(hole, 4096);
	munmap(hole + 2 * 4096, 4096);

	old = param_get("max_region_mb");
	param_set("max_region_mb", 1);
	is_int(kumem_buffered_checksum(dev, buf, (1 << 20) + 1, &sum), -E2BIG,
	       "buffered over max_region_mb -> E2BIG");
	is_int(kumem_direct_checksum(dev, buf, (1 << 20) + 1, &sum), -E2BIG,
	       "direct over max_region_mb -> E2BIG");
	ok(kumem_direct_checksum(dev, buf, 1 << 20, &sum) == 0, "exactly the limit is fine");
	param_set("max_region_mb", old);

	munmap(buf, (16 << 20) + 4096);
	footprint(dev);
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
