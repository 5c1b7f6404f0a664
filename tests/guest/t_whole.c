// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: registering another process, whole. The operator
 * registers a process that never called pshare; its private anonymous
 * memory is registered, present and future, and merges within its own
 * domain. Without the right to ptrace it, an unprivileged caller gets
 * EPERM, and an unknown pid ESRCH.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define N	64	/* 32 contents, twice */

static uint64_t seed(int i)
{
	return 500 + i % 32;
}

static int target(unsigned long cmd, pid_t pid)
{
	struct pshare_target t = { .pid = pid };

	return ioctl(t_pshare_fd(), cmd, &t);
}

/* As user 65534, with /dev/pshare already open: EPERM on @victim. */
static int unprivileged(pid_t victim)
{
	struct pshare_proc_info info[4];
	struct pshare_list l = { .procs = (uintptr_t)info, .count = 4 };
	struct pshare_target t = { .pid = victim,
				   .flags = PSHARE_TARGET_ENABLE };
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int bad = 0;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		bad += target(PSHARE_IOC_REGISTER_TARGET, victim) != -1 ||
		       errno != EPERM;
		bad += target(PSHARE_IOC_UNREGISTER_TARGET, victim) != -1 ||
		       errno != EPERM;
		bad += ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t) != -1 ||
		       errno != EPERM;
		bad += ioctl(t_pshare_fd(), PSHARE_IOC_LIST, &l) != -1 ||
		       errno != EPERM;
		/* Its own memory it may register: the open was the gate. */
		bad += target(PSHARE_IOC_REGISTER_TARGET, 0) != 0;
		bad += target(PSHARE_IOC_UNREGISTER_TARGET, 0) != 0;
		_exit(bad);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	struct pshare_target t = { 0 };
	struct pshare_proc_info info;
	struct t_peer peer;
	pid_t gone;
	long before;
	int i, rc;

	t_start("whole");
	t_fast_scan();
	CHECK(t_pshare_fd() >= 0, "open");
	CHECK(t_peer_start(&peer, N, seed, 0, 0) == 0, "peer");
	CHECK(t_list_find(peer.pid, &info) == -1, "peer listed before");

	CHECK(target(PSHARE_IOC_REGISTER_TARGET, peer.pid) == 0,
	      "register the peer whole");
	CHECK(t_list_find(peer.pid, &info) == 0 &&
	      (info.flags & PSHARE_PROC_WHOLE) && info.registered >= N,
	      "peer: flags %#x registered %llu", info.flags,
	      (unsigned long long)info.registered);
	before = info.registered;
	printf("  whole peer: %ld pages in %u registrations\n", before,
	       info.nr_ranges);
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_peer_cmd(&peer, 'k') == N, "peer KSM pages %ld, want %d",
	      t_peer_cmd(&peer, 'k'), N);

	/* Future memory: a new mapping is registered within a second or two. */
	CHECK(t_peer_cmd(&peer, 'n') == 0, "peer maps more");
	for (i = 0; i < 100; i++) {
		if (t_list_find(peer.pid, &info) == 0 &&
		    (long)info.registered >= before + N)
			break;
		usleep(50000);
	}
	CHECK((long)info.registered >= before + N,
	      "new mapping not registered: %llu", (unsigned long long)info.registered);
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_peer_cmd(&peer, 'K') == N, "new mapping KSM pages %ld",
	      t_peer_cmd(&peer, 'K'));

	rc = unprivileged(peer.pid);
	CHECK(rc == 0, "unprivileged caller: %d wrong answers", rc);

	/* Unregister: everything unmerged, the entry gone, content intact. */
	CHECK(target(PSHARE_IOC_UNREGISTER_TARGET, peer.pid) == 0, "unregister");
	CHECK(t_list_find(peer.pid, &info) == -1, "still listed");
	CHECK(t_peer_cmd(&peer, 'k') == 0 && t_peer_cmd(&peer, 'K') == 0,
	      "KSM pages after unregister");
	CHECK(t_peer_cmd(&peer, 'v') == 0 && t_peer_cmd(&peer, 'V') == 0,
	      "content");
	CHECK_ERRNO(target(PSHARE_IOC_UNREGISTER_TARGET, peer.pid), ENOENT);

	gone = peer.pid;
	t_peer_stop(&peer);
	CHECK_ERRNO(target(PSHARE_IOC_REGISTER_TARGET, gone), ESRCH);
	CHECK_ERRNO(target(PSHARE_IOC_REGISTER_TARGET, -5), EINVAL);
	t.flags = 1;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER_TARGET, &t), EINVAL);
	t.flags = 0;
	t.weight = 10001;	/* above the maximum, 10000 */
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER_TARGET, &t), EINVAL);
	t.weight = 0;
	t.start = 4096;
	t.length = 100;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER_TARGET, &t), EINVAL);
	CHECK(t_wait_stat("metadata_bytes", 0, 30) == 0, "metadata freed");
	return t_end();
}
