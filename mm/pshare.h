/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: internal interfaces between the module's files. */
#ifndef _PSHARE_H
#define _PSHARE_H

#include <linux/atomic.h>
#include <linux/mmu_notifier.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/pshare.h>
#include <linux/types.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <pshare/compat.h>
#include <pshare/tunables.h>

#define PSHARE_VERSION	"0.1.0"

/* Values of the run tunable; see Documentation/admin-guide.rst. */
enum pshare_run_state {
	PSHARE_RUN_STOP = 0,	/* scanner idle, merged pages stay merged */
	PSHARE_RUN_MERGE = 1,	/* scanner scans and merges */
	PSHARE_RUN_UNMERGE = 2,	/* scanner idle, every merged page unmerged */
	PSHARE_RUN_ESTIMATE = 3, /* scanner scans and counts, merges nothing */
};

/* Values of the salting tunable, after ESX's Mem.ShareForceSalting. */
enum pshare_salting {
	PSHARE_SALT_NONE = 0,	/* one common domain for every registration */
	PSHARE_SALT_IF_SET = 1,	/* a salt where one is set, else common */
	PSHARE_SALT_PROCESS = 2, /* a salt where one is set, else per process */
};

/* Values of the thp_split tunable; see Documentation/admin-guide.rst. */
enum pshare_thp_policy {
	PSHARE_THP_NEVER = 0,	/* never split a huge page to share */
	PSHARE_THP_PRESSURE = 1, /* split the best candidates when short */
	PSHARE_THP_ALWAYS = 2,	/* split on merge, as the kernel's KSM */
};

/* The enums above span the ranges that <pshare/tunables.h> gives. */
static_assert(PSHARE_TUN_MIN_run == PSHARE_RUN_STOP &&
	      PSHARE_TUN_DEF_run == PSHARE_RUN_MERGE &&
	      PSHARE_TUN_MAX_run == PSHARE_RUN_ESTIMATE);
static_assert(PSHARE_TUN_MIN_salting == PSHARE_SALT_NONE &&
	      PSHARE_TUN_DEF_salting == PSHARE_SALT_PROCESS &&
	      PSHARE_TUN_MAX_salting == PSHARE_SALT_PROCESS);

/* Host memory states, after ESX; see pshare_mem_state(). */
enum pshare_mem_state {
	PSHARE_MEM_HIGH = 0,
	PSHARE_MEM_SOFT,
	PSHARE_MEM_HARD,
	PSHARE_MEM_LOW,
	PSHARE_MEM_NR_STATES,
};

/**
 * struct pshare_tunables - operator settings, written through sysfs
 * @run: an &enum pshare_run_state
 * @sleep_millisecs: the scanner's period: it wakes every so many ms
 * @max_page_sharing: most mappings one merged page may have
 * @scan_mb_per_ghz: host-wide scan cap, MB/s per GHz of CPU capacity
 * @rate_max_pages: per-registration cap, pages per second
 * @scan_time_secs: target seconds to scan each registration fully
 * @max_cpu_percent: cap on the scanner's measured CPU use, % of one CPU
 * @thp_split: an &enum pshare_thp_policy
 * @mem_thresholds: the high, soft, hard and low thresholds, percent of
 *		    total memory, packed one per byte (high in bits 24-31) so
 *		    that the four change together
 * @salting: an &enum pshare_salting
 * @zero_across_domains: zero pages map to the kernel's zero page whatever
 *			 their domain (1), or merge only within it (0)
 * @smart_scan: skip visits of pages that stay unique and unchanged (1)
 * @merge_across_nodes: pages merge whatever their NUMA node (1), or only
 *			with pages on their own node (0); changes only while
 *			nothing is merged
 * @first_scan: scan memory new to pshare at the host-wide caps, not at
 *		@scan_time_secs and @rate_max_pages (1)
 *
 * Writers hold pshare_lock; the scanner reads with READ_ONCE() and may see
 * a new value one period late.
 */
struct pshare_tunables {
	unsigned int run;
	unsigned int sleep_millisecs;
	unsigned int max_page_sharing;
	unsigned int scan_mb_per_ghz;
	unsigned int rate_max_pages;
	unsigned int scan_time_secs;
	unsigned int max_cpu_percent;
	unsigned int thp_split;
	u32 mem_thresholds;
	unsigned int salting;
	unsigned int zero_across_domains;
	unsigned int smart_scan;
	unsigned int merge_across_nodes;
	unsigned int first_scan;
};

/*
 * Defaults of the tunables. The numeric ones, and their ranges, are in
 * <pshare/tunables.h>, which psharectl and the tests include too.
 */
#define PSHARE_RUN_DEFAULT		PSHARE_TUN_DEF_run
#define PSHARE_SLEEP_MS_DEFAULT		PSHARE_TUN_DEF_sleep_millisecs
#define PSHARE_MAX_SHARING_DEFAULT	PSHARE_TUN_DEF_max_page_sharing
#define PSHARE_SCAN_MB_PER_GHZ_DEFAULT	PSHARE_TUN_DEF_scan_mb_per_ghz
#define PSHARE_RATE_MAX_DEFAULT		PSHARE_TUN_DEF_rate_max_pages
#define PSHARE_SCAN_TIME_DEFAULT	PSHARE_TUN_DEF_scan_time_secs
#define PSHARE_CPU_PERCENT_DEFAULT	PSHARE_TUN_DEF_max_cpu_percent
#define PSHARE_THP_DEFAULT		PSHARE_THP_PRESSURE
/* ESX's 6%, 4%, 2% and 1% of memory. */
#define PSHARE_MEM_THRESHOLDS_DEFAULT	0x06040201u
#define PSHARE_MEM_THRESHOLD_MAX	99
/* Pages per second below which no registration's target rate falls. */
#define PSHARE_RATE_FLOOR_PAGES		16
/* Unit of a registration's scan credit: one page, in 1/10^9 pages. */
#define PSHARE_CREDIT_PAGE		1000000000LL
/* Registration weights: 0 asks for the default. */
#define PSHARE_WEIGHT_DEFAULT		100
#define PSHARE_WEIGHT_MAX		10000
#define PSHARE_SALTING_DEFAULT		PSHARE_TUN_DEF_salting
#define PSHARE_ZERO_ACROSS_DEFAULT	PSHARE_TUN_DEF_zero_across_domains
#define PSHARE_ACROSS_NODES_DEFAULT	PSHARE_TUN_DEF_merge_across_nodes
#define PSHARE_SMART_SCAN_DEFAULT	PSHARE_TUN_DEF_smart_scan
#define PSHARE_FIRST_SCAN_DEFAULT	PSHARE_TUN_DEF_first_scan
/*
 * first_scan: a pass that hashed more than 1/64 of a registration's pages
 * for the first time is followed by another at the caps.
 */
#define PSHARE_NEW_PAGES_SHIFT		6
/* How often pshared registers new VMAs of whole-process registrations. */
#define PSHARE_WHOLE_REFRESH_NS		NSEC_PER_SEC

/* Threshold @state (high is 0) of a packed mem_thresholds value. */
static inline unsigned int pshare_mem_threshold(u32 packed,
						enum pshare_mem_state state)
{
	return (packed >> (8 * (PSHARE_MEM_LOW - state))) & 0xff;
}

/**
 * struct pshare_stats - host-wide counters shown in sysfs
 * @full_scans: completed passes over every registered range
 * @pages_shared: merged pages with at least one mapping on record
 * @rmap_items: mappings of merged pages on record
 * @pages_unshared: pages scanned, stable, with no twin yet (hinted)
 * @pages_volatile: pages skipped because their content changed
 * @pages_skipped: visits skipped by smart_scan: of pages that stayed unique
 *		   and unchanged (a running total)
 * @zero_pages_sharing: pages pshare mapped to the kernel's zero page
 * @metadata_bytes: every byte pshare allocated and holds, as allocated
 * @stable_nodes: merged pages pshare created and still tracks
 * @pages_scanned: page visits by the scanner
 * @pages_hashed: full-page hashes taken: for pages whose sample several
 *		  merged pages or another content share, and for new merged
 *		  pages
 * @sample_misses: hinted pages, or merged pages alone with their sample,
 *		   found to share a page's sample but not its bytes; the
 *		   pages are keyed by their full hash from then on
 * @thp_scanned: visits of PMD-mapped huge pages (counted once per visit)
 * @thp_skipped: visits of huge pages kept whole that a sample found
 *		 unchanged, whose subpages were skipped (smart_scan)
 * @thp_splits: huge pages pshare split to share their subpages
 * @thp_split_candidates: huge pages now recorded as worth splitting
 * @thp_dup_subpages: duplicate subpages held inside those candidates
 * @cpu_throttled: scanner periods stretched to keep under max_cpu_percent
 * @shrinker_calls: calls of pshare's shrinker by the kernel's reclaim
 * @pages_merged: merges done: mappings that joined a merged page or went
 *		  to the zero page (a running total)
 * @estimate_pages: estimate mode: registered pages that would merge with a
 *		    twin of their domain, as of each one's last scan
 * @estimate_zero_pages: estimate mode: zero pages that would map to the
 *			 zero page, as of each one's last scan
 *
 * Each counter is an atomic_long_t, updated with atomic operations and read
 * locklessly (sysfs, ioctls). Most change under pshare_engine_lock, but not
 * all: the shrinker bumps @shrinker_calls without it. No lock orders two
 * counters, so a reader may see them from slightly different moments.
 * pages_sharing is @rmap_items - @pages_shared.
 */
struct pshare_stats {
	atomic_long_t full_scans;
	atomic_long_t pages_shared;
	atomic_long_t rmap_items;
	atomic_long_t pages_unshared;
	atomic_long_t pages_volatile;
	atomic_long_t pages_skipped;
	atomic_long_t zero_pages_sharing;
	atomic_long_t metadata_bytes;
	atomic_long_t stable_nodes;
	atomic_long_t pages_scanned;
	atomic_long_t pages_hashed;
	atomic_long_t sample_misses;
	atomic_long_t thp_scanned;
	atomic_long_t thp_skipped;
	atomic_long_t thp_splits;
	atomic_long_t thp_split_candidates;
	atomic_long_t thp_dup_subpages;
	atomic_long_t cpu_throttled;
	atomic_long_t shrinker_calls;
	atomic_long_t pages_merged;
	atomic_long_t estimate_pages;
	atomic_long_t estimate_zero_pages;
};

/* pshare_lock serialises tunable writes, run-state changes and unload. */
extern struct mutex pshare_lock;
extern struct pshare_tunables pshare_tun;
extern struct pshare_stats pshare_stats;

static inline void pshare_meta_account(long bytes)
{
	atomic_long_add(bytes, &pshare_stats.metadata_bytes);
}

/* The bytes a kmalloc() or kvmalloc() of @size at @p really holds. */
static inline long pshare_alloc_bytes(const void *p, size_t size)
{
	return is_vmalloc_addr(p) ? PAGE_ALIGN(size) :
				    kmalloc_size_roundup(size);
}

/* Count a k(v)malloc() of @size at @p in metadata_bytes, or uncount it. */
static inline void pshare_meta_alloced(const void *p, size_t size)
{
	pshare_meta_account(pshare_alloc_bytes(p, size));
}

static inline void pshare_meta_freed(const void *p, size_t size)
{
	pshare_meta_account(-pshare_alloc_bytes(p, size));
}

/*
 * A zeroed array of @n elements of @size, for per-page metadata: from the
 * slab up to a page, else page by page from vmalloc. kvcalloc() tries the
 * page allocator first, whose power-of-two blocks almost double the cost
 * of an array just past a power of two. Free it with kvfree().
 */
static inline void *pshare_calloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	if (bytes <= PAGE_SIZE)
		return kzalloc(bytes, GFP_KERNEL);
	return __vmalloc(bytes, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
}

/* state.c: waking the scanner; pshared (scan.c) waits on these. */
extern struct wait_queue_head pshare_scan_waitq;
extern bool pshare_wake_pending;
void pshare_scan_wake(void);

/* filter.c: the address spaces the kernel hooks must look at */
void pshare_filter_add(struct mm_struct *mm);
void pshare_filter_del(struct mm_struct *mm);
bool pshare_filter_test(struct mm_struct *mm);
int pshare_filter_any_add(struct mm_struct *mm);
void pshare_filter_any_forget(struct mm_struct *mm);
void pshare_filter_exit(void);

#endif /* _PSHARE_H */
