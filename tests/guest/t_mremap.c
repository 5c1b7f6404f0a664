// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: mremap() of merged pages while they migrate. One
 * thread moves a registered region of merged pages away and back with
 * mremap(), over and over; another migrates the same pages between the
 * guest's two NUMA nodes with move_pages(). A merged page that moved
 * while its rmap item kept the old address could make a migration leave a
 * migration entry behind, and the next fault on it hit a kernel BUG; pshare
 * unmerges its pages before mremap() moves them (hooks.c). Every page is
 * checked afterwards; the kernel log must stay clean.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tlib.h"

#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL	(1 << 2)
#endif
#define N	512
#define ROUNDS	200

static char *mem, *spare;
static atomic_int stop;
static long moves, migrations;

static uint64_t seed_of(int i)
{
	return 50 + i % 8;
}

static void *migrate(void *arg)
{
	static void *pages[N];
	static int nodes[N], status[N];
	int i, round = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		for (i = 0; i < N; i++) {
			pages[i] = mem + i * PAGE_SZ;
			nodes[i] = round % 2;
		}
		/* The region may be elsewhere right now: errors are fine. */
		if (syscall(SYS_move_pages, 0, N, pages, nodes, status,
			    MPOL_MF_MOVE_ALL) == 0)
			migrations++;
		round++;
	}
	return NULL;
}

int main(void)
{
	pthread_t th;
	int i, bad = 0, r;

	t_start("mremap");
	mem = t_map(N);
	spare = mmap(NULL, N * PAGE_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	CHECK(mem && spare != MAP_FAILED, "mmap");
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed_of(i));
	t_fast_scan();
	for (r = 0; r < 4 && !bad; r++) {
		CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
		CHECK(t_wait_scans(2, 300) == 0, "scans");
		printf("  round %d: %d of %d pages merged\n", r,
		       t_count_ksm(mem, N), N);
		atomic_store(&stop, 0);
		pthread_create(&th, NULL, migrate, NULL);
		for (i = 0; i < ROUNDS / 4; i++) {
			/* Away to the spare area, and back. */
			if (mremap(mem, N * PAGE_SZ, N * PAGE_SZ,
				   MREMAP_MAYMOVE | MREMAP_FIXED, spare) != spare ||
			    mremap(spare, N * PAGE_SZ, N * PAGE_SZ,
				   MREMAP_MAYMOVE | MREMAP_FIXED, mem) != mem) {
				CHECK(0, "mremap: %s", strerror(errno));
				break;
			}
			moves += 2;
			spare = mmap(spare, N * PAGE_SZ, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		}
		atomic_store(&stop, 1);
		pthread_join(th, NULL);
		for (i = 0; i < N; i++)
			bad += !t_check(mem + i * PAGE_SZ, seed_of(i));
		/* mremap ended the registration: register again and merge. */
		t_unregister(mem, N * PAGE_SZ);
	}
	printf("  %ld moves, %ld migration rounds\n", moves, migrations);
	CHECK(bad == 0, "%d pages wrong", bad);
	t_expect_stat("pages_shared", 0);
	return t_end();
}
