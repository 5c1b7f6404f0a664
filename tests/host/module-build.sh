#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: `make` builds mm/pshare.ko for the default Debian 6.1 headers,
# with no compiler warning, and the module's vermagic matches that kernel.
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
