/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pshare user ABI: ioctls on /dev/pshare.
 *
 * Every structure has fixed-width fields and explicit padding; padding and
 * reserved fields must be zero, and unknown flags are rejected with -EINVAL,
 * so that later versions can give them a meaning.
 */
#ifndef _UAPI_LINUX_PSHARE_H
#define _UAPI_LINUX_PSHARE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PSHARE_ABI_VERSION	1

/**
 * struct pshare_version - answer of %PSHARE_IOC_VERSION
 * @abi: the ABI version, %PSHARE_ABI_VERSION of the running module
 * @features: bit mask of optional features (none yet, always 0)
 * @module_version: the module's version string, NUL terminated
 */
struct pshare_version {
	__u32 abi;
	__u32 features;
	char module_version[24];
};

#define PSHARE_IOC_MAGIC	0xb7

/* Read the ABI and module version. */
#define PSHARE_IOC_VERSION	_IOR(PSHARE_IOC_MAGIC, 0x00, struct pshare_version)

#endif /* _UAPI_LINUX_PSHARE_H */
