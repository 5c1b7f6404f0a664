#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The benchmark inside the guest: every workload under the kernel's KSM,
# then under pshare, in one boot; see tests/bench/run.
#
#   bench.sh [full|quick] [BUDGET_PCT] [WINDOW_S] [REPEAT] [BUDGET_MAX_S]
#
# full (make bench): the runs of Documentation/performance.rst. quick: the
# same runs at 1/16 of the size with short windows, for make check. The
# whole list of runs is made REPEAT times (default 1), repetition 1 first;
# every result line carries its repetition (rep=K, and the last column of
# BENCH-CSV), and report.sh decides the goals on the medians. Exits
# non-zero if any run failed (a page with wrong content, a setup error).
# In the equal-budget runs an engine short of 95% of the ideal at the end
# of the window goes on, held to the budget, until it gets there or
# BUDGET_MAX_S (default 300; 20 when quick) have passed (b_bench -X), so
# that goal 1's times to 95% are measured rather than bounded.
set -u
size=${1:-full}
budget=${2:-20}
window=${3:-20}
repeat=${4:-1}
budget_max=${5:-300}
failed=0

case "$repeat" in
''|*[!0-9]*|0*)
	echo "bench: REPEAT must be a positive number, not '$repeat'"
	exit 2 ;;
esac

if [ "$size" = quick ]; then
	# Timings under KASAN and lockdep mean nothing: the stock boot only.
	. /etc/pshare-guest.conf
	if [ "$KERNEL_NAME" = debug ]; then
		echo "bench: not on the debug kernel"
		exit 77
	fi
	div=16 window=4 vmopts="-n 2 -f 4 -p 1 -z 1" scales="256 1024" timeout=60
	budget_max=20
else
	div=1 vmopts="-n 6 -f 64 -p 32 -z 32" scales="256 1024 4096" timeout=600
fi

# No swap: the figures are of sharing without memory pressure. (With the
# guest's zram swap on, reclaim on one fake NUMA node swapped out a third of
# the 4 GiB workload while the other node had free memory.)
swaps=$(awk 'NR > 1 { print $1 }' /proc/swaps)
swapoff -a 2>/dev/null
# No automatic NUMA balancing: the guest's two nodes are fake (numa=fake=2),
# and the hinting faults it sets up kept both engines from merging part of
# the 4 GiB workload (pages are left PROT_NONE until touched).
numa=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null || echo 0)
echo 0 > /proc/sys/kernel/numa_balancing 2>/dev/null

# Which kernel KSM pshare is compared with: this kernel's, at its defaults.
k=/sys/kernel/mm/ksm
if [ -f $k/smart_scan ]; then
	echo "bench: kernel $(uname -r); its KSM at its defaults: smart_scan=$(cat $k/smart_scan) (skips pages that failed to merge), advisor_mode=$(sed 's/.*\[\(.*\)\].*/\1/' $k/advisor_mode 2>/dev/null)"
else
	echo "bench: kernel $(uname -r); its KSM at its defaults (no smart_scan in this kernel)"
fi

# The cost of hashing one page with xxh64, in this kernel, in this boot.
xxb=/lib/pshare/pshare_xxbench.ko
if [ -f $xxb ] && insmod $xxb; then
	p=/sys/module/pshare_xxbench/parameters
	echo "BENCH-XXH64: ns_per_page=$(awk '{ printf "%.1f", $1 / 1000 }' $p/xxh64_ps_per_page) memcmp_ns_per_page=$(awk '{ printf "%.1f", $1 / 1000 }' $p/memcmp_ps_per_page) pages=$(cat $p/pages_hashed)"
	rmmod pshare_xxbench
else
	echo "bench: no xxh64 microbenchmark ($xxb)"
	failed=1
fi

# run NAME ARGS...: the run under each engine, the kernel's KSM first, as
# repetition $rep.
run() {
	name=$1
	shift
	for e in ksm pshare; do
		echo "bench: $name $e (repetition $rep of $repeat): b_bench $*"
		b_bench -r "$name" -k "$rep" -e $e "$@" || failed=1
	done
}

m=$((256 / div))
rep=1
while [ $rep -le "$repeat" ]; do
	echo "bench: === repetition $rep of $repeat"
	run mixed-256-budget -w mixed -m $m -M budget -B "$budget" \
		-T "$window" -X "$budget_max"
	# shellcheck disable=SC2086
	run vmlike-budget -w vmlike $vmopts -M budget -B "$budget" \
		-T "$window" -X "$budget_max"
	run mixed-256-converge -w mixed -m $m -M converge -T $timeout
	# shellcheck disable=SC2086
	run vmlike-converge -w vmlike $vmopts -M converge -T $timeout
	# The same against the kernel KSM's own pacing, where it has one.
	if [ -f $k/advisor_mode ]; then
		# shellcheck disable=SC2086
		run vmlike-converge-advisor -w vmlike $vmopts -M converge \
			-A scan-time -T $timeout
	elif [ $rep -eq 1 ]; then
		echo "bench: vmlike-converge-advisor skipped: this kernel's KSM has no advisor_mode (6.12's has)"
	fi
	# Goal 8, out of the box: newly started guests, every setting of both
	# engines at its default (b_bench -M defaults); ksmd at its 100 pages
	# every 20 ms may not reach 95% in quick mode's 60 s: report says so.
	# shellcheck disable=SC2086
	run vmlike-defaults -w vmlike $vmopts -M defaults -T $timeout
	run steady-256 -w mixed -m $m -M steady -S 3 -T $timeout
	run unique-256 -w unique -m $m -M scans -S 2 -T $timeout
	run thp-256 -w mixed -m $m -H -M scans -S 3 -T $timeout
	for s in $scales; do
		run "scale-$s" -w mixed -m $((s / div)) -M scans -S 2 -T $timeout
	done
	rep=$((rep + 1))
done
for d in $swaps; do swapon "$d"; done
echo "$numa" > /proc/sys/kernel/numa_balancing 2>/dev/null
exit $failed
