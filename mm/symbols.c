// SPDX-License-Identifier: GPL-2.0-only
/* pshare: resolve the unexported kernel functions it needs, via kallsyms. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/moduleparam.h>
#include <linux/static_call.h>
#include <pshare/compat.h>
#include "symbols.h"

/*
 * For tests only: one more symbol that must resolve, so that a guest test can
 * show that a missing symbol fails the load with a message naming it.
 */
static char *require_symbol;
module_param(require_symbol, charp, 0400);
MODULE_PARM_DESC(require_symbol,
		 "Testing only: an extra kernel symbol the load requires");

DEFINE_STATIC_CALL_NULL(pshare_k_kallsyms_lookup_name, kallsyms_lookup_name);
DEFINE_STATIC_CALL_NULL(pshare_k_page_vma_mapped_walk, page_vma_mapped_walk);
DEFINE_STATIC_CALL_NULL(pshare_k_mm_find_pmd, pshare_proto_mm_find_pmd);
DEFINE_STATIC_CALL_NULL(pshare_k_ptep_clear_flush, ptep_clear_flush);
DEFINE_STATIC_CALL_NULL(pshare_k___mmu_notifier_invalidate_range_start,
			__mmu_notifier_invalidate_range_start);
DEFINE_STATIC_CALL_NULL(pshare_k___mmu_notifier_invalidate_range_end,
			__mmu_notifier_invalidate_range_end);
DEFINE_STATIC_CALL_NULL(pshare_k_lru_add_drain_all, lru_add_drain_all);
DEFINE_STATIC_CALL_NULL(pshare_k___put_anon_vma, __put_anon_vma);
DEFINE_STATIC_CALL_NULL(pshare_k_mm_trace_rss_stat, mm_trace_rss_stat);
DEFINE_STATIC_CALL_NULL(pshare_k_folio_free_swap, folio_free_swap);
DEFINE_STATIC_CALL_NULL(pshare_k_ptrace_may_access, ptrace_may_access);
#if PSHARE_HAVE_FOLIO_WALK
DEFINE_STATIC_CALL_NULL(pshare_k_folio_walk_start, folio_walk_start);
DEFINE_STATIC_CALL_NULL(pshare_k_vma_pgtable_walk_end, vma_pgtable_walk_end);
DEFINE_STATIC_CALL_NULL(pshare_k_folio_add_anon_rmap_ptes,
			folio_add_anon_rmap_ptes);
DEFINE_STATIC_CALL_NULL(pshare_k_folio_remove_rmap_ptes,
			folio_remove_rmap_ptes);
DEFINE_STATIC_CALL_NULL(pshare_k_split_huge_page_to_list_to_order,
			split_huge_page_to_list_to_order);
DEFINE_STATIC_CALL_NULL(pshare_k___pte_offset_map_lock, __pte_offset_map_lock);
#else
DEFINE_STATIC_CALL_NULL(pshare_k_follow_page, follow_page);
DEFINE_STATIC_CALL_NULL(pshare_k_page_add_anon_rmap, page_add_anon_rmap);
DEFINE_STATIC_CALL_NULL(pshare_k_page_remove_rmap, page_remove_rmap);
DEFINE_STATIC_CALL_NULL(pshare_k___mmu_notifier_change_pte,
			__mmu_notifier_change_pte);
DEFINE_STATIC_CALL_NULL(pshare_k_split_huge_page_to_list,
			split_huge_page_to_list);
#endif
#if PSHARE_HAVE_MERGE_ANY
DEFINE_STATIC_CALL_NULL(pshare_k_ksm_enable_merge_any, ksm_enable_merge_any);
DEFINE_STATIC_CALL_NULL(pshare_k_ksm_disable_merge_any, ksm_disable_merge_any);
DEFINE_STATIC_CALL_NULL(pshare_k_ksm_add_vma, ksm_add_vma);
DEFINE_STATIC_CALL_NULL(pshare_k___ksm_enter, __ksm_enter);
#endif

/**
 * struct pshare_ksym - a kernel function that kallsyms resolves
 * @name: its name in kallsyms
 * @key: the static call that calls it
 * @tramp: that static call's trampoline
 */
struct pshare_ksym {
	const char *name;
	struct static_call_key *key;
	void *tramp;
};

#define PSHARE_KSYM(fn) {						\
	.name = #fn,							\
	.key = &STATIC_CALL_KEY(pshare_k_##fn),				\
	.tramp = STATIC_CALL_TRAMP_ADDR(pshare_k_##fn),			\
}

/* Every static call of symbols.h but kallsyms_lookup_name's own. */
static const struct pshare_ksym pshare_ksyms[] = {
	PSHARE_KSYM(page_vma_mapped_walk),
	PSHARE_KSYM(mm_find_pmd),
	PSHARE_KSYM(ptep_clear_flush),
	PSHARE_KSYM(__mmu_notifier_invalidate_range_start),
	PSHARE_KSYM(__mmu_notifier_invalidate_range_end),
	PSHARE_KSYM(lru_add_drain_all),
	PSHARE_KSYM(__put_anon_vma),
	PSHARE_KSYM(mm_trace_rss_stat),
	PSHARE_KSYM(folio_free_swap),
	PSHARE_KSYM(ptrace_may_access),
#if PSHARE_HAVE_FOLIO_WALK
	PSHARE_KSYM(folio_walk_start),
	PSHARE_KSYM(vma_pgtable_walk_end),
	PSHARE_KSYM(folio_add_anon_rmap_ptes),
	PSHARE_KSYM(folio_remove_rmap_ptes),
	PSHARE_KSYM(split_huge_page_to_list_to_order),
	PSHARE_KSYM(__pte_offset_map_lock),
#else
	PSHARE_KSYM(follow_page),
	PSHARE_KSYM(page_add_anon_rmap),
	PSHARE_KSYM(page_remove_rmap),
	PSHARE_KSYM(__mmu_notifier_change_pte),
	PSHARE_KSYM(split_huge_page_to_list),
#endif
#if PSHARE_HAVE_MERGE_ANY
	PSHARE_KSYM(ksm_enable_merge_any),
	PSHARE_KSYM(ksm_disable_merge_any),
	PSHARE_KSYM(ksm_add_vma),
	PSHARE_KSYM(__ksm_enter),
#endif
};

#if !PSHARE_MM_KOBJ_EXPORTED
static struct kobject **pshare_mm_kobj_ptr __ro_after_init;
#endif

/**
 * pshare_mm_kobj() - /sys/kernel/mm, where pshare's directory goes
 *
 * Exported up to 6.1; a data symbol found through kallsyms since.
 *
 * Return: the kobject of /sys/kernel/mm.
 */
struct kobject *pshare_mm_kobj(void)
{
#if PSHARE_MM_KOBJ_EXPORTED
	return mm_kobj;
#else
	return *pshare_mm_kobj_ptr;
#endif
}

#if PSHARE_HAVE_FOLIO_WALK
/* folio_walk_end(), with the resolved vma_pgtable_walk_end(). */
static void pshare_folio_walk_end(struct folio_walk *fw,
				  struct vm_area_struct *vma)
{
	spin_unlock(fw->ptl);
	if (likely(fw->level == FW_LEVEL_PTE))
		pte_unmap(fw->ptep);
	pshare_call(vma_pgtable_walk_end)(vma);
}

static bool pshare_folio_walk_present(const struct folio_walk *fw)
{
	switch (fw->level) {
	case FW_LEVEL_PTE:
		return pte_present(fw->pte);
	case FW_LEVEL_PMD:
		return pmd_present(fw->pmd);
	default:
		return true;
	}
}
#endif

/**
 * pshare_follow_page() - the page mapped at @addr, with a reference
 * @vma: the VMA, mmap_lock held (read)
 * @addr: user address
 *
 * A page under migration is waited for, as follow_page(FOLL_MIGRATION) did
 * on 6.1: the migration entry's folio is referenced under the page table
 * lock, and its lock, held for the whole migration, is waited for. 6.12 has
 * no follow_page(); this is folio_walk_start() with FW_MIGRATION, and the
 * wait that migration_entry_wait() did before 5.19. A PROT_NONE NUMA
 * hinting entry counts as mapped, on both.
 *
 * Return: the page (maybe the zero page), or NULL if nothing is mapped.
 */
struct page *pshare_follow_page(struct vm_area_struct *vma,
				unsigned long addr)
{
#if PSHARE_HAVE_FOLIO_WALK
	struct folio_walk fw;
	struct folio *folio;

	lockdep_assert_held(&vma->vm_mm->mmap_lock);
	for (;;) {
		folio = pshare_call(folio_walk_start)(&fw, vma, addr,
						      FW_MIGRATION |
						      FW_ZEROPAGE);
		if (!folio)
			return NULL;
		if (pshare_folio_walk_present(&fw)) {
			/* fw.page is NULL for the zero page: its only page. */
			struct page *page = fw.page ?: &folio->page;

			folio_get(folio);
			pshare_folio_walk_end(&fw, vma);
			return page;
		}
		/* A migration entry; a frozen refcount means it ends soon. */
		if (!folio_try_get(folio)) {
			pshare_folio_walk_end(&fw, vma);
			cond_resched();
			continue;
		}
		pshare_folio_walk_end(&fw, vma);
		folio_wait_locked(folio);
		folio_put(folio);
	}
#else
	/*
	 * FOLL_FORCE: 6.1's follow_page() returns nothing for a PROT_NONE
	 * NUMA hinting entry (gup_can_follow_protnone()) unless forced, and
	 * NUMA balancing leaves those on the memory of an idle process, the
	 * very memory pshare is for: seen as unmapped, it would never merge,
	 * and a merged page mapped so could not be broken. Without FOLL_WRITE
	 * the flag changes nothing else here. 6.6 made follow_page() ignore
	 * NUMA hinting (FOLL_HONOR_NUMA_FAULT); folio_walk_start() does too.
	 */
	struct page *page = pshare_call(follow_page)(vma, addr, FOLL_GET |
						     FOLL_MIGRATION |
						     FOLL_FORCE);

	return IS_ERR_OR_NULL(page) ? NULL : page;
#endif
}

/*
 * Point static call @key (trampoline @tramp) at @addr, and check that the
 * trampoline now jumps there directly; see the DOC in symbols.h.
 */
static int pshare_set_call(const char *name, struct static_call_key *key,
			   void *tramp, unsigned long addr)
{
	int ret;

	__static_call_update(key, tramp, (void *)addr);
	ret = pshare_static_call_direct(tramp, addr);
	if (ret)
		pr_err("cannot call %s directly on this kernel (%d): refusing to load, an indirect call could fault where IBT is enforced\n",
		       name, ret);
	return ret;
}

/*
 * kallsyms_lookup_name() is not exported; a kprobe on it yields its address.
 * Its static call is set from that, so that even this lookup is a direct
 * call.
 */
static int pshare_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;
	int ret;

	ret = register_kprobe(&kp);
	if (ret < 0) {
		pr_err("cannot find kallsyms_lookup_name (kprobe: %d)\n", ret);
		return -ENOENT;
	}
	addr = pshare_kprobe_entry((unsigned long)kp.addr);
	unregister_kprobe(&kp);
	return pshare_set_call("kallsyms_lookup_name",
			       &STATIC_CALL_KEY(pshare_k_kallsyms_lookup_name),
			       STATIC_CALL_TRAMP_ADDR(pshare_k_kallsyms_lookup_name),
			       addr);
}

/* The address of @name, or 0 after logging that it is missing. */
static unsigned long pshare_lookup(const char *name)
{
	unsigned long addr = pshare_call(kallsyms_lookup_name)(name);

	if (!addr)
		pr_err("required kernel symbol %s not found\n", name);
	return addr;
}

/**
 * pshare_resolve_symbols() - set every static call of symbols.h
 *
 * Return: 0; -ENOENT after logging the name of every missing symbol; or
 * the error of a static call that would not be a direct call.
 */
int pshare_resolve_symbols(void)
{
	unsigned long addr;
	int i, ret, missing = 0;

	ret = pshare_find_kallsyms();
	if (ret)
		return ret;

	for (i = 0; i < ARRAY_SIZE(pshare_ksyms); i++) {
		const struct pshare_ksym *k = &pshare_ksyms[i];

		addr = pshare_lookup(k->name);
		if (!addr)
			missing++;
		else if (pshare_set_call(k->name, k->key, k->tramp, addr))
			return -EOPNOTSUPP;
	}

#if !PSHARE_MM_KOBJ_EXPORTED
	pshare_mm_kobj_ptr = (struct kobject **)pshare_lookup("mm_kobj");
	if (!pshare_mm_kobj_ptr)
		missing++;
#endif
	if (require_symbol && !pshare_lookup(require_symbol))
		missing++;
	return missing ? -ENOENT : 0;
}
