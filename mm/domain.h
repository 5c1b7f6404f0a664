/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: sharing domains, from salts and the salting policy (domain.c). */
#ifndef _PSHARE_DOMAIN_H
#define _PSHARE_DOMAIN_H

#include "store.h"

int pshare_check_salt(u64 salt);
u64 pshare_domain_of(struct pshare_mm *pmm, u64 salt);

#endif /* _PSHARE_DOMAIN_H */
