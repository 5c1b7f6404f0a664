// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: smart_scan, the skipping of pages that stay unique
 * and unchanged.
 *
 * - 1024 unique pages: after 12 full scans their visits are being skipped
 *   (pages_skipped grows), and over the next 4 full scans fewer than half
 *   of the pages are really visited per scan (pages_scanned);
 * - a new registration, large enough to make the hint table grow (which
 *   drops every hint), whose first 8 pages have the contents of 8 of those
 *   pages: they merge with them within 3 full scans: pages are visited
 *   again, and put their hints back, at the pass after a resize;
 * - a skipped page that changes into a twin of another unique page is
 *   noticed late, but merges within 12 full scans;
 * - smart_scan 0: no visit is skipped, and most pages are visited at
 *   every scan.
 * Every page keeps its content.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	1024
#define NEW	2048	/* the new registration */
#define TWINS	8	/* its first pages, twins of old ones */

static uint64_t seed_of(int i)
{
	return 20000 + i;
}

/* The new registration: twins of old pages 0, 100, ..., then unique. */
static uint64_t seed_new(int i)
{
	return i < TWINS ? seed_of(i * 100) : 50000 + (uint64_t)i;
}

/* Pages scanned (really visited) per full scan, over @scans full scans. */
static double visits_per_scan(int scans)
{
	long p0 = t_sysfs("pages_scanned"), f0 = t_sysfs("full_scans");
	long f;

	if (t_wait_scans(scans, 300))
		return -1;
	f = t_sysfs("full_scans") - f0;
	return f > 0 ? (double)(t_sysfs("pages_scanned") - p0) / f : -1;
}

int main(void)
{
	char *mem = t_map(N), *young = t_map(NEW);
	long skipped0, skipped;
	double per_scan;
	int i, bad, ksm;

	t_start("smart");
	t_fast_scan();
	CHECK(t_sysfs("smart_scan") == 1, "smart_scan default %ld, want 1",
	      t_sysfs("smart_scan"));
	CHECK(t_sysfs_set("smart_scan", 1) == 0, "smart_scan 1");
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));

	skipped0 = t_sysfs("pages_skipped");
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(12, 300) == 0, "12 scans");
	skipped = t_sysfs("pages_skipped") - skipped0;
	printf("  12 full scans of %d unique pages: %ld visits skipped\n", N,
	       skipped);
	/* Each page skips 5 of its first 12 visits: 1, then 2, then 2. */
	CHECK(skipped >= 4L * N, "%ld visits skipped, want at least %d",
	      skipped, 4 * N);
	per_scan = visits_per_scan(4);
	printf("  then %.0f of %d pages visited per full scan\n", per_scan, N);
	CHECK(per_scan >= 0 && per_scan < N / 2,
	      "%.0f of %d pages visited per full scan", per_scan, N);
	CHECK(t_count_ksm(mem, N) == 0, "unique pages merged");

	/*
	 * New twins of skipped pages merge soon, though the hint table grew
	 * and lost every hint.
	 */
	for (i = 0; i < NEW; i++)
		t_fill(young + i * PAGE_SZ, seed_new(i));
	CHECK(t_register(young, NEW * PAGE_SZ, 0) == 0, "register new");
	CHECK(t_wait_scans(3, 300) == 0, "3 scans");
	ksm = t_count_ksm(young, TWINS);
	for (i = 0; i < TWINS; i++)
		ksm += t_is_ksm(mem + i * 100 * PAGE_SZ);
	CHECK(ksm == 2 * TWINS, "%d of %d new twins and old pages merged",
	      ksm, 2 * TWINS);

	/* A skipped page that changes is seen late, but seen. */
	t_fill(mem + 1000 * PAGE_SZ, seed_of(999));
	for (i = 0; i < 12 && !t_is_ksm(mem + 1000 * PAGE_SZ); i++)
		t_wait_scans(1, 300);
	printf("  a changed skipped page merged after %d full scans\n", i);
	CHECK(t_is_ksm(mem + 1000 * PAGE_SZ) && t_is_ksm(mem + 999 * PAGE_SZ),
	      "changed page not merged in 12 full scans");

	/* Off: every page at every scan. */
	CHECK(t_sysfs_set("smart_scan", 0) == 0, "smart_scan 0");
	CHECK(t_wait_scans(1, 300) == 0, "scan");
	skipped0 = t_sysfs("pages_skipped");
	per_scan = visits_per_scan(3);
	CHECK(t_sysfs("pages_skipped") == skipped0,
	      "%ld visits skipped with smart_scan 0",
	      t_sysfs("pages_skipped") - skipped0);
	/*
	 * The count starts mid-pass: over 3 full scans, at least 2 passes'
	 * worth of visits; with skips, under 1/8 of the unique pages.
	 */
	CHECK(per_scan >= (N + NEW) * 0.6,
	      "%.0f of %d pages visited per full scan with smart_scan 0",
	      per_scan, N + NEW);

	bad = 0;
	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i == 1000 ? 999 : i));
	for (i = 0; i < NEW; i++)
		bad += !t_check(young + i * PAGE_SZ, seed_new(i));
	CHECK(bad == 0, "%d pages with the wrong content", bad);

	t_unregister(mem, N * PAGE_SZ);
	t_unregister(young, NEW * PAGE_SZ);
	t_sysfs_set("smart_scan", 1);
	t_default_rates();
	return t_end();
}
