// SPDX-License-Identifier: MIT
/* The device answers: ABI version, page size; bad ioctls fail cleanly. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kumem/kumem.h>
#include "tap.h"

int main(void)
{
	struct kumem_info info;
	struct stat st;
	kumem_t *dev;
	int fd, err;

	tap_header();
	ok(stat("/dev/kumem", &st) == 0 && S_ISCHR(st.st_mode), "/dev/kumem is a character device");
	is_int(st.st_mode & 0777, 0600, "/dev/kumem has mode 0600");

	err = kumem_open(&dev);
	if (!is_int(err, 0, "kumem_open"))
		bail_out("cannot open /dev/kumem: %s", kumem_strerror(err));
	is_int(kumem_info(dev, &info), 0, "kumem_info");
	is_int(info.abi_version, KUMEM_ABI_VERSION, "ABI version is %u", KUMEM_ABI_VERSION);
	is_int(info.page_size, sysconf(_SC_PAGESIZE), "page size matches the system's");
	ok(info.max_region_bytes >= (64u << 20), "max region >= 64 MiB (%llu)",
	   (unsigned long long)info.max_region_bytes);
	kumem_close(dev);

	fd = open("/dev/kumem", O_RDWR);
	ok(fd >= 0, "open(/dev/kumem)");
	errno = 0;
	is_int(ioctl(fd, _IO(KUMEM_IOC_MAGIC, 0x7f), 0) < 0 ? -errno : 0, -ENOTTY,
	       "unknown ioctl number -> ENOTTY");
	is_int(ioctl(fd, _IO('x', 1), 0) < 0 ? -errno : 0, -ENOTTY, "foreign ioctl type -> ENOTTY");
	is_int(ioctl(fd, KUMEM_IOC_VERSION, (void *)8) < 0 ? -errno : 0, -EFAULT,
	       "VERSION into a bad pointer -> EFAULT");
	is_int(ioctl(fd, KUMEM_IOC_VERSION, (void *)0xffff888000000000ull) < 0 ? -errno : 0,
	       -EFAULT, "VERSION into a kernel address -> EFAULT");
	is_int(ioctl(fd, KUMEM_IOC_LOCK_USER, NULL) < 0 ? -errno : 0, -EFAULT,
	       "LOCK_USER from a NULL argument -> EFAULT");
	close(fd);

	setenv("KUMEM_DEVICE", "/dev/nonexistent-kumem", 1);
	is_int(kumem_open(&dev), -ENOENT, "KUMEM_DEVICE names a missing node -> ENOENT");
	unsetenv("KUMEM_DEVICE");
	return tap_done();
}
