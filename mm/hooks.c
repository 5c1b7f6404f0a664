// SPDX-License-Identifier: GPL-2.0-only
/* pshare: kernel hooks: ksm_madvise() and whole-process merging (prctl). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/ksm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/coredump.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <pshare/compat.h>
#include "hooks.h"
#include "madvise.h"
#include "ops.h"
#include "pshare.h"
#include "symbols.h"

/**
 * DOC: Hooks
 *
 * The kernel's rmap_walk_ksm() finds the mappings of a KSM page at the
 * addresses its rmap items recorded. mremap() moves page table entries to
 * new addresses; so before it moves any, move_vma() calls
 * ksm_madvise(MADV_UNMERGEABLE) on the old range, which for a KSM-managed
 * (VM_MERGEABLE) VMA breaks every KSM page there. pshare's VMAs are not
 * VM_MERGEABLE, and without help a merged page would move while its rmap
 * item kept the old address. Page migration could then install migration
 * entries through the item, see them move, fail to find them again, and
 * leave one behind: the next fault on it hits a BUG in the kernel.
 *
 * So pshare redirects ksm_madvise() with a kprobe whose handler sets the
 * instruction pointer to pshare_ksm_madvise(), with the caller's stack
 * and arguments untouched (on the stock kernel the kprobe is ftrace-based,
 * which allows the same). pshare_ksm_madvise() breaks pshare's merged
 * pages in the range of an address space with registrations, as the
 * kernel does for its own, and then calls the real ksm_madvise(); that
 * call comes from this module, so the handler lets it through.
 *
 * The same hook carries madvise(MADV_MERGEABLE) to pshare when the
 * madvise parameter is on (madvise.c), and, when it is off, breaks
 * pshare's merged pages in a range that the kernel's KSM takes over.
 *
 * On 6.4 and later, prctl(PR_SET_MEMORY_MERGE) makes the kernel's KSM
 * merge a whole process without ksm_madvise(); see "Whole-process merging"
 * below for the four more functions pshare redirects there.
 *
 * Address spaces with registrations are marked in a small counting filter,
 * so that the hook costs an atomic read for every other mremap(); the
 * filter is written before any page of the address space can merge.
 * Unload waits for calls still inside pshare_ksm_madvise().
 */

/* Calls redirected and not yet back out of this module. */
static atomic_t pshare_hook_inflight = ATOMIC_INIT(0);

/*
 * Break every merged page in [@start, @end) of @vma: it is about to move.
 * pshare_ops_break_cow() waits for a migration in progress to finish, as
 * the kernel's break_ksm() does: a migration entry must not move either.
 * A mapping swapped out moves as a swap entry, which no migration can be
 * working on; once swapped in at the new address it is unknown to rmap,
 * to every walk alike.
 */
static void pshare_unmerge_moving(struct vm_area_struct *vma,
				  unsigned long start, unsigned long end)
{
	unsigned long addr;

	for (addr = start; addr < end; addr += PAGE_SIZE)
		pshare_ops_break_cow(vma, addr);
}

/*
 * Runs in place of ksm_madvise(), with its arguments; mmap_lock is held
 * for write (madvise, mremap). The madvise registration of madvise.c
 * starts here; see its DOC. A VM_MERGEABLE VMA is the kernel's, and
 * always goes to the real ksm_madvise(), which breaks its KSM pages itself.
 */
static int pshare_ksm_madvise(struct vm_area_struct *vma, unsigned long start,
			      unsigned long end, int advice,
			      unsigned long *vm_flags)
{
	bool mine = !(*vm_flags & VM_MERGEABLE) && pshare_ops_vma_ok(vma);
	bool known = pshare_filter_test(vma->vm_mm);
	int ret;

	/*
	 * A fork child inherits the mappings of merged pages, not the
	 * registration: its VMA links to its parent's anon_vma, which is how
	 * rmap finds those mappings. Such a VMA may hold pshare's pages as
	 * long as any exist.
	 */
	if (!known && vma->anon_vma && !list_is_singular(&vma->anon_vma_chain))
		known = atomic_long_read(&pshare_stats.stable_nodes) > 0;

	if (advice != MADV_MERGEABLE && advice != MADV_UNMERGEABLE)
		goto kernel;
	if (advice == MADV_MERGEABLE && mine && pshare_madvise_enabled()) {
		ret = pshare_madvise_queue(vma->vm_mm, start, end, advice);
		goto out;
	}
	/*
	 * madvise=1: ksmd gets no new memory through madvise(). What pshare
	 * cannot take (a private file mapping) stays unmerged; handing it to
	 * the kernel would also put the process in ksmd's list, and then a
	 * process whose whole-process merging is pshare's would give its next
	 * VMAs to ksmd (ksm_add_vma()).
	 */
	if (advice == MADV_MERGEABLE && pshare_madvise_enabled() &&
	    !(*vm_flags & VM_MERGEABLE)) {
		pr_info_once("madvise=1: MADV_MERGEABLE of memory pshare cannot merge (not private anonymous, such as a private file mapping) is accepted and merges nowhere\n");
		ret = 0;
		goto out;
	}
	/*
	 * Leaving pshare: for mremap() the pages move, for the kernel's KSM
	 * they change hands. Either way, no merged page of pshare's may stay.
	 */
	if (!(*vm_flags & VM_MERGEABLE) && known && vma->anon_vma)
		pshare_unmerge_moving(vma, start, end);
	if (advice == MADV_UNMERGEABLE && mine && known &&
	    pshare_madvise_enabled()) {
		ret = pshare_madvise_queue(vma->vm_mm, start, end, advice);
		if (ret)
			goto out;
	}
kernel:
	ret = ksm_madvise(vma, start, end, advice, vm_flags);
out:
	atomic_dec(&pshare_hook_inflight);
	return ret;
}

#if PSHARE_HAVE_MERGE_ANY
/**
 * DOC: Whole-process merging
 *
 * prctl(PR_SET_MEMORY_MERGE, 1) (systemd's MemoryKSM=yes) calls
 * ksm_enable_merge_any(), which sets MMF_VM_MERGE_ANY on the process, enters
 * it in ksmd's list (__ksm_enter()) and marks every VMA VM_MERGEABLE; from
 * then on ksm_add_vma() marks each new VMA, and the flag is inherited over
 * fork and exec (where ksm_execve() enters the new mm). ksm_madvise() never
 * runs, so without more hooks pshare would not see it, and ksmd would scan
 * VMAs holding pshare's merged pages and take pshare's nodes for its own.
 *
 * With madvise=1 the process is pshare's instead: ksm_enable_merge_any()
 * sets MMF_VM_MERGE_ANY (so that PR_GET_MEMORY_MERGE reads 1 and fork and
 * exec pass it on as the kernel does) but neither enters ksmd's list nor
 * marks a VMA; the process is registered as a whole (present and future
 * VMAs, as an operator's whole-process registration with salt 0). In a
 * process with MMF_VM_MERGE_ANY that ksmd does not have (no
 * MMF_VM_MERGEABLE), ksm_add_vma() marks nothing and registers the process
 * with pshare if it is new to it (a fork child, an exec'd image), and the
 * __ksm_enter() of exec is refused. PR_SET_MEMORY_MERGE 0 breaks pshare's
 * merged pages of the process before it returns, and ends the registration.
 *
 * With madvise=0 the process is the kernel's: before ksm_enable_merge_any()
 * marks its VMAs, pshare breaks its own merged pages in them, and lets
 * those addresses go (as for MADV_MERGEABLE). Either way no VMA holds pages
 * of both engines.
 */

/* Is whole-process merging of @mm pshare's (madvise=1, not ksmd's)? */
static bool pshare_any_ours(struct mm_struct *mm)
{
	return pshare_madvise_enabled() &&
	       test_bit(MMF_VM_MERGE_ANY, &mm->flags) &&
	       !test_bit(MMF_VM_MERGEABLE, &mm->flags);
}

/*
 * Register @mm as a whole with pshare, once: a second ksm_add_vma() of the
 * same process finds it noted (the whole-process registration picks up its
 * new VMAs once a second) until its registration ends. Context: mmap_lock
 * held for write.
 */
static int pshare_any_adopt(struct mm_struct *mm)
{
	int ret;

	lockdep_assert_held_write(&mm->mmap_lock);
	/* Before the request: the worker may forget it at once. */
	ret = pshare_filter_any_add(mm);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = pshare_madvise_queue_whole(mm, true);
	if (ret)
		pshare_filter_any_forget(mm);
	return ret;
}

/* Break pshare's merged pages in every VMA of @mm. mmap_lock held (write). */
static void pshare_unmerge_mm(struct mm_struct *mm)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;

	lockdep_assert_held_write(&mm->mmap_lock);
	if (!pshare_filter_test(mm))
		return;
	for_each_vma(vmi, vma)
		if (vma->anon_vma && !(vma->vm_flags & VM_MERGEABLE))
			pshare_unmerge_moving(vma, vma->vm_start, vma->vm_end);
}

/* Runs in place of ksm_enable_merge_any(); prctl holds mmap_lock (write). */
static int pshare_ksm_enable_merge_any(struct mm_struct *mm)
{
	int ret;

	if (test_bit(MMF_VM_MERGE_ANY, &mm->flags)) {
		ret = 0;
	} else if (pshare_madvise_enabled() &&
		   !test_bit(MMF_VM_MERGEABLE, &mm->flags)) {
		ret = pshare_any_adopt(mm);
		if (!ret)
			set_bit(MMF_VM_MERGE_ANY, &mm->flags);
	} else {
		/* The kernel's: pshare's pages there go first. */
		pshare_unmerge_mm(mm);
		ret = pshare_call(ksm_enable_merge_any)(mm);
	}
	atomic_dec(&pshare_hook_inflight);
	return ret;
}

/* Runs in place of ksm_disable_merge_any(); mmap_lock held (write). */
static int pshare_ksm_disable_merge_any(struct mm_struct *mm)
{
	int ret;

	if (test_bit(MMF_VM_MERGE_ANY, &mm->flags) &&
	    !test_bit(MMF_VM_MERGEABLE, &mm->flags)) {
		/* pshare's: nothing merged may remain when prctl returns. */
		pshare_unmerge_mm(mm);
		ret = pshare_madvise_queue_whole(mm, false);
		if (!ret) {
			pshare_filter_any_forget(mm);
			clear_bit(MMF_VM_MERGE_ANY, &mm->flags);
		}
	} else {
		ret = pshare_call(ksm_disable_merge_any)(mm);
	}
	atomic_dec(&pshare_hook_inflight);
	return ret;
}

/* Runs in place of ksm_add_vma(); mmap() and brk() hold mmap_lock (write). */
static void pshare_ksm_add_vma(struct vm_area_struct *vma)
{
	if (pshare_any_ours(vma->vm_mm)) {
		if (pshare_any_adopt(vma->vm_mm))
			pr_warn_ratelimited("process %d (%s): cannot register its whole-process merging\n",
					    current->tgid, current->comm);
	} else {
		pshare_call(ksm_add_vma)(vma);
	}
	atomic_dec(&pshare_hook_inflight);
}

/*
 * Runs in place of __ksm_enter(). exec (ksm_execve()) enters a new mm with
 * MMF_VM_MERGE_ANY into ksmd's list; for a process whose merging is
 * pshare's, that is refused: its first ksm_add_vma() registers it. The other
 * callers (ksm_madvise(), and ksm_enable_merge_any() and ksm_add_vma() when
 * they run for the kernel) work on current's own mm.
 */
static int pshare___ksm_enter(struct mm_struct *mm)
{
	int ret = 0;

	if (mm == current->mm || !pshare_any_ours(mm))
		ret = pshare_call(__ksm_enter)(mm);
	atomic_dec(&pshare_hook_inflight);
	return ret;
}
#endif /* PSHARE_HAVE_MERGE_ANY */

/**
 * struct pshare_redirect - a kernel function that runs pshare's instead
 * @kp: the kprobe on it
 * @to: pshare's function, with the same arguments
 */
struct pshare_redirect {
	struct kprobe kp;
	void *to;
};

static int pshare_redirect_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct pshare_redirect *r = container_of(p, struct pshare_redirect, kp);
	unsigned long ret_addr = *(unsigned long *)kernel_stack_pointer(regs);

	/* pshare's function calling the real one: let it run. */
	if (within_module(ret_addr, THIS_MODULE))
		return 0;
	atomic_inc(&pshare_hook_inflight);
	instruction_pointer_set(regs, (unsigned long)r->to);
	return 1;	/* resume at the new instruction pointer */
}

/*
 * A post handler makes kprobes arm an ftrace-based probe with IPMODIFY, as
 * the kernel's own fail_function does for the same trick; it never runs
 * when the pre handler moved the instruction pointer.
 */
static void pshare_redirect_post(struct kprobe *p, struct pt_regs *regs,
				 unsigned long flags)
{
}

#define PSHARE_REDIRECT(name)						\
	{ .kp = { .symbol_name = #name,					\
		  .pre_handler = pshare_redirect_pre,			\
		  .post_handler = pshare_redirect_post },		\
	  .to = pshare_##name }

static struct pshare_redirect pshare_redirects[] = {
	PSHARE_REDIRECT(ksm_madvise),
#if PSHARE_HAVE_MERGE_ANY
	PSHARE_REDIRECT(ksm_enable_merge_any),
	PSHARE_REDIRECT(ksm_disable_merge_any),
	PSHARE_REDIRECT(ksm_add_vma),
	PSHARE_REDIRECT(__ksm_enter),
#endif
};

/* How many redirects are in place: all after pshare_hooks_init(), or none. */
static int pshare_redirects_live;

/* Remove the first @n redirects; wait for calls still inside pshare's. */
static void pshare_redirects_remove(int n)
{
	while (n--)
		unregister_kprobe(&pshare_redirects[n].kp);
	while (atomic_read(&pshare_hook_inflight))
		usleep_range(1000, 2000);
	/* A caller preempted on its way out of pshare's function. */
	synchronize_rcu_tasks();
}

/** pshare_hooks_init() - redirect ksm_madvise() and whole-process merging */
int pshare_hooks_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(pshare_redirects); i++) {
		ret = register_kprobe(&pshare_redirects[i].kp);
		if (ret) {
			pr_err("cannot hook %s (kprobe: %d)\n",
			       pshare_redirects[i].kp.symbol_name, ret);
			pshare_redirects_remove(i);
			return ret;
		}
	}
	pshare_redirects_live = ARRAY_SIZE(pshare_redirects);
	return 0;
}

/**
 * pshare_hooks_exit() - remove the hooks; wait for calls inside them
 *
 * Also after a failed pshare_hooks_init(), whose redirects are gone
 * already: what the hooks put in the filter meanwhile goes.
 */
void pshare_hooks_exit(void)
{
	pshare_redirects_remove(pshare_redirects_live);
	pshare_redirects_live = 0;
	pshare_filter_exit();
}
