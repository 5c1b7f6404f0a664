// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: merged memory under mprotect, MADV_DONTNEED, munmap and
 * mremap keeps the right content, and unmapping ends the registration.
 */
#include <sys/mman.h>
#include "tlib.h"

#define N	1024	/* 8 contents x 128 copies */

static uint64_t seed[N];

static int verify(char *mem, int from, int to)
{
	int i, bad = 0;

	for (i = from; i < to; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed[i]);
	return bad;
}

int main(void)
{
	struct pshare_proc_stats st;
	char *mem = t_map(N), *moved;
	int i;

	t_start("vmops");
	t_fast_scan();
	for (i = 0; i < N; i++) {
		seed[i] = 40 + i % 8;
		t_fill(mem + i * PAGE_SZ, seed[i]);
	}
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_sharing", N - 8);

	/* mprotect read-only and back: reads fine, writes copy. */
	CHECK(mprotect(mem, N * PAGE_SZ, PROT_READ) == 0, "mprotect ro");
	CHECK(verify(mem, 0, N) == 0, "content read-only");
	CHECK(mprotect(mem, N * PAGE_SZ, PROT_READ | PROT_WRITE) == 0, "mprotect rw");
	for (i = 0; i < 64; i++) {
		seed[i] = 90000 + i;
		t_fill(mem + i * PAGE_SZ, seed[i]);
	}
	CHECK(verify(mem, 0, N) == 0, "content after mprotect and writes");

	/* MADV_DONTNEED: the pages read as zero. */
	CHECK(madvise(mem + 64 * PAGE_SZ, 64 * PAGE_SZ, MADV_DONTNEED) == 0,
	      "dontneed");
	for (i = 64; i < 128; i++)
		seed[i] = 0;
	CHECK(verify(mem, 0, N) == 0, "content after MADV_DONTNEED");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	CHECK(verify(mem, 0, N) == 0, "content after rescans");
	/*
	 * 896 merged mappings left. The DONTNEED pages were read back as the
	 * zero page by the kernel's own fault: nothing for pshare to share.
	 */
	t_expect_stat("pages_shared", 8);
	t_expect_stat("pages_sharing", N - 128 - 8);
	t_expect_stat("zero_pages_sharing", 0);

	/* munmap a quarter: those pages are no longer registered. */
	CHECK(munmap(mem + 768 * PAGE_SZ, 256 * PAGE_SZ) == 0, "munmap");
	CHECK(t_query(&st) == 0 && st.registered == 768, "registered %llu",
	      st.registered);
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_sharing", 768 - 128 - 8);
	CHECK(verify(mem, 0, 768) == 0, "content after munmap");

	/*
	 * mremap away, to a fixed new place (it could otherwise grow in
	 * place): the old range ends; the moved pages stay correct.
	 */
	moved = mmap(NULL, 512 * PAGE_SZ, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	moved = mremap(mem + 512 * PAGE_SZ, 256 * PAGE_SZ, 512 * PAGE_SZ,
		       MREMAP_MAYMOVE | MREMAP_FIXED, moved);
	CHECK(moved != MAP_FAILED, "mremap: %s", strerror(errno));
	CHECK(t_query(&st) == 0 && st.registered == 512, "registered %llu",
	      st.registered);
	for (i = 0; i < 256; i++)
		CHECK(t_check(moved + i * PAGE_SZ, seed[512 + i]),
		      "moved page %d", i);
	for (i = 0; i < 256; i += 2)
		t_fill(moved + i * PAGE_SZ, 123);
	for (i = 0; i < 256; i++)
		CHECK(t_check(moved + i * PAGE_SZ, i % 2 ? seed[512 + i] : 123),
		      "moved page %d after write", i);
	CHECK(verify(mem, 0, 512) == 0, "content after mremap");

	/* Unmapping the rest ends the registration (the query applies it). */
	munmap(mem, 512 * PAGE_SZ);
	CHECK(t_query(&st) == 0 && st.registered == 0, "registered %llu",
	      st.registered);
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	t_expect_stat("pages_unshared", 0);
	munmap(moved, 512 * PAGE_SZ);
	return t_end();
}
