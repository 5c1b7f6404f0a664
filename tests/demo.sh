#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: boot a stock kernel (KERNEL=stock-6.12 for Debian 13's) in QEMU with pshare and run tests/guest/demo.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/.build/qemu-demo.log
"$top/tests/qemu/run" --kernel "${KERNEL:-stock}" --suite none --cmd demo.sh --log "$log" --quiet || rc=$?
sed -n '/=== pshare demo/,/=== demo done/p' "$log" | grep -av '^\['
exit "${rc:-0}"
