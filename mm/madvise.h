/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: registration by madvise(MADV_MERGEABLE) (madvise.c). */
#ifndef _PSHARE_MADVISE_H
#define _PSHARE_MADVISE_H

#include <linux/mm_types.h>

bool pshare_madvise_enabled(void);
int pshare_madvise_queue(struct mm_struct *mm, unsigned long start,
			 unsigned long end, int advice);
int pshare_madvise_queue_whole(struct mm_struct *mm, bool enable);
void pshare_madvise_init(void);
void pshare_madvise_exit(void);

#endif /* _PSHARE_MADVISE_H */
