// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: a load that fails at any step leaves nothing behind.
 * With the module parameter fail_init (kernels with fault injection: the
 * debug ones), the load fails at step 1, 2, ... in turn, ROUNDS times
 * each, until a step number past the last lets it succeed. Meanwhile
 * children keep calling madvise(MADV_MERGEABLE) on fresh memory, and the
 * module is loaded with madvise=1, so that the hooks register memory
 * while the load is under way: a failed load must end those registrations
 * (else their MMU notifiers point into the freed module). Each failed
 * load returns ENOMEM and leaves no sysfs directory, /dev/pshare or
 * pshared; the children's pages keep their content; the harness checks
 * the kernel log (KASAN, kmemleak, lockdep, leaks).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define ROUNDS		6	/* loads per failing step */
#define MAX_STEPS	16	/* more would mean the parameter does nothing */
#define KIDS		2
#define AREAS		4	/* each child's areas, remapped in turn */
#define AREA		16	/* pages */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Map, fill and madvise areas in turn; exit 0 if every page kept its content. */
static void child(int k)
{
	char *area[AREAS] = { 0 };
	uint64_t base[AREAS] = { 0 };
	unsigned long round = 0;
	int a, i, bad = 0;

	signal(SIGTERM, on_term);
	while (!stop) {
		a = round % AREAS;
		if (area[a]) {
			for (i = 0; i < AREA; i++)
				bad += !t_check(area[a] + i * PAGE_SZ,
						base[a] + i % 4);
			munmap(area[a], AREA * PAGE_SZ);
		}
		area[a] = t_map(AREA);
		if (!area[a])
			_exit(2);
		base[a] = 1000 * (uint64_t)k + round % 50;
		for (i = 0; i < AREA; i++)
			t_fill(area[a] + i * PAGE_SZ, base[a] + i % 4);
		/* Refused (EAGAIN) while a load or unload is under way. */
		madvise(area[a], AREA * PAGE_SZ, MADV_MERGEABLE);
		round++;
	}
	for (a = 0; a < AREAS; a++)
		for (i = 0; area[a] && i < AREA; i++)
			bad += !t_check(area[a] + i * PAGE_SZ, base[a] + i % 4);
	_exit(bad ? 1 : 0);
}

static int load(int fd, const char *params)
{
	return syscall(SYS_finit_module, fd, params, 0);
}

static int unload(void)
{
	return syscall(SYS_delete_module, "pshare", O_NONBLOCK);
}

static int module_gone(void)
{
	return access("/sys/kernel/mm/pshare", F_OK) &&
	       access("/dev/pshare", F_OK) && t_thread_pid("pshared") <= 0 &&
	       access("/sys/module/pshare", F_OK);
}

/* The failed loads that logged their end, and the registrations they ended. */
static long ended_all(long *loads)
{
	char line[512];
	long n = 0, v;
	FILE *f = popen("dmesg", "r");
	char *p;

	*loads = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "pshare: load failed (");
		if (p && strchr(p, ';') &&
		    sscanf(strchr(p, ';'), "; %ld registrations", &v) == 1) {
			n += v;
			(*loads)++;
		}
	}
	pclose(f);
	return n;
}

int main(void)
{
	const char *ko = getenv("PSHARE_KO");
	long ended, logged, other = 0;
	int fd, step, r, i, kid_bad = 0, st;
	pid_t kids[KIDS];
	char params[96];

	t_start("initfail");
	if (access("/sys/module/pshare/parameters/fail_init", F_OK)) {
		printf("  pshare has no fail_init: a kernel without fault injection\n");
		return 77;
	}
	fd = ko ? open(ko, O_RDONLY | O_CLOEXEC) : -1;
	CHECK(fd >= 0, "open PSHARE_KO (%s)", ko ? ko : "unset");
	if (fd < 0 || unload()) {
		CHECK(0, "unload the suite's pshare: %s", strerror(errno));
		return t_end();
	}
	CHECK(module_gone(), "pshare still there after the unload");
	for (i = 0; i < KIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			child(i + 1);
		CHECK(kids[i] > 0, "fork");
	}

	for (step = 1; step <= MAX_STEPS; step++) {
		snprintf(params, sizeof(params), "madvise=1 fail_init=1,100,%d,1",
			 step);
		r = load(fd, params);
		if (r == 0) {
			printf("  step %d: the load succeeds: steps 1 to %d failed in turn, %d times each\n",
			       step, step - 1, ROUNDS);
			break;
		}
		for (i = 0; i < ROUNDS; i++) {
			if (i)
				r = load(fd, params);
			if (r == 0) {
				printf("  step %d: a load succeeded after failing\n",
				       step);
				other++;
				unload();
				continue;
			}
			if (errno != ENOMEM)
				other++;
			CHECK(module_gone(),
			      "step %d: the failed load left pshare behind", step);
			usleep(20000);	/* let the children madvise */
		}
	}
	CHECK(step == 8, "fail_init made %d steps fail, not the 7 of pshare_init()",
	      step - 1);
	CHECK(other == 0, "%ld failed loads said something else than ENOMEM, or succeeded",
	      other);
	ended = ended_all(&logged);
	printf("  %ld failed loads unwound registrations; those ended %ld made by the hooks meanwhile\n",
	       logged, ended);
	CHECK(logged == 5 * ROUNDS, "%ld failed loads logged their unwinding, not %d (steps 3 to 7)",
	      logged, 5 * ROUNDS);

	for (i = 0; i < KIDS; i++) {
		kill(kids[i], SIGTERM);
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			kid_bad++;
	}
	CHECK(kid_bad == 0, "%d children found pages with wrong content", kid_bad);
	/*
	 * As the suite expects: pshare loaded, plainly. The last load merged
	 * the children's pages; their nodes hold the module until unmerged.
	 */
	CHECK(t_sysfs_set("run", 2) == 0, "run=2 (unmerge) after the sweep");
	CHECK(unload() == 0, "unload after the sweep: %s", strerror(errno));
	CHECK(load(fd, "") == 0, "load again: %s", strerror(errno));
	close(fd);
	return t_end();
}
