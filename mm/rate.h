/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: rate control, scan rates and the CPU cap (rate.c). */
#ifndef _PSHARE_RATE_H
#define _PSHARE_RATE_H

#include "store.h"

void pshare_rate_changed(void);
void pshare_rate_refresh(u64 now, enum pshare_mem_state state);
void pshare_rate_accrue(u64 dt_ns, u64 burst_ns);
unsigned int pshare_rate_period_end(u64 cpu_ns, u64 wall_ns,
				    unsigned int rest_ms);
unsigned long pshare_cpu_mhz(void);
u64 pshare_scan_cap(void);
u64 pshare_rate_sum(void);
unsigned int pshare_boost(enum pshare_mem_state state);
#if IS_ENABLED(CONFIG_KUNIT)
u64 pshare_waterfill(struct pshare_range **v, unsigned long n, u64 cap,
		     u64 wsum);
u64 pshare_demand(const struct pshare_range *r, unsigned int boost, u64 cap);
#endif

#endif /* _PSHARE_RATE_H */
