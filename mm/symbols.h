/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: unexported kernel functions, resolved at load and called directly. */
#ifndef _PSHARE_SYMBOLS_H
#define _PSHARE_SYMBOLS_H

#include <linux/huge_mm.h>
#include <linux/kallsyms.h>
#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagewalk.h>
#include <linux/ptrace.h>
#include <linux/rmap.h>
#include <linux/static_call.h>
#include <linux/swap.h>
#include <pshare/compat.h>

/*
 * mm/internal.h declares mm_find_pmd(); modules cannot include it. This
 * prototype gives its type and is never defined.
 */
pmd_t *pshare_proto_mm_find_pmd(struct mm_struct *mm, unsigned long address);

/**
 * DOC: Resolved kernel functions
 *
 * pshare needs a few kernel functions that are global (T in kallsyms) but
 * not exported. symbols.c looks each up by name at load, and nowhere else;
 * a missing one fails the load and names it. Only real global functions are
 * listed: kallsyms also holds local out-of-line copies of header inlines
 * (put_page, ...), which must never be resolved.
 *
 * Each is called through a static call (pshare_call()), never through a
 * function pointer. With HAVE_STATIC_CALL_INLINE the kernel patches every
 * call site in pshare's text into a direct ``call`` of the resolved address
 * when the address is set, and the trampoline into a direct ``jmp``. That
 * matters on kernels built with X86_KERNEL_IBT (Debian 13's): the kernel
 * seals the ENDBR64 of every function it never calls indirectly, which is
 * all of these, and on a CPU that enforces IBT an indirect call to one is a
 * #CP fault, a kernel BUG. A direct call needs no ENDBR. symbols.c checks
 * after each update that the trampoline jumps directly to the address and
 * refuses to load otherwise; tests/host/ibt.sh checks the built object.
 *
 * symbols.c holds the table of names; each function here is declared as
 * static call pshare_k_NAME, of the type of the kernel's own declaration
 * where a header has one.
 */
DECLARE_STATIC_CALL(pshare_k_kallsyms_lookup_name, kallsyms_lookup_name);
DECLARE_STATIC_CALL(pshare_k_page_vma_mapped_walk, page_vma_mapped_walk);
DECLARE_STATIC_CALL(pshare_k_mm_find_pmd, pshare_proto_mm_find_pmd);
DECLARE_STATIC_CALL(pshare_k_ptep_clear_flush, ptep_clear_flush);
DECLARE_STATIC_CALL(pshare_k___mmu_notifier_invalidate_range_start,
		    __mmu_notifier_invalidate_range_start);
DECLARE_STATIC_CALL(pshare_k___mmu_notifier_invalidate_range_end,
		    __mmu_notifier_invalidate_range_end);
DECLARE_STATIC_CALL(pshare_k_lru_add_drain_all, lru_add_drain_all);
DECLARE_STATIC_CALL(pshare_k___put_anon_vma, __put_anon_vma);
DECLARE_STATIC_CALL(pshare_k_mm_trace_rss_stat, mm_trace_rss_stat);
DECLARE_STATIC_CALL(pshare_k_folio_free_swap, folio_free_swap);
DECLARE_STATIC_CALL(pshare_k_ptrace_may_access, ptrace_may_access);
#if PSHARE_HAVE_FOLIO_WALK
/* 6.12: folio_walk, the folio rmap calls, split to an order. */
DECLARE_STATIC_CALL(pshare_k_folio_walk_start, folio_walk_start);
DECLARE_STATIC_CALL(pshare_k_vma_pgtable_walk_end, vma_pgtable_walk_end);
DECLARE_STATIC_CALL(pshare_k_folio_add_anon_rmap_ptes,
		    folio_add_anon_rmap_ptes);
DECLARE_STATIC_CALL(pshare_k_folio_remove_rmap_ptes, folio_remove_rmap_ptes);
DECLARE_STATIC_CALL(pshare_k_split_huge_page_to_list_to_order,
		    split_huge_page_to_list_to_order);
DECLARE_STATIC_CALL(pshare_k___pte_offset_map_lock, __pte_offset_map_lock);
#else
/* 6.1: follow_page, the page rmap calls, change_pte notification. */
DECLARE_STATIC_CALL(pshare_k_follow_page, follow_page);
DECLARE_STATIC_CALL(pshare_k_page_add_anon_rmap, page_add_anon_rmap);
DECLARE_STATIC_CALL(pshare_k_page_remove_rmap, page_remove_rmap);
DECLARE_STATIC_CALL(pshare_k___mmu_notifier_change_pte,
		    __mmu_notifier_change_pte);
DECLARE_STATIC_CALL(pshare_k_split_huge_page_to_list, split_huge_page_to_list);
#endif
#if PSHARE_HAVE_MERGE_ANY
/* The kernel's whole-process merging, which hooks.c redirects and calls. */
DECLARE_STATIC_CALL(pshare_k_ksm_enable_merge_any, ksm_enable_merge_any);
DECLARE_STATIC_CALL(pshare_k_ksm_disable_merge_any, ksm_disable_merge_any);
DECLARE_STATIC_CALL(pshare_k_ksm_add_vma, ksm_add_vma);
DECLARE_STATIC_CALL(pshare_k___ksm_enter, __ksm_enter);
#endif

/* Call resolved kernel function @name, directly: pshare_call(name)(args). */
#define pshare_call(name)	static_call(pshare_k_##name)

int pshare_resolve_symbols(void);
struct kobject *pshare_mm_kobj(void);
struct page *pshare_follow_page(struct vm_area_struct *vma,
				unsigned long addr);

/*
 * The kernel's inlines that call unexported functions, rewritten to call the
 * resolved ones; and the calls whose form differs between kernels.
 */

/* page_vma_mapped_walk() */
static inline bool pshare_page_vma_mapped_walk(struct page_vma_mapped_walk *w)
{
	return pshare_call(page_vma_mapped_walk)(w);
}

/* ptrace_may_access(@task, PTRACE_MODE_ATTACH_REALCREDS), as PTRACE_ATTACH */
static inline bool pshare_ptrace_may_attach(struct task_struct *task)
{
	return pshare_call(ptrace_may_access)(task,
					      PTRACE_MODE_ATTACH_REALCREDS);
}

/* mmu_notifier_invalidate_range_start(), less its lockdep annotation. */
static inline void pshare_mn_start(struct mmu_notifier_range *range)
{
	might_sleep();
	if (mm_has_notifiers(range->mm)) {
		range->flags |= MMU_NOTIFIER_RANGE_BLOCKABLE;
		pshare_call(__mmu_notifier_invalidate_range_start)(range);
	}
}

/* mmu_notifier_invalidate_range_end(): 6.12 dropped its only_end. */
static inline void pshare_mn_end(struct mmu_notifier_range *range)
{
	if (!mm_has_notifiers(range->mm))
		return;
#if PSHARE_HAVE_FOLIO_WALK
	pshare_call(__mmu_notifier_invalidate_range_end)(range);
#else
	pshare_call(__mmu_notifier_invalidate_range_end)(range, false);
#endif
}

/* set_pte_at_notify(); 6.12 has no change_pte notifier any more. */
static inline void pshare_set_pte_notify(struct mm_struct *mm,
					 unsigned long addr, pte_t *ptep,
					 pte_t pte)
{
#if !PSHARE_HAVE_FOLIO_WALK
	if (mm_has_notifiers(mm))
		pshare_call(__mmu_notifier_change_pte)(mm, addr, pte);
#endif
	set_pte_at(mm, addr, ptep, pte);
}

/* dec_mm_counter(mm, MM_ANONPAGES): atomics on 6.1, percpu since 6.2. */
static inline void pshare_dec_anon_rss(struct mm_struct *mm)
{
#if PSHARE_HAVE_FOLIO_WALK
	percpu_counter_dec(&mm->rss_stat[MM_ANONPAGES]);
	pshare_call(mm_trace_rss_stat)(mm, MM_ANONPAGES);
#else
	long count = atomic_long_dec_return(&mm->rss_stat.count[MM_ANONPAGES]);

	pshare_call(mm_trace_rss_stat)(mm, MM_ANONPAGES, count);
#endif
}

/* Map @page (small, anonymous) at @addr in rmap: a PTE now points at it. */
static inline void pshare_add_anon_rmap(struct page *page,
					struct vm_area_struct *vma,
					unsigned long addr)
{
#if PSHARE_HAVE_FOLIO_WALK
	pshare_call(folio_add_anon_rmap_ptes)(page_folio(page), page, 1, vma,
					      addr, RMAP_NONE);
#else
	pshare_call(page_add_anon_rmap)(page, vma, addr, RMAP_NONE);
#endif
}

/* The PTE mapping @page (small) in @vma is gone. */
static inline void pshare_remove_rmap(struct page *page,
				      struct vm_area_struct *vma)
{
#if PSHARE_HAVE_FOLIO_WALK
	pshare_call(folio_remove_rmap_ptes)(page_folio(page), page, 1, vma);
#else
	pshare_call(page_remove_rmap)(page, vma, false);
#endif
}

/* split_huge_page(): @page locked and referenced. Return: 0 or an error. */
static inline int pshare_split_huge_page(struct page *page)
{
#if PSHARE_HAVE_FOLIO_WALK
	return pshare_call(split_huge_page_to_list_to_order)(page, NULL, 0);
#else
	return pshare_call(split_huge_page_to_list)(page, NULL);
#endif
}

/* pte_offset_map_lock(): NULL if the page table went away (6.5 and later). */
static inline pte_t *pshare_pte_offset_map_lock(struct mm_struct *mm,
						pmd_t *pmd, unsigned long addr,
						spinlock_t **ptlp)
{
#if PSHARE_HAVE_FOLIO_WALK
	return pshare_call(__pte_offset_map_lock)(mm, pmd, addr, ptlp);
#else
	return pte_offset_map_lock(mm, pmd, addr, ptlp);
#endif
}

#endif /* _PSHARE_SYMBOLS_H */
