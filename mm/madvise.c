// SPDX-License-Identifier: GPL-2.0-only
/* pshare: registration by madvise(MADV_MERGEABLE), for unmodified hypervisors. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "madvise.h"
#include "merge.h"
#include "reap.h"
#include "register.h"

/**
 * DOC: madvise registration
 *
 * With the module parameter madvise=1, madvise(MADV_MERGEABLE) from any
 * process registers the private anonymous memory of the range with
 * pshare, and madvise(MADV_UNMERGEABLE) ends those registrations: what
 * QEMU does for guest RAM unless mem-merge=off. The kernel's ksm_madvise()
 * is redirected (hooks.c); for MADV_MERGEABLE it then never runs, so the
 * VMA does not become VM_MERGEABLE and the kernel's ksmd never sees it.
 * MADV_MERGEABLE of memory pshare cannot merge (a private file mapping)
 * succeeds and merges nowhere: with madvise=1 ksmd gets no new memory.
 *
 * The hook runs with mmap_lock held for write, and pshare's lock order
 * puts pshare_engine_lock before mmap_lock; so the hook only queues the
 * request, and a work item registers it moments later, taking the locks
 * in order. The queue holds a reference (mmgrab) on each address space.
 *
 * MADV_UNMERGEABLE must leave no merged page behind when madvise()
 * returns. The hook breaks pshare's merged pages in the range itself, and
 * until the worker has ended the registrations there, the request stays
 * on the queue, where pshare_madvise_blocked(), the merge veto that
 * pshare_madvise_init() sets, shows it to the merge primitive: a merge
 * takes the mm's mmap_lock for read and checks the queue under it, so it
 * either ran before the hook (which then broke what it merged) or sees
 * the request and merges nothing.
 * As with the kernel's KSM, no privilege is needed: sharing domains
 * (salting 2, the default) keep processes apart.
 *
 * madvise=0, the default, leaves madvise() to the kernel's KSM: pshare
 * only breaks its own merged pages in a range that becomes VM_MERGEABLE,
 * and gives those pages up (the two engines never share a VMA).
 */

/*
 * madvise: 1 sends madvise(MADV_MERGEABLE/UNMERGEABLE) of private
 * anonymous memory to pshare instead of the kernel's KSM; 0, the default,
 * leaves it to the kernel. Writable at any time; a change applies to
 * later calls only.
 */
static bool madvise;

static int pshare_madvise_param_set(const char *val,
				    const struct kernel_param *kp)
{
	bool old = READ_ONCE(madvise);
	int ret = param_set_bool(val, kp);

	if (ret || old == READ_ONCE(madvise))
		return ret;
	if (READ_ONCE(madvise))
		pr_info("madvise=1: madvise(MADV_MERGEABLE) of private anonymous memory now registers with pshare; VMAs already VM_MERGEABLE stay with the kernel's ksmd\n");
	else
		pr_info("madvise=0: madvise(MADV_MERGEABLE) goes to the kernel's KSM again; pshare keeps what it registered\n");
	return 0;
}

static const struct kernel_param_ops pshare_madvise_param_ops = {
	.set = pshare_madvise_param_set,
	.get = param_get_bool,
};
module_param_cb(madvise, &pshare_madvise_param_ops, &madvise, 0644);
MODULE_PARM_DESC(madvise,
		 "Register madvise(MADV_MERGEABLE) memory with pshare instead of the kernel's KSM (default 0)");

/*
 * MADV_MERGEABLE requests waiting for the worker; beyond this many,
 * madvise() gets EAGAIN. MADV_UNMERGEABLE (which mremap() sends too) is
 * never refused for that.
 */
#define PSHARE_MADV_MAX_PENDING	4096

/**
 * struct pshare_madv_req - one madvise() call waiting for the worker
 * @link: on pshare_madv_list, under pshare_madv_lock
 * @mm: the caller's address space, pinned with mmgrab()
 * @start: first byte
 * @end: byte past the last
 * @advice: MADV_MERGEABLE or MADV_UNMERGEABLE
 * @whole: prctl(PR_SET_MEMORY_MERGE): whole-process mode starts or ends
 * @task: the calling thread, referenced, for its tgid and name
 */
struct pshare_madv_req {
	struct list_head link;
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	int advice;
	bool whole;
	struct task_struct *task;
};

static DEFINE_SPINLOCK(pshare_madv_lock);
static LIST_HEAD(pshare_madv_list);	/* under pshare_madv_lock */
static unsigned int pshare_madv_pending;	/* under pshare_madv_lock */
/* MADV_UNMERGEABLE requests on the list: pshare_madvise_blocked() looks. */
static atomic_t pshare_madv_unmerges = ATOMIC_INIT(0);
static bool pshare_madv_stopping;	/* under pshare_madv_lock */

static void pshare_madv_work_fn(struct work_struct *work);
static DECLARE_WORK(pshare_madv_work, pshare_madv_work_fn);

/** pshare_madvise_enabled() - does madvise(MADV_MERGEABLE) go to pshare? */
bool pshare_madvise_enabled(void)
{
	return READ_ONCE(madvise);
}

/* Carry out one request. Context: pshare_engine_lock held. */
static void pshare_madv_apply(struct pshare_madv_req *req)
{
	struct pshare_mm *pmm;

	lockdep_assert_held(&pshare_engine_lock);

	if (!mmget_not_zero(req->mm)) {
		if (req->whole)
			pshare_filter_any_forget(req->mm);
		return;
	}
	if (req->advice == MADV_MERGEABLE) {
		int ret;

		pmm = pshare_mm_find_or_create(req->mm, req->task);
		if (IS_ERR(pmm)) {
			ret = PTR_ERR(pmm);
			if (req->whole)
				pshare_filter_any_forget(req->mm);
		} else {
			pmm->madvised = true;
			if (req->whole) {
				/* As PSHARE_IOC_REGISTER_TARGET, salt 0. */
				pmm->whole = true;
				pmm->whole_salt = 0;
				pmm->whole_weight = 0;
				pmm->whole_at = ktime_get_ns();
			}
			pshare_process_unmapped(pmm);
			ret = pshare_cover(pmm, req->start, req->end, 0, 0);
			pshare_mm_free_if_unused(pmm);
		}
		if (ret)
			pr_warn_ratelimited("%s of %d (%s): not all registered: %d\n",
					    req->whole ? "prctl(PR_SET_MEMORY_MERGE)" :
					    "madvise(MADV_MERGEABLE)",
					    req->task->tgid, req->task->comm, ret);
	} else {
		pmm = pshare_mm_find(req->mm);
		if (pmm) {
			if (req->whole)
				pmm->whole = false;
			pshare_uncover(pmm, req->start, req->end);
			pshare_mm_free_if_unused(pmm);
		}
	}
	mmput(req->mm);
}

static void pshare_madv_free(struct pshare_madv_req *req)
{
	mmdrop(req->mm);
	put_task_struct(req->task);
	kfree(req);
}

/*
 * A work item never runs twice at once, so the first request stays first
 * while it is applied; only then does it leave the list (see the DOC).
 */
static void pshare_madv_work_fn(struct work_struct *work)
{
	struct pshare_madv_req *req;

	for (;;) {
		spin_lock(&pshare_madv_lock);
		req = list_first_entry_or_null(&pshare_madv_list,
					       struct pshare_madv_req, link);
		spin_unlock(&pshare_madv_lock);
		if (!req)
			break;
		mutex_lock(&pshare_engine_lock);
		pshare_madv_apply(req);
		mutex_unlock(&pshare_engine_lock);
		spin_lock(&pshare_madv_lock);
		list_del(&req->link);
		pshare_madv_pending--;
		if (req->advice == MADV_UNMERGEABLE)
			atomic_dec(&pshare_madv_unmerges);
		spin_unlock(&pshare_madv_lock);
		pshare_madv_free(req);
		cond_resched();
	}
}

/**
 * pshare_madvise_blocked() - may @addr of @mm not merge now?
 * @mm: the address space, mmap_lock held (for read, at least)
 * @addr: user address
 *
 * Return: true while a MADV_UNMERGEABLE request covering @addr waits.
 */
static bool pshare_madvise_blocked(struct mm_struct *mm, unsigned long addr)
{
	struct pshare_madv_req *req;
	bool blocked = false;

	if (!atomic_read(&pshare_madv_unmerges))
		return false;
	spin_lock(&pshare_madv_lock);
	list_for_each_entry(req, &pshare_madv_list, link) {
		if (req->advice == MADV_UNMERGEABLE && req->mm == mm &&
		    addr >= req->start && addr < req->end) {
			blocked = true;
			break;
		}
	}
	spin_unlock(&pshare_madv_lock);
	return blocked;
}

static int pshare_madv_queue(struct mm_struct *mm, unsigned long start,
			     unsigned long end, int advice, bool whole)
{
	struct pshare_madv_req *req;

	lockdep_assert_held_write(&mm->mmap_lock);
	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->start = start;
	req->end = end;
	req->advice = advice;
	req->whole = whole;
	spin_lock(&pshare_madv_lock);
	if (pshare_madv_stopping ||
	    (advice == MADV_MERGEABLE &&
	     pshare_madv_pending >= PSHARE_MADV_MAX_PENDING)) {
		spin_unlock(&pshare_madv_lock);
		kfree(req);
		pr_warn_ratelimited("madvise requests are coming faster than pshare registers them; returning EAGAIN\n");
		return -EAGAIN;
	}
	mmgrab(mm);
	req->mm = mm;
	req->task = get_task_struct(current);
	list_add_tail(&req->link, &pshare_madv_list);
	pshare_madv_pending++;
	if (advice == MADV_UNMERGEABLE)
		atomic_inc(&pshare_madv_unmerges);
	spin_unlock(&pshare_madv_lock);
	queue_work(system_unbound_wq, &pshare_madv_work);
	return 0;
}

/**
 * pshare_madvise_queue() - have a madvise() call applied to pshare
 * @mm: the caller's address space
 * @start: first byte of the VMA's part the call covers
 * @end: byte past the last
 * @advice: MADV_MERGEABLE or MADV_UNMERGEABLE
 *
 * Context: the madvise() or mremap() caller, mmap_lock held for write.
 * Return: 0, -ENOMEM, or -EAGAIN when too many requests are pending.
 */
int pshare_madvise_queue(struct mm_struct *mm, unsigned long start,
			 unsigned long end, int advice)
{
	lockdep_assert_held_write(&mm->mmap_lock);
	return pshare_madv_queue(mm, start, end, advice, false);
}

/**
 * pshare_madvise_queue_whole() - have prctl(PR_SET_MEMORY_MERGE) applied
 * @mm: the address space, mmap_lock held for write
 * @enable: true: register every VMA, present and future (whole-process
 *	    mode, as an operator's PSHARE_IOC_REGISTER_TARGET of the whole
 *	    process with salt 0); false: end that mode and every registration
 *
 * Return: 0, -ENOMEM, or -EAGAIN when too many requests are pending.
 */
int pshare_madvise_queue_whole(struct mm_struct *mm, bool enable)
{
	return pshare_madv_queue(mm, 0, mm->task_size,
				 enable ? MADV_MERGEABLE : MADV_UNMERGEABLE, true);
}

/**
 * pshare_madvise_init() - have merges wait for MADV_UNMERGEABLE requests
 *
 * Before pshared starts; see DOC: madvise registration.
 */
void pshare_madvise_init(void)
{
	pshare_merge_set_veto(pshare_madvise_blocked);
}

/**
 * pshare_madvise_exit() - drop the pending requests, at unload
 *
 * Before the registrations end; from here on the hook refuses requests
 * (EAGAIN), which can reach madvise() or mremap() only while the module
 * is going away.
 */
void pshare_madvise_exit(void)
{
	struct pshare_madv_req *req, *tmp;

	pshare_merge_set_veto(NULL);
	spin_lock(&pshare_madv_lock);
	pshare_madv_stopping = true;
	spin_unlock(&pshare_madv_lock);
	cancel_work_sync(&pshare_madv_work);
	list_for_each_entry_safe(req, tmp, &pshare_madv_list, link) {
		list_del(&req->link);
		pshare_madv_free(req);
	}
	pshare_madv_pending = 0;
	atomic_set(&pshare_madv_unmerges, 0);
}
