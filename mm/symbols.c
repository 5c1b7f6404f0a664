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

#define PSHARE_KSYM_DEFINE(name, decl)					\
	DEFINE_STATIC_CALL_NULL(pshare_k_##name, decl);
PSHARE_KSYMS(PSHARE_KSYM_DEFINE)
#undef PSHARE_KSYM_DEFINE

#if !PSHARE_MM_KOBJ_EXPORTED
static struct kobject **pshare_mm_kobj_ptr __ro_after_init;
#endif

/**
 * pshare_mm_kobj() - /sys/kernel/mm, where pshare's directory goes
 *
 * Exported up to 6.1; a data symbol found through kallsyms since.
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
 * wait that migration_entry_wait() did before 5.19.
 *
 * Return: the page (maybe the zero page), or NULL if nothing is mapped.
 */
struct page *pshare_follow_page(struct vm_area_struct *vma,
				unsigned long addr)
{
#if PSHARE_HAVE_FOLIO_WALK
	struct folio_walk fw;
	struct folio *folio;

	mmap_assert_locked(vma->vm_mm);
	for (;;) {
		folio = pshare_call(folio_walk_start)(&fw, vma, addr,
						      FW_MIGRATION |
						      FW_ZEROPAGE);
		if (!folio)
			return NULL;
		if (pshare_folio_walk_present(&fw)) {
			struct page *page = fw.page;

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
	struct page *page = pshare_call(follow_page)(vma, addr, FOLL_GET |
						     FOLL_MIGRATION);

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

#define PSHARE_SET_CALL(name, addr)					\
	pshare_set_call(#name, &STATIC_CALL_KEY(pshare_k_##name),	\
			STATIC_CALL_TRAMP_ADDR(pshare_k_##name), addr)

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
	return PSHARE_SET_CALL(kallsyms_lookup_name, addr);
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
	int ret, missing = 0;

	ret = pshare_find_kallsyms();
	if (ret)
		return ret;

#define PSHARE_KSYM_RESOLVE(name, decl)					\
	addr = pshare_lookup(#name);					\
	if (!addr)							\
		missing++;						\
	else if (PSHARE_SET_CALL(name, addr))				\
		return -EOPNOTSUPP;
	PSHARE_KSYMS_LOOKED_UP(PSHARE_KSYM_RESOLVE)
#undef PSHARE_KSYM_RESOLVE

#if !PSHARE_MM_KOBJ_EXPORTED
	pshare_mm_kobj_ptr = (struct kobject **)pshare_lookup("mm_kobj");
	if (!pshare_mm_kobj_ptr)
		missing++;
#endif
	if (require_symbol && !pshare_lookup(require_symbol))
		missing++;
	return missing ? -ENOENT : 0;
}
