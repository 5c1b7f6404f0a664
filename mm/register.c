// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: registrations. A registration is a range of one address space;
 * it belongs to the address space (not to a file descriptor) and ends on
 * unregister, on munmap of the range, or when the process exits. An mmu
 * notifier per address space reports the last two.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "domain.h"
#include "index.h"
#include "ops.h"
#include "rate.h"
#include "reap.h"
#include "register.h"

#define PSHARE_MAX_UNMAPPED	64	/* recorded intervals before overflow */

/**
 * pshare_check_range() - validate a user range
 * @start: first byte
 * @len: length in bytes
 *
 * Return: 0, or -EINVAL if unaligned, empty, wrapping or beyond user space.
 */
int pshare_check_range(unsigned long start, unsigned long len)
{
	if (!len || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (start + len < start || start + len > TASK_SIZE)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_check_range);
static void pshare_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct pshare_mm *pmm = container_of(mn, struct pshare_mm, mn);

	/* mmu_notifier_unregister() calls us too: that is not an exit. */
	if (READ_ONCE(pmm->freeing))
		return;
	pshare_reap_later(pmm);
}

/*
 * Record an munmap (or mremap away) for the scanner, which ends the
 * registration of those pages. May not sleep: the OOM reaper calls this.
 */
static int pshare_mn_invalidate_start(struct mmu_notifier *mn,
				      const struct mmu_notifier_range *range)
{
	struct pshare_mm *pmm = container_of(mn, struct pshare_mm, mn);
	struct pshare_unmapped *u;

	if (range->event != MMU_NOTIFY_UNMAP || READ_ONCE(pmm->dead))
		return 0;
	u = kmalloc(sizeof(*u), GFP_NOWAIT | __GFP_NOWARN);
	spin_lock(&pmm->unmap_lock);
	if (u && pmm->nr_unmapped < PSHARE_MAX_UNMAPPED) {
		u->start = range->start;
		u->end = range->end;
		list_add_tail(&u->link, &pmm->unmapped);
		pmm->nr_unmapped++;
		pshare_meta_alloced(u, sizeof(*u));
		u = NULL;
	} else {
		pmm->unmap_overflow = true;
	}
	spin_unlock(&pmm->unmap_lock);
	kfree(u);
	return 0;
}

static const struct mmu_notifier_ops pshare_mn_ops = {
	.release = pshare_mn_release,
	.invalidate_range_start = pshare_mn_invalidate_start,
};

/**
 * pshare_mm_find_or_create() - find @mm's &struct pshare_mm, or make it
 * @mm: the address space, with a reference (mm_users) held
 * @task: a task of it: the caller, or the target of an operator
 *
 * Takes no reference: a caller that may leave the pshare_mm with nothing
 * to keep it calls pshare_mm_free_if_unused() afterwards.
 *
 * Return: the pshare_mm, or an ERR_PTR (-ENOMEM, -EINTR).
 * Context: pshare_engine_lock held.
 */
struct pshare_mm *pshare_mm_find_or_create(struct mm_struct *mm,
					   struct task_struct *task)
{
	lockdep_assert_held(&pshare_engine_lock);

	static u64 pshare_mm_serial;	/* under pshare_engine_lock */
	struct pshare_mm *pmm = pshare_mm_find(mm);
	int ret;

	if (pmm)
		return pmm;
	pmm = kzalloc(sizeof(*pmm), GFP_KERNEL);
	if (!pmm)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&pmm->ranges);
	INIT_LIST_HEAD(&pmm->unmapped);
	spin_lock_init(&pmm->unmap_lock);
	pmm->mn.ops = &pshare_mn_ops;
	ret = mmu_notifier_register(&pmm->mn, mm);
	if (ret) {
		kfree(pmm);
		return ERR_PTR(ret);
	}
	mmgrab(mm);
	pmm->mm = mm;
	/* Before any page here merges: see hooks.c. */
	pshare_filter_add(mm);
	pmm->tgid = task->tgid;
	get_task_comm(pmm->comm, task);
	pmm->serial = ++pshare_mm_serial;
	pshare_meta_alloced(pmm, sizeof(*pmm));
	list_add_tail(&pmm->link, &pshare_mms);
	return pmm;
}

/* Check that [start, end) is wholly private anonymous memory. */
static int pshare_check_vmas(struct mm_struct *mm, unsigned long start,
			     unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return -ENOMEM;
		if (vma->vm_flags & VM_MERGEABLE)
			return -EBUSY;
		if (!pshare_ops_vma_ok(vma))
			return -EINVAL;
	}
	return 0;
}

/*
 * Put @r on @pmm's list, after checking its memory and that it overlaps no
 * registration. On error the caller still owns @r. Context:
 * pshare_engine_lock held; @pmm's mm live.
 */
static int pshare_range_insert(struct pshare_mm *pmm, struct pshare_range *r)
{
	struct pshare_range *pos, *next = NULL;
	int ret;

	lockdep_assert_held(&pshare_engine_lock);

	mmap_read_lock(pmm->mm);
	ret = pshare_check_vmas(pmm->mm, r->start, r->end);
	mmap_read_unlock(pmm->mm);
	if (ret)
		return ret;

	list_for_each_entry(pos, &pmm->ranges, link) {
		if (pos->start < r->end && r->start < pos->end)
			return -EEXIST;
		if (pos->start >= r->end) {
			next = pos;
			break;
		}
	}
	r->domain = pshare_domain_of(pmm, r->salt);
	ret = pshare_store_insert(pmm, r, next);	/* sorted */
	if (ret)
		return ret;
	pshare_rate_changed();
	pshare_index_fit();
	return 0;
}

/**
 * pshare_register() - register a range of @mm
 * @mm: the caller's address space
 * @start: first byte
 * @len: bytes
 * @salt: the caller's salt, below 2^63; 0 for none
 * @flags: must be 0
 * @weight: share of the host-wide scan budget, 1 to %PSHARE_WEIGHT_MAX;
 *	    0 for %PSHARE_WEIGHT_DEFAULT
 *
 * Return: 0; -EINVAL for bad flags, weight or salt, a bad range or memory
 * that is not private anonymous; -ENOMEM for a hole in the range or no
 * memory; -EBUSY for memory the kernel's KSM has (VM_MERGEABLE); -EEXIST
 * for an overlap with a registration; -ENOSPC past 65535 registrations or
 * when registered memory would pass four times the host's RAM;
 * -EINTR if a signal came while the first registration of an address
 * space attached its mmu notifier.
 */
int pshare_register(struct mm_struct *mm, unsigned long start,
		    unsigned long len, u64 salt, u32 flags, u32 weight)
{
	return pshare_register_task(mm, current, start, len, salt, flags,
				    weight);
}

/**
 * pshare_register_task() - pshare_register() on behalf of @task
 * @mm: @task's address space, referenced
 * @task: the process that is registered: the caller or an operator's
 *	  target
 * @start: as for pshare_register()
 * @len: as for pshare_register()
 * @salt: as for pshare_register()
 * @flags: as for pshare_register()
 * @weight: as for pshare_register()
 *
 * Return: as for pshare_register().
 */
int pshare_register_task(struct mm_struct *mm, struct task_struct *task,
			 unsigned long start, unsigned long len, u64 salt,
			 u32 flags, u32 weight)
{
	struct pshare_range *r;
	struct pshare_mm *pmm;
	int ret;

	if (flags || weight > PSHARE_WEIGHT_MAX)
		return -EINVAL;
	ret = pshare_check_salt(salt);
	if (!ret)
		ret = pshare_check_range(start, len);
	if (ret)
		return ret;
	r = pshare_range_alloc(start, len, salt, weight);
	if (IS_ERR(r))
		return PTR_ERR(r);

	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find_or_create(mm, task);
	if (IS_ERR(pmm)) {
		ret = PTR_ERR(pmm);
		goto unlock;
	}
	/* Apply older munmaps first: they must not hit the new range. */
	pshare_process_unmapped(pmm);
	ret = pshare_range_insert(pmm, r);
	if (ret)
		pshare_mm_free_if_unused(pmm);
unlock:
	mutex_unlock(&pshare_engine_lock);
	if (ret)
		pshare_range_free(r);
	else
		pshare_scan_wake();
	return ret;
}

#define PSHARE_COVER_BATCH	16

/*
 * Find up to PSHARE_COVER_BATCH intervals of [*@addr, @end) that are in
 * VMAs pshare may register and in no registration of @pmm; move *@addr
 * past them. Return how many were found.
 */
static unsigned int pshare_find_gaps(struct pshare_mm *pmm,
				     unsigned long *addr, unsigned long end,
				     unsigned long (*gaps)[2])
{
	VMA_ITERATOR(vmi, pmm->mm, *addr);
	struct vm_area_struct *vma;
	unsigned int n = 0;

	mmap_read_lock(pmm->mm);
	for_each_vma_range(vmi, vma, end) {
		unsigned long s = max(vma->vm_start, *addr);
		unsigned long e = min(vma->vm_end, end);
		struct pshare_range *r;

		/* PROT_NONE: reserved, not used (malloc arenas, guards). */
		if (!pshare_ops_vma_ok(vma) ||
		    !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
			continue;
		list_for_each_entry(r, &pmm->ranges, link) {
			if (r->end <= s)
				continue;
			if (r->start >= e)
				break;
			if (r->start > s) {
				gaps[n][0] = s;
				gaps[n][1] = r->start;
				if (++n == PSHARE_COVER_BATCH) {
					*addr = r->start;
					goto out;
				}
			}
			s = r->end;
		}
		if (s < e) {
			gaps[n][0] = s;
			gaps[n][1] = e;
			if (++n == PSHARE_COVER_BATCH) {
				*addr = e;
				goto out;
			}
		}
	}
	*addr = end;
out:
	mmap_read_unlock(pmm->mm);
	return n;
}

/**
 * pshare_cover() - register what is not yet registered of a range
 * @pmm: the address space; its mm live (mmget held)
 * @start: first byte, page aligned
 * @end: byte past the last, page aligned
 * @salt: salt of the new registrations
 * @weight: their weight
 *
 * Every part of [@start, @end) that lies in private anonymous memory, is
 * not PROT_NONE and is in no registration becomes one, a registration per
 * VMA piece; for
 * madvise(MADV_MERGEABLE) and whole-process registration. A piece that
 * changed under us is left for the next time.
 *
 * Return: 0, or -ENOSPC or -ENOMEM when it had to stop.
 * Context: pshare_engine_lock held; pshare_process_unmapped() done.
 */
int pshare_cover(struct pshare_mm *pmm, unsigned long start,
		 unsigned long end, u64 salt, u32 weight)
{
	lockdep_assert_held(&pshare_engine_lock);

	unsigned long gaps[PSHARE_COVER_BATCH][2];
	unsigned long addr = start;
	unsigned int i, n;
	int ret;

	while (addr < end) {
		n = pshare_find_gaps(pmm, &addr, end, gaps);
		for (i = 0; i < n; i++) {
			struct pshare_range *r;

			r = pshare_range_alloc(gaps[i][0],
					       gaps[i][1] - gaps[i][0], salt,
					       weight);
			if (IS_ERR(r))
				return PTR_ERR(r);
			ret = pshare_range_insert(pmm, r);
			if (ret)
				pshare_range_free(r);
			if (ret == -ENOSPC)
				return ret;
		}
		cond_resched();
	}
	pshare_scan_wake();
	return 0;
}

/**
 * pshare_uncover() - end the registration of a range, cutting where needed
 * @pmm: the address space; its mm live (mmget held)
 * @start: first byte, page aligned
 * @end: byte past the last, page aligned
 *
 * For madvise(MADV_UNMERGEABLE): registrations inside end, unmerged; one
 * that lies across an end is ended too, and its parts outside the range
 * are registered again, from scratch. Context: pshare_engine_lock held.
 */
void pshare_uncover(struct pshare_mm *pmm, unsigned long start,
		    unsigned long end)
{
	struct pshare_range *r, *tmp;

	lockdep_assert_held(&pshare_engine_lock);

	pshare_process_unmapped(pmm);
	list_for_each_entry_safe(r, tmp, &pmm->ranges, link) {
		unsigned long rs = r->start, re = r->end;
		u64 salt = r->salt;
		u32 weight = r->weight;

		if (re <= start || rs >= end)
			continue;
		pshare_range_end(r, true);
		if (rs < start)
			pshare_cover(pmm, rs, start, salt, weight);
		if (re > end)
			pshare_cover(pmm, end, re, salt, weight);
	}
	pshare_prune_all();
}

/**
 * pshare_unregister() - end @mm's registrations inside a range
 * @mm: the caller's address space
 * @start: first byte
 * @len: bytes
 *
 * Merged pages of the ended registrations are unmerged first.
 *
 * Return: 0; -EINVAL for a bad range or one that cuts a registration;
 * -ENOENT if no registration lies inside.
 */
int pshare_unregister(struct mm_struct *mm, unsigned long start,
		      unsigned long len)
{
	unsigned long end = start + len;
	struct pshare_range *r, *tmp;
	struct pshare_mm *pmm;
	int ret, found = 0;

	ret = pshare_check_range(start, len);
	if (ret)
		return ret;

	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find(mm);
	if (!pmm) {
		ret = -ENOENT;
		goto unlock;
	}
	pshare_process_unmapped(pmm);
	list_for_each_entry(r, &pmm->ranges, link) {
		bool inside = r->start >= start && r->end <= end;

		if (!inside && r->start < end && start < r->end) {
			ret = -EINVAL;
			goto unlock;
		}
		found += inside;
	}
	if (!found) {
		ret = -ENOENT;
		goto unlock;
	}
	list_for_each_entry_safe(r, tmp, &pmm->ranges, link) {
		if (r->start >= start && r->end <= end)
			pshare_range_end(r, true);
	}
	pshare_mm_free_if_unused(pmm);
	pshare_prune_all();
unlock:
	mutex_unlock(&pshare_engine_lock);
	return ret;
}

/**
 * pshare_mm_stats() - fill @st with @pmm's figures
 * @pmm: an address space
 * @st: its fields other than @reserved are written
 *
 * Context: pshare_engine_lock held.
 */
void pshare_mm_stats(struct pshare_mm *pmm, struct pshare_proc_stats *st)
{
	lockdep_assert_held(&pshare_engine_lock);

	st->registered = pmm->registered;
	st->shared = pmm->owned;
	st->sharing = pmm->items - pmm->owned;
	st->zero = pmm->zero;
	st->saved = st->sharing + st->zero;
	st->scanned = pmm->scanned;
}

/**
 * pshare_query() - @mm's sharing statistics
 * @mm: the caller's address space
 * @st: filled in; all zero if nothing is registered
 *
 * Return: 0.
 */
int pshare_query(struct mm_struct *mm, struct pshare_proc_stats *st)
{
	struct pshare_mm *pmm;

	memset(st, 0, sizeof(*st));
	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find(mm);
	if (pmm) {
		pshare_process_unmapped(pmm);
		pshare_mm_stats(pmm, st);
	}
	mutex_unlock(&pshare_engine_lock);
	return 0;
}
