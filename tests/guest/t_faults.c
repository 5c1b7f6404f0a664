// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: allocation failures. With the kernel's fault
 * injection (failslab and fail_page_alloc, sleeping allocations included),
 * 20% of the allocations of pshared and of this process fail while it
 * registers and unregisters and while pshared scans and merges. Every call
 * gets success or ENOMEM, every page keeps its content, and once the
 * faults stop the scanner merges everything it should (it is not wedged)
 * and, after the last unregistration, no metadata is left (no leak).
 * Skipped on a kernel without fault injection (the stock one).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "tlib.h"

#define N	2048
#define NR	8	/* registrations, of N / NR pages each */
#define DBG	"/sys/kernel/debug/"

static uint64_t seed_of(int i)
{
	switch (i % 4) {
	case 0: return 0;
	case 1: return 300000 + i;
	default: return 30 + i % 32;
	}
}

/*
 * Write a control file. The write itself allocates, and may fail while
 * this process is a fault target: retry.
 */
static int set(const char *path, const char *val)
{
	int i;

	for (i = 0; i < 1000; i++)
		if (t_write_file(path, val) == 0)
			return 0;
	return -1;
}

/* Make @pid's allocations fail (or not) under the filters below. */
static int make_it_fail(long pid, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/make-it-fail", pid);
	return set(path, on ? "1" : "0");
}

static void faults(int on)
{
	static const char * const attr[] = { "failslab", "fail_page_alloc" };
	char path[128];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), DBG "%s/probability", attr[i]);
		CHECK(set(path, on ? "20" : "0") == 0, "%s", path);
		snprintf(path, sizeof(path), DBG "%s/interval", attr[i]);
		set(path, "1");
		snprintf(path, sizeof(path), DBG "%s/times", attr[i]);
		set(path, "-1");
		snprintf(path, sizeof(path), DBG "%s/task-filter", attr[i]);
		set(path, "Y");
		snprintf(path, sizeof(path), DBG "%s/verbose", attr[i]);
		set(path, "0");
		snprintf(path, sizeof(path), DBG "%s/ignore-gfp-wait", attr[i]);
		set(path, "N");
	}
}

static long pshared_pid(void)
{
	char buf[64];

	if (t_thread_file("pshared", "stat", buf, sizeof(buf)) < 0)
		return -1;
	return atol(buf);
}

int main(void)
{
	long pid = pshared_pid(), ok = 0, enomem = 0, other = 0;
	char *mem = t_map(N);
	int i, r, bad = 0;
	double end;

	t_start("faults");
	if (access(DBG "failslab/probability", W_OK) ||
	    access(DBG "fail_page_alloc/probability", W_OK)) {
		printf("  no fault injection in this kernel\n");
		return 77;
	}
	CHECK(mem && pid > 0, "setup");
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	t_fast_scan();
	t_pshare_fd();		/* opened before the faults */

	faults(1);
	CHECK(make_it_fail(pid, 1) == 0, "make-it-fail for pshared");
	end = t_now() + 8;
	while (t_now() < end) {
		make_it_fail(getpid(), 1);
		for (r = 0; r < NR; r++) {
			errno = 0;
			if (t_register(mem + r * (N / NR) * PAGE_SZ,
				       N / NR * PAGE_SZ, 0) == 0)
				ok++;
			else if (errno == ENOMEM)
				enomem++;
			else if (errno != EEXIST)
				other++;
		}
		CHECK(make_it_fail(getpid(), 0) == 0, "make-it-fail off");
		usleep(300000);
		make_it_fail(getpid(), 1);
		r = rand() % NR;
		errno = 0;
		if (t_unregister(mem + r * (N / NR) * PAGE_SZ, N / NR * PAGE_SZ) &&
		    errno != ENOENT && errno != ENOMEM)
			other++;
		CHECK(make_it_fail(getpid(), 0) == 0, "make-it-fail off");
	}
	faults(0);
	CHECK(make_it_fail(pid, 0) == 0, "make-it-fail off for pshared");
	printf("  under faults: %ld registrations, %ld ENOMEM, %ld other errors, merges so far %ld\n",
	       ok, enomem, other, t_sysfs("pages_merged"));
	CHECK(other == 0, "%ld calls failed with another errno", other);
	CHECK(enomem > 0, "no allocation failed: the injection did not work");
	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
	CHECK(bad == 0, "%d pages wrong under faults", bad);

	/* Faults off: register whatever is missing, and all merges happen. */
	for (r = 0; r < NR; r++)
		t_register(mem + r * (N / NR) * PAGE_SZ, N / NR * PAGE_SZ, 0);
	CHECK(t_wait_scans(3, 300) == 0, "scanner wedged");
	/*
	 * Every duplicate ends up merged and every zero page on the zero
	 * page. (The counters need not match a clean run: a content may
	 * have two merged pages where a merge into the first one failed,
	 * and a page unregistered with its zero-page mapping is not counted
	 * as pshare's when registered again.)
	 */
	for (r = 0; r < 4; r++) {
		int ksm = 0, zero = 0;

		for (i = 0; i < N; i++) {
			if (i % 4 >= 2)	/* a KSM page left with one mapping too */
				ksm += t_maybe_ksm(mem + i * PAGE_SZ);
			else if (i % 4 == 0)
				zero += t_is_zero_page(mem + i * PAGE_SZ);
		}
		printf("  after faults: %d of %d duplicates merged, %d of %d zero pages on the zero page\n",
		       ksm, N / 2, zero, N / 4);
		if ((ksm == N / 2 && zero == N / 4) || r == 3) {
			CHECK(ksm == N / 2 && zero == N / 4, "not converged");
			break;
		}
		t_wait_scans(1, 300);
	}
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
	CHECK(bad == 0, "%d pages wrong after faults", bad);
	for (r = 0; r < NR; r++)
		CHECK(t_unregister(mem + r * (N / NR) * PAGE_SZ,
				   N / NR * PAGE_SZ) == 0, "unregister %d", r);
	t_expect_stat("metadata_bytes", 0);
	t_expect_stat("pages_shared", 0);
	return t_end();
}
