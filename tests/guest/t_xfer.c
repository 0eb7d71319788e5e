// SPDX-License-Identifier: MIT
/* Buffered and direct transfers: same checksum as user space, and their errors. */
#include "guest_util.h"

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
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
