// SPDX-License-Identifier: GPL-2.0-only
/* pshare: sharing domains, the domain of a registration from its salts. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "domain.h"

/**
 * DOC: Sharing domains
 *
 * Pages merge only with pages of their own domain, a 64-bit value kept in
 * every registration (&pshare_range.domain) and in every merged page's
 * node; the content index is keyed by (domain, hash). Zero pages may map
 * to the kernel's zero page across domains (zero_across_domains).
 *
 * The domain follows, in pshare_domain_of(), from three inputs, after ESX's
 * Mem.ShareForceSalting and sched.mem.pshare.salt:
 *
 * - the caller's salt, given at registration (&pshare_range.salt);
 * - the operator's salt for the whole process (&pshare_mm.salt), set with
 *   %PSHARE_IOC_SET_TARGET; it wins over the caller's;
 * - the salting policy: 0, one common domain (0) whatever the salts;
 *   1, the salt where one is set, else the common domain; 2 (the default),
 *   the salt where one is set, else a domain of the process's own,
 *   %PSHARE_DOMAIN_PROCESS plus a serial number.
 *
 * Salts are below 2^63, so that no salt names a process's own domain. When
 * an input changes, every registration whose domain changes starts over
 * (pshare_range_reset()): its merged pages are unmerged before it joins
 * the new domain, so that nothing stays shared across the old boundary.
 *
 * Disabling a process or a registration (sched.mem.pshare.enable) resets
 * it too; pshared then gives it no scan rate until it is enabled again.
 *
 * Everything here runs under pshare_engine_lock; the salting policy is
 * written under pshare_lock as well, and read with READ_ONCE().
 */

/**
 * pshare_check_salt() - is @salt a salt a caller or operator may give?
 * @salt: the salt, as given
 *
 * Return: 0, or -EINVAL for a value with bit 63 set.
 */
int pshare_check_salt(u64 salt)
{
	return salt & PSHARE_DOMAIN_PROCESS ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_check_salt);

/**
 * pshare_domain_of() - the domain of a registration of @pmm
 * @pmm: its address space
 * @salt: the salt its caller gave, 0 for none
 *
 * Return: the domain, by the policy in DOC: Sharing domains.
 */
u64 pshare_domain_of(struct pshare_mm *pmm, u64 salt)
{
	unsigned int policy = READ_ONCE(pshare_tun.salting);

	if (policy == PSHARE_SALT_NONE)
		return PSHARE_DOMAIN_COMMON;
	if (pmm->salt)
		return pmm->salt;
	if (salt)
		return salt;
	if (policy == PSHARE_SALT_IF_SET)
		return PSHARE_DOMAIN_COMMON;
	return PSHARE_DOMAIN_PROCESS | pmm->serial;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_domain_of);
