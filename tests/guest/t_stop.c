// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: a stop holds even when it lands in the middle of the
 * scanner's work. While pshared merges a registration at full speed, and
 * two busy processes keep every CPU wanted (so that pshared lets go of its
 * lock between pages), the test disables its own process or writes run=2,
 * again and again at random moments, and each time checks that nothing of
 * its memory is merged when the call returns, nor 50 ms later: pshared
 * must not carry on with a turn it began before the stop. Every page's
 * content is checked after every round. Each kind runs 40 rounds or
 * 30 s, whichever ends first (the debug kernel is slower).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define N	4096		/* pairs: page i has one twin, i ^ 1 */
#define ROUNDS	40		/* of each kind, at most */
#define PHASE_S	30		/* seconds, at most, for each kind */

static uint64_t seed(int i)
{
	return 1000 + i / 2;
}

/* Wait until pshared has begun merging @mem, then a little more. */
static void merging_under_way(char *mem)
{
	double until = t_now() + 10;
	int i;

	while (t_now() < until) {
		for (i = 0; i < N; i += 64)
			if (t_is_ksm(mem + i * PAGE_SZ))
				goto started;
		usleep(1000);
	}
	return;
started:
	usleep(rand() % 20000);
}

/* Nothing of @mem merged, now and 50 ms later; @what names the stop. */
static void expect_unmerged(char *mem, const char *what, int round)
{
	struct pshare_proc_info info;
	int n;

	n = t_count_ksm(mem, N);
	CHECK(n == 0, "%s, round %d: %d KSM pages when it returned", what,
	      round, n);
	usleep(50000);
	n = t_count_ksm(mem, N);
	CHECK(n == 0, "%s, round %d: %d KSM pages 50 ms later", what, round, n);
	CHECK(t_list_find(getpid(), &info) == 0, "list");
	CHECK(info.sharing == 0 && info.shared == 0,
	      "%s, round %d: sharing %llu, shared %llu", what, round,
	      (unsigned long long)info.sharing,
	      (unsigned long long)info.shared);
	n = t_verify(mem, N, seed);
	CHECK(n == 0, "%s, round %d: %d pages with wrong content", what,
	      round, n);
}

int main(void)
{
	char *mem = t_map(N);
	int i, rounds = 0, merged = 0;
	pid_t busy[2];
	double until;

	t_start("stop");
	srand(getpid());
	for (i = 0; i < 2; i++) {
		busy[i] = fork();
		if (busy[i] == 0)
			for (;;)
				;
	}
	t_fast_scan();
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed(i));
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register: %s",
	      strerror(errno));

	until = t_now() + PHASE_S;
	for (i = 0; i < ROUNDS && t_now() < until && !t_failures; i++) {
		CHECK(t_set_target(0, PSHARE_TARGET_ENABLE, 0, 1) == 0,
		      "enable: %s", strerror(errno));
		merging_under_way(mem);
		merged += t_count_ksm(mem, N) > 0;
		CHECK(t_set_target(0, PSHARE_TARGET_ENABLE, 0, 0) == 0,
		      "disable: %s", strerror(errno));
		expect_unmerged(mem, "disable", i);
	}
	rounds += i;
	CHECK(t_set_target(0, PSHARE_TARGET_ENABLE, 0, 1) == 0, "enable");

	until = t_now() + PHASE_S;
	for (i = 0; i < ROUNDS && t_now() < until && !t_failures; i++) {
		CHECK(t_sysfs_set("run", 1) == 0, "run=1");
		merging_under_way(mem);
		merged += t_count_ksm(mem, N) > 0;
		CHECK(t_sysfs_set("run", 2) == 0, "run=2: %s", strerror(errno));
		expect_unmerged(mem, "run=2", i);
		CHECK(!t_sysfs("pages_sharing") && !t_sysfs("pages_shared"),
		      "run=2, round %d: pages_sharing %ld, pages_shared %ld", i,
		      t_sysfs("pages_sharing"), t_sysfs("pages_shared"));
	}
	rounds += i;
	printf("stop: %d of %d stops came while pages were merged\n", merged,
	       rounds);
	/* A test that never caught pshared merging would prove nothing. */
	CHECK(merged >= rounds / 2, "only %d of %d stops came while merging",
	      merged, rounds);

	for (i = 0; i < 2; i++) {
		kill(busy[i], SIGKILL);
		waitpid(busy[i], NULL, 0);
	}
	t_sysfs_set("run", 1);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0, "unregister");
	t_default_rates();
	return t_end();
}
