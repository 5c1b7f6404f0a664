// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: identical pages in different sharing domains never
 * merge (the zero page aside); in one domain they do.
 */
#include <sys/mman.h>
#include "tlib.h"

#define N	256	/* pages per region: 224 of content, 32 zero */

static void fill(char *mem)
{
	int i;

	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, i < 224 ? 7000 + i : 0);
}

static int verify(char *mem)
{
	int i, bad = 0;

	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, i < 224 ? 7000 + i : 0);
	return bad;
}

int main(void)
{
	char *a = t_map(N), *b = t_map(N);

	t_start("domain");
	t_fast_scan();
	fill(a);
	fill(b);
	CHECK(t_register(a, N * PAGE_SZ, 1) == 0, "register a");
	CHECK(t_register(b, N * PAGE_SZ, 2) == 0, "register b");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	t_expect_stat("pages_unshared", 2 * 224);
	t_expect_stat("zero_pages_sharing", 2 * 32);	/* across domains */
	CHECK(t_count_ksm(a, N) == 0 && t_count_ksm(b, N) == 0,
	      "KSM pages across domains: %d + %d", t_count_ksm(a, N), t_count_ksm(b, N));

	/* Put b in a's domain: all 224 contents merge pairwise. */
	CHECK(t_unregister(b, N * PAGE_SZ) == 0, "unregister b");
	CHECK(t_register(b, N * PAGE_SZ, 1) == 0, "register b again");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 224);
	t_expect_stat("pages_sharing", 224);
	t_expect_stat("pages_unshared", 0);
	CHECK(t_count_ksm(a, N) == 224 && t_count_ksm(b, N) == 224,
	      "KSM pages in one domain: %d + %d", t_count_ksm(a, N), t_count_ksm(b, N));
	CHECK(verify(a) == 0 && verify(b) == 0, "content: %d + %d bad",
	      verify(a), verify(b));
	CHECK(t_unregister(a, N * PAGE_SZ) == 0 &&
	      t_unregister(b, N * PAGE_SZ) == 0, "unregister");
	CHECK(verify(a) == 0 && verify(b) == 0, "content after unregister");
	t_expect_stat("metadata_bytes", 0);
	return t_end();
}
