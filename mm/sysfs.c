// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the operator interface in /sys/kernel/mm/pshare/. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include "pshare.h"

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
 * merged page. Default 1. Anything else is -EINVAL.
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

	ret = pshare_parse_ulong(buf, PSHARE_RUN_STOP, PSHARE_RUN_UNMERGE, &v);
	if (ret)
		return ret;
	ret = pshare_set_run(v);
	return ret ? ret : count;
}

static struct kobj_attribute run_attr = __ATTR_RW(run);

/*
 * Define a tunable of pshare_tun: its show and store, range-checked under
 * pshare_lock. The scanner is woken, so that a new sleep applies at once.
 */
#define PSHARE_TUNABLE(name, min, max)					\
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
	int ret = pshare_parse_ulong(buf, min, max, &v);		\
									\
	if (ret)							\
		return ret;						\
	mutex_lock(&pshare_lock);					\
	WRITE_ONCE(pshare_tun.name, v);					\
	mutex_unlock(&pshare_lock);					\
	pshare_scan_wake();						\
	return count;							\
}									\
									\
static struct kobj_attribute name##_attr = __ATTR_RW(name)

/* pages_to_scan: pages per batch; default 100, range 1 to 1048576. */
PSHARE_TUNABLE(pages_to_scan, PSHARE_PAGES_TO_SCAN_MIN,
	       PSHARE_PAGES_TO_SCAN_MAX);
/* sleep_millisecs: ms between batches; default 20, range 0 to 3600000. */
PSHARE_TUNABLE(sleep_millisecs, 0, PSHARE_SLEEP_MS_MAX);
/*
 * max_page_sharing: most mappings of one merged page, which bounds the
 * kernel's rmap walks over it; default 256, range 2 to 65536. Lowering it
 * leaves existing merged pages as they are.
 */
PSHARE_TUNABLE(max_page_sharing, PSHARE_MAX_SHARING_MIN,
	       PSHARE_MAX_SHARING_MAX);

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
/* zero_pages_sharing: pages pshare mapped to the kernel's zero page. */
PSHARE_COUNTER(zero_pages_sharing);
/* metadata_bytes: all memory pshare holds for its own bookkeeping. */
PSHARE_COUNTER(metadata_bytes);

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
	&pages_to_scan_attr.attr,
	&sleep_millisecs_attr.attr,
	&max_page_sharing_attr.attr,
	&full_scans_attr.attr,
	&pages_shared_attr.attr,
	&pages_sharing_attr.attr,
	&pages_unshared_attr.attr,
	&pages_volatile_attr.attr,
	&zero_pages_sharing_attr.attr,
	&metadata_bytes_attr.attr,
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

	pshare_kobj = kobject_create_and_add("pshare", mm_kobj);
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
