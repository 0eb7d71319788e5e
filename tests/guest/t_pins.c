// SPDX-License-Identifier: MIT
/*
 * What a lock (method 1) may pin and how: a read lock over a range that is partly read-only
 * pins each vma the right way (never the zero page for memory the process writes later), and
 * long-term pins of file page cache are refused except for shmem and hugetlbfs, on a
 * RAM-backed filesystem here and on ext4 on a virtio disk when the harness provides one.
 * Transfers pin for one call only and may use such files.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "guest_util.h"

#define PG 4096

static kumem_t *dev;

/*
 * Three untouched pages, page @ro read-only, the others writable: a read lock of all three,
 * then the process writes the writable ones and the kernel must see those bytes. Before the
 * fix the whole range fell back to a read-only pin: zero pages, and a wrong checksum.
 */
static void mixed_range(int ro)
{
	static const char *const where[] = { "first", "middle", "last" };
	uint8_t *p = anon(3 * PG, PROT_READ | PROT_WRITE, false);
	kumem_region_t *r;
	uint64_t sum = 0;
	int i, err;

	if (mprotect(p + ro * PG, PG, PROT_READ))
		bail_out("mprotect: %s", strerror(errno));
	err = kumem_lock_user(dev, p, 3 * PG, KUMEM_KERNEL_READ, &r);
	if (!is_int(err, 0, "read lock of 3 pages, the %s read-only", where[ro]))
		goto out;
	for (i = 0; i < 3; i++)
		if (i != ro)
			fill_pattern(p + i * PG, PG, (unsigned int)i + 1);
	is_int(kumem_kernel_checksum(r, 0, 3 * PG, &sum), 0, "kernel checksum (%s read-only)",
	       where[ro]);
	ok(sum == kumem_checksum(p, 3 * PG),
	   "the kernel sees the process's later writes (%s page read-only)", where[ro]);
	kumem_region_release(r);
	/* a write lock still needs every page writable */
	is_int(kumem_lock_user(dev, p, 3 * PG, KUMEM_KERNEL_WRITE, &r), -EFAULT,
	       "write lock with the %s page read-only -> EFAULT", where[ro]);
out:
	munmap(p, 3 * PG);
}

/* Lock @len bytes of @fd mapped MAP_SHARED (or MAP_PRIVATE): 0 or -errno. */
static int lock_file_map(int fd, size_t len, int map, unsigned flags)
{
	kumem_region_t *r;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, map, fd, 0);
	int err;

	if (p == MAP_FAILED)
		bail_out("mmap file: %s", strerror(errno));
	p[0] = 1; /* page cache (or a private copy) behind the first page at least */
	err = kumem_lock_user(dev, p, len, flags, &r);
	if (!err)
		kumem_region_release(r);
	munmap(p, len);
	return err;
}

static int new_file(const char *dir, const char *name, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		bail_out("create %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)len))
		bail_out("ftruncate %s: %s", path, strerror(errno));
	return fd;
}

/* Page cache of a filesystem that is not shmem: refused for regions, fine for transfers. */
static void page_cache_refused(const char *dir, const char *fs)
{
	const unsigned rw = KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE;
	int fd = new_file(dir, "kumem-pin-test", 4 * PG);
	uint64_t sum = 0;
	uint8_t *p;

	is_int(lock_file_map(fd, 4 * PG, MAP_SHARED, rw), -EOPNOTSUPP,
	       "%s MAP_SHARED, read-write lock -> EOPNOTSUPP", fs);
	is_int(lock_file_map(fd, 4 * PG, MAP_SHARED, KUMEM_KERNEL_READ), -EOPNOTSUPP,
	       "%s MAP_SHARED, read lock -> EOPNOTSUPP", fs);
	is_int(lock_file_map(fd, 4 * PG, MAP_PRIVATE, KUMEM_KERNEL_READ), -EOPNOTSUPP,
	       "%s MAP_PRIVATE, read lock -> EOPNOTSUPP", fs);
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		bail_out("mmap: %s", strerror(errno));
	fill_pattern(p, 4 * PG, 9);
	ok(kumem_direct_checksum(dev, p + 5, 4 * PG - 5, &sum) == 0 &&
		   sum == kumem_checksum(p + 5, 4 * PG - 5),
	   "%s MAP_SHARED: a direct transfer (pinned for one call) still works", fs);
	munmap(p, 4 * PG);
	close(fd);
}

/* shmem in all its forms may be pinned long-term. */
static void shmem_allowed(void)
{
	const unsigned rw = KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE;
	int fd = memfd_create("kumem-pin", MFD_CLOEXEC);
	kumem_region_t *r = NULL;
	uint8_t *p;

	if (fd < 0 || ftruncate(fd, 4 * PG))
		bail_out("memfd: %s", strerror(errno));
	is_int(lock_file_map(fd, 4 * PG, MAP_SHARED, rw), 0, "memfd MAP_SHARED: lock allowed");
	close(fd);
	fd = new_file("/tmp", "kumem-pin-tmpfs", 4 * PG); /* the harness mounts tmpfs there */
	is_int(lock_file_map(fd, 4 * PG, MAP_SHARED, rw), 0, "tmpfs file MAP_SHARED: allowed");
	close(fd);
	unlink("/tmp/kumem-pin-tmpfs");
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bail_out("mmap: %s", strerror(errno));
	is_int(kumem_lock_user(dev, p, 4 * PG, rw, &r), 0, "MAP_SHARED|MAP_ANONYMOUS: allowed");
	if (r)
		kumem_region_release(r);
	munmap(p, 4 * PG);
}

/* Is @dir a mount point of filesystem type @type? */
static bool mounted(const char *dir, const char *type)
{
	char line[512], want[300];
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	snprintf(want, sizeof(want), " %s %s ", dir, type);
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	static const char ramfs_dir[] = "/tmp/kumem-ramfs";
	static const char ext4_dir[] = "/mnt/kumem-ext4"; /* scripts/guest-run mounts it */
	struct kumem_stats base;
	int ro;

	tap_header();
	dev = open_or_bail();
	base = stats_now(dev);
	for (ro = 0; ro < 3; ro++)
		mixed_range(ro);
	shmem_allowed();
	/* ramfs: page cache that is not shmem, in every kernel without a disk */
	mkdir(ramfs_dir, 0700);
	if (mount("ramfs", ramfs_dir, "ramfs", 0, NULL))
		bail_out("mount ramfs: %s", strerror(errno));
	page_cache_refused(ramfs_dir, "ramfs");
	umount(ramfs_dir);
	if (mounted(ext4_dir, "ext4"))
		page_cache_refused(ext4_dir, "ext4");
	else
		diag("NOT RUN: ext4 cases (no ext4 at %s; the harness reports why)", ext4_dir);
	stats_check(dev, &base, "after the pins");
	kumem_close(dev);
	return tap_done();
}
