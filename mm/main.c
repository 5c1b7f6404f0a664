// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: module entry and exit; wires the scanner, sysfs and /dev/pshare.
 *
 * Copyright (C) 2026 The pshare authors
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include "hooks.h"
#include "iface.h"
#include "index.h"
#include "madvise.h"
#include "memstate.h"
#include "merge.h"
#include "ops.h"
#include "reap.h"
#include "scan.h"
#include "symbols.h"
#include "target.h"
#include "thp.h"

/**
 * DOC: Overview
 *
 * pshare brings ESX-style transparent page sharing to a stock kernel as a
 * module. Processes register private anonymous memory; a kernel thread,
 * pshared, scans it at a rate the operator sets, finds pages with the same
 * content, and keeps one write-protected copy of each. A write to a shared
 * page takes the kernel's ordinary copy-on-write fault. Pages are indexed
 * by the hash of a 256-byte sample at a secret place, and hashed whole only
 * where the sample does not decide; every merge compares all the bytes.
 *
 * The module is layered after mm/damon: each file calls only files of lower
 * layers, from the kernel interface (symbols.c) and the engine's store
 * (store.c) up to the scan loop (scan.c), which never touches a page table
 * itself, and the interfaces (sysfs.c, chardev.c); the operations layer
 * (ops.c) alone touches page tables. A lower layer that must make a higher
 * one act calls back through a function the higher one gave it; this file
 * wires those. Differences between kernel versions live in
 * include/pshare/compat.h.
 *
 * Merged pages are real KSM pages: page->mapping points at a node whose
 * layout matches the kernel's struct ksm_stable_node wherever the kernel
 * reads it (kabi.h; checked at build time against the target kernel's BTF
 * or source). So reclaim, migration, swap-in and fork handle them with the
 * kernel's own KSM paths, rmap_walk_ksm() among them.
 *
 * Locking: pshare_lock (a mutex) serialises tunable writes, run-state
 * changes and unload. It is taken before any lock of the mm.
 */

#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>

/*
 * For tests only, on kernels with fault injection: fail one step of the
 * load, to check its unwinding. The kernel's fail_* syntax, each step
 * asking once with size 1: "1,100,K,1" makes step K fail with -ENOMEM.
 */
static char *fail_init;
module_param(fail_init, charp, 0400);
MODULE_PARM_DESC(fail_init,
		 "Testing only: <interval>,<probability>,<space>,<times>: fail the load's steps with -ENOMEM");
static DECLARE_FAULT_ATTR(pshare_fail_init);

static void __init pshare_fail_init_setup(void)
{
	pshare_fail_init.verbose = 0;
	if (fail_init && !setup_fault_attr(&pshare_fail_init, fail_init))
		pr_warn("fail_init=%s: not <interval>,<probability>,<space>,<times>: ignored\n",
			fail_init);
}

/* -ENOMEM if fail_init says step @step fails, else 0. */
static int __init pshare_init_fault(int step)
{
	if (!fail_init || !should_fail(&pshare_fail_init, 1))
		return 0;
	pr_notice("fail_init: step %d of the load fails\n", step);
	return -ENOMEM;
}
#else
static void __init pshare_fail_init_setup(void)
{
}

static int __init pshare_init_fault(int step)
{
	return 0;
}
#endif

/* What the scanner's periods do for the layers above it. */
static const struct pshare_scan_callbacks pshare_scan_cb = {
	.period = pshare_whole_refresh,
};

static int __init pshare_init(void)
{
	unsigned int n;
	int ret;

	ret = pshare_resolve_symbols();
	if (ret)
		return ret;

	pshare_fail_init_setup();
	ret = pshare_init_fault(1) ?: pshare_ops_init();
	if (ret)
		return ret;

	ret = pshare_init_fault(2) ?: pshare_merge_init();
	if (ret)
		return ret;

	ret = pshare_init_fault(3) ?: pshare_hooks_init();
	if (ret)
		goto remove_hooks;

	ret = pshare_init_fault(4) ?: pshare_memstate_init(pshare_thp_freeable);
	if (ret)
		goto remove_hooks;

	pshare_madvise_init();
	ret = pshare_init_fault(5) ?: pshare_scan_init(&pshare_scan_cb);
	if (ret)
		goto exit_memstate;

	ret = pshare_init_fault(6) ?: pshare_sysfs_init();
	if (ret)
		goto stop_scan;

	/* The interfaces come last: nothing may fail once users see them. */
	ret = pshare_init_fault(7) ?: pshare_chardev_init();
	if (ret)
		goto remove_sysfs;

	pshare_scan_start();
	pr_info("version %s loaded\n", PSHARE_VERSION);
	return 0;

	/*
	 * As pshare_exit(), minus what did not start. pshared never ran, so
	 * nothing is merged (a merged page would point into the module the
	 * failure frees); but once the first hook was in place, madvise() or
	 * merge-any may have registered memory: pshare_reap_all() ends it
	 * (and its MMU notifiers), whichever step failed.
	 */
remove_sysfs:
	pshare_sysfs_exit();
stop_scan:
	pshare_scan_stop();
exit_memstate:
	pshare_memstate_exit();
remove_hooks:
	pshare_madvise_exit();
	n = pshare_reap_all();
	pshare_hooks_exit();
	pshare_index_exit();
	pshare_merge_exit();
	pr_err("load failed (%d); %u registrations made meanwhile ended\n",
	       ret, n);
	return ret;
}

static void __exit pshare_exit(void)
{
	pshare_chardev_exit();
	pshare_sysfs_exit();
	pshare_scan_stop();
	pshare_memstate_exit();
	pshare_madvise_exit();
	pshare_reap_all();
	pshare_hooks_exit();
	pshare_index_exit();
	pshare_merge_exit();
	pr_info("unloaded\n");
}

module_init(pshare_init);
module_exit(pshare_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The pshare authors");
MODULE_DESCRIPTION("Transparent page sharing: scan, merge and share identical anonymous pages");
MODULE_VERSION(PSHARE_VERSION);
