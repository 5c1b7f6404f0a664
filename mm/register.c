// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: registrations. A registration is a range of one address space;
 * it belongs to the address space (not to a file descriptor) and ends on
 * unregister, on munmap of the range, or when the process exits. An mmu
 * notifier per address space reports the last two.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "index.h"
#include "kabi.h"
#include "ops.h"
#include "pshare.h"
#include "symbols.h"

LIST_HEAD(pshare_mms);
/* Guards the scanner's state: see its declaration in pshare.h. */
DEFINE_MUTEX(pshare_engine_lock);
EXPORT_SYMBOL_IF_KUNIT(pshare_engine_lock);
/*
 * Registrations by id, for hints: a table that grows by doubling, and goes
 * when the last registration does. Under pshare_engine_lock.
 */
static struct pshare_range **pshare_ranges;
static u32 pshare_range_slots;
static u32 pshare_nr_ranges;
static unsigned long pshare_registered_pages;	/* under pshare_engine_lock */
/* Address spaces that exited and wait for the scanner to reap them. */
static atomic_t pshare_dead_pmms = ATOMIC_INIT(0);
/*
 * Registered memory may not exceed this many times the host's RAM: the
 * metadata (4 bytes a page, populated or not) and the index must stay
 * small beside the memory they serve, whoever registers (madvise=1 lets
 * any process). Hypervisors that overcommit stay well inside it.
 */
#define PSHARE_MAX_REGISTERED_X_RAM	4

/* Would @npages more registered pages pass the limit? */
static bool pshare_over_limit(unsigned long npages)
{
	return READ_ONCE(pshare_registered_pages) + npages >
	       PSHARE_MAX_REGISTERED_X_RAM * totalram_pages();
}

#define PSHARE_MAX_UNMAPPED	64	/* recorded intervals before overflow */
#define PSHARE_RANGE_ID_MAX	BIT(16)

/**
 * pshare_check_range() - validate a user range
 * @start: first byte
 * @len: length in bytes
 *
 * Return: 0, or -EINVAL if unaligned, empty, wrapping or beyond user space.
 */
int pshare_check_range(unsigned long start, unsigned long len)
{
	if (!len || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (start + len < start || start + len > TASK_SIZE)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_check_range);

/**
 * pshare_meta_set_class() - change a page's class, keeping the counters
 * @r: the registration
 * @idx: page index
 * @class: a PSHARE_PM_* class
 */
void pshare_meta_set_class(struct pshare_range *r, unsigned long idx,
			   u32 class)
{
	u32 old = r->meta[idx] & PSHARE_PM_CLASS;

	if (old == class)
		return;
	/* Age and skips belong to an unshared page. */
	r->meta[idx] &= ~(PSHARE_PM_AGE | PSHARE_PM_SKIP);
	switch (old) {
	case PSHARE_PM_UNSHARED:
		atomic_long_dec(&pshare_stats.pages_unshared);
		break;
	case PSHARE_PM_VOLATILE:
		atomic_long_dec(&pshare_stats.pages_volatile);
		break;
	case PSHARE_PM_ZERO:
		atomic_long_dec(&pshare_stats.zero_pages_sharing);
		r->pmm->zero--;
		break;
	}
	switch (class) {
	case PSHARE_PM_UNSHARED:
		atomic_long_inc(&pshare_stats.pages_unshared);
		break;
	case PSHARE_PM_VOLATILE:
		atomic_long_inc(&pshare_stats.pages_volatile);
		break;
	case PSHARE_PM_ZERO:
		atomic_long_inc(&pshare_stats.zero_pages_sharing);
		r->pmm->zero++;
		break;
	}
	r->meta[idx] = (r->meta[idx] & ~PSHARE_PM_CLASS) | class;
}

/**
 * pshare_meta_set_est() - set a page's estimate verdict, keeping the counters
 * @r: the registration
 * @idx: page index
 * @est: 0, %PSHARE_PM_EST_DUP or %PSHARE_PM_EST_ZERO
 *
 * Context: pshare_engine_lock held.
 */
void pshare_meta_set_est(struct pshare_range *r, unsigned long idx, u32 est)
{
	u32 old = r->meta[idx] & PSHARE_PM_EST;

	lockdep_assert_held(&pshare_engine_lock);

	if (old == est)
		return;
	if (old & PSHARE_PM_EST_DUP) {
		atomic_long_dec(&pshare_stats.estimate_pages);
		r->pmm->est_dup--;
	}
	if (old & PSHARE_PM_EST_ZERO) {
		atomic_long_dec(&pshare_stats.estimate_zero_pages);
		r->pmm->est_zero--;
	}
	if (est & PSHARE_PM_EST_DUP) {
		atomic_long_inc(&pshare_stats.estimate_pages);
		r->pmm->est_dup++;
	}
	if (est & PSHARE_PM_EST_ZERO) {
		atomic_long_inc(&pshare_stats.estimate_zero_pages);
		r->pmm->est_zero++;
	}
	r->meta[idx] = (r->meta[idx] & ~PSHARE_PM_EST) | est;
}

/*
 * Call @fn on every registration, with a chance to reschedule after each.
 * Context: pshare_engine_lock held.
 */
static void pshare_ranges_walk(void (*fn)(struct pshare_range *r))
{
	struct pshare_range *r;
	struct pshare_mm *pmm;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry(pmm, &pshare_mms, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			fn(r);
			cond_resched();
		}
	}
}

static void pshare_range_estimate_clear(struct pshare_range *r)
{
	unsigned long idx;

	for (idx = 0; idx < r->npages; idx++)
		pshare_meta_set_est(r, idx, 0);
}

/**
 * pshare_estimate_clear() - forget every estimate verdict
 *
 * When the estimate mode ends. Context: pshare_engine_lock held.
 */
void pshare_estimate_clear(void)
{
	pshare_ranges_walk(pshare_range_estimate_clear);
}

/*
 * Every hint was dropped (a resize or a clear of the hint table): a page
 * that smart_scan skips, alone or in its huge page, would put its hint
 * back only at its next visit, and until then a new twin would not find
 * it. So every page is visited at the next pass, and skips again as its
 * age says after that; every huge page is visited whole.
 */
static void pshare_range_hints_dropped(struct pshare_range *r)
{
	unsigned long idx;

	for (idx = 0; idx < r->npages; idx++)
		r->meta[idx] &= ~PSHARE_PM_SKIP;
	memset(r->thp_sig, 0, pshare_thp_blocks(r) * sizeof(u32));
}

static void pshare_hints_dropped(void)
{
	pshare_ranges_walk(pshare_range_hints_dropped);
}

/* Size the hint table for the pages now registered. */
static void pshare_hints_resize(void)
{
	unsigned long gen = pshare_index_hint_generation();

	lockdep_assert_held(&pshare_engine_lock);

	pshare_index_resize(pshare_registered_pages);
	if (gen != pshare_index_hint_generation())
		pshare_hints_dropped();
}

/** pshare_range_by_id() - the registration with this id, or NULL */
struct pshare_range *pshare_range_by_id(u32 id)
{
	return id < pshare_range_slots ? pshare_ranges[id] : NULL;
}

/* Give @r the lowest free id, 1 to 65535. */
static int pshare_range_id_alloc(struct pshare_range *r)
{
	struct pshare_range **table;
	u32 id, slots;

	for (id = 1; id < pshare_range_slots; id++) {
		if (!pshare_ranges[id])
			goto found;
	}
	if (pshare_range_slots >= PSHARE_RANGE_ID_MAX)
		return -ENOSPC;
	slots = max(64U, pshare_range_slots * 2);
	table = kvcalloc(slots, sizeof(*table), GFP_KERNEL | __GFP_NOWARN);
	if (!table)
		return -ENOMEM;
	if (pshare_ranges) {
		memcpy(table, pshare_ranges,
		       pshare_range_slots * sizeof(*table));
		pshare_meta_freed(pshare_ranges, pshare_range_slots * sizeof(*table));
		kvfree(pshare_ranges);
	}
	pshare_meta_alloced(table, slots * sizeof(*table));
	id = max(1U, pshare_range_slots);
	pshare_ranges = table;
	pshare_range_slots = slots;
found:
	pshare_ranges[id] = r;
	pshare_nr_ranges++;
	return id;
}

static void pshare_range_id_free(u32 id)
{
	pshare_ranges[id] = NULL;
	if (--pshare_nr_ranges)
		return;
	pshare_meta_freed(pshare_ranges, pshare_range_slots * sizeof(*pshare_ranges));
	kvfree(pshare_ranges);
	pshare_ranges = NULL;
	pshare_range_slots = 0;
}

/*
 * A registration's rmap items by page index: page-sized chunks of item
 * pointers, each made when its first page merges, so that every byte is
 * counted in metadata_bytes. Under pshare_engine_lock.
 */
#define PSHARE_CHUNK_ITEMS	(PAGE_SIZE / sizeof(void *))

static unsigned long pshare_nr_chunks(struct pshare_range *r)
{
	return DIV_ROUND_UP(r->npages, PSHARE_CHUNK_ITEMS);
}

/** pshare_item_get() - the rmap item of page @idx, or NULL */
struct pshare_rmap_item *pshare_item_get(struct pshare_range *r,
					 unsigned long idx)
{
	struct pshare_rmap_item **chunk = r->chunks[idx / PSHARE_CHUNK_ITEMS];

	return chunk ? chunk[idx % PSHARE_CHUNK_ITEMS] : NULL;
}

/** pshare_item_next() - the first item at page *@idx or after, or NULL */
struct pshare_rmap_item *pshare_item_next(struct pshare_range *r,
					  unsigned long *idx)
{
	unsigned long i = *idx;

	while (i < r->npages) {
		struct pshare_rmap_item **chunk =
			r->chunks[i / PSHARE_CHUNK_ITEMS];

		if (!chunk) {
			i = round_down(i, PSHARE_CHUNK_ITEMS) + PSHARE_CHUNK_ITEMS;
			continue;
		}
		if (chunk[i % PSHARE_CHUNK_ITEMS]) {
			*idx = i;
			return chunk[i % PSHARE_CHUNK_ITEMS];
		}
		i++;
	}
	return NULL;
}

/**
 * pshare_item_reserve() - make room to store an item for page @idx
 * @r: the registration
 * @idx: the page's index in @r
 *
 * Return: 0, or -ENOMEM.
 */
int pshare_item_reserve(struct pshare_range *r, unsigned long idx)
{
	struct pshare_rmap_item ***chunk = &r->chunks[idx / PSHARE_CHUNK_ITEMS];

	if (*chunk)
		return 0;
	*chunk = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!*chunk)
		return -ENOMEM;
	pshare_meta_account(PAGE_SIZE);
	return 0;
}

/** pshare_item_set() - store (or with NULL, clear) page @idx's item */
void pshare_item_set(struct pshare_range *r, unsigned long idx,
		     struct pshare_rmap_item *item)
{
	struct pshare_rmap_item **chunk = r->chunks[idx / PSHARE_CHUNK_ITEMS];

	if (WARN_ON_ONCE(!chunk))
		return;
	chunk[idx % PSHARE_CHUNK_ITEMS] = item;
}

static void pshare_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct pshare_mm *pmm = container_of(mn, struct pshare_mm, mn);

	/* mmu_notifier_unregister() calls us too: that is not an exit. */
	if (READ_ONCE(pmm->freeing))
		return;
	WRITE_ONCE(pmm->dead, true);
	atomic_inc(&pshare_dead_pmms);
	pshare_scan_wake();
}

/*
 * Record an munmap (or mremap away) for the scanner, which ends the
 * registration of those pages. May not sleep: the OOM reaper calls this.
 */
static int pshare_mn_invalidate_start(struct mmu_notifier *mn,
				      const struct mmu_notifier_range *range)
{
	struct pshare_mm *pmm = container_of(mn, struct pshare_mm, mn);
	struct pshare_unmapped *u;

	if (range->event != MMU_NOTIFY_UNMAP || READ_ONCE(pmm->dead))
		return 0;
	u = kmalloc(sizeof(*u), GFP_NOWAIT | __GFP_NOWARN);
	spin_lock(&pmm->unmap_lock);
	if (u && pmm->nr_unmapped < PSHARE_MAX_UNMAPPED) {
		u->start = range->start;
		u->end = range->end;
		list_add_tail(&u->link, &pmm->unmapped);
		pmm->nr_unmapped++;
		pshare_meta_alloced(u, sizeof(*u));
		u = NULL;
	} else {
		pmm->unmap_overflow = true;
	}
	spin_unlock(&pmm->unmap_lock);
	kfree(u);
	return 0;
}

static const struct mmu_notifier_ops pshare_mn_ops = {
	.release = pshare_mn_release,
	.invalidate_range_start = pshare_mn_invalidate_start,
};

/**
 * pshare_page_gone() - end the registration of one page
 * @r: the registration
 * @idx: page index
 *
 * For a page unmapped, or handed to the kernel's KSM: its merged mapping,
 * if any, is forgotten. Context: pshare_engine_lock held.
 */
void pshare_page_gone(struct pshare_range *r, unsigned long idx)
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

/* Free a registration's memory; account it. Its pages hold no item. */
static void pshare_range_release(struct pshare_range *r)
{
	unsigned long i;

	if (r->chunks) {
		for (i = 0; i < pshare_nr_chunks(r); i++) {
			if (r->chunks[i])
				pshare_meta_account(-(long)PAGE_SIZE);
			kfree(r->chunks[i]);
		}
		pshare_meta_freed(r->chunks, pshare_nr_chunks(r) * sizeof(void *));
		kvfree(r->chunks);
	}
	if (r->meta) {
		pshare_meta_freed(r->meta, r->npages * sizeof(u32));
		kvfree(r->meta);
	}
	if (r->thp_sig) {
		pshare_meta_freed(r->thp_sig, pshare_thp_blocks(r) * sizeof(u32));
		kvfree(r->thp_sig);
	}
	pshare_meta_freed(r, sizeof(*r));
	kfree(r);
}

static void pshare_range_free(struct pshare_range *r, bool unmerge)
{
	unsigned long idx;

	pshare_scan_forget(r);
	pshare_range_drop_items(r, unmerge);
	for (idx = 0; idx < r->npages; idx++) {
		pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
		pshare_meta_set_est(r, idx, 0);
	}
	pshare_range_id_free(r->id);
	list_del(&r->link);
	r->pmm->registered -= r->npages - r->ngone;
	pshare_registered_pages -= r->npages;
	pshare_range_release(r);
	pshare_hints_resize();
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
	pshare_hook_mm_del(pmm->mm);
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
				pshare_page_gone(r, pshare_page_idx(r, s));
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
				pshare_page_gone(r, idx);
				mmap_read_lock(pmm->mm);
			}
		}
		mmap_read_unlock(pmm->mm);
		mmput(pmm->mm);
	}
	list_for_each_entry_safe(r, rtmp, &pmm->ranges, link) {
		if (r->ngone == r->npages)
			pshare_range_free(r, false);
	}
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
			pshare_range_free(r, false);
		pshare_mm_free(pmm);
		atomic_dec(&pshare_dead_pmms);
		reaped = true;
	}
	if (reaped)
		pshare_release_nodes();
}

/**
 * pshare_release_nodes() - free the nodes of pages that are now gone
 *
 * After mappings went away (exit, unregister), their merged pages may wait
 * in per-CPU LRU batches, still referenced; drain those, then prune. An
 * exit is reported before its pages are unmapped, and a fork child may
 * hold a page on: if pages remain, pshared tries again later.
 *
 * Return: how many nodes without items still have their page.
 * Context: pshare_engine_lock held.
 */
unsigned long pshare_release_nodes(void)
{
	unsigned long alive;

	lockdep_assert_held(&pshare_engine_lock);

	if (!atomic_long_read(&pshare_stats.stable_nodes))
		return 0;
	pshare_call(lru_add_drain_all)();
	alive = pshare_prune_nodes();
	if (alive)
		pshare_prune_later();
	return alive;
}

/** pshare_reap_pending() - does an exited process wait to be reaped? */
bool pshare_reap_pending(void)
{
	return atomic_read(&pshare_dead_pmms) > 0;
}

/**
 * pshare_mm_find() - the live &struct pshare_mm of @mm, or NULL
 * @mm: the address space (identity only)
 *
 * Context: pshare_engine_lock held.
 * Return: the &struct pshare_mm, or NULL if @mm has none or it is dead.
 */
struct pshare_mm *pshare_mm_find(struct mm_struct *mm)
{
	struct pshare_mm *pmm;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry(pmm, &pshare_mms, link) {
		if (pmm->mm == mm && !READ_ONCE(pmm->dead))
			return pmm;
	}
	return NULL;
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
 * pshare_mm_find_or_create() - find @mm's &struct pshare_mm, or make it
 * @mm: the address space, with a reference (mm_users) held
 * @task: a task of it: the caller, or the target of an operator
 *
 * Takes no reference: a caller that may leave the pshare_mm with nothing
 * to keep it calls pshare_mm_free_if_unused() afterwards.
 *
 * Return: the pshare_mm, or an ERR_PTR (-ENOMEM, -EINTR).
 * Context: pshare_engine_lock held.
 */
struct pshare_mm *pshare_mm_find_or_create(struct mm_struct *mm,
					   struct task_struct *task)
{
	lockdep_assert_held(&pshare_engine_lock);

	static u64 pshare_mm_serial;	/* under pshare_engine_lock */
	struct pshare_mm *pmm = pshare_mm_find(mm);
	int ret;

	if (pmm)
		return pmm;
	pmm = kzalloc(sizeof(*pmm), GFP_KERNEL);
	if (!pmm)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&pmm->ranges);
	INIT_LIST_HEAD(&pmm->unmapped);
	spin_lock_init(&pmm->unmap_lock);
	pmm->mn.ops = &pshare_mn_ops;
	ret = mmu_notifier_register(&pmm->mn, mm);
	if (ret) {
		kfree(pmm);
		return ERR_PTR(ret);
	}
	mmgrab(mm);
	pmm->mm = mm;
	/* Before any page here merges: see hooks.c. */
	pshare_hook_mm_add(mm);
	pmm->tgid = task->tgid;
	get_task_comm(pmm->comm, task);
	pmm->serial = ++pshare_mm_serial;
	pshare_meta_alloced(pmm, sizeof(*pmm));
	list_add_tail(&pmm->link, &pshare_mms);
	return pmm;
}

/* Check that [start, end) is wholly private anonymous memory. */
static int pshare_check_vmas(struct mm_struct *mm, unsigned long start,
			     unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return -ENOMEM;
		if (vma->vm_flags & VM_MERGEABLE)
			return -EBUSY;
		if (!pshare_ops_vma_ok(vma))
			return -EINVAL;
	}
	return 0;
}

/* A new registration of [@start, @start + @len), on no list; or an ERR_PTR. */
static struct pshare_range *pshare_range_alloc(unsigned long start,
					       unsigned long len, u64 salt,
					       u32 weight)
{
	unsigned long npages = len >> PAGE_SHIFT;
	struct pshare_range *r;

	if (pshare_over_limit(npages))
		return ERR_PTR(-ENOSPC);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	pshare_meta_alloced(r, sizeof(*r));
	r->start = start;
	r->end = start + len;
	r->npages = npages;
	r->salt = salt;
	r->weight = weight ? weight : PSHARE_WEIGHT_DEFAULT;
	r->meta = pshare_calloc_array(npages, sizeof(u32));
	r->chunks = kvcalloc(pshare_nr_chunks(r), sizeof(void *), GFP_KERNEL | __GFP_NOWARN);
	if (r->meta)
		pshare_meta_alloced(r->meta, npages * sizeof(u32));
	if (r->chunks)
		pshare_meta_alloced(r->chunks, pshare_nr_chunks(r) * sizeof(void *));
	r->thp_sig = pshare_calloc_array(pshare_thp_blocks(r), sizeof(u32));
	if (r->thp_sig)
		pshare_meta_alloced(r->thp_sig, pshare_thp_blocks(r) * sizeof(u32));
	if (!r->meta || !r->chunks || !r->thp_sig) {
		pshare_range_release(r);
		return ERR_PTR(-ENOMEM);
	}
	return r;
}

/*
 * Put @r on @pmm's list, after checking its memory and that it overlaps no
 * registration. On error the caller still owns @r. Context:
 * pshare_engine_lock held; @pmm's mm live.
 */
static int pshare_range_insert(struct pshare_mm *pmm, struct pshare_range *r)
{
	struct pshare_range *pos;
	int ret;

	lockdep_assert_held(&pshare_engine_lock);

	if (pshare_over_limit(r->npages))
		return -ENOSPC;
	mmap_read_lock(pmm->mm);
	ret = pshare_check_vmas(pmm->mm, r->start, r->end);
	mmap_read_unlock(pmm->mm);
	if (ret)
		return ret;

	list_for_each_entry(pos, &pmm->ranges, link) {
		if (pos->start < r->end && r->start < pos->end)
			return -EEXIST;
		if (pos->start >= r->end)
			break;
	}
	ret = pshare_range_id_alloc(r);
	if (ret < 0)
		return ret;
	r->id = ret;
	r->pmm = pmm;
	r->domain = pshare_domain_of(pmm, r->salt);
	list_add_tail(&r->link, &pos->link);	/* before @pos: sorted */
	pshare_scan_added(r);
	pmm->registered += r->npages;
	pshare_registered_pages += r->npages;
	pshare_hints_resize();
	return 0;
}

/**
 * pshare_register() - register a range of @mm
 * @mm: the caller's address space
 * @start: first byte
 * @len: bytes
 * @salt: the caller's salt, below 2^63; 0 for none
 * @flags: must be 0
 * @weight: share of the host-wide scan budget, 1 to %PSHARE_WEIGHT_MAX;
 *	    0 for %PSHARE_WEIGHT_DEFAULT
 *
 * Return: 0; -EINVAL for bad flags, weight or salt, a bad range or memory
 * that is not private anonymous; -ENOMEM for a hole in the range or no
 * memory; -EBUSY for memory the kernel's KSM has (VM_MERGEABLE); -EEXIST
 * for an overlap with a registration; -ENOSPC past 65535 registrations or
 * when registered memory would pass four times the host's RAM;
 * -EINTR if a signal came while the first registration of an address
 * space attached its mmu notifier.
 */
int pshare_register(struct mm_struct *mm, unsigned long start,
		    unsigned long len, u64 salt, u32 flags, u32 weight)
{
	return pshare_register_task(mm, current, start, len, salt, flags,
				    weight);
}

/**
 * pshare_register_task() - pshare_register() on behalf of @task
 * @mm: @task's address space, referenced
 * @task: the process that is registered: the caller or an operator's
 *	  target
 * @start: as for pshare_register()
 * @len: as for pshare_register()
 * @salt: as for pshare_register()
 * @flags: as for pshare_register()
 * @weight: as for pshare_register()
 *
 * Return: as for pshare_register().
 */
int pshare_register_task(struct mm_struct *mm, struct task_struct *task,
			 unsigned long start, unsigned long len, u64 salt,
			 u32 flags, u32 weight)
{
	struct pshare_range *r;
	struct pshare_mm *pmm;
	int ret;

	if (flags || weight > PSHARE_WEIGHT_MAX)
		return -EINVAL;
	ret = pshare_check_salt(salt);
	if (!ret)
		ret = pshare_check_range(start, len);
	if (ret)
		return ret;
	r = pshare_range_alloc(start, len, salt, weight);
	if (IS_ERR(r))
		return PTR_ERR(r);

	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find_or_create(mm, task);
	if (IS_ERR(pmm)) {
		ret = PTR_ERR(pmm);
		goto unlock;
	}
	/* Apply older munmaps first: they must not hit the new range. */
	pshare_process_unmapped(pmm);
	ret = pshare_range_insert(pmm, r);
	if (ret)
		pshare_mm_free_if_unused(pmm);
unlock:
	mutex_unlock(&pshare_engine_lock);
	if (ret)
		pshare_range_release(r);
	else
		pshare_scan_wake();
	return ret;
}

#define PSHARE_COVER_BATCH	16

/*
 * Find up to PSHARE_COVER_BATCH intervals of [*@addr, @end) that are in
 * VMAs pshare may register and in no registration of @pmm; move *@addr
 * past them. Return how many were found.
 */
static unsigned int pshare_find_gaps(struct pshare_mm *pmm,
				     unsigned long *addr, unsigned long end,
				     unsigned long (*gaps)[2])
{
	VMA_ITERATOR(vmi, pmm->mm, *addr);
	struct vm_area_struct *vma;
	unsigned int n = 0;

	mmap_read_lock(pmm->mm);
	for_each_vma_range(vmi, vma, end) {
		unsigned long s = max(vma->vm_start, *addr);
		unsigned long e = min(vma->vm_end, end);
		struct pshare_range *r;

		/* PROT_NONE: reserved, not used (malloc arenas, guards). */
		if (!pshare_ops_vma_ok(vma) ||
		    !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
			continue;
		list_for_each_entry(r, &pmm->ranges, link) {
			if (r->end <= s)
				continue;
			if (r->start >= e)
				break;
			if (r->start > s) {
				gaps[n][0] = s;
				gaps[n][1] = r->start;
				if (++n == PSHARE_COVER_BATCH) {
					*addr = r->start;
					goto out;
				}
			}
			s = r->end;
		}
		if (s < e) {
			gaps[n][0] = s;
			gaps[n][1] = e;
			if (++n == PSHARE_COVER_BATCH) {
				*addr = e;
				goto out;
			}
		}
	}
	*addr = end;
out:
	mmap_read_unlock(pmm->mm);
	return n;
}

/**
 * pshare_cover() - register what is not yet registered of a range
 * @pmm: the address space; its mm live (mmget held)
 * @start: first byte, page aligned
 * @end: byte past the last, page aligned
 * @salt: salt of the new registrations
 * @weight: their weight
 *
 * Every part of [@start, @end) that lies in private anonymous memory, is
 * not PROT_NONE and is in no registration becomes one, a registration per
 * VMA piece; for
 * madvise(MADV_MERGEABLE) and whole-process registration. A piece that
 * changed under us is left for the next time.
 *
 * Return: 0, or -ENOSPC or -ENOMEM when it had to stop.
 * Context: pshare_engine_lock held; pshare_process_unmapped() done.
 */
int pshare_cover(struct pshare_mm *pmm, unsigned long start,
		 unsigned long end, u64 salt, u32 weight)
{
	lockdep_assert_held(&pshare_engine_lock);

	unsigned long gaps[PSHARE_COVER_BATCH][2];
	unsigned long addr = start;
	unsigned int i, n;
	int ret;

	while (addr < end) {
		n = pshare_find_gaps(pmm, &addr, end, gaps);
		for (i = 0; i < n; i++) {
			struct pshare_range *r;

			r = pshare_range_alloc(gaps[i][0],
					       gaps[i][1] - gaps[i][0], salt,
					       weight);
			if (IS_ERR(r))
				return PTR_ERR(r);
			ret = pshare_range_insert(pmm, r);
			if (ret)
				pshare_range_release(r);
			if (ret == -ENOSPC)
				return ret;
		}
		cond_resched();
	}
	pshare_scan_wake();
	return 0;
}

/**
 * pshare_uncover() - end the registration of a range, cutting where needed
 * @pmm: the address space; its mm live (mmget held)
 * @start: first byte, page aligned
 * @end: byte past the last, page aligned
 *
 * For madvise(MADV_UNMERGEABLE): registrations inside end, unmerged; one
 * that lies across an end is ended too, and its parts outside the range
 * are registered again, from scratch. Context: pshare_engine_lock held.
 */
void pshare_uncover(struct pshare_mm *pmm, unsigned long start,
		    unsigned long end)
{
	struct pshare_range *r, *tmp;

	lockdep_assert_held(&pshare_engine_lock);

	pshare_process_unmapped(pmm);
	list_for_each_entry_safe(r, tmp, &pmm->ranges, link) {
		unsigned long rs = r->start, re = r->end;
		u64 salt = r->salt;
		u32 weight = r->weight;

		if (re <= start || rs >= end)
			continue;
		pshare_range_free(r, true);
		if (rs < start)
			pshare_cover(pmm, rs, start, salt, weight);
		if (re > end)
			pshare_cover(pmm, end, re, salt, weight);
	}
	pshare_release_nodes();
}

/**
 * pshare_unregister() - end @mm's registrations inside a range
 * @mm: the caller's address space
 * @start: first byte
 * @len: bytes
 *
 * Merged pages of the ended registrations are unmerged first.
 *
 * Return: 0; -EINVAL for a bad range or one that cuts a registration;
 * -ENOENT if no registration lies inside.
 */
int pshare_unregister(struct mm_struct *mm, unsigned long start,
		      unsigned long len)
{
	unsigned long end = start + len;
	struct pshare_range *r, *tmp;
	struct pshare_mm *pmm;
	int ret, found = 0;

	ret = pshare_check_range(start, len);
	if (ret)
		return ret;

	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find(mm);
	if (!pmm) {
		ret = -ENOENT;
		goto unlock;
	}
	pshare_process_unmapped(pmm);
	list_for_each_entry(r, &pmm->ranges, link) {
		bool inside = r->start >= start && r->end <= end;

		if (!inside && r->start < end && start < r->end) {
			ret = -EINVAL;
			goto unlock;
		}
		found += inside;
	}
	if (!found) {
		ret = -ENOENT;
		goto unlock;
	}
	list_for_each_entry_safe(r, tmp, &pmm->ranges, link) {
		if (r->start >= start && r->end <= end)
			pshare_range_free(r, true);
	}
	pshare_mm_free_if_unused(pmm);
	pshare_release_nodes();
unlock:
	mutex_unlock(&pshare_engine_lock);
	return ret;
}

/**
 * pshare_mm_stats() - fill @st with @pmm's figures
 * @pmm: an address space
 * @st: its fields other than @reserved are written
 *
 * Context: pshare_engine_lock held.
 */
void pshare_mm_stats(struct pshare_mm *pmm, struct pshare_proc_stats *st)
{
	lockdep_assert_held(&pshare_engine_lock);

	st->registered = pmm->registered;
	st->shared = pmm->owned;
	st->sharing = pmm->items - pmm->owned;
	st->zero = pmm->zero;
	st->saved = st->sharing + st->zero;
	st->scanned = pmm->scanned;
}

/**
 * pshare_query() - @mm's sharing statistics
 * @mm: the caller's address space
 * @st: filled in; all zero if nothing is registered
 *
 * Return: 0.
 */
int pshare_query(struct mm_struct *mm, struct pshare_proc_stats *st)
{
	struct pshare_mm *pmm;

	memset(st, 0, sizeof(*st));
	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find(mm);
	if (pmm) {
		pshare_process_unmapped(pmm);
		pshare_mm_stats(pmm, st);
	}
	mutex_unlock(&pshare_engine_lock);
	return 0;
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
	pshare_release_nodes();
	if (atomic_long_read(&pshare_stats.stable_nodes))
		pr_info("%ld merged pages remain (mapped by unregistered fork children, or not unmerged: see above); they hold the module until they go\n",
			atomic_long_read(&pshare_stats.stable_nodes));
	mutex_unlock(&pshare_engine_lock);
	return ret;
}

/** pshare_register_exit() - end every registration, at unload */
void pshare_register_exit(void)
{
	struct pshare_mm *pmm, *tmp;

	mutex_lock(&pshare_engine_lock);
	list_for_each_entry_safe(pmm, tmp, &pshare_mms, link) {
		struct pshare_range *r, *rtmp;

		/* No node is left (they hold the module), so no item is. */
		list_for_each_entry_safe(r, rtmp, &pmm->ranges, link)
			pshare_range_free(r, false);
		if (READ_ONCE(pmm->dead))
			atomic_dec(&pshare_dead_pmms);
		pshare_mm_free(pmm);
	}
	mutex_unlock(&pshare_engine_lock);
	mmu_notifier_synchronize();
}
