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

/*
 * Per-page metadata of a registration: one u32 per page.
 * bits 0-1: the page's class; bit 2: @csum valid; bit 3: unmapped (gone);
 * bits 4-5: estimate mode's verdict at the last scan (would merge with a
 * twin, would go to the zero page); bits 6-8: the page's age, visits in a
 * row that found it unique and unchanged (saturating); bits 9-11: visits
 * still to skip (smart_scan, see scan.c); bits 12-31: the top 20 bits of
 * the low half of the page's xxh64, to tell a page that changed since its
 * last scan (volatile) from a stable one. Age and skips are 0 in any class
 * but unshared. A subpage of a THP kept whole has no age and no skips: there
 * bit 6 (PSHARE_PM_THP_DUP) says it had a twin at its THP's last visit.
 */
#define PSHARE_PM_CLASS		0x3u
#define PSHARE_PM_NONE		0x0u	/* not hinted: new, merged or skipped */
#define PSHARE_PM_UNSHARED	0x1u	/* stable, hinted, no twin yet */
#define PSHARE_PM_VOLATILE	0x2u	/* changed since the last scan */
#define PSHARE_PM_ZERO		0x3u	/* mapped to the zero page by pshare */
#define PSHARE_PM_SEEN		0x4u
#define PSHARE_PM_GONE		0x8u
#define PSHARE_PM_EST_DUP	0x10u
#define PSHARE_PM_EST_ZERO	0x20u
#define PSHARE_PM_EST		(PSHARE_PM_EST_DUP | PSHARE_PM_EST_ZERO)
#define PSHARE_PM_AGE		0x1c0u
#define PSHARE_PM_AGE_SHIFT	6
#define PSHARE_PM_THP_DUP	0x40u
#define PSHARE_PM_SKIP		0xe00u
#define PSHARE_PM_SKIP_SHIFT	9
#define PSHARE_PM_FLAGS		0xfffu
#define PSHARE_PM_CSUM(h)	((u32)(h) & ~PSHARE_PM_FLAGS)

struct pshare_mm;

/**
 * struct pshare_range - one registration: a range of one address space
 * @link: on @pmm->ranges, under pshare_engine_lock
 * @pmm: the address space's &struct pshare_mm
 * @start: first address
 * @end: address past the last page
 * @npages: pages in the range
 * @ngone: pages unmapped since registration; at @npages it ends
 * @domain: sharing domain, from @salt, the process's salt and the salting
 *	    policy (domain.c)
 * @salt: the salt the registering caller gave, 0 for none
 * @disabled: the operator stopped sharing for this registration
 * @id: index in the table of registrations by id, named by hints
 * @meta: per-page metadata, see PSHARE_PM_*; under pshare_engine_lock
 * @chunks: rmap items of merged pages by page index, in page-sized chunks
 *	    of pointers made on first use; under pshare_engine_lock
 * @weight: share of the host-wide scan budget when that cap binds
 * @rate: pages per second the rate control gives it, in 1/1000 pages
 * @credit: pages it may scan now, in 1/10^9 pages
 * @cursor: the next page index it scans
 * @epoch_left: pages left to scan in this full-scan epoch
 * @pass_new: pages hashed for the first time in the current pass
 * @fast: in its first pass, or the last pass hashed many pages for the
 *	  first time: scanned at the host-wide caps (first_scan)
 * @thp_addr: the huge page its cursor is in, or 0
 * @thp_dups: duplicate subpages found in that huge page so far
 * @thp_claim: a huge page pshare split while merging, whose subpages the
 *	       kernel may have mapped to the zero page itself (6.12), or 0
 * @thp_noted: subpages of the huge page at @thp_addr noted in this visit
 * @thp_sample: sample of the huge page at @thp_sample_addr, taken as its
 *		visit began (PSHARE_THP_SIG_* form), or 0
 * @thp_sample_addr: the huge page that @thp_sample is of
 * @thp_sig: for each 2 MiB block the range spans, the sample of its huge
 *	     page at its last whole visit, and the visits skipped since; see
 *	     PSHARE_THP_SIG_*; under pshare_engine_lock
 *
 * The rate fields are under pshare_engine_lock, and belong to rate.c and
 * scan.c.
 */
struct pshare_range {
	struct list_head link;
	struct pshare_mm *pmm;
	unsigned long start;
	unsigned long end;
	unsigned long npages;
	unsigned long ngone;
	u64 domain;
	u64 salt;
	bool disabled;
	u32 id;
	u32 *meta;
	struct pshare_rmap_item ***chunks;
	unsigned int weight;
	u64 rate;
	s64 credit;
	unsigned long cursor;
	unsigned long epoch_left;
	unsigned long pass_new;
	bool fast;
	unsigned long thp_addr;
	unsigned int thp_dups;
	unsigned long thp_claim;
	unsigned int thp_noted;
	u32 thp_sample;
	unsigned long thp_sample_addr;
	u32 *thp_sig;
};

/*
 * An entry of &pshare_range.thp_sig: bits 0-2, visits skipped in a row
 * since the last whole visit; bit 3, the rest is valid; bits 4-31, the top
 * of the low half of the huge page's sample (thp.c).
 */
#define PSHARE_THP_SIG_SKIPS	0x7u
#define PSHARE_THP_SIG_VALID	0x8u
#define PSHARE_THP_SIG(h)	((u32)(h) & ~0xfu)

/* Entries of @r's thp_sig: the 2 MiB blocks that [start, end) touches. */
static inline unsigned long pshare_thp_blocks(const struct pshare_range *r)
{
	return (ALIGN(r->end, HPAGE_PMD_SIZE) -
		ALIGN_DOWN(r->start, HPAGE_PMD_SIZE)) >> HPAGE_PMD_SHIFT;
}

/* The user address of page @idx of @r, and back. */
static inline unsigned long pshare_page_addr(const struct pshare_range *r,
					     unsigned long idx)
{
	return r->start + (idx << PAGE_SHIFT);
}

static inline unsigned long pshare_page_idx(const struct pshare_range *r,
					    unsigned long addr)
{
	return (addr - r->start) >> PAGE_SHIFT;
}

/**
 * struct pshare_unmapped - an address interval unmapped since the last scan
 * @link: on &pshare_mm.unmapped, under &pshare_mm.unmap_lock
 * @start: first address
 * @end: address past the last
 */
struct pshare_unmapped {
	struct list_head link;
	unsigned long start;
	unsigned long end;
};

/**
 * struct pshare_mm - an address space with registrations
 * @mn: mmu notifier: release at exit, invalidate on munmap
 * @mm: the address space; pinned with mmgrab()
 * @link: on pshare_mms, under pshare_engine_lock
 * @ranges: its &struct pshare_range, sorted; under pshare_engine_lock
 * @tgid: registering process
 * @comm: its command name
 * @serial: a number of its own, for its domain under salting policy 2
 * @salt: the operator's salt for the process, 0 for none
 * @disabled: the operator stopped sharing for the process
 * @whole: every private anonymous VMA is registered, present and future
 * @madvised: registered through madvise(MADV_MERGEABLE)
 * @whole_salt: salt of the registrations whole-process mode makes
 * @whole_weight: their weight
 * @whole_at: ktime of the last look for new VMAs
 * @dead: set by the release notifier at exit; the scanner then reaps it
 * @freeing: set before pshare unregisters the notifier itself, whose
 *	     release call is then not an exit
 * @unmap_lock: protects @unmapped and @unmap_overflow (a spinlock: the
 *		notifier may not sleep)
 * @unmapped: intervals unmapped since the scanner last looked
 * @nr_unmapped: entries on @unmapped
 * @unmap_overflow: an interval could not be recorded; recheck every VMA
 * @registered: pages registered
 * @items: mappings of merged pages on record
 * @owned: merged pages whose first mapping on record is here
 * @zero: pages mapped to the zero page by pshare
 * @scanned: page visits by the scanner in its registrations
 * @est_dup: pages whose estimate verdict is "would merge"
 * @est_zero: pages whose estimate verdict is "zero page"
 * @thp_dups: duplicate subpages in its huge pages that are split
 *	      candidates: what splitting them would free (see thp.c)
 *
 * The counters, and the fields from @serial to @whole_at, are under
 * pshare_engine_lock.
 */
struct pshare_mm {
	struct mmu_notifier mn;
	struct mm_struct *mm;
	struct list_head link;
	struct list_head ranges;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	u64 serial;
	u64 salt;
	bool disabled;
	bool whole;
	bool madvised;
	u64 whole_salt;
	u32 whole_weight;
	u64 whole_at;
	bool dead;
	bool freeing;
	spinlock_t unmap_lock;		/* @unmapped, @nr_unmapped, @unmap_overflow */
	struct list_head unmapped;
	unsigned int nr_unmapped;
	bool unmap_overflow;
	unsigned long registered;
	unsigned long items;
	unsigned long owned;
	unsigned long zero;
	unsigned long scanned;
	unsigned long est_dup;
	unsigned long est_zero;
	unsigned long thp_dups;
};

/*
 * pshare_engine_lock guards everything the scanner works on: pshare_mms and
 * every pshare_mm's ranges, the content index, the stable nodes' own fields
 * (not their hlist: that is under the KSM page lock) and the counters.
 * Order: pshare_lock, then pshare_engine_lock, then an mm's mmap_lock, then
 * a page lock, then a page table lock. Only one mmap_lock at a time.
 */
extern struct mutex pshare_engine_lock;
extern struct list_head pshare_mms;
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

/* Does @r take part in sharing (neither it nor its process disabled)? */
static inline bool pshare_range_active(const struct pshare_range *r)
{
	return !r->disabled && !r->pmm->disabled;
}

/* register.c */
int pshare_register(struct mm_struct *mm, unsigned long start,
		    unsigned long len, u64 salt, u32 flags, u32 weight);
int pshare_register_task(struct mm_struct *mm, struct task_struct *task,
			 unsigned long start, unsigned long len, u64 salt,
			 u32 flags, u32 weight);
struct pshare_mm *pshare_mm_find(struct mm_struct *mm);
struct pshare_mm *pshare_mm_find_or_create(struct mm_struct *mm,
					   struct task_struct *task);
void pshare_mm_free_if_unused(struct pshare_mm *pmm);
int pshare_cover(struct pshare_mm *pmm, unsigned long start,
		 unsigned long end, u64 salt, u32 weight);
void pshare_uncover(struct pshare_mm *pmm, unsigned long start,
		    unsigned long end);
void pshare_range_reset(struct pshare_range *r, bool live);
void pshare_meta_set_est(struct pshare_range *r, unsigned long idx, u32 est);
void pshare_estimate_clear(void);
int pshare_unregister(struct mm_struct *mm, unsigned long start,
		      unsigned long len);
int pshare_query(struct mm_struct *mm, struct pshare_proc_stats *st);
void pshare_mm_stats(struct pshare_mm *pmm, struct pshare_proc_stats *st);
void pshare_process_unmapped(struct pshare_mm *pmm);
void pshare_reap_dead(void);
void pshare_page_gone(struct pshare_range *r, unsigned long idx);
unsigned long pshare_release_nodes(void);
bool pshare_reap_pending(void);
void pshare_meta_set_class(struct pshare_range *r, unsigned long idx,
			   u32 class);
struct pshare_range *pshare_range_by_id(u32 id);
struct pshare_rmap_item *pshare_item_get(struct pshare_range *r,
					 unsigned long idx);
struct pshare_rmap_item *pshare_item_next(struct pshare_range *r,
					  unsigned long *idx);
int pshare_item_reserve(struct pshare_range *r, unsigned long idx);
void pshare_item_set(struct pshare_range *r, unsigned long idx,
		     struct pshare_rmap_item *item);
void pshare_register_exit(void);
int pshare_check_range(unsigned long start, unsigned long len);

/* merge.c */
struct pshare_rmap_item;
struct pshare_stable_node;
void pshare_merge_claim_zero(struct pshare_range *r, unsigned long idx);
void pshare_merge_page(struct pshare_range *r, unsigned long idx,
		       struct page *page, u64 hash);
bool pshare_merge_note_dup(struct pshare_range *r, unsigned long idx,
			   struct page *page, u64 hash);
int pshare_merge_set_across_nodes(unsigned int across);
u32 pshare_merge_estimate(struct pshare_range *r, unsigned long idx,
			  struct page *page, u64 hash);
void pshare_remove_item(struct pshare_rmap_item *item);
unsigned long pshare_range_drop_items(struct pshare_range *r, bool unmerge);
unsigned long pshare_prune_nodes(void);
int pshare_merge_init(void);
void pshare_merge_exit(void);

/* scan.c */
int pshare_scan_start(void);
void pshare_scan_stop(void);
void pshare_scan_wake(void);
int pshare_set_run(unsigned int run);
void pshare_scan_forget(struct pshare_range *r);
void pshare_scan_added(struct pshare_range *r);
void pshare_scan_page(struct pshare_range *r, unsigned long idx);
void pshare_scan_split_page(struct pshare_range *r, unsigned long idx);
void pshare_prune_later(void);
int pshare_unmerge_all(void);
u64 pshare_scan_cpu_ns(void);

/* rate.c */
void pshare_rate_changed(void);
void pshare_rate_refresh(u64 now, enum pshare_mem_state state);
void pshare_rate_accrue(u64 dt_ns, u64 burst_ns);
unsigned int pshare_rate_period_end(u64 cpu_ns, u64 wall_ns,
				    unsigned int rest_ms);
unsigned long pshare_cpu_mhz(void);
u64 pshare_scan_cap(void);
u64 pshare_rate_sum(void);
unsigned int pshare_boost(enum pshare_mem_state state);

/* memstate.c */
enum pshare_mem_state pshare_mem_state(void);
enum pshare_mem_state pshare_mem_state_update(void);
void pshare_mem_state_entries(unsigned long *entries);
bool pshare_mem_short(void);
const char *pshare_mem_state_name(enum pshare_mem_state state);
int pshare_memstate_init(void);
void pshare_memstate_exit(void);

/* domain.c */
u64 pshare_domain_of(struct pshare_mm *pmm, u64 salt);
int pshare_check_salt(u64 salt);
int pshare_set_salting(unsigned int salting);
void pshare_domains_refresh(struct pshare_mm *pmm);
void pshare_whole_refresh(u64 now);
int pshare_target_register(const struct pshare_target *t);
int pshare_target_unregister(const struct pshare_target *t);
int pshare_target_set(const struct pshare_target *t);
int pshare_list(struct pshare_proc_info *info, u32 max, u32 *total);

/* madvise.c */
bool pshare_madvise_enabled(void);
bool pshare_madvise_blocked(struct mm_struct *mm, unsigned long addr);
int pshare_madvise_queue(struct mm_struct *mm, unsigned long start,
			 unsigned long end, int advice);
int pshare_madvise_queue_whole(struct mm_struct *mm, bool enable);
void pshare_madvise_exit(void);

/* hooks.c */
void pshare_hook_mm_add(struct mm_struct *mm);
void pshare_hook_mm_del(struct mm_struct *mm);
void pshare_hook_any_forget(struct mm_struct *mm);
int pshare_hooks_init(void);
void pshare_hooks_exit(void);

/* thp.c */
bool pshare_thp_protected(struct page *page);
void pshare_thp_note(struct pshare_range *r, unsigned long idx,
		     struct page *page, u64 hash);
void pshare_thp_leave(struct pshare_range *r);
unsigned long pshare_thp_skip(struct pshare_range *r, unsigned long idx);
void pshare_thp_twin_found(struct pshare_range *r, unsigned long idx);
void pshare_thp_forget(struct pshare_range *r);
void pshare_thp_epoch_done(void);
void pshare_thp_relieve(unsigned int max_thps);
unsigned long pshare_thp_freeable(void);

/* sysfs.c */
int pshare_sysfs_init(void);
void pshare_sysfs_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
int pshare_parse_ulong(const char *buf, unsigned long min, unsigned long max,
		       unsigned long *val);
int pshare_parse_thresholds(const char *buf, u32 *packed);
u64 pshare_waterfill(struct pshare_range **v, unsigned long n, u64 cap,
		     u64 wsum);
bool pshare_scan_skip(struct pshare_range *r, unsigned long idx);
void pshare_scan_pass_done(struct pshare_range *r);
u64 pshare_demand(const struct pshare_range *r, unsigned int boost, u64 cap);
void pshare_scan_aged(struct pshare_range *r, unsigned long idx, u32 age);
#endif

/* chardev.c */
int pshare_chardev_init(void);
void pshare_chardev_exit(void);

#endif /* _PSHARE_H */
