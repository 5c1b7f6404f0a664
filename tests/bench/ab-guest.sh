#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A/B of engine changes in one guest boot: pshare modules built from
# different trees, alternating, REPEAT times, each on the same runs of
# b_bench. The host side, for example with three builds of stock-6.12:
#
#   tests/qemu/run --kernel stock-6.12 --name ab --suite none --no-module \
#	--mem 8G --add main.ko:/extra/pshare-main.ko \
#	--add batch.ko:/extra/pshare-batch.ko \
#	--add tests/bench/ab-guest.sh --cmd '/extra/ab-guest.sh main batch'
#
#   ab-guest.sh NAME... (modules /extra/pshare-NAME.ko; REPEAT=3 default)
#
# RUNS picks the runs, in order (default "unique mixed conv"): unique
# (unique-256, 2 scans), mixed (mixed-1024, 2 scans), conv (mixed-256 to
# convergence), vmbudget and vmconv (bench.sh's vmlike-budget and
# vmlike-converge).
#
# Prints the xxh64 cost of this boot and one BENCH-RESULT line per run; the
# run names end in -NAME. Timings under TCG are noisy: compare medians.
swapoff -a 2>/dev/null
echo 0 > /proc/sys/kernel/numa_balancing 2>/dev/null
if insmod /lib/pshare/pshare_xxbench.ko; then
	p=/sys/module/pshare_xxbench/parameters
	echo "AB-XXH64: ns_per_page=$(awk '{ printf "%.1f", $1 / 1000 }' $p/xxh64_ps_per_page)"
	rmmod pshare_xxbench
fi
vm="-n 6 -f 64 -p 32 -z 32"
names=$*
fail=0
rep=1
while [ $rep -le "${REPEAT:-3}" ]; do
	for v in $names; do
		# The last run's processes may still hold the module a while.
		i=0
		while [ -d /sys/module/pshare ] && [ $i -lt 30 ]; do
			rmmod pshare 2>/dev/null || sleep 1
			i=$((i + 1))
		done
		insmod "/extra/pshare-$v.ko" || exit 1
		for w in ${RUNS:-unique mixed conv}; do
			case $w in
			unique) set -- unique-256 -w unique -m 256 -M scans \
				-S 2 -T 600 ;;
			mixed) set -- mixed-1024 -w mixed -m 1024 -M scans \
				-S 2 -T 600 ;;
			conv) set -- conv-256 -w mixed -m 256 -M converge \
				-T 600 ;;
			vmbudget) set -- vmlike-budget -w vmlike $vm -M budget \
				-B 20 -T 20 ;;
			vmconv) set -- vmlike-conv -w vmlike $vm -M converge \
				-T 600 ;;
			*) echo "ab-guest: no run $w"; exit 1 ;;
			esac
			name=$1
			shift
			b_bench -r "$name-$v" -k $rep -e pshare "$@" |
				grep BENCH-RESULT || fail=1
		done
		# What the engine did over the runs, where it counts it.
		c=/sys/kernel/mm/pshare
		echo "AB-COUNTERS: $v rep=$rep scanned=$(cat $c/pages_scanned)" \
		     "hashed=$(cat $c/pages_hashed 2>/dev/null || echo -)" \
		     "sample_misses=$(cat $c/sample_misses 2>/dev/null || echo -)"
	done
	rep=$((rep + 1))
done
exit $fail
