/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: teardown, ending registrations and reaping (reap.c). */
#ifndef _PSHARE_REAP_H
#define _PSHARE_REAP_H

#include "store.h"

void pshare_page_end(struct pshare_range *r, unsigned long idx);
void pshare_range_end(struct pshare_range *r, bool unmerge);
void pshare_range_reset(struct pshare_range *r, bool live);
void pshare_process_unmapped(struct pshare_mm *pmm);
void pshare_mm_free_if_unused(struct pshare_mm *pmm);
void pshare_reap_later(struct pshare_mm *pmm);
void pshare_reap_dead(void);
bool pshare_reap_pending(void);
unsigned long pshare_prune_all(void);
void pshare_prune_later(void);
void pshare_prune_orphans(void);
void pshare_prune_due(void);
unsigned int pshare_prune_delay(void);
void pshare_prune_retry(unsigned int ms);
int pshare_unmerge_all(void);
unsigned int pshare_reap_all(void);

#endif /* _PSHARE_REAP_H */
