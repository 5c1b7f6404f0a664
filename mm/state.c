// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the module's global state: the tunables, the counters, the
 * locks every layer names, and the scanner's wakeup.
 */
#include <linux/mutex.h>
#include <linux/wait.h>
#include "pshare.h"

/* Serialises tunable writes, run-state changes and unload. */
DEFINE_MUTEX(pshare_lock);

struct pshare_tunables pshare_tun = {
	.run = PSHARE_RUN_DEFAULT,
	.sleep_millisecs = PSHARE_SLEEP_MS_DEFAULT,
	.max_page_sharing = PSHARE_MAX_SHARING_DEFAULT,
	.scan_mb_per_ghz = PSHARE_SCAN_MB_PER_GHZ_DEFAULT,
	.rate_max_pages = PSHARE_RATE_MAX_DEFAULT,
	.scan_time_secs = PSHARE_SCAN_TIME_DEFAULT,
	.max_cpu_percent = PSHARE_CPU_PERCENT_DEFAULT,
	.thp_split = PSHARE_THP_DEFAULT,
	.mem_thresholds = PSHARE_MEM_THRESHOLDS_DEFAULT,
	.salting = PSHARE_SALTING_DEFAULT,
	.zero_across_domains = PSHARE_ZERO_ACROSS_DEFAULT,
	.smart_scan = PSHARE_SMART_SCAN_DEFAULT,
	.merge_across_nodes = PSHARE_ACROSS_NODES_DEFAULT,
	.first_scan = PSHARE_FIRST_SCAN_DEFAULT,
};
EXPORT_SYMBOL_IF_KUNIT(pshare_tun);

struct pshare_stats pshare_stats;
EXPORT_SYMBOL_IF_KUNIT(pshare_stats);

DECLARE_WAIT_QUEUE_HEAD(pshare_scan_waitq);
/* Set by pshare_scan_wake(), cleared by pshared: cuts its sleep short. */
bool pshare_wake_pending;

/**
 * pshare_scan_wake() - tell pshared that its work may have changed
 *
 * May be called from any context that may take a spinlock.
 */
void pshare_scan_wake(void)
{
	WRITE_ONCE(pshare_wake_pending, true);
	wake_up_interruptible(&pshare_scan_waitq);
}
