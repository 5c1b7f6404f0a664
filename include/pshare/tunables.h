/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: default and valid range of each numeric tunable, for all users. */
#ifndef _PSHARE_TUNABLES_H
#define _PSHARE_TUNABLES_H

/*
 * The numeric tunables: the files of /sys/kernel/mm/pshare/ that take one
 * decimal number and fail a write outside [min, max] with EINVAL. For the
 * file <name>, PSHARE_TUN_DEF_<name> is its default, PSHARE_TUN_MIN_<name>
 * and PSHARE_TUN_MAX_<name> its range, and PSHARE_TUN_UNIT_<name> its unit
 * as the table of Documentation/admin-guide.rst gives it. The name is the
 * file's, so that code can paste it (PSHARE_TUN_MAX_##name).
 *
 * This is the one place where these numbers are written: the module
 * (mm/pshare.h, mm/sysfs.c), psharectl and the guest test t_sysfs take
 * them from here, and tests/host/tunables.sh checks that the documentation
 * states the same for every tunable defined here. The header includes
 * nothing, so that user space can include it as well as the module.
 */

/* run: an enum pshare_run_state; 0 stop, 1 merge, 2 unmerge, 3 estimate */
#define PSHARE_TUN_DEF_run			1
#define PSHARE_TUN_MIN_run			0
#define PSHARE_TUN_MAX_run			3
#define PSHARE_TUN_UNIT_run			"state"

/* sleep_millisecs: the scanner's period */
#define PSHARE_TUN_DEF_sleep_millisecs		100
#define PSHARE_TUN_MIN_sleep_millisecs		1
#define PSHARE_TUN_MAX_sleep_millisecs		1000
#define PSHARE_TUN_UNIT_sleep_millisecs		"ms"

/* max_page_sharing: most mappings on record for one merged page */
#define PSHARE_TUN_DEF_max_page_sharing		256
#define PSHARE_TUN_MIN_max_page_sharing		2
#define PSHARE_TUN_MAX_max_page_sharing		65536
#define PSHARE_TUN_UNIT_max_page_sharing	"mappings"

/* scan_mb_per_ghz: host-wide scan cap (Mem.ShareScanGHz); 0 stops */
#define PSHARE_TUN_DEF_scan_mb_per_ghz		4
#define PSHARE_TUN_MIN_scan_mb_per_ghz		0
#define PSHARE_TUN_MAX_scan_mb_per_ghz		65536
#define PSHARE_TUN_UNIT_scan_mb_per_ghz		"MiB/s per GHz"

/* rate_max_pages: each registration's rate cap (Mem.ShareRateMax) */
#define PSHARE_TUN_DEF_rate_max_pages		1024
#define PSHARE_TUN_MIN_rate_max_pages		1
#define PSHARE_TUN_MAX_rate_max_pages		4194304	/* 16 GiB/s */
#define PSHARE_TUN_UNIT_rate_max_pages		"pages/s"

/* scan_time_secs: time to scan each registration (Mem.ShareScanTime) */
#define PSHARE_TUN_DEF_scan_time_secs		3600
#define PSHARE_TUN_MIN_scan_time_secs		0	/* no target */
#define PSHARE_TUN_MAX_scan_time_secs		604800	/* a week */
#define PSHARE_TUN_UNIT_scan_time_secs		"s"

/* max_cpu_percent: cap on the scanner's measured CPU time */
#define PSHARE_TUN_DEF_max_cpu_percent		20
#define PSHARE_TUN_MIN_max_cpu_percent		1
#define PSHARE_TUN_MAX_max_cpu_percent		100
#define PSHARE_TUN_UNIT_max_cpu_percent		"% of one CPU"

/* salting: an enum pshare_salting (Mem.ShareForceSalting) */
#define PSHARE_TUN_DEF_salting			2
#define PSHARE_TUN_MIN_salting			0
#define PSHARE_TUN_MAX_salting			2
#define PSHARE_TUN_UNIT_salting			"policy"

/* zero_across_domains: zero pages map to the zero page across domains */
#define PSHARE_TUN_DEF_zero_across_domains	1
#define PSHARE_TUN_MIN_zero_across_domains	0
#define PSHARE_TUN_MAX_zero_across_domains	1
#define PSHARE_TUN_UNIT_zero_across_domains	"boolean"

/* smart_scan: pages that stay unique and unchanged are visited less often */
#define PSHARE_TUN_DEF_smart_scan		1
#define PSHARE_TUN_MIN_smart_scan		0
#define PSHARE_TUN_MAX_smart_scan		1
#define PSHARE_TUN_UNIT_smart_scan		"boolean"

/* merge_across_nodes: pages of different NUMA nodes may merge */
#define PSHARE_TUN_DEF_merge_across_nodes	1
#define PSHARE_TUN_MIN_merge_across_nodes	0
#define PSHARE_TUN_MAX_merge_across_nodes	1
#define PSHARE_TUN_UNIT_merge_across_nodes	"boolean"

/* first_scan: new memory is scanned at the host caps, not at scan_time_secs */
#define PSHARE_TUN_DEF_first_scan		1
#define PSHARE_TUN_MIN_first_scan		0
#define PSHARE_TUN_MAX_first_scan		1
#define PSHARE_TUN_UNIT_first_scan		"boolean"

#endif /* _PSHARE_TUNABLES_H */
