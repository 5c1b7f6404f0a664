/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the content index, merged pages and hints by content hash. */
#ifndef _PSHARE_INDEX_H
#define _PSHARE_INDEX_H

#include <linux/types.h>

struct pshare_stable_node;

bool pshare_index_stable_has(u64 domain, u64 sample);
struct pshare_stable_node *pshare_index_stable_sample(u64 domain, u64 sample,
						      bool *alone);
struct pshare_stable_node *pshare_index_stable_first(u64 domain, u64 sample,
						     u64 hash);
struct pshare_stable_node *
pshare_index_stable_next(struct pshare_stable_node *node);
void pshare_index_stable_insert(struct pshare_stable_node *node);
void pshare_index_stable_erase(struct pshare_stable_node *node);
struct pshare_stable_node *
pshare_index_stable_after(struct pshare_stable_node *node);

bool pshare_index_hint_find(u64 domain, u64 hash, bool full, u32 self_id,
			    unsigned long self_idx, unsigned int *pos,
			    u32 *id, unsigned long *idx);
void pshare_index_hint_insert(u64 domain, u64 hash, bool full, u32 id,
			      unsigned long idx);
bool pshare_index_hint_offer(u64 domain, u64 hash, bool full, u32 id,
			     unsigned long idx);
void pshare_index_hint_clear(void);
int pshare_index_resize(unsigned long pages);
void pshare_index_fit(void);
unsigned long pshare_index_hint_generation(void);
void pshare_index_exit(void);

#endif /* _PSHARE_INDEX_H */
