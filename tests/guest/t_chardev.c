// SPDX-License-Identifier: GPL-2.0-only
/* pshare guest test: /dev/pshare exists, answers VERSION, rejects the rest. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pshare.h>
#include "tlib.h"

int main(void)
{
	struct pshare_version v;
	struct stat st;
	int fd;

	t_start("chardev");
	CHECK(stat("/dev/pshare", &st) == 0, "stat: %s", strerror(errno));
	CHECK(S_ISCHR(st.st_mode), "mode %o is not a char device", st.st_mode);
	CHECK(major(st.st_rdev) == 10, "major %u, want 10 (misc)",
	      major(st.st_rdev));
	CHECK((st.st_mode & 0777) == 0600, "permissions %o, want 600",
	      st.st_mode & 0777);

	fd = open("/dev/pshare", O_RDWR);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	if (fd < 0)
		return t_end();

	memset(&v, 0xff, sizeof(v));
	CHECK(ioctl(fd, PSHARE_IOC_VERSION, &v) == 0, "VERSION: %s",
	      strerror(errno));
	CHECK(v.abi == PSHARE_ABI_VERSION, "abi %u", v.abi);
	CHECK(v.features == (PSHARE_FEATURE_RATE | PSHARE_FEATURE_DOMAINS),
	      "features %#x", v.features);
	CHECK(memchr(v.module_version, 0, sizeof(v.module_version)) != NULL,
	      "version string not terminated");
	printf("  module version %s, ABI %u\n", v.module_version, v.abi);

	/* A bad pointer is -EFAULT; an unknown command is -ENOTTY. */
	CHECK_ERRNO(ioctl(fd, PSHARE_IOC_VERSION, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, PSHARE_IOC_VERSION,
			  (void *)0xffff888000000000UL), EFAULT);
	CHECK_ERRNO(ioctl(fd, _IO(PSHARE_IOC_MAGIC, 0x7f), 0), ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IO('x', 1), 0), ENOTTY);
	close(fd);

	/* Only root may open it: drop to nobody and try. */
	if (fork() == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open("/dev/pshare", O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	} else {
		int status;

		wait(&status);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "an unprivileged open was not refused with EACCES");
	}
	return t_end();
}
