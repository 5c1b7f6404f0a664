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
/*
 * %PSHARE_FEATURE_DOMAINS: salting, struct pshare_target and its ioctls,
 * %PSHARE_IOC_LIST and the estimate mode (run = 3) are there.
 */
#define PSHARE_FEATURE_DOMAINS	(1U << 1)

/*
 * Sharing domains. A caller's or operator's salt is below 2^63; 0 is the
 * common domain. Under salting policy 2 a registration with no salt gets a
 * domain of its own process, %PSHARE_DOMAIN_PROCESS plus a serial number.
 */
#define PSHARE_DOMAIN_COMMON	0ULL
#define PSHARE_DOMAIN_PROCESS	(1ULL << 63)

/**
 * struct pshare_register - argument of %PSHARE_IOC_REGISTER
 * @start: first byte of the range, page aligned
 * @length: bytes, page aligned, not zero
 * @flags: none defined yet; must be 0
 * @weight: the range's share of the host-wide scan budget when that cap
 *	    binds, after ESX's shares: 1 to 10000, or 0 for the default, 100
 * @salt: the caller's salt: below 2^63, or 0 for none. The registration's
 *	  sharing domain follows from it, the operator's salt for the
 *	  process and the salting policy (Documentation/admin-guide.rst).
 *	  Pages merge only with pages of the same domain; zero pages may
 *	  map to the kernel's zero page across domains.
 * @domain: deprecated name of @salt, kept so that old userspace compiles
 *
 * The range must lie in private anonymous mappings of the caller, not
 * registered already and not VM_MERGEABLE under the kernel's KSM. Errors:
 * EINVAL (bad flags, weight, salt, range or memory type), ENOMEM (a hole in
 * the range, or no memory), EBUSY (VM_MERGEABLE), EEXIST (overlap),
 * ENOSPC (65535 registrations, or registered memory would pass four
 * times the host's RAM), EINTR (a signal on first registration),
 * EFAULT (bad pointer). The
 * registration belongs to the caller's address space and ends on
 * %PSHARE_IOC_UNREGISTER, on munmap (or mremap away) of the range, or at exit.
 */
struct pshare_register {
	__u64 start;
	__u64 length;
	__u32 flags;
	__u32 weight;
	union {
		__u64 salt;
		__u64 domain;	/* deprecated: use salt */
	};
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

/**
 * struct pshare_target - a process, or a range of its memory, to act on
 * @pid: the process (thread group id), or 0 for the caller
 * @flags: with %PSHARE_IOC_SET_TARGET, what to set: %PSHARE_TARGET_SALT,
 *	   %PSHARE_TARGET_ENABLE or both; otherwise 0
 * @start: first byte of a range, page aligned; with @length 0, the whole
 *	   process
 * @length: bytes, page aligned; 0 (with @start 0) for the whole process
 * @salt: %PSHARE_IOC_REGISTER_TARGET: the salt of the new registrations,
 *	  as &struct pshare_register.salt; %PSHARE_IOC_SET_TARGET with
 *	  %PSHARE_TARGET_SALT: the operator's salt for the whole process,
 *	  below 2^63, 0 to clear it
 * @domain: deprecated name of @salt, kept so that old userspace compiles
 * @weight: %PSHARE_IOC_REGISTER_TARGET: as &struct pshare_register.weight
 * @enable: %PSHARE_IOC_SET_TARGET with %PSHARE_TARGET_ENABLE: 1 lets the
 *	    process (or its registrations inside the range) share, 0 stops
 *	    it and unmerges its pages
 * @reserved: zero
 *
 * Acting on another process needs the right to ptrace-attach to it
 * (PTRACE_MODE_ATTACH_REALCREDS): else -EPERM; no such process is -ESRCH.
 * @pid may name any thread of the process, in the caller's pid namespace.
 * %PSHARE_IOC_SET_TARGET is the operator's alone and needs CAP_SYS_ADMIN
 * as well, even on the caller itself. Errors otherwise as for
 * %PSHARE_IOC_REGISTER and %PSHARE_IOC_UNREGISTER, and -ENOENT when
 * nothing is registered in the range.
 * Registering the whole process registers every private anonymous VMA it
 * has, and keeps registering those it maps later (pshared looks once a
 * second), until %PSHARE_IOC_UNREGISTER_TARGET of the whole process.
 */
struct pshare_target {
	__s32 pid;
	__u32 flags;
	__u64 start;
	__u64 length;
	union {
		__u64 salt;
		__u64 domain;	/* deprecated: use salt */
	};
	__u32 weight;
	__u32 enable;
	__u64 reserved[2];
};

#define PSHARE_TARGET_SALT	(1U << 0)
#define PSHARE_TARGET_ENABLE	(1U << 1)
#define PSHARE_TARGET_DOMAIN	PSHARE_TARGET_SALT	/* deprecated */

/**
 * struct pshare_proc_info - one process in the answer of %PSHARE_IOC_LIST
 * @pid: thread group id of the process that registered
 * @flags: %PSHARE_PROC_*
 * @domain: the domain of its registrations (of the first one, when they
 *	    differ: %PSHARE_PROC_MIXED)
 * @salt: the operator's salt for the process, 0 if none
 * @registered: pages registered
 * @shared: as &struct pshare_proc_stats.shared
 * @sharing: as &struct pshare_proc_stats.sharing
 * @zero: as &struct pshare_proc_stats.zero
 * @saved: as &struct pshare_proc_stats.saved
 * @scanned: as &struct pshare_proc_stats.scanned
 * @est_saved: estimate mode: pages of its registrations that would merge
 *	       with a twin of their domain, as of each page's last scan
 * @est_zero: estimate mode: zero pages among its registered pages, as of
 *	      each page's last scan
 * @nr_ranges: registrations
 * @reserved0: zero
 * @comm: command name, NUL terminated
 * @thp_held: pages it would save but holds in huge pages, which pshare
 *	      keeps whole until memory is short (thp_split=pressure): the
 *	      duplicate subpages of its huge pages that are split candidates
 * @reserved: zero
 */
struct pshare_proc_info {
	__s32 pid;
	__u32 flags;
	__u64 domain;
	__u64 salt;
	__u64 registered;
	__u64 shared;
	__u64 sharing;
	__u64 zero;
	__u64 saved;
	__u64 scanned;
	__u64 est_saved;
	__u64 est_zero;
	__u32 nr_ranges;
	__u32 reserved0;
	char comm[16];
	__u64 thp_held;
	__u64 reserved;
};

#define PSHARE_PROC_WHOLE	(1U << 0)	/* whole process registered */
#define PSHARE_PROC_DISABLED	(1U << 1)	/* sharing disabled */
#define PSHARE_PROC_MADVISE	(1U << 2)	/* registered by madvise */
#define PSHARE_PROC_MIXED	(1U << 3)	/* registrations in several domains */

/**
 * struct pshare_list - argument of %PSHARE_IOC_LIST
 * @procs: user pointer to an array of &struct pshare_proc_info
 * @count: in, the entries the array holds; out, the processes pshare
 *	   tracks (with registrations, whole-process mode, a salt or a
 *	   disable), which may be more than were written. Pids are in the
 *	   initial pid namespace.
 * @reserved: zero
 *
 * Needs CAP_SYS_ADMIN (other processes' figures are not a group member's
 * business): else -EPERM.
 */
struct pshare_list {
	__u64 procs;
	__u32 count;
	__u32 reserved;
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
/* Register a range of a process, or the whole process, present and future. */
#define PSHARE_IOC_REGISTER_TARGET	_IOW(PSHARE_IOC_MAGIC, 0x04, struct pshare_target)
/* End a process's registrations inside a range, or all and whole mode. */
#define PSHARE_IOC_UNREGISTER_TARGET	_IOW(PSHARE_IOC_MAGIC, 0x05, struct pshare_target)
/* Set a process's salt, or enable or disable it or its registrations. */
#define PSHARE_IOC_SET_TARGET	_IOW(PSHARE_IOC_MAGIC, 0x06, struct pshare_target)
/* List the processes with registrations and their figures. */
#define PSHARE_IOC_LIST		_IOWR(PSHARE_IOC_MAGIC, 0x07, struct pshare_list)

#endif /* _UAPI_LINUX_PSHARE_H */
