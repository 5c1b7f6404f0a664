// SPDX-License-Identifier: GPL-2.0-only
/* pshare guest tests: the harness behind tlib.h. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "tlib.h"

int t_failures;
const char *t_name = "test";

void t_start(const char *name)
{
	t_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Exit status for the guest runner: 0 pass, 1 fail. */
int t_end(void)
{
	printf("  %s: %s (%d failed checks)\n", t_name,
	       t_failures ? "FAILED" : "passed", t_failures);
	return t_failures ? 1 : 0;
}

/* Read a small file; returns bytes read or -1 with errno set. */
int t_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

long t_read_long(const char *path)
{
	char buf[64];

	if (t_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Write a string as one write(); returns 0 or -1 with errno set. */
int t_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

long t_sysfs(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/mm/pshare/%s", name);
	return t_read_long(path);
}

int t_sysfs_set(const char *name, long val)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), "/sys/kernel/mm/pshare/%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	return t_write_file(path, buf);
}
