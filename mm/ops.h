/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the operations layer, everything that touches page tables. */
#ifndef _PSHARE_OPS_H
#define _PSHARE_OPS_H

#include <linux/mm.h>

struct pshare_stable_node;

struct vm_area_struct *pshare_ops_find_vma(struct mm_struct *mm,
					   unsigned long addr);
bool pshare_ops_vma_ok(struct vm_area_struct *vma);
struct page *pshare_ops_get_page(struct vm_area_struct *vma,
				 unsigned long addr);
unsigned int pshare_ops_get_pages(struct vm_area_struct *vma,
				  unsigned long addr, unsigned int nr,
				  unsigned long want, struct page **pages);
struct page *pshare_ops_page_at(struct mm_struct *mm, unsigned long addr);
bool pshare_ops_leave_ksm_vma(struct mm_struct *mm, unsigned long addr,
			      const struct pshare_stable_node *node);
int pshare_ops_merge_one(struct vm_area_struct *vma, unsigned long addr,
			 struct page *page, struct page *kpage, bool *split);
int pshare_ops_split_thp(struct page *page);
int pshare_ops_break_cow(struct vm_area_struct *vma, unsigned long addr);
bool pshare_ops_pages_identical(struct page *a, struct page *b);
u64 pshare_ops_hash(struct page *page);
u64 pshare_ops_sample(struct page *page);
u64 pshare_ops_thp_sample(struct page *head);
bool pshare_ops_is_zero(struct page *page);
bool pshare_ops_page_busy(struct page *page);
void pshare_ops_put_anon_vma(struct anon_vma *anon_vma);
void pshare_ops_drop_orphan_swap(struct page *kpage);
int pshare_ops_init(void);

extern u64 pshare_zero_hash;
extern u64 pshare_zero_sample;

#endif /* _PSHARE_OPS_H */
