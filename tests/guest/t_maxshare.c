// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: max_page_sharing bounds the mappings of one merged
 * page, so that the kernel's rmap walks over it stay short. 64 copies of
 * one content with a bound of 16 give 4 merged pages of 16 mappings.
 */
#include <sys/mman.h>
#include "tlib.h"

#define N	64

int main(void)
{
	char *mem = t_map(N);
	int i, bad = 0;

	t_start("maxshare");
	t_fast_scan();
	CHECK(t_sysfs_set("max_page_sharing", 16) == 0, "set max_page_sharing");
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, 4242);
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("pages_shared", N / 16);
	t_expect_stat("pages_sharing", N - N / 16);
	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, 4242);
	CHECK(bad == 0, "%d pages wrong", bad);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	t_sysfs_set("max_page_sharing", 256);
	return t_end();
}
