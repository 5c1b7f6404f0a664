// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: merged pages swap out to zram through the kernel's own
 * KSM rmap walk, and swap back in with the right content.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tlib.h"

#define N	4096	/* 16 MiB: 32 contents x 128 copies */

static long vmstat(const char *name)
{
	char buf[8192], *p;
	size_t len = strlen(name);

	if (t_read_file("/proc/vmstat", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return atol(p + len + 1);
	return -1;
}

int main(void)
{
	char pid[32], *mem;
	int i, out = 0, bad = 0, round;
	long before;

	t_start("swap");
	if (t_read_long("/sys/block/zram0/disksize") <= 0) {
		printf("  no zram swap in this guest\n");
		return 77;
	}
	/* A memory cgroup of our own, so that we can reclaim just it. */
	mkdir("/sys/fs/cgroup/pshare-swap", 0755);
	CHECK(t_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory") == 0,
	      "enable memory controller: %s", strerror(errno));
	snprintf(pid, sizeof(pid), "%d", getpid());
	CHECK(t_write_file("/sys/fs/cgroup/pshare-swap/cgroup.procs", pid) == 0,
	      "join cgroup: %s", strerror(errno));

	t_fast_scan();
	mem = t_map(N);
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, 500 + i % 32);
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 32);

	/*
	 * Merging left only 32 pages, active and referenced: one reclaim may
	 * only age them, so ask again until merged mappings reach swap.
	 */
	before = vmstat("pswpout");
	for (round = 0; round < 10 && !out; round++) {
		if (t_write_file("/sys/fs/cgroup/pshare-swap/memory.reclaim",
				 "64M") && errno != EAGAIN)
			printf("  memory.reclaim: %s\n", strerror(errno));
		for (i = 0; i < N; i++)
			out += (t_pagemap(mem + i * PAGE_SZ) >> 62) & 1;
	}
	printf("  %d reclaim rounds\n", round);
	printf("  pswpout +%ld, %d of %d merged mappings now in swap\n",
	       vmstat("pswpout") - before, out, N);
	CHECK(vmstat("pswpout") > before, "nothing was swapped out");
	CHECK(out > 0, "no merged page was swapped out");

	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, 500 + i % 32);
	CHECK(bad == 0, "%d pages wrong after swap-in", bad);
	/* Swap-in gives private copies; pshare merges them again. */
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("pages_shared", 32);
	t_expect_stat("pages_sharing", N - 32);
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, 500 + i % 32);
	CHECK(bad == 0, "%d pages wrong after merging again", bad);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	t_write_file("/sys/fs/cgroup/cgroup.procs", pid);
	rmdir("/sys/fs/cgroup/pshare-swap");
	return t_end();
}
