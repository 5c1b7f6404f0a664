/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare: nodes and rmap items laid out as the kernel's KSM code reads them. */
#ifndef _PSHARE_KABI_H
#define _PSHARE_KABI_H

#include <linux/list.h>
#include <linux/page-flags.h>
#include <linux/types.h>

struct anon_vma;
struct mm_struct;
struct pshare_mm;
struct pshare_range;

/**
 * struct pshare_stable_node - one merged (KSM) page
 * @node: in the content index's stable table; under pshare_engine_lock
 * @node_pad: unused, keeps the kernel's layout (its rb_node is 24 bytes)
 * @list: unused, keeps the kernel's layout
 * @hlist: the sharers' rmap items; changed only with the KSM page locked,
 *	   walked by the kernel's rmap_walk_ksm()
 * @kpfn: pfn of the KSM page; the kernel's folio_migrate_ksm() writes it
 * @rmap_hlist_len: entries on @hlist
 * @nid: NUMA node of the KSM page
 * @sample: hash of the sample of the page's content (pshare_ops_sample())
 * @hash: xxh64 of the page's content
 * @domain: the sharing domain of its mappings
 * @owner: the &struct pshare_mm counted as holding the first mapping
 *
 * A KSM page's page->mapping is this node | PAGE_MAPPING_KSM. The kernel
 * reads @hlist and writes @kpfn; their offsets must equal those of its
 * struct ksm_stable_node, which kabi_check.c asserts at build time. pshare's
 * own fields may follow freely after @nid.
 */
struct pshare_stable_node {
	struct hlist_node node;
	unsigned long node_pad;
	struct list_head list;
	struct hlist_head hlist;
	unsigned long kpfn;
	int rmap_hlist_len;
	int nid;
	/* pshare's own, past everything the kernel reads */
	u64 sample;
	u64 hash;
	u64 domain;
	struct pshare_mm *owner;
};

/**
 * struct pshare_rmap_item - one mapping of a merged page
 * @range: the registration holding this mapping
 * @anon_vma: the mapping's anon_vma, referenced; read by rmap_walk_ksm()
 * @mm: the mapping's mm; read by rmap_walk_ksm()
 * @address: the user address; low bits are pshare flags, which the kernel
 *	     masks off with PAGE_MASK
 * @flags: unused, zero
 * @reserved: padding, zero
 * @head: the stable node this item shares
 * @hlist: on @head->hlist; changed only with the KSM page locked
 *
 * The kernel reads @anon_vma, @mm, @address and @hlist at the offsets of
 * its struct ksm_rmap_item; kabi_check.c asserts them.
 */
struct pshare_rmap_item {
	struct pshare_range *range;
	struct anon_vma *anon_vma;
	struct mm_struct *mm;
	unsigned long address;
	u32 flags;
	u32 reserved;
	struct pshare_stable_node *head;
	struct hlist_node hlist;
};

/* The page->mapping of a KSM page whose node is @node (NULL: none yet). */
static inline void *pshare_node_mapping(const struct pshare_stable_node *node)
{
	return (void *)((unsigned long)node | PAGE_MAPPING_KSM);
}

#endif /* _PSHARE_KABI_H */
