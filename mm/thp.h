/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: huge pages, kept whole or split to share (thp.c). */
#ifndef _PSHARE_THP_H
#define _PSHARE_THP_H

#include "store.h"

struct pshare_key;

void pshare_thp_note(struct pshare_range *r, unsigned long idx,
		     struct page *page, struct pshare_key *key);
void pshare_thp_leave(struct pshare_range *r);
unsigned long pshare_thp_skip(struct pshare_range *r, unsigned long idx);
void pshare_thp_forget(struct pshare_range *r);
void pshare_thp_epoch_done(void);
void pshare_thp_set_scan(void (*scan)(struct pshare_range *r,
				      unsigned long idx));
void pshare_thp_relieve(unsigned int max_thps);
unsigned long pshare_thp_freeable(void);

#endif /* _PSHARE_THP_H */
