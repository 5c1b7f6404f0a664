// SPDX-License-Identifier: GPL-2.0-only
/* pshare guest tests: the harness behind tlib.h. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pshare/tunables.h>
#include "tlib.h"

int t_failures;
const char *t_name = "test";

void t_start(const char *name)
{
	t_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Exit status for the guest runner: 0 pass, 1 fail. */
int t_end(void)
{
	printf("  %s: %s (%d failed checks)\n", t_name,
	       t_failures ? "FAILED" : "passed", t_failures);
	return t_failures ? 1 : 0;
}

/* Read a small file; returns bytes read or -1 with errno set. */
int t_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

long t_read_long(const char *path)
{
	char buf[64];

	if (t_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Write a string as one write(); returns 0 or -1 with errno set. */
int t_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

long t_sysfs(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/mm/pshare/%s", name);
	return t_read_long(path);
}

int t_sysfs_set(const char *name, long val)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), "/sys/kernel/mm/pshare/%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	return t_write_file(path, buf);
}

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

static int t_fd = -1;

int t_pshare_fd(void)
{
	if (t_fd < 0)
		t_fd = open("/dev/pshare", O_RDWR);
	return t_fd;
}

/* Close /dev/pshare: an open file holds the module. */
void t_pshare_close(void)
{
	if (t_fd >= 0)
		close(t_fd);
	t_fd = -1;
}

int t_register(void *start, size_t len, uint64_t salt)
{
	struct pshare_register r = {
		.start = (uintptr_t)start, .length = len, .salt = salt,
	};

	return ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER, &r);
}

int t_unregister(void *start, size_t len)
{
	struct pshare_unregister u = { .start = (uintptr_t)start, .length = len };

	return ioctl(t_pshare_fd(), PSHARE_IOC_UNREGISTER, &u);
}

int t_query(struct pshare_proc_stats *st)
{
	return ioctl(t_pshare_fd(), PSHARE_IOC_QUERY, st);
}

/* Wait until pshared completes @n more full scans; 0 on success. */
int t_wait_scans(int n, int timeout_s)
{
	long target = t_sysfs("full_scans") + n;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long i;

	for (i = 0; i < timeout_s * 50L; i++) {
		if (t_sysfs("full_scans") >= target)
			return 0;
		nanosleep(&ts, NULL);
	}
	printf("  (timed out waiting for %d full scans: full_scans %ld, pages_scanned %ld, scan_rate_pages %ld, run %ld)\n",
	       n, t_sysfs("full_scans"), t_sysfs("pages_scanned"),
	       t_sysfs("scan_rate_pages"), t_sysfs("run"));
	{
		char stack[2048];

		if (t_thread_file("pshared", "stack", stack, sizeof(stack)) > 0)
			printf("  pshared stack:\n%s\n", stack);
	}
	return -1;
}

/*
 * Scan fast: the tests want results, not a gentle background rate. No
 * time target, every rate cap at its maximum, all the CPU it wants.
 */
void t_fast_scan(void)
{
	t_sysfs_set("scan_time_secs", PSHARE_TUN_MIN_scan_time_secs);
	t_sysfs_set("rate_max_pages", PSHARE_TUN_MAX_rate_max_pages);
	t_sysfs_set("scan_mb_per_ghz", PSHARE_TUN_MAX_scan_mb_per_ghz);
	t_sysfs_set("max_cpu_percent", PSHARE_TUN_MAX_max_cpu_percent);
	t_sysfs_set("sleep_millisecs", 10);
	t_sysfs_set("run", 1);
}

/* Put every rate tunable back to its default. */
void t_default_rates(void)
{
	t_sysfs_set("scan_time_secs", PSHARE_TUN_DEF_scan_time_secs);
	t_sysfs_set("rate_max_pages", PSHARE_TUN_DEF_rate_max_pages);
	t_sysfs_set("scan_mb_per_ghz", PSHARE_TUN_DEF_scan_mb_per_ghz);
	t_sysfs_set("max_cpu_percent", PSHARE_TUN_DEF_max_cpu_percent);
	t_sysfs_set("sleep_millisecs", PSHARE_TUN_DEF_sleep_millisecs);
	t_sysfs_set("first_scan", PSHARE_TUN_DEF_first_scan);
}

/*
 * Set pshare's memory thresholds just above the available memory, so that
 * the host is in the soft state (memory short). Returns 0, or -1 if the
 * available memory is too low or too high a share to place them.
 */
int t_mem_short(void)
{
	long p = t_meminfo("MemAvailable") * 100 / t_meminfo("MemTotal");
	char val[64];

	if (p < 10 || p > 95)
		return -1;
	snprintf(val, sizeof(val), "%ld %ld %ld %ld", p + 4, p + 3, p - 5,
		 p - 8);
	return t_write_file("/sys/kernel/mm/pshare/mem_thresholds", val);
}

/* The /proc/self/pagemap entry of @addr: bit 63 present, 62 swapped. */
uint64_t t_pagemap(void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd >= 0 && pread(fd, &ent, 8, (uintptr_t)addr / PAGE_SZ * 8) != 8)
		ent = 0;
	if (fd >= 0)
		close(fd);
	return ent;
}

/* The frame @addr maps, or 0 if none. */
uint64_t t_pfn(void *addr)
{
	uint64_t ent = t_pagemap(addr);

	return (ent >> 63) ? ent & ((1ULL << 55) - 1) : 0;
}

uint64_t t_kpageflags(void *addr)
{
	uint64_t pfn = t_pfn(addr), flags = 0;
	int kfd = pfn ? open("/proc/kpageflags", O_RDONLY) : -1;

	if (kfd >= 0 && pread(kfd, &flags, 8, pfn * 8) != 8)
		flags = 0;
	if (kfd >= 0)
		close(kfd);
	return flags;
}

/*
 * Does this kernel set KPF_KSM on every anonymous page? Debian's 6.12 does:
 * fs/proc/page.c tests "mapping & PAGE_MAPPING_KSM", which the anonymous
 * bit alone satisfies (6.1 asked PageKsm()). Found out once, on a page of
 * our own that is certainly not a KSM page.
 */
static int t_kpf_ksm_broken(void)
{
	static int broken = -1;
	char *p;

	if (broken >= 0)
		return broken;
	p = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	memset(p, 0x5a, PAGE_SZ);
	broken = (t_kpageflags(p) >> 21) & 1;
	munmap(p, PAGE_SZ);
	if (broken)
		printf("  (this kernel's kpageflags marks every anonymous page KSM: a KSM page is told by KPF_KSM and being mapped more than once)\n");
	return broken;
}

/*
 * Does @addr map a KSM page? KPF_KSM; where the kernel sets that on every
 * anonymous page (above), also not exclusively mapped (pagemap bit 56): a
 * KSM page with a single mapping left then reads as not KSM.
 */
int t_is_ksm(void *addr)
{
	if (!((t_kpageflags(addr) >> 21) & 1))		/* KPF_KSM */
		return 0;
	return !t_kpf_ksm_broken() || !((t_pagemap(addr) >> 56) & 1);
}

/*
 * As t_is_ksm(), but where kpageflags cannot tell, a page mapped once also
 * counts if it is PG_dirty (KPF_DIRTY): pshare and the kernel's KSM set
 * that on every page they make a KSM page. A plain page that went through
 * swap or migration may be dirty too: only for checks that a page did
 * merge, never that none is left.
 */
int t_maybe_ksm(void *addr)
{
	uint64_t f = t_kpageflags(addr);

	if (!((f >> 21) & 1))
		return 0;
	return t_is_ksm(addr) || ((f >> 4) & 1);	/* KPF_DIRTY */
}

int t_is_zero_page(void *addr)
{
	return (t_kpageflags(addr) >> 24) & 1;		/* KPF_ZERO_PAGE */
}

/* Fill a page with content determined by @seed; seed 0 is all zero. */
void t_fill(void *page, uint64_t seed)
{
	uint64_t *p = page;
	size_t i;

	for (i = 0; i < PAGE_SZ / 8; i++)
		p[i] = seed ? seed * 0x9e3779b97f4a7c15ULL + i : 0;
}

/* Does the page hold what t_fill(@seed) wrote? */
int t_check(const void *page, uint64_t seed)
{
	const uint64_t *p = page;
	size_t i;

	for (i = 0; i < PAGE_SZ / 8; i++)
		if (p[i] != (seed ? seed * 0x9e3779b97f4a7c15ULL + i : 0))
			return 0;
	return 1;
}

/* How many of the @n pages at @mem do not hold what t_fill(@seed(i)) wrote. */
int t_verify(const char *mem, int n, uint64_t (*seed)(int i))
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		bad += !t_check(mem + (size_t)i * PAGE_SZ, seed(i));
	return bad;
}

/* Private anonymous memory in small pages. */
/* The regions t_map() made, which a peer child drops (t_peer_start()). */
#define T_MAPS_MAX	64
static struct { void *p; size_t len; } t_maps[T_MAPS_MAX];

void *t_map(size_t pages)
{
	void *p = mmap(NULL, pages * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, pages * PAGE_SZ, MADV_NOHUGEPAGE);
	/* An older region here was unmapped: forget it. */
	for (i = 0; i < T_MAPS_MAX; i++)
		if (t_maps[i].p && (char *)t_maps[i].p < (char *)p + pages * PAGE_SZ &&
		    (char *)p < (char *)t_maps[i].p + t_maps[i].len)
			t_maps[i].p = NULL;
	for (i = 0; i < T_MAPS_MAX; i++) {
		if (!t_maps[i].p) {
			t_maps[i].p = p;
			t_maps[i].len = pages * PAGE_SZ;
			break;
		}
	}
	return p;
}

/* Is [@p, @p + @len) all anonymous memory (no file, heap or stack)? */
static int t_all_anon(void *p, size_t len)
{
	unsigned long a = (unsigned long)p, end = a + len, s, e;
	char line[512], path[256];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (a < end && fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &s, &e, path) < 2)
			break;
		if (e <= a)
			continue;
		if (s > a || path[0])
			break;
		a = e;
	}
	fclose(f);
	return a >= end;
}

/*
 * In a fork child that has no use for them: unmap the parent's test
 * regions, so that none of their pages stays shared copy-on-write with the
 * parent, where it would look like a KSM page on a kernel whose kpageflags
 * cannot tell (see t_is_ksm()).
 */
static void t_drop_parent_maps(void)
{
	int i;

	for (i = 0; i < T_MAPS_MAX; i++) {
		if (t_maps[i].p && t_all_anon(t_maps[i].p, t_maps[i].len))
			munmap(t_maps[i].p, t_maps[i].len);
		t_maps[i].p = NULL;
	}
}

/*
 * Check a pshare counter. A page the kernel holds for a moment (compaction,
 * an LRU batch) is left for the next pass, by design: a counter that is
 * off gets up to three more passes to settle before the check fails. A
 * count that is wrong for good still fails.
 */
void t_expect_stat(const char *name, long want)
{
	long got = t_sysfs(name);
	int i;

	for (i = 0; got != want && i < 3; i++) {
		if (t_wait_scans(1, 10))
			break;
		got = t_sysfs(name);
	}
	CHECK(got == want, "%s is %ld, want %ld", name, got, want);
}

#include <dirent.h>

/* The pid of the (kernel) thread named @comm, or -1. */
pid_t t_thread_pid(const char *comm)
{
	char path[300], buf[64];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	pid_t pid = -1;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		if (t_read_file(path, buf, sizeof(buf)) < 0)
			continue;
		buf[strcspn(buf, "\n")] = 0;
		if (!strcmp(buf, comm)) {
			pid = atoi(d->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	return pid;
}

/*
 * Read /proc/PID/@file of the (kernel) thread named @comm into @buf.
 * Returns bytes read, or -1 if there is no such thread.
 */
int t_thread_file(const char *comm, const char *file, char *buf, size_t len)
{
	pid_t pid = t_thread_pid(comm);
	char path[300];

	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return t_read_file(path, buf, len);
}

/* Voluntary context switches so far of the kernel thread @comm, or -1. */
long t_thread_switches(const char *comm)
{
	char buf[2048], *p;

	if (t_thread_file(comm, "status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "voluntary_ctxt_switches:");
	return p ? strtol(p + 24, NULL, 10) : -1;
}

/* How many of the @n pages at @mem map a KSM page. */
int t_count_ksm(char *mem, int n)
{
	int i, ksm = 0;

	for (i = 0; i < n; i++)
		ksm += t_is_ksm(mem + i * PAGE_SZ);
	return ksm;
}

/* CPU time (utime + stime) of the kernel thread @comm in seconds, or -1. */
double t_thread_cpu(const char *comm)
{
	char buf[1024], *p;
	unsigned long ut, st;

	if (t_thread_file(comm, "stat", buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	/* After "pid (comm)": state is field 3, utime 14, stime 15. */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/* The number after "@field@sep" at the start of a line of @path, or -1. */
static long t_proc_field(const char *path, const char *field, char sep)
{
	char buf[16384], *p;
	size_t n = strlen(field);

	if (t_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, field, n) && p[n] == sep)
			return atol(p + n + 1);
	}
	return -1;
}

/* A field of /proc/meminfo in kB, or -1. */
long t_meminfo(const char *field)
{
	return t_proc_field("/proc/meminfo", field, ':');
}

/* A counter of /proc/vmstat, or -1. */
long t_vmstat(const char *field)
{
	return t_proc_field("/proc/vmstat", field, ' ');
}

/* AnonHugePages of this process, in kB, or -1. */
long t_anon_huge_kb(void)
{
	char buf[4096], *p;

	if (t_read_file("/proc/self/smaps_rollup", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "AnonHugePages:");
	return p ? atol(p + 14) : -1;
}

/* A counter or tunable of the kernel's KSM, /sys/kernel/mm/ksm/@name, or -1. */
long t_ksm(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/ksm/%s", name);
	return t_read_long(path);
}

/* Set a tunable of the kernel's KSM, /sys/kernel/mm/ksm/@name. */
void t_ksm_set(const char *name, long v)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), "/sys/kernel/mm/ksm/%s", name);
	snprintf(val, sizeof(val), "%ld", v);
	t_write_file(path, val);
}

/* Seconds on the monotonic clock. */
double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A peer: a child process holding its own memory, for tests across
 * processes. It maps @pages small pages, fills page i with t_fill(seed(i)),
 * registers them with @salt if @reg, and then serves commands on a pipe:
 * 'k' answers how many of its pages are KSM pages, 'v' how many hold the
 * wrong content, 'n' maps and fills a second region the same way (not
 * registered) and answers 0, 'K' and 'V' do 'k' and 'v' on that region,
 * 'q' exits.
 */
static void t_peer_serve(int cmd, int rsp, size_t pages,
			 uint64_t (*seed)(int i), int reg, uint64_t salt)
{
	char *mem = t_map(pages), *more = NULL;
	long ans;
	char c;
	int i;

	for (i = 0; mem && i < (int)pages; i++)
		t_fill(mem + i * PAGE_SZ, seed(i));
	ans = !mem || (reg && t_register(mem, pages * PAGE_SZ, salt)) ? -1 : 0;
	if (write(rsp, &ans, sizeof(ans)) != sizeof(ans))
		_exit(1);
	while (read(cmd, &c, 1) == 1 && c != 'q') {
		char *m = (c == 'K' || c == 'V') ? more : mem;

		ans = 0;
		if (c == 'n') {
			more = t_map(pages);
			for (i = 0; more && i < (int)pages; i++)
				t_fill(more + i * PAGE_SZ, seed(i));
			ans = more ? 0 : -1;
		} else if (!m) {
			ans = -1;
		} else if (c == 'k' || c == 'K') {
			ans = t_count_ksm(m, pages);
		} else {
			for (i = 0; i < (int)pages; i++)
				ans += !t_check(m + i * PAGE_SZ, seed(i));
		}
		if (write(rsp, &ans, sizeof(ans)) != sizeof(ans))
			break;
	}
	_exit(0);
}

int t_peer_start(struct t_peer *p, size_t pages, uint64_t (*seed)(int i),
		 int reg, uint64_t salt)
{
	int c[2], r[2];
	long ans = -1;

	if (pipe(c) || pipe(r))
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		t_drop_parent_maps();
		close(c[1]);
		close(r[0]);
		t_peer_serve(c[0], r[1], pages, seed, reg, salt);
	}
	close(c[0]);
	close(r[1]);
	p->cmd = c[1];
	p->rsp = r[0];
	if (read(p->rsp, &ans, sizeof(ans)) != sizeof(ans))
		return -1;
	return ans ? -1 : 0;
}

long t_peer_cmd(struct t_peer *p, char cmd)
{
	long ans = -1;

	if (write(p->cmd, &cmd, 1) != 1 ||
	    read(p->rsp, &ans, sizeof(ans)) != sizeof(ans))
		return -1;
	return ans;
}

void t_peer_stop(struct t_peer *p)
{
	char q = 'q';

	if (write(p->cmd, &q, 1) != 1)
		kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	close(p->cmd);
	close(p->rsp);
}

/* The caller's entry for @pid in PSHARE_IOC_LIST; 0 if found, else -1. */
int t_list_find(pid_t pid, struct pshare_proc_info *out)
{
	struct pshare_proc_info info[64];
	struct pshare_list l = { .procs = (uintptr_t)info, .count = 64 };
	unsigned int i;

	if (ioctl(t_pshare_fd(), PSHARE_IOC_LIST, &l))
		return -1;
	for (i = 0; i < l.count && i < 64; i++) {
		if (info[i].pid == pid) {
			*out = info[i];
			return 0;
		}
	}
	return -1;
}

/* PSHARE_IOC_SET_TARGET of the whole process @pid. */
int t_set_target(pid_t pid, uint32_t flags, uint64_t salt, uint32_t enable)
{
	struct pshare_target t = {
		.pid = pid, .flags = flags, .salt = salt, .enable = enable,
	};

	return ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t);
}

/* Wait until the sysfs counter @name is @want, for up to @timeout_s. */
int t_wait_stat(const char *name, long want, int timeout_s)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long i;

	for (i = 0; i < timeout_s * 50L; i++) {
		if (t_sysfs(name) == want)
			return 0;
		nanosleep(&ts, NULL);
	}
	printf("  (%s is %ld after %ds, want %ld)\n", name, t_sysfs(name),
	       timeout_s, want);
	return -1;
}

/*
 * Does the VMA at @addr have VM_MERGEABLE ("mg" in /proc/self/smaps'
 * VmFlags)? Return: 1, 0, or -1 if there is no such VMA.
 */
int t_vma_mergeable(void *addr)
{
	unsigned long want = (unsigned long)addr, s, e;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0, mg = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = want >= s && want < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			mg = strstr(line, " mg") != NULL;
			break;
		}
	}
	fclose(f);
	return mg;
}

/*
 * A field of /proc/self/ksm_stat, the kernel KSM's figures for this process
 * (ksm_merging_pages: its pages that ksmd merged); -1 if there is none.
 */
long t_ksm_stat(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/ksm_stat", "r");
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ' ')
			v = atol(line + len + 1);
	fclose(f);
	return v;
}
