// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: merged pages across fork. Parent and child each write
 * half of the region and each sees exactly its own writes and the other's
 * untouched pages.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define N	1024	/* 16 contents x 64 copies */

static uint64_t base_seed(int i)
{
	return 100 + i % 16;
}

static int verify(char *mem, int who)
{
	int i, bad = 0;

	for (i = 0; i < N; i++) {
		uint64_t s = base_seed(i);

		if (who == 1 && i % 2 == 0)
			s = 200000 + i;		/* the child's writes */
		if (who == 2 && i % 2 == 1)
			s = 300000 + i;		/* the parent's writes */
		bad += !t_check(mem + i * PAGE_SZ, s);
	}
	return bad;
}

int main(void)
{
	char *mem = t_map(N);
	int i, status, ksm = 0;
	pid_t pid;

	t_start("fork");
	t_fast_scan();
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, base_seed(i));
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 16);
	t_expect_stat("pages_sharing", N - 16);

	pid = fork();
	if (pid == 0) {
		int bad;

		for (i = 0; i < N; i++)
			ksm += t_is_ksm(mem + i * PAGE_SZ);
		bad = verify(mem, 0);
		for (i = 0; i < N; i += 2)
			t_fill(mem + i * PAGE_SZ, 200000 + i);
		bad += verify(mem, 1);
		usleep(300000);		/* let the parent write meanwhile */
		bad += verify(mem, 1);
		if (ksm != N)
			printf("  child: %d of %d pages are KSM after fork\n", ksm, N);
		_exit(bad || ksm != N ? 1 : 0);
	}
	for (i = 1; i < N; i += 2)
		t_fill(mem + i * PAGE_SZ, 300000 + i);
	CHECK(verify(mem, 2) == 0, "parent content after writes");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child saw wrong content");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	CHECK(verify(mem, 2) == 0, "parent content after the child's exit");
	/* The parent's even pages still share their 8 contents. */
	t_expect_stat("pages_shared", 8);
	t_expect_stat("pages_sharing", N / 2 - 8);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	CHECK(verify(mem, 2) == 0, "parent content after unregister");
	return t_end();
}
