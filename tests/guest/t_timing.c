// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: the dedup timing side channel across domains. A page
 * whose identical twin lives in another sharing domain is never merged,
 * so a write to it costs what a write to a unique page costs: no
 * copy-on-write fault. As a control, pages with a twin in their own domain
 * are merged, and writing them takes a fault; that shows the measurement
 * can see one. Reported: the median write latency of each kind.
 */
#include <stdlib.h>
#include <time.h>
#include "tlib.h"

#define N	256

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median time of one 8-byte store into each of the @n pages at @mem, ns. */
static double write_median(char *mem, int n)
{
	static double t[N];
	struct timespec a, b;
	int i;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		*(volatile uint64_t *)(mem + i * PAGE_SZ + 64) = 0x1234;
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	}
	qsort(t, n, sizeof(t[0]), cmp);
	return t[n / 2];
}

int main(void)
{
	/* a: domain 1; b: domain 2, same contents as a; u: unique, domain 1;
	 * s: domain 3, pairs of identical pages (the control). */
	char *a = t_map(N), *b = t_map(N), *u = t_map(N), *s = t_map(2 * N);
	double ta, tu, ts;
	int i, ksm_a, ksm_b, ksm_u, ksm_s;

	t_start("timing");
	CHECK(a && b && u && s, "mmap");
	for (i = 0; i < N; i++) {
		t_fill(a + i * PAGE_SZ, 7000 + i);
		t_fill(b + i * PAGE_SZ, 7000 + i);
		t_fill(u + i * PAGE_SZ, 9000 + i);
		t_fill(s + i * PAGE_SZ, 11000 + i);
		t_fill(s + (N + i) * PAGE_SZ, 11000 + i);
	}
	t_fast_scan();
	CHECK(t_register(a, N * PAGE_SZ, 1) == 0, "register a");
	CHECK(t_register(b, N * PAGE_SZ, 2) == 0, "register b");
	CHECK(t_register(u, N * PAGE_SZ, 1) == 0, "register u");
	CHECK(t_register(s, 2 * N * PAGE_SZ, 3) == 0, "register s");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("pages_shared", N);	/* the control's pairs only */
	ksm_a = t_count_ksm(a, N);
	ksm_b = t_count_ksm(b, N);
	ksm_u = t_count_ksm(u, N);
	ksm_s = t_count_ksm(s, N);
	CHECK(ksm_a == 0 && ksm_b == 0 && ksm_u == 0,
	      "KSM pages across domains: a %d, b %d, unique %d", ksm_a, ksm_b,
	      ksm_u);
	CHECK(ksm_s == N, "control: %d of %d pages merged", ksm_s, N);

	ta = write_median(a, N);
	tu = write_median(u, N);
	ts = write_median(s, N);
	printf("  median write latency: twin in another domain %.0f ns, unique %.0f ns, merged (control) %.0f ns\n",
	       ta, tu, ts);
	/* The same kind of write: within a factor of 3 under TCG's noise. */
	CHECK(ta < 3 * tu && tu < 3 * ta,
	      "cross-domain twin %.0f ns vs unique %.0f ns", ta, tu);
	CHECK(ts > 3 * tu, "control: a copy-on-write write (%.0f ns) is not slower than a plain one (%.0f ns)",
	      ts, tu);
	for (i = 0; i < N; i++)
		CHECK(t_check(b + i * PAGE_SZ, 7000 + i), "b page %d", i);
	t_unregister(a, N * PAGE_SZ);
	t_unregister(b, N * PAGE_SZ);
	t_unregister(u, N * PAGE_SZ);
	t_unregister(s, 2 * N * PAGE_SZ);
	return t_end();
}
