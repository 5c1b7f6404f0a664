#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make torture: the long runs, one boot per kernel, then their figures.
#
#   tests/torture.sh [KERNEL...]   (default: debug-6.1 debug-6.12 stock-6.1
#                                  stock-6.12, as tests/qemu/run --kernel)
#
# Each boot runs, with Debian 13's stress-ng and trinity in the guest:
# - t_torture.sh for TORTURE_SECS (600): on a debug kernel 4 workers of
#   16 MiB (KASAN makes every access slow); on a stock kernel TORTURE_STOCK
#   ("4 64 5": workers, MiB each, and a whole sweep every 5 operations), to
#   verify far more pages;
# - t_fuzz: FUZZ_DEBUG_CALLS (25000) or FUZZ_CALLS (310000) calls per
#   thread, 4 threads;
# - t_stressng.sh with STRESS_SECS (10) per stressor and the whole control
#   run without pshare;
# - t_trinity.sh, TRINITY_CALLS (200000) calls in at most TRINITY_SECS (600)
#   per run.
# Exit status 0 only if every boot passed. About 40 minutes per kernel.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

secs=${TORTURE_SECS:-600}
stock_size=${TORTURE_STOCK:-4 64 5}
fuzz=${FUZZ_CALLS:-310000} fuzz_debug=${FUZZ_DEBUG_CALLS:-25000}
stress=${STRESS_SECS:-10}
tcalls=${TRINITY_CALLS:-200000} tsecs=${TRINITY_SECS:-600}
[ $# -gt 0 ] || set -- debug-6.1 debug-6.12 stock-6.1 stock-6.12

rc=0 logs=()
for k in "$@"; do
	case "$k" in
	debug-*) size="4 16" calls=$fuzz_debug ;;
	*) size=$stock_size calls=$fuzz ;;
	esac
	# The guest's own time limit per test, and the boot's.
	limit=$((secs + 1800))
	total=$((secs + 2 * limit + 60 * stress + 2 * tsecs + 3600))
	log=.build/qemu-torture-$k.log
	echo "=== $k: torture $secs s ($size), fuzz $calls x 4, stress-ng $stress s" \
		"per stressor, trinity $tcalls calls"
	tests/qemu/run --kernel "$k" --name "torture-$k" --suite none \
		--with-pkg trixie:stress-ng --with-pkg trixie:trinity \
		--append "TEST_TIMEOUT=$limit" --log "$log" \
		--cmd "t_torture.sh $secs $size" \
		--cmd "t_fuzz -c $calls -t 4" \
		--cmd "t_stressng.sh $stress control" \
		--cmd "t_trinity.sh $tcalls $tsecs" \
		--timeout "$total" --quiet || rc=1
	logs+=("$log")
done

echo
echo "=== figures"
for log in "${logs[@]}"; do
	echo "--- $(basename "$log" .log)"
	grep -aE '^  (torture|stress-ng|trinity):|^  [0-9]+ calls, |^PSHARE-TEST:' "$log" | cut -c1-400
done
exit $rc
