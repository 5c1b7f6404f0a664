// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: merged pages migrate through the kernel's own
 * folio_migrate_ksm(), by move_pages() between the guest's two (fake) NUMA
 * nodes and by compaction; content, KSM status and counters survive, and
 * writes still copy on write.
 */
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tlib.h"

#define N	4096

static long move_pages_raw(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, flags);
}

int main(void)
{
	static uint64_t before[N], seed[N];
	static void *pages[N];
	static int nodes[N], status[N];
	int i, bad = 0, ksm = 0, moved = 0;
	char *mem;

	t_start("compact");
	t_fast_scan();
	mem = t_map(N);
	for (i = 0; i < N; i++) {
		seed[i] = 900 + i % 64;
		t_fill(mem + i * PAGE_SZ, seed[i]);
		pages[i] = mem + i * PAGE_SZ;
	}
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 64);
	t_expect_stat("pages_sharing", N - 64);
	for (i = 0; i < N; i++)
		before[i] = t_pfn(mem + i * PAGE_SZ);

	/*
	 * Move every merged page to the other node (MOVE_ALL: shared ones).
	 * Pause pshared, whose passing references would fail some moves.
	 */
	t_sysfs_set("run", 0);
	if (move_pages_raw(N, pages, NULL, status, 0) == 0 && status[0] >= 0) {
		int round;

		for (i = 0; i < N; i++)
			nodes[i] = !status[i];
		/* A page the kernel holds for a moment fails; ask again. */
		for (round = 0; round < 5; round++) {
			CHECK(move_pages_raw(N, pages, nodes, status,
					     MPOL_MF_MOVE_ALL) >= 0,
			      "move_pages: %s", strerror(errno));
			for (i = 0, moved = 0; i < N; i++)
				moved += t_pfn(mem + i * PAGE_SZ) != before[i];
			if (moved == N)
				break;
		}
		moved = 0;
	} else {
		printf("  (move_pages unavailable: %s)\n", strerror(errno));
	}
	t_write_file("/proc/sys/vm/compact_memory", "1");
	t_sysfs_set("run", 1);
	for (i = 0; i < N; i++) {
		bad += !t_check(mem + i * PAGE_SZ, seed[i]);
		ksm += t_is_ksm(mem + i * PAGE_SZ);
		moved += t_pfn(mem + i * PAGE_SZ) != before[i];
	}
	printf("  %d of %d merged mappings migrated\n", moved, N);
	CHECK(moved == N, "only %d of %d merged mappings migrated", moved, N);
	CHECK(bad == 0, "%d pages wrong after migration", bad);
	CHECK(ksm == N, "%d of %d pages still KSM", ksm, N);
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 64);
	t_expect_stat("pages_sharing", N - 64);

	for (i = 0; i < N; i += 3) {
		seed[i] = 77000 + i;
		t_fill(mem + i * PAGE_SZ, seed[i]);
	}
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed[i]);
	CHECK(bad == 0, "%d pages wrong after writes", bad);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	for (i = 0, bad = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed[i]);
	CHECK(bad == 0, "%d pages wrong after unregister", bad);
	t_expect_stat("metadata_bytes", 0);
	return t_end();
}
