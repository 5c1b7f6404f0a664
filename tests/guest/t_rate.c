// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: the scan-rate controls. For each of scan_time_secs,
 * rate_max_pages, the host-wide scan_mb_per_ghz cap, registration weights
 * and max_cpu_percent, the rate pshared achieves (pages_scanned, or each
 * process's QUERY count) over a window is within 15% of the configured
 * one, and its CPU time (from /proc, as the scheduler accounts it) stays
 * under the cap. Those run with first_scan 0; then with first_scan 1 (the
 * default), a new registration is scanned at the host-wide cap for two
 * passes, the first and one that finds nothing new, then at the pace of
 * scan_time_secs.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define PAGES	8192	/* 32 MiB per registration */
#define WARMUP	1.5	/* s: rates and credit settle after a change */
#define WINDOW	4.0	/* s measured */

static char *region(int seed)
{
	char *mem = t_map(PAGES);
	int i;

	for (i = 0; mem && i < PAGES; i++)
		t_fill(mem + i * PAGE_SZ, 1000000 * seed + i);	/* unique */
	return mem;
}

/* pages_scanned per second, and pshared's CPU share, over @window s. */
static double measure_for(double window, double *cpu_share)
{
	double t0, t1, c0, c1;
	long s0, s1;

	usleep(WARMUP * 1e6);
	t0 = t_now();
	s0 = t_sysfs("pages_scanned");
	c0 = t_thread_cpu("pshared");
	usleep(window * 1e6);
	t1 = t_now();
	s1 = t_sysfs("pages_scanned");
	c1 = t_thread_cpu("pshared");
	if (cpu_share)
		*cpu_share = (c1 - c0) / (t1 - t0);
	return (s1 - s0) / (t1 - t0);
}

static double measure(double *cpu_share)
{
	return measure_for(WINDOW, cpu_share);
}

static void expect_rate(const char *what, double got, double want)
{
	printf("  %-28s configured %8.0f pages/s, achieved %8.0f (%+.1f%%)\n",
	       what, want, got, want ? 100 * (got - want) / want : 0);
	CHECK(got >= 0.85 * want && got <= 1.15 * want,
	      "%s: %.0f pages/s, want %.0f +-15%%", what, got, want);
}

/*
 * One registered child with @weight: says it registered on @ready, waits
 * for a byte on @go (so that both children measure the same span), and
 * reports its scan rate on @fd.
 */
static pid_t weighted_child(int weight, int fd, int ready, int go)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *mem = region(weight);
		struct pshare_register r = {
			.start = (uintptr_t)mem, .length = PAGES * PAGE_SZ,
			.weight = weight,
		};
		struct pshare_proc_stats s0, s1;
		double t0, t1, rate;
		char c = 1;

		if (!mem || ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER, &r))
			_exit(1);
		if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
			_exit(1);
		usleep(WARMUP * 1e6);
		t0 = t_now();
		t_query(&s0);
		usleep(WINDOW * 1e6);
		t1 = t_now();
		t_query(&s1);
		rate = (s1.scanned - s0.scanned) / (t1 - t0);
		_exit(write(fd, &rate, sizeof(rate)) == sizeof(rate) ? 0 : 1);
	}
	return pid;
}

static void weights(void)
{
	static const int w[2] = { 100, 300 };
	int fds[2][2], ready[2], go[2], i, st;
	double rate[2], cap;
	char c = 1;
	pid_t pid[2];

	CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe");
	for (i = 0; i < 2; i++) {
		CHECK(pipe(fds[i]) == 0, "pipe");
		pid[i] = weighted_child(w[i], fds[i][1], ready[1], go[0]);
	}
	for (i = 0; i < 2; i++)
		CHECK(read(ready[0], &c, 1) == 1, "child registered");
	for (i = 0; i < 2; i++)
		CHECK(write(go[1], &c, 1) == 1, "go");
	for (i = 0; i < 2; i++) {
		CHECK(read(fds[i][0], &rate[i], sizeof(rate[i])) ==
		      sizeof(rate[i]), "child %d report", i);
		CHECK(waitpid(pid[i], &st, 0) == pid[i] && st == 0,
		      "child %d status %#x", i, st);
	}
	cap = t_sysfs("scan_cap_pages");
	expect_rate("weight 100 of 400", rate[0], cap / 4);
	expect_rate("weight 300 of 400", rate[1], cap * 3 / 4);
}

/*
 * first_scan 1, every rate setting at its default but a lower host-wide
 * cap: a new registration's first pass, and the next (its first found
 * every page new), run at the cap; the third at scan_time_secs' pace, as
 * does a new registration's first pass with first_scan 0.
 */
static void first_scan(void)
{
	char *mem = region(4), *mem2 = region(5);
	double got, cap;

	t_default_rates();
	CHECK(t_sysfs("first_scan") == 1, "first_scan default %ld, want 1",
	      t_sysfs("first_scan"));
	t_sysfs_set("max_cpu_percent", 100);
	t_sysfs_set("scan_mb_per_ghz", 1);
	CHECK(mem && mem2 && t_register(mem, PAGES * PAGE_SZ, 0) == 0,
	      "register new memory");
	got = measure_for(2, NULL);
	/* Read after the scanner's next period has applied the new cap. */
	cap = t_sysfs("scan_cap_pages");
	expect_rate("first_scan 1: first pass", got, cap);
	CHECK(t_wait_scans(2, 120) == 0, "two passes");
	got = measure(NULL);
	printf("  %-28s %.0f pages/s (cap %.0f)\n", "first_scan 1: third pass",
	       got, cap);
	CHECK(got < cap / 10, "third pass at %.0f pages/s, cap %.0f", got, cap);

	t_sysfs_set("first_scan", 0);
	CHECK(t_register(mem2, PAGES * PAGE_SZ, 0) == 0, "register more");
	got = measure(NULL);
	printf("  %-28s %.0f pages/s (cap %.0f)\n", "first_scan 0: first pass",
	       got, cap);
	CHECK(got < cap / 10, "first pass at %.0f pages/s with first_scan 0",
	      got);
	CHECK(t_unregister(mem, PAGES * PAGE_SZ) == 0, "unregister");
	CHECK(t_unregister(mem2, PAGES * PAGE_SZ) == 0, "unregister more");
	munmap(mem, PAGES * PAGE_SZ);
	munmap(mem2, PAGES * PAGE_SZ);
}

int main(void)
{
	double cpu, got;
	char *mem;
	long cap;

	t_start("rate");
	t_default_rates();
	t_sysfs_set("first_scan", 0);
	t_sysfs_set("max_cpu_percent", 100);
	t_sysfs_set("scan_mb_per_ghz", 65536);
	mem = region(1);
	CHECK(mem && t_register(mem, PAGES * PAGE_SZ, 0) == 0, "register");

	/* Mem.ShareScanTime: PAGES / 16 s = 512 pages/s. */
	t_sysfs_set("rate_max_pages", 100000);
	t_sysfs_set("scan_time_secs", 16);
	got = measure(&cpu);
	expect_rate("scan_time_secs 16", got, PAGES / 16.0);
	/*
	 * The period does not change the rate, up to its longest (1000 ms):
	 * each period earns credit for all the time it slept. Over 8 s a
	 * period of 500 ms counts 16 periods, one either way.
	 */
	t_sysfs_set("sleep_millisecs", 500);
	got = measure_for(2 * WINDOW, NULL);
	expect_rate("sleep_millisecs 500", got, PAGES / 16.0);
	t_sysfs_set("sleep_millisecs", 100);

	/* Mem.ShareRateMax caps it. */
	t_sysfs_set("scan_time_secs", 1);
	t_sysfs_set("rate_max_pages", 300);
	got = measure(&cpu);
	expect_rate("rate_max_pages 300", got, 300);

	/* Mem.ShareScanGHz: 1 MB/s per GHz of CPU, host-wide. */
	t_sysfs_set("rate_max_pages", 100000);
	t_sysfs_set("scan_mb_per_ghz", 1);
	got = measure(&cpu);
	cap = t_sysfs("scan_cap_pages");
	printf("  cpu_mhz %ld: cap %ld pages/s\n", t_sysfs("cpu_mhz"), cap);
	CHECK(cap == t_sysfs("cpu_mhz") * 256 / 1000, "scan_cap_pages %ld", cap);
	expect_rate("scan_mb_per_ghz 1", got, cap);
	/* 0 stops scanning. */
	t_sysfs_set("scan_mb_per_ghz", 0);
	got = measure(NULL);
	CHECK(got < 5, "scan_mb_per_ghz 0: still %.0f pages/s", got);

	/* The cap binds: two more registrations share it by weight. */
	t_sysfs_set("scan_mb_per_ghz", 1);
	CHECK(t_unregister(mem, PAGES * PAGE_SZ) == 0, "unregister");
	weights();

	/* max_cpu_percent: no rate limit, 10% of a CPU. */
	CHECK(t_register(mem, PAGES * PAGE_SZ, 0) == 0, "register again");
	t_fast_scan();
	t_sysfs_set("max_cpu_percent", 10);
	cap = t_sysfs("cpu_throttled");
	got = measure(&cpu);
	printf("  max_cpu_percent 10: CPU %.1f%%, %.0f pages/s, %ld periods throttled\n",
	       100 * cpu, got, t_sysfs("cpu_throttled") - cap);
	CHECK(cpu <= 0.10 * 1.15, "CPU %.1f%% over the 10%% cap", 100 * cpu);
	CHECK(got > 0, "no scanning under the CPU cap");
	CHECK(t_sysfs("cpu_throttled") > cap, "never throttled");
	/* And without the cap it would have used more: the test can fail. */
	t_sysfs_set("max_cpu_percent", 100);
	got = measure(&cpu);
	printf("  max_cpu_percent 100: CPU %.1f%%, %.0f pages/s\n", 100 * cpu, got);
	CHECK(cpu > 0.10 * 1.15, "uncapped CPU %.1f%% is no more than the cap",
	      100 * cpu);

	CHECK(t_unregister(mem, PAGES * PAGE_SZ) == 0, "unregister");
	first_scan();
	t_default_rates();
	return t_end();
}
