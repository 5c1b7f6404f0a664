// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: pshare's zero-page mappings and the kernel KSM's count
 * of its own (ksm_zero_pages, Linux 6.10 and later; skipped before).
 *
 * The kernel's KSM marks the zero-page PTEs it maps dirty, counts them in
 * /sys/kernel/mm/ksm/ksm_zero_pages and /proc/PID/ksm_stat, and takes one
 * off whenever a dirty zero-page PTE is unmapped. pshare maps zero pages
 * too, clean: they must never enter or leave that count. Here the kernel's
 * KSM (use_zero_pages=1) and pshare each map zero pages in one process;
 * the kernel's count must show exactly its own, before and after pshare's
 * are unmapped, and go back to where it was when its own go.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define NK	64	/* the kernel KSM's zero pages */
#define NP	512	/* pshare's */
#define ZP	"/sys/kernel/mm/ksm/ksm_zero_pages"

static uint64_t zero(int i)
{
	(void)i;
	return 0;
}

/* Written once, then zeroed: real anonymous pages of zero bytes. */
static char *zero_pages(int n)
{
	char *m = t_map(n);
	int i;

	for (i = 0; i < n; i++) {
		m[i * PAGE_SZ] = 1;
		t_fill(m + i * PAGE_SZ, 0);
	}
	return m;
}

static int count_zero(char *m, int n)
{
	int i, z = 0;

	for (i = 0; i < n; i++)
		z += t_is_zero_page(m + i * PAGE_SZ);
	return z;
}

/* Wait until @n pages of @m map the zero page. */
static int wait_zero(char *m, int n, int timeout_s)
{
	double end = t_now() + timeout_s;

	while (count_zero(m, n) < n && t_now() < end)
		usleep(50000);
	return count_zero(m, n);
}

int main(void)
{
	struct pshare_proc_stats st;
	long z0, zk, zp;
	char *k, *p;

	t_start("kzero");
	if (access(ZP, R_OK)) {
		printf("  no ksm_zero_pages in this kernel: skipped\n");
		return 77;
	}
	t_fast_scan();
	z0 = t_ksm("ksm_zero_pages");

	/* The kernel's KSM maps NK zero pages of its own. */
	t_ksm_set("use_zero_pages", 1);
	t_ksm_set("pages_to_scan", 4000);
	t_ksm_set("sleep_millisecs", 0);
	t_ksm_set("run", 1);
	k = zero_pages(NK);
	CHECK(madvise(k, NK * PAGE_SZ, MADV_MERGEABLE) == 0, "MADV_MERGEABLE");
	CHECK(wait_zero(k, NK, 120) == NK, "ksmd zero-mapped %d of %d",
	      count_zero(k, NK), NK);
	zk = t_ksm("ksm_zero_pages");
	CHECK(zk == z0 + NK, "ksm_zero_pages %ld, want %ld", zk, z0 + NK);
	CHECK(t_ksm_stat("ksm_zero_pages") == NK, "ksm_stat %ld, want %d",
	      t_ksm_stat("ksm_zero_pages"), NK);

	/* pshare maps NP: none of them counts as the kernel's. */
	p = zero_pages(NP);
	CHECK(t_register(p, NP * PAGE_SZ, 0) == 0, "register");
	CHECK(wait_zero(p, NP, 120) == NP, "pshare zero-mapped %d of %d",
	      count_zero(p, NP), NP);
	CHECK(t_query(&st) == 0 && st.zero == NP, "pshare's zero %llu, want %d",
	      (unsigned long long)st.zero, NP);
	zp = t_ksm("ksm_zero_pages");
	CHECK(zp == z0 + NK, "ksm_zero_pages %ld with pshare's, want %ld", zp,
	      z0 + NK);
	CHECK(t_ksm_stat("ksm_zero_pages") == NK, "ksm_stat %ld with pshare's",
	      t_ksm_stat("ksm_zero_pages"));
	CHECK(t_verify(p, NP, zero) == 0 && t_verify(k, NK, zero) == 0,
	      "content");

	/* pshare's go: the kernel's count stays. */
	CHECK(t_unregister(p, NP * PAGE_SZ) == 0, "unregister");
	munmap(p, NP * PAGE_SZ);
	zp = t_ksm("ksm_zero_pages");
	CHECK(zp == z0 + NK, "ksm_zero_pages %ld after pshare's unmap, want %ld",
	      zp, z0 + NK);
	CHECK(t_ksm_stat("ksm_zero_pages") == NK, "ksm_stat %ld after unmap",
	      t_ksm_stat("ksm_zero_pages"));

	/* The kernel's go: its count is back where it was. */
	munmap(k, NK * PAGE_SZ);
	zk = t_ksm("ksm_zero_pages");
	CHECK(zk == z0, "ksm_zero_pages %ld at the end, want %ld", zk, z0);

	t_ksm_set("run", 0);
	t_ksm_set("use_zero_pages", 0);
	t_ksm_set("pages_to_scan", 100);
	t_ksm_set("sleep_millisecs", 20);
	CHECK(t_wait_stat("metadata_bytes", 0, 60) == 0, "metadata freed");
	return t_end();
}
