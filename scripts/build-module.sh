#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build pshare.ko (and, for a KUnit kernel, pshare_test.ko) against KDIR.
#
#   build-module.sh KDIR OUTDIR
#
# Kbuild writes objects beside the sources, so each kernel gets its own copy
# of the module sources under OUTDIR; the stock and debug builds never mix.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"
kdir=${1:?usage: build-module.sh KDIR OUTDIR}
out=${2:?usage: build-module.sh KDIR OUTDIR}

[ -f "$kdir/Makefile" ] || {
	echo "build-module: no kernel tree at '$kdir' (make deps, or set KDIR=)" >&2
	exit 1
}
mkdir -p "$out/include/generated"
cd "$top"
rsync -aR --include='*/' --include='*.c' --include='*.h' --include='Kbuild' \
	--exclude='*' Kbuild mm include tests/kunit tests/bench "$out/"

scripts/kabi-gen.sh "$kdir" > "$out/include/generated/pshare_kabi.h.tmp"
if cmp -s "$out/include/generated/pshare_kabi.h.tmp" \
	  "$out/include/generated/pshare_kabi.h"; then
	rm "$out/include/generated/pshare_kabi.h.tmp"
else
	mv "$out/include/generated/pshare_kabi.h.tmp" \
	   "$out/include/generated/pshare_kabi.h"
fi

pshare_kmake "$kdir" "$out" -j"$(nproc)" modules
