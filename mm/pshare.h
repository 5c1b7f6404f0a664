/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: internal interfaces between the module's files. */
#ifndef _PSHARE_H
#define _PSHARE_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <pshare/compat.h>

#define PSHARE_VERSION	"0.1.0"

/* Values of the run tunable; see Documentation/admin-guide.rst. */
enum pshare_run_state {
	PSHARE_RUN_STOP = 0,	/* scanner idle, merged pages stay merged */
	PSHARE_RUN_MERGE = 1,	/* scanner scans and merges */
	PSHARE_RUN_UNMERGE = 2,	/* scanner idle, every merged page unmerged */
};

/**
 * struct pshare_tunables - operator settings, written through sysfs
 * @run: an &enum pshare_run_state
 * @pages_to_scan: pages the scanner examines per batch
 * @sleep_millisecs: milliseconds the scanner sleeps between batches
 *
 * Writers hold pshare_lock; the scanner reads with READ_ONCE() and may see
 * a new value one batch late.
 */
struct pshare_tunables {
	unsigned int run;
	unsigned int pages_to_scan;
	unsigned int sleep_millisecs;
};

/* Defaults and ranges of the tunables, shared by sysfs.c and the docs. */
#define PSHARE_RUN_DEFAULT		PSHARE_RUN_MERGE
#define PSHARE_PAGES_TO_SCAN_DEFAULT	100
#define PSHARE_PAGES_TO_SCAN_MIN	1
#define PSHARE_PAGES_TO_SCAN_MAX	(1U << 20)
#define PSHARE_SLEEP_MS_DEFAULT		20
#define PSHARE_SLEEP_MS_MAX		3600000U

/**
 * struct pshare_stats - counters shown in sysfs
 * @full_scans: completed passes over every registered range
 */
struct pshare_stats {
	atomic_long_t full_scans;
};

/* pshare_lock serialises tunable writes, run-state changes and unload. */
extern struct mutex pshare_lock;
extern struct pshare_tunables pshare_tun;
extern struct pshare_stats pshare_stats;

/* scan.c */
int pshare_scan_start(void);
void pshare_scan_stop(void);
void pshare_scan_wake(void);
int pshare_set_run(unsigned int run);

/* sysfs.c */
int pshare_sysfs_init(void);
void pshare_sysfs_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
int pshare_parse_ulong(const char *buf, unsigned long min, unsigned long max,
		       unsigned long *val);
#endif

/* chardev.c */
int pshare_chardev_init(void);
void pshare_chardev_exit(void);

#endif /* _PSHARE_H */
