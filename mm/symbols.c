// SPDX-License-Identifier: GPL-2.0-only
/* pshare: resolve the unexported kernel functions it needs, via kallsyms. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/stddef.h>
#include <pshare/compat.h>
#include "symbols.h"

struct pshare_kernel_syms pshare_sym __ro_after_init;

/*
 * For tests only: one more symbol that must resolve, so that a guest test can
 * show that a missing symbol fails the load with a message naming it.
 */
static char *require_symbol;
module_param(require_symbol, charp, 0400);
MODULE_PARM_DESC(require_symbol,
		 "Testing only: an extra kernel symbol the load requires");

#define SYM(field, name) { name, offsetof(struct pshare_kernel_syms, field) }

static const struct {
	const char *name;
	size_t offset;
} pshare_sym_table[] = {
	SYM(follow_page, "follow_page"),
	SYM(page_vma_mapped_walk, "page_vma_mapped_walk"),
	SYM(mm_find_pmd, "mm_find_pmd"),
	SYM(page_add_anon_rmap, "page_add_anon_rmap"),
	SYM(page_remove_rmap, "page_remove_rmap"),
	SYM(ptep_clear_flush, "ptep_clear_flush"),
	SYM(mmu_notifier_change_pte, "__mmu_notifier_change_pte"),
	SYM(mmu_notifier_invalidate_range_start,
	    "__mmu_notifier_invalidate_range_start"),
	SYM(mmu_notifier_invalidate_range_end,
	    "__mmu_notifier_invalidate_range_end"),
	SYM(split_huge_page_to_list, "split_huge_page_to_list"),
	SYM(lru_add_drain_all, "lru_add_drain_all"),
	SYM(put_anon_vma, "__put_anon_vma"),
	SYM(mm_trace_rss_stat, "mm_trace_rss_stat"),
	SYM(folio_free_swap, "folio_free_swap"),
	SYM(ptrace_may_access, "ptrace_may_access"),
};

typedef unsigned long (*kallsyms_lookup_name_t)(const char *name);

/* kallsyms_lookup_name() is not exported; a kprobe on it yields its address. */
static kallsyms_lookup_name_t pshare_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;
	int ret;

	ret = register_kprobe(&kp);
	if (ret < 0) {
		pr_err("cannot find kallsyms_lookup_name (kprobe: %d)\n", ret);
		return NULL;
	}
	addr = pshare_kprobe_entry((unsigned long)kp.addr);
	unregister_kprobe(&kp);
	return (kallsyms_lookup_name_t)addr;
}

/**
 * pshare_resolve_symbols() - fill &pshare_sym from kallsyms
 *
 * Return: 0, or -ENOENT after logging the name of every missing symbol.
 */
int pshare_resolve_symbols(void)
{
	kallsyms_lookup_name_t lookup = pshare_find_kallsyms();
	int i, missing = 0;

	if (!lookup)
		return -ENOENT;

	for (i = 0; i < ARRAY_SIZE(pshare_sym_table); i++) {
		unsigned long addr = lookup(pshare_sym_table[i].name);

		if (!addr) {
			pr_err("required kernel symbol %s not found\n",
			       pshare_sym_table[i].name);
			missing++;
			continue;
		}
		*(unsigned long *)((char *)&pshare_sym +
				   pshare_sym_table[i].offset) = addr;
	}
	if (require_symbol && !lookup(require_symbol)) {
		pr_err("required kernel symbol %s not found\n", require_symbol);
		missing++;
	}
	return missing ? -ENOENT : 0;
}
