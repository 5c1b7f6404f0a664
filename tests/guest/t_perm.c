// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest helper: can a process with uid @uid and only group @gid
 * open /dev/pshare?
 *
 *   t_perm UID GID ok|EPERM
 *
 * Exit 0 if the outcome is the expected one.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;
	int fd, err, want_ok;

	if (argc != 4)
		return 2;
	uid = atoi(argv[1]);
	gid = atoi(argv[2]);
	want_ok = !strcmp(argv[3], "ok");
	if (setgroups(1, &gid) || setgid(gid) || setuid(uid))
		return 2;
	fd = open("/dev/pshare", O_RDWR);
	err = fd < 0 ? errno : 0;
	printf("  uid %u gid %u: open /dev/pshare: %s\n", uid, gid,
	       err ? strerror(err) : "ok");
	if (fd >= 0)
		close(fd);
	return want_ok ? err != 0 : err != EPERM;
}
