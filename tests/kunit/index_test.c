// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare KUnit: pshare_index. With an injected weak hash, so that pages of
 * different content share a key: the stable table returns every candidate
 * under a key, within its domain only, and the byte compare, which gates
 * every merge, tells the contents apart.
 */
#include <kunit/test.h>
#include <linux/hash.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include "index.h"
#include "kabi.h"
#include "ops.h"
#include "store.h"

#define PSHARE_TEST_START	0x7e0000000000UL

/* The injected weak hash: only the first byte of the page counts. */
static u64 weak_hash(struct page *page)
{
	u8 *p = kmap_local_page(page);
	u64 h = p[0];

	kunmap_local(p);
	return h;
}

static struct page *page_with(struct kunit *test, u8 first, u8 rest)
{
	struct page *page = alloc_page(GFP_KERNEL);
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, page);
	p = kmap_local_page(page);
	memset(p, rest, PAGE_SIZE);
	p[0] = first;
	kunmap_local(p);
	return page;
}

static void pshare_index_collisions_never_match(struct kunit *test)
{
	struct pshare_stable_node a = { .domain = 1 }, b = { .domain = 1 },
				  c = { .domain = 2 }, d = { .domain = 1 };
	struct page *pa = page_with(test, 7, 0xaa);
	struct page *pb = page_with(test, 7, 0xbb);	/* same weak hash */
	struct page *pc = page_with(test, 7, 0xaa);	/* same content as pa */
	struct pshare_stable_node *n;
	int found = 0, identical = 0;

	a.hash = weak_hash(pa);
	b.hash = weak_hash(pb);
	c.hash = weak_hash(pc);
	KUNIT_ASSERT_EQ(test, a.hash, b.hash);
	/* The samples collide too; d shares a's sample, not its hash. */
	a.sample = 0x5a;
	b.sample = 0x5a;
	c.sample = 0x5a;
	d.sample = 0x5a;
	d.hash = a.hash + 1;

	mutex_lock(&pshare_engine_lock);
	pshare_index_stable_insert(&d);
	pshare_index_stable_insert(&a);
	pshare_index_stable_insert(&b);
	pshare_index_stable_insert(&c);
	KUNIT_EXPECT_TRUE(test, pshare_index_stable_has(1, 0x5a));
	KUNIT_EXPECT_FALSE(test, pshare_index_stable_has(1, 0x5b));
	KUNIT_EXPECT_FALSE(test, pshare_index_stable_has(3, 0x5a));

	/* Both nodes under the colliding key, not d, not domain 2's. */
	for (n = pshare_index_stable_first(1, 0x5a, a.hash); n;
	     n = pshare_index_stable_next(n)) {
		struct page *candidate = n == &a ? pa : pb;

		KUNIT_EXPECT_TRUE(test, n == &a || n == &b);
		found++;
		/* A merge of pc needs identical bytes: only a qualifies. */
		if (pshare_ops_pages_identical(pc, candidate)) {
			identical++;
			KUNIT_EXPECT_PTR_EQ(test, n, &a);
		}
	}
	KUNIT_EXPECT_EQ(test, found, 2);
	KUNIT_EXPECT_EQ(test, identical, 1);
	KUNIT_EXPECT_PTR_EQ(test, pshare_index_stable_first(2, 0x5a, c.hash),
			    &c);
	KUNIT_EXPECT_NULL(test, pshare_index_stable_next(&c));
	KUNIT_EXPECT_NULL(test, pshare_index_stable_first(3, 0x5a, a.hash));
	KUNIT_EXPECT_PTR_EQ(test, pshare_index_stable_first(1, 0x5a, d.hash),
			    &d);
	KUNIT_EXPECT_NULL(test, pshare_index_stable_next(&d));

	pshare_index_stable_erase(&a);
	pshare_index_stable_erase(&b);
	pshare_index_stable_erase(&c);
	KUNIT_EXPECT_NULL(test, pshare_index_stable_first(1, 0x5a, a.hash));
	KUNIT_EXPECT_TRUE(test, pshare_index_stable_has(1, 0x5a));
	pshare_index_stable_erase(&d);
	KUNIT_EXPECT_FALSE(test, pshare_index_stable_has(1, 0x5a));
	mutex_unlock(&pshare_engine_lock);

	__free_page(pa);
	__free_page(pb);
	__free_page(pc);
}

/*
 * pshare_index_stable_sample(): the first node of a sample, and whether it
 * is the only one, which pshare_merge_stable() then tries unhashed.
 */
static void pshare_index_stable_alone(struct kunit *test)
{
	struct pshare_stable_node a = { .domain = 6, .sample = 0x77, .hash = 1 };
	struct pshare_stable_node b = { .domain = 6, .sample = 0x77, .hash = 2 };
	struct pshare_stable_node c = { .domain = 7, .sample = 0x77, .hash = 1 };
	bool alone = false;

	mutex_lock(&pshare_engine_lock);
	KUNIT_EXPECT_NULL(test, pshare_index_stable_sample(6, 0x77, &alone));
	KUNIT_EXPECT_FALSE(test, alone);
	pshare_index_stable_insert(&a);
	pshare_index_stable_insert(&c);
	KUNIT_EXPECT_PTR_EQ(test, pshare_index_stable_sample(6, 0x77, &alone),
			    &a);
	KUNIT_EXPECT_TRUE(test, alone);
	pshare_index_stable_insert(&b);
	KUNIT_EXPECT_PTR_EQ(test, pshare_index_stable_sample(6, 0x77, &alone),
			    &a);
	KUNIT_EXPECT_FALSE(test, alone);
	pshare_index_stable_erase(&a);
	KUNIT_EXPECT_PTR_EQ(test, pshare_index_stable_sample(6, 0x77, &alone),
			    &b);
	KUNIT_EXPECT_TRUE(test, alone);
	KUNIT_EXPECT_PTR_EQ(test, pshare_index_stable_sample(7, 0x77, &alone),
			    &c);
	KUNIT_EXPECT_TRUE(test, alone);
	pshare_index_stable_erase(&b);
	pshare_index_stable_erase(&c);
	mutex_unlock(&pshare_engine_lock);
}

/*
 * Enough merged pages to double the stable table twice: each still found
 * under its key, the two of a key in the order they came in, and the walk
 * of the whole table meets each node once.
 */
static void pshare_index_stable_grows(struct kunit *test)
{
	const unsigned int n = 1200;
	struct pshare_stable_node *nodes, *s;
	unsigned int i, seen = 0;

	nodes = kunit_kcalloc(test, n, sizeof(*nodes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nodes);
	mutex_lock(&pshare_engine_lock);
	for (i = 0; i < n; i++) {
		nodes[i].domain = 3 + i % 2;
		nodes[i].sample = hash_64(i / 4, 64);
		nodes[i].hash = i / 4;
		pshare_index_stable_insert(&nodes[i]);
	}
	for (i = 0; i < n; i += 4) {
		s = pshare_index_stable_first(3, nodes[i].sample, i / 4);
		KUNIT_EXPECT_PTR_EQ(test, s, &nodes[i]);
		s = s ? pshare_index_stable_next(s) : NULL;
		KUNIT_EXPECT_PTR_EQ(test, s, &nodes[i + 2]);
		KUNIT_EXPECT_NULL(test, s ? pshare_index_stable_next(s) : s);
		KUNIT_EXPECT_PTR_EQ(test,
				    pshare_index_stable_first(4, nodes[i].sample,
							      i / 4),
				    &nodes[i + 1]);
		KUNIT_EXPECT_NULL(test,
				  pshare_index_stable_first(5, nodes[i].sample,
							    i / 4));
	}
	/* Nodes of merges outside this test may be there too. */
	for (s = pshare_index_stable_after(NULL); s;
	     s = pshare_index_stable_after(s)) {
		if (s < nodes || s >= nodes + n)
			continue;
		KUNIT_EXPECT_EQ(test, s->kpfn, 0UL);
		s->kpfn++;
		seen++;
	}
	KUNIT_EXPECT_EQ(test, seen, n);
	for (i = 0; i < n; i++)
		pshare_index_stable_erase(&nodes[i]);
	KUNIT_EXPECT_FALSE(test, pshare_index_stable_has(3, nodes[0].sample));
	mutex_unlock(&pshare_engine_lock);
}

static void pshare_index_compare_sees_one_byte(struct kunit *test)
{
	struct page *p1 = page_with(test, 0, 0x5a);
	struct page *p2 = page_with(test, 0, 0x5a);
	u8 *q;

	KUNIT_EXPECT_TRUE(test, pshare_ops_pages_identical(p1, p2));
	q = kmap_local_page(p2);
	q[PAGE_SIZE - 1] ^= 1;		/* the very last byte differs */
	kunmap_local(q);
	KUNIT_EXPECT_EQ(test, weak_hash(p1), weak_hash(p2));
	KUNIT_EXPECT_FALSE(test, pshare_ops_pages_identical(p1, p2));
	__free_page(p1);
	__free_page(p2);
}

/*
 * Hints spread over the whole table: with one slot per page, most of a
 * table's worth of pages with different hashes can be found again. (A
 * window start that ignored the hash's high bits once put every hint in
 * the first 16 slots.)
 */
static void pshare_index_hints_spread(struct kunit *test)
{
	const unsigned long n = 4096;
	unsigned long i, idx, found = 0;
	unsigned int pos;
	u32 id;

	mutex_lock(&pshare_engine_lock);
	KUNIT_ASSERT_EQ(test, pshare_index_resize(n), 0);
	pshare_index_hint_clear();
	/* Id 65535 names no registration here: the hints are never live. */
	for (i = 0; i < n; i++)
		pshare_index_hint_insert(5, hash_64(i, 64) * GOLDEN_RATIO_64 + i,
					 false, 0xffff, i);
	for (i = 0; i < n; i++) {
		u64 hash = hash_64(i, 64) * GOLDEN_RATIO_64 + i;

		pos = 0;
		while (pshare_index_hint_find(5, hash, false, 0, 0, &pos, &id,
					      &idx)) {
			if (idx == i) {
				found++;
				break;
			}
		}
	}
	/* KUnit runs at load, with nothing registered: drop the table. */
	pshare_index_resize(0);
	mutex_unlock(&pshare_engine_lock);
	KUNIT_EXPECT_GE(test, found, n / 2);
}

/* Is (@id, @idx) among the hints of (@domain, @hash, @full)? */
static bool hinted_as(u64 domain, u64 hash, bool full, u32 id,
		      unsigned long idx)
{
	unsigned long got;
	unsigned int pos = 0;
	u32 gid;

	while (pshare_index_hint_find(domain, hash, full, 0xfffe, 0, &pos,
				      &gid, &got))
		if (gid == id && got == idx)
			return true;
	return false;
}

static bool hinted(u64 domain, u64 hash, u32 id, unsigned long idx)
{
	return hinted_as(domain, hash, false, id, idx);
}

/*
 * A key's buckets full of live hints, as a content with many copies in
 * huge pages fills them: an offer (a copy with a twin already) takes no
 * live slot, and inserts, which must, take different slots for different
 * pages. (Once every insert took the first slot: two small twins whose
 * content shared its first bucket with another's, visited in turn, kept
 * pushing each other out and never merged.)
 */
static void pshare_index_full_buckets(struct kunit *test)
{
	const u64 dom = 7, hash = 0x0123456789abcdefULL;
	struct pshare_order saved;
	struct pshare_range *r;
	struct pshare_mm *pmm;
	unsigned long i;

	pmm = kunit_kzalloc(test, sizeof(*pmm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pmm);
	INIT_LIST_HEAD(&pmm->ranges);
	INIT_LIST_HEAD(&pmm->unmapped);
	r = pshare_range_alloc(PSHARE_TEST_START, 32 * PAGE_SIZE, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	mutex_lock(&pshare_engine_lock);
	/* In the table by id, where hints name it; pshared never sees pmm. */
	saved = pshare_order;
	KUNIT_ASSERT_EQ(test, pshare_store_insert(pmm, r, NULL), 0);
	KUNIT_ASSERT_EQ(test, pshare_index_resize(32), 0);
	pshare_index_hint_clear();
	/* Live hints: their pages are unshared (the counters are not used). */
	for (i = 0; i < 32; i++)
		r->meta[i] = PSHARE_PM_UNSHARED;
	for (i = 0; i < 16; i++)
		pshare_index_hint_insert(dom, hash, false, r->id, i);
	KUNIT_EXPECT_FALSE(test,
			   pshare_index_hint_offer(dom, hash, false, r->id, 16));
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_TRUE(test, hinted(dom, hash, r->id, i));
	KUNIT_EXPECT_FALSE(test, hinted(dom, hash, r->id, 16));

	pshare_index_hint_insert(dom, hash, false, r->id, 17);
	pshare_index_hint_insert(dom, hash, false, r->id, 18);
	KUNIT_EXPECT_TRUE(test, hinted(dom, hash, r->id, 17));
	KUNIT_EXPECT_TRUE(test, hinted(dom, hash, r->id, 18));

	/* A stale hint's slot is free for an offer. */
	for (i = 0; i < 16; i++)
		if (hinted(dom, hash, r->id, i))
			break;
	r->meta[i] = PSHARE_PM_NONE;
	KUNIT_EXPECT_TRUE(test,
			  pshare_index_hint_offer(dom, hash, false, r->id, 16));
	KUNIT_EXPECT_TRUE(test, hinted(dom, hash, r->id, 16));

	/*
	 * Keys by full hash live apart from keys by sample: a page keyed by
	 * its full hash is found only so, and its hint lives only while the
	 * page is keyed so.
	 */
	r->meta[20] = PSHARE_PM_UNSHARED | PSHARE_PM_FULLKEY;
	pshare_index_hint_insert(dom, hash, true, r->id, 20);
	KUNIT_EXPECT_TRUE(test, hinted_as(dom, hash, true, r->id, 20));
	KUNIT_EXPECT_FALSE(test, hinted(dom, hash, r->id, 20));
	KUNIT_EXPECT_FALSE(test, hinted_as(dom, hash, true, r->id, 16));

	memset(r->meta, 0, 32 * sizeof(*r->meta));
	pshare_index_resize(0);
	pshare_store_remove(r);
	pshare_order = saved;
	mutex_unlock(&pshare_engine_lock);
	pshare_range_free(r);
}

static struct kunit_case pshare_index_cases[] = {
	KUNIT_CASE(pshare_index_hints_spread),
	KUNIT_CASE(pshare_index_full_buckets),
	KUNIT_CASE(pshare_index_collisions_never_match),
	KUNIT_CASE(pshare_index_stable_grows),
	KUNIT_CASE(pshare_index_stable_alone),
	KUNIT_CASE(pshare_index_compare_sees_one_byte),
	{}
};

static struct kunit_suite pshare_index_suite = {
	.name = "pshare_index",
	.test_cases = pshare_index_cases,
};

kunit_test_suite(pshare_index_suite);
