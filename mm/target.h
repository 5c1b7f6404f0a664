/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the operator's targets, salting and the process list (target.c). */
#ifndef _PSHARE_TARGET_H
#define _PSHARE_TARGET_H

#include <linux/pshare.h>
#include <linux/types.h>

int pshare_set_salting(unsigned int salting);
void pshare_whole_refresh(u64 now);
int pshare_target_register(const struct pshare_target *t);
int pshare_target_unregister(const struct pshare_target *t);
int pshare_target_set(const struct pshare_target *t);
int pshare_list(struct pshare_proc_info *info, u32 max, u32 *total);

#endif /* _PSHARE_TARGET_H */
