// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: merge_across_nodes, on the guest's two NUMA nodes
 * (numa=fake=2).
 *
 * Two regions of the same contents (each also twice within its region),
 * bound with mbind() to node 0 and node 1, NUMA balancing off so that
 * nothing moves:
 * - merge_across_nodes = 0: every page merges, within its node only: each
 *   page is still on its region's node (move_pages() queries), no frame is
 *   mapped from both regions, and each region has one frame per content;
 *   changing the tunable now fails with EBUSY, and leaves it as it was;
 * - run = 2, merge_across_nodes = 1, run = 1: the regions merge with each
 *   other, one frame per content for both.
 * Every page keeps its content throughout.
 */
#include <linux/mempolicy.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tlib.h"

#define N	512		/* pages per region: 256 contents, twice */
#define NODES_TUN "/sys/kernel/mm/pshare/merge_across_nodes"

static uint64_t seed_of(int i)
{
	return 6000 + i % (N / 2);
}

/* A region of N pages on @node, filled. */
static char *region_on(int node)
{
	unsigned long mask = 1UL << node;
	char *mem = t_map(N);
	int i;

	if (!mem)
		return NULL;
	if (syscall(SYS_mbind, mem, N * PAGE_SZ, MPOL_BIND, &mask,
		    sizeof(mask) * 8, 0)) {
		printf("  mbind to node %d: %s\n", node, strerror(errno));
		return NULL;
	}
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	return mem;
}

/* How many of @mem's pages are not on @node (move_pages() query). */
static int off_node(char *mem, int node)
{
	void *pages[N];
	int status[N], i, off = 0;

	for (i = 0; i < N; i++)
		pages[i] = mem + i * PAGE_SZ;
	if (syscall(SYS_move_pages, 0, N, pages, NULL, status, 0))
		return N;
	for (i = 0; i < N; i++)
		off += status[i] != node;
	return off;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct frames mapped by @a, by @b, and by both (any NULL skipped). */
static void frames(char *a, char *b, int *fa, int *fb, int *both)
{
	static uint64_t pa[N], pb[N];
	int i, j;

	for (i = 0; i < N; i++) {
		pa[i] = t_pfn(a + i * PAGE_SZ);
		pb[i] = t_pfn(b + i * PAGE_SZ);
	}
	qsort(pa, N, sizeof(*pa), cmp_u64);
	qsort(pb, N, sizeof(*pb), cmp_u64);
	*fa = *fb = *both = 0;
	for (i = 0; i < N; i++) {
		*fa += !i || pa[i] != pa[i - 1];
		*fb += !i || pb[i] != pb[i - 1];
	}
	for (i = j = 0; i < N && j < N; ) {
		if (pa[i] < pb[j]) {
			i++;
		} else if (pa[i] > pb[j]) {
			j++;
		} else {
			*both += !i || pa[i] != pa[i - 1];
			i++;
		}
	}
}

static int verify(char *a, char *b)
{
	int i, bad = 0;

	for (i = 0; i < N; i++) {
		bad += !t_check(a + i * PAGE_SZ, seed_of(i));
		bad += !t_check(b + i * PAGE_SZ, seed_of(i));
	}
	return bad;
}

/* Set merge_across_nodes, unmerging first (run=2) if it is refused. */
static int set_across(int v)
{
	char val[2] = { '0' + v, 0 };

	if (t_write_file(NODES_TUN, val) == 0)
		return 0;
	if (errno != EBUSY || t_sysfs_set("run", 2))
		return -1;
	if (t_write_file(NODES_TUN, val))
		return -1;
	return t_sysfs_set("run", 1);
}

int main(void)
{
	int fa, fb, both, ka, kb;
	char nb0[16] = "";
	char *a, *b;

	t_start("nodes");
	if (access("/sys/devices/system/node/node1", F_OK)) {
		printf("t_nodes: a single NUMA node: skipped\n");
		return 77;
	}
	if (access(NODES_TUN, F_OK)) {
		CHECK(0, "no %s", NODES_TUN);
		return t_end();
	}
	CHECK(t_sysfs("merge_across_nodes") == 1, "default %ld, want 1",
	      t_sysfs("merge_across_nodes"));
	/* Nothing may move between the nodes while the test looks. */
	t_read_file("/proc/sys/kernel/numa_balancing", nb0, sizeof(nb0));
	t_write_file("/proc/sys/kernel/numa_balancing", "0");
	t_fast_scan();

	a = region_on(0);
	b = region_on(1);
	if (!a || !b) {
		CHECK(0, "could not bind the regions to nodes 0 and 1");
		return t_end();
	}
	CHECK(off_node(a, 0) == 0 && off_node(b, 1) == 0,
	      "placed: %d pages off node 0, %d off node 1", off_node(a, 0),
	      off_node(b, 1));

	/* Within each node only. */
	CHECK(set_across(0) == 0, "merge_across_nodes = 0: %s", strerror(errno));
	CHECK(t_register(a, N * PAGE_SZ, 0) == 0, "register node 0 region");
	CHECK(t_register(b, N * PAGE_SZ, 0) == 0, "register node 1 region");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	ka = t_count_ksm(a, N);
	kb = t_count_ksm(b, N);
	frames(a, b, &fa, &fb, &both);
	printf("  merge_across_nodes 0: KSM pages %d + %d, frames %d + %d, %d mapped by both\n",
	       ka, kb, fa, fb, both);
	CHECK(ka == N && kb == N, "%d and %d of %d pages merged", ka, kb, N);
	CHECK(both == 0, "%d frames mapped from both nodes' regions", both);
	CHECK(fa == N / 2 && fb == N / 2, "%d and %d frames, want %d each",
	      fa, fb, N / 2);
	CHECK(off_node(a, 0) == 0, "%d merged pages of node 0 on node 1",
	      off_node(a, 0));
	CHECK(off_node(b, 1) == 0, "%d merged pages of node 1 on node 0",
	      off_node(b, 1));
	CHECK_ERRNO(t_write_file(NODES_TUN, "1"), EBUSY);
	CHECK(t_sysfs("merge_across_nodes") == 0, "changed while merged");
	CHECK(t_write_file(NODES_TUN, "0") == 0, "same value while merged");
	CHECK_ERRNO(t_write_file(NODES_TUN, "2"), EINVAL);
	CHECK(verify(a, b) == 0, "content, within nodes");

	/* Across nodes. */
	CHECK(t_sysfs_set("run", 2) == 0, "run = 2");
	CHECK(t_write_file(NODES_TUN, "1") == 0, "merge_across_nodes = 1: %s",
	      strerror(errno));
	CHECK(t_sysfs_set("run", 1) == 0, "run = 1");
	CHECK(t_wait_scans(3, 300) == 0, "scans");
	ka = t_count_ksm(a, N);
	kb = t_count_ksm(b, N);
	frames(a, b, &fa, &fb, &both);
	printf("  merge_across_nodes 1: KSM pages %d + %d, frames %d + %d, %d mapped by both\n",
	       ka, kb, fa, fb, both);
	CHECK(ka == N && kb == N, "%d and %d of %d pages merged", ka, kb, N);
	CHECK(both == N / 2, "%d frames mapped from both regions, want %d",
	      both, N / 2);
	CHECK(verify(a, b) == 0, "content, across nodes");

	t_unregister(a, N * PAGE_SZ);
	t_unregister(b, N * PAGE_SZ);
	CHECK(set_across(1) == 0, "restore merge_across_nodes");
	if (*nb0)
		t_write_file("/proc/sys/kernel/numa_balancing", nb0);
	t_default_rates();
	return t_end();
}
