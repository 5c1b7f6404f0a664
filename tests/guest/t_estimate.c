// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: the estimate mode (run 3). pshared scans and counts
 * what merging would save, merges nothing; the figure must then equal what
 * run 1 really saves. Content: 64 copies of one page (63 would be saved),
 * 32 pairs (32), 64 unique pages, 16 zero pages; a second process holds
 * copies of the unique pages in its own domain, which must not count.
 */
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

#define N	208
#define NZ	16
#define DUPS	(63 + 32)

static uint64_t seed(int i)
{
	if (i < 64)
		return 4242;			/* one content, 64 times */
	if (i < 128)
		return 5000 + (i - 64) / 2;	/* 32 pairs */
	if (i < 192)
		return 6000 + i;		/* unique */
	return 0;				/* zero */
}

/* The peer: copies of this process's unique pages. */
static uint64_t peer_seed(int i)
{
	return 6000 + 128 + i;
}

int main(void)
{
	struct pshare_proc_info me, other;
	char *mem = t_map(N);
	struct t_peer peer;
	int i, bad = 0;

	t_start("estimate");
	t_fast_scan();
	CHECK(t_sysfs_set("run", 3) == 0, "run 3");
	CHECK(t_sysfs("run") == 3, "run reads %ld", t_sysfs("run"));
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed(i));
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_peer_start(&peer, 64, peer_seed, 1, 0) == 0, "peer");

	CHECK(t_wait_scans(3, 300) == 0, "scans");
	t_expect_stat("estimate_pages", DUPS);
	t_expect_stat("estimate_zero_pages", NZ);
	/*
	 * Settled, the figures hold while pshared goes on scanning: each read
	 * (lockless) must see them, never a page's verdict in the middle of
	 * its visit.
	 */
	for (i = 0; i < 400; i++) {
		long e = t_sysfs("estimate_pages");
		long z = t_sysfs("estimate_zero_pages");

		bad += e != DUPS || z != NZ;
		if (bad == 1 && (e != DUPS || z != NZ))
			printf("  read %d: estimate_pages %ld, estimate_zero_pages %ld\n",
			       i, e, z);
		usleep(1000);
	}
	CHECK(bad == 0, "%d of 400 reads off the settled estimate", bad);
	bad = 0;
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	t_expect_stat("zero_pages_sharing", 0);
	CHECK(t_count_ksm(mem, N) == 0 && t_peer_cmd(&peer, 'k') == 0,
	      "the estimate mode merged pages");
	for (i = 0; i < NZ; i++)
		CHECK(!t_is_zero_page(mem + (N - NZ + i) * PAGE_SZ),
		      "zero page %d mapped to the zero page", i);
	CHECK(t_list_find(getpid(), &me) == 0 && me.est_saved == DUPS &&
	      me.est_zero == NZ, "own estimate %llu + %llu zero",
	      (unsigned long long)me.est_saved, (unsigned long long)me.est_zero);
	CHECK(t_list_find(peer.pid, &other) == 0 && other.est_saved == 0,
	      "the peer's pages counted across domains: %llu",
	      (unsigned long long)other.est_saved);
	printf("  estimate: %ld pages would merge, %ld zero pages\n",
	       t_sysfs("estimate_pages"), t_sysfs("estimate_zero_pages"));

	/* Merging for real saves what the estimate said. */
	CHECK(t_sysfs_set("run", 1) == 0, "run 1");
	CHECK(t_sysfs("estimate_pages") == 0 &&
	      t_sysfs("estimate_zero_pages") == 0, "estimate left behind");
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_sharing", DUPS);
	t_expect_stat("zero_pages_sharing", NZ);
	printf("  merged: %ld pages sharing, %ld zero pages\n",
	       t_sysfs("pages_sharing"), t_sysfs("zero_pages_sharing"));
	CHECK(t_peer_cmd(&peer, 'k') == 0, "the peer merged across domains");

	for (i = 0; i < N; i++)
		bad += !t_check(mem + i * PAGE_SZ, seed(i));
	CHECK(bad == 0 && t_peer_cmd(&peer, 'v') == 0, "content: %d bad", bad);
	t_peer_stop(&peer);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	CHECK(t_wait_stat("metadata_bytes", 0, 30) == 0, "metadata freed");
	return t_end();
}
