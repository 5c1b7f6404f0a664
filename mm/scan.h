/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the scanner, pshared, and the run state (scan.c). */
#ifndef _PSHARE_SCAN_H
#define _PSHARE_SCAN_H

#include "store.h"

/**
 * struct pshare_scan_callbacks - what layers above do in pshared's periods
 * @period: called at the start of every period, with pshare_engine_lock
 *	    held and the ktime now (whole-process registration, target.c);
 *	    may be NULL
 */
struct pshare_scan_callbacks {
	void (*period)(u64 now);
};

int pshare_scan_init(const struct pshare_scan_callbacks *cb);
void pshare_scan_start(void);
void pshare_scan_stop(void);
int pshare_set_run(unsigned int run);
u64 pshare_scan_cpu_ns(void);
#if IS_ENABLED(CONFIG_KUNIT)
bool pshare_scan_skip(struct pshare_range *r, unsigned long idx);
void pshare_scan_pass_done(struct pshare_range *r);
void pshare_scan_aged(struct pshare_range *r, unsigned long idx, u32 age);
#endif

#endif /* _PSHARE_SCAN_H */
