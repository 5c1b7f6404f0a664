// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare interface fuzzer. Several threads drive /dev/pshare and the sysfs
 * files with random and adversarial arguments (unaligned, huge, wrapping,
 * kernel and unmapped addresses, shared, file and KSM memory, random flags
 * and domains, bad pointers, unknown commands, closed fds; operator
 * requests on itself, on a child process and on pids that do not exist;
 * the madvise hook switched on and off) while other threads map, unmap,
 * write and remap the memory under them.
 *
 *   t_fuzz [-c CALLS] [-t THREADS] [-s SEED]
 *
 * Pass: every call returns success or one of its documented errnos, the
 * kernel stays silent, and after the fuzzing process exits every pshare
 * counter and metadata_bytes return to zero. (It does not check page
 * contents: its threads rewrite and remap the memory at random; the other
 * guest tests check contents.)
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define SLOTS		16
#define SLOT_PAGES	64

static long calls_per_thread = 5000;
static atomic_long calls, bad_errno;
static char *slot[SLOTS];		/* regions the threads fight over */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static int filefd = -1;
static pid_t victim;			/* a child the operator calls target */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t pick_addr(uint64_t *s)
{
	char *base = slot[rnd(s) % SLOTS];

	switch (rnd(s) % 10) {
	case 0: return rnd(s);				/* anything */
	case 1: return 0;
	case 2: return 0xffff888000000000ULL;		/* kernel */
	case 3: return 0xfffffffffffff000ULL;		/* wraps */
	case 4: return (uint64_t)(uintptr_t)base + 1;	/* unaligned */
	default: return (uint64_t)(uintptr_t)base +
			(rnd(s) % SLOT_PAGES) * PAGE_SZ;
	}
}

static uint64_t pick_len(uint64_t *s)
{
	switch (rnd(s) % 8) {
	case 0: return 0;
	case 1: return rnd(s);
	case 2: return 0xfffffffffffff000ULL;
	case 3: return 100;
	default: return (1 + rnd(s) % SLOT_PAGES) * PAGE_SZ;
	}
}

static void expect(long ret, const int *ok, const char *what)
{
	atomic_fetch_add(&calls, 1);
	if (ret == 0)
		return;
	for (; *ok; ok++)
		if (errno == *ok)
			return;
	atomic_fetch_add(&bad_errno, 1);
	printf("  not ok: %s: undocumented errno %d (%s)\n", what, errno,
	       strerror(errno));
}

static const int reg_errs[] = { EINVAL, ENOMEM, EBUSY, EEXIST, ENOSPC,
				EINTR, EFAULT, 0 };
static const int target_errs[] = { EINVAL, ENOMEM, EBUSY, EEXIST, ENOSPC,
				   EINTR, EFAULT, EPERM, ESRCH, ENOENT, 0 };
static const int list_errs[] = { EINVAL, EFAULT, ENOMEM, 0 };
static const int unreg_errs[] = { EINVAL, ENOENT, EFAULT, 0 };
static const int ptr_errs[] = { EFAULT, 0 };
static const int cmd_errs[] = { ENOTTY, 0 };
static const int fd_errs[] = { EBADF, 0 };
static const int sysfs_errs[] = { EINVAL, EINTR, 0 };
/* merge_across_nodes: EBUSY for a change while pages are merged. */
static const int nodes_errs[] = { EINVAL, EBUSY, 0 };
static const int ro_errs[] = { EACCES, 0 };
static const int read_errs[] = { 0 };

/* Every file in /sys/kernel/mm/pshare, read-only ones included. */
static const char * const files[] = {
	"run", "sleep_millisecs", "max_page_sharing", "scan_mb_per_ghz",
	"rate_max_pages", "scan_time_secs", "max_cpu_percent", "thp_split",
	"mem_thresholds", "salting", "zero_across_domains", "smart_scan",
	"first_scan", "merge_across_nodes", "memory_state",
	"memory_state_entries", "cpu_mhz",
	"scan_cap_pages", "scan_rate_pages", "scan_cpu_msecs", "full_scans",
	"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
	"pages_skipped", "zero_pages_sharing", "metadata_bytes",
	"pages_scanned", "pages_merged", "thp_scanned", "thp_skipped",
	"thp_splits", "thp_split_candidates", "thp_dup_subpages", "cpu_throttled",
	"shrinker_calls", "general_profit", "version", "estimate_pages",
	"estimate_zero_pages",
};
#define NR_FILES	(sizeof(files) / sizeof(files[0]))
#define NR_RW		14	/* the first NR_RW files are writable */

static const char * const tunables[] = {
	"run", "sleep_millisecs", "max_page_sharing", "scan_mb_per_ghz",
	"rate_max_pages", "scan_time_secs", "max_cpu_percent", "thp_split",
	"mem_thresholds", "salting", "zero_across_domains", "smart_scan",
	"first_scan", "merge_across_nodes",
};
#define NR_TUNABLES	(sizeof(tunables) / sizeof(tunables[0]))

/* An operator's request on ourselves, the victim or a pid that is not. */
static void fuzz_target(int fd, uint64_t *s, void *ptr)
{
	static const unsigned long cmds[] = {
		PSHARE_IOC_REGISTER_TARGET, PSHARE_IOC_UNREGISTER_TARGET,
		PSHARE_IOC_SET_TARGET,
	};
	static const pid_t nopid[] = { -1, 0x7fffffff, -0x7fffffff };
	struct pshare_target t = { 0 };

	switch (rnd(s) % 6) {
	case 0: t.pid = nopid[rnd(s) % 3]; break;
	case 1: case 2: t.pid = getpid(); break;
	case 3: t.pid = victim; break;
	default: t.pid = 0; break;
	}
	if (rnd(s) % 2) {
		t.start = pick_addr(s);
		t.length = pick_len(s);
	}
	t.flags = rnd(s) % 8 ? rnd(s) % 4 : (uint32_t)rnd(s);
	t.salt = rnd(s) % 8 ? rnd(s) % 4 : rnd(s);
	t.weight = rnd(s) % 4 ? 0 : rnd(s) % 20000;
	t.enable = rnd(s) % 3;
	if (!(rnd(s) % 16))
		t.reserved[rnd(s) % 2] = rnd(s);
	expect(ioctl(fd, cmds[rnd(s) % 3], ptr ? ptr : &t), target_errs,
	       "TARGET");
}

static void fuzz_list(int fd, uint64_t *s, void *ptr)
{
	struct pshare_proc_info info[8];
	struct pshare_list l = { .procs = (uintptr_t)info,
				 .count = rnd(s) % 10 };

	if (!(rnd(s) % 8))
		l.procs = rnd(s) % 2 ? 0 : rnd(s);
	if (!(rnd(s) % 16))
		l.reserved = 1;
	if (l.count > 8)
		l.count = 8;
	expect(ioctl(fd, PSHARE_IOC_LIST, ptr ? ptr : &l), list_errs, "LIST");
}

static void *fuzz(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	int fd = open("/dev/pshare", O_RDWR);
	long i;

	for (i = 0; i < calls_per_thread; i++) {
		struct pshare_register reg = { 0 };
		struct pshare_unregister unreg = { 0 };
		struct pshare_proc_stats st;
		struct pshare_version v;
		void *ptr = rnd(&s) % 16 ? NULL : (void *)(uintptr_t)rnd(&s);
		char path[128], val[32];
		int k = rnd(&s) % 100, j;

		if (k >= 34 && k < 38) {
			fuzz_target(fd, &s, ptr);
		} else if (k >= 38 && k < 40) {
			if (rnd(&s) % 64)
				fuzz_list(fd, &s, ptr);
			else
				t_write_file("/sys/module/pshare/parameters/madvise",
					     rnd(&s) % 2 ? "1" : "0");
		} else if (k < 40) {
			reg.start = pick_addr(&s);
			reg.length = pick_len(&s);
			reg.flags = rnd(&s) % 8 ? 0 : (uint32_t)rnd(&s);
			reg.weight = rnd(&s) % 4 ? rnd(&s) % 300 :
						   (uint32_t)rnd(&s);
			reg.salt = rnd(&s) % 4;
			expect(ioctl(fd, PSHARE_IOC_REGISTER, ptr ? ptr : &reg),
			       reg_errs, "REGISTER");
		} else if (k < 60) {
			unreg.start = pick_addr(&s);
			unreg.length = pick_len(&s);
			expect(ioctl(fd, PSHARE_IOC_UNREGISTER,
				     ptr ? ptr : &unreg), unreg_errs, "UNREGISTER");
		} else if (k < 68) {
			expect(ioctl(fd, PSHARE_IOC_QUERY, ptr ? ptr : &st),
			       ptr_errs, "QUERY");
		} else if (k < 70) {
			expect(ioctl(fd, PSHARE_IOC_VERSION, ptr ? ptr : &v),
			       ptr_errs, "VERSION");
		} else if (k < 72) {
			/* 0x00 to 0x07 are the defined commands. */
			expect(ioctl(fd, _IOC(rnd(&s) % 4, PSHARE_IOC_MAGIC,
					      8 + rnd(&s) % 200, rnd(&s) % 64),
				     &reg), cmd_errs, "unknown command");
		} else if (k < 73) {
			expect(ioctl(-1 - (int)(rnd(&s) % 100),
				     PSHARE_IOC_REGISTER, &reg), fd_errs,
			       "closed fd");
		} else if (k < 78) {
			/* Remap a slot under everyone's feet. */
			j = rnd(&s) % SLOTS;
			pthread_mutex_lock(&slot_lock);
			switch (rnd(&s) % 4) {
			case 0:
				mmap(slot[j], SLOT_PAGES * PAGE_SZ,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
				break;
			case 1:
				mmap(slot[j], SLOT_PAGES * PAGE_SZ,
				     PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
				break;
			case 2:
				mmap(slot[j], SLOT_PAGES * PAGE_SZ, PROT_READ,
				     MAP_PRIVATE | MAP_FIXED, filefd, 0);
				break;
			default:
				munmap(slot[j] + (rnd(&s) % SLOT_PAGES) * PAGE_SZ,
				       PAGE_SZ);
				break;
			}
			pthread_mutex_unlock(&slot_lock);
		} else if (k < 90) {
			/* Write pages, often duplicates. */
			char *p = slot[rnd(&s) % SLOTS] +
				  (rnd(&s) % SLOT_PAGES) * PAGE_SZ;
			unsigned char c;

			/* Under the lock: a remap to read-only would fault. */
			pthread_mutex_lock(&slot_lock);
			if (mincore(p, PAGE_SZ, &c) == 0 &&
			    !mprotect(p, PAGE_SZ, PROT_READ | PROT_WRITE))
				memset(p, (int)(rnd(&s) % 4), PAGE_SZ);
			pthread_mutex_unlock(&slot_lock);
		} else if (k < 92) {
			madvise(slot[rnd(&s) % SLOTS], SLOT_PAGES * PAGE_SZ,
				rnd(&s) % 2 ? MADV_MERGEABLE : MADV_DONTNEED);
		} else if (k < 95) {
			/* Read any file; write to a read-only one. */
			char buf[256];
			unsigned int f = rnd(&s) % NR_FILES;

			snprintf(path, sizeof(path), "/sys/kernel/mm/pshare/%s",
				 files[f]);
			expect(t_read_file(path, buf, sizeof(buf)) > 0 ? 0 : -1,
			       read_errs, path);
			if (f >= NR_RW)
				expect(t_write_file(path, "1") ? -1 : 0, ro_errs,
				       path);
		} else {
			static const char * const junk[] = {
				"abc", "-1", "99999999999999999999", "0x10",
				"\n", " 1",
			};
			static const char * const thp[] = {
				"never", "pressure", "always",
			};
			const char *t = tunables[rnd(&s) % NR_TUNABLES];

			snprintf(path, sizeof(path), "/sys/kernel/mm/pshare/%s", t);
			if (rnd(&s) % 2)
				snprintf(val, sizeof(val), "%s",
					 junk[rnd(&s) % 6]);
			else if (!strcmp(t, "thp_split"))
				snprintf(val, sizeof(val), "%s", thp[rnd(&s) % 3]);
			else if (!strcmp(t, "mem_thresholds"))
				snprintf(val, sizeof(val), "%d %d %d %d",
					 (int)(rnd(&s) % 120), (int)(rnd(&s) % 60),
					 (int)(rnd(&s) % 30), (int)(rnd(&s) % 10));
			else if (!strcmp(t, "run"))
				snprintf(val, sizeof(val), "%d",
					 rnd(&s) % 8 ? 1 : (int)(rnd(&s) % 5));
			else if (!strcmp(t, "merge_across_nodes") ||
				 !strcmp(t, "smart_scan") ||
				 !strcmp(t, "first_scan"))
				snprintf(val, sizeof(val), "%d",
					 (int)(rnd(&s) % 3));
			else
				snprintf(val, sizeof(val), "%llu",
					 (unsigned long long)(rnd(&s) % 5000));
			expect(t_write_file(path, val) ? -1 : 0,
			       strcmp(t, "merge_across_nodes") ? sysfs_errs :
			       nodes_errs, path);
		}
		if (rnd(&s) % 500 == 0) {
			close(fd);
			fd = open("/dev/pshare", O_RDWR);
		}
	}
	close(fd);
	return NULL;
}

static int run_fuzzer(int threads)
{
	pthread_t th[64];
	int i;

	filefd = open("/tmp/t_fuzz.file", O_RDWR | O_CREAT, 0600);
	if (filefd < 0 || ftruncate(filefd, SLOT_PAGES * PAGE_SZ))
		return 2;
	for (i = 0; i < SLOTS; i++) {
		slot[i] = t_map(SLOT_PAGES);
		if (!slot[i])
			return 2;
		memset(slot[i], i % 3, SLOT_PAGES * PAGE_SZ);
	}
	victim = fork();
	if (victim == 0) {
		char *m = t_map(SLOT_PAGES);

		if (m)
			memset(m, 1, SLOT_PAGES * PAGE_SZ);
		for (;;)
			pause();
	}
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, fuzz, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	printf("  %ld calls, %ld undocumented errnos\n", atomic_load(&calls),
	       atomic_load(&bad_errno));
	return atomic_load(&bad_errno) ? 1 : 0;
}

int main(int argc, char **argv)
{
	int opt, threads = 4, status, i;
	pid_t pid;

	while ((opt = getopt(argc, argv, "c:t:")) != -1) {
		switch (opt) {
		case 'c': calls_per_thread = atol(optarg); break;
		case 't': threads = atoi(optarg); break;
		default: return 2;
		}
	}
	if (threads < 1 || threads > 64)
		return 2;
	t_start("fuzz");
	t_fast_scan();
	pid = fork();
	if (pid == 0)
		_exit(run_fuzzer(threads));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "fuzzer: status %#x", status);

	/* Its exit ends every registration: all counters go back to zero. */
	t_fast_scan();
	for (i = 0; i < 100 && t_sysfs("metadata_bytes"); i++)
		usleep(100000);
	t_expect_stat("metadata_bytes", 0);
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	t_expect_stat("pages_unshared", 0);
	t_expect_stat("pages_volatile", 0);
	t_expect_stat("zero_pages_sharing", 0);
	t_expect_stat("estimate_pages", 0);
	t_expect_stat("estimate_zero_pages", 0);
	t_default_rates();
	t_sysfs_set("salting", 2);
	t_sysfs_set("zero_across_domains", 1);
	t_sysfs_set("smart_scan", 1);
	t_sysfs_set("first_scan", 1);
	/* It changes only while nothing is merged: unmerge, if need be. */
	if (t_sysfs_set("merge_across_nodes", 1)) {
		t_sysfs_set("run", 2);
		t_sysfs_set("merge_across_nodes", 1);
		t_sysfs_set("run", 1);
	}
	CHECK(t_sysfs("merge_across_nodes") == 1, "merge_across_nodes %ld",
	      t_sysfs("merge_across_nodes"));
	t_write_file("/sys/module/pshare/parameters/madvise", "0");
	t_sysfs_set("max_page_sharing", 256);
	t_write_file("/sys/kernel/mm/pshare/thp_split", "pressure");
	t_write_file("/sys/kernel/mm/pshare/mem_thresholds", "6 4 2 1");
	return t_end();
}
