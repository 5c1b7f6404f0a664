#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: every pshare test, with one summary line at the end.
#
#   tests/check.sh [--host-only] [--stock-only]
#
# 1. host tests (tests/host/*.sh): module builds, ABI guard, IBT, code style;
# 2. for each kernel series, 6.1 (Debian 12) and 6.12 (Debian 13):
#    - the debug kernel (built or reused: scripts/testkernel.sh), booted
#      once: the KUnit suites, then the guest suite;
#    - the stock Debian kernel, booted once: the guest suite;
#    - the stock kernel again with 640 MiB of RAM: the memory-pressure suite
#      (tests/guest/pressure.list), share-before-swap against zram swap.
#    The debug and stock boots carry Debian 13's stress-ng and trinity
#    (qemu/run --with-pkg) for the suite's short runs of both;
# 3. the Debian packages as installed: for Debian 12 and 13, the stock
#    kernel booted with the module DKMS built and the packaged tools, which
#    the host test deb.sh staged (tests/host/deb.sh --guest).
# Each boot is named KIND-RELEASE; the summary gives each boot's counts.
# The last line is "N passed, N failed"; the exit status is 0 only when
# nothing failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/common.sh
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

boot() {	# QEMU/RUN ARGS...: one boot; its failures are in $results
	local before label rc=0

	before=$(wc -l < "$results")
	label=$(awk '{ for (i = 1; i < NF; i++) if ($i == "--kernel" || $i == "--name") l = $(i + 1) }
		     END { print l }' <<< "$*")
	tests/qemu/run "$@" --quiet --results "$results" || rc=$?
	# A boot that stopped before its guest ran (a module that did not
	# build, a missing image) reported nothing: it fails all the same.
	if [ "$rc" -ne 0 ] && [ "$(wc -l < "$results")" -eq "$before" ]; then
		echo "FAIL $label/boot (qemu/run exit $rc, nothing ran)" >> "$results"
	fi
}
pkgs=(--with-pkg trixie:stress-ng --with-pkg trixie:trinity)
for series in 6.1 6.12; do
	if [ "$mode" = all ]; then
		echo "=== debug $series kernel (KUnit and guest suite)"
		if scripts/testkernel.sh "$series" > ".build/testkernel-$series.log" 2>&1; then
			boot --kernel "debug-$series" --kunit "${pkgs[@]}"
		else
			tail -30 ".build/testkernel-$series.log"
			echo "FAIL debug-$series/testkernel-build" >> "$results"
		fi
	fi
	if [ "$mode" != host ]; then
		if [ -z "$(pshare_stock_kdir "$series")" ]; then
			echo "FAIL stock-$series/headers-missing (make deps)" >> "$results"
			continue
		fi
		echo "=== stock $series kernel (guest suite)"
		boot --kernel "stock-$series" --with-qemu "${pkgs[@]}"
		echo "=== stock $series kernel, 640 MiB (memory-pressure suite)"
		krel=$(pshare_kernelrelease "$(pshare_stock_kdir "$series")")
		boot --kernel "stock-$series" --name "stock-pressure-$krel" \
			--mem 640M --suite tests/guest/pressure.list
	fi
done

# The Debian packages as installed (staged by the host test deb.sh): each
# release's stock kernel with the module DKMS built and the packaged tools.
if [ "$mode" != host ]; then
	echo "=== the Debian packages in guests (stock 6.1 and 6.12)"
	before=$(wc -l < "$results")
	PSHARE_RESULTS=$results tests/host/deb.sh --guest > .build/deb-guest.log 2>&1
	rc=$?
	grep -E '^(not )?ok' .build/deb-guest.log | grep -v '^ok' || true
	if [ "$rc" -ne 0 ] && [ "$(wc -l < "$results")" -eq "$before" ]; then
		echo "FAIL packages/guest (deb.sh --guest exit $rc, nothing ran: .build/deb-guest.log)" >> "$results"
	elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL' <(tail -n +"$((before + 1))" "$results"); then
		echo "FAIL packages/guest (deb.sh --guest exit $rc: .build/deb-guest.log)" >> "$results"
	fi
fi

npass=$(grep -c '^PASS' "$results")
nfail=$(grep -c '^FAIL' "$results")
nskip=$(grep -c '^SKIP' "$results")
echo
echo "=== results ($(( $(date +%s) - start ))s)"
# Each boot's counts: the part of a result's name before its first slash.
awk '{ split($2, n, "/"); b = n[1]; c[b, $1]++; if (!(b in seen)) { seen[b] = 1; order[++k] = b } }
     END { for (i = 1; i <= k; i++) { b = order[i]
		printf "  %-40s %4d passed, %d failed, %d skipped\n", b, c[b, "PASS"], c[b, "FAIL"], c[b, "SKIP"] } }' "$results"
grep -v '^PASS' "$results"
# Why a boot failed, here at the end where a CI record that keeps only the
# last lines still shows it: the kernel log's error lines, or the last
# lines of a console that never printed its result banner.
for b in $(awk '$1 == "FAIL" && $2 ~ /\/(kernel-log-clean|guest-completed)$/ {
		sub(/\/[^\/]*$/, "", $2); print $2 }' "$results" | sort -u); do
	echo "--- $b: the kernel log's errors (.build/badlines-$b.txt)"
	head -15 ".build/badlines-$b.txt" 2> /dev/null
	if grep -q "^FAIL $b/guest-completed\$" "$results"; then
		echo "--- $b: the console's last lines (.build/qemu-$b.log)"
		tail -15 ".build/qemu-$b.log" 2> /dev/null | cut -c 1-200
	fi
done
[ "$nskip" -eq 0 ] || echo "($nskip skipped: not applicable to that kernel)"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
