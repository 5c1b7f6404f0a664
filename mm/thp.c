// SPDX-License-Identifier: GPL-2.0-only
/* pshare: huge pages, share-before-swap: split candidates and their relief. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/sched/mm.h>
#include <linux/static_call.h>
#include "memstate.h"
#include "merge.h"
#include "ops.h"
#include "thp.h"

/**
 * DOC: Huge pages
 *
 * The kernel's KSM splits a transparent huge page (THP) as soon as one of
 * its subpages merges, and the host loses the huge mapping for a saving of
 * a few pages. pshare, with thp_split=pressure (the default), does not:
 *
 * - The scanner hashes the 4 KiB subpages of PMD-mapped THPs in place and
 *   indexes them as hints, so other pages find them; it merges nothing
 *   into them and never makes them KSM pages.
 * - A subpage with a twin (the zero page, a merged page or another hinted
 *   page of the same content) is a duplicate. When the scanner leaves a
 *   THP, it records the THP as a split candidate with its duplicates: the
 *   pages splitting it would free.
 * - While memory is short (memstate.c), pshared splits the candidates with
 *   the most duplicates first, and scans their subpages at once, which
 *   merges them.
 *
 * thp_split=never keeps every THP whole (and still counts candidates);
 * thp_split=always is the kernel's KSM behaviour: split on merge. A THP
 * mapped by PTEs (partly unmapped or mprotected) is not protected: it is
 * no longer huge in the page tables, and splitting it costs nothing.
 *
 * The candidates live in a fixed table of PSHARE_THP_CANDIDATES entries (a
 * THP of 2 MiB each); when it is full, a new candidate replaces the one
 * with the fewest duplicates if it has more. Under pshare_engine_lock.
 *
 * Waiting for pressure costs little. With smart_scan on, a THP kept whole
 * and seen whole at a visit, every subpage hashed and looked up, is at the
 * following visits first sampled (pshare_ops_thp_sample(): two cache lines
 * of each subpage, 1/32 of it, at places a secret of the load chooses). If
 * the sample is the one taken as its last whole visit began, the visit
 * skips its 512 subpages: their hints stay in the index, where twins find
 * them, and its candidate record stays as it was. After
 * PSHARE_THP_SIG_SKIPS such visits in a row the next is whole again, and
 * so is every visit while memory is short, in the estimate mode, and after
 * the hints were dropped: the candidates are current when they are needed,
 * and a change that the sample does not see is seen eight visits later at
 * the most.
 */

#define PSHARE_THP_CANDIDATES	1024

struct pshare_thp_candidate {
	unsigned long addr;	/* the THP's first user address */
	u32 id;			/* its registration */
	u32 dups;		/* duplicate subpages at the last visit */
	u32 epoch;		/* full-scan epoch of the last visit */
};

static struct pshare_thp_candidate pshare_cands[PSHARE_THP_CANDIDATES];
static unsigned int pshare_nr_cands;
/* Counts full scans, to drop candidates no longer seen as huge pages. */
static u32 pshare_thp_epoch;

/* Set @c's duplicates, and the host's and its process's totals. */
static void pshare_cand_set_dups(struct pshare_thp_candidate *c, u32 dups)
{
	struct pshare_range *r = pshare_range_by_id(c->id);

	atomic_long_add((long)dups - (long)c->dups,
			&pshare_stats.thp_dup_subpages);
	/* A candidate's registration lives until pshare_thp_forget(). */
	if (!WARN_ON_ONCE(!r))
		r->pmm->thp_dups += (long)dups - (long)c->dups;
	c->dups = dups;
}

/* The entry of @r's thp_sig for the 2 MiB block at @haddr. */
static void pshare_cand_remove(unsigned int i)
{
	pshare_cand_set_dups(&pshare_cands[i], 0);
	pshare_cands[i] = pshare_cands[--pshare_nr_cands];
	atomic_long_set(&pshare_stats.thp_split_candidates, pshare_nr_cands);
}

static int pshare_cand_find(u32 id, unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < pshare_nr_cands; i++)
		if (pshare_cands[i].id == id && pshare_cands[i].addr == addr)
			return i;
	return -1;
}

/* Record the THP at @addr of @r with @dups duplicates, or forget it. */
static void pshare_cand_update(struct pshare_range *r, unsigned long addr,
			       u32 dups)
{
	int i = pshare_cand_find(r->id, addr);
	unsigned int j, min = 0;

	if (i >= 0) {
		if (dups) {
			pshare_cand_set_dups(&pshare_cands[i], dups);
			pshare_cands[i].epoch = pshare_thp_epoch;
		} else {
			pshare_cand_remove(i);
		}
		return;
	}
	if (!dups)
		return;
	if (pshare_nr_cands == PSHARE_THP_CANDIDATES) {
		for (j = 1; j < pshare_nr_cands; j++)
			if (pshare_cands[j].dups < pshare_cands[min].dups)
				min = j;
		if (pshare_cands[min].dups >= dups)
			return;
		pshare_cand_remove(min);
	}
	i = pshare_nr_cands++;
	pshare_cands[i] = (struct pshare_thp_candidate){
		.addr = addr, .id = r->id, .epoch = pshare_thp_epoch,
	};
	pshare_cand_set_dups(&pshare_cands[i], dups);
	atomic_long_set(&pshare_stats.thp_split_candidates, pshare_nr_cands);
}

/**
 * pshare_thp_leave() - the cursor of @r leaves the THP it was in
 * @r: the registration
 *
 * Records that THP as a candidate, or drops it if it has no duplicate.
 * Context: pshare_engine_lock held.
 */
void pshare_thp_leave(struct pshare_range *r)
{
	lockdep_assert_held(&pshare_engine_lock);

	if (!r->thp_addr)
		return;
	pshare_cand_update(r, r->thp_addr, r->thp_dups);
	/* Seen whole: later visits may compare samples and skip it. */
	if (r->thp_noted == HPAGE_PMD_NR && r->thp_sample &&
	    r->thp_sample_addr == r->thp_addr)
		*pshare_thp_sig(r, r->thp_addr) = r->thp_sample;
	r->thp_addr = 0;
	r->thp_dups = 0;
	r->thp_noted = 0;
	r->thp_sample = 0;
}

/*
 * The first page of the THP at @haddr of @r, referenced, if it is mapped
 * there by a PMD and kept whole; else NULL.
 */
static struct page *pshare_thp_head(struct pshare_range *r,
				    unsigned long haddr)
{
	struct mm_struct *mm = r->pmm->mm;
	struct page *page;

	if (READ_ONCE(r->pmm->dead) || !mmget_not_zero(mm))
		return NULL;
	page = pshare_ops_page_at(mm, haddr);
	mmput(mm);
	if (page && (!pshare_thp_protected(page) ||
		     folio_nr_pages(page_folio(page)) != HPAGE_PMD_NR ||
		     folio_page(page_folio(page), 0) != page)) {
		put_page(page);
		page = NULL;
	}
	return page;
}

/**
 * pshare_thp_skip() - skip an unchanged huge page at @r's cursor?
 * @r: the registration
 * @idx: the page index under its cursor
 *
 * At the first page of a 2 MiB block inside @r that a THP kept whole maps:
 * samples the THP; if the sample is the one taken at its last whole visit,
 * and no whole visit is due, the visit ends here. Otherwise the visit goes
 * on page by page, and pshare_thp_leave() keeps the sample if it saw the
 * THP whole. See "Huge pages" above.
 *
 * Context: pshare_engine_lock held, no mmap_lock.
 * Return: the pages skipped: HPAGE_PMD_NR, or 0 to visit page by page.
 */
unsigned long pshare_thp_skip(struct pshare_range *r, unsigned long idx)
{
	unsigned long haddr = pshare_page_addr(r, idx);
	struct page *page;
	u32 *sig, sample;
	int i;

	lockdep_assert_held(&pshare_engine_lock);

	if (!IS_ALIGNED(haddr, HPAGE_PMD_SIZE) ||
	    r->end - haddr < HPAGE_PMD_SIZE)
		return 0;
	sig = pshare_thp_sig(r, haddr);
	if (!READ_ONCE(pshare_tun.smart_scan) ||
	    READ_ONCE(pshare_tun.run) != PSHARE_RUN_MERGE ||
	    (r->meta[idx] & PSHARE_PM_GONE)) {
		*sig = 0;
		return 0;
	}
	page = pshare_thp_head(r, haddr);
	if (!page) {
		*sig = 0;
		return 0;
	}
	sample = PSHARE_THP_SIG(pshare_ops_thp_sample(page)) |
		 PSHARE_THP_SIG_VALID;
	put_page(page);
	if (PSHARE_THP_SIG(*sig) == PSHARE_THP_SIG(sample) &&
	    (*sig & PSHARE_THP_SIG_VALID) &&
	    (*sig & PSHARE_THP_SIG_SKIPS) < PSHARE_THP_SIG_SKIPS &&
	    !pshare_mem_short()) {
		(*sig)++;
		i = pshare_cand_find(r->id, haddr);
		if (i >= 0)
			pshare_cands[i].epoch = pshare_thp_epoch;
		atomic_long_inc(&pshare_stats.thp_skipped);
		atomic_long_add(HPAGE_PMD_NR, &pshare_stats.pages_skipped);
		return HPAGE_PMD_NR;
	}
	/* A whole visit, which starts from this sample. */
	*sig = 0;
	r->thp_sample = sample;
	r->thp_sample_addr = haddr;
	return 0;
}

/**
 * pshare_thp_note() - scan a subpage of a protected THP without merging
 * @r: its registration
 * @idx: its page index
 * @page: the subpage, referenced
 * @key: its key (merge.c)
 *
 * Context: pshare_engine_lock held.
 */
void pshare_thp_note(struct pshare_range *r, unsigned long idx,
		     struct page *page, struct pshare_key *key)
{
	unsigned long haddr = pshare_page_addr(r, idx) & HPAGE_PMD_MASK;

	lockdep_assert_held(&pshare_engine_lock);

	if (r->thp_addr != haddr) {
		pshare_thp_leave(r);
		r->thp_addr = haddr;
		atomic_long_inc(&pshare_stats.thp_scanned);
	}
	r->thp_noted++;
	if (pshare_merge_note_dup(r, idx, page, key)) {
		r->thp_dups++;
		r->meta[idx] |= PSHARE_PM_THP_DUP;
	} else {
		r->meta[idx] &= ~PSHARE_PM_THP_DUP;
	}
}

/**
 * pshare_thp_forget() - drop the candidates and samples of a registration
 * @r: the registration, going away or reset
 *
 * Context: pshare_engine_lock held.
 */
void pshare_thp_forget(struct pshare_range *r)
{
	unsigned int i = 0;

	lockdep_assert_held(&pshare_engine_lock);

	r->thp_addr = 0;
	r->thp_noted = 0;
	r->thp_sample = 0;
	memset(r->thp_sig, 0, pshare_thp_blocks(r) * sizeof(u32));
	while (i < pshare_nr_cands) {
		if (pshare_cands[i].id == r->id)
			pshare_cand_remove(i);
		else
			i++;
	}
}

/**
 * pshare_thp_epoch_done() - a full scan completed
 *
 * A candidate not visited as a huge page in the last two full scans was
 * split, collapsed away, unmapped, or left to thp_split=always: drop it.
 * (One scan is not enough: a visit can straddle the end of a scan.)
 * Context: pshare_engine_lock held.
 */
void pshare_thp_epoch_done(void)
{
	unsigned int i = 0;

	lockdep_assert_held(&pshare_engine_lock);

	pshare_thp_epoch++;
	while (i < pshare_nr_cands) {
		if (pshare_thp_epoch - pshare_cands[i].epoch > 2)
			pshare_cand_remove(i);
		else
			i++;
	}
}

/* Split the THP at @haddr of @r, if it is still there. */
static bool pshare_thp_split_at(struct pshare_range *r, unsigned long haddr)
{
	unsigned long addr = max(haddr, r->start);
	struct mm_struct *mm = r->pmm->mm;
	struct vm_area_struct *vma;
	struct page *page = NULL;
	bool split = false;

	if (READ_ONCE(r->pmm->dead) || !mmget_not_zero(mm))
		return false;
	mmap_read_lock(mm);
	vma = pshare_ops_find_vma(mm, addr);
	if (vma)
		page = pshare_ops_get_page(vma, addr);
	if (page && PageTransCompound(page))
		split = !pshare_ops_split_thp(page);
	if (page)
		put_page(page);
	mmap_read_unlock(mm);
	mmput(mm);
	return split;
}

static void pshare_thp_no_scan(struct pshare_range *r, unsigned long idx)
{
}

/* The scanner's look at one page, given by pshare_thp_set_scan(). */
DEFINE_STATIC_CALL(pshare_thp_scan, pshare_thp_no_scan);

/**
 * pshare_thp_set_scan() - say how to scan the subpages of a THP split
 * @scan: the scanner's look at one page, called with pshare_engine_lock
 *	  held on each subpage of a THP that pshare_thp_relieve() split
 *
 * Context: pshared not running.
 */
void pshare_thp_set_scan(void (*scan)(struct pshare_range *r,
				      unsigned long idx))
{
	static_call_update(pshare_thp_scan, scan);
}

/**
 * pshare_thp_relieve() - split the best candidates and merge their subpages
 * @max_thps: most THPs to split
 *
 * Context: pshare_engine_lock held; memory is short.
 */
void pshare_thp_relieve(unsigned int max_thps)
{
	lockdep_assert_held(&pshare_engine_lock);

	while (max_thps-- && pshare_nr_cands) {
		struct pshare_thp_candidate c;
		struct pshare_range *r;
		unsigned long idx, end;
		unsigned int i, best = 0;

		for (i = 1; i < pshare_nr_cands; i++)
			if (pshare_cands[i].dups > pshare_cands[best].dups)
				best = i;
		c = pshare_cands[best];
		pshare_cand_remove(best);
		r = pshare_range_by_id(c.id);
		if (!r || c.addr + HPAGE_PMD_SIZE <= r->start ||
		    c.addr >= r->end)
			continue;
		if (!pshare_thp_split_at(r, c.addr))
			continue;
		atomic_long_inc(&pshare_stats.thp_splits);
		/* Its subpages are small pages now: scanning merges them. */
		idx = pshare_page_idx(r, max(c.addr, r->start));
		end = pshare_page_idx(r, min(c.addr + HPAGE_PMD_SIZE, r->end));
		for (; idx < end; idx++) {
			static_call(pshare_thp_scan)(r, idx);
			cond_resched();
		}
	}
}

/** pshare_thp_freeable() - pages that splitting every candidate would free */
unsigned long pshare_thp_freeable(void)
{
	return max(atomic_long_read(&pshare_stats.thp_dup_subpages), 0L);
}
