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
# Prints the xxh64 cost of this boot and one BENCH-RESULT line per run; the
# run names end in -NAME. Timings under TCG are noisy: compare medians.
swapoff -a 2>/dev/null
echo 0 > /proc/sys/kernel/numa_balancing 2>/dev/null
if insmod /lib/pshare/pshare_xxbench.ko; then
	p=/sys/module/pshare_xxbench/parameters
	echo "AB-XXH64: ns_per_page=$(awk '{ printf "%.1f", $1 / 1000 }' $p/xxh64_ps_per_page)"
	rmmod pshare_xxbench
fi
fail=0
rep=1
while [ $rep -le "${REPEAT:-3}" ]; do
	for v in "$@"; do
		rmmod pshare 2>/dev/null
		insmod "/extra/pshare-$v.ko" || exit 1
		b_bench -r "unique-256-$v" -k $rep -e pshare -w unique -m 256 \
			-M scans -S 2 -T 600 | grep BENCH-RESULT || fail=1
		b_bench -r "mixed-1024-$v" -k $rep -e pshare -w mixed -m 1024 \
			-M scans -S 2 -T 600 | grep BENCH-RESULT || fail=1
		b_bench -r "conv-256-$v" -k $rep -e pshare -w mixed -m 256 \
			-M converge -T 600 | grep BENCH-RESULT || fail=1
		# What the engine did over the three runs, where it counts it.
		c=/sys/kernel/mm/pshare
		echo "AB-COUNTERS: $v rep=$rep scanned=$(cat $c/pages_scanned)" \
		     "hashed=$(cat $c/pages_hashed 2>/dev/null || echo -)" \
		     "sample_misses=$(cat $c/sample_misses 2>/dev/null || echo -)"
	done
	rep=$((rep + 1))
done
exit $fail
