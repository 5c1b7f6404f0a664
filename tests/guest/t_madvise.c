// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: registration through madvise(). With the module
 * parameter madvise=1, MADV_MERGEABLE registers private anonymous memory
 * with pshare, which never becomes VM_MERGEABLE, and MADV_UNMERGEABLE ends
 * it, cutting a registration where needed. With madvise=0 the kernel's
 * KSM gets the VMA, and pshare lets go of its merged pages there first.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	64	/* 32 contents, twice: page i and page i + 32 */
#define PARAM	"/sys/module/pshare/parameters/madvise"

static uint64_t seed(int i)
{
	return 700 + i % 32;
}

static long registered(void)
{
	struct pshare_proc_stats st;

	return t_query(&st) ? -1 : (long)st.registered;
}

/* madvise registration is asynchronous: wait for @want pages. */
static int wait_registered(long want)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (registered() == want)
			return 0;
		usleep(25000);
	}
	printf("  (registered %ld, want %ld)\n", registered(), want);
	return -1;
}

static void fill(char *mem)
{
	int i;

	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed(i));
}

int main(void)
{
	char *a = t_map(N), *b = t_map(N), *shared, *file;
	int fd;
	struct pshare_proc_info info;

	t_start("madvise");
	t_fast_scan();
	t_ksm_set("run", 0);
	CHECK(t_sysfs_set("salting", 2) == 0, "salting");
	fill(a);
	fill(b);
	CHECK(t_write_file(PARAM, "1") == 0, "madvise=1");

	/* MADV_MERGEABLE registers with pshare; the VMA is not VM_MERGEABLE. */
	CHECK(madvise(a, N * PAGE_SZ, MADV_MERGEABLE) == 0, "MADV_MERGEABLE");
	CHECK(t_vma_mergeable(a) == 0, "VM_MERGEABLE with madvise=1");
	CHECK(wait_registered(N) == 0, "madvise registration");
	CHECK(t_list_find(getpid(), &info) == 0 &&
	      (info.flags & PSHARE_PROC_MADVISE), "MADVISE flag");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_count_ksm(a, N) == N, "KSM pages %d, want %d",
	      t_count_ksm(a, N), N);

	/* MADV_UNMERGEABLE on half: unmerged at once, the rest stays. */
	CHECK(madvise(a, N / 2 * PAGE_SZ, MADV_UNMERGEABLE) == 0,
	      "MADV_UNMERGEABLE");
	CHECK(t_count_ksm(a, N / 2) == 0, "KSM pages left in the first half: %d",
	      t_count_ksm(a, N / 2));
	CHECK(wait_registered(N / 2) == 0, "half unregistered");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_count_ksm(a, N / 2) == 0, "first half merged again");
	CHECK(t_verify(a, N, seed) == 0, "content after MADV_UNMERGEABLE");

	/* And back: the whole range merges again. */
	CHECK(madvise(a, N / 2 * PAGE_SZ, MADV_MERGEABLE) == 0, "again");
	CHECK(wait_registered(N) == 0, "registered again");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_count_ksm(a, N) == N, "KSM pages %d after MADV_MERGEABLE again",
	      t_count_ksm(a, N));

	/* Shared memory is the kernel's business: nothing registers. */
	shared = mmap(NULL, N * PAGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED, "mmap shared");
	CHECK(madvise(shared, N * PAGE_SZ, MADV_MERGEABLE) == 0, "shared");
	usleep(500000);
	CHECK(registered() == N, "shared memory registered: %ld", registered());

	/*
	 * A private file mapping pshare cannot merge: the advice succeeds and
	 * the VMA stays out of ksmd's hands too (it would also enter the
	 * process in ksmd's list).
	 */
	fd = open("/tmp/t_madvise.file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, N * PAGE_SZ) == 0, "file");
	file = mmap(NULL, N * PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		    fd, 0);
	CHECK(file != MAP_FAILED, "mmap private file");
	t_fill(file, 1);	/* one anonymous copy-on-write page */
	CHECK(madvise(file, N * PAGE_SZ, MADV_MERGEABLE) == 0, "private file");
	CHECK(t_vma_mergeable(file) == 0,
	      "a private file mapping became VM_MERGEABLE with madvise=1");
	CHECK(t_check(file, 1), "private file mapping content");
	munmap(file, N * PAGE_SZ);
	close(fd);
	unlink("/tmp/t_madvise.file");

	/* madvise=0: the kernel's KSM takes b; pshare lets go at once. */
	CHECK(t_write_file(PARAM, "0") == 0, "madvise=0");
	CHECK(t_register(b, N * PAGE_SZ, 0) == 0, "register b");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	CHECK(t_count_ksm(b, N) == N, "b merged: %d", t_count_ksm(b, N));
	CHECK(madvise(b, N * PAGE_SZ, MADV_MERGEABLE) == 0, "b MADV_MERGEABLE");
	CHECK(t_vma_mergeable(b) == 1, "b not VM_MERGEABLE with madvise=0");
	CHECK(t_count_ksm(b, N) == 0, "pshare's KSM pages left in a VM_MERGEABLE VMA: %d",
	      t_count_ksm(b, N));
	CHECK(t_wait_scans(2, 60) == 0, "scans");
	CHECK(wait_registered(N) == 0, "pshare let go of b");
	CHECK(t_count_ksm(b, N) == 0, "b merged while ksmd is off");
	CHECK(madvise(b, N * PAGE_SZ, MADV_UNMERGEABLE) == 0, "b back");
	CHECK(t_verify(a, N, seed) == 0 && t_verify(b, N, seed) == 0,
	      "content");

	CHECK(t_unregister(a, N * PAGE_SZ) == 0, "unregister a");
	CHECK(t_verify(a, N, seed) == 0, "content after unregister");
	CHECK(t_wait_stat("metadata_bytes", 0, 30) == 0, "metadata freed");
	return t_end();
}
