// SPDX-License-Identifier: GPL-2.0-only
/*
 * b_compare: the same workload under the kernel's KSM and under pshare, in
 * one boot, with the same scan settings; prints final counters, the time
 * to the last merge and the scanning thread's CPU time for each.
 *
 *   b_compare [-m MIB] [-d DISTINCT] [-u UNIQUE%] [-p PAGES_TO_SCAN]
 *             [-s SLEEP_MS] [-t TIMEOUT_S]
 *
 * Default: 256 MiB, 64 distinct contents, 10% unique pages, 1000 pages per
 * batch, 20 ms sleep: the baseline workload of the platform facts.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "tlib.h"

static long pages, distinct = 64, unique_pct = 10;

static uint64_t seed_of(long i)
{
	if ((i * 2654435761UL) % 100 < (unsigned long)unique_pct)
		return 10000000 + i;
	return 1 + i % distinct;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long ksm_stat(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/ksm/%s", name);
	return t_read_long(path);
}

static char *workload(void)
{
	char *mem = t_map(pages);
	long i;

	for (i = 0; i < pages; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	return mem;
}

static long verify(char *mem)
{
	long i, bad = 0;

	for (i = 0; i < pages; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
	return bad;
}

/*
 * Wait until @saved() stops changing for @quiet_s. Returns the time of the
 * last change, and in *@cpu the CPU seconds thread @comm had used by then
 * (from @cpu0), not counting the scanning that goes on after convergence.
 */
static double converge(long (*saved)(void), const char *comm, double cpu0,
		       double *cpu, double t0, int quiet_s, int timeout_s)
{
	long last = -1;
	double last_change = t0;

	*cpu = 0;
	while (now() - t0 < timeout_s) {
		long s = saved();

		if (s != last) {
			last = s;
			last_change = now();
			*cpu = t_thread_cpu(comm) - cpu0;
		} else if (now() - last_change >= quiet_s && s > 0) {
			break;
		}
		usleep(100000);
	}
	return last_change - t0;
}

static long ksm_saved(void)
{
	return ksm_stat("pages_sharing");
}

static long pshare_saved(void)
{
	return t_sysfs("pages_sharing") + t_sysfs("zero_pages_sharing");
}

int main(int argc, char **argv)
{
	long mib = 256, to_scan = 1000, sleep_ms = 20, timeout = 300, bad;
	long saved_ksm;
	double t0, c0, t_ksm, cpu_ksm, t_ps, cpu_ps;
	char *mem;
	int opt;

	while ((opt = getopt(argc, argv, "m:d:u:p:s:t:")) != -1) {
		switch (opt) {
		case 'm': mib = atol(optarg); break;
		case 'd': distinct = atol(optarg); break;
		case 'u': unique_pct = atol(optarg); break;
		case 'p': to_scan = atol(optarg); break;
		case 's': sleep_ms = atol(optarg); break;
		case 't': timeout = atol(optarg); break;
		default: return 2;
		}
	}
	t_start("compare");
	pages = mib * 256;
	printf("b_compare: %ld MiB, %ld distinct contents, %ld%% unique, pages_to_scan %ld, sleep %ld ms\n",
	       mib, distinct, unique_pct, to_scan, sleep_ms);

	/* 1. the kernel's KSM */
	mem = workload();
	t_ksm_set("pages_to_scan", to_scan);
	t_ksm_set("sleep_millisecs", sleep_ms);
	CHECK(madvise(mem, pages * PAGE_SZ, MADV_MERGEABLE) == 0, "madvise");
	c0 = t_thread_cpu("ksmd");
	t0 = now();
	t_ksm_set("run", 1);
	t_ksm = converge(ksm_saved, "ksmd", c0, &cpu_ksm, t0, 5, timeout);
	printf("RESULT ksm    shared=%ld sharing=%ld unshared=%ld last_merge_s=%.2f cpu_to_last_merge_s=%.2f\n",
	       ksm_stat("pages_shared"), ksm_stat("pages_sharing"),
	       ksm_stat("pages_unshared"), t_ksm, cpu_ksm);
	saved_ksm = ksm_saved();
	bad = verify(mem);
	CHECK(bad == 0, "%ld pages wrong under KSM", bad);
	t_ksm_set("run", 2);
	munmap(mem, pages * PAGE_SZ);

	/* 2. pshare, same settings */
	mem = workload();
	/* ksmd's nominal rate: to_scan pages every sleep_ms (CPU bound at 0). */
	t_fast_scan();
	if (sleep_ms)
		t_sysfs_set("rate_max_pages", to_scan * 1000 / sleep_ms);
	c0 = t_thread_cpu("pshared");
	t0 = now();
	CHECK(t_register(mem, pages * PAGE_SZ, 0) == 0, "register");
	t_ps = converge(pshare_saved, "pshared", c0, &cpu_ps, t0, 5, timeout);
	printf("RESULT pshare shared=%ld sharing=%ld unshared=%ld zero=%ld metadata_bytes=%ld last_merge_s=%.2f cpu_to_last_merge_s=%.2f\n",
	       t_sysfs("pages_shared"), t_sysfs("pages_sharing"),
	       t_sysfs("pages_unshared"), t_sysfs("zero_pages_sharing"),
	       t_sysfs("metadata_bytes"), t_ps, cpu_ps);
	bad = verify(mem);
	CHECK(bad == 0, "%ld pages wrong under pshare", bad);
	printf("RESULT ratio  saved pshare/ksm=%.3f cpu ksm/pshare=%.2f\n",
	       (double)pshare_saved() / (saved_ksm ? saved_ksm : 1),
	       cpu_ps > 0 ? cpu_ksm / cpu_ps : 0);
	t_unregister(mem, pages * PAGE_SZ);
	t_default_rates();
	return t_end();
}
