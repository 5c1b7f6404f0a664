/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pshare compat: every difference between kernel versions lives here.
 *
 * pshare targets Debian 12's 6.1 LTS kernel and Debian 13's 6.12 LTS kernel.
 * Code elsewhere uses the names below and never tests LINUX_VERSION_CODE
 * itself; the unexported functions each kernel needs are listed, and their
 * calls whose form differs are wrapped, in mm/symbols.h.
 */
#ifndef _PSHARE_COMPAT_H
#define _PSHARE_COMPAT_H

#include <linux/version.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page-flags.h>
#include <linux/rmap.h>
#include <linux/slab.h>

#define PSHARE_KERNEL_IN(a, b, c, d)					\
	(LINUX_VERSION_CODE >= KERNEL_VERSION(a, b, 0) &&		\
	 LINUX_VERSION_CODE < KERNEL_VERSION(c, d, 0))
#if !PSHARE_KERNEL_IN(6, 1, 6, 2) && !PSHARE_KERNEL_IN(6, 12, 6, 13)
#error "pshare supports Linux 6.1 (Debian 12) and 6.12 (Debian 13); port this compat header first"
#endif

/*
 * 6.12 looks pages up with folio_walk_start() (follow_page() is gone), maps
 * them with the folio rmap calls, splits THPs to an order, has no
 * change_pte notifier, keeps RSS in percpu counters, registers shrinkers
 * with shrinker_alloc(), and no longer exports mm_kobj.
 */
#define PSHARE_HAVE_FOLIO_WALK \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0))
#define PSHARE_MM_KOBJ_EXPORTED	(!PSHARE_HAVE_FOLIO_WALK)

/*
 * 6.12 maps the zero-filled subpages of an anonymous THP to the shared zero
 * page when it splits it (migrate.c's try_to_map_unused_to_zeropage()).
 */
#define PSHARE_SPLIT_MAPS_ZERO	PSHARE_HAVE_FOLIO_WALK

/*
 * prctl(PR_SET_MEMORY_MERGE) (6.4): ksm_enable_merge_any() marks every VMA
 * of a process VM_MERGEABLE, and ksm_add_vma() each new one, without
 * ksm_madvise(). hooks.c redirects both, and __ksm_enter().
 */
#define PSHARE_HAVE_MERGE_ANY \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0))

/*
 * <kunit/visibility.h> arrived in 6.2; on 6.1 these are its two macros.
 * Functions that only the KUnit suites call are exported to them, in the
 * namespace EXPORTED_FOR_KUNIT_TESTING, and only when the kernel has KUnit.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(symbol) \
	EXPORT_SYMBOL_NS(symbol, EXPORTED_FOR_KUNIT_TESTING)
#else
#define VISIBLE_IF_KUNIT static
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

/*
 * With IBT, a kprobe placed on a function is moved past its ENDBR64, so the
 * probe address is not the function's entry. Step back over it.
 */
#ifdef CONFIG_X86_KERNEL_IBT
#include <asm/ibt.h>
static inline unsigned long pshare_kprobe_entry(unsigned long addr)
{
	u32 insn;

	if (!copy_from_kernel_nofault(&insn, (void *)(addr - ENDBR_INSN_SIZE),
				      sizeof(insn)) && is_endbr(insn))
		return addr - ENDBR_INSN_SIZE;
	return addr;
}
#else
static inline unsigned long pshare_kprobe_entry(unsigned long addr)
{
	return addr;
}
#endif

/*
 * Static calls must be direct calls wherever the kernel enforces IBT: a
 * kernel with IBT and only generic (pointer) static calls cannot be served.
 */
#if defined(CONFIG_X86_KERNEL_IBT) && !defined(CONFIG_HAVE_STATIC_CALL)
#error "pshare needs HAVE_STATIC_CALL on a kernel with X86_KERNEL_IBT"
#endif

/**
 * pshare_static_call_direct() - does a static call trampoline jump to @func?
 * @tramp: the trampoline, after __static_call_update()
 * @func: the function it was set to
 *
 * On x86 an updated trampoline is ``jmp rel32`` (opcode 0xe9) to the
 * function (arch/x86/kernel/static_call.c).
 *
 * Return: 0 if it does, or -EOPNOTSUPP.
 */
#if defined(CONFIG_X86) && defined(CONFIG_HAVE_STATIC_CALL)
static inline int pshare_static_call_direct(const void *tramp,
					    unsigned long func)
{
	const u8 *insn = tramp;
	s32 rel;

	if (insn[0] != 0xe9)
		return -EOPNOTSUPP;
	memcpy(&rel, insn + 1, sizeof(rel));
	return (unsigned long)insn + 5 + rel == func ? 0 : -EOPNOTSUPP;
}
#else
static inline int pshare_static_call_direct(const void *tramp,
					    unsigned long func)
{
	return IS_ENABLED(CONFIG_X86_KERNEL_IBT) ? -EOPNOTSUPP : 0;
}
#endif

/* The mapcount of a small page: page_mapcount() went in 6.12. */
static inline int pshare_page_mapcount(struct page *page)
{
#if PSHARE_HAVE_FOLIO_WALK
	return folio_mapcount(page_folio(page));
#else
	return page_mapcount(page);
#endif
}

/* An MMU_NOTIFY_CLEAR range: mmu_notifier_range_init() lost @vma in 6.3. */
static inline void
pshare_mmu_notifier_range_init(struct mmu_notifier_range *range,
			       struct vm_area_struct *vma, struct mm_struct *mm,
			       unsigned long start, unsigned long end)
{
#if PSHARE_HAVE_FOLIO_WALK
	mmu_notifier_range_init(range, MMU_NOTIFY_CLEAR, 0, mm, start, end);
#else
	mmu_notifier_range_init(range, MMU_NOTIFY_CLEAR, 0, vma, mm, start,
				end);
#endif
}

/*
 * A write-protected PTE: 6.1 still had the NUMA-hinting "savedwrite" bit of
 * a PROT_NONE PTE, which must be cleared as the write bit is.
 */
#if PSHARE_HAVE_FOLIO_WALK
static inline bool pshare_pte_writable(pte_t pte)
{
	return pte_write(pte);
}

static inline pte_t pshare_pte_wrprotect(pte_t pte)
{
	return pte_wrprotect(pte);
}
#else
static inline bool pshare_pte_writable(pte_t pte)
{
	return pte_write(pte) || (pte_protnone(pte) && pte_savedwrite(pte));
}

static inline pte_t pshare_pte_wrprotect(pte_t pte)
{
	return pte_protnone(pte) ? pte_clear_savedwrite(pte) :
				   pte_wrprotect(pte);
}
#endif

/* pmdp_get_lockless(), which 6.1 has for PTEs only. */
static inline pmd_t pshare_pmdp_get_lockless(pmd_t *pmd)
{
#if PSHARE_HAVE_FOLIO_WALK
	return pmdp_get_lockless(pmd);
#else
	pmd_t pmde = *pmd;

	barrier();
	return pmde;
#endif
}

/*
 * break_ksm()'s fault: 6.1 faults for write and is done at VM_FAULT_WRITE;
 * 6.12 has no VM_FAULT_WRITE, faults to unshare, and is done when the page
 * is no longer a KSM page.
 */
#if PSHARE_HAVE_FOLIO_WALK
#define PSHARE_FAULT_BREAK_COW		FAULT_FLAG_UNSHARE
#define PSHARE_VM_FAULT_BROKE_COW	0
#else
#define PSHARE_FAULT_BREAK_COW		FAULT_FLAG_WRITE
#define PSHARE_VM_FAULT_BROKE_COW	VM_FAULT_WRITE
#endif

/* See folio_try_share_anon_rmap_pte() (6.12), page_try_share_anon_rmap(). */
static inline int pshare_try_share_anon_rmap(struct page *page)
{
#if PSHARE_HAVE_FOLIO_WALK
	return folio_try_share_anon_rmap_pte(page_folio(page), page);
#else
	return page_try_share_anon_rmap(page);
#endif
}

/*
 * Shrinkers: 6.1 registers one the caller allocated; 6.7 and later allocate
 * them (shrinker_alloc) so that they can be freed after an RCU grace period.
 */
#include <linux/shrinker.h>
static inline struct shrinker *
pshare_shrinker_create(unsigned long (*count)(struct shrinker *,
					      struct shrink_control *),
		       unsigned long (*scan)(struct shrinker *,
					     struct shrink_control *),
		       const char *name)
{
#if PSHARE_HAVE_FOLIO_WALK
	struct shrinker *s = shrinker_alloc(0, "%s", name);
#else
	struct shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;
#endif

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
#if PSHARE_HAVE_FOLIO_WALK
	shrinker_register(s);
#else
	ret = register_shrinker(s, "%s", name);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
#endif
	return s;
}

static inline void pshare_shrinker_destroy(struct shrinker *s)
{
#if PSHARE_HAVE_FOLIO_WALK
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/*
 * The nominal frequency of one CPU, in kHz, where cpufreq knows none (a
 * virtual machine): the TSC's on x86, else 1 GHz.
 */
#ifdef CONFIG_X86
#include <asm/tsc.h>
static inline unsigned int pshare_nominal_khz(void)
{
	return tsc_khz ? tsc_khz : 1000000;
}
#else
static inline unsigned int pshare_nominal_khz(void)
{
	return 1000000;
}
#endif

#endif /* _PSHARE_COMPAT_H */
