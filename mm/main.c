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
 * page takes the kernel's ordinary copy-on-write fault.
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

/* What the scanner's periods do for the layers above it. */
static const struct pshare_scan_callbacks pshare_scan_cb = {
	.period = pshare_whole_refresh,
};

static int __init pshare_init(void)
{
	int ret;

	ret = pshare_resolve_symbols();
	if (ret)
		return ret;

	ret = pshare_ops_init();
	if (ret)
		return ret;

	ret = pshare_merge_init();
	if (ret)
		return ret;

	ret = pshare_hooks_init();
	if (ret)
		goto destroy_caches;

	ret = pshare_memstate_init(pshare_thp_freeable);
	if (ret)
		goto remove_hooks;

	pshare_madvise_init();
	ret = pshare_scan_start(&pshare_scan_cb);
	if (ret)
		goto exit_madvise;

	ret = pshare_sysfs_init();
	if (ret)
		goto stop_scan;

	ret = pshare_chardev_init();
	if (ret)
		goto remove_sysfs;

	pr_info("version %s loaded\n", PSHARE_VERSION);
	return 0;

remove_sysfs:
	pshare_sysfs_exit();
stop_scan:
	pshare_scan_stop();
exit_madvise:
	pshare_madvise_exit();
	pshare_memstate_exit();
remove_hooks:
	pshare_hooks_exit();
destroy_caches:
	pshare_merge_exit();
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
