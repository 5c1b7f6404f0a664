/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: the user interfaces, sysfs (sysfs.c) and /dev/pshare (chardev.c). */
#ifndef _PSHARE_IFACE_H
#define _PSHARE_IFACE_H

#include <linux/types.h>

int pshare_sysfs_init(void);
void pshare_sysfs_exit(void);
int pshare_chardev_init(void);
void pshare_chardev_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
int pshare_parse_ulong(const char *buf, unsigned long min, unsigned long max,
		       unsigned long *val);
int pshare_parse_thresholds(const char *buf, u32 *packed);
#endif

#endif /* _PSHARE_IFACE_H */
