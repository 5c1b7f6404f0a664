// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: duplicates inside transparent huge pages. pshare
 * splits a THP to merge its subpages, as the kernel's KSM does; every page
 * keeps its content and the counters come out exact.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include "tlib.h"

#define N	2048	/* 8 MiB: 4 THPs */

static uint64_t seed_of(int i)
{
	switch (i % 4) {
	case 0: return 0;
	case 1: return 400000 + i;
	default: return 20 + i % 16;
	}
}

static long anon_huge_kb(void)
{
	char buf[4096], *p;

	if (t_read_file("/proc/self/smaps_rollup", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "AnonHugePages:");
	return p ? atol(p + 14) : -1;
}

int main(void)
{
	char *raw, *mem;
	long before, after;
	int i, bad = 0;

	t_start("thp");
	t_fast_scan();
	raw = mmap(NULL, N * PAGE_SZ + (2 << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem = (char *)(((uintptr_t)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
	madvise(mem, N * PAGE_SZ, MADV_HUGEPAGE);
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	before = anon_huge_kb();
	printf("  AnonHugePages before: %ld kB\n", before);
	if (before <= 0) {
		printf("  no THP in this guest\n");
		return 77;
	}
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	after = anon_huge_kb();
	printf("  AnonHugePages after: %ld kB\n", after);
	/* Pages 2 and 3 (mod 4) hold 8 contents: i % 16 in {2,3,6,7,...}. */
	t_expect_stat("pages_shared", 8);
	t_expect_stat("pages_sharing", N / 2 - 8);
	t_expect_stat("zero_pages_sharing", N / 4);
	CHECK(after < before, "no THP was split");
	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
	CHECK(bad == 0, "%d pages wrong after merging", bad);
	for (i = 2; i < N; i += 8)
		t_fill(mem + i * PAGE_SZ, 999);
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, (i - 2) % 8 ? seed_of(i) : 999);
	CHECK(bad == 0, "%d pages wrong after writes", bad);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	munmap(raw, N * PAGE_SZ + (2 << 20));
	return t_end();
}
