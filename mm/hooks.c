// SPDX-License-Identifier: GPL-2.0-only
/* pshare: kernel hooks: ksm_madvise(), for madvise registration and mremap. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/ksm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include "ops.h"
#include "pshare.h"

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
 * Address spaces with registrations are marked in a small counting filter,
 * so that the hook costs an atomic read for every other mremap(); the
 * filter is written before any page of the address space can merge.
 * Unload waits for calls still inside pshare_ksm_madvise().
 */

#define PSHARE_MM_FILTER_BITS	8

static atomic_t pshare_mm_filter[1 << PSHARE_MM_FILTER_BITS];
/* Calls redirected and not yet back out of this module. */
static atomic_t pshare_hook_inflight = ATOMIC_INIT(0);

static atomic_t *pshare_mm_bucket(struct mm_struct *mm)
{
	return &pshare_mm_filter[hash_ptr(mm, PSHARE_MM_FILTER_BITS)];
}

/** pshare_hook_mm_add() - @mm has registrations from now on */
void pshare_hook_mm_add(struct mm_struct *mm)
{
	atomic_inc(pshare_mm_bucket(mm));
}

/** pshare_hook_mm_del() - @mm has no registration any more */
void pshare_hook_mm_del(struct mm_struct *mm)
{
	atomic_dec(pshare_mm_bucket(mm));
}

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
	bool known = atomic_read(pshare_mm_bucket(vma->vm_mm));
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

static int pshare_ksm_madvise_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned long ret_addr = *(unsigned long *)kernel_stack_pointer(regs);

	/* pshare_ksm_madvise() calling the real one: let it run. */
	if (within_module(ret_addr, THIS_MODULE))
		return 0;
	atomic_inc(&pshare_hook_inflight);
	instruction_pointer_set(regs, (unsigned long)pshare_ksm_madvise);
	return 1;	/* resume at the new instruction pointer */
}

/*
 * A post handler makes kprobes arm an ftrace-based probe with IPMODIFY, as
 * the kernel's own fail_function does for the same trick; it never runs
 * when the pre handler moved the instruction pointer.
 */
static void pshare_ksm_madvise_post(struct kprobe *p, struct pt_regs *regs,
				    unsigned long flags)
{
}

static struct kprobe pshare_ksm_madvise_kp = {
	.symbol_name = "ksm_madvise",
	.pre_handler = pshare_ksm_madvise_pre,
	.post_handler = pshare_ksm_madvise_post,
};

/** pshare_hooks_init() - redirect ksm_madvise() */
int pshare_hooks_init(void)
{
	int ret = register_kprobe(&pshare_ksm_madvise_kp);

	if (ret)
		pr_err("cannot hook ksm_madvise (kprobe: %d)\n", ret);
	return ret;
}

/** pshare_hooks_exit() - remove the hook; wait for calls inside it */
void pshare_hooks_exit(void)
{
	unregister_kprobe(&pshare_ksm_madvise_kp);
	while (atomic_read(&pshare_hook_inflight))
		usleep_range(1000, 2000);
	/* A caller preempted on its way out of pshare_ksm_madvise(). */
	synchronize_rcu_tasks();
}
