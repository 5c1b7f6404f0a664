// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare KUnit: the store, tested alone. It calls nothing above it, so a
 * registration on an address space pshare never registered (a bare
 * struct pshare_mm, no mmu notifier) exercises it without a process.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include "kabi.h"
#include "store.h"

#define PSHARE_TEST_START	0x7f0000000000UL

/* A bare address space: the store reads only its lists and counters. */
static struct pshare_mm *pshare_test_pmm(struct kunit *test)
{
	struct pshare_mm *pmm = kunit_kzalloc(test, sizeof(*pmm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pmm);
	INIT_LIST_HEAD(&pmm->ranges);
	INIT_LIST_HEAD(&pmm->unmapped);
	return pmm;
}

/*
 * Classes and verdicts move the host's and the process's counters with
 * them, and a change of class drops age and skips.
 */
static void pshare_store_meta_counters(struct kunit *test)
{
	struct pshare_mm *pmm = pshare_test_pmm(test);
	long unshared, volatil, zero, est;
	struct pshare_range *r;
	int i;

	r = pshare_range_alloc(PSHARE_TEST_START, 8 * PAGE_SIZE, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	r->pmm = pmm;

	mutex_lock(&pshare_engine_lock);
	unshared = atomic_long_read(&pshare_stats.pages_unshared);
	volatil = atomic_long_read(&pshare_stats.pages_volatile);
	zero = atomic_long_read(&pshare_stats.zero_pages_sharing);
	est = atomic_long_read(&pshare_stats.estimate_pages);

	pshare_meta_set_class(r, 0, PSHARE_PM_UNSHARED);
	pshare_meta_set_class(r, 1, PSHARE_PM_UNSHARED);
	r->meta[1] |= 3 << PSHARE_PM_AGE_SHIFT | 2 << PSHARE_PM_SKIP_SHIFT;
	pshare_meta_set_class(r, 2, PSHARE_PM_ZERO);
	pshare_meta_set_class(r, 3, PSHARE_PM_VOLATILE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_unshared),
			unshared + 2);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.zero_pages_sharing),
			zero + 1);
	KUNIT_EXPECT_EQ(test, pmm->zero, 1UL);

	/* Unshared to volatile: one counter down, one up, age gone. */
	pshare_meta_set_class(r, 1, PSHARE_PM_VOLATILE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_unshared),
			unshared + 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_volatile),
			volatil + 2);
	KUNIT_EXPECT_EQ(test, r->meta[1] & (PSHARE_PM_AGE | PSHARE_PM_SKIP), 0U);
	KUNIT_EXPECT_EQ(test, r->meta[1] & PSHARE_PM_CLASS, PSHARE_PM_VOLATILE);

	pshare_meta_set_est(r, 4, PSHARE_PM_EST_DUP);
	pshare_meta_set_est(r, 4, PSHARE_PM_EST_DUP);	/* no change */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.estimate_pages),
			est + 1);
	KUNIT_EXPECT_EQ(test, pmm->est_dup, 1UL);
	pshare_meta_set_est(r, 4, PSHARE_PM_EST_ZERO);
	KUNIT_EXPECT_EQ(test, pmm->est_dup, 0UL);
	KUNIT_EXPECT_EQ(test, pmm->est_zero, 1UL);

	/* Back to none: every counter where it started. */
	for (i = 0; i < 8; i++) {
		pshare_meta_set_class(r, i, PSHARE_PM_NONE);
		pshare_meta_set_est(r, i, 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_unshared),
			unshared);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.pages_volatile),
			volatil);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.zero_pages_sharing),
			zero);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.estimate_pages),
			est);
	KUNIT_EXPECT_EQ(test, pmm->zero + pmm->est_dup + pmm->est_zero, 0UL);
	mutex_unlock(&pshare_engine_lock);
	pshare_range_free(r);
}

/*
 * Item chunks: made on first use, one page of pointers each, found again
 * across chunk boundaries, and counted in metadata_bytes until freed.
 */
static void pshare_store_item_chunks(struct kunit *test)
{
	const unsigned long per_chunk = PAGE_SIZE / sizeof(void *);
	unsigned long npages = 3 * per_chunk + 5, idx;
	struct pshare_rmap_item a, b;
	long bytes = atomic_long_read(&pshare_stats.metadata_bytes);
	struct pshare_range *r;

	r = pshare_range_alloc(PSHARE_TEST_START, npages * PAGE_SIZE, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_GT(test, atomic_long_read(&pshare_stats.metadata_bytes),
			bytes);

	idx = 0;
	KUNIT_EXPECT_NULL(test, pshare_item_next(r, &idx));
	KUNIT_EXPECT_NULL(test, pshare_item_get(r, per_chunk + 1));

	KUNIT_ASSERT_EQ(test, pshare_item_reserve(r, per_chunk + 1), 0);
	pshare_item_set(r, per_chunk + 1, &a);
	KUNIT_ASSERT_EQ(test, pshare_item_reserve(r, npages - 1), 0);
	pshare_item_set(r, npages - 1, &b);
	KUNIT_EXPECT_PTR_EQ(test, pshare_item_get(r, per_chunk + 1), &a);
	KUNIT_EXPECT_NULL(test, pshare_item_get(r, per_chunk));

	/* The walk skips chunks never made and finds both, in order. */
	idx = 0;
	KUNIT_EXPECT_PTR_EQ(test, pshare_item_next(r, &idx), &a);
	KUNIT_EXPECT_EQ(test, idx, per_chunk + 1);
	idx++;
	KUNIT_EXPECT_PTR_EQ(test, pshare_item_next(r, &idx), &b);
	KUNIT_EXPECT_EQ(test, idx, npages - 1);
	idx++;
	KUNIT_EXPECT_NULL(test, pshare_item_next(r, &idx));

	pshare_item_set(r, per_chunk + 1, NULL);
	pshare_item_set(r, npages - 1, NULL);
	pshare_range_free(r);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pshare_stats.metadata_bytes),
			bytes);
}

/*
 * Insert and remove: ids are the lowest free, the scan order counts the
 * registrations and their debt to the epoch, the cursor moves off a
 * registration that goes, and every count returns to where it was.
 */
static void pshare_store_insert_remove(struct kunit *test)
{
	struct pshare_mm *pmm = pshare_test_pmm(test);
	struct pshare_order saved;
	struct pshare_range *r[3];
	unsigned long registered;
	int i;

	for (i = 0; i < 3; i++) {
		r[i] = pshare_range_alloc(PSHARE_TEST_START + i * SZ_1M,
					  4 * PAGE_SIZE, 0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(r[i]));
	}

	/* pshared must not see the order while it is borrowed. */
	mutex_lock(&pshare_engine_lock);
	saved = pshare_order;
	registered = pshare_store_registered();
	KUNIT_EXPECT_EQ(test, pshare_store_insert(pmm, r[0], NULL), 0);
	KUNIT_EXPECT_EQ(test, pshare_store_insert(pmm, r[2], NULL), 0);
	/* Sorted: r[1] goes before r[2]. */
	KUNIT_EXPECT_EQ(test, pshare_store_insert(pmm, r[1], r[2]), 0);
	KUNIT_EXPECT_PTR_EQ(test, list_next_entry(r[0], link), r[1]);
	KUNIT_EXPECT_PTR_EQ(test, list_next_entry(r[1], link), r[2]);
	KUNIT_EXPECT_EQ(test, pshare_order.nr_ranges, saved.nr_ranges + 3);
	KUNIT_EXPECT_EQ(test, pshare_order.epoch_pending,
			saved.epoch_pending + 3);
	KUNIT_EXPECT_EQ(test, pshare_store_registered(), registered + 12);
	KUNIT_EXPECT_EQ(test, pmm->registered, 12UL);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pshare_range_by_id(r[i]->id), r[i]);
		KUNIT_EXPECT_TRUE(test, r[i]->fast);
		KUNIT_EXPECT_EQ(test, r[i]->epoch_left, 4UL);
	}

	/* The cursor on r[1] moves to r[2]; on the last one, to none. */
	pshare_order.range = r[1];
	pshare_store_remove(r[1]);
	KUNIT_EXPECT_PTR_EQ(test, pshare_order.range, r[2]);
	KUNIT_EXPECT_NULL(test, pshare_range_by_id(r[1]->id));
	pshare_store_remove(r[2]);
	KUNIT_EXPECT_NULL(test, pshare_order.range);

	/* The lowest free id is used again: r[0] took the lowest of all. */
	KUNIT_EXPECT_EQ(test, pshare_store_insert(pmm, r[1], NULL), 0);
	KUNIT_EXPECT_EQ(test, r[1]->id, r[0]->id + 1);
	pshare_store_remove(r[1]);
	pshare_store_remove(r[0]);

	KUNIT_EXPECT_TRUE(test, list_empty(&pmm->ranges));
	KUNIT_EXPECT_EQ(test, pmm->registered, 0UL);
	KUNIT_EXPECT_EQ(test, pshare_store_registered(), registered);
	KUNIT_EXPECT_EQ(test, pshare_order.nr_ranges, saved.nr_ranges);
	KUNIT_EXPECT_EQ(test, pshare_order.epoch_pending, saved.epoch_pending);
	pshare_order = saved;
	mutex_unlock(&pshare_engine_lock);
	for (i = 0; i < 3; i++)
		pshare_range_free(r[i]);
}

/* The limit on registered memory: four times RAM. */
static void pshare_store_limit(struct kunit *test)
{
	struct pshare_range *r;

	r = pshare_range_alloc(PSHARE_TEST_START,
			       (4 * totalram_pages() + 1) << PAGE_SHIFT, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, r, ERR_PTR(-ENOSPC));
}

/* The address-space sets of the hooks. */
static void pshare_store_filter(struct kunit *test)
{
	struct mm_struct *mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mm);
	pshare_filter_add(mm);
	KUNIT_EXPECT_TRUE(test, pshare_filter_test(mm));
	KUNIT_EXPECT_EQ(test, pshare_filter_any_add(mm), 0);
	KUNIT_EXPECT_EQ(test, pshare_filter_any_add(mm), 1);
	pshare_filter_any_forget(mm);
	KUNIT_EXPECT_EQ(test, pshare_filter_any_add(mm), 0);
	/* Ending the registrations forgets whole-process merging too. */
	pshare_filter_del(mm);
	KUNIT_EXPECT_EQ(test, pshare_filter_any_add(mm), 0);
	pshare_filter_any_forget(mm);
}

static struct kunit_case pshare_store_cases[] = {
	KUNIT_CASE(pshare_store_meta_counters),
	KUNIT_CASE(pshare_store_item_chunks),
	KUNIT_CASE(pshare_store_insert_remove),
	KUNIT_CASE(pshare_store_limit),
	KUNIT_CASE(pshare_store_filter),
	{}
};

static struct kunit_suite pshare_store_suite = {
	.name = "pshare_store",
	.test_cases = pshare_store_cases,
};

kunit_test_suite(pshare_store_suite);
