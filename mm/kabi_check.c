// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the ABI guard, our KSM node layouts against the target kernel's. */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <generated/pshare_kabi.h>
#include "kabi.h"

/*
 * generated/pshare_kabi.h is written by scripts/kabi-gen.sh before each
 * build: from the target kernel's BTF for a distribution kernel, or from its
 * mm/ksm.c for a kernel built from source. A mismatch stops the build here,
 * naming the kernel's field.
 */
#define PSHARE_KABI_ASSERT(ours, field, theirs, what)			\
	static_assert(offsetof(ours, field) == (theirs),		\
		      "pshare ABI guard: offset of " what " differs "	\
		      "from the target kernel")

PSHARE_KABI_ASSERT(struct pshare_stable_node, hlist,
		   PSHARE_KABI_KSM_STABLE_NODE_HLIST, "ksm_stable_node.hlist");
PSHARE_KABI_ASSERT(struct pshare_stable_node, kpfn,
		   PSHARE_KABI_KSM_STABLE_NODE_KPFN, "ksm_stable_node.kpfn");
PSHARE_KABI_ASSERT(struct pshare_rmap_item, anon_vma,
		   PSHARE_KABI_KSM_RMAP_ITEM_ANON_VMA, "ksm_rmap_item.anon_vma");
PSHARE_KABI_ASSERT(struct pshare_rmap_item, mm,
		   PSHARE_KABI_KSM_RMAP_ITEM_MM, "ksm_rmap_item.mm");
PSHARE_KABI_ASSERT(struct pshare_rmap_item, address,
		   PSHARE_KABI_KSM_RMAP_ITEM_ADDRESS, "ksm_rmap_item.address");
PSHARE_KABI_ASSERT(struct pshare_rmap_item, hlist,
		   PSHARE_KABI_KSM_RMAP_ITEM_HLIST, "ksm_rmap_item.hlist");
