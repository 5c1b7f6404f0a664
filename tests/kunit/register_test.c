// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_register, validation of user ranges. */
#include <kunit/test.h>
#include <linux/mm.h>
#include "pshare.h"

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

static struct kunit_case pshare_register_cases[] = {
	KUNIT_CASE(pshare_range_accepts_valid),
	KUNIT_CASE(pshare_range_rejects_bad),
	{}
};

static struct kunit_suite pshare_register_suite = {
	.name = "pshare_register",
	.test_cases = pshare_register_cases,
};

kunit_test_suite(pshare_register_suite);
