// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_thp, the sample that lets unchanged huge pages be skipped. */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include "ops.h"
#include "store.h"

/* A PMD-sized compound page, every byte @fill; or NULL. */
static struct page *huge_with(u8 fill)
{
	struct page *head = alloc_pages(GFP_KERNEL | __GFP_COMP | __GFP_NOWARN,
					HPAGE_PMD_ORDER);
	int i;

	for (i = 0; head && i < HPAGE_PMD_NR; i++)
		memset_page(head + i, 0, fill, PAGE_SIZE);
	return head;
}

/* Equal content, equal sample: across calls and across huge pages. */
static void pshare_thp_sample_same_content(struct kunit *test)
{
	struct page *a = huge_with(0x33), *b = huge_with(0x33);
	u64 s;

	if (a && b) {
		s = pshare_ops_thp_sample(a);
		KUNIT_EXPECT_EQ(test, pshare_ops_thp_sample(a), s);
		KUNIT_EXPECT_EQ(test, pshare_ops_thp_sample(b), s);
	}
	if (a)
		__free_pages(a, HPAGE_PMD_ORDER);
	if (b)
		__free_pages(b, HPAGE_PMD_ORDER);
	if (!a || !b)
		kunit_skip(test, "no two free 2 MiB blocks");
}

/*
 * A subpage rewritten whole changes the sample, wherever it is in the huge
 * page: the sample reads every subpage.
 */
static void pshare_thp_sample_sees_every_subpage(struct kunit *test)
{
	struct page *head = huge_with(0);
	int i, missed = 0;
	u64 base;

	if (!head)
		kunit_skip(test, "no free 2 MiB block");
	base = pshare_ops_thp_sample(head);

	for (i = 0; i < HPAGE_PMD_NR; i++) {
		memset_page(head + i, 0, 0xa5, PAGE_SIZE);
		missed += pshare_ops_thp_sample(head) == base;
		memset_page(head + i, 0, 0, PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, missed, 0);
	KUNIT_EXPECT_EQ(test, pshare_ops_thp_sample(head), base);
	__free_pages(head, HPAGE_PMD_ORDER);
}

/*
 * The sample reads 2 of a subpage's 64 cache lines: a change of one line
 * in each of the 64 places is seen 2 times in 64, not 0 (nothing read)
 * nor 64 (the whole page hashed).
 */
static void pshare_thp_sample_reads_two_lines(struct kunit *test)
{
	struct page *head = huge_with(0);
	unsigned int line, seen = 0;
	u64 base;

	if (!head)
		kunit_skip(test, "no free 2 MiB block");
	base = pshare_ops_thp_sample(head);

	for (line = 0; line < PAGE_SIZE / 64; line++) {
		memset_page(head + 7, line * 64, 0xff, 64);
		seen += pshare_ops_thp_sample(head) != base;
		memset_page(head + 7, line * 64, 0, 64);
	}
	KUNIT_EXPECT_EQ(test, seen, 2);
	__free_pages(head, HPAGE_PMD_ORDER);
}

static struct kunit_case pshare_thp_cases[] = {
	KUNIT_CASE(pshare_thp_sample_same_content),
	KUNIT_CASE(pshare_thp_sample_sees_every_subpage),
	KUNIT_CASE(pshare_thp_sample_reads_two_lines),
	{}
};

static struct kunit_suite pshare_thp_suite = {
	.name = "pshare_thp",
	.test_cases = pshare_thp_cases,
};

kunit_test_suite(pshare_thp_suite);
