// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare KUnit: pshare_merge, the bookkeeping of merged pages: who is
 * charged for a merged page as its mappers come and go, and how a node
 * whose page went is found stale and removed with its mappings. Bare
 * address spaces (struct pshare_mm, no process) and a page of the test's
 * own stand in for the mappers and the KSM page.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include "kabi.h"
#include "merge.h"
#include "store.h"

#define PSHARE_TEST_START	0x7e0000000000UL
#define NMAP			3

struct pshare_merge_fixture {
	struct pshare_mm *pmm[NMAP];
	struct pshare_range *r[NMAP];
	struct pshare_rmap_item *item[NMAP];
	struct anon_vma *anon_vma;	/* never freed by the items' puts */
	struct pshare_stable_node *node;
	long shared, items;
};

/* @f's node and one mapping (page 0 of a registration) per address space. */
static void pshare_merge_setup(struct kunit *test,
			       struct pshare_merge_fixture *f)
{
	int i;

	f->anon_vma = kunit_kzalloc(test, sizeof(*f->anon_vma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->anon_vma);
	atomic_set(&f->anon_vma->refcount, 1000);
	for (i = 0; i < NMAP; i++) {
		f->pmm[i] = kunit_kzalloc(test, sizeof(*f->pmm[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->pmm[i]);
		INIT_LIST_HEAD(&f->pmm[i]->ranges);
		INIT_LIST_HEAD(&f->pmm[i]->unmapped);
		f->r[i] = pshare_range_alloc(PSHARE_TEST_START + i * SZ_1M,
					     4 * PAGE_SIZE, 0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(f->r[i]));
		f->r[i]->pmm = f->pmm[i];
		KUNIT_ASSERT_EQ(test, pshare_item_reserve(f->r[i], 0), 0);
		f->item[i] = pshare_item_alloc();
		KUNIT_ASSERT_NOT_NULL(test, f->item[i]);
		f->item[i]->range = f->r[i];
		f->item[i]->address = f->r[i]->start;
		f->item[i]->anon_vma = f->anon_vma;
	}
	f->node = pshare_node_alloc();
	KUNIT_ASSERT_NOT_NULL(test, f->node);
}

/*
 * Note the host's counts, then map @f's node in every address space in
 * turn, as merges do. Context: pshare_engine_lock held, as for merges (it
 * also keeps pshared's merges off the counts).
 */
static void pshare_merge_link_all(struct pshare_merge_fixture *f)
{
	int i;

	lockdep_assert_held(&pshare_engine_lock);
	f->shared = atomic_long_read(&pshare_stats.pages_shared);
	f->items = atomic_long_read(&pshare_stats.rmap_items);
	for (i = 0; i < NMAP; i++)
		pshare_item_link(f->node, f->item[i], f->r[i], 0);
}

static void pshare_merge_teardown(struct pshare_merge_fixture *f)
{
	int i;

	for (i = 0; i < NMAP; i++)
		pshare_range_free(f->r[i]);
}

/* Take @i's mapping off the node, as pshare_remove_item() does. */
static void pshare_merge_unlink(struct pshare_merge_fixture *f, int i)
{
	hlist_del(&f->item[i]->hlist);
	pshare_item_unlinked(f->node, f->item[i]);
	f->item[i] = NULL;
}

/*
 * One merged page is charged to one address space, its owner: the first
 * to map it. When the owner's mapping goes, the charge moves to a mapper
 * that stays; when the last goes, the page is no longer shared.
 */
static void pshare_merge_owner_moves(struct kunit *test)
{
	struct pshare_merge_fixture f = {};
	int i;

	pshare_merge_setup(test, &f);
	mutex_lock(&pshare_engine_lock);
	pshare_merge_link_all(&f);
	KUNIT_EXPECT_PTR_EQ(test, f.node->owner, f.pmm[0]);
	KUNIT_EXPECT_EQ(test, f.node->rmap_hlist_len, NMAP);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_shared),
			f.shared + 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.rmap_items),
			f.items + NMAP);
	for (i = 0; i < NMAP; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pshare_item_get(f.r[i], 0), f.item[i]);
		KUNIT_EXPECT_EQ(test, f.pmm[i]->items, 1UL);
		KUNIT_EXPECT_EQ(test, f.pmm[i]->owned, i ? 0UL : 1UL);
	}

	/* The owner goes: the newest mapper (the hlist's first) is charged. */
	pshare_merge_unlink(&f, 0);
	KUNIT_EXPECT_PTR_EQ(test, f.node->owner, f.pmm[NMAP - 1]);
	KUNIT_EXPECT_EQ(test, f.pmm[0]->owned, 0UL);
	KUNIT_EXPECT_EQ(test, f.pmm[0]->items, 0UL);
	KUNIT_EXPECT_EQ(test, f.pmm[NMAP - 1]->owned, 1UL);
	KUNIT_EXPECT_PTR_EQ(test, pshare_item_get(f.r[0], 0), NULL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_shared),
			f.shared + 1);

	/* A mapper that is not the owner goes: the charge stays. */
	pshare_merge_unlink(&f, 1);
	KUNIT_EXPECT_PTR_EQ(test, f.node->owner, f.pmm[NMAP - 1]);
	KUNIT_EXPECT_EQ(test, f.pmm[1]->owned, 0UL);

	/* The last goes: nothing is shared, nobody is charged. */
	pshare_merge_unlink(&f, 2);
	KUNIT_EXPECT_PTR_EQ(test, f.node->owner, NULL);
	KUNIT_EXPECT_EQ(test, f.node->rmap_hlist_len, 0);
	KUNIT_EXPECT_EQ(test, f.pmm[NMAP - 1]->owned, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_shared),
			f.shared);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.rmap_items),
			f.items);

	/* A node whose page is not its KSM page is stale: it goes. */
	f.node->kpfn = page_to_pfn(ZERO_PAGE(0));
	KUNIT_EXPECT_PTR_EQ(test, pshare_node_page(f.node, false), NULL);
	mutex_unlock(&pshare_engine_lock);
	pshare_merge_teardown(&f);
}

/*
 * pshare_node_page() returns the node's page, referenced (and locked if
 * asked), while the page points back at the node; once it does not (the
 * kernel freed the page), the node is stale: it and every mapping on it
 * go, with their counts.
 */
static void pshare_merge_stale_node(struct kunit *test)
{
	struct pshare_merge_fixture f = {};
	struct page *page = alloc_page(GFP_KERNEL);
	struct page *got;
	int i, refs;

	KUNIT_ASSERT_NOT_NULL(test, page);
	pshare_merge_setup(test, &f);
	mutex_lock(&pshare_engine_lock);
	pshare_merge_link_all(&f);
	f.node->kpfn = page_to_pfn(page);
	refs = page_ref_count(page);

	/* Live: the page points at the node. */
	WRITE_ONCE(page->mapping, pshare_node_mapping(f.node));
	got = pshare_node_page(f.node, true);
	KUNIT_EXPECT_PTR_EQ(test, got, page);
	if (got) {
		KUNIT_EXPECT_EQ(test, page_ref_count(page), refs + 1);
		KUNIT_EXPECT_TRUE(test, PageLocked(page));
		unlock_page(got);
		put_page(got);
	}
	KUNIT_EXPECT_EQ(test, f.node->rmap_hlist_len, NMAP);

	/* Stale: the mapping was cleared, as when the kernel frees it. */
	WRITE_ONCE(page->mapping, NULL);
	KUNIT_EXPECT_PTR_EQ(test, pshare_node_page(f.node, true), NULL);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), refs);
	KUNIT_EXPECT_FALSE(test, PageLocked(page));
	for (i = 0; i < NMAP; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pshare_item_get(f.r[i], 0), NULL);
		KUNIT_EXPECT_EQ(test, f.pmm[i]->items, 0UL);
		KUNIT_EXPECT_EQ(test, f.pmm[i]->owned, 0UL);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_shared),
			f.shared);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.rmap_items),
			f.items);
	mutex_unlock(&pshare_engine_lock);
	pshare_merge_teardown(&f);
	__free_page(page);
}

static struct kunit_case pshare_merge_cases[] = {
	KUNIT_CASE(pshare_merge_owner_moves),
	KUNIT_CASE(pshare_merge_stale_node),
	{}
};

static struct kunit_suite pshare_merge_suite = {
	.name = "pshare_merge",
	.test_cases = pshare_merge_cases,
};

kunit_test_suite(pshare_merge_suite);
