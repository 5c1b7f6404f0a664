// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: prctl(PR_SET_MEMORY_MERGE), the kernel's whole-process
 * merging (Linux 6.4 and later; skipped before), with the kernel's ksmd
 * running at full speed throughout.
 *
 * madvise=1: the process is pshare's as a whole. Its VMAs never become
 * VM_MERGEABLE, its present and future memory merges through pshare, and so
 * does the memory of its fork children and of an image it execs (the flag
 * is inherited); ksmd merges none of it (/proc/PID/ksm_stat). Turning it off
 * leaves no merged page behind when prctl() returns.
 *
 * madvise=0: the kernel's KSM takes the process. pshare's merged pages there
 * are gone when prctl() returns (every KSM page left is one of ksmd's), and
 * ksmd then merges the memory.
 *
 * Which engine holds a page: kpageflags shows KSM pages; ksm_stat's
 * ksm_merging_pages counts ksmd's in this process, PSHARE_IOC_QUERY
 * pshare's. Every page's content is checked.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#define PR_GET_MEMORY_MERGE	68
#endif

#define N	256	/* 32 contents, 8 pages each */
#define PARAM	"/sys/module/pshare/parameters/madvise"

static uint64_t seed(int i)
{
	return 900 + i % 32;
}

static char *filled(void)
{
	char *m = t_map(N);
	int i;

	for (i = 0; i < N; i++)
		t_fill(m + i * PAGE_SZ, seed(i));
	return m;
}

/* pshare's merged mappings in this process (PSHARE_IOC_QUERY). */
static long pshare_merged(void)
{
	struct pshare_proc_stats st;

	return t_query(&st) ? -1 : (long)(st.shared + st.sharing);
}

/* pages pshare has registered in this process */
static long registered(void)
{
	struct pshare_proc_stats st;

	return t_query(&st) ? -1 : (long)st.registered;
}

/* Wait until @f() is @want; return what it is. */
static long wait_for(long (*f)(void), long want, int timeout_s)
{
	double end = t_now() + timeout_s;

	while (f() != want && t_now() < end)
		usleep(50000);
	return f();
}

/* Wait until all N pages of @m are KSM pages; return how many are. */
static int wait_merged(char *m, int timeout_s)
{
	double end = t_now() + timeout_s;

	while (t_count_ksm(m, N) < N && t_now() < end)
		usleep(50000);
	return t_count_ksm(m, N);
}

/*
 * A fork child or exec'd image of a merge-any process under madvise=1: it
 * has the flag, and its new memory merges through pshare, not ksmd.
 */
static int inherited(const char *how)
{
	struct pshare_proc_info info;
	char *c;

	t_start(how);
	CHECK(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 1, "flag not inherited");
	c = filled();
	CHECK(t_vma_mergeable(c) == 0, "new VMA is VM_MERGEABLE");
	CHECK(wait_merged(c, 60) == N, "KSM pages %d of %d", t_count_ksm(c, N), N);
	CHECK(t_list_find(getpid(), &info) == 0 &&
	      (info.flags & PSHARE_PROC_WHOLE), "not registered as a whole");
	CHECK(t_ksm_stat("ksm_merging_pages") == 0, "ksmd merged %ld pages",
	      t_ksm_stat("ksm_merging_pages"));
	CHECK(pshare_merged() >= N, "pshare holds %ld", pshare_merged());
	CHECK(t_verify(c, N, seed) == 0, "content");
	return t_end();
}

static void run_child(const char *how, char *self)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (self) {
			execl(self, self, how, (char *)NULL);
			_exit(99);
		}
		_exit(inherited(how));
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "%s child failed (status %#x)", how,
	      status);
}

static void madvise_on(void)
{
	char *a, *b;
	long merged;

	CHECK(t_write_file(PARAM, "1") == 0, "madvise=1");
	a = filled();
	CHECK(prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) == 0, "PR_SET_MEMORY_MERGE");
	CHECK(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 1, "PR_GET_MEMORY_MERGE");
	b = filled();	/* a VMA made after the prctl */
	CHECK(t_vma_mergeable(a) == 0 && t_vma_mergeable(b) == 0,
	      "VM_MERGEABLE with madvise=1");
	CHECK(wait_merged(a, 60) == N && wait_merged(b, 60) == N,
	      "KSM pages %d and %d of %d", t_count_ksm(a, N),
	      t_count_ksm(b, N), N);
	CHECK(t_ksm_stat("ksm_merging_pages") == 0, "ksmd merged %ld pages",
	      t_ksm_stat("ksm_merging_pages"));
	merged = pshare_merged();
	CHECK(merged >= 2 * N, "pshare holds %ld mappings, want >= %d", merged,
	      2 * N);

	run_child("fork-child", NULL);
	run_child("exec-child", "/proc/self/exe");
	CHECK(t_ksm("pages_sharing") == 0, "ksmd merged %ld pages in all",
	      t_ksm("pages_sharing"));

	/* Off: nothing merged remains when prctl() returns. */
	CHECK(prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0) == 0, "off");
	CHECK(t_count_ksm(a, N) == 0 && t_count_ksm(b, N) == 0,
	      "KSM pages left after off: %d and %d", t_count_ksm(a, N),
	      t_count_ksm(b, N));
	CHECK(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 0, "still on");
	CHECK(wait_for(registered, 0, 60) == 0, "%ld pages still registered",
	      registered());
	usleep(500000);
	CHECK(t_count_ksm(a, N) == 0 && t_count_ksm(b, N) == 0,
	      "merged again after off");
	CHECK(t_verify(a, N, seed) == 0 && t_verify(b, N, seed) == 0,
	      "content");
	munmap(a, N * PAGE_SZ);
	munmap(b, N * PAGE_SZ);
}

static void madvise_off(void)
{
	long before, after;
	char *d;
	int ksm;

	CHECK(t_write_file(PARAM, "0") == 0, "madvise=0");
	d = filled();
	CHECK(t_register(d, N * PAGE_SZ, 0) == 0, "register");
	CHECK(wait_merged(d, 60) == N, "pshare merged %d of %d",
	      t_count_ksm(d, N), N);
	CHECK(t_ksm_stat("ksm_merging_pages") <= 0, "ksmd merged %ld before",
	      t_ksm_stat("ksm_merging_pages"));

	/* The kernel's from here: every KSM page left must be ksmd's. */
	CHECK(prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) == 0, "PR_SET_MEMORY_MERGE");
	before = t_ksm_stat("ksm_merging_pages");
	ksm = t_count_ksm(d, N);
	after = t_ksm_stat("ksm_merging_pages");
	CHECK(ksm <= after, "%d KSM pages, ksmd's %ld..%ld: pshare's left in a VM_MERGEABLE VMA",
	      ksm, before, after);
	CHECK(t_vma_mergeable(d) == 1, "not VM_MERGEABLE with madvise=0");
	CHECK(wait_merged(d, 120) == N, "ksmd merged %d of %d",
	      t_count_ksm(d, N), N);
	CHECK(t_ksm_stat("ksm_merging_pages") >= N, "ksmd holds %ld",
	      t_ksm_stat("ksm_merging_pages"));
	CHECK(wait_for(pshare_merged, 0, 60) == 0, "pshare still holds %ld",
	      pshare_merged());
	CHECK(t_verify(d, N, seed) == 0, "content");

	CHECK(prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0) == 0, "off");
	CHECK(t_count_ksm(d, N) == 0, "ksmd's pages left after off: %d",
	      t_count_ksm(d, N));
	CHECK(t_verify(d, N, seed) == 0, "content after off");
	CHECK(t_unregister(d, N * PAGE_SZ) == 0 || errno == ENOENT,
	      "unregister");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return inherited(argv[1]);

	t_start("prctl");
	if (prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) < 0 && errno == EINVAL) {
		printf("  no PR_SET_MEMORY_MERGE in this kernel: skipped\n");
		return 77;
	}
	t_fast_scan();
	CHECK(t_sysfs_set("salting", 2) == 0, "salting");
	/* ksmd at full speed: it must find nothing of pshare's. */
	t_ksm_set("pages_to_scan", 4000);
	t_ksm_set("sleep_millisecs", 0);
	t_ksm_set("run", 1);

	madvise_on();
	madvise_off();

	t_ksm_set("run", 2);
	t_ksm_set("run", 0);
	t_ksm_set("pages_to_scan", 100);
	t_ksm_set("sleep_millisecs", 20);
	t_write_file(PARAM, "0");
	CHECK(t_wait_stat("metadata_bytes", 0, 60) == 0, "metadata freed");
	return t_end();
}
