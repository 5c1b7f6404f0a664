// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the operator interface in /sys/kernel/mm/pshare/. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include "iface.h"
#include "memstate.h"
#include "merge.h"
#include "rate.h"
#include "scan.h"
#include "symbols.h"
#include "target.h"

static struct kobject *pshare_kobj;

/**
 * pshare_parse_ulong() - parse a sysfs write into a bounded value
 * @buf: what user space wrote: decimal digits and an optional newline
 * @min: smallest valid value
 * @max: largest valid value
 * @val: the value, written only on success
 *
 * Return: 0, or -EINVAL for anything that is not a decimal number within
 * [@min, @max], overflow included.
 */
VISIBLE_IF_KUNIT int pshare_parse_ulong(const char *buf, unsigned long min,
					unsigned long max, unsigned long *val)
{
	unsigned long v;

	if (kstrtoul(buf, 10, &v) || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_parse_ulong);

/*
 * run: 0 stops the scanner, 1 runs it, 2 stops it and unmerges every
 * merged page, 3 runs it in estimate mode: it scans and hashes, merges
 * nothing, and counts what merging would save (estimate_pages). Default 1.
 * Anything else is -EINVAL.
 */
static ssize_t run_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pshare_tun.run));
}

static ssize_t run_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	unsigned long v;
	int ret;

	ret = pshare_parse_ulong(buf, PSHARE_TUN_MIN_run, PSHARE_TUN_MAX_run,
				 &v);
	if (ret)
		return ret;
	ret = pshare_set_run(v);
	return ret ? ret : count;
}

static struct kobj_attribute run_attr = __ATTR_RW(run);

/*
 * Define a tunable of pshare_tun: its show and store, checked against the
 * range that <pshare/tunables.h> gives, under pshare_lock. The scanner is
 * woken, so that a new sleep applies at once. The defaults and ranges of
 * the tunables below are in that header.
 */
#define PSHARE_TUNABLE(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", READ_ONCE(pshare_tun.name));	\
}									\
static ssize_t name##_store(struct kobject *kobj,			\
			    struct kobj_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	unsigned long v;						\
	int ret = pshare_parse_ulong(buf, PSHARE_TUN_MIN_##name,	\
				     PSHARE_TUN_MAX_##name, &v);	\
									\
	if (ret)							\
		return ret;						\
	mutex_lock(&pshare_lock);					\
	WRITE_ONCE(pshare_tun.name, v);					\
	mutex_unlock(&pshare_lock);					\
	pshare_rate_changed();						\
	pshare_scan_wake();						\
	return count;							\
}									\
									\
static struct kobj_attribute name##_attr = __ATTR_RW(name)

/*
 * sleep_millisecs: the scanner's period in ms: it wakes this often, gives
 * each registration credit for the time passed, and scans what the credit
 * allows. Rates do not depend on it; a shorter period only spreads the
 * same work more evenly.
 */
PSHARE_TUNABLE(sleep_millisecs);
/*
 * max_page_sharing: most mappings of one merged page, which bounds the
 * kernel's rmap walks over it. Lowering it leaves existing merged pages as
 * they are.
 */
PSHARE_TUNABLE(max_page_sharing);
/*
 * scan_mb_per_ghz: host-wide cap on scanning, in MiB/s for every GHz of
 * online CPU capacity (Mem.ShareScanGHz). 0 stops scanning.
 */
PSHARE_TUNABLE(scan_mb_per_ghz);
/*
 * rate_max_pages: cap on each registration's scan rate, in pages per
 * second (Mem.ShareRateMax).
 */
PSHARE_TUNABLE(rate_max_pages);
/*
 * scan_time_secs: target time to scan each registration once, in seconds
 * (Mem.ShareScanTime). 0 sets no target: every registration then asks for
 * rate_max_pages.
 */
PSHARE_TUNABLE(scan_time_secs);
/*
 * max_cpu_percent: cap on the scanner's CPU time, measured by the
 * scheduler, in percent of one CPU.
 */
PSHARE_TUNABLE(max_cpu_percent);
/*
 * zero_across_domains: 1 (the default) maps zero pages of every domain to
 * the kernel's zero page, as ESX shares zero pages across VMs; 0 merges
 * zero pages only within their domain, like any other content.
 * Zero-page mappings made before a change stay.
 */
PSHARE_TUNABLE(zero_across_domains);
/*
 * smart_scan: 1 (the default) visits a page that stayed unique and
 * unchanged for 3 visits in a row less often, skipping up to 7 visits in a
 * row as it ages, like the kernel KSM's smart_scan (pages_skipped counts
 * them), and skips the subpages of a huge page kept whole while a sample
 * of it shows no change, up to 7 visits in a row (thp_skipped); 0 visits
 * every page at every pass.
 */
PSHARE_TUNABLE(smart_scan);
/*
 * first_scan: 1 (the default) scans memory new to pshare, a registration's
 * first pass and the passes while its memory fills, at the host-wide caps
 * (scan_mb_per_ghz, max_cpu_percent) instead of scan_time_secs and
 * rate_max_pages; 0 scans everything at ESX's pace.
 */
PSHARE_TUNABLE(first_scan);

/*
 * salting: how a registration's sharing domain is chosen, after ESX's
 * Mem.ShareForceSalting. 0: one common domain for all, salts ignored;
 * 1: the operator's or caller's salt if set, else the common domain;
 * 2 (the default): the salt if set, else a domain per process, so that
 * nothing merges across processes unless an operator or the processes
 * say so. Range 0 to 2. A change moves registrations at once: those whose
 * domain changes are unmerged first.
 */
static ssize_t salting_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pshare_tun.salting));
}

static ssize_t salting_store(struct kobject *kobj,
			     struct kobj_attribute *attr, const char *buf,
			     size_t count)
{
	unsigned long v;
	int ret;

	ret = pshare_parse_ulong(buf, PSHARE_TUN_MIN_salting,
				 PSHARE_TUN_MAX_salting, &v);
	if (ret)
		return ret;
	mutex_lock(&pshare_lock);
	ret = pshare_set_salting(v);
	mutex_unlock(&pshare_lock);
	return ret ? ret : count;
}

static struct kobj_attribute salting_attr = __ATTR_RW(salting);

/*
 * merge_across_nodes: 1 (the default) merges pages whatever their NUMA
 * node, as the kernel's KSM does by default; 0 merges a page only with
 * pages of its own node, so that no process reads a merged page from
 * another node's memory (KSM's merge_across_nodes, ESX's per-node sharing).
 * As for KSM, it changes only while no merged page is mapped (-EBUSY
 * otherwise: write 2 to run first).
 */
static ssize_t merge_across_nodes_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(pshare_tun.merge_across_nodes));
}

static ssize_t merge_across_nodes_store(struct kobject *kobj,
					struct kobj_attribute *attr,
					const char *buf, size_t count)
{
	unsigned long v;
	int ret;

	ret = pshare_parse_ulong(buf, PSHARE_TUN_MIN_merge_across_nodes,
				 PSHARE_TUN_MAX_merge_across_nodes, &v);
	if (ret)
		return ret;
	mutex_lock(&pshare_lock);
	ret = pshare_merge_set_across_nodes(v);
	mutex_unlock(&pshare_lock);
	return ret ? ret : count;
}

static struct kobj_attribute merge_across_nodes_attr =
	__ATTR_RW(merge_across_nodes);

static const char *const pshare_thp_names[] = {
	[PSHARE_THP_NEVER] = "never",
	[PSHARE_THP_PRESSURE] = "pressure",
	[PSHARE_THP_ALWAYS] = "always",
};

/*
 * thp_split: when pshare splits a transparent huge page to share its
 * subpages: "never"; "pressure" (default), only when memory is short, the
 * huge pages that save the most first; "always", on merge, as the kernel's
 * KSM. Reads show every policy, the current one in brackets.
 */
static ssize_t thp_split_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	unsigned int cur = READ_ONCE(pshare_tun.thp_split), i;
	int len = 0;

	for (i = 0; i < ARRAY_SIZE(pshare_thp_names); i++)
		len += sysfs_emit_at(buf, len, i == cur ? "%s[%s]" : "%s%s",
				     i ? " " : "", pshare_thp_names[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t thp_split_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	int i = sysfs_match_string(pshare_thp_names, buf);

	if (i < 0)
		return -EINVAL;
	mutex_lock(&pshare_lock);
	WRITE_ONCE(pshare_tun.thp_split, i);
	mutex_unlock(&pshare_lock);
	pshare_scan_wake();
	return count;
}

static struct kobj_attribute thp_split_attr = __ATTR_RW(thp_split);

/*
 * mem_thresholds: the high, soft, hard and low thresholds of available
 * memory, in percent of total memory, written together as four integers;
 * default "6 4 2 1" (ESX's). Each is 0 to 99 and each lower than the one
 * before; anything else is -EINVAL.
 */
static ssize_t mem_thresholds_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	u32 t = READ_ONCE(pshare_tun.mem_thresholds);

	return sysfs_emit(buf, "%u %u %u %u\n",
			  pshare_mem_threshold(t, PSHARE_MEM_HIGH),
			  pshare_mem_threshold(t, PSHARE_MEM_SOFT),
			  pshare_mem_threshold(t, PSHARE_MEM_HARD),
			  pshare_mem_threshold(t, PSHARE_MEM_LOW));
}

/**
 * pshare_parse_thresholds() - parse a write of mem_thresholds
 * @buf: four decimal percents, strictly decreasing, each at most 99
 * @packed: the packed value, written only on success
 *
 * Return: 0 or -EINVAL.
 */
VISIBLE_IF_KUNIT int pshare_parse_thresholds(const char *buf, u32 *packed)
{
	char copy[48], *p, *tok;
	unsigned int v, prev = UINT_MAX;
	int n = 0;
	u32 t = 0;

	if (strscpy(copy, buf, sizeof(copy)) < 0)
		return -EINVAL;
	p = strim(copy);
	while ((tok = strsep(&p, " ")) != NULL) {
		if (!*tok)
			continue;	/* runs of spaces */
		if (n == PSHARE_MEM_NR_STATES || kstrtouint(tok, 10, &v) ||
		    v > PSHARE_MEM_THRESHOLD_MAX || v >= prev)
			return -EINVAL;
		t = (t << 8) | v;
		prev = v;
		n++;
	}
	if (n != PSHARE_MEM_NR_STATES)
		return -EINVAL;
	*packed = t;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_parse_thresholds);

static ssize_t mem_thresholds_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	u32 t;

	if (pshare_parse_thresholds(buf, &t))
		return -EINVAL;
	mutex_lock(&pshare_lock);
	WRITE_ONCE(pshare_tun.mem_thresholds, t);
	mutex_unlock(&pshare_lock);
	pshare_mem_state_update();
	pshare_scan_wake();
	return count;
}

static struct kobj_attribute mem_thresholds_attr = __ATTR_RW(mem_thresholds);

/* memory_state: high, soft, hard or low, evaluated at the read. */
static ssize_t memory_state_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  pshare_mem_state_name(pshare_mem_state_update()));
}

static struct kobj_attribute memory_state_attr = __ATTR_RO(memory_state);

/*
 * memory_state_entries: how often the host entered the high, soft, hard
 * and low states since load, four integers in that order.
 */
static ssize_t memory_state_entries_show(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 char *buf)
{
	unsigned long e[PSHARE_MEM_NR_STATES];

	pshare_mem_state_entries(e);
	return sysfs_emit(buf, "%lu %lu %lu %lu\n", e[0], e[1], e[2], e[3]);
}

static struct kobj_attribute memory_state_entries_attr =
	__ATTR_RO(memory_state_entries);

/* cpu_mhz: the CPU capacity scan_mb_per_ghz is multiplied by, in MHz. */
static ssize_t cpu_mhz_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%lu\n", pshare_cpu_mhz());
}

static struct kobj_attribute cpu_mhz_attr = __ATTR_RO(cpu_mhz);

/*
 * scan_cap_pages: the host-wide cap in force, in pages per second, boost
 * included, as of the scanner's last rate computation.
 */
static ssize_t scan_cap_pages_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", pshare_scan_cap());
}

static struct kobj_attribute scan_cap_pages_attr = __ATTR_RO(scan_cap_pages);

/* scan_rate_pages: the scan rates given to registrations, summed, pages/s. */
static ssize_t scan_rate_pages_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", pshare_rate_sum());
}

static struct kobj_attribute scan_rate_pages_attr = __ATTR_RO(scan_rate_pages);

/* scan_cpu_msecs: CPU time the scanner thread has used, in ms. */
static ssize_t scan_cpu_msecs_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  div_u64(pshare_scan_cpu_ns(), NSEC_PER_MSEC));
}

static struct kobj_attribute scan_cpu_msecs_attr = __ATTR_RO(scan_cpu_msecs);

/* A read-only counter of pshare_stats, in the unit its name says. */
#define PSHARE_COUNTER(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n",					\
			  atomic_long_read(&pshare_stats.name));	\
}									\
									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

/* full_scans: completed passes over all registered memory. */
PSHARE_COUNTER(full_scans);
/* pages_shared: merged pages in use, each with one or more mappings. */
PSHARE_COUNTER(pages_shared);
/* pages_unshared: pages scanned and stable, with no twin found yet. */
PSHARE_COUNTER(pages_unshared);
/* pages_volatile: pages skipped because they changed between passes. */
PSHARE_COUNTER(pages_volatile);
/* pages_skipped: visits smart_scan skipped (a running total). */
PSHARE_COUNTER(pages_skipped);
/* zero_pages_sharing: pages pshare mapped to the kernel's zero page. */
PSHARE_COUNTER(zero_pages_sharing);
/* metadata_bytes: all memory pshare holds for its own bookkeeping. */
PSHARE_COUNTER(metadata_bytes);
/* pages_merged: merges done since load, zero-page merges included. */
PSHARE_COUNTER(pages_merged);
/* pages_scanned: page visits by the scanner (a page counts at each). */
PSHARE_COUNTER(pages_scanned);
/* pages_hashed: full-page hashes taken (the other visits hash a sample). */
PSHARE_COUNTER(pages_hashed);
/* sample_misses: hinted or merged pages that shared a sample, not bytes. */
PSHARE_COUNTER(sample_misses);
/* thp_scanned: visits of huge pages kept whole (one per huge page). */
PSHARE_COUNTER(thp_scanned);
/* thp_skipped: visits of huge pages that a sample found unchanged. */
PSHARE_COUNTER(thp_skipped);
/*
 * thp_splits: huge pages pshare split to share their subpages (not named
 * thp_split: that is the policy).
 */
PSHARE_COUNTER(thp_splits);
/* thp_split_candidates: huge pages recorded as worth splitting. */
PSHARE_COUNTER(thp_split_candidates);
/* thp_dup_subpages: duplicate subpages inside those huge pages. */
PSHARE_COUNTER(thp_dup_subpages);
/* cpu_throttled: scanner periods stretched by max_cpu_percent. */
PSHARE_COUNTER(cpu_throttled);
/* shrinker_calls: times the kernel's reclaim asked pshare to free. */
PSHARE_COUNTER(shrinker_calls);
/*
 * estimate_pages: in estimate mode (run 3), registered pages that would
 * merge with a twin of their domain, as of each page's last scan; pages
 * in huge pages count too. 0 once the mode ends.
 */
PSHARE_COUNTER(estimate_pages);
/* estimate_zero_pages: likewise, zero pages that would map to the zero page. */
PSHARE_COUNTER(estimate_zero_pages);

/* pages_sharing: further mappings of merged pages, each a page saved. */
static ssize_t pages_sharing_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&pshare_stats.rmap_items) -
			  atomic_long_read(&pshare_stats.pages_shared));
}

static struct kobj_attribute pages_sharing_attr = __ATTR_RO(pages_sharing);

/*
 * general_profit: bytes saved (pages_sharing and zero_pages_sharing) less
 * metadata_bytes; negative while the bookkeeping costs more than it saves.
 */
static ssize_t general_profit_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	long saved = atomic_long_read(&pshare_stats.rmap_items) -
		     atomic_long_read(&pshare_stats.pages_shared) +
		     atomic_long_read(&pshare_stats.zero_pages_sharing);

	return sysfs_emit(buf, "%ld\n", saved * (long)PAGE_SIZE -
			  atomic_long_read(&pshare_stats.metadata_bytes));
}

static struct kobj_attribute general_profit_attr = __ATTR_RO(general_profit);

/* version: the module version; read-only. */
static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", PSHARE_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *pshare_attrs[] = {
	&run_attr.attr,
	&sleep_millisecs_attr.attr,
	&max_page_sharing_attr.attr,
	&scan_mb_per_ghz_attr.attr,
	&rate_max_pages_attr.attr,
	&scan_time_secs_attr.attr,
	&max_cpu_percent_attr.attr,
	&salting_attr.attr,
	&zero_across_domains_attr.attr,
	&smart_scan_attr.attr,
	&first_scan_attr.attr,
	&merge_across_nodes_attr.attr,
	&thp_split_attr.attr,
	&mem_thresholds_attr.attr,
	&memory_state_attr.attr,
	&memory_state_entries_attr.attr,
	&cpu_mhz_attr.attr,
	&scan_cap_pages_attr.attr,
	&scan_rate_pages_attr.attr,
	&scan_cpu_msecs_attr.attr,
	&full_scans_attr.attr,
	&pages_shared_attr.attr,
	&pages_sharing_attr.attr,
	&pages_unshared_attr.attr,
	&pages_volatile_attr.attr,
	&pages_skipped_attr.attr,
	&zero_pages_sharing_attr.attr,
	&metadata_bytes_attr.attr,
	&pages_scanned_attr.attr,
	&pages_merged_attr.attr,
	&thp_scanned_attr.attr,
	&thp_skipped_attr.attr,
	&pages_hashed_attr.attr,
	&sample_misses_attr.attr,
	&thp_splits_attr.attr,
	&thp_split_candidates_attr.attr,
	&thp_dup_subpages_attr.attr,
	&cpu_throttled_attr.attr,
	&shrinker_calls_attr.attr,
	&estimate_pages_attr.attr,
	&estimate_zero_pages_attr.attr,
	&general_profit_attr.attr,
	&version_attr.attr,
	NULL,
};

static const struct attribute_group pshare_attr_group = {
	.attrs = pshare_attrs,
};

/** pshare_sysfs_init() - create /sys/kernel/mm/pshare/ */
int pshare_sysfs_init(void)
{
	int ret;

	pshare_kobj = kobject_create_and_add("pshare", pshare_mm_kobj());
	if (!pshare_kobj) {
		pr_err("cannot create /sys/kernel/mm/pshare\n");
		return -ENOMEM;
	}
	ret = sysfs_create_group(pshare_kobj, &pshare_attr_group);
	if (ret) {
		pr_err("cannot create sysfs attributes: %d\n", ret);
		goto put_kobj;
	}
	return 0;

put_kobj:
	kobject_put(pshare_kobj);
	pshare_kobj = NULL;
	return ret;
}

/** pshare_sysfs_exit() - remove /sys/kernel/mm/pshare/ */
void pshare_sysfs_exit(void)
{
	sysfs_remove_group(pshare_kobj, &pshare_attr_group);
	kobject_put(pshare_kobj);
	pshare_kobj = NULL;
}
