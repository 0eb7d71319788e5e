// SPDX-License-Identifier: MIT
/*
 * In the guest, after a real udevd applied dist/60-kumem.rules: /dev/kumem belongs to group
 * kumem with mode 0660, a member of kumem opens it, any other uid gets EACCES. Linked
 * against the installed libkumem.so.1. Prints TAP; run as root (it drops to the test users).
 *
 *   udev_access KUMEM_GID MEMBER_UID OTHER_UID
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kumem/kumem.h>

static int test_no;
static int failures;

static void report(int ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", ++test_no, what);
	failures += !ok;
}

/* kumem_open()'s result as @uid (in group @gid only, or in no group when @gid < 0). */
static int open_as(uid_t uid, long gid)
{
	int status, err;
	gid_t g = (gid_t)gid;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		kumem_t *dev;

		if (setgroups(gid < 0 ? 0 : 1, &g) || setgid(gid < 0 ? uid : g) || setuid(uid))
			_exit(100);
		err = kumem_open(&dev);
		if (!err)
			kumem_close(dev);
		_exit(-err); /* 0, or the errno: they all fit an exit status */
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1000;
	return WEXITSTATUS(status) == 100 ? -1000 : -WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	long kumem_gid, member, other;
	struct stat st;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: udev_access KUMEM_GID MEMBER_UID OTHER_UID\n");
		return 2;
	}
	kumem_gid = atol(argv[1]);
	member = atol(argv[2]);
	other = atol(argv[3]);
	printf("1..4\n");
	err = stat("/dev/kumem", &st);
	report(!err && st.st_gid == (gid_t)kumem_gid, "/dev/kumem belongs to group kumem");
	report(!err && (st.st_mode & 07777) == 0660, "/dev/kumem has mode 0660");
	err = open_as((uid_t)member, kumem_gid);
	if (err)
		printf("# member: %s\n", kumem_strerror(err));
	report(err == 0, "a member of kumem (not root) opens /dev/kumem");
	err = open_as((uid_t)other, -1);
	printf("# other uid: %d (%s)\n", err, kumem_strerror(err));
	report(err == -EACCES, "another uid gets EACCES");
	return failures ? 1 : 0;
}
