// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: run=2 unmerges everything; rmmod while pages are
 * merged is refused (-EBUSY) and harms nothing; after run=2 it succeeds,
 * and the memory keeps its content through unload and reload.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	2048

static int verify(char *mem)
{
	int i, bad = 0;

	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, i % 3 ? 60 + i % 16 : 0);
	return bad;
}

int main(void)
{
	char *mem = t_map(N), cmd[256];
	const char *ko = getenv("PSHARE_KO");
	int i;

	t_start("unmerge");
	t_fast_scan();
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, i % 3 ? 60 + i % 16 : 0);
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_count_ksm(mem, N) > 0, "nothing merged");

	CHECK(t_sysfs_set("run", 2) == 0, "run=2: %s", strerror(errno));
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	CHECK(t_count_ksm(mem, N) == 0, "%d KSM pages after run=2", t_count_ksm(mem, N));
	CHECK(verify(mem) == 0, "content after run=2");

	CHECK(t_sysfs_set("run", 1) == 0, "run=1");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_count_ksm(mem, N) > 0, "nothing merged again");

	/*
	 * Merged pages hold the module: rmmod is refused, nothing breaks.
	 * Close /dev/pshare first, which holds the module by itself; the
	 * registration belongs to the address space and stays.
	 */
	t_pshare_close();
	CHECK(system("rmmod pshare 2>/dev/null") != 0,
	      "rmmod succeeded with merged pages");
	CHECK(verify(mem) == 0, "content after refused rmmod");

	CHECK(t_sysfs_set("run", 2) == 0, "run=2");
	/*
	 * A merged page that lost its last mapping may still sit in the swap
	 * cache or an LRU batch (earlier tests swap): its node holds the
	 * module until pshared sees the page go, within seconds.
	 */
	for (i = 0; i < 40 && system("rmmod pshare 2>/dev/null"); i++)
		usleep(500000);
	CHECK(i < 40, "rmmod after run=2 refused for 20 s");
	if (i)
		printf("  rmmod after run=2 took %d retries\n", i);
	CHECK(t_count_ksm(mem, N) == 0, "KSM pages after rmmod");
	CHECK(verify(mem) == 0, "content after rmmod");
	snprintf(cmd, sizeof(cmd), "insmod %s", ko ? ko : "/lib/pshare/pshare.ko");
	CHECK(system(cmd) == 0, "insmod");
	CHECK(verify(mem) == 0, "content after insmod");
	return t_end();
}
