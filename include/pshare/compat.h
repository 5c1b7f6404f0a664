/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pshare compat: every difference between kernel versions lives here.
 *
 * pshare targets Debian 12's 6.1 LTS kernel. Code elsewhere uses the names
 * below and never tests LINUX_VERSION_CODE itself.
 */
#ifndef _PSHARE_COMPAT_H
#define _PSHARE_COMPAT_H

#include <linux/version.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#error "pshare supports Linux 6.1 (Debian 12); port this compat header first"
#endif

/*
 * <kunit/visibility.h> arrived in 6.2; these are its two macros. Functions
 * that only the KUnit suites call are exported to them, in the namespace
 * EXPORTED_FOR_KUNIT_TESTING, and only when the kernel has KUnit.
 */
#if IS_ENABLED(CONFIG_KUNIT)
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
 * 6.1 keeps RSS counters as atomics and traces each change through
 * mm_trace_rss_stat(), which is not exported (6.2 moved to percpu
 * counters). @trace is that function, resolved by symbols.c.
 */
#include <linux/mm_types.h>
static inline void pshare_dec_anon_rss(struct mm_struct *mm,
				       void (*trace)(struct mm_struct *, int, long))
{
	long count = atomic_long_dec_return(&mm->rss_stat.count[MM_ANONPAGES]);

	trace(mm, MM_ANONPAGES, count);
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
