// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: huge pages kept whole cost a sample, not 512 hashes,
 * at the visits where they did not change (smart_scan), and their split
 * candidates stay current.
 *
 * - 4 THPs (128 zero, 128 unique and 256 shared subpages each), no memory
 *   pressure: after a whole visit, most visits skip the THPs
 *   (thp_skipped), fewer than a quarter of their subpages are visited per
 *   full scan, the candidates and their duplicates stay as they were, and
 *   the THPs stay huge; the first copy of each content, whose twins came
 *   later in the first visit, is counted by the next visit, which is whole;
 * - a unique subpage rewritten into a twin of a shared one: the sample sees
 *   it, and the THP's duplicates grow by one within 3 full scans;
 * - one byte written into a zero subpage of another THP (a change the
 *   sample may not read): its duplicates shrink by one within 11 full
 *   scans (a whole visit comes after 7 skipped ones at the most);
 * - smart_scan 0: no THP is skipped;
 * - memory short: no THP is skipped, the candidates are split, and their
 *   duplicates merge (the changed subpages as they are now).
 * Every page keeps its content.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	2048	/* 8 MiB: 4 THPs */
#define THPS	(N / 512)
#define DIR	"/sys/kernel/mm/pshare/"
#define TWIN	(512 + 1)	/* a unique subpage of THP 1, made a twin */
#define POKED	(1024 + 4)	/* a zero subpage of THP 2, one byte set */

/* In each THP: 128 zero pages, 128 unique, 256 of 16 shared contents. */
static uint64_t seed_of(int i)
{
	switch (i % 4) {
	case 0: return 0;
	case 1: return 400000 + i;
	default: return 20 + i % 16;
	}
}

/* What page @i holds once the test changed two of them. */
static uint64_t seed_now(int i)
{
	return i == TWIN ? 22 : seed_of(i);
}

static int verify(char *mem)
{
	int i, bad = 0;

	for (i = 0; i < N; i++) {
		if (i != POKED) {
			bad += !t_check(mem + i * PAGE_SZ, seed_now(i));
			continue;
		}
		/* One byte 0x5a at offset 1000, zero bytes elsewhere. */
		mem[i * PAGE_SZ + 1000] ^= 0x5a;
		bad += !t_check(mem + i * PAGE_SZ, 0);
		mem[i * PAGE_SZ + 1000] ^= 0x5a;
	}
	return bad;
}

/* Full scans until thp_dup_subpages is @want, at most @max; or -1. */
static int scans_until_dups(long want, int max)
{
	int n;

	for (n = 0; n <= max; n++) {
		if (t_sysfs("thp_dup_subpages") == want)
			return n;
		if (t_wait_scans(1, 300))
			return -1;
	}
	return -1;
}

int main(void)
{
	long before, after, dups, skipped0, scanned0, full0, per_scan;
	char *raw, *mem;
	int i, n, bad;

	t_start("thpskip");
	t_fast_scan();
	t_write_file(DIR "thp_split", "pressure");
	CHECK(t_sysfs_set("smart_scan", 1) == 0, "smart_scan 1");
	raw = mmap(NULL, N * PAGE_SZ + (2 << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem = (char *)(((uintptr_t)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
	madvise(mem, N * PAGE_SZ, MADV_HUGEPAGE);
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	before = t_anon_huge_kb();
	if (before < N * 4) {
		printf("  no THP in this guest (AnonHugePages %ld kB)\n", before);
		return 77;
	}

	/* 1. Unchanged THPs are skipped after a whole visit. */
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register THPs");
	CHECK(t_wait_scans(3, 300) == 0, "3 scans");
	t_expect_stat("thp_split_candidates", THPS);
	dups = t_sysfs("thp_dup_subpages");
	CHECK(dups == THPS * 384, "thp_dup_subpages %ld, want %d", dups,
	      THPS * 384);
	skipped0 = t_sysfs("thp_skipped");
	scanned0 = t_sysfs("pages_scanned");
	full0 = t_sysfs("full_scans");
	CHECK(t_wait_scans(6, 300) == 0, "6 scans");
	per_scan = (t_sysfs("pages_scanned") - scanned0) /
		   (t_sysfs("full_scans") - full0);
	printf("  6 full scans: %ld THP visits skipped, %ld of %d subpages visited per scan\n",
	       t_sysfs("thp_skipped") - skipped0, per_scan, N);
	CHECK(t_sysfs("thp_skipped") - skipped0 >= 4 * THPS,
	      "%ld THP visits skipped in 6 scans, want %d or more",
	      t_sysfs("thp_skipped") - skipped0, 4 * THPS);
	CHECK(per_scan < N / 4, "%ld of %d subpages visited per scan",
	      per_scan, N);
	t_expect_stat("thp_split_candidates", THPS);
	t_expect_stat("thp_dup_subpages", dups);
	after = t_anon_huge_kb();
	CHECK(after == before, "AnonHugePages %ld kB, was %ld", after, before);
	CHECK(t_count_ksm(mem, N) == 0, "subpages of THPs kept whole merged");

	/* 2. A rewritten subpage changes the sample. */
	t_fill(mem + TWIN * PAGE_SZ, seed_now(TWIN));
	n = scans_until_dups(dups + 1, 3);
	printf("  a rewritten subpage counted after %d full scans\n", n);
	CHECK(n >= 0, "thp_dup_subpages %ld, want %ld, 3 scans after a rewrite",
	      t_sysfs("thp_dup_subpages"), dups + 1);

	/* 3. A change the sample may not read is seen by the next whole visit. */
	mem[POKED * PAGE_SZ + 1000] = 0x5a;
	n = scans_until_dups(dups, 11);
	printf("  a one-byte change counted after %d full scans\n", n);
	CHECK(n >= 0, "thp_dup_subpages %ld, want %ld, 11 scans after a 1-byte write",
	      t_sysfs("thp_dup_subpages"), dups);
	CHECK(verify(mem) == 0, "%d pages wrong with THPs skipped", verify(mem));

	/* 4. smart_scan 0: every THP is visited whole at every scan. */
	CHECK(t_sysfs_set("smart_scan", 0) == 0, "smart_scan 0");
	CHECK(t_wait_scans(1, 300) == 0, "scan");
	skipped0 = t_sysfs("thp_skipped");
	CHECK(t_wait_scans(2, 300) == 0, "2 scans");
	CHECK(t_sysfs("thp_skipped") == skipped0,
	      "%ld THP visits skipped with smart_scan 0",
	      t_sysfs("thp_skipped") - skipped0);
	CHECK(t_sysfs_set("smart_scan", 1) == 0, "smart_scan 1");
	CHECK(t_wait_scans(3, 300) == 0, "3 scans");
	CHECK(t_sysfs("thp_skipped") > skipped0, "no THP skipped with smart_scan 1");

	/*
	 * 5. Memory short: whole visits only, and the candidates are split
	 * and merged as their content is now.
	 */
	if (t_mem_short() == 0) {
		CHECK(t_wait_scans(1, 300) == 0, "scan");
		skipped0 = t_sysfs("thp_skipped");
		CHECK(t_wait_scans(2, 300) == 0, "2 scans");
		CHECK(t_sysfs("thp_skipped") == skipped0,
		      "%ld THP visits skipped while memory is short",
		      t_sysfs("thp_skipped") - skipped0);
		t_expect_stat("thp_split_candidates", 0);
		t_expect_stat("thp_dup_subpages", 0);
		after = t_anon_huge_kb();
		printf("  memory short: AnonHugePages %ld kB, %d KSM subpages\n",
		       after, t_count_ksm(mem, N));
		CHECK(after == before - N * 4, "AnonHugePages %ld kB", after);
		/* Shared subpages, and the twin: all merged. */
		for (i = 0, bad = 0; i < N; i++)
			bad += (i % 4 >= 2 || i == TWIN) && !t_is_ksm(mem + i * PAGE_SZ);
		CHECK(bad == 0, "%d duplicate subpages not merged", bad);
		CHECK(!t_is_zero_page(mem + POKED * PAGE_SZ),
		      "the changed zero subpage was mapped to the zero page");
		t_write_file(DIR "mem_thresholds", "6 4 2 1");
	} else {
		CHECK(0, "cannot set thresholds around MemAvailable");
	}
	bad = verify(mem);
	CHECK(bad == 0, "%d pages wrong at the end", bad);

	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	munmap(raw, N * PAGE_SZ + (2 << 20));
	t_expect_stat("thp_split_candidates", 0);
	t_expect_stat("thp_dup_subpages", 0);
	t_default_rates();
	return t_end();
}
