#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: the ABI guard passes on the real layout and, with one offset of
# the target kernel's layout changed, fails the build naming that field.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
kdir=${KDIR:-$(pshare_default_kdir)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/mm" "$tmp/include/generated"
cp "$top/mm/kabi.h" "$top/mm/kabi_check.c" "$tmp/mm/"
echo 'obj-m += kabi_check.o' > "$tmp/mm/Kbuild"
echo 'ccflags-y += -I$(src)/../include' >> "$tmp/mm/Kbuild"
echo 'obj-m += mm/' > "$tmp/Kbuild"
"$top/scripts/kabi-gen.sh" "$kdir" > "$tmp/include/generated/pshare_kabi.h"

build() { make -C "$kdir" M="$tmp" mm/kabi_check.o > "$tmp/log" 2>&1; }
fails=0
if ! build; then
	echo "not ok: the guard rejects the real layout"; cat "$tmp/log"
	fails=1
fi
for field in KSM_STABLE_NODE_HLIST KSM_STABLE_NODE_KPFN KSM_RMAP_ITEM_ANON_VMA \
	     KSM_RMAP_ITEM_MM KSM_RMAP_ITEM_ADDRESS KSM_RMAP_ITEM_HLIST; do
	"$top/scripts/kabi-gen.sh" "$kdir" |
		sed "s/^#define PSHARE_KABI_$field .*/#define PSHARE_KABI_$field 4/" \
		> "$tmp/include/generated/pshare_kabi.h"
	name=$(echo "$field" | tr A-Z a-z | sed 's/^\(ksm_[a-z]*_[a-z]*\)_/\1./')
	if build; then
		echo "not ok: a wrong offset of $name was accepted"; fails=1
	elif ! grep -q "offset of $name differs" "$tmp/log"; then
		echo "not ok: the error does not name $name:"; cat "$tmp/log"
		fails=1
	else
		echo "ok: a wrong $name is rejected: $(grep -o "offset of $name differs[^\"]*" "$tmp/log" | head -1)"
	fi
done
exit $fails
