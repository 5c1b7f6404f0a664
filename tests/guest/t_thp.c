// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: duplicates inside transparent huge pages, under each
 * thp_split policy.
 *
 * - pressure, memory not short: THPs stay whole (AnonHugePages unchanged,
 *   no split), their duplicate subpages are counted as split candidates,
 *   and 4 KiB duplicates outside THPs, registered once the THPs' copies of
 *   their contents are hinted, merge.
 * - pressure, memory short (thresholds set above the available memory):
 *   pshare splits the candidates and merges their subpages.
 * - always: THPs are split on merge, as the kernel's KSM does.
 *
 * Every page keeps its content throughout.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	2048	/* 8 MiB: 4 THPs */
#define NB	512	/* 4 KiB pages outside THPs */
/*
 * The salt of both regions. With index.c's buckets (a table of 3072 slots
 * for these 2560 pages), salt 5 gives the small pages' two contents the
 * same first bucket: the case where, while huge pages' copies of those
 * contents filled both buckets, the small twins pushed each other's hint
 * out and none merged. Any salt tests the rest.
 */
#define SALT	5
#define THPS	(N / 512)
#define DIR	"/sys/kernel/mm/pshare/"

/* In each THP: 128 zero pages, 128 unique, 256 of 8 shared contents. */
static uint64_t seed_of(int i)
{
	switch (i % 4) {
	case 0: return 0;
	case 1: return 400000 + i;
	default: return 20 + i % 16;
	}
}

/* Outside THPs: two of the THPs' contents, 256 copies each. */
static uint64_t seed_b(int j)
{
	return 22 + j % 2;
}

static char *huge_region(char **raw)
{
	char *mem;
	int i;

	*raw = mmap(NULL, N * PAGE_SZ + (2 << 20), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem = (char *)(((uintptr_t)*raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
	madvise(mem, N * PAGE_SZ, MADV_HUGEPAGE);
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	return mem;
}

static int verify(char *mem, char *b)
{
	int i, bad = 0;

	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
	for (i = 0; b && i < NB; i++)
		bad += !t_check(b + i * PAGE_SZ, seed_b(i));
	return bad;
}

int main(void)
{
	long before, after, splits0;
	char *raw, *mem, *b, state[32] = "";
	int i, bad;

	t_start("thp");
	t_fast_scan();
	t_write_file(DIR "thp_split", "pressure");
	splits0 = t_sysfs("thp_splits");
	mem = huge_region(&raw);
	b = t_map(NB);
	for (i = 0; i < NB; i++)
		t_fill(b + i * PAGE_SZ, seed_b(i));
	before = t_anon_huge_kb();
	printf("  AnonHugePages before: %ld kB\n", before);
	if (before < N * 4) {
		printf("  no THP in this guest\n");
		return 77;
	}

	/* 1. pressure, memory high: nothing split, 4 KiB duplicates merge. */
	CHECK(t_register(mem, N * PAGE_SZ, SALT) == 0, "register THPs");
	/* The THPs' copies hinted first, then the small pages come. */
	CHECK(t_wait_scans(1, 300) == 0, "scan of the THPs");
	CHECK(t_register(b, NB * PAGE_SZ, SALT) == 0, "register 4 KiB pages");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("pages_shared", 2);
	t_expect_stat("pages_sharing", NB - 2);
	t_expect_stat("zero_pages_sharing", 0);
	t_expect_stat("thp_split_candidates", THPS);
	t_expect_stat("thp_dup_subpages", THPS * 384);
	t_expect_stat("thp_splits", splits0);
	after = t_anon_huge_kb();
	printf("  pressure, memory high: AnonHugePages %ld kB, thp_scanned %ld\n",
	       after, t_sysfs("thp_scanned"));
	CHECK(after == before, "AnonHugePages %ld kB, was %ld", after, before);
	CHECK(t_sysfs("thp_scanned") >= THPS, "thp_scanned %ld",
	      t_sysfs("thp_scanned"));
	CHECK(t_count_ksm(b, NB) == NB, "%d of %d small pages merged",
	      t_count_ksm(b, NB), NB);
	bad = verify(mem, b);
	CHECK(bad == 0, "%d pages wrong with THPs kept", bad);

	/* 2. pressure, memory short: the candidates are split and merged. */
	if (t_mem_short() == 0) {
		t_read_file(DIR "memory_state", state, sizeof(state));
		state[strcspn(state, "\n")] = 0;
		CHECK(!strcmp(state, "soft"), "memory_state \"%s\"", state);
		t_wait_scans(2, 300);
		t_expect_stat("thp_splits", splits0 + THPS);
		t_expect_stat("thp_split_candidates", 0);
		t_expect_stat("thp_dup_subpages", 0);
		t_expect_stat("zero_pages_sharing", N / 4);
		after = t_anon_huge_kb();
		printf("  pressure, memory short: AnonHugePages %ld kB\n", after);
		CHECK(after == before - N * 4, "AnonHugePages %ld kB", after);
		bad = verify(mem, b);
		CHECK(bad == 0, "%d pages wrong after share-before-swap", bad);
		t_write_file(DIR "mem_thresholds", "6 4 2 1");
	} else {
		CHECK(0, "cannot set thresholds around MemAvailable");
	}
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	munmap(raw, N * PAGE_SZ + (2 << 20));

	/* 3. always: split on merge, as the kernel's KSM. */
	CHECK(t_write_file(DIR "thp_split", "always") == 0, "thp_split always");
	splits0 = t_sysfs("thp_splits");
	mem = huge_region(&raw);
	before = t_anon_huge_kb();
	CHECK(t_register(mem, N * PAGE_SZ, SALT) == 0, "register again");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("zero_pages_sharing", N / 4);
	after = t_anon_huge_kb();
	printf("  always: AnonHugePages %ld -> %ld kB, thp_splits +%ld\n",
	       before, after, t_sysfs("thp_splits") - splits0);
	CHECK(after < before, "no THP was split");
	CHECK(t_sysfs("thp_splits") >= splits0 + THPS, "thp_splits +%ld",
	      t_sysfs("thp_splits") - splits0);
	bad = verify(mem, b);
	CHECK(bad == 0, "%d pages wrong after merging", bad);
	for (i = 2; i < N; i += 8)
		t_fill(mem + i * PAGE_SZ, 999);
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, (i - 2) % 8 ? seed_of(i) : 999);
	CHECK(bad == 0, "%d pages wrong after writes", bad);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	CHECK(t_unregister(b, NB * PAGE_SZ) == 0, "unregister small");
	munmap(raw, N * PAGE_SZ + (2 << 20));
	t_write_file(DIR "thp_split", "pressure");
	t_expect_stat("thp_split_candidates", 0);
	t_expect_stat("thp_dup_subpages", 0);
	return t_end();
}
