#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: boot the stock kernel in QEMU with pshare and run tests/guest/demo.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/.build/qemu-demo.log
"$top/tests/qemu/run" --kernel stock --suite none --cmd demo.sh --log "$log" --quiet || rc=$?
sed -n '/=== pshare demo/,/=== demo done/p' "$log" | grep -av '^\['
exit "${rc:-0}"
