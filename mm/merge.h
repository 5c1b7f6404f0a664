/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: merging, merged pages and their mappings (merge.c). */
#ifndef _PSHARE_MERGE_H
#define _PSHARE_MERGE_H

#include "store.h"

struct pshare_rmap_item;
struct pshare_stable_node;

/**
 * struct pshare_key - what the content index knows a page by
 * @sample: the hash of a sample of its content (pshare_ops_sample())
 * @hash: its full xxh64, once @full
 * @full: @hash is known; it is computed only when needed
 * @zero: every byte of the page was zero when its key was taken
 */
struct pshare_key {
	u64 sample;
	u64 hash;
	bool full;
	bool zero;
};

bool pshare_thp_protected(struct page *page);
void pshare_merge_set_veto(bool (*veto)(struct mm_struct *mm,
					unsigned long addr));
void pshare_merge_claim_zero(struct pshare_range *r, unsigned long idx);
void pshare_merge_page(struct pshare_range *r, unsigned long idx,
		       struct page *page, struct pshare_key *key);
bool pshare_merge_note_dup(struct pshare_range *r, unsigned long idx,
			   struct page *page, struct pshare_key *key);
int pshare_merge_set_across_nodes(unsigned int across);
u32 pshare_merge_estimate(struct pshare_range *r, unsigned long idx,
			  struct page *page, struct pshare_key *key);
void pshare_remove_item(struct pshare_rmap_item *item);
unsigned long pshare_range_drop_items(struct pshare_range *r, bool unmerge);
unsigned long pshare_prune_nodes(void);
int pshare_merge_init(void);
void pshare_merge_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
struct pshare_rmap_item *pshare_item_alloc(void);
struct pshare_stable_node *pshare_node_alloc(void);
void pshare_item_link(struct pshare_stable_node *node,
		      struct pshare_rmap_item *item,
		      struct pshare_range *r, unsigned long idx);
void pshare_item_unlinked(struct pshare_stable_node *node,
			  struct pshare_rmap_item *item);
struct page *pshare_node_page(struct pshare_stable_node *node, bool lock);
#endif

#endif /* _PSHARE_MERGE_H */
