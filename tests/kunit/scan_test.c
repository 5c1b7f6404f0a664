// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_scan, smart_scan's ageing and skipping of pages. */
#include <kunit/test.h>
#include "scan.h"

/*
 * Visits of one unshared page that every real visit finds unique and
 * unchanged: which of @n visits are skipped, as a string of 's' (skipped)
 * and 'v' (visited).
 */
static void pshare_visits(struct pshare_range *r, char *out, int n)
{
	u32 age;
	int i;

	for (i = 0; i < n; i++) {
		if (pshare_scan_skip(r, 0)) {
			out[i] = 's';
			continue;
		}
		out[i] = 'v';
		age = (r->meta[0] & PSHARE_PM_AGE) >> PSHARE_PM_AGE_SHIFT;
		pshare_scan_aged(r, 0, age);
	}
	out[n] = 0;
}

/* Ages 1 and 2 skip nothing; then 1, 2, 2, 4, and 7 from age 7 on. */
static void pshare_scan_skip_schedule(struct kunit *test)
{
	struct pshare_range r = {};
	u32 meta = PSHARE_PM_UNSHARED | PSHARE_PM_SEEN;
	unsigned int run0 = pshare_tun.run, smart0 = pshare_tun.smart_scan;
	char got[40];

	r.meta = &meta;
	pshare_tun.run = PSHARE_RUN_MERGE;
	pshare_tun.smart_scan = 1;
	pshare_visits(&r, got, 36);
	KUNIT_EXPECT_STREQ(test, got,
			   "vvvsvssvssvssssvsssssssvsssssssvssss");
	KUNIT_EXPECT_EQ(test, meta & PSHARE_PM_CLASS, PSHARE_PM_UNSHARED);
	KUNIT_EXPECT_EQ(test, meta & PSHARE_PM_SEEN, PSHARE_PM_SEEN);
	pshare_tun.run = run0;
	pshare_tun.smart_scan = smart0;
}

/* smart_scan 0, estimate mode, or another class: nothing is skipped. */
static void pshare_scan_skip_only_when_on(struct kunit *test)
{
	struct pshare_range r = {};
	unsigned int run0 = pshare_tun.run, smart0 = pshare_tun.smart_scan;
	u32 meta;
	char got[20];

	r.meta = &meta;
	pshare_tun.run = PSHARE_RUN_MERGE;
	pshare_tun.smart_scan = 0;
	meta = PSHARE_PM_UNSHARED;
	pshare_visits(&r, got, 12);
	KUNIT_EXPECT_STREQ(test, got, "vvvvvvvvvvvv");

	/* Skips earned before smart_scan went off are not taken. */
	pshare_tun.smart_scan = 1;
	meta = PSHARE_PM_UNSHARED | PSHARE_PM_SKIP;
	pshare_tun.run = PSHARE_RUN_ESTIMATE;
	KUNIT_EXPECT_FALSE(test, pshare_scan_skip(&r, 0));
	pshare_tun.run = PSHARE_RUN_MERGE;
	KUNIT_EXPECT_TRUE(test, pshare_scan_skip(&r, 0));
	meta = PSHARE_PM_VOLATILE | PSHARE_PM_SKIP;
	KUNIT_EXPECT_FALSE(test, pshare_scan_skip(&r, 0));
	meta = PSHARE_PM_NONE | PSHARE_PM_SKIP;
	KUNIT_EXPECT_FALSE(test, pshare_scan_skip(&r, 0));
	pshare_tun.run = run0;
	pshare_tun.smart_scan = smart0;
}

static struct kunit_case pshare_scan_cases[] = {
	KUNIT_CASE(pshare_scan_skip_schedule),
	KUNIT_CASE(pshare_scan_skip_only_when_on),
	{}
};

static struct kunit_suite pshare_scan_suite = {
	.name = "pshare_scan",
	.test_cases = pshare_scan_cases,
};

kunit_test_suite(pshare_scan_suite);
