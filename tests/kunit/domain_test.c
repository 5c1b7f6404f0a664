// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: pshare_domain, a registration's sharing domain by salting. */
#include <kunit/test.h>
#include "domain.h"
#include "target.h"

/* A caller's and an operator's salt, and a process's serial number. */
#define CALLER_SALT	0x1234ULL
#define OPERATOR_SALT	0x5678ULL
#define SERIAL		42ULL
/* The largest salt a caller or operator may give: 2^63 - 1. */
#define SALT_MAX	(BIT_ULL(63) - 1)

/*
 * pshare_domain_of() under salting policy @policy. The policy is the
 * loaded module's own tunable; it is changed and put back under
 * pshare_engine_lock, under which the module computes every domain and
 * pshare_set_salting() writes the policy, so the module never sees the
 * test's policy, and no failed expectation can leave it behind.
 */
static u64 pshare_domain_under(unsigned int policy, struct pshare_mm *pmm,
			       u64 salt)
{
	unsigned int saved;
	u64 domain;

	mutex_lock(&pshare_engine_lock);
	saved = READ_ONCE(pshare_tun.salting);
	WRITE_ONCE(pshare_tun.salting, policy);
	domain = pshare_domain_of(pmm, salt);
	WRITE_ONCE(pshare_tun.salting, saved);
	mutex_unlock(&pshare_engine_lock);
	return domain;
}

/* A zeroed address space: pshare_domain_of() reads @salt and @serial. */
static struct pshare_mm *fake_pmm(struct kunit *test, u64 serial)
{
	struct pshare_mm *pmm = kunit_kzalloc(test, sizeof(*pmm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pmm);
	pmm->serial = serial;
	return pmm;
}

/* The salts given, and the domain under each policy: DOC: Sharing domains. */
struct pshare_domain_row {
	const char *what;
	u64 operator_salt;	/* &pshare_mm.salt */
	u64 caller_salt;	/* pshare_domain_of()'s @salt */
	u64 domain[PSHARE_SALT_PROCESS + 1];
};

static const struct pshare_domain_row pshare_domain_table[] = {
	{
		.what = "no salt",
		.domain = {
			[PSHARE_SALT_NONE] = PSHARE_DOMAIN_COMMON,
			[PSHARE_SALT_IF_SET] = PSHARE_DOMAIN_COMMON,
			[PSHARE_SALT_PROCESS] = PSHARE_DOMAIN_PROCESS | SERIAL,
		},
	}, {
		.what = "caller's salt",
		.caller_salt = CALLER_SALT,
		.domain = {
			[PSHARE_SALT_NONE] = PSHARE_DOMAIN_COMMON,
			[PSHARE_SALT_IF_SET] = CALLER_SALT,
			[PSHARE_SALT_PROCESS] = CALLER_SALT,
		},
	}, {
		.what = "operator's salt",
		.operator_salt = OPERATOR_SALT,
		.domain = {
			[PSHARE_SALT_NONE] = PSHARE_DOMAIN_COMMON,
			[PSHARE_SALT_IF_SET] = OPERATOR_SALT,
			[PSHARE_SALT_PROCESS] = OPERATOR_SALT,
		},
	}, {
		/* The operator's salt wins over the caller's. */
		.what = "both salts",
		.operator_salt = OPERATOR_SALT,
		.caller_salt = CALLER_SALT,
		.domain = {
			[PSHARE_SALT_NONE] = PSHARE_DOMAIN_COMMON,
			[PSHARE_SALT_IF_SET] = OPERATOR_SALT,
			[PSHARE_SALT_PROCESS] = OPERATOR_SALT,
		},
	},
};

/* Every row of pshare_domain_table under @policy. */
static void pshare_domain_check_policy(struct kunit *test, unsigned int policy)
{
	unsigned int before = READ_ONCE(pshare_tun.salting);
	struct pshare_mm *pmm = fake_pmm(test, SERIAL);
	int i;

	for (i = 0; i < ARRAY_SIZE(pshare_domain_table); i++) {
		const struct pshare_domain_row *row = &pshare_domain_table[i];

		pmm->salt = row->operator_salt;
		KUNIT_EXPECT_EQ_MSG(test,
				    pshare_domain_under(policy, pmm,
							row->caller_salt),
				    row->domain[policy], "salting %u, %s",
				    policy, row->what);
	}
	/* The module's policy is back as it was. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(pshare_tun.salting), before);
}

/* Policy 0: one common domain, whatever the salts. */
static void pshare_domain_salting_none(struct kunit *test)
{
	pshare_domain_check_policy(test, PSHARE_SALT_NONE);
}

/* Policy 1: the operator's salt, else the caller's, else common. */
static void pshare_domain_salting_if_set(struct kunit *test)
{
	pshare_domain_check_policy(test, PSHARE_SALT_IF_SET);
}

/* Policy 2: the operator's salt, else the caller's, else the process's. */
static void pshare_domain_salting_process(struct kunit *test)
{
	pshare_domain_check_policy(test, PSHARE_SALT_PROCESS);
}

/* Two processes without salts: apart under policy 2, together under 1. */
static void pshare_domain_process_serials(struct kunit *test)
{
	struct pshare_mm *a = fake_pmm(test, 1);
	struct pshare_mm *b = fake_pmm(test, 2);
	u64 da = pshare_domain_under(PSHARE_SALT_PROCESS, a, 0);
	u64 db = pshare_domain_under(PSHARE_SALT_PROCESS, b, 0);

	KUNIT_EXPECT_NE(test, da, db);
	KUNIT_EXPECT_EQ(test, da, PSHARE_DOMAIN_PROCESS | 1);
	KUNIT_EXPECT_EQ(test, db, PSHARE_DOMAIN_PROCESS | 2);
	KUNIT_EXPECT_EQ(test, pshare_domain_under(PSHARE_SALT_IF_SET, a, 0),
			pshare_domain_under(PSHARE_SALT_IF_SET, b, 0));
}

/*
 * A process's own domain is never a salt's: it has bit 63 set, which
 * pshare_check_salt() refuses, and a salt equal to the serial number or
 * at either end of the range names a domain of its own.
 */
static void pshare_domain_process_not_a_salt(struct kunit *test)
{
	static const u64 serials[] = { 1, 2, SERIAL, U32_MAX, SALT_MAX };
	static const u64 salts[] = { 1, SERIAL, SALT_MAX };
	struct pshare_mm *pmm = fake_pmm(test, 0);
	u64 salted[ARRAY_SIZE(salts)];
	int i, j;

	/* Registrations with a salt: which process's does not matter. */
	for (j = 0; j < ARRAY_SIZE(salts); j++) {
		salted[j] = pshare_domain_under(PSHARE_SALT_PROCESS, pmm,
						salts[j]);
		KUNIT_EXPECT_EQ(test, salted[j], salts[j]);
	}
	for (i = 0; i < ARRAY_SIZE(serials); i++) {
		u64 own;

		pmm->serial = serials[i];
		own = pshare_domain_under(PSHARE_SALT_PROCESS, pmm, 0);
		KUNIT_EXPECT_EQ(test, own, PSHARE_DOMAIN_PROCESS | serials[i]);
		KUNIT_EXPECT_EQ(test, pshare_check_salt(own), -EINVAL);
		for (j = 0; j < ARRAY_SIZE(salts); j++)
			KUNIT_EXPECT_NE_MSG(test, salted[j], own,
					    "serial %llu, salt %llu",
					    serials[i], salts[j]);
	}
}

/* Salts are the values below 2^63. */
static void pshare_domain_check_salt(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pshare_check_salt(0), 0);
	KUNIT_EXPECT_EQ(test, pshare_check_salt(1), 0);
	KUNIT_EXPECT_EQ(test, pshare_check_salt(SALT_MAX), 0);
	KUNIT_EXPECT_EQ(test, pshare_check_salt(BIT_ULL(63)), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_salt(BIT_ULL(63) | 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pshare_check_salt(U64_MAX), -EINVAL);
}

static struct kunit_case pshare_domain_cases[] = {
	KUNIT_CASE(pshare_domain_salting_none),
	KUNIT_CASE(pshare_domain_salting_if_set),
	KUNIT_CASE(pshare_domain_salting_process),
	KUNIT_CASE(pshare_domain_process_serials),
	KUNIT_CASE(pshare_domain_process_not_a_salt),
	KUNIT_CASE(pshare_domain_check_salt),
	{}
};

static struct kunit_suite pshare_domain_suite = {
	.name = "pshare_domain",
	.test_cases = pshare_domain_cases,
};

kunit_test_suite(pshare_domain_suite);
