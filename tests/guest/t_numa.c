// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: pages that automatic NUMA balancing made PROT_NONE
 * (NUMA hinting entries) merge and unmerge like any other.
 *
 * NUMA balancing (numa_balancing = 1; the test guest has two nodes,
 * numa=fake=2) periodically turns the PTEs and PMDs of a running process
 * into PROT_NONE entries, to learn from the faults where its memory is
 * used; a process that does not touch its memory keeps them: the idle VM
 * that page sharing is for. Debian 12's 6.1 follow_page() returns nothing
 * for such an entry unless asked with FOLL_FORCE (the kernel's KSM has the
 * same blind spot there), so pshare saw those pages as not mapped: it
 * merged none of them, and could not have broken a merged one.
 *
 * The test fills 4 MiB of 4 KiB pages (each content twice) and 4 MiB of
 * huge pages (two THPs of the same contents), spins without touching
 * them until NUMA balancing has marked them all (/proc/vmstat
 * numa_pte_updates and numa_huge_pte_updates), registers them, and checks
 * that every page merges (thp_split = always), that run = 2 unmerges every
 * page (some KSM pages are still PROT_NONE mappings then), and that every
 * page keeps its content. The process has a second thread: NUMA balancing
 * leaves alone the pages of a single-threaded process that are already on
 * the node it runs on.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	1024		/* 4 KiB pages: 512 contents, twice each */
#define NH	1024		/* in two THPs: 512 contents, twice each */
#define DIR	"/sys/kernel/mm/pshare/"
#define NB_DIR	"/sys/kernel/debug/sched/numa_balancing/"

static uint64_t seed_small(int i)
{
	return 7000 + i % (N / 2);
}

static uint64_t seed_huge(int i)
{
	return 9000 + i % 512;
}

static int verify(char *small, char *huge, int nh)
{
	int i, bad = 0;

	for (i = 0; i < N; i++)
		bad += !t_check(small + i * PAGE_SZ, seed_small(i));
	for (i = 0; i < nh; i++)
		bad += !t_check(huge + i * PAGE_SZ, seed_huge(i));
	return bad;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Keep the CPU busy, touching only the stack, for about @ms. */
static void spin(int ms)
{
	double end = t_now() + ms / 1000.0;
	volatile unsigned long x = 0;

	while (t_now() < end)
		x++;
}

/* The NUMA hinting entries made so far, in 4 KiB pages. */
static long numa_marked(void)
{
	return t_vmstat("numa_pte_updates") +
	       512 * t_vmstat("numa_huge_pte_updates");
}

int main(void)
{
	char thp0[32] = "", nb0[16] = "", delay0[16] = "", period0[16] = "";
	char *small, *raw, *huge;
	long marked0, marked = 0, huge0, hmarked0;
	int i, nh = NH, bad;
	pthread_t th;
	double t0;

	t_start("numa");
	if (t_read_file("/proc/sys/kernel/numa_balancing", nb0,
			sizeof(nb0)) < 0 ||
	    access("/sys/devices/system/node/node1", F_OK)) {
		printf("t_numa: no NUMA balancing or a single node: skipped\n");
		return 77;
	}
	t_read_file(DIR "thp_split", thp0, sizeof(thp0));
	t_read_file(NB_DIR "scan_delay_ms", delay0, sizeof(delay0));
	t_read_file(NB_DIR "scan_period_min_ms", period0, sizeof(period0));
	CHECK(t_write_file("/proc/sys/kernel/numa_balancing", "1") == 0,
	      "numa_balancing = 1: %s", strerror(errno));
	/* Mark soon and often; the defaults (1 s) only make the test slower. */
	t_write_file(NB_DIR "scan_delay_ms", "0");
	t_write_file(NB_DIR "scan_period_min_ms", "100");
	t_fast_scan();
	t_write_file(DIR "thp_split", "always");
	CHECK(pthread_create(&th, NULL, idle_thread, NULL) == 0, "thread");

	small = t_map(N);
	for (i = 0; i < N; i++)
		t_fill(small + i * PAGE_SZ, seed_small(i));
	raw = mmap(NULL, NH * PAGE_SZ + (2 << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(raw != MAP_FAILED, "mmap");
	huge = (char *)(((uintptr_t)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
	madvise(huge, NH * PAGE_SZ, MADV_HUGEPAGE);
	for (i = 0; i < NH; i++)
		t_fill(huge + i * PAGE_SZ, seed_huge(i));
	huge0 = t_anon_huge_kb();
	if (huge0 < 4096) {
		printf("  only %ld kB in huge pages: the huge part is skipped\n",
		       huge0);
		nh = 0;
	}

	/* Run, not touching the pages, until NUMA balancing marked them. */
	marked0 = numa_marked();
	hmarked0 = t_vmstat("numa_huge_pte_updates");
	t0 = t_now();
	while (t_now() - t0 < 60) {
		spin(200);
		marked = numa_marked() - marked0;
		if (marked >= N + nh &&
		    (!nh || t_vmstat("numa_huge_pte_updates") - hmarked0 >= 2))
			break;
	}
	printf("  NUMA balancing marked %ld pages in %.1f s (%d registered next)\n",
	       marked, t_now() - t0, N + nh);
	CHECK(marked >= N + nh,
	      "NUMA balancing marked %ld pages in 60 s, want %d", marked, N + nh);

	CHECK(t_register(small, N * PAGE_SZ, 0) == 0, "register small");
	if (nh)
		CHECK(t_register(huge, nh * PAGE_SZ, 0) == 0, "register huge");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	i = t_count_ksm(small, N);
	CHECK(i == N, "%d of %d marked 4 KiB pages merged", i, N);
	i = t_count_ksm(huge, nh);
	CHECK(i == nh, "%d of %d marked huge-page subpages merged", i, nh);
	printf("  merged: %d of %d 4 KiB pages, %d of %d subpages\n",
	       t_count_ksm(small, N), N, t_count_ksm(huge, nh), nh);

	/* Untouched still: the KSM pages made in place keep PROT_NONE. */
	CHECK(t_sysfs_set("run", 2) == 0, "run=2: %s", strerror(errno));
	i = t_count_ksm(small, N) + t_count_ksm(huge, nh);
	CHECK(i == 0, "%d KSM pages left after run=2", i);
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	bad = verify(small, huge, nh);
	CHECK(bad == 0, "%d pages with the wrong content", bad);

	CHECK(t_sysfs_set("run", 1) == 0, "run=1");
	t_unregister(small, N * PAGE_SZ);
	if (nh)
		t_unregister(huge, nh * PAGE_SZ);
	t_write_file("/proc/sys/kernel/numa_balancing", nb0);
	if (*delay0)
		t_write_file(NB_DIR "scan_delay_ms", delay0);
	if (*period0)
		t_write_file(NB_DIR "scan_period_min_ms", period0);
	if (*thp0) {
		/* "always [pressure] never": the bracketed one. */
		char *a = strchr(thp0, '['), *b = a ? strchr(a, ']') : NULL;

		if (b) {
			*b = 0;
			t_write_file(DIR "thp_split", a + 1);
		}
	}
	t_default_rates();
	return t_end();
}
