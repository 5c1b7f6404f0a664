/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the store, registrations and their per-page metadata. */
#ifndef _PSHARE_STORE_H
#define _PSHARE_STORE_H

#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include "pshare.h"

/*
 * Per-page metadata of a registration: one u32 per page.
 * bits 0-1: the page's class; bit 2: @csum valid; bit 3: unmapped (gone);
 * bits 4-5: estimate mode's verdict at the last scan (would merge with a
 * twin, would go to the zero page); bits 6-8: the page's age, visits in a
 * row that found it unique and unchanged (saturating); bits 9-11: visits
 * still to skip (smart_scan, see scan.c); bit 12: the page is keyed by its
 * full xxh64, not by its sample (PSHARE_PM_FULLKEY, see merge.c); bits
 * 13-31: the top 19 bits of the low half of its sample's hash, to tell a
 * page that changed since its last scan (volatile) from a stable one. Age
 * and skips are 0 in any class but unshared. A subpage of a THP kept
 * whole has no age and no skips: there bit 6 (PSHARE_PM_THP_DUP) says it
 * had a twin at its THP's last visit.
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
#define PSHARE_PM_FULLKEY	0x1000u
#define PSHARE_PM_FLAGS		0x1fffu
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

/* The entry of @r's thp_sig for the 2 MiB block at @haddr. */
static inline u32 *pshare_thp_sig(struct pshare_range *r, unsigned long haddr)
{
	return &r->thp_sig[(haddr - ALIGN_DOWN(r->start, HPAGE_PMD_SIZE)) >>
			   HPAGE_PMD_SHIFT];
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

/* Does @r take part in sharing (neither it nor its process disabled)? */
static inline bool pshare_range_active(const struct pshare_range *r)
{
	return !r->disabled && !r->pmm->disabled;
}

/**
 * struct pshare_order - the scanner's place in the scan order
 * @range: the registration the scanner serves next (round robin); moved
 *	   on by pshare_store_remove() when that registration goes away
 * @nr_ranges: registrations in the store
 * @epoch_pending: registrations not yet fully scanned in this epoch; a
 *		   full scan completes when none is left (scan.c)
 *
 * Under pshare_engine_lock.
 */
struct pshare_order {
	struct pshare_range *range;
	unsigned long nr_ranges;
	unsigned long epoch_pending;
};

extern struct pshare_order pshare_order;

struct pshare_range *pshare_range_alloc(unsigned long start,
					unsigned long len, u64 salt,
					u32 weight);
void pshare_range_free(struct pshare_range *r);
int pshare_store_insert(struct pshare_mm *pmm, struct pshare_range *r,
			struct pshare_range *next);
void pshare_store_remove(struct pshare_range *r);
unsigned long pshare_store_registered(void);
struct pshare_range *pshare_range_by_id(u32 id);
struct pshare_mm *pshare_mm_find(struct mm_struct *mm);

void pshare_meta_set_class(struct pshare_range *r, unsigned long idx,
			   u32 class);
void pshare_meta_set_est(struct pshare_range *r, unsigned long idx, u32 est);
void pshare_meta_thp_twin(struct pshare_range *r, unsigned long idx);
void pshare_estimate_clear(void);
void pshare_hints_dropped(void);

struct pshare_rmap_item *pshare_item_get(struct pshare_range *r,
					 unsigned long idx);
struct pshare_rmap_item *pshare_item_next(struct pshare_range *r,
					  unsigned long *idx);
int pshare_item_reserve(struct pshare_range *r, unsigned long idx);
void pshare_item_set(struct pshare_range *r, unsigned long idx,
		     struct pshare_rmap_item *item);

#endif /* _PSHARE_STORE_H */
