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
 * @features: bit mask of optional features, %PSHARE_FEATURE_*
 * @module_version: the module's version string, NUL terminated
 */
struct pshare_version {
	__u32 abi;
	__u32 features;
	char module_version[24];
};

/*
 * Features: %PSHARE_FEATURE_RATE, struct pshare_register.weight is honoured
 * and struct pshare_proc_stats.scanned is filled in.
 */
#define PSHARE_FEATURE_RATE	(1U << 0)

/**
 * struct pshare_register - argument of %PSHARE_IOC_REGISTER
 * @start: first byte of the range, page aligned
 * @length: bytes, page aligned, not zero
 * @flags: none defined yet; must be 0
 * @weight: the range's share of the host-wide scan budget when that cap
 *	    binds, after ESX's shares: 1 to 10000, or 0 for the default, 100
 * @domain: sharing domain; pages merge only with pages of the same domain
 *	    (the zero page is shared across all). 0 is the common domain.
 *
 * The range must lie in private anonymous mappings of the caller, not
 * registered already and not VM_MERGEABLE under the kernel's KSM. Errors:
 * EINVAL (bad flags, weight, range or memory type), ENOMEM (a hole in
 * the range, or no memory), EBUSY (VM_MERGEABLE), EEXIST (overlap),
 * ENOSPC (65535 registrations), EINTR (a signal on first registration),
 * EFAULT (bad pointer). The
 * registration belongs to the caller's address space and ends on
 * %PSHARE_IOC_UNREGISTER, on munmap (or mremap away) of the range, or at exit.
 */
struct pshare_register {
	__u64 start;
	__u64 length;
	__u32 flags;
	__u32 weight;
	__u64 domain;
};

/**
 * struct pshare_unregister - argument of %PSHARE_IOC_UNREGISTER
 * @start: first byte, page aligned
 * @length: bytes, page aligned, not zero
 *
 * Every registration of the caller that lies wholly inside the range ends,
 * and its merged pages are unmerged first. A registration that overlaps the
 * range only in part is -EINVAL; a range with no registration is -ENOENT.
 */
struct pshare_unregister {
	__u64 start;
	__u64 length;
};

/**
 * struct pshare_proc_stats - answer of %PSHARE_IOC_QUERY, for the caller
 * @registered: pages registered
 * @shared: distinct merged (KSM) pages this process holds the first
 *	    mapping of ("shared common" in ESX terms)
 * @sharing: further mappings of merged pages in this process, each a page
 *	     saved
 * @zero: pages mapped to the kernel's zero page by pshare, each saved
 * @saved: @sharing + @zero
 * @scanned: page visits by the scanner in this process's registrations
 *	     (a page counts at every visit)
 * @reserved: zero
 *
 * Summed over all processes, @shared and @sharing give the sysfs counters
 * pages_shared and pages_sharing.
 */
struct pshare_proc_stats {
	__u64 registered;
	__u64 shared;
	__u64 sharing;
	__u64 zero;
	__u64 saved;
	__u64 scanned;
	__u64 reserved[2];
};

#define PSHARE_IOC_MAGIC	0xb7

/* Read the ABI and module version. */
#define PSHARE_IOC_VERSION	_IOR(PSHARE_IOC_MAGIC, 0x00, struct pshare_version)
/* Register a range of the caller's memory. */
#define PSHARE_IOC_REGISTER	_IOW(PSHARE_IOC_MAGIC, 0x01, struct pshare_register)
/* End the caller's registrations inside a range, unmerging their pages. */
#define PSHARE_IOC_UNREGISTER	_IOW(PSHARE_IOC_MAGIC, 0x02, struct pshare_unregister)
/* Read the caller's sharing statistics. */
#define PSHARE_IOC_QUERY	_IOR(PSHARE_IOC_MAGIC, 0x03, struct pshare_proc_stats)

#endif /* _UAPI_LINUX_PSHARE_H */
