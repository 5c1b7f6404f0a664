/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the registration API and its mmu notifier (register.c). */
#ifndef _PSHARE_REGISTER_H
#define _PSHARE_REGISTER_H

#include <linux/pshare.h>
#include "store.h"

int pshare_check_range(unsigned long start, unsigned long len);
int pshare_register(struct mm_struct *mm, unsigned long start,
		    unsigned long len, u64 salt, u32 flags, u32 weight);
int pshare_register_task(struct mm_struct *mm, struct task_struct *task,
			 unsigned long start, unsigned long len, u64 salt,
			 u32 flags, u32 weight);
int pshare_unregister(struct mm_struct *mm, unsigned long start,
		      unsigned long len);
int pshare_query(struct mm_struct *mm, struct pshare_proc_stats *st);
struct pshare_mm *pshare_mm_find_or_create(struct mm_struct *mm,
					   struct task_struct *task);
int pshare_cover(struct pshare_mm *pmm, unsigned long start,
		 unsigned long end, u64 salt, u32 weight);
void pshare_uncover(struct pshare_mm *pmm, unsigned long start,
		    unsigned long end);
void pshare_mm_stats(struct pshare_mm *pmm, struct pshare_proc_stats *st);

#endif /* _PSHARE_REGISTER_H */
