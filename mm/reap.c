// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: teardown. Ends registrations and pages (unregister, munmap,
 * exit, unload), reaps the address spaces of exited processes, prunes the
 * merged pages that outlived their mappings, and unmerges everything on
 * request. The scanner drives it (scan.c); the registration API above
 * calls it too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "index.h"
#include "kabi.h"
#include "merge.h"
#include "ops.h"
#include "rate.h"
#include "reap.h"
#include "symbols.h"
#include "thp.h"

/* Address spaces that exited and wait for the scanner to reap them. */
static atomic_t pshare_dead_pmms = ATOMIC_INIT(0);
/*
 * Milliseconds until pshared looks again for merged pages that outlived
 * their last mapping on record; 0 when there are none. Doubles up to
 * PSHARE_PRUNE_MAX_MS while pages stay. pshare_prune_set_at is when the
 * wait began, in jiffies. Both under pshare_engine_lock; pshare_prune_ms
 * is read without it (pshare_prune_delay()).
 */
static unsigned int pshare_prune_ms;
static unsigned long pshare_prune_set_at;
#define PSHARE_PRUNE_MIN_MS	100
#define PSHARE_PRUNE_MAX_MS	30000

/**
 * pshare_page_end() - end the registration of one page
 * @r: the registration
 * @idx: page index
 *
 * For a page unmapped, or handed to the kernel's KSM: its merged mapping,
 * if any, is forgotten. Context: pshare_engine_lock held.
 */
void pshare_page_end(struct pshare_range *r, unsigned long idx)
{
	struct pshare_rmap_item *item;

	lockdep_assert_held(&pshare_engine_lock);

	if (r->meta[idx] & PSHARE_PM_GONE)
		return;
	item = pshare_item_get(r, idx);
	if (item)
		pshare_remove_item(item);
	pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
	pshare_meta_set_est(r, idx, 0);
	r->meta[idx] |= PSHARE_PM_GONE;
	r->ngone++;
	r->pmm->registered--;
}

/**
 * pshare_range_end() - end a registration and free it
 * @r: the registration
 * @unmerge: its address space is live (mmget held): unmerge its pages
 *
 * Context: pshare_engine_lock held.
 */
void pshare_range_end(struct pshare_range *r, bool unmerge)
{
	unsigned long idx;

	lockdep_assert_held(&pshare_engine_lock);

	pshare_thp_forget(r);
	pshare_range_drop_items(r, unmerge);
	for (idx = 0; idx < r->npages; idx++) {
		pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
		pshare_meta_set_est(r, idx, 0);
	}
	pshare_store_remove(r);
	pshare_rate_changed();
	pshare_range_free(r);
	pshare_index_fit();
}

/**
 * pshare_range_reset() - start a registration over: its domain or its
 * enable changed
 * @r: the registration
 * @live: its address space is live (mmget held): unmerge its pages
 *
 * Its merged pages are unmerged and its hints and verdicts forgotten;
 * zero-page mappings stay (they are ordinary ones). Context:
 * pshare_engine_lock held.
 */
void pshare_range_reset(struct pshare_range *r, bool live)
{
	unsigned long idx;

	lockdep_assert_held(&pshare_engine_lock);

	pshare_thp_forget(r);
	pshare_range_drop_items(r, live);
	r->fast = true;		/* every page is new again */
	r->pass_new = 0;
	for (idx = 0; idx < r->npages; idx++) {
		if ((r->meta[idx] & PSHARE_PM_CLASS) != PSHARE_PM_ZERO)
			pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
		pshare_meta_set_est(r, idx, 0);
		r->meta[idx] &= ~PSHARE_PM_SEEN;
	}
	pshare_rate_changed();
}

/* Free a pshare_mm that has no registration left. */
static void pshare_mm_free(struct pshare_mm *pmm)
{
	struct pshare_unmapped *u, *tmp;

	WARN_ON_ONCE(!list_empty(&pmm->ranges));
	list_del(&pmm->link);
	WRITE_ONCE(pmm->freeing, true);
	mmu_notifier_unregister(&pmm->mn, pmm->mm);
	list_for_each_entry_safe(u, tmp, &pmm->unmapped, link) {
		pshare_meta_freed(u, sizeof(*u));
		kfree(u);
	}
	pshare_filter_del(pmm->mm);
	mmdrop(pmm->mm);
	pshare_meta_freed(pmm, sizeof(*pmm));
	kfree(pmm);
}

/* Is the page at @addr still in memory pshare may work on? */
static bool pshare_addr_ok(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	return vma && pshare_ops_vma_ok(vma);
}

/**
 * pshare_process_unmapped() - end the registration of unmapped pages
 * @pmm: the address space
 *
 * Applies the intervals the notifier recorded; after an overflow, checks
 * every registered page's VMA instead. A registration left with no page
 * ends. Context: pshare_engine_lock held.
 */
void pshare_process_unmapped(struct pshare_mm *pmm)
{
	struct pshare_range *r, *rtmp;
	struct pshare_unmapped *u, *tmp;
	LIST_HEAD(list);
	unsigned long idx;
	bool overflow;

	lockdep_assert_held(&pshare_engine_lock);

	spin_lock(&pmm->unmap_lock);
	list_splice_init(&pmm->unmapped, &list);
	pmm->nr_unmapped = 0;
	overflow = pmm->unmap_overflow;
	pmm->unmap_overflow = false;
	spin_unlock(&pmm->unmap_lock);

	list_for_each_entry_safe(u, tmp, &list, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			unsigned long s = max(u->start, r->start);
			unsigned long e = min(u->end, r->end);

			for (; s < e; s += PAGE_SIZE)
				pshare_page_end(r, pshare_page_idx(r, s));
		}
		pshare_meta_freed(u, sizeof(*u));
		kfree(u);
	}
	if (overflow && mmget_not_zero(pmm->mm)) {
		mmap_read_lock(pmm->mm);
		list_for_each_entry(r, &pmm->ranges, link) {
			for (idx = 0; idx < r->npages; idx++) {
				unsigned long addr = pshare_page_addr(r, idx);
				struct pshare_rmap_item *item;

				if (r->meta[idx] & PSHARE_PM_GONE ||
				    pshare_addr_ok(pmm->mm, addr))
					continue;
				/* Handed to the kernel's KSM: unmerge first. */
				item = pshare_item_get(r, idx);
				pshare_ops_leave_ksm_vma(pmm->mm, addr,
							 item ? item->head : NULL);
				/* Drop the lock: removing items locks pages. */
				mmap_read_unlock(pmm->mm);
				pshare_page_end(r, idx);
				mmap_read_lock(pmm->mm);
			}
		}
		mmap_read_unlock(pmm->mm);
		mmput(pmm->mm);
	}
	list_for_each_entry_safe(r, rtmp, &pmm->ranges, link) {
		if (r->ngone == r->npages)
			pshare_range_end(r, false);
	}
	pshare_prune_orphans();
}

/**
 * pshare_reap_dead() - free what exited processes left, and address spaces
 * whose registrations all ended by munmap
 *
 * Context: pshare_engine_lock held.
 */
void pshare_reap_dead(void)
{
	struct pshare_mm *pmm, *tmp;
	bool reaped = false;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry_safe(pmm, tmp, &pshare_mms, link) {
		struct pshare_range *r, *rtmp;

		if (!READ_ONCE(pmm->dead)) {
			pshare_mm_free_if_unused(pmm);
			continue;
		}
		list_for_each_entry_safe(r, rtmp, &pmm->ranges, link)
			pshare_range_end(r, false);
		pshare_mm_free(pmm);
		atomic_dec(&pshare_dead_pmms);
		reaped = true;
	}
	if (reaped)
		pshare_prune_all();
}

/* Drain the per-CPU LRU batches, then free the nodes whose page is gone. */
static unsigned long pshare_prune_now(void)
{
	if (!atomic_long_read(&pshare_stats.stable_nodes))
		return 0;
	pshare_call(lru_add_drain_all)();
	return pshare_prune_nodes();
}

/**
 * pshare_prune_all() - free the nodes of pages that are now gone
 *
 * After mappings went away (exit, unregister), their merged pages may wait
 * in per-CPU LRU batches, still referenced; drain those, then prune. An
 * exit is reported before its pages are unmapped, and a fork child may
 * hold a page on: if pages remain, pshared tries again soon.
 *
 * Return: how many nodes without items still have their page.
 * Context: pshare_engine_lock held.
 */
unsigned long pshare_prune_all(void)
{
	unsigned long alive;

	lockdep_assert_held(&pshare_engine_lock);

	alive = pshare_prune_now();
	if (alive)
		pshare_prune_later();
	return alive;
}

/**
 * pshare_prune_later() - have pshared look again for nodes to free, soon
 *
 * Mappings just went (an exit still unmapping, or an unregister): the
 * pages should follow shortly, so the wait starts over at 100 ms even if
 * an earlier fork child had stretched it towards 30 s.
 *
 * Context: pshare_engine_lock held.
 */
void pshare_prune_later(void)
{
	lockdep_assert_held(&pshare_engine_lock);

	pshare_prune_set_at = jiffies;
	if (pshare_prune_ms != PSHARE_PRUNE_MIN_MS) {
		WRITE_ONCE(pshare_prune_ms, PSHARE_PRUNE_MIN_MS);
		pshare_scan_wake();
	}
}

/**
 * pshare_prune_orphans() - make sure item-less nodes are looked at again
 *
 * A node loses its last item whenever its last mapping on record goes: a
 * page unmapped, written, handed to the kernel's KSM, or its registration
 * ended. If its page is still mapped elsewhere (a fork child, an unmap in
 * progress), nothing else would free the node once that page goes: with
 * no registration left, no pass ends. So if such nodes exist (stable
 * nodes outnumber shared pages) and no retry is set, set one. Costs two
 * counter reads. Called where no pshare_prune_all() follows: at the end of
 * pshare_process_unmapped() (a munmap, in any context) and of every scan
 * period (the scanner's own removals). pshare_range_end() and
 * pshare_range_reset() need not: each of their callers prunes after them.
 *
 * Context: pshare_engine_lock held.
 */
void pshare_prune_orphans(void)
{
	lockdep_assert_held(&pshare_engine_lock);

	if (!pshare_prune_ms &&
	    atomic_long_read(&pshare_stats.stable_nodes) >
	    atomic_long_read(&pshare_stats.pages_shared))
		pshare_prune_later();
}

/**
 * pshare_prune_delay() - ms until nodes should be pruned again, 0 for never
 *
 * Return: the delay; read without the lock.
 */
unsigned int pshare_prune_delay(void)
{
	return READ_ONCE(pshare_prune_ms);
}

/* Prune now; if pages remain, wait twice as long (up to 30 s) next. */
static void pshare_prune_backoff(void)
{
	unsigned long alive = pshare_prune_now();

	pshare_prune_set_at = jiffies;
	WRITE_ONCE(pshare_prune_ms, alive ?
		   min(pshare_prune_ms * 2, PSHARE_PRUNE_MAX_MS) : 0);
}

/**
 * pshare_prune_retry() - prune after a delay of @ms, and set the next one
 * @ms: the delay that ran out, from pshare_prune_delay()
 *
 * For an idle pshared. If pages remain, the next delay is twice as long,
 * up to 30 s. If the delay changed meanwhile (pshare_prune_later()), the
 * new one stands and nothing is done. Takes pshare_engine_lock.
 */
void pshare_prune_retry(unsigned int ms)
{
	mutex_lock(&pshare_engine_lock);
	if (pshare_prune_ms == ms)
		pshare_prune_backoff();
	mutex_unlock(&pshare_engine_lock);
}

/**
 * pshare_prune_due() - retry the prune if its delay has run out
 *
 * For a busy pshared, once a scan period: the same retries as an idle
 * one's (pshare_prune_retry()), so that item-less nodes do not wait for
 * the end of a pass, which may be an hour away.
 *
 * Context: pshare_engine_lock held.
 */
void pshare_prune_due(void)
{
	lockdep_assert_held(&pshare_engine_lock);

	pshare_prune_orphans();
	if (pshare_prune_ms &&
	    time_after_eq(jiffies, pshare_prune_set_at +
			  msecs_to_jiffies(pshare_prune_ms)))
		pshare_prune_backoff();
}

/** pshare_reap_pending() - does an exited process wait to be reaped? */
bool pshare_reap_pending(void)
{
	return atomic_read(&pshare_dead_pmms) > 0;
}

/**
 * pshare_reap_later() - @pmm's process exited: reap it from pshared
 * @pmm: the address space, from its release notifier
 *
 * May not sleep.
 */
void pshare_reap_later(struct pshare_mm *pmm)
{
	WRITE_ONCE(pmm->dead, true);
	atomic_inc(&pshare_dead_pmms);
	pshare_scan_wake();
}

/**
 * pshare_mm_free_if_unused() - free @pmm if nothing keeps it any more
 * @pmm: an address space's &struct pshare_mm
 *
 * Not a reference count: @pmm stays while a registration, whole-process
 * mode, an operator's salt or a disable keeps it, and is freed otherwise;
 * the process's exit frees it in any case. Context: pshare_engine_lock
 * held.
 */
void pshare_mm_free_if_unused(struct pshare_mm *pmm)
{
	lockdep_assert_held(&pshare_engine_lock);

	if (list_empty(&pmm->ranges) && !pmm->whole && !pmm->salt &&
	    !pmm->disabled)
		pshare_mm_free(pmm);
}

/**
 * pshare_unmerge_all() - unmerge every merged page of every registration
 *
 * Registrations stay; hints are dropped. Zero-page mappings stay: they are
 * ordinary zero-page mappings, which fault in a private page on write.
 * Context: pshare_lock held.
 * Return: 0, or -ERESTARTSYS if a signal interrupted it.
 */
int pshare_unmerge_all(void)
{
	struct pshare_mm *pmm;
	int ret = 0;

	lockdep_assert_held(&pshare_lock);

	mutex_lock(&pshare_engine_lock);
	pshare_reap_dead();
	list_for_each_entry(pmm, &pshare_mms, link) {
		struct pshare_range *r;
		bool live = mmget_not_zero(pmm->mm);

		pshare_process_unmapped(pmm);
		list_for_each_entry(r, &pmm->ranges, link) {
			unsigned long idx;

			pshare_range_drop_items(r, live);
			for (idx = 0; idx < r->npages; idx++) {
				if ((r->meta[idx] & PSHARE_PM_CLASS) !=
				    PSHARE_PM_ZERO)
					pshare_meta_set_class(r, idx,
							      PSHARE_PM_NONE);
				r->meta[idx] &= ~PSHARE_PM_SEEN;
			}
		}
		if (live)
			mmput(pmm->mm);
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	pshare_index_hint_clear();
	/* After a signal, registrations not yet reset keep their classes. */
	pshare_hints_dropped();
	pshare_prune_all();
	if (atomic_long_read(&pshare_stats.stable_nodes))
		pr_info("%ld merged pages remain (mapped by unregistered fork children, or not unmerged: see above); they hold the module until they go\n",
			atomic_long_read(&pshare_stats.stable_nodes));
	mutex_unlock(&pshare_engine_lock);
	return ret;
}

/**
 * pshare_reap_all() - end every registration, at unload
 *
 * Return: how many registrations (ranges) ended.
 */
unsigned int pshare_reap_all(void)
{
	struct pshare_mm *pmm, *tmp;
	unsigned int n = 0;

	mutex_lock(&pshare_engine_lock);
	list_for_each_entry_safe(pmm, tmp, &pshare_mms, link) {
		struct pshare_range *r, *rtmp;

		/* No node is left (they hold the module), so no item is. */
		list_for_each_entry_safe(r, rtmp, &pmm->ranges, link) {
			pshare_range_end(r, false);
			n++;
		}
		if (READ_ONCE(pmm->dead))
			atomic_dec(&pshare_dead_pmms);
		pshare_mm_free(pmm);
	}
	mutex_unlock(&pshare_engine_lock);
	mmu_notifier_synchronize();
	return n;
}
