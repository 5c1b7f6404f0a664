#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: every pshare test, with one summary line at the end.
#
#   tests/check.sh [--host-only] [--stock-only]
#
# 1. host tests (tests/host/*.sh): module build, ABI guard, code style;
# 2. the debug kernel (built or reused: scripts/testkernel.sh), booted once:
#    the KUnit suites, then the guest suite;
# 3. the stock Debian kernel, booted once: the guest suite;
# 4. the stock kernel again with 640 MiB of RAM: the memory-pressure suite
#    (tests/guest/pressure.list), share-before-swap against zram swap.
# The last line is "N passed, N failed"; the exit status is 0 only when
# nothing failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=all
case "${1:-}" in
--host-only) mode=host ;;
--stock-only) mode=stock ;;
'') ;;
*) echo "check: unknown option $1" >&2; exit 2 ;;
esac

mkdir -p .build
results=.build/check-results.txt
: > "$results"
start=$(date +%s)

# Host tests: each script is one test.
for t in tests/host/*.sh; do
	name=host/$(basename "$t" .sh)
	echo "=== $name"
	if "$t" > ".build/$(basename "$t" .sh).log" 2>&1; then
		echo "PASS $name" >> "$results"
	else
		echo "FAIL $name" >> "$results"
		tail -30 ".build/$(basename "$t" .sh).log"
	fi
done

if [ "$mode" = all ]; then
	echo "=== debug kernel (KUnit and guest suite)"
	if scripts/testkernel.sh > .build/testkernel.log 2>&1; then
		tests/qemu/run --kernel debug --kunit --quiet --results "$results" ||
			echo "(console: .build/qemu-debug.log)"
	else
		tail -30 .build/testkernel.log
		echo "FAIL debug/testkernel-build" >> "$results"
	fi
fi
if [ "$mode" != host ]; then
	echo "=== stock kernel (guest suite)"
	tests/qemu/run --kernel stock --with-qemu --quiet --results "$results" ||
		echo "(console: .build/qemu-stock.log)"
	echo "=== stock kernel, 640 MiB (memory-pressure suite)"
	tests/qemu/run --kernel stock --name stock-pressure --mem 640M \
		--suite tests/guest/pressure.list --quiet --results "$results" ||
		echo "(console: .build/qemu-stock-pressure.log)"
fi

npass=$(grep -c '^PASS' "$results")
nfail=$(grep -c '^FAIL' "$results")
nskip=$(grep -c '^SKIP' "$results")
echo
echo "=== results ($(( $(date +%s) - start ))s)"
grep -v '^PASS' "$results"
[ "$nskip" -eq 0 ] || echo "($nskip skipped: not applicable to that kernel)"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
