/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the kernel hooks, ksm_madvise() and prctl merging (hooks.c). */
#ifndef _PSHARE_HOOKS_H
#define _PSHARE_HOOKS_H

int pshare_hooks_init(void);
void pshare_hooks_exit(void);

#endif /* _PSHARE_HOOKS_H */
