// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the scanning kernel thread, pshared, and the run state machine. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ksm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/static_call.h>
#include "kabi.h"
#include "memstate.h"
#include "merge.h"
#include "ops.h"
#include "rate.h"
#include "reap.h"
#include "scan.h"
#include "symbols.h"
#include "thp.h"

/* Does the run state have pshared scan: merge (1) or estimate (3)? */
static bool pshare_run_scans(unsigned int run)
{
	return run == PSHARE_RUN_MERGE || run == PSHARE_RUN_ESTIMATE;
}

static struct task_struct *pshare_thread;
static void pshare_scan_no_period(u64 now)
{
}

/* pshare_scan_callbacks.period, set at start; a static call. */
DEFINE_STATIC_CALL(pshare_scan_period_cb, pshare_scan_no_period);
/* Most huge pages split per period while memory is short, before boost. */
#define PSHARE_THP_RELIEVE_PER_PERIOD	4
/* Pages one registration scans before the next one's turn. */
#define PSHARE_TURN_PAGES	64
/*
 * Most pages looked up under one hold of mmap_lock (pshare_scan_batch()).
 * They stay referenced until visited, which makes reclaim and compaction
 * pass them by meanwhile: a batch is short, some 10-50 us of hashing.
 */
#define PSHARE_BATCH_PAGES	16
/*
 * Longest gap of time one period's credit accrues for: two periods, and at
 * least 250 ms. A longer gap (a frozen system, a stalled scanner) earns no
 * burst; a period of up to sleep_millisecs' 1000 earns all its own time.
 */
#define PSHARE_ACCRUE_MIN_CAP_NS	(250 * NSEC_PER_MSEC)

/*
 * Under pshare_engine_lock (the scan order itself is the store's,
 * &pshare_order):
 * @drained_at: ktime of the last drain of the per-CPU LRU batches
 * @accrued_at: ktime up to which credit was given
 * @ended_at: ktime at the end of the last period
 * @ended_cpu: pshared's CPU time then
 */
static struct {
	u64 drained_at;
	u64 accrued_at;
	u64 ended_at;
	u64 ended_cpu;
} pshare_cursor;

/*
 * The page's key: the hash of its sample; the full xxh64 waits until the
 * index needs it (merge.c). Only a page whose sample is the zero page's is
 * checked for zero bytes; a zero page, common in guests, gets the zero
 * page's keys.
 */
static void pshare_key_of(struct page *page, struct pshare_key *key)
{
	key->sample = pshare_ops_sample(page);
	key->zero = key->sample == pshare_zero_sample &&
		    pshare_ops_is_zero(page);
	key->full = key->zero;
	key->hash = key->zero ? pshare_zero_hash : 0;
}

/* The first registration of the address space after @pmm, wrapping. */
static struct pshare_range *pshare_next_mm_range(struct pshare_mm *pmm)
{
	struct list_head *pos = pmm ? &pmm->link : &pshare_mms;
	int n;

	/* At most one lap of the list, skipping address spaces with none. */
	for (n = 0; n <= 1; ) {
		pos = pos->next;
		if (pos == &pshare_mms) {
			n++;
			continue;
		}
		pmm = list_entry(pos, struct pshare_mm, link);
		if (READ_ONCE(pmm->dead))
			continue;
		pshare_process_unmapped(pmm);
		if (!list_empty(&pmm->ranges))
			return list_first_entry(&pmm->ranges,
						struct pshare_range, link);
	}
	return NULL;
}

/* The registration after @r in scan order, wrapping; NULL if none. */
static struct pshare_range *pshare_next_range(struct pshare_range *r)
{
	if (r && !list_is_last(&r->link, &r->pmm->ranges))
		return list_next_entry(r, link);
	return pshare_next_mm_range(r ? r->pmm : NULL);
}

/*
 * Pages wait in per-CPU LRU batches with a reference held, which fails
 * the refcount check of write protection: drain them, as ksmd does once
 * per pass; here at most once a second, as registrations wrap.
 */
static void pshare_scan_drain(bool force)
{
	u64 now = ktime_get_ns();

	if (force || now - pshare_cursor.drained_at >= NSEC_PER_SEC) {
		pshare_call(lru_add_drain_all)();
		pshare_cursor.drained_at = now;
	}
}

/* Every registration was scanned fully in this epoch: start the next. */
static void pshare_scan_epoch_done(void)
{
	struct pshare_range *r;
	struct pshare_mm *pmm;

	atomic_long_inc(&pshare_stats.full_scans);
	pshare_thp_epoch_done();
	pshare_prune_nodes();
	pshare_scan_drain(true);
	pshare_order.epoch_pending = 0;
	list_for_each_entry(pmm, &pshare_mms, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			if (!pshare_range_active(r))
				continue;	/* owes nothing while disabled */
			r->epoch_left = r->npages;
			pshare_order.epoch_pending++;
		}
	}
}

/*
 * Once a period: if the registrations that owed the epoch its last pages
 * went away (freed, or disabled), the epoch is complete, provided any
 * registration can take part in the next. Not done in pshare_store_remove()
 * itself, which the teardown calls in the middle of its work (reap.c).
 * Context: pshare_engine_lock held.
 */
static void pshare_scan_epoch_check(void)
{
	struct pshare_range *r;
	struct pshare_mm *pmm;

	unsigned long owing = 0;
	bool active = false;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry(pmm, &pshare_mms, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			owing += !!r->epoch_left;
			active |= pshare_range_active(r);
		}
	}
	/*
	 * epoch_pending counts the registrations that owe pages. Were it
	 * ever off, full scans would end early, or, below the truth, never
	 * again (the count would wrap): say so once, and count again.
	 */
	if (WARN_ON_ONCE(owing != pshare_order.epoch_pending))
		pshare_order.epoch_pending = owing;
	if (!owing && active)
		pshare_scan_epoch_done();
}

/* @r is disabled: it owes no pages to the current epoch. */
static void pshare_scan_excuse(struct pshare_range *r)
{
	if (r->epoch_left) {
		r->epoch_left = 0;
		if (!--pshare_order.epoch_pending)
			pshare_scan_epoch_done();
	}
}

/*
 * smart_scan, after the kernel KSM's (6.7): a page that stayed unique and
 * unchanged for PSHARE_AGE_SKIP visits in a row is then visited less
 * often, skipping more visits the older it gets, up to PSHARE_SKIPS_MAX in
 * a row. A skipped visit costs no lookup and no hash. Its hint stays in
 * the index meanwhile, so a new twin still finds it and merges with it at
 * once; only a change of its own content is seen later than without.
 */
#define PSHARE_AGE_SKIP		3
#define PSHARE_AGE_MAX		(PSHARE_PM_AGE >> PSHARE_PM_AGE_SHIFT)
#define PSHARE_SKIPS_MAX	(PSHARE_PM_SKIP >> PSHARE_PM_SKIP_SHIFT)

/* Would smart_scan skip this visit of the page with meta @m? */
static bool pshare_scan_skips(u32 m)
{
	return (m & PSHARE_PM_CLASS) == PSHARE_PM_UNSHARED &&
	       (m & PSHARE_PM_SKIP) && READ_ONCE(pshare_tun.smart_scan) &&
	       READ_ONCE(pshare_tun.run) != PSHARE_RUN_ESTIMATE;
}

/* Should this visit of (@r, @idx) be skipped? Counts it if so. */
VISIBLE_IF_KUNIT bool pshare_scan_skip(struct pshare_range *r,
				       unsigned long idx)
{
	u32 *m = &r->meta[idx];

	if (!pshare_scan_skips(*m))
		return false;
	*m -= 1U << PSHARE_PM_SKIP_SHIFT;
	atomic_long_inc(&pshare_stats.pages_skipped);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_scan_skip);

/*
 * A visit found the unshared page at (@r, @idx), of age @age, unique and
 * unchanged again: age it, and set the visits it skips next, as ksmd's
 * skip_age() does: 1 at age 3, 2 at 4 and 5, 4 at 6, then the most.
 */
VISIBLE_IF_KUNIT void pshare_scan_aged(struct pshare_range *r,
				       unsigned long idx, u32 age)
{
	u32 skips = 0, *m = &r->meta[idx];

	age = min_t(u32, age + 1, PSHARE_AGE_MAX);
	if (!READ_ONCE(pshare_tun.smart_scan) || age < PSHARE_AGE_SKIP)
		skips = 0;
	else if (age == PSHARE_AGE_SKIP)
		skips = 1;
	else if (age <= PSHARE_AGE_SKIP + 2)
		skips = 2;
	else if (age < PSHARE_AGE_MAX)
		skips = 4;
	else
		skips = PSHARE_SKIPS_MAX;
	*m = (*m & ~(PSHARE_PM_AGE | PSHARE_PM_SKIP)) |
	     age << PSHARE_PM_AGE_SHIFT | skips << PSHARE_PM_SKIP_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_scan_aged);

/*
 * Count a visit of (@r, @idx), unless smart_scan skips it. Returns true if
 * the page must be looked up: it is still registered.
 */
static bool pshare_scan_counted(struct pshare_range *r, unsigned long idx)
{
	if (pshare_scan_skip(r, idx))
		return false;
	atomic_long_inc(&pshare_stats.pages_scanned);
	r->pmm->scanned++;
	return !(r->meta[idx] & PSHARE_PM_GONE);
}

/*
 * Look at the page at (@r, @idx), @page (referenced, or NULL if nothing is
 * mapped): still merged, changed since the last visit, a duplicate inside
 * a huge page that stays whole, or a candidate to merge. @ksm_has_it: the
 * address is the kernel KSM's now. @split: pshare just split its huge page.
 * Drops the reference. Context: pshare_engine_lock held, no mmap_lock.
 */
static void pshare_scan_visit(struct pshare_range *r, unsigned long idx,
			      struct page *page, bool ksm_has_it, bool split)
{
	unsigned long addr = pshare_page_addr(r, idx);
	struct pshare_rmap_item *item = pshare_item_get(r, idx);
	u32 *m = &r->meta[idx];
	bool unique;
	struct pshare_key key;
	u32 age, est = 0;

	lockdep_assert_held(&pshare_engine_lock);

	if (ksm_has_it) {
		/* madvise(MADV_MERGEABLE) came after registering: let go. */
		pshare_page_end(r, idx);
		return;
	}
	if (item) {
		if (page &&
		    page_folio(page)->mapping == pshare_node_mapping(item->head))
			goto out;	/* still merged */
		pshare_remove_item(item);	/* written, swapped, unmapped */
	}
	if ((*m & PSHARE_PM_CLASS) == PSHARE_PM_ZERO) {
		if (page && is_zero_pfn(page_to_pfn(page)))
			goto out;	/* still the zero page */
		pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
	}
	/*
	 * Since 6.12 splitting an anonymous huge page maps its zero-filled
	 * subpages to the zero page by itself (migrate.c's
	 * try_to_map_unused_to_zeropage()); on 6.1 pshare's merge does it. A
	 * split of pshare's saved those pages either way: count them as
	 * pshare's zero pages, as on 6.1.
	 */
	if (PSHARE_SPLIT_MAPS_ZERO && page && is_zero_pfn(page_to_pfn(page)) &&
	    (split || (addr & HPAGE_PMD_MASK) == r->thp_claim)) {
		pshare_merge_claim_zero(r, idx);
		goto out;
	}
	if (!page || is_zero_pfn(page_to_pfn(page)) || !PageAnon(page))
		goto out;

	pshare_key_of(page, &key);
	if ((*m & PSHARE_PM_SEEN) &&
	    PSHARE_PM_CSUM(*m) != PSHARE_PM_CSUM(key.sample)) {
		/*
		 * Changed since the last pass: volatile, skip it this time. It
		 * goes by its sample again: the content that shared it is gone.
		 */
		*m = (*m & PSHARE_PM_FLAGS & ~PSHARE_PM_FULLKEY) |
		     PSHARE_PM_CSUM(key.sample);
		pshare_meta_set_class(r, idx, PSHARE_PM_VOLATILE);
		goto out;
	}
	if (!(*m & PSHARE_PM_SEEN))
		r->pass_new++;
	*m = (*m & PSHARE_PM_FLAGS) | PSHARE_PM_CSUM(key.sample) |
	     PSHARE_PM_SEEN;
	if (READ_ONCE(pshare_tun.run) == PSHARE_RUN_ESTIMATE) {
		/* Count what merging would save; touch nothing. */
		est = pshare_merge_estimate(r, idx, page, &key);
		goto out;
	}
	if (pshare_thp_protected(page)) {
		/* Count it inside its huge page at every visit; merge nothing. */
		*m &= ~(PSHARE_PM_AGE | PSHARE_PM_SKIP);
		pshare_thp_note(r, idx, page, &key);
		goto out;
	}
	/*
	 * Held by someone else (a pin, an LRU batch, an isolation): it could
	 * not merge now, and as a new hint it would make its twins try in
	 * vain. Keep its state as it was and look again next pass.
	 */
	if (!PageTransCompound(page) && pshare_ops_page_busy(page))
		goto out;
	unique = (*m & PSHARE_PM_CLASS) == PSHARE_PM_UNSHARED;
	age = (*m & PSHARE_PM_AGE) >> PSHARE_PM_AGE_SHIFT;
	pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
	pshare_merge_page(r, idx, page, &key);
	/* Hinted again: still no twin. */
	if (unique && (*m & PSHARE_PM_CLASS) == PSHARE_PM_UNSHARED)
		pshare_scan_aged(r, idx, age);
out:
	if (!(*m & PSHARE_PM_GONE))
		pshare_meta_set_est(r, idx, est);
	if (page)
		put_page(page);
}

/*
 * Will the visit of (@r, @idx) look its page up? As pshare_scan_counted()
 * will say, without counting anything yet.
 */
static bool pshare_scan_will_look(struct pshare_range *r, unsigned long idx)
{
	u32 m = r->meta[idx];

	return !pshare_scan_skips(m) && !(m & PSHARE_PM_GONE);
}

/*
 * Look up the pages of a run from (@r, @idx), of at most @max pages, those
 * in @want: into @page[], referenced, with one walk of their page table
 * (pshare_ops_get_pages()) where it can; else the first page alone
 * (pshare_ops_get_page(), which waits for a migration) into @page[0].
 * *@ksm_has_it is set if the first address is the kernel KSM's now.
 * Returns the pages settled, at least 1. Context: mmap_lock of @r's mm
 * held for read.
 */
static unsigned int pshare_scan_lookup_run(struct pshare_range *r,
					   unsigned long idx, unsigned int max,
					   unsigned long want,
					   struct page **page,
					   bool *ksm_has_it)
{
	unsigned long addr = pshare_page_addr(r, idx);
	struct mm_struct *mm = r->pmm->mm;
	struct pshare_rmap_item *item;
	struct vm_area_struct *vma;
	unsigned int n;

	lockdep_assert_held(&mm->mmap_lock);
	vma = pshare_ops_find_vma(mm, addr);
	if (vma) {
		n = pshare_ops_get_pages(vma, addr, max, want, page);
		if (n)
			return n;
		if (want & 1)
			page[0] = pshare_ops_get_page(vma, addr);
		return 1;
	}
	if (want & 1) {
		item = pshare_item_get(r, idx);
		*ksm_has_it = pshare_ops_leave_ksm_vma(mm, addr,
						       item ? item->head : NULL);
	}
	return 1;
}

/*
 * Visit up to @max pages from (@r, @idx), all inside one 2 MiB block, with
 * one mmget, one hold of mmap_lock and, where it can, one walk of their page
 * table for all their lookups, instead of one each. @split: pshare just split
 * the huge page they were in. Every page stays referenced until its own
 * visit, so the batch must hold one reference per folio and no more: the
 * subpages of a large folio share one refcount, which a split, or the write
 * protection of a subpage, would see raised by the others. A batch therefore
 * ends with the first page of a large folio it meets. A page under migration
 * ends the walk, and is waited for in its lookup (pshare_follow_page()), as
 * alone. The pages the batch settles are counted (pshare_scan_counted())
 * before any is visited, as a visit may change how another page of the
 * batch would be counted (a twin's class). Returns the pages visited or
 * skipped, at least 1. Context: pshare_engine_lock held, no mmap_lock.
 */
static unsigned int pshare_scan_batch(struct pshare_range *r,
				      unsigned long idx, unsigned int max,
				      bool split)
{
	struct page *page[PSHARE_BATCH_PAGES] = {};
	struct mm_struct *mm = r->pmm->mm;
	unsigned long want = 0;
	bool ksm_has_it = false, dead = false;
	unsigned int i, n;

	lockdep_assert_held(&pshare_engine_lock);
	BUILD_BUG_ON(PSHARE_BATCH_PAGES > BITS_PER_LONG);

	max = clamp_t(unsigned int, max, 1, PSHARE_BATCH_PAGES);
	for (i = 0; i < max; i++)
		if (pshare_scan_will_look(r, idx + i))
			want |= BIT(i);
	n = max;
	if (want) {
		/*
		 * Exiting. The estimate verdict changes once, at the end of a
		 * visit: cleared at its start and set again at its end, the
		 * counters would dip in between, and a lockless reader of
		 * estimate_pages would see it.
		 */
		dead = !mmget_not_zero(mm);
		if (!dead) {
			mmap_read_lock(mm);
			n = pshare_scan_lookup_run(r, idx, max, want, page,
						   &ksm_has_it);
			mmap_read_unlock(mm);
			mmput(mm);
		}
	}
	for (i = 0; i < n; i++) {
		/*
		 * It agrees with pshare_scan_will_look(), unless smart_scan or
		 * run was just written: then a page not looked up is not
		 * visited (as nothing mapped, it would lose its state).
		 */
		if (pshare_scan_counted(r, idx + i) == !!(want & BIT(i)))
			continue;
		if (page[i])
			put_page(page[i]);
		want &= ~BIT(i);
	}
	for (i = 0; i < n; i++) {
		if (!(want & BIT(i)))
			continue;
		if (dead)
			pshare_meta_set_est(r, idx + i, 0);
		else
			pshare_scan_visit(r, idx + i, page[i],
					  !i && ksm_has_it, split);
	}
	return n;
}

/**
 * pshare_scan_split_page() - look at a subpage of a huge page pshare split
 * @r: its registration
 * @idx: its index
 *
 * As a batch's visit; a subpage the split mapped to the zero page is
 * counted as pshare's. Context: pshare_engine_lock held, no mmap_lock.
 */
static void pshare_scan_split_page(struct pshare_range *r, unsigned long idx)
{
	lockdep_assert_held(&pshare_engine_lock);

	pshare_scan_batch(r, idx, 1, true);
}

/*
 * @r's cursor completed a pass. With first_scan, a registration is scanned
 * at the host-wide caps (pshare_rate_refresh()) in its first pass, and in
 * every pass after one that hashed more than 1/64 of its pages for the
 * first time, as a guest's memory fills while it boots; then at its
 * scan_time_secs pace.
 */
VISIBLE_IF_KUNIT void pshare_scan_pass_done(struct pshare_range *r)
{
	bool fast = r->pass_new > (r->npages >> PSHARE_NEW_PAGES_SHIFT);

	if (fast != r->fast) {
		r->fast = fast;
		pshare_rate_changed();
	}
	r->pass_new = 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_scan_pass_done);

/*
 * Scan a batch of at most @max pages from @r's cursor, up to the end of
 * its 2 MiB block, or skip the unchanged huge page there, and move the
 * cursor on. Returns the pages visited or skipped.
 */
static unsigned long pshare_scan_step(struct pshare_range *r,
				      unsigned long max)
{
	unsigned long idx = r->cursor, n;
	unsigned long addr = pshare_page_addr(r, idx);

	/* Leaving a huge page: record what it holds. */
	if (r->thp_addr && (addr & HPAGE_PMD_MASK) != r->thp_addr)
		pshare_thp_leave(r);
	if (r->thp_claim && (addr & HPAGE_PMD_MASK) != r->thp_claim)
		r->thp_claim = 0;
	n = pshare_thp_skip(r, idx);
	if (!n) {
		max = min3(max, r->npages - idx,
			   (ALIGN(addr + 1, HPAGE_PMD_SIZE) - addr) >>
			   PAGE_SHIFT);
		n = pshare_scan_batch(r, idx, max, false);
	}
	r->cursor += n;
	if (r->cursor >= r->npages) {
		r->cursor = 0;
		pshare_scan_drain(false);
	}
	if (r->cursor == 0) {
		pshare_thp_leave(r);	/* one registration, one THP */
		pshare_scan_pass_done(r);
	}
	if (r->epoch_left) {
		r->epoch_left -= min(n, r->epoch_left);
		if (!r->epoch_left && !--pshare_order.epoch_pending)
			pshare_scan_epoch_done();
	}
	return n;
}

/*
 * Let ioctls and sysfs writes in between two pages of @r's turn, and say
 * whether the turn may go on. pshare_store_remove() moves the cursor off a
 * registration that goes away, so @r is valid if the cursor is still on
 * it. A disable, a run of 0 or 2, or the process's exit may also have
 * come meanwhile, and each has already dropped what it had to drop (a
 * disable unmerged @r): scanning on would merge pages behind its back.
 */
static bool pshare_scan_resched(struct pshare_range *r)
{
	mutex_unlock(&pshare_engine_lock);
	cond_resched();
	mutex_lock(&pshare_engine_lock);
	return pshare_order.range == r && pshare_range_active(r) &&
	       !READ_ONCE(r->pmm->dead) &&
	       pshare_run_scans(READ_ONCE(pshare_tun.run));
}

/*
 * Spend the registrations' credit, round robin, PSHARE_TURN_PAGES at a
 * time, until none has a page of credit left or @deadline (ktime) passes.
 * Returns with the lock held.
 */
static void pshare_scan_serve(u64 deadline)
{
	unsigned long idle = 0;	/* registrations in a row with no credit */
	unsigned int steps = 0;

	if (!pshare_order.range)
		pshare_order.range = pshare_next_range(NULL);
	while (pshare_order.range && idle <= pshare_order.nr_ranges &&
	       pshare_run_scans(READ_ONCE(pshare_tun.run)) &&
	       !kthread_should_stop()) {
		struct pshare_range *r = pshare_order.range;
		unsigned int turn;

		if (!pshare_range_active(r))
			pshare_scan_excuse(r);
		if (r->credit < PSHARE_CREDIT_PAGE || READ_ONCE(r->pmm->dead) ||
		    !pshare_range_active(r)) {
			pshare_order.range = pshare_next_range(r);
			idle++;
			continue;
		}
		idle = 0;
		turn = 0;
		while (turn < PSHARE_TURN_PAGES &&
		       r->credit >= PSHARE_CREDIT_PAGE) {
			unsigned long n;

			n = pshare_scan_step(r, min_t(s64, PSHARE_TURN_PAGES -
						      turn, r->credit /
						      PSHARE_CREDIT_PAGE));

			/* A skipped huge page costs its pages' credit. */
			turn += n;
			r->credit -= (s64)n * PSHARE_CREDIT_PAGE;
			if (!(++steps % 8) && ktime_get_ns() > deadline)
				goto out;
			if (need_resched() && !pshare_scan_resched(r))
				break;
		}
		if (pshare_order.range == r)
			pshare_order.range = pshare_next_range(r);
		else if (!pshare_order.range)
			pshare_order.range = pshare_next_range(NULL);
	}
	return;
out:
	/* The next period starts with the next registration. */
	pshare_order.range = pshare_next_range(pshare_order.range);
}

/*
 * One period of pshared: update the memory state and the rates, give out
 * credit, scan, and relieve memory pressure. Returns ms to sleep, and sets
 * *@throttled if that sleep keeps the scanner under its CPU cap.
 */
static unsigned int pshare_scan_period(bool *throttled)
{
	unsigned int period = READ_ONCE(pshare_tun.sleep_millisecs);
	enum pshare_mem_state state = pshare_mem_state_update();
	u64 start = ktime_get_ns(), now, dt, spent;
	unsigned int rest;

	mutex_lock(&pshare_engine_lock);
	pshare_reap_dead();
	now = ktime_get_ns();
	static_call(pshare_scan_period_cb)(now);
	dt = min_t(u64, now - pshare_cursor.accrued_at,
		   max_t(u64, PSHARE_ACCRUE_MIN_CAP_NS,
			 2ULL * period * NSEC_PER_MSEC));
	pshare_cursor.accrued_at = now;
	pshare_rate_refresh(now, state);
	pshare_rate_accrue(dt, 2ULL * period * NSEC_PER_MSEC);
	pshare_scan_epoch_check();
	pshare_scan_serve(start + (u64)period * NSEC_PER_MSEC);
	if (READ_ONCE(pshare_tun.thp_split) == PSHARE_THP_PRESSURE &&
	    READ_ONCE(pshare_tun.run) == PSHARE_RUN_MERGE && pshare_mem_short())
		pshare_thp_relieve(PSHARE_THP_RELIEVE_PER_PERIOD *
				   pshare_boost(state));
	pshare_prune_due();

	now = ktime_get_ns();
	spent = div_u64(now - start, NSEC_PER_MSEC);
	rest = spent < period ? period - spent : 0;
	/* The CPU time the scheduler charged pshared since the last end. */
	*throttled = false;
	if (pshare_cursor.ended_at) {
		unsigned int ms;

		ms = pshare_rate_period_end(pshare_scan_cpu_ns() -
					    pshare_cursor.ended_cpu,
					    now - pshare_cursor.ended_at, rest);
		*throttled = ms > rest;
		rest = ms;
	}
	pshare_cursor.ended_at = now;
	pshare_cursor.ended_cpu = pshare_scan_cpu_ns();
	mutex_unlock(&pshare_engine_lock);
	return rest;
}

static bool pshare_scan_has_work(void)
{
	return !list_empty_careful(&pshare_mms);
}

/* pshared runs while run is 1 or 3 and memory is registered, or to reap. */
static bool pshare_scan_should_run(void)
{
	return (pshare_run_scans(READ_ONCE(pshare_tun.run)) &&
		pshare_scan_has_work()) || pshare_reap_pending();
}

/*
 * Idle, but nodes wait for their pages to go: prune after a delay of @ms,
 * unless work came first or the delay was restarted (pshare_prune_later()).
 */
static void pshare_scan_idle_prune(unsigned int ms)
{
	if (!wait_event_freezable_timeout(pshare_scan_waitq,
					  pshare_scan_should_run() ||
					  kthread_should_stop() ||
					  pshare_prune_delay() != ms,
					  msecs_to_jiffies(ms)))
		pshare_prune_retry(ms);
}

static int pshare_scand(void *unused)
{
	set_freezable();
	set_user_nice(current, 5);

	while (!kthread_should_stop()) {
		if (pshare_scan_should_run()) {
			unsigned int ms;
			bool throttled;

			WRITE_ONCE(pshare_wake_pending, false);
			ms = pshare_scan_period(&throttled);
			/*
			 * A new sleep_millisecs, say, applies at once; but
			 * over its CPU cap the scanner sleeps its time out.
			 */
			wait_event_freezable_timeout(pshare_scan_waitq,
						     (!throttled &&
						      READ_ONCE(pshare_wake_pending)) ||
						     kthread_should_stop(),
						     msecs_to_jiffies(ms));
		} else if (pshare_prune_delay()) {
			pshare_scan_idle_prune(pshare_prune_delay());
		} else {
			wait_event_freezable(pshare_scan_waitq,
					     pshare_scan_should_run() ||
					     kthread_should_stop() ||
					     pshare_prune_delay());
		}
	}
	return 0;
}

/**
 * pshare_scan_cpu_ns() - CPU time pshared has used, in ns
 *
 * As the scheduler accounts it (sum_exec_runtime); for pshared itself it
 * lags by at most one tick.
 *
 * Return: the CPU time in ns.
 */
u64 pshare_scan_cpu_ns(void)
{
	struct task_struct *t = READ_ONCE(pshare_thread);

	return t ? READ_ONCE(t->se.sum_exec_runtime) : 0;
}

/**
 * pshare_set_run() - change the run state
 * @run: an &enum pshare_run_state
 *
 * Context: takes pshare_lock. Unmerging (run 2) sleeps and may take long.
 * Return: 0, -EINVAL for an unknown state, or the unmerge error.
 */
int pshare_set_run(unsigned int run)
{
	int ret = 0;

	if (run > PSHARE_RUN_ESTIMATE)
		return -EINVAL;

	mutex_lock(&pshare_lock);
	if (READ_ONCE(pshare_tun.run) == PSHARE_RUN_ESTIMATE &&
	    run != PSHARE_RUN_ESTIMATE) {
		mutex_lock(&pshare_engine_lock);
		WRITE_ONCE(pshare_tun.run, run);
		pshare_estimate_clear();
		mutex_unlock(&pshare_engine_lock);
	}
	WRITE_ONCE(pshare_tun.run, run);
	if (run == PSHARE_RUN_UNMERGE)
		ret = pshare_unmerge_all();
	mutex_unlock(&pshare_lock);

	pshare_scan_wake();
	return ret;
}

/**
 * pshare_scan_init() - create pshared, not yet running
 * @cb: what the layers above do in each period
 *
 * The thread runs from pshare_scan_start() on, which cannot fail: the
 * module's load starts it once nothing can fail any more, so that a load
 * that fails later has merged nothing (every merged page would point
 * into the module that the failure frees).
 *
 * Return: 0, or kthread_create()'s error.
 */
int pshare_scan_init(const struct pshare_scan_callbacks *cb)
{
	static_call_update(pshare_scan_period_cb,
			   cb->period ? cb->period : pshare_scan_no_period);
	pshare_thp_set_scan(pshare_scan_split_page);
	pshare_thread = kthread_create(pshare_scand, NULL, "pshared");
	if (IS_ERR(pshare_thread)) {
		int ret = PTR_ERR(pshare_thread);

		pr_err("cannot create pshared: %d\n", ret);
		pshare_thread = NULL;
		return ret;
	}
	return 0;
}

/** pshare_scan_start() - let pshared run, once the load cannot fail */
void pshare_scan_start(void)
{
	wake_up_process(pshare_thread);
}

/**
 * pshare_scan_stop() - stop pshared and wait for it to exit
 *
 * Also a pshared that never started: it exits without scanning.
 */
void pshare_scan_stop(void)
{
	if (pshare_thread)
		kthread_stop(pshare_thread);
	pshare_thread = NULL;
}
