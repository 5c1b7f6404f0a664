// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: a process that exits with merged pages and never
 * unregisters. Its registrations end at exit (mmu notifier release), pshared
 * reaps them, and every counter and every byte of metadata goes.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define N	1024

int main(void)
{
	int i, status, waited;
	pid_t pid;

	t_start("exit");
	t_fast_scan();
	pid = fork();
	if (pid == 0) {
		char *mem = t_map(N);

		for (i = 0; i < N; i++)
			t_fill(mem + i * PAGE_SZ, i % 4 ? 11 + i % 8 : 0);
		if (t_register(mem, N * PAGE_SZ, 0) || t_wait_scans(2, 300))
			_exit(2);
		_exit(t_sysfs("pages_sharing") > 0 ? 0 : 3);	/* no unregister */
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child: status %d", status);
	/* pshared reaps on its own; give it a few seconds. */
	for (waited = 0; waited < 100 && t_sysfs("metadata_bytes"); waited++)
		usleep(100000);
	t_expect_stat("metadata_bytes", 0);
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	t_expect_stat("pages_unshared", 0);
	t_expect_stat("zero_pages_sharing", 0);
	return t_end();
}
