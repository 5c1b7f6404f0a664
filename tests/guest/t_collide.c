// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test, run with pshare loaded as hash_bits=3: eight hash
 * values for thousands of contents, so nearly every candidate is a hash
 * collision. No page may ever merge with a different page: every group of
 * mappings that share a frame must hold identical bytes, and every page
 * must keep its content. Some merges must still happen.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	2048	/* 64 contents x 16 copies, and 1024 unique pages */

static uint64_t seed_of(int i)
{
	return i % 2 ? 3000 + i % 128 : 800000 + i;
}

int main(void)
{
	static uint64_t frame[N];
	char *mem = t_map(N);
	int i, j, bad = 0, wrong_merge = 0, ksm = 0;

	t_start("collide");
	if (t_read_long("/sys/module/pshare/parameters/hash_bits") != 3) {
		printf("  pshare is not loaded with hash_bits=3\n");
		return 1;
	}
	t_fast_scan();
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(4, 600) == 0, "scans");

	for (i = 0; i < N; i++) {
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
		frame[i] = t_pfn(mem + i * PAGE_SZ);
		ksm += t_is_ksm(mem + i * PAGE_SZ);
	}
	/* Mappings of one frame must hold one content. */
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			if (frame[i] && frame[i] == frame[j] &&
			    seed_of(i) != seed_of(j))
				wrong_merge++;
	printf("  %d merged mappings, pages_sharing %ld, under 8 hash values\n",
	       ksm, t_sysfs("pages_sharing"));
	CHECK(bad == 0, "%d pages hold wrong content", bad);
	CHECK(wrong_merge == 0, "%d pairs of different pages share a frame",
	      wrong_merge);
	CHECK(ksm > 0 && t_sysfs("pages_sharing") > 0, "nothing merged at all");
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
	CHECK(bad == 0, "%d pages wrong after unregister", bad);
	return t_end();
}
