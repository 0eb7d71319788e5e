// SPDX-License-Identifier: MIT
/* Every bad input gets its exact errno, and the driver's counters do not move. */
#include <sys/resource.h>

#include "guest_util.h"

static kumem_t *dev;
static struct kumem_stats base;
static int fd;

/* after each bad call: nothing held */
#define EXPECT(call, want, ...)                                                                    \
	do {                                                                                       \
		struct kumem_stats now_;                                                           \
		is_int((call), (want), __VA_ARGS__);                                               \
		now_ = stats_now(dev);                                                             \
		if (!stats_same(&now_, &base))                                                     \
			ok(0, "  counters moved after: " __VA_ARGS__);                             \
	} while (0)

static int lock_args(uint64_t addr, uint64_t len, uint32_t flags, uint64_t r0, uint64_t r1)
{
	struct kumem_lock_args a = { .addr = addr, .len = len, .flags = flags };

	a.reserved[0] = r0;
	a.reserved[1] = r1;
	return rioctl(fd, KUMEM_IOC_LOCK_USER, &a);
}

static int alloc_args(uint64_t len, uint32_t flags, uint64_t r0)
{
	struct kumem_alloc_args a = { .len = len, .flags = flags };

	a.reserved[0] = r0;
	return rioctl(fd, KUMEM_IOC_ALLOC_SHARED, &a);
}

struct memlock_case {
	int fd;
	int method;
};

/* child: drop privileges, shrink RLIMIT_MEMLOCK to 64 KiB, then exceed it */
static int memlock_child(void *arg)
{
	const struct memlock_case *c = arg;
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct kumem_alloc_args a;
	uint8_t *p = anon(32 * 4096, PROT_READ | PROT_WRITE, true);
	uint32_t id = 0, id2 = 0;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) || setuid(65534))
		return 10;
	if (c->method == 1) {
		if (raw_lock(c->fd, p, 17 * 4096, KUMEM_KERNEL_READ, &id) != -EDQUOT)
			return 11;
		if (raw_lock(c->fd, p, 16 * 4096, KUMEM_KERNEL_READ, &id) != 0)
			return 12;
		/* the limit is shared by every region of the user */
		if (raw_lock(c->fd, p, 4096, KUMEM_KERNEL_READ, &id2) != -EDQUOT)
			return 13;
		if (raw_release(c->fd, id))
			return 14;
	} else {
		if (raw_alloc(c->fd, 17 * 4096, KUMEM_USER_READ, &a) != -EDQUOT)
			return 21;
		if (raw_alloc(c->fd, 8 * 4096, KUMEM_USER_READ, &a) != 0)
			return 22;
		id = a.id;
		if (raw_alloc(c->fd, 9 * 4096, KUMEM_USER_READ, &a) != -EDQUOT)
			return 23;
		if (raw_release(c->fd, id))
			return 24;
	}
	return 0;
}

int main(void)
{
	struct kumem_alloc_args aa;
	struct kumem_describe_args d;
	kumem_region_t *r;
	uint8_t *buf, *ro;
	uint32_t id = 0, rid = 0, other = 0;
	uint64_t sum;
	long old;
	int fd2, i;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	fd = raw_open();
	buf = anon(8 * 4096, PROT_READ | PROT_WRITE, true);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* method 1 */
	EXPECT(lock_args(0, 4096, KUMEM_KERNEL_READ, 0, 0), -EFAULT, "lock NULL -> EFAULT");
	EXPECT(lock_args((uintptr_t)buf + 4 * 4096 * 1024ull * 1024, 4096, KUMEM_KERNEL_READ, 0, 0),
	       -EFAULT, "lock unmapped memory -> EFAULT");
	EXPECT(lock_args(0xffff888000000000ull, 4096, KUMEM_KERNEL_READ, 0, 0), -EFAULT,
	       "lock a kernel address -> EFAULT");
	EXPECT(lock_args((uintptr_t)buf, 0, KUMEM_KERNEL_READ, 0, 0), -EINVAL,
	       "lock len 0 -> EINVAL");
	EXPECT(lock_args((uintptr_t)buf, UINT64_MAX, KUMEM_KERNEL_READ, 0, 0), -EOVERFLOW,
	       "lock a wrapping range -> EOVERFLOW");
	EXPECT(lock_args((uintptr_t)buf, (1025ull << 20), KUMEM_KERNEL_READ, 0, 0), -E2BIG,
	       "lock over max_region_mb -> E2BIG");
	EXPECT(lock_args((uintptr_t)buf, 4096, 0, 0, 0), -EINVAL,
	       "lock without access flags -> EINVAL");
	EXPECT(lock_args((uintptr_t)buf, 4096, 0x100, 0, 0), -EINVAL,
	       "lock unknown flag -> EINVAL");
	EXPECT(lock_args((uintptr_t)buf, 4096, KUMEM_USER_READ, 0, 0), -EINVAL,
	       "lock with a USER flag -> EINVAL");
	EXPECT(lock_args((uintptr_t)buf, 4096, KUMEM_KERNEL_READ, 1, 0), -EINVAL,
	       "lock reserved[0] != 0 -> EINVAL");
	EXPECT(lock_args((uintptr_t)buf, 4096, KUMEM_KERNEL_READ, 0, 1), -EINVAL,
	       "lock reserved[1] != 0 -> EINVAL");
	EXPECT(lock_args((uintptr_t)ro, 4096, KUMEM_KERNEL_WRITE, 0, 0), -EFAULT,
	       "KERNEL_WRITE on a PROT_READ mapping -> EFAULT");
	EXPECT(kumem_lock_user(dev, NULL, 10, KUMEM_KERNEL_READ, &r), -EFAULT,
	       "libkumem: lock NULL -> EFAULT");
	EXPECT(kumem_lock_user(dev, buf, 0, KUMEM_KERNEL_READ, &r), -EINVAL,
	       "libkumem: lock len 0 -> EINVAL");
	ok(r == NULL, "a failed call leaves *out NULL");

	/* method 2 */
	EXPECT(alloc_args(0, KUMEM_USER_READ, 0), -EINVAL, "alloc len 0 -> EINVAL");
	EXPECT(alloc_args(UINT64_MAX - 10, KUMEM_USER_READ, 0), -EOVERFLOW,
	       "alloc len that wraps when rounded -> EOVERFLOW");
	EXPECT(alloc_args(1025ull << 20, KUMEM_USER_READ, 0), -E2BIG,
	       "alloc over the limit -> E2BIG");
	EXPECT(alloc_args(4096, 0, 0), -EINVAL, "alloc without flags -> EINVAL");
	EXPECT(alloc_args(4096, KUMEM_USER_WRITE, 0), -EINVAL, "alloc write-only -> EINVAL");
	EXPECT(alloc_args(4096, KUMEM_USER_READ | KUMEM_KERNEL_READ, 0), -EINVAL,
	       "alloc with a KERNEL flag -> EINVAL");
	EXPECT(alloc_args(4096, KUMEM_USER_READ | 0x8000, 0), -EINVAL,
	       "alloc unknown flag -> EINVAL");
	EXPECT(alloc_args(4096, KUMEM_USER_READ, 5), -EINVAL, "alloc reserved != 0 -> EINVAL");

	/* ids */
	is_int(raw_lock(fd, buf, 3 * 4096, KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE, &id), 0,
	       "lock a region to aim at");
	is_int(raw_alloc(fd, 4096, KUMEM_USER_READ, &aa), 0, "and allocate one");
	rid = aa.id;
	base = stats_now(dev);
	EXPECT(raw_release(fd, 0), -ENOENT, "release id 0 -> ENOENT");
	EXPECT(raw_release(fd, 999999), -ENOENT, "release unknown id -> ENOENT");
	{
		struct kumem_region_ref ref = { .id = id, .reserved = 1 };

		EXPECT(rioctl(fd, KUMEM_IOC_RELEASE, &ref), -EINVAL,
		       "release reserved != 0 -> EINVAL");
	}
	fd2 = raw_open();
	is_int(raw_lock(fd2, buf, 4096, KUMEM_KERNEL_READ, &other), 0, "a region on another fd");
	base = stats_now(dev);
	if (other == id) /* ids are per fd: make sure we aim at one this fd does not have */
		other = id + 1000;
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, other + 500, 0, 1, 0, &sum), -ENOENT,
	       "checksum of an id this fd does not have -> ENOENT");
	EXPECT(raw_release(fd2, rid), -ENOENT, "release of another fd's id -> ENOENT");
	EXPECT(raw_op(fd2, KUMEM_IOC_KERNEL_FILL, rid, 0, 1, 0, NULL), -ENOENT,
	       "fill through another fd -> ENOENT");
	close(fd2);
	base = stats_now(dev);

	/* offsets */
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_FILL, id, 3 * 4096, 1, 0, NULL), -ERANGE,
	       "fill past the end -> ERANGE");
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_FILL, id, 1, 3 * 4096, 0, NULL), -ERANGE,
	       "fill reaching past the end -> ERANGE");
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, id, 8, UINT64_MAX - 4, 0, &sum), -ERANGE,
	       "checksum with offset+len overflowing -> ERANGE");
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, id, UINT64_MAX, 2, 0, &sum), -ERANGE,
	       "checksum at offset UINT64_MAX -> ERANGE");
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_FILL, id, 0, 1, 256, NULL), -EINVAL,
	       "fill value 256 -> EINVAL");
	EXPECT(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, id, 0, 1, 1, &sum), -EINVAL,
	       "checksum with a value -> EINVAL");
	ok(raw_op(fd, KUMEM_IOC_KERNEL_CHECKSUM, id, 3 * 4096, 0, 0, &sum) == 0,
	   "empty range at the very end is fine");
	memset(&d, 0, sizeof(d));
	d.id = id;
	d.max_pfns = 3;
	EXPECT(rioctl(fd, KUMEM_IOC_DESCRIBE, &d), -EINVAL,
	       "describe max_pfns without a pointer -> EINVAL");
	d.pfns = 8;
	EXPECT(rioctl(fd, KUMEM_IOC_DESCRIBE, &d), -EFAULT,
	       "describe PFNs into a bad pointer -> EFAULT");
	EXPECT(rioctl(fd, KUMEM_IOC_DESCRIBE, (void *)16), -EFAULT,
	       "describe from a bad pointer -> EFAULT");

	/* per-fd limits */
	old = param_get("max_fd_regions");
	param_set("max_fd_regions", 4);
	{
		uint32_t ids[4] = { 0 };
		int got = 0;

		for (i = 0; i < 4; i++)
			if (raw_lock(fd, buf, 4096, KUMEM_KERNEL_READ, &ids[i]) == 0)
				got++;
		is_int(got, 2, "max_fd_regions 4: two more regions fit beside the two held");
		base = stats_now(dev);
		EXPECT(raw_lock(fd, buf, 4096, KUMEM_KERNEL_READ, &ids[3]), -ENOSPC,
		       "the fifth -> ENOSPC");
		EXPECT(alloc_args(4096, KUMEM_USER_READ, 0), -ENOSPC, "alloc too -> ENOSPC");
		for (i = 0; i < 4; i++)
			if (ids[i])
				raw_release(fd, ids[i]);
	}
	param_set("max_fd_regions", old);
	old = param_get("max_fd_mb");
	param_set("max_fd_mb", 1);
	base = stats_now(dev);
	EXPECT(alloc_args((1 << 20) - 4096 * 3, KUMEM_USER_READ, 0), -EDQUOT,
	       "max_fd_mb 1 with 16 KiB held: ~1 MiB more -> EDQUOT");
	param_set("max_fd_mb", old);

	raw_release(fd, id);
	raw_release(fd, rid);
	base = stats_now(dev);

	/* RLIMIT_MEMLOCK for an unprivileged user */
	{
		struct memlock_case c = { .fd = fd, .method = 1 };

		is_int(in_child(memlock_child, &c), 0,
		       "non-root, RLIMIT_MEMLOCK 64 KiB: method 1 over it -> EDQUOT, under it "
		       "works");
		c.method = 2;
		is_int(in_child(memlock_child, &c), 0,
		       "non-root, RLIMIT_MEMLOCK 64 KiB: method 2 over it -> EDQUOT, under it "
		       "works");
	}
	/* the children's regions live on the shared fd until we close it */
	close(fd);
	munmap(buf, 8 * 4096);
	munmap(ro, 4096);
	stats_check(dev, &base, "at the end");
	kumem_close(dev);
	return tap_done();
}
