#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: `make` builds mm/pshare.ko for the default Debian 6.1 headers and
# `make SERIES=6.12` for Debian 13's, with no compiler warning, and each
# module's vermagic matches its kernel.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
cd "$top"
make module 2>&1 | tee .build/module-build.out
if grep -E 'warning:|error:' .build/module-build.out; then
	echo "not ok: the build printed warnings"; exit 1
fi
krel=$(pshare_kernelrelease "$(pshare_default_kdir)")
vermagic=$(modinfo -F vermagic mm/pshare.ko)
stock=$(modinfo -F vermagic "/lib/modules/$krel/kernel/drivers/block/zram/zram.ko")
[ "$vermagic" = "$stock" ] || {
	echo "not ok: vermagic '$vermagic' differs from the stock modules' '$stock'"
	exit 1
}
[ "$(modinfo -F license mm/pshare.ko)" = GPL ] || { echo "not ok: license"; exit 1; }
echo "ok: mm/pshare.ko built for $krel ($vermagic)"

# Debian 13's kernel: the same source, built in the trixie build root.
make module SERIES=6.12 2>&1 | tee .build/module-build-6.12.out
if grep -E 'warning:|error:' .build/module-build-6.12.out; then
	echo "not ok: the 6.12 build printed warnings"; exit 1
fi
krel=$(pshare_kernelrelease "$(pshare_stock_kdir 6.12)")
ko=.build/stock-6.12/mm/pshare.ko
vermagic=$(modinfo -F vermagic "$ko")
t13mods=$(sed -n 's/^T13_MODULES=//p' <<< "$(scripts/trixie.sh --env)")
stock=$(modinfo -F vermagic "$t13mods/kernel/drivers/block/zram/zram.ko.xz")
[ "$vermagic" = "$stock" ] || {
	echo "not ok: 6.12 vermagic '$vermagic' differs from the stock modules' '$stock'"
	exit 1
}
echo "ok: pshare.ko built for $krel ($vermagic)"
