// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_register, user ranges and per-page bookkeeping. */
#include <kunit/test.h>
#include <linux/mm.h>
#include "register.h"

static void pshare_range_accepts_valid(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pshare_check_range(PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, pshare_check_range(0x7f0000000000UL,
						 64 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, pshare_check_range(TASK_SIZE - PAGE_SIZE,
						 PAGE_SIZE), 0);
}

static void pshare_range_rejects_bad(struct kunit *test)
{
	/* unaligned start, unaligned or empty length */
	KUNIT_EXPECT_EQ(test, pshare_check_range(PAGE_SIZE + 1, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_range(PAGE_SIZE, 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_range(PAGE_SIZE, 0), -EINVAL);
	/* wrapping, or reaching past user space */
	KUNIT_EXPECT_EQ(test, pshare_check_range(ULONG_MAX & PAGE_MASK,
						 2 * PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_range(TASK_SIZE - PAGE_SIZE,
						 2 * PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_range(TASK_SIZE, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_range(PAGE_SIZE,
						 ULONG_MAX & PAGE_MASK), -EINVAL);
}

/* A page's index in a registration and its address, both ways. */
static void pshare_range_page_addr_idx(struct kunit *test)
{
	static const unsigned long idx[] = { 0, 1, 511, 512, 1UL << 20 };
	struct pshare_range r = { .start = 0x7f0000000000UL };
	int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		unsigned long addr = r.start + idx[i] * PAGE_SIZE;

		KUNIT_EXPECT_EQ(test, pshare_page_addr(&r, idx[i]), addr);
		KUNIT_EXPECT_EQ(test, pshare_page_idx(&r, addr), idx[i]);
		/* Any address inside the page gives its index. */
		KUNIT_EXPECT_EQ(test, pshare_page_idx(&r, addr + PAGE_SIZE - 1),
				idx[i]);
	}
}

/*
 * The per-page metadata word: class, flags, age, skips and hash bits do not
 * overlap, and the hash bits are the low half's top 19 bits.
 */
static void pshare_range_meta_word(struct kunit *test)
{
	static const u32 parts[] = {
		PSHARE_PM_CLASS, PSHARE_PM_SEEN, PSHARE_PM_GONE,
		PSHARE_PM_EST_DUP, PSHARE_PM_EST_ZERO, PSHARE_PM_AGE,
		PSHARE_PM_SKIP, PSHARE_PM_FULLKEY,
	};
	u32 all = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		KUNIT_EXPECT_EQ(test, all & parts[i], 0U);
		all |= parts[i];
	}
	KUNIT_EXPECT_EQ(test, all, PSHARE_PM_FLAGS);
	KUNIT_EXPECT_EQ(test, PSHARE_PM_EST,
			PSHARE_PM_EST_DUP | PSHARE_PM_EST_ZERO);
	KUNIT_EXPECT_EQ(test, PSHARE_PM_CSUM(0x123456789abcdef0ULL),
			0x9abcc000U);
	KUNIT_EXPECT_EQ(test, PSHARE_PM_CSUM(U64_MAX), 0xffffe000U);
	KUNIT_EXPECT_EQ(test, PSHARE_PM_CSUM(0x1fffULL), 0U);
	KUNIT_EXPECT_EQ(test, PSHARE_PM_AGE >> PSHARE_PM_AGE_SHIFT, 7U);
	KUNIT_EXPECT_EQ(test, PSHARE_PM_SKIP >> PSHARE_PM_SKIP_SHIFT, 7U);
}

/* A registration takes part in sharing unless it or its process is off. */
static void pshare_range_active_unless_disabled(struct kunit *test)
{
	struct pshare_mm *pmm = kunit_kzalloc(test, sizeof(*pmm), GFP_KERNEL);
	struct pshare_range r = { };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pmm);
	r.pmm = pmm;
	KUNIT_EXPECT_TRUE(test, pshare_range_active(&r));
	r.disabled = true;
	KUNIT_EXPECT_FALSE(test, pshare_range_active(&r));
	pmm->disabled = true;
	KUNIT_EXPECT_FALSE(test, pshare_range_active(&r));
	r.disabled = false;
	KUNIT_EXPECT_FALSE(test, pshare_range_active(&r));
}

static struct kunit_case pshare_register_cases[] = {
	KUNIT_CASE(pshare_range_accepts_valid),
	KUNIT_CASE(pshare_range_rejects_bad),
	KUNIT_CASE(pshare_range_page_addr_idx),
	KUNIT_CASE(pshare_range_meta_word),
	KUNIT_CASE(pshare_range_active_unless_disabled),
	{}
};

static struct kunit_suite pshare_register_suite = {
	.name = "pshare_register",
	.test_cases = pshare_register_cases,
};

kunit_test_suite(pshare_register_suite);
