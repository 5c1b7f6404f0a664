// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the ABI guard, our KSM node layouts against the target kernel's. */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include "kabi.h"

/*
 * generated/pshare_kabi.h is written by scripts/kabi-gen.sh before each
 * build. It holds one PSHARE_KABI_FIELD(STRUCT, FIELD, OFFSET) for every
 * field of the kernel's struct ksm_stable_node or ksm_rmap_item that the
 * target kernel's KSM code reads from any KSM page's node (the list comes
 * from that kernel's mm/ksm.c), with the kernel's offset: from its BTF for a
 * distribution kernel, or from its mm/ksm.c for a kernel built from source.
 * pshare's struct must have each field at that offset. A field pshare lacks
 * stops the build at offsetof(); a different offset stops it here, naming
 * the kernel's field.
 */
#define PSHARE_KABI_OURS_ksm_stable_node	struct pshare_stable_node
#define PSHARE_KABI_OURS_ksm_rmap_item		struct pshare_rmap_item

#define PSHARE_KABI_FIELD(theirs, field, offset)			\
	static_assert(offsetof(PSHARE_KABI_OURS_##theirs, field) == (offset), \
		      "pshare ABI guard: offset of " #theirs "." #field	\
		      " differs from the target kernel")

#include <generated/pshare_kabi.h>
