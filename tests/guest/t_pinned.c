// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: pages with an extra pin (here io_uring's registered
 * buffers, a long-term GUP pin) never merge, since a pinned page may still
 * be written by a device or the kernel behind the page tables. Once the pin
 * is gone, they merge.
 */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "tlib.h"

#define N	512	/* 8 contents x 64 copies; the first half pinned */

int main(void)
{
	struct io_uring_params p = { 0 };
	char *mem = t_map(N);
	struct iovec iov;
	int i, ring, bad = 0, ksm_pinned = 0, ksm_free = 0;

	t_start("pinned");
	t_fast_scan();
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, 70 + i % 8);
	ring = syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0) {
		printf("  no io_uring: %s\n", strerror(errno));
		return 77;
	}
	iov.iov_base = mem;
	iov.iov_len = N / 2 * PAGE_SZ;
	CHECK(syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		      &iov, 1) == 0, "pin: %s", strerror(errno));

	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("pages_shared", 8);
	t_expect_stat("pages_sharing", N / 2 - 8);
	for (i = 0; i < N; i++) {
		if (i < N / 2)
			ksm_pinned += t_is_ksm(mem + i * PAGE_SZ);
		else if (t_is_ksm(mem + i * PAGE_SZ))
			ksm_free++;
		else
			printf("  unpinned page %d (content %d) not merged\n", i, i % 8);
	}
	CHECK(ksm_pinned == 0, "%d pinned pages were merged", ksm_pinned);
	CHECK(ksm_free == N / 2, "%d of %d unpinned pages merged", ksm_free,
	      N / 2);

	/* Unpin: now everything merges. */
	CHECK(syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS,
		      NULL, 0) == 0, "unpin: %s", strerror(errno));
	close(ring);
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("pages_shared", 8);
	t_expect_stat("pages_sharing", N - 8);
	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, 70 + i % 8);
	CHECK(bad == 0, "%d pages wrong", bad);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	return t_end();
}
