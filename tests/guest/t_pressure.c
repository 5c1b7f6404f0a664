// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: share-before-swap under real memory pressure.
 *
 * A "VM" process holds 64 MiB in transparent huge pages, half of whose
 * subpages are duplicates. A memory hog then grows by 1 MiB every 25 ms
 * until VM plus hog exceed the available memory by 16 MiB, with zram as
 * swap. The same run happens three times in one boot:
 *
 *   off     the VM is not registered anywhere;
 *   pshare  the VM is registered with pshare, thp_split=pressure: its huge
 *           pages stay whole until memory gets short, then pshare splits
 *           them and merges their subpages;
 *   ksm     the VM is MADV_MERGEABLE under the kernel's KSM (which splits
 *           and merges at once, before the hog starts).
 *
 * Reported side by side: pswpout during the hog's growth, the hog's size
 * at the first swap-out (its reach), pshare's splits and shrinker calls,
 * and the pages each engine saved. Asserted: only
 * the direction, fewer swap-outs with pshare than with it off, pshare
 * split huge pages, and every page of the VM and the hog is intact.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define VM_MB		64
#define VM_PAGES	(VM_MB * 256)
#define OVER_MB		16
#define STEP_MB		1
#define STEP_US		25000

enum mode { OFF, PSHARE, KSMD };
static const char * const mode_name[] = { "off", "pshare", "ksm" };

struct result {
	long pswpout, reach_mb, hog_mb, splits, shrinks, saved, bad;
	double secs;
};

/* Half duplicates (16 contents), half unique. */
static uint64_t vm_seed(long i)
{
	return i % 2 ? 1000000 + i : 7 + i % 16;
}

/*
 * The VM: fill, register, send its AnonHugePages (kB) on @ready, wait for
 * a byte on @go, then verify every page and exit with the number of bad
 * pages (capped).
 */
static pid_t vm_start(enum mode mode, int ready, int go)
{
	pid_t pid = fork();

	if (pid == 0) {
		size_t len = VM_PAGES * PAGE_SZ;
		char *raw = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), c;
		char *mem = (char *)(((uintptr_t)raw + (2 << 20) - 1) &
				     ~((2UL << 20) - 1));
		long i, bad = 0;

		madvise(mem, len, MADV_HUGEPAGE);
		for (i = 0; i < VM_PAGES; i++)
			t_fill(mem + i * PAGE_SZ, vm_seed(i));
		if (mode == PSHARE && t_register(mem, len, 0))
			_exit(100);
		if (mode == KSMD && madvise(mem, len, MADV_MERGEABLE))
			_exit(101);
		i = t_anon_huge_kb();
		if (write(ready, &i, sizeof(i)) != sizeof(i) ||
		    read(go, &c, 1) != 1)
			_exit(102);
		for (i = 0; i < VM_PAGES; i++)
			bad += !t_check(mem + i * PAGE_SZ, vm_seed(i));
		_exit(bad > 99 ? 99 : bad);
	}
	return pid;
}

/* Wait until the engine has seen the VM: candidates, or KSM's merges. */
static void settle(enum mode mode)
{
	long last = -1, now;
	int i;

	for (i = 0; i < 600; i++) {
		usleep(100000);
		if (mode == PSHARE && t_sysfs("thp_split_candidates") >= VM_MB / 2)
			return;
		if (mode == KSMD) {
			now = t_ksm("pages_sharing");
			if (now > 0 && now == last && i % 10 == 0)
				return;
			if (i % 10 == 0)
				last = now;
		}
		if (mode == OFF)
			return;
	}
	printf("  (%s did not settle)\n", mode_name[mode]);
}

static long saved(enum mode mode)
{
	if (mode == PSHARE)
		return t_sysfs("pages_sharing") + t_sysfs("zero_pages_sharing");
	if (mode == KSMD)
		return t_ksm("pages_sharing");
	return 0;
}

static void run(enum mode mode, long hog_mb, struct result *res)
{
	int ready[2], go[2], st;
	long mb, i, sw0, splits0 = t_sysfs("thp_splits"), bad = 0, thp_kb = 0;
	long shrinks0 = t_sysfs("shrinker_calls");
	char c = 1, *hog;
	double t0;
	pid_t vm;

	memset(res, 0, sizeof(*res));
	if (mode == KSMD) {
		t_ksm_set("pages_to_scan", 1000);
		t_ksm_set("sleep_millisecs", 20);
		t_ksm_set("run", 1);
	}
	if (pipe(ready) || pipe(go))
		return;
	/* Each run starts with memory defragmented, so the VM gets THPs. */
	t_write_file("/proc/sys/vm/compact_memory", "1");
	vm = vm_start(mode, ready[1], go[0]);
	CHECK(read(ready[0], &thp_kb, sizeof(thp_kb)) == sizeof(thp_kb),
	      "%s: VM not ready", mode_name[mode]);
	printf("  %-6s VM AnonHugePages %ld kB\n", mode_name[mode], thp_kb);
	CHECK(thp_kb >= VM_MB * 1024 / 2, "%s: VM has %ld kB in THPs",
	      mode_name[mode], thp_kb);
	settle(mode);

	sw0 = t_vmstat("pswpout");
	res->reach_mb = -1;
	t0 = t_now();
	hog = mmap(NULL, hog_mb << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(hog != MAP_FAILED, "hog mmap");
	for (mb = 0; hog != MAP_FAILED && mb < hog_mb; mb += STEP_MB) {
		for (i = 0; i < STEP_MB * 256; i++)
			t_fill(hog + (mb << 20) + i * PAGE_SZ, 5000000 + mb * 256 + i);
		if (res->reach_mb < 0 && t_vmstat("pswpout") > sw0)
			res->reach_mb = mb;
		if (mb % 16 == 0) {
			char state[16] = "";

			t_read_file("/sys/kernel/mm/pshare/memory_state", state,
				    sizeof(state));
			state[strcspn(state, "\n")] = 0;
			printf("  %-6s hog %4ld MiB: MemAvailable %6ld kB, state %-4s, thp_splits %+ld, pswpout %+ld\n",
			       mode_name[mode], mb, t_meminfo("MemAvailable"),
			       state, t_sysfs("thp_splits") - splits0,
			       t_vmstat("pswpout") - sw0);
		}
		usleep(STEP_US);
	}
	res->secs = t_now() - t0;
	res->hog_mb = mb;
	res->pswpout = t_vmstat("pswpout") - sw0;
	res->splits = t_sysfs("thp_splits") - splits0;
	res->shrinks = t_sysfs("shrinker_calls") - shrinks0;
	res->saved = saved(mode);
	if (res->reach_mb < 0)
		res->reach_mb = mb;

	/* Every page must still hold what was written. */
	for (mb = 0; hog != MAP_FAILED && mb < hog_mb; mb++)
		for (i = 0; i < 256; i++)
			bad += !t_check(hog + (mb << 20) + i * PAGE_SZ,
					5000000 + mb * 256 + i);
	if (hog != MAP_FAILED)
		munmap(hog, hog_mb << 20);
	CHECK(write(go[1], &c, 1) == 1, "go");
	CHECK(waitpid(vm, &st, 0) == vm && WIFEXITED(st), "VM status %#x", st);
	res->bad = bad + WEXITSTATUS(st);
	CHECK(res->bad == 0, "%s: %ld pages wrong (VM exit %d)",
	      mode_name[mode], res->bad, WEXITSTATUS(st));
	close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
	if (mode == KSMD)
		t_ksm_set("run", 2);
	sleep(1);
}

int main(void)
{
	struct result res[3];
	long avail = t_meminfo("MemAvailable") / 1024, hog_mb;
	int m;

	t_start("pressure");
	if (t_meminfo("SwapTotal") <= 0) {
		printf("  no swap\n");
		return 77;
	}
	/* VM + hog = available memory + OVER_MB, without sharing. */
	hog_mb = avail - VM_MB + OVER_MB;
	printf("  MemAvailable %ld MiB: VM %d MiB (half duplicates in THPs), hog %ld MiB\n",
	       avail, VM_MB, hog_mb);
	if (hog_mb < 32) {
		printf("  not enough memory for this test\n");
		return 77;
	}
	/* The kernel turns THP off below 512 MiB of RAM: turn it on. */
	t_write_file("/sys/kernel/mm/transparent_hugepage/enabled", "always");
	t_default_rates();
	t_write_file("/sys/kernel/mm/pshare/thp_split", "pressure");
	/* The VM is 16384 pages: scanned in about 4 s, well before the hog. */
	t_sysfs_set("rate_max_pages", 4096);
	t_sysfs_set("scan_time_secs", 0);
	for (m = OFF; m <= KSMD; m++)
		run(m, hog_mb, &res[m]);
	t_default_rates();

	printf("  %-7s %9s %14s %10s %9s %12s %7s\n", "engine", "pswpout",
	       "reach (MiB)", "thp split", "shrinker", "pages saved", "time");
	for (m = OFF; m <= KSMD; m++)
		printf("  %-7s %9ld %14ld %10ld %9ld %12ld %6.1fs\n", mode_name[m],
		       res[m].pswpout, res[m].reach_mb, res[m].splits,
		       res[m].shrinks, res[m].saved, res[m].secs);
	CHECK(res[PSHARE].splits > 0, "pshare split no huge page");
	CHECK(res[PSHARE].pswpout < res[OFF].pswpout,
	      "pshare %ld swap-outs, off %ld: not fewer", res[PSHARE].pswpout,
	      res[OFF].pswpout);
	return t_end();
}
