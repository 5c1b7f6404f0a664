#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test, for each stock kernel (Debian 12's 6.1, Debian 13's 6.12): the
# ABI guard passes on the real layout; a field that the kernel's KSM reads
# and pshare's struct lacks stops the build; and with one offset of the
# target kernel's layout changed, the build fails naming that field.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
fails=0
for series in 6.1 6.12; do
kdir=$(pshare_stock_kdir "$series")
[ -n "$kdir" ] || { echo "not ok: no Debian $series headers (make deps)"; fails=1; continue; }
echo "# $(pshare_kernelrelease "$kdir")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/mm" "$tmp/include/generated"
cp "$top/mm/kabi.h" "$top/mm/kabi_check.c" "$tmp/mm/"
echo 'obj-m += kabi_check.o' > "$tmp/mm/Kbuild"
echo 'ccflags-y += -I$(src)/../include' >> "$tmp/mm/Kbuild"
echo 'obj-m += mm/' > "$tmp/Kbuild"
"$top/scripts/kabi-gen.sh" "$kdir" > "$tmp/include/generated/pshare_kabi.h"

build() { pshare_kmake "$kdir" "$tmp" mm/kabi_check.o > "$tmp/log" 2>&1; }
if ! build; then
	echo "not ok: the guard rejects the real layout"; cat "$tmp/log"
	fails=1
fi
"$top/scripts/kabi-gen.sh" "$kdir" > "$tmp/real.h"
n=$(grep -c '^PSHARE_KABI_FIELD(' "$tmp/real.h" || true)
# The kernel's KSM reads at least these six; the list comes from its source.
for f in ksm_stable_node.hlist ksm_stable_node.kpfn ksm_rmap_item.anon_vma \
	 ksm_rmap_item.mm ksm_rmap_item.address ksm_rmap_item.hlist; do
	grep -q "^PSHARE_KABI_FIELD(${f%%.*}, ${f#*.}," "$tmp/real.h" ||
		{ echo "not ok: $f is not in the generated list"; fails=1; }
done
echo "ok: $n fields guarded"
# A field the kernel starts to read, which pshare's struct lacks, fails.
sed 's/^#endif$/PSHARE_KABI_FIELD(ksm_rmap_item, linear_page_index, 32);\n#endif/' \
	"$tmp/real.h" > "$tmp/include/generated/pshare_kabi.h"
if build; then
	echo "not ok: a field pshare lacks was accepted"; fails=1
else
	echo "ok: a field pshare lacks stops the build"
fi
for field in $(sed -n 's/^PSHARE_KABI_FIELD(\([a-z_]*\), \([a-z_]*\),.*/\1.\2/p' "$tmp/real.h"); do
	s=${field%%.*} f=${field#*.}
	sed "s/^PSHARE_KABI_FIELD($s, $f, .*/PSHARE_KABI_FIELD($s, $f, 4);/" \
		"$tmp/real.h" > "$tmp/include/generated/pshare_kabi.h"
	name=$field
	if build; then
		echo "not ok: a wrong offset of $name was accepted"; fails=1
	elif ! grep -q "offset of $name differs" "$tmp/log"; then
		echo "not ok: the error does not name $name:"; cat "$tmp/log"
		fails=1
	else
		echo "ok: a wrong $name is rejected: $(grep -o "offset of $name differs[^\"]*" "$tmp/log" | head -1)"
	fi
done
rm -rf "$tmp"
done
exit $fails
