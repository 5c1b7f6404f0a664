// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: a region of known structure merges to exact counters,
 * every page keeps its content, merged pages are KSM pages, writes copy on
 * write, and unregistering unmerges everything.
 *
 * 4096 pages: 1024 zero, 1024 unique, and 2048 holding 32 contents with 64
 * copies each.
 */
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define NPAGES	4096
#define NDUP	32

static uint64_t seed[NPAGES];

static void layout(void)
{
	int i;

	for (i = 0; i < NPAGES; i++) {
		switch (i % 4) {
		case 0: seed[i] = 0; break;
		case 1: seed[i] = 1000000 + i; break;
		default: seed[i] = 1 + ((i / 4) * 2 + (i % 4 - 2)) % NDUP; break;
		}
	}
}

static int verify(char *mem, const char *when)
{
	int i, bad = 0;

	for (i = 0; i < NPAGES; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed[i]);
	CHECK(bad == 0, "%d pages hold wrong content %s", bad, when);
	return bad;
}

static void expect(long shared, long sharing, long unshared, long zero)
{
	t_expect_stat("pages_shared", shared);
	t_expect_stat("pages_sharing", sharing);
	t_expect_stat("pages_unshared", unshared);
	t_expect_stat("zero_pages_sharing", zero);
	t_expect_stat("pages_volatile", 0);
}

int main(void)
{
	struct pshare_proc_stats st;
	int i, ksm = 0, zero = 0, plain = 0, first[NDUP + 1] = { 0 };
	long merged0;
	char *mem;

	t_start("merge");
	t_fast_scan();
	merged0 = t_sysfs("pages_merged");
	layout();
	mem = t_map(NPAGES);
	CHECK(mem, "mmap");
	if (!mem)
		return t_end();
	for (i = 0; i < NPAGES; i++)
		t_fill(mem + i * PAGE_SZ, seed[i]);
	CHECK(t_register(mem, NPAGES * PAGE_SZ, 0) == 0, "register: %s",
	      strerror(errno));
	CHECK(t_wait_scans(2, 300) == 0, "scans");

	/* 32 merged pages carry 2048 mappings; zero pages go to the zero page. */
	expect(NDUP, 2048 - NDUP, 1024, 1024);
	/* Every mapping of a merged page, and every zero page, was a merge. */
	CHECK(t_sysfs("pages_merged") - merged0 == 2048 + 1024,
	      "pages_merged +%ld, want 3072", t_sysfs("pages_merged") - merged0);
	CHECK(t_sysfs("metadata_bytes") > 0, "no metadata counted");
	for (i = 0; i < NPAGES; i++) {
		if (i % 4 >= 2)
			ksm += t_is_ksm(mem + i * PAGE_SZ);
		else if (i % 4 == 0)
			zero += t_is_zero_page(mem + i * PAGE_SZ);
		else
			plain += !t_is_ksm(mem + i * PAGE_SZ);
	}
	CHECK(ksm == 2048, "%d of 2048 duplicate pages are KSM pages", ksm);
	CHECK(zero == 1024, "%d of 1024 zero pages map the zero page", zero);
	CHECK(plain == 1024, "%d of 1024 unique pages are plain", plain);
	CHECK(t_query(&st) == 0, "query");
	CHECK(st.registered == NPAGES && st.shared == NDUP &&
	      st.sharing == 2048 - NDUP && st.zero == 1024 &&
	      st.saved == 2048 - NDUP + 1024,
	      "query: registered %llu shared %llu sharing %llu zero %llu saved %llu",
	      st.registered, st.shared, st.sharing, st.zero, st.saved);
	verify(mem, "after merging");

	/* Write one copy of each content, and one zero page: copy on write. */
	for (i = 0; i < NPAGES; i++) {
		int k = seed[i];

		if (i % 4 >= 2 && !first[k]) {
			first[k] = 1;
			seed[i] = 5000000 + i;
			t_fill(mem + i * PAGE_SZ, seed[i]);
		}
	}
	seed[0] = 6000000;
	t_fill(mem, seed[0]);
	verify(mem, "after copy-on-write");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	expect(NDUP, 2048 - 2 * NDUP, 1024 + NDUP + 1, 1023);
	verify(mem, "after rescanning");

	/* Unregistering unmerges: no KSM page left, every counter at zero. */
	CHECK(t_unregister(mem, NPAGES * PAGE_SZ) == 0, "unregister: %s",
	      strerror(errno));
	expect(0, 0, 0, 0);
	t_expect_stat("metadata_bytes", 0);
	for (i = 0, ksm = 0; i < NPAGES; i++)
		ksm += t_is_ksm(mem + i * PAGE_SZ);
	CHECK(ksm == 0, "%d KSM pages left after unregister", ksm);
	CHECK(t_query(&st) == 0 && st.registered == 0 && st.saved == 0,
	      "query after unregister");
	verify(mem, "after unregister");

	/* With nothing registered, pshared sleeps: no wakeups in a second. */
	{
		long s0 = t_thread_switches("pshared");

		sleep(1);
		CHECK(s0 >= 0 && t_thread_switches("pshared") - s0 <= 2,
		      "pshared woke %ld times in 1 s with nothing registered",
		      t_thread_switches("pshared") - s0);
	}
	munmap(mem, NPAGES * PAGE_SZ);
	return t_end();
}
