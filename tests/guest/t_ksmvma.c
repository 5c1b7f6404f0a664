// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: madvise(MADV_MERGEABLE) on memory pshare has merged
 * hands it to the kernel's KSM. pshare unmerges its pages there at its next
 * visit, so that ksmd never meets a pshare page, and ends their
 * registration; the rest stays merged.
 */
#include <sys/mman.h>
#include "tlib.h"

#define N	256	/* 8 contents x 32 copies */

int main(void)
{
	struct pshare_proc_stats st;
	int i, bad = 0, ksm_lo = 0, ksm_hi = 0;
	char *mem = t_map(N);

	t_start("ksmvma");
	t_fast_scan();
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, 30 + i % 8);
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_sharing", N - 8);

	CHECK(madvise(mem + N / 2 * PAGE_SZ, N / 2 * PAGE_SZ, MADV_MERGEABLE) == 0,
	      "MADV_MERGEABLE: %s", strerror(errno));
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_sharing", N / 2 - 8);
	for (i = 0; i < N; i++) {
		if (i < N / 2)
			ksm_lo += t_is_ksm(mem + i * PAGE_SZ);
		else
			ksm_hi += t_is_ksm(mem + i * PAGE_SZ);
		bad += !t_check(mem + i * PAGE_SZ, 30 + i % 8);
	}
	CHECK(ksm_lo == N / 2, "%d of %d pages still merged", ksm_lo, N / 2);
	CHECK(ksm_hi == 0, "%d pshare pages left in KSM's memory", ksm_hi);
	CHECK(bad == 0, "%d pages wrong", bad);
	CHECK(t_query(&st) == 0 && st.registered == N / 2, "registered %llu",
	      st.registered);

	madvise(mem + N / 2 * PAGE_SZ, N / 2 * PAGE_SZ, MADV_UNMERGEABLE);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, 30 + i % 8);
	CHECK(bad == 0, "%d pages wrong after unregister", bad);
	t_expect_stat("metadata_bytes", 0);
	return t_end();
}
