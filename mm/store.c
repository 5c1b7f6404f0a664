// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the store, at the bottom of the engine. It holds the address
 * spaces with registrations and their registrations (the engine's state),
 * each page's metadata word, the rmap-item chunks of merged pages, the
 * table of registrations by id that hints name, and the scanner's place in
 * the scan order. It calls nothing of pshare above it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include "kabi.h"
#include "store.h"

LIST_HEAD(pshare_mms);
/* Guards the scanner's state: see its declaration in store.h. */
DEFINE_MUTEX(pshare_engine_lock);
EXPORT_SYMBOL_IF_KUNIT(pshare_engine_lock);
/* The scanner's place in the scan order: see its declaration in store.h. */
struct pshare_order pshare_order;
EXPORT_SYMBOL_IF_KUNIT(pshare_order);
/*
 * Registrations by id, for hints: a table that grows by doubling, and goes
 * when the last registration does. Under pshare_engine_lock.
 */
static struct pshare_range **pshare_ranges;
static u32 pshare_range_slots;
static u32 pshare_nr_ranges;
static unsigned long pshare_registered_pages;	/* under pshare_engine_lock */
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

#define PSHARE_RANGE_ID_MAX	BIT(16)

/**
 * pshare_store_registered() - pages registered, host-wide
 *
 * Return: the pages of every registration, unmapped ones included.
 * Context: pshare_engine_lock held.
 */
unsigned long pshare_store_registered(void)
{
	lockdep_assert_held(&pshare_engine_lock);

	return pshare_registered_pages;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_store_registered);

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
EXPORT_SYMBOL_IF_KUNIT(pshare_meta_set_class);

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
EXPORT_SYMBOL_IF_KUNIT(pshare_meta_set_est);

/**
 * pshare_meta_thp_twin() - a page found its twin in a THP kept whole
 * @r: the twin's registration
 * @idx: the twin's page index
 *
 * The duplicates of a THP depend on other pages too: a twin that appears
 * after the THP's visit, or later in that same visit, makes one of its
 * subpages a duplicate. If this one had no twin at its THP's last visit,
 * the THP's count is short, and its next visit must be whole (thp.c).
 * Context: pshare_engine_lock held.
 */
void pshare_meta_thp_twin(struct pshare_range *r, unsigned long idx)
{
	unsigned long haddr = pshare_page_addr(r, idx) & HPAGE_PMD_MASK;

	lockdep_assert_held(&pshare_engine_lock);

	if (r->meta[idx] & PSHARE_PM_THP_DUP)
		return;
	*pshare_thp_sig(r, haddr) = 0;
	if (r->thp_sample_addr == haddr)
		r->thp_sample = 0;
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
	lockdep_assert_held(&pshare_engine_lock);

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

/**
 * pshare_hints_dropped() - every hint is gone: visit every page again
 *
 * Context: pshare_engine_lock held.
 */
void pshare_hints_dropped(void)
{
	lockdep_assert_held(&pshare_engine_lock);

	pshare_ranges_walk(pshare_range_hints_dropped);
}

/** pshare_range_by_id() - the registration with this id, or NULL */
struct pshare_range *pshare_range_by_id(u32 id)
{
	return id < pshare_range_slots ? pshare_ranges[id] : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_range_by_id);

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
EXPORT_SYMBOL_IF_KUNIT(pshare_item_get);

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
EXPORT_SYMBOL_IF_KUNIT(pshare_item_next);

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
EXPORT_SYMBOL_IF_KUNIT(pshare_item_reserve);

/** pshare_item_set() - store (or with NULL, clear) page @idx's item */
void pshare_item_set(struct pshare_range *r, unsigned long idx,
		     struct pshare_rmap_item *item)
{
	struct pshare_rmap_item **chunk = r->chunks[idx / PSHARE_CHUNK_ITEMS];

	if (WARN_ON_ONCE(!chunk))
		return;
	chunk[idx % PSHARE_CHUNK_ITEMS] = item;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_item_set);

/**
 * pshare_range_free() - free a registration's memory
 * @r: a registration on no list, whose pages hold no item
 */
void pshare_range_free(struct pshare_range *r)
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
EXPORT_SYMBOL_IF_KUNIT(pshare_range_free);

/**
 * pshare_range_alloc() - a new registration, on no list
 * @start: first byte, page aligned
 * @len: bytes, page aligned
 * @salt: the salt its caller gave
 * @weight: its weight, 0 for the default
 *
 * Return: the registration, or ERR_PTR(-ENOSPC) past the limit on
 * registered memory, or ERR_PTR(-ENOMEM).
 */
struct pshare_range *pshare_range_alloc(unsigned long start,
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
		pshare_range_free(r);
		return ERR_PTR(-ENOMEM);
	}
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_range_alloc);

/**
 * pshare_store_insert() - add a registration to its address space
 * @pmm: the address space
 * @r: from pshare_range_alloc(), its domain set
 * @next: the registration of @pmm that @r goes before, or NULL for last
 *
 * @r gets an id, joins the scan order owing a full pass in the current
 * epoch, and starts in its first pass (first_scan).
 *
 * Return: 0, -ENOSPC past the limit on registered memory or past 65535
 * registrations, or -ENOMEM.
 * Context: pshare_engine_lock held.
 */
int pshare_store_insert(struct pshare_mm *pmm, struct pshare_range *r,
			struct pshare_range *next)
{
	int ret;

	lockdep_assert_held(&pshare_engine_lock);

	if (pshare_over_limit(r->npages))
		return -ENOSPC;
	ret = pshare_range_id_alloc(r);
	if (ret < 0)
		return ret;
	r->id = ret;
	r->pmm = pmm;
	list_add_tail(&r->link, next ? &next->link : &pmm->ranges);
	r->epoch_left = r->npages;
	r->fast = true;		/* its first pass */
	pshare_order.epoch_pending++;
	pshare_order.nr_ranges++;
	pmm->registered += r->npages;
	pshare_registered_pages += r->npages;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_store_insert);

/**
 * pshare_store_remove() - take a registration off its address space
 * @r: the registration; its pages hold no item
 *
 * The scanner's cursor moves on if it was at @r. The caller frees @r with
 * pshare_range_free(). Context: pshare_engine_lock held.
 */
void pshare_store_remove(struct pshare_range *r)
{
	lockdep_assert_held(&pshare_engine_lock);

	if (pshare_order.range == r) {
		struct pshare_mm *pmm = r->pmm;

		pshare_order.range = list_is_last(&r->link, &pmm->ranges) ?
				     NULL : list_next_entry(r, link);
	}
	if (r->epoch_left)
		pshare_order.epoch_pending--;
	r->epoch_left = 0;
	pshare_order.nr_ranges--;
	pshare_range_id_free(r->id);
	list_del(&r->link);
	r->pmm->registered -= r->npages - r->ngone;
	pshare_registered_pages -= r->npages;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_store_remove);

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
