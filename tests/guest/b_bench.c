// SPDX-License-Identifier: GPL-2.0-only
/*
 * b_bench: one benchmark run of one workload under one engine, the kernel's
 * KSM or pshare, with an oracle of the ideal saving; run by bench.sh.
 *
 *   b_bench -r RUN -w mixed|vmlike|unique -e ksm|pshare -M MODE [-k REP]
 *           [-A scan-time] [options]
 *
 * Modes (how the engine is driven and when the run ends):
 *   budget    both engines held to -B percent of one CPU for -T seconds:
 *             pshare by its own max_cpu_percent cap, ksmd (which has no
 *             cap) by a governor here that retunes pages_to_scan every
 *             250 ms from ksmd's measured CPU time (sleep_millisecs 20).
 *             With -X S, an engine short of 95% of the ideal at -T goes
 *             on, held so, until it gets there or S seconds have passed:
 *             its time and CPU to 95% are then measured, not bounded. The
 *             figures of the window (window_s, cpu_s, saved, scanned,
 *             metadata, huge pages, ns_per_page) stay those at -T; run_s
 *             is the whole run
 *   converge  as fast as each goes (ksmd: pages_to_scan -P, sleep 0;
 *             pshare: no rate cap, 100% CPU) until the saving reaches 95%
 *             of the ideal and holds 3 s, or -T seconds
 *   scans     as fast as each goes, until -S more full scans, or -T s
 *   steady    as converge until 95% of the ideal has held 3 s, then on as
 *             fast as each goes over -S more full passes of the converged
 *             workload, whose CPU (and pages scanned and skipped) it
 *             reports per pass; or -T seconds in all
 *   defaults  every setting of the engine at its default (goal 8, "out of
 *             the box"): ksmd at pages_to_scan 100, sleep_millisecs 20,
 *             smart_scan and advisor_mode as the kernel has them by
 *             default (on 6.12: 1 and none); pshare with every tunable of
 *             <pshare/tunables.h> at its PSHARE_TUN_DEF_ value (first_scan
 *             only where the module has it); then as converge: until the
 *             saving reaches 95% of the ideal and holds 3 s, or -T seconds.
 *             Each setting is read back and printed; one not at its default
 *             fails the run. Not with -A.
 *
 * -k REP: the repetition (1, 2, ...) this run is of, printed in every line.
 * -A scan-time: the kernel's KSM with advisor_mode=scan-time (where it has
 * one, as 6.12 does: ksmd then sets its own pages_to_scan; sleep_millisecs
 * at its default, 20), set before ksmd starts and back to none at exit.
 *
 * Workloads (all private anonymous memory, small pages unless -H):
 *   mixed     -m MiB in one process: 15% zero pages, 40% duplicates (8
 *             copies of each content on average), 35% unique, 10% volatile
 *             (a thread rewrites each volatile page once a second)
 *   vmlike    -n processes, like guests booted from one image, registered
 *             in one sharing domain: each reads the same real files of this
 *             guest (its binaries, libraries, modules; -f MiB at most) into
 *             anonymous memory, and has -p MiB private heap of unique
 *             content and -z MiB of zeroed free memory
 *   unique    -m MiB of pages that are all different: the metadata cost of
 *             a scanned page that never shares
 *
 * Output, on stdout: "BENCH-CSV: ..." samples (every 250 ms; 100 ms in
 * converge and steady mode, 50 ms in scans mode) and one "BENCH-RESULT:
 * key=value ..." line, whose pass1_ns_per_page is the engine's CPU per page
 * scanned over the middle of its first pass and ns_per_page the same over
 * the whole run (-1 where the engine does not count pages: the 6.1 ksmd,
 * whose KSM has no pages_scanned); the formats are in
 * tests/bench/report.sh. Every page's content is verified at the end; a
 * mismatch fails the run (exit 1). The oracle's ideal saving is the number
 * of pages minus the number of distinct contents, counted by the workload.
 */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pshare/tunables.h>
#include "tlib.h"

#define MIB_PAGES	256L
/* All vmlike processes register with this salt: one sharing domain. */
#define BENCH_SALT	7

enum engine { ENG_KSM, ENG_PSHARE };
enum mode {
	MODE_BUDGET, MODE_CONVERGE, MODE_SCANS, MODE_STEADY, MODE_DEFAULTS
};

static struct {
	const char *run, *workload, *advisor;
	enum engine eng;
	enum mode mode;
	long mib, budget_pct, window_s, max_s, to_scan, scans;
	long vms, files_mib, heap_mib, zero_mib, rep;
	int thp;
} opt = {
	.run = "run", .workload = "mixed", .mib = 256, .budget_pct = 20, .rep = 1,
	.window_s = 20, .to_scan = 1000, .scans = 2, .vms = 4,
	.files_mib = 48, .heap_mib = 16, .zero_mib = 8,
};

/* ---- the engines: setup, counters, teardown ---- */

static const char *eng_name(void)
{
	return opt.eng == ENG_KSM ? "ksm" : "pshare";
}

static pid_t eng_pid;

/*
 * CPU seconds the engine's thread has run: the scheduler's own sum
 * (schedstat, in ns), or ticks from stat where schedstat is missing.
 */
static double eng_cpu(void)
{
	char path[64], buf[256];
	unsigned long long ns;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", eng_pid);
	if (t_read_file(path, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%llu", &ns) == 1)
		return ns / 1e9;
	return t_thread_cpu(opt.eng == ENG_KSM ? "ksmd" : "pshared");
}

/* Pages the engine saves now: the kernel's own definitions. */
static long eng_saved(void)
{
	if (opt.eng == ENG_KSM)
		return t_ksm("pages_sharing");
	return t_sysfs("pages_sharing") + t_sysfs("zero_pages_sharing");
}

/* Pages scanned so far; -1 where the kernel's KSM does not say (6.1). */
static long eng_scanned(void)
{
	if (opt.eng == ENG_KSM)
		return t_ksm("pages_scanned");
	return t_sysfs("pages_scanned");
}

static long eng_full_scans(void)
{
	return opt.eng == ENG_KSM ? t_ksm("full_scans") :
				    t_sysfs("full_scans");
}

/* Visits smart_scan skipped so far; -1 where the engine does not say. */
static long eng_skipped(void)
{
	return opt.eng == ENG_KSM ? t_ksm("pages_skipped") :
				    t_sysfs("pages_skipped");
}

/* The engine's smart_scan setting, -1 where it has none (the 6.1 KSM). */
static long eng_smart_scan(void)
{
	return opt.eng == ENG_KSM ? t_ksm("smart_scan") : t_sysfs("smart_scan");
}

#define KSM_ADVISOR	"/sys/kernel/mm/ksm/advisor_mode"

/* The kernel KSM's advisor_mode, the one in brackets; "-" if it has none. */
static const char *ksm_advisor(void)
{
	static char buf[64];
	char *a, *b;

	if (t_read_file(KSM_ADVISOR, buf, sizeof(buf)) < 0)
		return "-";
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		return "-";
	*b = 0;
	return a + 1;
}

/* At exit: the kernel's KSM back to advisor_mode none, if -A changed it. */
static void ksm_advisor_off(void)
{
	t_write_file(KSM_ADVISOR, "none");
}

/*
 * Metadata bytes. pshare counts its own. The kernel's KSM has one 64-byte
 * ksm_rmap_item per page it tracks (shared + sharing + unshared + volatile
 * is exactly its rmap item count in 6.1) and one 64-byte ksm_stable_node
 * per KSM page and chain: sizes from BTF, see platform facts.
 */
static long eng_metadata(void)
{
	long chains;

	if (opt.eng == ENG_PSHARE)
		return t_sysfs("metadata_bytes");
	chains = t_ksm("stable_node_chains");
	return 64 * (t_ksm("pages_shared") + t_ksm("pages_sharing") +
		     t_ksm("pages_unshared") + t_ksm("pages_volatile")) +
	       64 * (t_ksm("pages_shared") + (chains > 0 ? chains : 0));
}

static long ksm_to_scan;

/* The kernel KSM's defaults (mm/ksm.c) of the settings written here. */
#define KSM_DEF_PAGES_TO_SCAN		100
#define KSM_DEF_SLEEP_MILLISECS		20
#define KSM_DEF_MAX_PAGE_SHARING	256
#define KSM_DEF_CHAINS_PRUNE_MS		2000

static int ksm_has(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/ksm/%s", name);
	return !access(path, F_OK);
}

/*
 * -M defaults, the kernel's KSM: every setting a run of b_bench may have
 * changed, and those it never changes, back to the kernel's default, then
 * read back. The advisor goes off first: while it is on, pages_to_scan
 * refuses writes. smart_scan and advisor_mode exist from 6.7 and 6.9 on
 * (both in 6.12), merge_across_nodes with NUMA; where one is missing the
 * kernel has no such setting to leave at its default.
 */
static void ksm_defaults(void)
{
	static const struct { const char *name; long def; } set[] = {
		{ "pages_to_scan", KSM_DEF_PAGES_TO_SCAN },
		{ "sleep_millisecs", KSM_DEF_SLEEP_MILLISECS },
		{ "use_zero_pages", 0 },
		{ "smart_scan", 1 },
		{ "merge_across_nodes", 1 },
		{ "max_page_sharing", KSM_DEF_MAX_PAGE_SHARING },
		{ "stable_node_chains_prune_millisecs", KSM_DEF_CHAINS_PRUNE_MS },
	};
	char line[512];
	int i, n;

	t_write_file(KSM_ADVISOR, "none");
	n = snprintf(line, sizeof(line), "advisor_mode=%s", ksm_advisor());
	CHECK(!strcmp(ksm_advisor(), "none") || !strcmp(ksm_advisor(), "-"),
	      "ksm advisor_mode is %s, not none", ksm_advisor());
	for (i = 0; i < (int)(sizeof(set) / sizeof(*set)); i++) {
		if (!ksm_has(set[i].name))
			continue;
		t_ksm_set(set[i].name, set[i].def);
		CHECK(t_ksm(set[i].name) == set[i].def,
		      "ksm %s is %ld, not its default %ld", set[i].name,
		      t_ksm(set[i].name), set[i].def);
		if (n < (int)sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " %s=%ld",
				      set[i].name, t_ksm(set[i].name));
	}
	ksm_to_scan = t_ksm("pages_to_scan");
	printf("b_bench: defaults: ksm %s\n", line);
}

/*
 * -M defaults, pshare: every numeric tunable at its PSHARE_TUN_DEF_ value
 * (the runs before set the rate tunables, salting and the CPU cap to their
 * own; the others are written too, so that none is left out), run apart:
 * eng_start sets it to 1, its default, once the memory is registered.
 * first_scan is newer than some modules: written only where it exists.
 */
static void pshare_defaults(void)
{
#define TUN(name) { #name, PSHARE_TUN_DEF_##name }
	static const struct { const char *name; long def; } set[] = {
		TUN(scan_time_secs), TUN(rate_max_pages), TUN(scan_mb_per_ghz),
		TUN(max_cpu_percent), TUN(sleep_millisecs),
		TUN(max_page_sharing), TUN(salting), TUN(zero_across_domains),
		TUN(smart_scan), TUN(merge_across_nodes),
#ifdef PSHARE_TUN_DEF_first_scan
		TUN(first_scan),
#endif
	};
#undef TUN
	char line[512];
	int i, n = 0;

	line[0] = 0;
	for (i = 0; i < (int)(sizeof(set) / sizeof(*set)); i++) {
		if (!strcmp(set[i].name, "first_scan") &&
		    access("/sys/kernel/mm/pshare/first_scan", F_OK))
			continue;
		t_sysfs_set(set[i].name, set[i].def);
		CHECK(t_sysfs(set[i].name) == set[i].def,
		      "pshare %s is %ld, not its default %ld", set[i].name,
		      t_sysfs(set[i].name), set[i].def);
		if (n < (int)sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, "%s%s=%ld",
				      n ? " " : "", set[i].name,
				      t_sysfs(set[i].name));
	}
	printf("b_bench: defaults: pshare %s\n", line);
}

static void eng_setup(void)
{
	if (opt.eng == ENG_KSM) {
		t_sysfs_set("run", 0);
		t_ksm_set("run", 2);
		t_ksm_set("use_zero_pages", 0);
		if (opt.advisor) {
			/*
			 * The advisor owns pages_to_scan (writes to it fail
			 * while it is on) and paces ksmd by it, at the
			 * default sleep_millisecs.
			 */
			atexit(ksm_advisor_off);
			CHECK(!t_write_file(KSM_ADVISOR, opt.advisor),
			      "cannot set advisor_mode %s", opt.advisor);
			t_ksm_set("sleep_millisecs", 20);
			ksm_to_scan = t_ksm("pages_to_scan");
			eng_pid = t_thread_pid("ksmd");
			return;
		}
		if (opt.mode == MODE_DEFAULTS) {
			ksm_defaults();
			eng_pid = t_thread_pid("ksmd");
			return;
		}
		/* Off, should a run before have left it on (none: no-op). */
		t_write_file(KSM_ADVISOR, "none");
		if (opt.mode == MODE_BUDGET) {
			/* A first guess; the governor corrects it. */
			ksm_to_scan = 400;
			t_ksm_set("sleep_millisecs", 20);
		} else {
			ksm_to_scan = opt.to_scan;
			t_ksm_set("sleep_millisecs", 0);
		}
		t_ksm_set("pages_to_scan", ksm_to_scan);
		eng_pid = t_thread_pid("ksmd");
		return;
	}
	t_ksm_set("run", 2);
	if (opt.mode == MODE_DEFAULTS) {
		pshare_defaults();
		eng_pid = t_thread_pid("pshared");
		return;
	}
	t_sysfs_set("scan_time_secs", 0);
	t_sysfs_set("rate_max_pages", 4194304);
	t_sysfs_set("scan_mb_per_ghz", 65536);
	t_sysfs_set("salting", 2);
	if (opt.mode == MODE_BUDGET) {
		t_sysfs_set("max_cpu_percent", opt.budget_pct);
		t_sysfs_set("sleep_millisecs", 100);
	} else {
		t_sysfs_set("max_cpu_percent", 100);
		t_sysfs_set("sleep_millisecs", 10);
	}
	eng_pid = t_thread_pid("pshared");
}

/* Start scanning: the memory is registered or madvised already. */
static void eng_start(void)
{
	if (opt.eng == ENG_KSM)
		t_ksm_set("run", 1);
	else
		t_sysfs_set("run", 1);
}

/* Stop, unmerge everything, and wait for the counters to drain. */
static void eng_stop(void)
{
	int i;

	if (opt.eng == ENG_KSM) {
		t_ksm_set("run", 2);
		for (i = 0; i < 300 && t_ksm("pages_shared") > 0; i++)
			usleep(100000);
		return;
	}
	t_default_rates();
	t_sysfs_set("run", 1);
}

/* pshare after its registrations went: wait for its pages to drain. */
static void pshare_drain(void)
{
	int i;

	for (i = 0; i < 300 && (t_sysfs("pages_shared") > 0 ||
				t_sysfs("zero_pages_sharing") > 0 ||
				t_sysfs("pages_unshared") > 0); i++)
		usleep(100000);
}

/* Hand memory to the engine: madvise for KSM, register for pshare. */
static int eng_add(void *mem, size_t len, uint64_t salt)
{
	if (opt.eng == ENG_KSM)
		return madvise(mem, len, MADV_MERGEABLE);
	return t_register(mem, len, salt);
}

/*
 * The budget governor for ksmd: over the last interval it ran @frac of a
 * CPU; scale pages_to_scan toward the budget, at most 2x either way.
 */
static void ksm_govern(double frac)
{
	double want = opt.budget_pct / 100.0, f;

	f = frac > 0.005 ? want / frac : 2.0;
	if (f > 2.0)
		f = 2.0;
	if (f < 0.5)
		f = 0.5;
	ksm_to_scan = (long)(ksm_to_scan * f);
	if (ksm_to_scan < 8)
		ksm_to_scan = 8;
	if (ksm_to_scan > 200000)
		ksm_to_scan = 200000;
	t_ksm_set("pages_to_scan", ksm_to_scan);
}

/* ---- workloads ---- */

static int page_class(long i)	/* 0 zero, 1 dup, 2 unique, 3 volatile */
{
	unsigned long h = (unsigned long)(i * 2654435761UL) % 100;

	return h < 15 ? 0 : h < 55 ? 1 : h < 90 ? 2 : 3;
}

struct region {
	char *mem;
	long pages;
	long ndup;		/* distinct duplicate contents (mixed) */
	uint32_t *gen;		/* volatile pages: writes so far */
	volatile int stop;
	pthread_t writer;
	int has_writer;
};

static uint64_t mixed_seed(struct region *r, long i)
{
	switch (page_class(i)) {
	case 0:
		return 0;
	case 1:
		return 1 + (uint64_t)(i * 40503UL) % r->ndup;
	case 2:
		return 1000000000ULL + i;
	default:
		return 3000000000ULL + (uint64_t)i * 4096 + r->gen[i];
	}
}

static void *volatile_writer(void *arg)
{
	struct region *r = arg;
	long i;

	while (!r->stop) {
		double t0 = t_now();

		for (i = 0; i < r->pages && !r->stop; i++) {
			if (page_class(i) != 3)
				continue;
			r->gen[i]++;
			t_fill(r->mem + i * PAGE_SZ, mixed_seed(r, i));
		}
		while (!r->stop && t_now() - t0 < 1.0)
			usleep(50000);
	}
	return NULL;
}

static void *map_region(long pages)
{
	void *p = mmap(NULL, pages * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, pages * PAGE_SZ, opt.thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/* mixed or unique: fill, and return the ideal saving. */
static long single_fill(struct region *r)
{
	long i, zero = 0, dup = 0, ndistinct_dup = 0;
	char *used;

	r->pages = opt.mib * MIB_PAGES;
	r->mem = map_region(r->pages);
	r->gen = calloc(r->pages, sizeof(*r->gen));
	r->ndup = r->pages * 40 / 100 / 8;
	if (r->ndup < 1)
		r->ndup = 1;
	used = calloc(r->ndup + 1, 1);
	if (!r->mem || !r->gen || !used)
		return -1;
	if (!strcmp(opt.workload, "unique")) {
		for (i = 0; i < r->pages; i++)
			t_fill(r->mem + i * PAGE_SZ, 1000000000ULL + i);
		free(used);
		return 0;
	}
	for (i = 0; i < r->pages; i++) {
		uint64_t s = mixed_seed(r, i);

		t_fill(r->mem + i * PAGE_SZ, s);
		if (page_class(i) == 0) {
			zero++;
		} else if (page_class(i) == 1) {
			dup++;
			if (!used[s]++)
				ndistinct_dup++;
		}
	}
	free(used);
	return (zero ? zero - 1 : 0) + dup - ndistinct_dup;
}

static long single_verify(struct region *r)
{
	long i, bad = 0;

	for (i = 0; i < r->pages; i++) {
		uint64_t s = strcmp(opt.workload, "unique") ?
			     mixed_seed(r, i) : 1000000000ULL + i;

		bad += !t_check(r->mem + i * PAGE_SZ, s);
	}
	return bad;
}

/* vmlike: the files every "guest" loads, page aligned, in a fixed order. */
static struct {
	char **path;
	long *off;		/* first page of each file in the image */
	long n, cap, pages;
} files;

static int add_file(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	long pages = (st->st_size + PAGE_SZ - 1) / PAGE_SZ;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || !st->st_size)
		return 0;
	if (files.pages + pages > opt.files_mib * MIB_PAGES)
		return 0;	/* over the cap: skip it, try smaller ones */
	if (files.n == files.cap) {
		files.cap = files.cap ? files.cap * 2 : 256;
		files.path = realloc(files.path, files.cap * sizeof(char *));
		files.off = realloc(files.off, files.cap * sizeof(long));
		if (!files.path || !files.off)
			return -1;
	}
	files.path[files.n] = strdup(path);
	files.off[files.n++] = files.pages;
	files.pages += pages;
	return 0;
}

/* Read every file into @image (files.pages pages); 0 on success. */
static int load_files(char *image)
{
	long i;

	for (i = 0; i < files.n; i++) {
		char *p = image + files.off[i] * PAGE_SZ;
		int fd = open(files.path[i], O_RDONLY);
		ssize_t n;

		if (fd < 0)
			return -1;
		while ((n = read(fd, p, 1 << 20)) > 0)
			p += n;
		close(fd);
		if (n < 0)
			return -1;
	}
	return 0;
}

static uint64_t page_hash(const void *page)
{
	const uint64_t *p = page;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < PAGE_SZ / 8; i++) {
		h ^= p[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	return h;
}

static char *cmp_base;

static int cmp_page_idx(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return memcmp(cmp_base + x[1] * PAGE_SZ, cmp_base + y[1] * PAGE_SZ,
		      PAGE_SZ);
}

/*
 * Distinct contents among the image's pages, the zero page counted in
 * whether or not the image has one: sort by (hash, bytes), count runs.
 */
static long image_distinct(char *image, long pages, int *has_zero)
{
	uint64_t (*v)[2] = malloc(pages * sizeof(*v));
	static const char zero[PAGE_SZ];
	long i, n = 0;

	*has_zero = 0;
	if (!v)
		return -1;
	for (i = 0; i < pages; i++) {
		v[i][0] = page_hash(image + i * PAGE_SZ);
		v[i][1] = i;
		if (!memcmp(image + i * PAGE_SZ, zero, PAGE_SZ))
			*has_zero = 1;
	}
	cmp_base = image;
	qsort(v, pages, sizeof(*v), cmp_page_idx);
	for (i = 0; i < pages; i++)
		n += !i || cmp_page_idx(v[i - 1], v[i]) != 0;
	free(v);
	return n;
}

struct vm {
	pid_t pid;
	int cmd, ack;		/* pipes: parent -> child, child -> parent */
};

static long vm_pages(void)
{
	return files.pages + (opt.heap_mib + opt.zero_mib) * MIB_PAGES;
}

static uint64_t heap_seed(int vm, long i)
{
	return ((uint64_t)(vm + 1) << 40) + i + 1;
}

/* A guest: load, hand to the engine, wait; verify on request; exit. */
static void vm_child(int id, int cmd, int ack, const char *image)
{
	long pages = vm_pages(), heap = opt.heap_mib * MIB_PAGES, i, bad = 0;
	char *mem = map_region(pages), *h, c = 0;
	char *z;

	if (!mem || load_files(mem))
		_exit(3);
	h = mem + files.pages * PAGE_SZ;
	z = h + heap * PAGE_SZ;
	for (i = 0; i < heap; i++)
		t_fill(h + i * PAGE_SZ, heap_seed(id, i));
	memset(z, 0, opt.zero_mib * MIB_PAGES * PAGE_SZ);
	if (eng_add(mem, pages * PAGE_SZ, BENCH_SALT))
		_exit(4);
	if (write(ack, "r", 1) != 1 || read(cmd, &c, 1) != 1)
		_exit(5);
	/* Verify every page against what it was given. */
	bad += memcmp(mem, image, files.pages * PAGE_SZ) != 0;
	for (i = 0; i < heap; i++)
		bad += !t_check(h + i * PAGE_SZ, heap_seed(id, i));
	for (i = 0; i < opt.zero_mib * MIB_PAGES; i++)
		bad += !t_check(z + i * PAGE_SZ, 0);
	if (bad)
		printf("  vm %d: %ld pages wrong\n", id, bad);
	c = bad ? 'F' : 'k';
	if (write(ack, &c, 1) != 1)
		_exit(6);
	_exit(0);
}

static struct vm *vms;
static char *vm_image;

static long vmlike_start(void)
{
	static const char *roots[] = {
		"/bin", "/sbin", "/usr", "/lib", "/lib64", "/tests", "/extra",
	};
	long ideal, distinct, total;
	int has_zero, i, p1[2], p2[2];
	char c;

	for (i = 0; i < (int)(sizeof(roots) / sizeof(*roots)); i++)
		nftw(roots[i], add_file, 16, FTW_PHYS);
	vm_image = calloc(files.pages ? files.pages : 1, PAGE_SZ);
	if (!vm_image || load_files(vm_image))
		return -1;
	distinct = image_distinct(vm_image, files.pages, &has_zero);
	/* Each guest's heap is its own; its zeroed memory is the zero page. */
	total = opt.vms * vm_pages();
	distinct += (has_zero ? 0 : 1) + opt.vms * opt.heap_mib * MIB_PAGES;
	ideal = total - distinct;
	printf("b_bench: vmlike: %ld files, %ld pages each (%ld MiB), %ld distinct, %d guests\n",
	       files.n, files.pages, files.pages / MIB_PAGES,
	       distinct, (int)opt.vms);
	opt.mib = total / MIB_PAGES;

	vms = calloc(opt.vms, sizeof(*vms));
	for (i = 0; i < opt.vms; i++) {
		if (pipe(p1) || pipe(p2))
			return -1;
		vms[i].pid = fork();
		if (vms[i].pid == 0)
			vm_child(i, p1[0], p2[1], vm_image);
		close(p1[0]);
		close(p2[1]);
		vms[i].cmd = p1[1];
		vms[i].ack = p2[0];
		if (read(vms[i].ack, &c, 1) != 1 || c != 'r')
			return -1;
	}
	return ideal;
}

static long vmlike_finish(void)
{
	long bad = 0;
	int i, st;
	char c;

	for (i = 0; i < opt.vms; i++) {
		if (write(vms[i].cmd, "v", 1) != 1 ||
		    read(vms[i].ack, &c, 1) != 1 || c != 'k')
			bad++;
		waitpid(vms[i].pid, &st, 0);
	}
	return bad;
}

/* ---- the run ---- */

/*
 * The CPU cap of the run, in percent of one CPU: the budget; 100 as fast
 * as each goes; with every setting at its default, pshare's
 * max_cpu_percent and -1 (none) for ksmd, which has no cap.
 */
static long budget_pct(void)
{
	if (opt.mode == MODE_BUDGET)
		return opt.budget_pct;
	if (opt.mode == MODE_DEFAULTS)
		return opt.eng == ENG_KSM ? -1 : PSHARE_TUN_DEF_max_cpu_percent;
	return 100;
}

struct sample {
	double t, cpu;
	long saved, scanned, meta, huge_kb;
};

/*
 * Steady mode: 0 converging, 1 converged and waiting for the end of the
 * pass under way, 2 measuring from that end over -S more full passes,
 * 3 done. At each end, a: where the measurement starts, b: where it ends.
 */
static struct {
	int phase;
	long fs_a, scan_a, scan_b, skip_a, skip_b, fs_seen;
	double cpu_a, cpu_b, t_a, t_b;
} st;

/* Steady mode, phases 1 and 2: look for the end of a full pass. */
static void steady_poll(void)
{
	long fs = eng_full_scans();

	if (st.phase == 1 && fs != st.fs_seen) {
		st.cpu_a = eng_cpu();
		st.t_a = t_now();
		st.scan_a = eng_scanned();
		st.skip_a = eng_skipped();
		st.fs_a = fs;
		st.phase = 2;
	} else if (st.phase == 2 && fs - st.fs_a >= opt.scans) {
		st.cpu_b = eng_cpu();
		st.t_b = t_now();
		st.scan_b = eng_scanned();
		st.skip_b = eng_skipped();
		st.phase = 3;
	}
}

static void take(struct sample *s, double t0, double cpu0, long scan0)
{
	s->t = t_now() - t0;
	s->cpu = eng_cpu() - cpu0;
	s->saved = eng_saved();
	s->scanned = eng_scanned();
	if (s->scanned >= 0)
		s->scanned -= scan0;
	s->meta = eng_metadata();
	s->huge_kb = t_meminfo("AnonHugePages");
}

int main(int argc, char **argv)
{
	struct region single = { 0 };
	struct sample s = { 0 }, prev, win = { 0 };
	double t0, cpu0, cpu95 = -1, t95 = -1, interval, pass1 = -1, run_s;
	int have_win = 0;
	double p1_cpu[2] = { -1, -1 };
	double per_pass = -1, steady_ns = -1, nsrun = -1, pass_s = -1;
	long p1_scan[2] = { -1, -1 };
	long ideal, scan0, scans0, skip0, huge0, bad, registered, skipped;
	long steady_skipped = -1;
	int c, vmlike;

	while ((c = getopt(argc, argv, "r:w:e:M:m:B:T:X:P:S:n:f:p:z:Hk:A:")) != -1) {
		switch (c) {
		case 'r': opt.run = optarg; break;
		case 'w': opt.workload = optarg; break;
		case 'e': opt.eng = strcmp(optarg, "ksm") ? ENG_PSHARE : ENG_KSM; break;
		case 'M':
			opt.mode = !strcmp(optarg, "budget") ? MODE_BUDGET :
				   !strcmp(optarg, "converge") ? MODE_CONVERGE :
				   !strcmp(optarg, "steady") ? MODE_STEADY :
				   !strcmp(optarg, "defaults") ? MODE_DEFAULTS :
				   MODE_SCANS;
			break;
		case 'm': opt.mib = atol(optarg); break;
		case 'B': opt.budget_pct = atol(optarg); break;
		case 'T': opt.window_s = atol(optarg); break;
		case 'X': opt.max_s = atol(optarg); break;
		case 'P': opt.to_scan = atol(optarg); break;
		case 'S': opt.scans = atol(optarg); break;
		case 'n': opt.vms = atol(optarg); break;
		case 'f': opt.files_mib = atol(optarg); break;
		case 'p': opt.heap_mib = atol(optarg); break;
		case 'z': opt.zero_mib = atol(optarg); break;
		case 'H': opt.thp = 1; break;
		case 'k': opt.rep = atol(optarg); break;
		case 'A': opt.advisor = optarg; break;
		default: return 2;
		}
	}
	if (opt.mode == MODE_DEFAULTS && opt.advisor) {
		fprintf(stderr, "b_bench: -M defaults runs ksmd at its defaults: no -A\n");
		return 2;
	}
	t_start(opt.run);
	setvbuf(stdout, NULL, _IOLBF, 0);
	vmlike = !strcmp(opt.workload, "vmlike");
	eng_setup();
	CHECK(eng_pid > 0, "no %s thread", eng_name());
	if (t_failures)
		return t_end();

	if (vmlike) {
		ideal = vmlike_start();
	} else {
		ideal = single_fill(&single);
		if (ideal >= 0 && eng_add(single.mem, single.pages * PAGE_SZ, 0))
			ideal = -1;
	}
	CHECK(ideal >= 0, "workload setup failed");
	if (ideal < 0)
		return t_end();
	registered = opt.mib * MIB_PAGES;
	if (!vmlike && !strcmp(opt.workload, "mixed")) {
		single.has_writer = !pthread_create(&single.writer, NULL,
						    volatile_writer, &single);
	}

	interval = opt.mode == MODE_CONVERGE || opt.mode == MODE_STEADY ||
		   opt.mode == MODE_DEFAULTS ? 0.1 :
		   opt.mode == MODE_SCANS ? 0.05 : 0.25;
	huge0 = t_meminfo("AnonHugePages");
	scan0 = eng_scanned();
	scans0 = eng_full_scans();
	skip0 = eng_skipped();
	cpu0 = eng_cpu();
	t0 = t_now();
	eng_start();
	for (;;) {
		double target = s.t + interval;

		/* Steady mode polls the pass counter closely: 2 ms. */
		while (t_now() - t0 < target) {
			if (st.phase == 1 || st.phase == 2) {
				steady_poll();
				usleep(2000);
			} else {
				usleep(10000);
			}
		}
		prev = s;
		take(&s, t0, cpu0, scan0);
		printf("BENCH-CSV: %s,%s,%s,%ld,%.2f,%.3f,%ld,%ld,%ld,%ld,%ld,%ld\n",
		       opt.run, opt.workload, eng_name(), opt.mib, s.t, s.cpu,
		       s.saved, ideal, s.scanned, s.meta, s.huge_kb, opt.rep);
		/*
		 * The first pass's cost per page: CPU over pages scanned from
		 * the sample past 10% of the pages to the last before 90%.
		 */
		if (s.scanned >= registered / 10 && p1_cpu[0] < 0) {
			p1_cpu[0] = s.cpu;
			p1_scan[0] = s.scanned;
		}
		if (s.scanned >= 0 && s.scanned <= registered * 9 / 10) {
			p1_cpu[1] = s.cpu;
			p1_scan[1] = s.scanned;
		}
		if (cpu95 < 0 && ideal > 0 && s.saved >= ideal * 95 / 100) {
			cpu95 = s.cpu;
			t95 = s.t;
		}
		if (s.t >= opt.window_s && !have_win) {
			win = s;
			have_win = 1;
		}
		/* Budget mode with -X: on, held to the budget, up to 95%. */
		if (s.t >= opt.window_s &&
		    (opt.mode != MODE_BUDGET || cpu95 >= 0 || s.t >= opt.max_s))
			break;
		if (opt.mode == MODE_BUDGET && opt.eng == ENG_KSM)
			ksm_govern((s.cpu - prev.cpu) / (s.t - prev.t));
		if ((opt.mode == MODE_CONVERGE || opt.mode == MODE_DEFAULTS) &&
		    t95 >= 0 && s.t - t95 >= 3)
			break;
		if (opt.mode == MODE_STEADY && st.phase == 0 && t95 >= 0 &&
		    s.t - t95 >= 3) {
			st.fs_seen = eng_full_scans();
			st.phase = 1;
		}
		if (opt.mode == MODE_STEADY && st.phase == 3)
			break;
		if (opt.mode == MODE_SCANS &&
		    eng_full_scans() - scans0 >= opt.scans)
			break;
	}

	/* Stop the writer, then check every page before unmerging. */
	if (single.has_writer) {
		single.stop = 1;
		pthread_join(single.writer, NULL);
	}
	run_s = s.t;
	if (have_win)
		s = win;	/* the figures of the window */
	bad = vmlike ? vmlike_finish() : single_verify(&single);
	CHECK(bad == 0, "%ld pages (vmlike: guests) with wrong content", bad);
	if (p1_cpu[0] >= 0 && p1_scan[1] > p1_scan[0])
		pass1 = (p1_cpu[1] - p1_cpu[0]) * 1e9 / (p1_scan[1] - p1_scan[0]);
	if (s.scanned > 0)
		nsrun = s.cpu * 1e9 / s.scanned;
	skipped = eng_skipped();
	skipped = skipped >= 0 && skip0 >= 0 ? skipped - skip0 : -1;
	if (st.phase == 3 && opt.scans > 0) {
		per_pass = (st.cpu_b - st.cpu_a) / opt.scans;
		pass_s = (st.t_b - st.t_a) / opt.scans;
		if (st.scan_a >= 0 && st.scan_b > st.scan_a)
			steady_ns = (st.cpu_b - st.cpu_a) * 1e9 /
				    (st.scan_b - st.scan_a);
		if (st.skip_a >= 0 && st.skip_b >= 0)
			steady_skipped = st.skip_b - st.skip_a;
	}
	if (opt.eng == ENG_KSM && opt.advisor)
		ksm_to_scan = t_ksm("pages_to_scan");
	printf("BENCH-RESULT: run=%s engine=%s rep=%ld workload=%s mib=%ld window_s=%.2f cpu_s=%.3f budget_pct=%ld saved=%ld ideal=%ld scanned=%ld skipped=%ld metadata_bytes=%ld registered=%ld anon_huge_kb_start=%ld anon_huge_kb_end=%ld cpu_to_95_s=%.3f t_to_95_s=%.2f full_scans=%ld ksm_pages_to_scan=%ld smart_scan=%ld ksm_advisor=%s pass1_ns_per_page=%.0f ns_per_page=%.0f run_s=%.2f",
	       opt.run, eng_name(), opt.rep, opt.workload, opt.mib, s.t, s.cpu,
	       budget_pct(), s.saved,
	       ideal, s.scanned, skipped, s.meta, registered, huge0, s.huge_kb,
	       cpu95, t95, eng_full_scans() - scans0,
	       opt.eng == ENG_KSM ? ksm_to_scan : -1, eng_smart_scan(),
	       opt.eng == ENG_KSM ? ksm_advisor() : "-", pass1, nsrun, run_s);
	if (opt.mode == MODE_STEADY)
		printf(" steady_passes=%ld steady_s_per_pass=%.3f steady_cpu_per_pass_s=%.4f steady_ns_per_scanned_page=%.0f steady_skipped=%ld",
		       st.phase == 3 ? opt.scans : -1, pass_s, per_pass,
		       steady_ns, steady_skipped);
	printf(" verified=%s\n", bad ? "FAIL" : "ok");
	if (!vmlike) {
		if (opt.eng == ENG_PSHARE)
			t_unregister(single.mem, single.pages * PAGE_SZ);
		munmap(single.mem, single.pages * PAGE_SZ);
	}
	eng_stop();
	if (opt.eng == ENG_PSHARE)
		pshare_drain();
	return t_end();
}
