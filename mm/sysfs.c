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
PSHARE_VISIBLE_IF_KUNIT int pshare_parse_ulong(const char *buf,
					       unsigned long min,
					       unsigned long max,
					       unsigned long *val)
{
	unsigned long v;

	if (kstrtoul(buf, 10, &v) || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}
PSHARE_EXPORT_IF_KUNIT(pshare_parse_ulong);

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
 * pshare_lock. The scanner is woken so that a shorter sleep applies at once.
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
static struct kobj_attribute name##_attr = __ATTR_RW(name)

/* pages_to_scan: pages per batch; default 100, range 1 to 1048576. */
PSHARE_TUNABLE(pages_to_scan, PSHARE_PAGES_TO_SCAN_MIN,
	       PSHARE_PAGES_TO_SCAN_MAX);
/* sleep_millisecs: ms between batches; default 20, range 0 to 3600000. */
PSHARE_TUNABLE(sleep_millisecs, 0, PSHARE_SLEEP_MS_MAX);

/* full_scans: completed passes over all registered memory; read-only. */
static ssize_t full_scans_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&pshare_stats.full_scans));
}
static struct kobj_attribute full_scans_attr = __ATTR_RO(full_scans);

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
	&full_scans_attr.attr,
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
