// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: merged pages that outlive their registration in a
 * fork child are freed soon after the child lets them go, even when an
 * earlier child had held other pages long enough to stretch pshared's
 * retry interval towards its 30 s cap; and merged pages whose last
 * mapping on record a munmap ended, kept by a fork child, are freed once
 * the child lets them go, though no registration is left whose pass would
 * end. Each merged page holds one module reference, so
 * /sys/module/pshare/refcnt counts them exactly.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define N	128	/* 16 contents x 8 copies per region */
#define KINDS	16
#define REFCNT	"/sys/module/pshare/refcnt"

static uint64_t seed_x(int i)
{
	return 500 + i % KINDS;
}

static uint64_t seed_y(int i)
{
	return 600 + i % KINDS;
}

static uint64_t seed_z(int i)
{
	return 700 + i % KINDS;
}

/* A child that maps the merged pages until it is killed. */
static pid_t hold(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/*
 * A child that maps the merged pages until SIGUSR1, then checks their
 * content and exits 0 if every page is right.
 */
static pid_t hold_verify(char *mem, uint64_t (*seed)(int i))
{
	sigset_t set;
	pid_t pid;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigwait(&set, &sig);
		_exit(t_verify(mem, N, seed) ? 1 : 0);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return pid;
}

static void end_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Wait up to @timeout_s for the module's refcount to be @want. */
static double wait_refcnt(long want, double timeout_s)
{
	double t0 = t_now();

	while (t_read_long(REFCNT) != want && t_now() - t0 < timeout_s)
		usleep(50000);
	return t_now() - t0;
}

static char *merged_region(uint64_t (*seed)(int i))
{
	char *mem = t_map(N);
	int i;

	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed(i));
	if (t_register(mem, N * PAGE_SZ, 0) || t_wait_scans(2, 300))
		return NULL;
	return mem;
}

int main(void)
{
	char *x, *y, *z;
	pid_t cx, cy, cz;
	int st = 0;
	long base;
	double s;

	t_start("prune");
	t_fast_scan();
	CHECK(t_pshare_fd() >= 0, "open /dev/pshare");
	base = t_read_long(REFCNT);

	x = merged_region(seed_x);
	CHECK(x, "region x merged");
	if (!x)
		return t_end();
	CHECK(t_read_long(REFCNT) == base + KINDS, "x: refcnt %ld, want %ld",
	      t_read_long(REFCNT), base + KINDS);
	cx = hold();
	CHECK(cx > 0, "fork");
	CHECK(t_unregister(x, N * PAGE_SZ) == 0, "unregister x");
	CHECK(t_read_long(REFCNT) == base + KINDS,
	      "x's pages, kept by its child: refcnt %ld, want %ld",
	      t_read_long(REFCNT), base + KINDS);
	/* pshared retries after 0.1, 0.3, 0.7, ... 12.7 s: now 12.8 s apart. */
	sleep(14);

	y = merged_region(seed_y);
	CHECK(y, "region y merged");
	if (!y) {
		end_child(cx);
		return t_end();
	}
	cy = hold();
	CHECK(cy > 0, "fork");
	CHECK(t_unregister(y, N * PAGE_SZ) == 0, "unregister y");
	usleep(300000);
	end_child(cy);
	s = wait_refcnt(base + KINDS, 5);
	printf("  y's pages freed %.1f s after their child's exit\n", s);
	CHECK(t_read_long(REFCNT) == base + KINDS,
	      "y's pages 5 s after their child's exit: refcnt %ld, want %ld",
	      t_read_long(REFCNT), base + KINDS);

	end_child(cx);
	s = wait_refcnt(base, 35);
	printf("  x's pages freed %.1f s after their child's exit\n", s);
	CHECK(t_read_long(REFCNT) == base, "x's pages: refcnt %ld, want %ld",
	      t_read_long(REFCNT), base);
	CHECK(t_verify(x, N, seed_x) == 0, "x's content");
	CHECK(t_verify(y, N, seed_y) == 0, "y's content");
	munmap(x, N * PAGE_SZ);
	munmap(y, N * PAGE_SZ);

	/*
	 * No retry is pending now. z's pages lose their last item to a
	 * munmap, not an unregister, and leave nothing registered.
	 */
	z = merged_region(seed_z);
	CHECK(z, "region z merged");
	if (!z)
		return t_end();
	cz = hold_verify(z, seed_z);
	CHECK(cz > 0, "fork");
	if (cz <= 0)	/* never kill(-1, ...) */
		return t_end();
	munmap(z, N * PAGE_SZ);
	sleep(1);	/* pshared ends z's registration */
	CHECK(t_read_long(REFCNT) == base + KINDS,
	      "z's pages, kept by its child: refcnt %ld, want %ld",
	      t_read_long(REFCNT), base + KINDS);
	kill(cz, SIGUSR1);
	CHECK(waitpid(cz, &st, 0) == cz && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0, "z's content in its child (status %#x)",
	      st);
	/* Retries from the munmap on: 0.1, 0.3, 0.7, 1.5, 3.1, 6.3 s. */
	s = wait_refcnt(base, 10);
	printf("  z's pages freed %.1f s after their child's exit\n", s);
	CHECK(t_read_long(REFCNT) == base,
	      "z's pages 10 s after their child's exit: refcnt %ld, want %ld",
	      t_read_long(REFCNT), base);
	t_pshare_close();
	t_expect_stat("pages_shared", 0);
	t_expect_stat("metadata_bytes", 0);
	return t_end();
}
