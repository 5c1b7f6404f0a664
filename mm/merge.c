// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the merge primitive. Decides, for one scanned page, whether it
 * joins an existing merged page, forms a new one with a hinted twin, goes
 * to the zero page, or becomes a hint; and keeps the merged pages' nodes
 * and rmap items, which the kernel's own KSM code reads.
 *
 * Every function here runs under pshare_engine_lock and takes one mm's
 * mmap_lock at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ksm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/slab.h>
#include <linux/static_call.h>
#include "index.h"
#include "kabi.h"
#include "merge.h"
#include "ops.h"

static struct kmem_cache *pshare_node_cache;
static struct kmem_cache *pshare_item_cache;

/* As the kernel's page_stable_node(): the node of a KSM page. */
static struct pshare_stable_node *pshare_page_node(struct page *page)
{
	struct folio *folio = page_folio(page);
	unsigned long mapping = (unsigned long)READ_ONCE(folio->mapping);

	if (!folio_test_ksm(folio))
		return NULL;
	return (struct pshare_stable_node *)(mapping & ~PAGE_MAPPING_FLAGS);
}

/* As the kernel's set_page_stable_node(); @page is locked. */
static void pshare_set_page_node(struct page *page,
				 struct pshare_stable_node *node)
{
	page->mapping = pshare_node_mapping(node);
}

VISIBLE_IF_KUNIT struct pshare_rmap_item *pshare_item_alloc(void)
{
	struct pshare_rmap_item *item;

	item = kmem_cache_zalloc(pshare_item_cache, GFP_KERNEL);
	if (item)
		pshare_meta_account(kmem_cache_size(pshare_item_cache));
	return item;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_item_alloc);

static void pshare_item_free(struct pshare_rmap_item *item)
{
	kmem_cache_free(pshare_item_cache, item);
	pshare_meta_account(-(long)kmem_cache_size(pshare_item_cache));
}

/*
 * A live node pins the module: the kernel reaches it through page->mapping,
 * so the module may not go while any page points here.
 */
VISIBLE_IF_KUNIT struct pshare_stable_node *pshare_node_alloc(void)
{
	struct pshare_stable_node *node;

	if (!try_module_get(THIS_MODULE))
		return NULL;
	node = kmem_cache_zalloc(pshare_node_cache, GFP_KERNEL);
	if (!node) {
		module_put(THIS_MODULE);
		return NULL;
	}
	INIT_HLIST_NODE(&node->node);
	INIT_HLIST_HEAD(&node->hlist);
	pshare_meta_account(kmem_cache_size(pshare_node_cache));
	return node;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_node_alloc);

static void pshare_node_free(struct pshare_stable_node *node)
{
	if (!hlist_unhashed(&node->node)) {
		pshare_index_stable_erase(node);
		atomic_long_dec(&pshare_stats.stable_nodes);
	}
	kmem_cache_free(pshare_node_cache, node);
	pshare_meta_account(-(long)kmem_cache_size(pshare_node_cache));
	module_put(THIS_MODULE);
}

/* Bookkeeping of one item leaving @node's hlist. */
VISIBLE_IF_KUNIT void pshare_item_unlinked(struct pshare_stable_node *node,
					   struct pshare_rmap_item *item)
{
	struct pshare_mm *pmm = item->range->pmm;

	node->rmap_hlist_len--;
	atomic_long_dec(&pshare_stats.rmap_items);
	pmm->items--;
	if (hlist_empty(&node->hlist)) {
		atomic_long_dec(&pshare_stats.pages_shared);
		node->owner->owned--;
		node->owner = NULL;
	} else if (node->owner == pmm) {
		struct pshare_rmap_item *first =
			hlist_entry(node->hlist.first, struct pshare_rmap_item,
				    hlist);

		pmm->owned--;
		node->owner = first->range->pmm;
		node->owner->owned++;
	}
	pshare_item_set(item->range, pshare_page_idx(item->range, item->address),
			NULL);
	pshare_ops_put_anon_vma(item->anon_vma);
	pshare_item_free(item);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_item_unlinked);

/*
 * The node's page is gone (freed, so page->mapping was cleared): nothing
 * reaches the node any more. Drop its items and the node.
 */
static void pshare_node_remove_stale(struct pshare_stable_node *node)
{
	struct pshare_rmap_item *item;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(item, tmp, &node->hlist, hlist) {
		hlist_del(&item->hlist);
		pshare_item_unlinked(node, item);
	}
	pshare_node_free(node);
}

/*
 * The KSM page of @node, referenced and, with @lock, locked; or NULL if the
 * node is stale, in which case it has been removed. As get_ksm_page().
 */
VISIBLE_IF_KUNIT struct page *pshare_node_page(struct pshare_stable_node *node,
					       bool lock)
{
	void *expected = pshare_node_mapping(node);
	unsigned long kpfn;
	struct page *page;

again:
	kpfn = READ_ONCE(node->kpfn);	/* address dependency */
	page = pfn_to_page(kpfn);
	if (READ_ONCE(page->mapping) != expected)
		goto stale;
	/* Refcount 0 is a free page, unless it is frozen in swap cache. */
	while (!get_page_unless_zero(page)) {
		if (!folio_test_swapcache(page_folio(page)))
			goto stale;
		cpu_relax();
	}
	if (READ_ONCE(page->mapping) != expected) {
		put_page(page);
		goto stale;
	}
	if (lock) {
		lock_page(page);
		if (READ_ONCE(page->mapping) != expected) {
			unlock_page(page);
			put_page(page);
			goto stale;
		}
	}
	return page;

stale:
	/* Pairs with the smp_wmb() in folio_migrate_ksm() before kpfn moves. */
	smp_rmb();
	if (READ_ONCE(node->kpfn) != kpfn)
		goto again;
	pshare_node_remove_stale(node);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_node_page);

/**
 * pshare_remove_item() - forget one mapping of a merged page
 * @item: the rmap item; freed here
 *
 * Its hlist changes only with the KSM page locked, as the kernel requires.
 */
void pshare_remove_item(struct pshare_rmap_item *item)
{
	struct pshare_stable_node *node = item->head;
	struct page *kpage = pshare_node_page(node, true);

	if (!kpage)		/* stale: the item went with the node */
		return;
	hlist_del(&item->hlist);
	pshare_item_unlinked(node, item);
	unlock_page(kpage);
	put_page(kpage);
}

/* Add @item for (@r, @idx) to @node; @kpage is locked. */
VISIBLE_IF_KUNIT void pshare_item_link(struct pshare_stable_node *node,
				       struct pshare_rmap_item *item,
				       struct pshare_range *r, unsigned long idx)
{
	item->head = node;
	hlist_add_head(&item->hlist, &node->hlist);
	if (!node->rmap_hlist_len++) {
		atomic_long_inc(&pshare_stats.pages_shared);
		node->owner = r->pmm;
		r->pmm->owned++;
	}
	atomic_long_inc(&pshare_stats.rmap_items);
	atomic_long_inc(&pshare_stats.pages_merged);
	r->pmm->items++;
	/* The chunk was made before merging: this store cannot fail. */
	pshare_item_set(r, idx, item);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_item_link);

/**
 * pshare_thp_protected() - must @page stay whole now?
 * @page: a page the scanner found mapped, referenced
 *
 * Return: true for a subpage of a PMD-mapped THP unless thp_split=always.
 */
bool pshare_thp_protected(struct page *page)
{
	if (!PageTransCompound(page) ||
	    READ_ONCE(pshare_tun.thp_split) == PSHARE_THP_ALWAYS)
		return false;
	return folio_entire_mapcount(page_folio(page)) > 0;
}

static bool pshare_merge_no_veto(struct mm_struct *mm, unsigned long addr)
{
	return false;
}

/*
 * Asked before each merge, under the mm's mmap_lock: may a layer above
 * (madvise.c) refuse it? Set at load before pshared starts, cleared at
 * unload after it stopped; pshared alone merges. A static call, so that
 * the module makes no indirect call (tests/host/ibt.sh).
 */
DEFINE_STATIC_CALL(pshare_merge_veto, pshare_merge_no_veto);

/**
 * pshare_merge_set_veto() - let a layer above refuse merges
 * @veto: called with the mm's mmap_lock held (read, at least) before every
 *	  merge; true refuses the merge at that address. NULL for none.
 *
 * Context: pshared not running.
 */
void pshare_merge_set_veto(bool (*veto)(struct mm_struct *mm,
					unsigned long addr))
{
	static_call_update(pshare_merge_veto, veto ? veto : pshare_merge_no_veto);
}

/*
 * Merge the page at (@r, @idx) into @kpage (or, with @kpage NULL, make it a
 * KSM page with no node), under its mm's mmap_lock. On success fill @item
 * with the mapping (anon_vma referenced), if @item is given.
 */
static int pshare_merge_at(struct pshare_range *r, unsigned long idx,
			   struct page *page, struct page *kpage,
			   struct pshare_rmap_item *item)
{
	struct mm_struct *mm = r->pmm->mm;
	unsigned long addr = pshare_page_addr(r, idx);
	struct vm_area_struct *vma;
	bool split = false;
	int err = -EFAULT;

	mmap_read_lock(mm);
	vma = pshare_ops_find_vma(mm, addr);
	/* A MADV_UNMERGEABLE on its way: see madvise.c. */
	if (vma && !static_call(pshare_merge_veto)(mm, addr))
		err = pshare_ops_merge_one(vma, addr, page, kpage, &split);
	/* Its other subpages may map the zero page now: see scan.c. */
	if (split)
		r->thp_claim = addr & HPAGE_PMD_MASK;
	if (!err && item) {
		item->range = r;
		item->mm = mm;
		item->address = addr;
		item->anon_vma = vma->anon_vma;
		get_anon_vma(vma->anon_vma);
	}
	mmap_read_unlock(mm);
	return err;
}

static int pshare_break_at(struct pshare_range *r, unsigned long idx)
{
	struct mm_struct *mm = r->pmm->mm;
	unsigned long addr = pshare_page_addr(r, idx);
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_read_lock(mm);
	vma = pshare_ops_find_vma(mm, addr);
	if (vma)
		ret = pshare_ops_break_cow(vma, addr);
	mmap_read_unlock(mm);
	return ret;
}

/*
 * May @page and @other, on NUMA nodes of their own, share one frame? Always
 * with merge_across_nodes (the default); else only on the same node, which
 * keeps a merged page on its mappers' node. The zero page is the exception:
 * the kernel has one, as for the kernel's KSM (use_zero_pages).
 */
static bool pshare_nodes_may_merge(struct page *page, struct page *other)
{
	return READ_ONCE(pshare_tun.merge_across_nodes) ||
	       page_to_nid(page) == page_to_nid(other);
}

/**
 * pshare_merge_set_across_nodes() - set merge_across_nodes
 * @across: 1 to merge pages whatever their node, 0 within a node only
 *
 * As for the kernel's KSM, only while nothing is merged: run=2 first.
 * Context: pshare_lock held.
 * Return: 0, or -EBUSY if a merged page is mapped.
 */
int pshare_merge_set_across_nodes(unsigned int across)
{
	int ret = 0;

	lockdep_assert_held(&pshare_lock);

	mutex_lock(&pshare_engine_lock);
	if (across != pshare_tun.merge_across_nodes) {
		if (atomic_long_read(&pshare_stats.pages_shared))
			ret = -EBUSY;
		else
			WRITE_ONCE(pshare_tun.merge_across_nodes, across);
	}
	mutex_unlock(&pshare_engine_lock);
	return ret;
}

/* @key's full hash, computed on first need. */
static u64 pshare_key_hash(struct pshare_key *key, struct page *page)
{
	if (!key->full) {
		key->hash = pshare_ops_hash(page);
		key->full = true;
		atomic_long_inc(&pshare_stats.pages_hashed);
	}
	return key->hash;
}

/*
 * The first merged page of @page's key, or NULL. @page is hashed whole
 * only if a merged page shares its sample.
 */
static struct pshare_stable_node *pshare_stable_of(struct pshare_range *r,
						   struct page *page,
						   struct pshare_key *key)
{
	if (!pshare_index_stable_has(r->domain, key->sample))
		return NULL;
	return pshare_index_stable_first(r->domain, key->sample,
					 pshare_key_hash(key, page));
}

/*
 * The merged pages that may hold @page's content, from the first, or NULL;
 * *@alone is set if that is the only one of its sample, to be tried without
 * a full hash (see pshare_merge_stable()): unless @page is keyed by its full
 * hash already, or is part of a huge page, which a merge splits first.
 */
static struct pshare_stable_node *
pshare_stable_candidates(struct pshare_range *r, unsigned long idx,
			 struct page *page, struct pshare_key *key, bool *alone)
{
	struct pshare_stable_node *node;

	node = pshare_index_stable_sample(r->domain, key->sample, alone);
	/* A huge page is split before the compare: not on a sample alone. */
	if (!node || (*alone && !key->full &&
		      !(r->meta[idx] & PSHARE_PM_FULLKEY) &&
		      !PageTransCompound(page)))
		return node;
	*alone = false;
	return pshare_index_stable_first(r->domain, key->sample,
					 pshare_key_hash(key, page));
}

/*
 * Try to join @page to a merged page of the same content. Where one merged
 * page alone has @page's sample, as most have, @page is not hashed whole:
 * the compare under the page lock, which every merge makes, decides, and
 * a page it fails (same sample, other bytes: the write protection was in
 * vain) is keyed by its full hash from then on (PSHARE_PM_FULLKEY), as a
 * miss of a hinted twin makes it. Where several do, the full hash picks.
 */
static bool pshare_merge_stable(struct pshare_range *r, unsigned long idx,
				struct page *page, struct pshare_key *key)
{
	unsigned int max = READ_ONCE(pshare_tun.max_page_sharing);
	struct pshare_stable_node *node, *next;
	struct pshare_rmap_item *item = NULL;
	bool merged = false, alone;
	int err;

	for (node = pshare_stable_candidates(r, idx, page, key, &alone); node;
	     node = next) {
		struct page *kpage;

		next = alone ? NULL : pshare_index_stable_next(node);
		if (node->rmap_hlist_len >= max && pshare_page_node(page) != node)
			continue;
		kpage = pshare_node_page(node, false);
		if (!kpage)
			continue;	/* stale, now removed */
		if (!pshare_nodes_may_merge(page, kpage)) {
			put_page(kpage);
			continue;
		}
		if (!item)
			item = pshare_item_alloc();
		if (!item || pshare_item_reserve(r, idx)) {
			put_page(kpage);
			break;
		}
		/*
		 * Same domain and sample, and the same 64-bit xxh64 unless
		 * alone: no compare before the one under the page lock, which
		 * other bytes fail (-ENOENT).
		 */
		err = pshare_merge_at(r, idx, page, kpage, item);
		if (!err) {
			lock_page(kpage);
			pshare_item_link(node, item, r, idx);
			unlock_page(kpage);
			item = NULL;
			merged = true;
		} else if (err == -ENOENT && alone) {
			r->meta[idx] |= PSHARE_PM_FULLKEY;
			atomic_long_inc(&pshare_stats.sample_misses);
		}
		put_page(kpage);
		if (err != -ENOENT)
			break;
	}
	if (item)
		pshare_item_free(item);
	return merged;
}

/*
 * The hinted page (@r2, @idx2), referenced, if it is still hinted by a key
 * of kind @full and its sample was @key's at its last visit.
 */
static struct page *pshare_hint_page(struct pshare_range *r2,
				     unsigned long idx2,
				     const struct pshare_key *key, bool full)
{
	u32 m = r2->meta[idx2];
	struct page *page;

	if ((m & PSHARE_PM_CLASS) != PSHARE_PM_UNSHARED ||
	    !(m & PSHARE_PM_FULLKEY) != !full ||
	    PSHARE_PM_CSUM(m) != PSHARE_PM_CSUM(key->sample) ||
	    READ_ONCE(r2->pmm->dead))
		return NULL;
	page = pshare_ops_page_at(r2->pmm->mm, pshare_page_addr(r2, idx2));
	if (page && (!PageAnon(page) || PageKsm(page))) {
		put_page(page);
		page = NULL;
	}
	return page;
}

/*
 * Where pshare_find_twin() goes on: the position among the hints of the
 * current kind of key (@full), and the hinted pages found so far that
 * share the page's sample but not its bytes.
 */
struct pshare_twin_pos {
	unsigned int pos;
	unsigned int misses;
	bool full;
};

/*
 * Hinted pages that share a page's sample but hold other bytes that one
 * visit compares, at most, before it looks only by the full hash.
 */
#define PSHARE_SAMPLE_MISSES	2

/*
 * (@r, @idx) holding @page and (@r2, @idx2) holding @page2 share a sample
 * but not their bytes: from now on both are keyed by their full xxh64,
 * which @page2 gets at once, so that its twins still find it.
 */
static void pshare_sample_miss(struct pshare_range *r, unsigned long idx,
			       struct pshare_range *r2, unsigned long idx2,
			       struct page *page2)
{
	r->meta[idx] |= PSHARE_PM_FULLKEY;
	r2->meta[idx2] |= PSHARE_PM_FULLKEY;
	pshare_index_hint_insert(r2->domain, pshare_ops_hash(page2), true,
				 r2->id, idx2);
	atomic_long_inc(&pshare_stats.sample_misses);
	atomic_long_inc(&pshare_stats.pages_hashed);
}

/*
 * The next hinted page, from @tp on, that is still a byte-for-byte twin
 * of @page; referenced. It looks among the pages keyed by their sample
 * and then, if @page is keyed by its full hash (PSHARE_PM_FULLKEY, maybe
 * since a miss here), among those keyed so. A subpage of a huge page that
 * must stay whole is a twin only if @any: it can be counted, not merged.
 */
static struct page *pshare_find_twin(struct pshare_range *r, unsigned long idx,
				     struct page *page, struct pshare_key *key,
				     bool any, struct pshare_twin_pos *tp,
				     struct pshare_range **r2p,
				     unsigned long *idx2p)
{
	unsigned long idx2;
	u32 id2;

	for (;;) {
		struct pshare_range *r2;
		struct page *page2;

		if ((tp->full || tp->misses < PSHARE_SAMPLE_MISSES) &&
		    pshare_index_hint_find(r->domain, tp->full ? key->hash :
					   key->sample, tp->full, r->id, idx,
					   &tp->pos, &id2, &idx2)) {
			r2 = pshare_range_by_id(id2);
		} else if (!tp->full && (r->meta[idx] & PSHARE_PM_FULLKEY)) {
			pshare_key_hash(key, page);
			tp->full = true;
			tp->pos = 0;
			continue;
		} else {
			return NULL;
		}
		/* A disabled registration's hints linger: they pair no more. */
		if (!r2 || r2->domain != r->domain || idx2 >= r2->npages ||
		    !pshare_range_active(r2))
			continue;
		page2 = pshare_hint_page(r2, idx2, key, tp->full);
		if (!page2)
			continue;
		/* A stale hint, or a page of another NUMA node. */
		if (page2 == page || !pshare_nodes_may_merge(page, page2)) {
			put_page(page2);
			continue;
		}
		if (!pshare_ops_pages_identical(page, page2)) {
			/* Another content under the same sample, or hash. */
			if (!tp->full) {
				tp->misses++;
				pshare_sample_miss(r, idx, r2, idx2, page2);
			}
			put_page(page2);
			continue;
		}
		/* A twin in a THP kept whole: it may have to count it. */
		if (pshare_thp_protected(page2)) {
			pshare_meta_thp_twin(r2, idx2);
			if (!any) {
				put_page(page2);
				continue;
			}
		}
		*r2p = r2;
		*idx2p = idx2;
		return page2;
	}
}

enum pshare_pair_result {
	PSHARE_PAIR_MERGED,
	PSHARE_PAIR_TWIN_FAILED,	/* try another twin */
	PSHARE_PAIR_FAILED,		/* @page itself cannot merge now */
};

/*
 * Merge @page with its twin (@r2, @idx2, @page2) into a new KSM page. The
 * twin becomes the KSM page first: if it cannot (pinned, busy), nothing of
 * @page was touched, and the caller may try another twin.
 */
static enum pshare_pair_result
pshare_merge_twins(struct pshare_range *r, unsigned long idx,
		   struct page *page, struct pshare_range *r2,
		   unsigned long idx2, struct page *page2,
		   struct pshare_key *key)
{
	enum pshare_pair_result ret = PSHARE_PAIR_FAILED;
	struct pshare_rmap_item *item1, *item2;
	struct pshare_stable_node *node;

	node = pshare_node_alloc();
	item1 = pshare_item_alloc();
	item2 = pshare_item_alloc();
	if (!node || !item1 || !item2)
		goto out;
	if (pshare_item_reserve(r, idx) || pshare_item_reserve(r2, idx2))
		goto out;

	if (pshare_merge_at(r2, idx2, page2, NULL, item2)) {
		/* Unmergeable for now: its hint goes, it is rescanned later. */
		pshare_meta_set_class(r2, idx2, PSHARE_PM_NONE);
		ret = PSHARE_PAIR_TWIN_FAILED;
		goto out;
	}
	if (pshare_merge_at(r, idx, page, page2, item1)) {
		/* A KSM page with one mapping and no node: break it. */
		pshare_ops_put_anon_vma(item2->anon_vma);
		pshare_break_at(r2, idx2);
		goto out;
	}

	lock_page(page2);
	node->kpfn = page_to_pfn(page2);
	node->nid = page_to_nid(page2);
	node->sample = key->sample;
	node->hash = pshare_key_hash(key, page);
	node->domain = r->domain;
	pshare_set_page_node(page2, node);
	pshare_item_link(node, item2, r2, idx2);
	pshare_item_link(node, item1, r, idx);
	unlock_page(page2);
	pshare_index_stable_insert(node);
	atomic_long_inc(&pshare_stats.stable_nodes);
	pshare_meta_set_class(r2, idx2, PSHARE_PM_NONE);
	return PSHARE_PAIR_MERGED;

out:
	if (item1)
		pshare_item_free(item1);
	if (item2)
		pshare_item_free(item2);
	if (node)
		pshare_node_free(node);
	return ret;
}

/* Merge @page with a hinted twin into a new KSM page. */
static bool pshare_merge_pair(struct pshare_range *r, unsigned long idx,
			      struct page *page, struct pshare_key *key)
{
	enum pshare_pair_result ret = PSHARE_PAIR_TWIN_FAILED;
	struct pshare_twin_pos tp = {};
	struct pshare_range *r2;
	struct page *page2;
	unsigned long idx2;

	while (ret == PSHARE_PAIR_TWIN_FAILED &&
	       (page2 = pshare_find_twin(r, idx, page, key, false, &tp, &r2,
					 &idx2))) {
		ret = pshare_merge_twins(r, idx, page, r2, idx2, page2, key);
		put_page(page2);
	}
	return ret == PSHARE_PAIR_MERGED;
}

/* Is @page a zero page that goes to the kernel's zero page? */
static bool pshare_zero_candidate(const struct pshare_key *key)
{
	return READ_ONCE(pshare_tun.zero_across_domains) && key->zero;
}

/*
 * Hint @page by its sample, or by its full hash if it is keyed so (and
 * hash it whole if need be), as unshared. @evict: the hint may take a live
 * hint's slot; else only a free or stale one (pshare_index_hint_offer()).
 */
static void pshare_hint_as(struct pshare_range *r, unsigned long idx,
			   struct page *page, struct pshare_key *key,
			   bool evict)
{
	bool full = r->meta[idx] & PSHARE_PM_FULLKEY;
	u64 k = full ? pshare_key_hash(key, page) : key->sample;

	pshare_meta_set_class(r, idx, PSHARE_PM_UNSHARED);
	if (evict)
		pshare_index_hint_insert(r->domain, k, full, r->id, idx);
	else
		pshare_index_hint_offer(r->domain, k, full, r->id, idx);
}

/* Hint @page: it waits for a twin. */
static void pshare_hint(struct pshare_range *r, unsigned long idx,
			struct page *page, struct pshare_key *key)
{
	pshare_hint_as(r, idx, page, key, true);
}

/**
 * pshare_merge_claim_zero() - count a page a split of pshare's zero-mapped
 * @r: its registration
 * @idx: its page index, now mapped to the zero page
 *
 * Context: pshare_engine_lock held.
 */
void pshare_merge_claim_zero(struct pshare_range *r, unsigned long idx)
{
	lockdep_assert_held(&pshare_engine_lock);

	atomic_long_inc(&pshare_stats.pages_merged);
	pshare_meta_set_class(r, idx, PSHARE_PM_ZERO);
}

/**
 * pshare_merge_page() - find @page a twin, or remember it
 * @r: its registration
 * @idx: its page index
 * @page: the page, referenced, not a KSM page of a live item here
 * @key: its key; its full hash is computed here if needed
 *
 * In order: zero pages go to the kernel's zero page (across domains, if
 * zero_across_domains); then
 * a merged page of the same domain and content; then a hinted twin; else
 * the page is hinted. Context: pshare_engine_lock held, no mmap_lock.
 */
void pshare_merge_page(struct pshare_range *r, unsigned long idx,
		       struct page *page, struct pshare_key *key)
{
	unsigned long addr = pshare_page_addr(r, idx);

	lockdep_assert_held(&pshare_engine_lock);

	if (pshare_zero_candidate(key) &&
	    !pshare_merge_at(r, idx, page, ZERO_PAGE(addr), NULL)) {
		atomic_long_inc(&pshare_stats.pages_merged);
		pshare_meta_set_class(r, idx, PSHARE_PM_ZERO);
		return;
	}
	if (pshare_merge_stable(r, idx, page, key) ||
	    pshare_merge_pair(r, idx, page, key)) {
		pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
		return;
	}
	if (PageKsm(page))	/* someone else's, or busy: leave it */
		return;
	pshare_hint(r, idx, page, key);
}

/* Is there a merged page of @page's content and domain? */
static bool pshare_stable_exists(struct pshare_range *r, struct page *page,
				 struct pshare_key *key)
{
	struct pshare_stable_node *node, *next;

	for (node = pshare_stable_of(r, page, key); node; node = next) {
		struct page *kpage;
		bool same;

		next = pshare_index_stable_next(node);
		kpage = pshare_node_page(node, false);
		if (!kpage)
			continue;	/* stale, now removed */
		same = pshare_nodes_may_merge(page, kpage) &&
		       pshare_ops_pages_identical(page, kpage);
		put_page(kpage);
		if (same)
			return true;
	}
	return false;
}

/**
 * pshare_merge_note_dup() - hint @page and say whether it has a twin
 * @r: its registration
 * @idx: its page index
 * @page: a subpage of a huge page that stays whole, referenced
 * @key: its key; its full hash is computed here if needed
 *
 * Nothing is merged: the caller counts duplicates held inside huge pages.
 * A twin is the zero page, a merged page or a hinted page (maybe inside a
 * huge page too) of the same content and domain, byte for byte.
 * Context: pshare_engine_lock held, no mmap_lock.
 * Return: true if @page has a twin.
 */
bool pshare_merge_note_dup(struct pshare_range *r, unsigned long idx,
			   struct page *page, struct pshare_key *key)
{
	struct pshare_twin_pos tp = {};
	struct pshare_range *r2;
	struct page *page2;
	unsigned long idx2;
	bool dup;

	lockdep_assert_held(&pshare_engine_lock);

	/* The zero page is every zero page's twin: no hint needed. */
	if (pshare_zero_candidate(key)) {
		pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
		return true;
	}
	dup = pshare_stable_exists(r, page, key);
	if (!dup) {
		page2 = pshare_find_twin(r, idx, page, key, true, &tp, &r2,
					 &idx2);
		if (page2) {
			put_page(page2);
			dup = true;
		}
	}
	/*
	 * A copy of a content hinted already is hinted only into a free slot:
	 * see pshare_index_hint_offer(). It stays unshared, so a hint of it
	 * is live, and its twins still find it when the first copy goes.
	 */
	pshare_hint_as(r, idx, page, key, !dup);
	return dup;
}

/**
 * pshare_merge_estimate() - would @page merge? Count, hint, merge nothing
 * @r: its registration
 * @idx: its page index
 * @page: the page, referenced; may be a subpage of a huge page
 * @key: its key; its full hash is computed here if needed
 *
 * For the estimate mode. Of k pages with one content in one domain, k - 1
 * would be saved: a page counts if a merged page of its content exists, or
 * if a hinted twin (byte-compared) comes before it in (registration id,
 * page index) order, so that the first of them never counts. The pages
 * that do not count are hinted, the first copy of each content among
 * them, so the count settles from the second full scan on.
 *
 * Return: %PSHARE_PM_EST_ZERO, %PSHARE_PM_EST_DUP or 0.
 * Context: pshare_engine_lock held, no mmap_lock.
 */
u32 pshare_merge_estimate(struct pshare_range *r, unsigned long idx,
			  struct page *page, struct pshare_key *key)
{
	struct pshare_twin_pos tp = {};
	struct pshare_range *r2;
	struct page *page2;
	unsigned long idx2;
	u32 est = 0;

	lockdep_assert_held(&pshare_engine_lock);

	if (pshare_zero_candidate(key)) {
		pshare_meta_set_class(r, idx, PSHARE_PM_NONE);
		return PSHARE_PM_EST_ZERO;
	}
	if (pshare_stable_exists(r, page, key))
		est = PSHARE_PM_EST_DUP;
	while (!est && (page2 = pshare_find_twin(r, idx, page, key, true,
						 &tp, &r2, &idx2))) {
		if (r2->id < r->id || (r2->id == r->id && idx2 < idx))
			est = PSHARE_PM_EST_DUP;
		put_page(page2);
	}
	/* A page with an earlier twin needs no hint: see pshare_hint_live(). */
	if (est)
		pshare_meta_set_class(r, idx, PSHARE_PM_UNSHARED);
	else
		pshare_hint(r, idx, page, key);
	return est;
}

/**
 * pshare_range_drop_items() - forget the merged pages of a registration
 * @r: the registration
 * @unmerge: first give each mapping a private copy (its mm must be live)
 *
 * A mapping whose copy cannot be allocated stays on the merged page, which
 * stays correct and copy-on-write, but unmerged it is not.
 *
 * Return: how many mappings could not be unmerged.
 */
unsigned long pshare_range_drop_items(struct pshare_range *r, bool unmerge)
{
	struct pshare_rmap_item *item;
	unsigned long idx, failed = 0;

	for (idx = 0; (item = pshare_item_next(r, &idx)); idx++) {
		if (unmerge && pshare_break_at(r, idx))
			failed++;
		pshare_remove_item(item);
		cond_resched();
	}
	if (failed)
		pr_warn_ratelimited("%lu merged pages could not be unmerged: out of memory\n",
				    failed);
	return failed;
}

/**
 * pshare_prune_nodes() - free nodes whose page is gone
 *
 * A node outlives its last item while its page is still mapped elsewhere
 * (a fork child, or an exit still unmapping); once that page is freed,
 * this reclaims the node.
 *
 * Return: how many nodes without items still have their page.
 */
unsigned long pshare_prune_nodes(void)
{
	struct pshare_stable_node *node, *next;
	unsigned long alive = 0;

	for (node = pshare_index_stable_after(NULL); node; node = next) {
		struct page *kpage;

		next = pshare_index_stable_after(node);
		if (node->rmap_hlist_len)
			continue;
		kpage = pshare_node_page(node, false);
		if (kpage) {
			pshare_ops_drop_orphan_swap(kpage);
			put_page(kpage);
			alive++;
		}
		cond_resched();
	}
	return alive;
}

/** pshare_merge_init() - create the node and item caches */
int pshare_merge_init(void)
{
	pshare_node_cache = KMEM_CACHE(pshare_stable_node, 0);
	if (!pshare_node_cache)
		return -ENOMEM;
	pshare_item_cache = KMEM_CACHE(pshare_rmap_item, 0);
	if (!pshare_item_cache) {
		kmem_cache_destroy(pshare_node_cache);
		return -ENOMEM;
	}
	return 0;
}

/** pshare_merge_exit() - destroy the caches; every node is gone */
void pshare_merge_exit(void)
{
	kmem_cache_destroy(pshare_item_cache);
	kmem_cache_destroy(pshare_node_cache);
}
