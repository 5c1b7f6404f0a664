// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: pages alike where the sample reads. pshare keys a page
 * by a hash of 256 bytes of it, at a place the test cannot know; pages that
 * differ only elsewhere share that key, and must still merge with their
 * twins, and only with them.
 *
 * 512 pages of one pattern, each with one 8-byte word changed: pages k and
 * k + 256 change the same word to the same value, so each has one twin,
 * 256 pages further on, and every other page differs from it in 8 bytes.
 * Of the 256 places, at most 32 (256 bytes) lie in the sample, so most
 * pages share one sample with 224 or more others of other content: their
 * twins are found by the full hash, after a hinted page of the same sample
 * turned out to hold other bytes (sample_misses).
 */
#include <stdlib.h>
#include <unistd.h>
#include "tlib.h"

#define PAIRS	256
#define NPAGES	(2 * PAIRS)

/* Page @i: the pattern, and word (i % PAIRS) set to a value of its own. */
static void fill(char *page, int i)
{
	uint64_t *w = (uint64_t *)page;

	t_fill(page, 77);
	w[i % PAIRS] = 0x5a5a000000000000ULL + i % PAIRS;
}

static int check(const char *page, int i)
{
	char want[PAGE_SZ];

	fill(want, i);
	return !memcmp(page, want, PAGE_SZ);
}

static int verify(char *mem)
{
	int i, bad = 0;

	for (i = 0; i < NPAGES; i++)
		bad += !check(mem + i * PAGE_SZ, i);
	return bad;
}

int main(void)
{
	long misses0, hashed0;
	int i, bad, merged;
	char *mem;

	t_start("sample");
	t_fast_scan();
	misses0 = t_sysfs("sample_misses");
	hashed0 = t_sysfs("pages_hashed");
	mem = t_map(NPAGES);
	CHECK(mem, "mmap");
	if (!mem)
		return t_end();
	for (i = 0; i < NPAGES; i++)
		fill(mem + i * PAGE_SZ, i);
	CHECK(t_register(mem, NPAGES * PAGE_SZ, 0) == 0, "register: %s",
	      strerror(errno));
	CHECK(t_wait_scans(3, 300) == 0, "scans");

	/* Each page merged with its twin, and with no other page. */
	t_expect_stat("pages_shared", PAIRS);
	t_expect_stat("pages_sharing", PAIRS);
	merged = t_count_ksm(mem, NPAGES);
	CHECK(merged == NPAGES, "%d of %d pages merged", merged, NPAGES);
	bad = verify(mem);
	CHECK(bad == 0, "%d pages hold wrong content after merging", bad);
	printf("  sample_misses +%ld, pages_hashed +%ld\n",
	       t_sysfs("sample_misses") - misses0,
	       t_sysfs("pages_hashed") - hashed0);
	CHECK(t_sysfs("sample_misses") > misses0,
	      "no page found another content under its sample");

	/* A write to one twin unmerges it alone; the content stays right. */
	{
		volatile char *c = mem + 7 * PAGE_SZ + 100;

		*c = *c;	/* the same byte: a write, no change */
	}
	CHECK(!t_is_ksm(mem + 7 * PAGE_SZ), "page 7 still merged after a write");
	bad = verify(mem);
	CHECK(bad == 0, "%d pages hold wrong content after a write", bad);
	CHECK(t_unregister(mem, NPAGES * PAGE_SZ) == 0, "unregister");
	bad = verify(mem);
	CHECK(bad == 0, "%d pages hold wrong content after unmerging", bad);
	return t_end();
}
