/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: unexported kernel functions, resolved once at load by symbols.c. */
#ifndef _PSHARE_SYMBOLS_H
#define _PSHARE_SYMBOLS_H

#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/pagewalk.h>

/**
 * struct pshare_kernel_syms - kernel functions that modules cannot link to
 *
 * Each is global (T) in kallsyms but not exported. They are looked up by
 * name at load, in symbols.c and nowhere else; a missing one makes the load
 * fail and names it. Only real global functions are listed: kallsyms also
 * holds local out-of-line copies of header inlines (put_page, ...), which
 * must never be resolved.
 */
struct pshare_kernel_syms {
	struct page *(*follow_page)(struct vm_area_struct *vma,
				    unsigned long address, unsigned int foll_flags);
	bool (*page_vma_mapped_walk)(struct page_vma_mapped_walk *pvmw);
	pmd_t *(*mm_find_pmd)(struct mm_struct *mm, unsigned long address);
	void (*page_add_anon_rmap)(struct page *page, struct vm_area_struct *vma,
				   unsigned long address, rmap_t flags);
	void (*page_remove_rmap)(struct page *page, struct vm_area_struct *vma,
				 bool compound);
	pte_t (*ptep_clear_flush)(struct vm_area_struct *vma,
				  unsigned long address, pte_t *ptep);
	void (*mmu_notifier_change_pte)(struct mm_struct *mm,
					unsigned long address, pte_t pte);
	int (*mmu_notifier_invalidate_range_start)(struct mmu_notifier_range *r);
	void (*mmu_notifier_invalidate_range_end)(struct mmu_notifier_range *r,
						  bool only_end);
	int (*split_huge_page_to_list)(struct page *page, struct list_head *list);
	void (*lru_add_drain_all)(void);
	void (*put_anon_vma)(struct anon_vma *anon_vma);
	void (*mm_trace_rss_stat)(struct mm_struct *mm, int member, long count);
	bool (*folio_free_swap)(struct folio *folio);
	bool (*ptrace_may_access)(struct task_struct *task, unsigned int mode);
};

extern struct pshare_kernel_syms pshare_sym;

int pshare_resolve_symbols(void);

#endif /* _PSHARE_SYMBOLS_H */
