// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_sysfs, parsing and bounds of tunable writes. */
#include <kunit/test.h>
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

static struct kunit_case pshare_sysfs_cases[] = {
	KUNIT_CASE(pshare_parse_accepts_in_range),
	KUNIT_CASE(pshare_parse_rejects_out_of_range),
	KUNIT_CASE(pshare_parse_rejects_junk),
	{}
};

static struct kunit_suite pshare_sysfs_suite = {
	.name = "pshare_sysfs",
	.test_cases = pshare_sysfs_cases,
};

kunit_test_suite(pshare_sysfs_suite);
