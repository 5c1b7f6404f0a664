// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the sets of address spaces the kernel hooks consult: those with
 * registrations, and those whose whole-process merging is pshare's.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "pshare.h"

/*
 * Address spaces with registrations, in a small counting filter: the
 * ksm_madvise() hook costs an atomic read for every other mremap() (see the
 * overview in hooks.c). A false positive only costs a walk.
 */
#define PSHARE_MM_FILTER_BITS	8

static atomic_t pshare_mm_filter[1 << PSHARE_MM_FILTER_BITS];

static atomic_t *pshare_mm_bucket(struct mm_struct *mm)
{
	return &pshare_mm_filter[hash_ptr(mm, PSHARE_MM_FILTER_BITS)];
}

/**
 * pshare_filter_add() - @mm has registrations from now on
 * @mm: the address space (identity only)
 *
 * Called before any page of @mm can merge.
 */
void pshare_filter_add(struct mm_struct *mm)
{
	atomic_inc(pshare_mm_bucket(mm));
}
EXPORT_SYMBOL_IF_KUNIT(pshare_filter_add);

/**
 * pshare_filter_del() - @mm has no registration any more
 * @mm: the address space (identity only)
 *
 * Its whole-process merging, if pshare's, is forgotten too.
 */
void pshare_filter_del(struct mm_struct *mm)
{
	atomic_dec(pshare_mm_bucket(mm));
	pshare_filter_any_forget(mm);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_filter_del);

/**
 * pshare_filter_test() - may @mm have registrations?
 * @mm: the address space (identity only)
 *
 * Return: false if it surely has none.
 */
bool pshare_filter_test(struct mm_struct *mm)
{
	return atomic_read(pshare_mm_bucket(mm));
}
EXPORT_SYMBOL_IF_KUNIT(pshare_filter_test);

/*
 * Address spaces whose whole-process merging (prctl(PR_SET_MEMORY_MERGE),
 * 6.4 and later) pshare took: registered, or queued to be. An entry goes
 * when the registration does (or fails).
 */
#define PSHARE_ANY_BITS	6
static DEFINE_HASHTABLE(pshare_any_mms, PSHARE_ANY_BITS);
static DEFINE_SPINLOCK(pshare_any_lock);	/* guards pshare_any_mms */

struct pshare_any_mm {
	struct hlist_node node;	/* in pshare_any_mms */
	struct mm_struct *mm;	/* identity only, never dereferenced */
};

/**
 * pshare_filter_any_add() - note that @mm's whole-process merging is pshare's
 * @mm: the address space (identity only)
 *
 * Return: 0 if noted now, 1 if it already was, or -ENOMEM.
 */
int pshare_filter_any_add(struct mm_struct *mm)
{
	struct pshare_any_mm *e, *n;

	n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->mm = mm;
	spin_lock(&pshare_any_lock);
	hash_for_each_possible(pshare_any_mms, e, node, (unsigned long)mm) {
		if (e->mm == mm) {
			spin_unlock(&pshare_any_lock);
			kfree(n);
			return 1;
		}
	}
	hash_add(pshare_any_mms, &n->node, (unsigned long)mm);
	spin_unlock(&pshare_any_lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_filter_any_add);

/**
 * pshare_filter_any_forget() - @mm's whole-process merging is registered no more
 * @mm: the address space (identity only)
 *
 * Its registration ended, or never began; a later ksm_add_vma() of a process
 * whose merging is pshare's registers it again.
 */
void pshare_filter_any_forget(struct mm_struct *mm)
{
	struct pshare_any_mm *e;
	struct hlist_node *tmp;

	spin_lock(&pshare_any_lock);
	hash_for_each_possible_safe(pshare_any_mms, e, tmp, node,
				    (unsigned long)mm) {
		if (e->mm == mm) {
			hash_del(&e->node);
			kfree(e);
		}
	}
	spin_unlock(&pshare_any_lock);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_filter_any_forget);

/** pshare_filter_exit() - forget every address space, at unload */
void pshare_filter_exit(void)
{
	struct pshare_any_mm *e;
	struct hlist_node *tmp;
	int bkt;

	spin_lock(&pshare_any_lock);
	hash_for_each_safe(pshare_any_mms, bkt, tmp, e, node) {
		hash_del(&e->node);
		kfree(e);
	}
	spin_unlock(&pshare_any_lock);
}
