// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_rate, sharing the host-wide scan cap by weight. */
#include <kunit/test.h>
#include "rate.h"
#include "scan.h"

#define NR	4

/* Registrations with @demand (1/1000 pages/s) and @weight; share @cap. */
static u64 pshare_fill(struct kunit *test, struct pshare_range *r,
		       const u64 *demand, const unsigned int *weight,
		       u64 cap)
{
	struct pshare_range *v[NR];
	u64 wsum = 0;
	int i;

	for (i = 0; i < NR; i++) {
		r[i].rate = demand[i];
		r[i].weight = weight[i];
		wsum += weight[i];
		v[i] = &r[i];
	}
	return pshare_waterfill(v, NR, cap, wsum);
}

/* @NR zeroed registrations, freed with the test (too big for its stack). */
static struct pshare_range *pshare_ranges(struct kunit *test)
{
	struct pshare_range *r = kunit_kcalloc(test, NR, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	return r;
}

/* Equal weights, all demands above the fair share: an equal split. */
static void pshare_rate_equal_split(struct kunit *test)
{
	static const u64 demand[NR] = { 9000, 9000, 9000, 9000 };
	static const unsigned int weight[NR] = { 100, 100, 100, 100 };
	struct pshare_range *r = pshare_ranges(test);
	int i;

	KUNIT_EXPECT_EQ(test, pshare_fill(test, r, demand, weight, 8000), 8000ULL);
	for (i = 0; i < NR; i++)
		KUNIT_EXPECT_EQ(test, r[i].rate, 2000ULL);
}

/* Weights 1:1:2:4 set the shares when every demand is above them. */
static void pshare_rate_by_weight(struct kunit *test)
{
	static const u64 demand[NR] = { 100000, 100000, 100000, 100000 };
	static const unsigned int weight[NR] = { 100, 100, 200, 400 };
	struct pshare_range *r = pshare_ranges(test);

	KUNIT_EXPECT_EQ(test, pshare_fill(test, r, demand, weight, 8000), 8000ULL);
	KUNIT_EXPECT_EQ(test, r[0].rate, 1000ULL);
	KUNIT_EXPECT_EQ(test, r[1].rate, 1000ULL);
	KUNIT_EXPECT_EQ(test, r[2].rate, 2000ULL);
	KUNIT_EXPECT_EQ(test, r[3].rate, 4000ULL);
}

/*
 * A small demand is met in full, and what it leaves goes to the others by
 * weight: water filling, not a plain proportional cut.
 */
static void pshare_rate_leftover_redistributed(struct kunit *test)
{
	static const u64 demand[NR] = { 500, 100000, 100000, 100000 };
	static const unsigned int weight[NR] = { 100, 100, 100, 200 };
	struct pshare_range *r = pshare_ranges(test);

	KUNIT_EXPECT_EQ(test, pshare_fill(test, r, demand, weight, 10500),
			10500ULL);
	KUNIT_EXPECT_EQ(test, r[0].rate, 500ULL);
	KUNIT_EXPECT_EQ(test, r[1].rate, 2500ULL);
	KUNIT_EXPECT_EQ(test, r[2].rate, 2500ULL);
	KUNIT_EXPECT_EQ(test, r[3].rate, 5000ULL);
}

/* A cap of 0 (scan_mb_per_ghz 0) gives nobody anything. */
static void pshare_rate_zero_cap(struct kunit *test)
{
	static const u64 demand[NR] = { 1000, 2000, 3000, 4000 };
	static const unsigned int weight[NR] = { 1, 10, 100, 10000 };
	struct pshare_range *r = pshare_ranges(test);
	int i;

	KUNIT_EXPECT_EQ(test, pshare_fill(test, r, demand, weight, 0), 0ULL);
	for (i = 0; i < NR; i++)
		KUNIT_EXPECT_EQ(test, r[i].rate, 0ULL);
}

/* The boost factors are what the admin guide says. */
static void pshare_rate_boost(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pshare_boost(PSHARE_MEM_HIGH), 1U);
	KUNIT_EXPECT_EQ(test, pshare_boost(PSHARE_MEM_SOFT), 2U);
	KUNIT_EXPECT_EQ(test, pshare_boost(PSHARE_MEM_HARD), 4U);
	KUNIT_EXPECT_EQ(test, pshare_boost(PSHARE_MEM_LOW), 4U);
}

/*
 * first_scan: a registration new to pshare asks for the whole cap; one
 * seen already, or any with first_scan 0, for its scan_time_secs share; a
 * pass that hashed more than 1/64 of its pages for the first time keeps it
 * at the cap for the next pass, and one that hashed no more makes it slow.
 */
static void pshare_rate_first_scan(struct kunit *test)
{
	struct pshare_tunables old = pshare_tun;
	struct pshare_mm pmm = {};
	struct pshare_range r = { .pmm = &pmm, .npages = 360000, .fast = true };
	const u64 cap = 5000000;	/* 5000 pages/s */

	pshare_tun.scan_time_secs = 3600;
	pshare_tun.rate_max_pages = 1024;
	pshare_tun.first_scan = 1;
	KUNIT_EXPECT_EQ(test, pshare_demand(&r, 1, cap), cap);
	pshare_tun.first_scan = 0;
	KUNIT_EXPECT_EQ(test, pshare_demand(&r, 1, cap), 100000ULL);
	pshare_tun.first_scan = 1;

	r.pass_new = 360000 / 64;
	pshare_scan_pass_done(&r);
	KUNIT_EXPECT_FALSE(test, r.fast);
	KUNIT_EXPECT_EQ(test, r.pass_new, 0UL);
	KUNIT_EXPECT_EQ(test, pshare_demand(&r, 1, cap), 100000ULL);
	KUNIT_EXPECT_EQ(test, pshare_demand(&r, 2, cap), 200000ULL);

	r.pass_new = 360000 / 64 + 1;
	pshare_scan_pass_done(&r);
	KUNIT_EXPECT_TRUE(test, r.fast);
	KUNIT_EXPECT_EQ(test, pshare_demand(&r, 1, cap), cap);
	r.disabled = true;
	KUNIT_EXPECT_EQ(test, pshare_demand(&r, 1, cap), 0ULL);
	pshare_tun = old;
}

static struct kunit_case pshare_rate_cases[] = {
	KUNIT_CASE(pshare_rate_equal_split),
	KUNIT_CASE(pshare_rate_by_weight),
	KUNIT_CASE(pshare_rate_leftover_redistributed),
	KUNIT_CASE(pshare_rate_zero_cap),
	KUNIT_CASE(pshare_rate_boost),
	KUNIT_CASE(pshare_rate_first_scan),
	{}
};

static struct kunit_suite pshare_rate_suite = {
	.name = "pshare_rate",
	.test_cases = pshare_rate_cases,
};

kunit_test_suite(pshare_rate_suite);
