/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the host memory state, and the shrinker (memstate.c). */
#ifndef _PSHARE_MEMSTATE_H
#define _PSHARE_MEMSTATE_H

#include "pshare.h"

enum pshare_mem_state pshare_mem_state(void);
enum pshare_mem_state pshare_mem_state_update(void);
void pshare_mem_state_entries(unsigned long *entries);
bool pshare_mem_short(void);
const char *pshare_mem_state_name(enum pshare_mem_state state);
int pshare_memstate_init(unsigned long (*freeable)(void));
void pshare_memstate_exit(void);

#endif /* _PSHARE_MEMSTATE_H */
