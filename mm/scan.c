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
#include "kabi.h"
#include "ops.h"
#include "pshare.h"
#include "symbols.h"

struct pshare_tunables pshare_tun = {
	.run = PSHARE_RUN_DEFAULT,
	.pages_to_scan = PSHARE_PAGES_TO_SCAN_DEFAULT,
	.sleep_millisecs = PSHARE_SLEEP_MS_DEFAULT,
	.max_page_sharing = PSHARE_MAX_SHARING_DEFAULT,
};

struct pshare_stats pshare_stats;

/*
 * For tests only: keep only the low @hash_bits bits of each page's hash, so
 * that different pages collide and the byte compare must tell them apart.
 * 0 (the default) keeps all 64.
 */
static unsigned int hash_bits;

module_param(hash_bits, uint, 0400);
MODULE_PARM_DESC(hash_bits, "Testing only: weaken the content hash to this many bits (0: full)");

static struct task_struct *pshare_thread;
static DECLARE_WAIT_QUEUE_HEAD(pshare_thread_wait);
/* Set by pshare_scan_wake(), cleared by pshared: cuts its sleep short. */
static bool pshare_wake_pending;
/*
 * Milliseconds until pshared looks again for merged pages that outlived
 * their last mapping on record; 0 when there are none. Doubles up to
 * PSHARE_PRUNE_MAX_MS while pages stay. Under pshare_engine_lock.
 */
static unsigned int pshare_prune_ms;
#define PSHARE_PRUNE_MIN_MS	100
#define PSHARE_PRUNE_MAX_MS	30000

/*
 * Where the scan is: the next page to look at. Under pshare_engine_lock;
 * pshare_scan_forget() moves it off a registration about to be freed.
 */
static struct {
	struct pshare_range *range;
	unsigned long idx;
} pshare_cursor;

static u64 pshare_hash(struct page *page)
{
	u64 hash = pshare_ops_hash(page);

	if (hash_bits && hash_bits < 64) {
		/* Keep the zero page's hash, so zero pages still go fast. */
		if (hash != pshare_zero_hash)
			hash &= (1ULL << hash_bits) - 1;
	}
	return hash;
}

/**
 * pshare_scan_forget() - move the cursor off @r, which is going away
 * @r: the registration
 *
 * Context: pshare_engine_lock held.
 */
void pshare_scan_forget(struct pshare_range *r)
{
	if (pshare_cursor.range == r) {
		struct pshare_mm *pmm = r->pmm;

		if (!list_is_last(&r->link, &pmm->ranges)) {
			pshare_cursor.range = list_next_entry(r, link);
			/* pshare_cursor_next() increments first: page 0 next. */
			pshare_cursor.idx = ULONG_MAX;
		} else {
			pshare_cursor.range = NULL;
		}
	}
}

/* The first registration of the address space after @pmm, wrapping. */
static struct pshare_range *pshare_next_mm_range(struct pshare_mm *pmm,
						 bool *wrapped)
{
	struct list_head *pos = pmm ? &pmm->link : &pshare_mms;
	int n;

	/* At most one lap of the list, skipping address spaces with none. */
	for (n = 0; n <= 1; ) {
		pos = pos->next;
		if (pos == &pshare_mms) {
			*wrapped = true;
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

/* Advance the cursor to the next page; count a full scan on wrapping. */
static struct pshare_range *pshare_cursor_next(unsigned long *idx)
{
	struct pshare_range *r = pshare_cursor.range;
	bool wrapped = false, was_scanning = r;

	if (r && ++pshare_cursor.idx < r->npages)
		goto found;
	if (r && !list_is_last(&r->link, &r->pmm->ranges)) {
		r = list_next_entry(r, link);
	} else {
		/* Wrapping from the start of the list is not a full scan. */
		r = pshare_next_mm_range(r ? r->pmm : NULL, &wrapped);
		if (wrapped && was_scanning) {
			atomic_long_inc(&pshare_stats.full_scans);
			pshare_prune_nodes();
		}
		/*
		 * Pages wait in per-CPU LRU batches with a reference held,
		 * which fails the refcount check of write protection: drain
		 * them once per pass, as ksmd does.
		 */
		if (wrapped)
			pshare_sym.lru_add_drain_all();
	}
	pshare_cursor.range = r;
	pshare_cursor.idx = 0;
	if (!r)
		return NULL;
found:
	*idx = pshare_cursor.idx;
	return r;
}

/* Look at one registered page: still merged, changed, or a candidate. */
static void pshare_scan_page(struct pshare_range *r, unsigned long idx)
{
	unsigned long addr = pshare_page_addr(r, idx);
	struct mm_struct *mm = r->pmm->mm;
	struct pshare_rmap_item *item;
	struct vm_area_struct *vma;
	struct page *page = NULL;
	u32 *m = &r->meta[idx];
	bool ksm_has_it = false;
	u64 hash;

	if (*m & PSHARE_PM_GONE)
		return;
	if (!mmget_not_zero(mm))
		return;
	item = pshare_item_get(r, idx);
	mmap_read_lock(mm);
	vma = pshare_ops_find_vma(mm, addr);
	if (vma)
		page = pshare_ops_get_page(vma, addr);
	else
		ksm_has_it = pshare_ops_leave_ksm_vma(mm, addr,
						      item ? item->head : NULL);
	mmap_read_unlock(mm);
	mmput(mm);

	if (ksm_has_it) {
		/* madvise(MADV_MERGEABLE) came after registering: let go. */
		pshare_page_gone(r, idx);
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
	if (!page || is_zero_pfn(page_to_pfn(page)) || !PageAnon(page))
		goto out;

	hash = pshare_hash(page);
	if ((*m & PSHARE_PM_SEEN) && PSHARE_PM_CSUM(*m) != PSHARE_PM_CSUM(hash)) {
		/* Changed since the last pass: volatile, skip it this time. */
		*m = (*m & PSHARE_PM_FLAGS) | PSHARE_PM_CSUM(hash);
		pshare_meta_set_class(r, idx, PSHARE_PM_VOLATILE);
		goto out;
	}
	/*
	 * Held by someone else (a pin, an LRU batch, an isolation): it could
	 * not merge now, and as a new hint it would make its twins try in
	 * vain. Keep its state as it was and look again next pass.
	 */
	if (!PageTransCompound(page) && pshare_ops_page_busy(page))
		goto out;
	*m = (*m & PSHARE_PM_FLAGS) | PSHARE_PM_CSUM(hash) | PSHARE_PM_SEEN;
	pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
	pshare_merge_page(r, idx, page, hash);
out:
	if (page)
		put_page(page);
}

/* Scan up to @pages pages. */
static void pshare_scan_batch(unsigned int pages)
{
	struct pshare_range *r;
	unsigned long idx;

	mutex_lock(&pshare_engine_lock);
	pshare_reap_dead();
	while (pages-- && READ_ONCE(pshare_tun.run) == PSHARE_RUN_MERGE &&
	       !kthread_should_stop()) {
		r = pshare_cursor_next(&idx);
		if (!r)
			break;
		pshare_scan_page(r, idx);
		if (need_resched()) {
			/* Let ioctls in; they keep the cursor valid. */
			mutex_unlock(&pshare_engine_lock);
			cond_resched();
			mutex_lock(&pshare_engine_lock);
		}
	}
	mutex_unlock(&pshare_engine_lock);
}

static bool pshare_scan_has_work(void)
{
	return !list_empty_careful(&pshare_mms);
}

/**
 * pshare_prune_later() - have pshared look again for nodes to free
 *
 * Context: pshare_engine_lock held.
 */
void pshare_prune_later(void)
{
	if (!pshare_prune_ms) {
		WRITE_ONCE(pshare_prune_ms, PSHARE_PRUNE_MIN_MS);
		pshare_scan_wake();
	}
}

/* pshared runs while run is 1 and memory is registered, or to reap. */
static bool pshare_scan_should_run(void)
{
	return (READ_ONCE(pshare_tun.run) == PSHARE_RUN_MERGE &&
		pshare_scan_has_work()) || pshare_reap_pending();
}

/* Idle, but nodes wait for their pages to go: prune after a delay. */
static void pshare_scan_idle_prune(unsigned int ms)
{
	wait_event_freezable_timeout(pshare_thread_wait,
				     pshare_scan_should_run() ||
				     kthread_should_stop(),
				     msecs_to_jiffies(ms));
	mutex_lock(&pshare_engine_lock);
	if (pshare_prune_ms == ms)
		WRITE_ONCE(pshare_prune_ms, pshare_release_nodes() ?
			   min(ms * 2, PSHARE_PRUNE_MAX_MS) : 0);
	mutex_unlock(&pshare_engine_lock);
}

static int pshare_scand(void *unused)
{
	set_freezable();
	set_user_nice(current, 5);

	while (!kthread_should_stop()) {
		if (pshare_scan_should_run()) {
			unsigned int ms = READ_ONCE(pshare_tun.sleep_millisecs);

			WRITE_ONCE(pshare_wake_pending, false);
			pshare_scan_batch(READ_ONCE(pshare_tun.pages_to_scan));
			/* A new sleep_millisecs, say, applies at once. */
			wait_event_freezable_timeout(pshare_thread_wait,
						     READ_ONCE(pshare_wake_pending) ||
						     kthread_should_stop(),
						     msecs_to_jiffies(ms));
		} else if (READ_ONCE(pshare_prune_ms)) {
			pshare_scan_idle_prune(READ_ONCE(pshare_prune_ms));
		} else {
			wait_event_freezable(pshare_thread_wait,
					     pshare_scan_should_run() ||
					     kthread_should_stop() ||
					     READ_ONCE(pshare_prune_ms));
		}
	}
	return 0;
}

/** pshare_scan_wake() - tell pshared that its work may have changed */
void pshare_scan_wake(void)
{
	WRITE_ONCE(pshare_wake_pending, true);
	wake_up_interruptible(&pshare_thread_wait);
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

	if (run > PSHARE_RUN_UNMERGE)
		return -EINVAL;

	mutex_lock(&pshare_lock);
	WRITE_ONCE(pshare_tun.run, run);
	if (run == PSHARE_RUN_UNMERGE)
		ret = pshare_unmerge_all();
	mutex_unlock(&pshare_lock);

	pshare_scan_wake();
	return ret;
}

/** pshare_scan_start() - start pshared */
int pshare_scan_start(void)
{
	pshare_thread = kthread_run(pshare_scand, NULL, "pshared");
	if (IS_ERR(pshare_thread)) {
		int ret = PTR_ERR(pshare_thread);

		pr_err("cannot start pshared: %d\n", ret);
		pshare_thread = NULL;
		return ret;
	}
	return 0;
}

/** pshare_scan_stop() - stop pshared and wait for it to exit */
void pshare_scan_stop(void)
{
	if (pshare_thread)
		kthread_stop(pshare_thread);
	pshare_thread = NULL;
}
