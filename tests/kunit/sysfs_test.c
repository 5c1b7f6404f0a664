// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_sysfs, parsing and bounds of tunable writes. */
#include <kunit/test.h>
#include "iface.h"
#include "pshare.h"

static void pshare_parse_accepts_in_range(struct kunit *test)
{
	unsigned long v = 12345;

	KUNIT_EXPECT_EQ(test, pshare_parse_ulong("0", 0, 10, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0UL);
	KUNIT_EXPECT_EQ(test, pshare_parse_ulong("10\n", 0, 10, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 10UL);
	KUNIT_EXPECT_EQ(test, pshare_parse_ulong("1048576", 1, 1 << 20, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 1UL << 20);
}

static void pshare_parse_rejects_out_of_range(struct kunit *test)
{
	unsigned long v = 7;

	KUNIT_EXPECT_EQ(test, pshare_parse_ulong("11", 0, 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_parse_ulong("0", 1, 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_parse_ulong("1048577", 1, 1 << 20, &v),
			-EINVAL);
	/* A failed parse leaves the old value alone. */
	KUNIT_EXPECT_EQ(test, v, 7UL);
}

static void pshare_parse_rejects_junk(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "abc", "-1", "1.5", " 5", "5 ", "5\n\n", "0x10",
		"99999999999999999999999999",
	};
	unsigned long v = 7;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    pshare_parse_ulong(bad[i], 0, ULONG_MAX, &v),
				    -EINVAL, "input \"%s\"", bad[i]);
	}
	KUNIT_EXPECT_EQ(test, v, 7UL);
}

static void pshare_thresholds_parse(struct kunit *test)
{
	static const char * const bad[] = {
		"", "6 4 2", "6 4 2 1 0", "6 4 4 1", "1 2 3 4", "100 4 2 1",
		"6 4 2 -1", "6 4 2 x", "4294967302 4 2 1", "6,4,2,1",
	};
	u32 t = 0x12345678;
	int i;

	KUNIT_EXPECT_EQ(test, pshare_parse_thresholds("6 4 2 1\n", &t), 0);
	KUNIT_EXPECT_EQ(test, t, PSHARE_MEM_THRESHOLDS_DEFAULT);
	KUNIT_EXPECT_EQ(test, pshare_parse_thresholds(" 99  50 1 0 ", &t), 0);
	KUNIT_EXPECT_EQ(test, pshare_mem_threshold(t, PSHARE_MEM_HIGH), 99U);
	KUNIT_EXPECT_EQ(test, pshare_mem_threshold(t, PSHARE_MEM_SOFT), 50U);
	KUNIT_EXPECT_EQ(test, pshare_mem_threshold(t, PSHARE_MEM_HARD), 1U);
	KUNIT_EXPECT_EQ(test, pshare_mem_threshold(t, PSHARE_MEM_LOW), 0U);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, pshare_parse_thresholds(bad[i], &t),
				    -EINVAL, "input \"%s\"", bad[i]);
	/* A failed parse leaves the old value alone. */
	KUNIT_EXPECT_EQ(test, pshare_mem_threshold(t, PSHARE_MEM_HIGH), 99U);
}

static struct kunit_case pshare_sysfs_cases[] = {
	KUNIT_CASE(pshare_parse_accepts_in_range),
	KUNIT_CASE(pshare_parse_rejects_out_of_range),
	KUNIT_CASE(pshare_parse_rejects_junk),
	KUNIT_CASE(pshare_thresholds_parse),
	{}
};

static struct kunit_suite pshare_sysfs_suite = {
	.name = "pshare_sysfs",
	.test_cases = pshare_sysfs_cases,
};

kunit_test_suite(pshare_sysfs_suite);
