#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare torture: t_torture workers under everything at once.
#
#   t_torture.sh [SECONDS [WORKERS [MIB [SWEEP]]]]   (default 60 4 16 200)
#
# SWEEP: each worker verifies all its pages after every SWEEP operations.
# While the workers verify their memory and churn it (t_torture.c), this
# script runs the scanner at its maximum rate, keeps the workers in a
# memory cgroup whose limit pushes them into zram swap, compacts memory in
# a loop, toggles run between 0, 1 and 2, and unloads and reloads the
# module. Pass: every worker exits 0 (no page ever held the wrong
# content); afterwards pshare's metadata goes back to 0, the module
# unloads, kmemleak (when the kernel has it) finds nothing of pshare's, and
# MemAvailable returns to within 32 MiB, and unreclaimable slab to within
# 8 MiB (plus KASAN's quarantine on the debug kernel), of where they
# started. The kernel
# log is checked by the harness.
T=${1:-60} W=${2:-4} M=${3:-16} V=${4:-200}
. /tests/bin/guest_lib.sh
CG=/sys/fs/cgroup/pshare-torture
fail=0

avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
unrecl() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
settle() {
	sync; echo 3 > /proc/sys/vm/drop_caches
	[ -w /sys/block/zram0/compact ] && echo 1 > /sys/block/zram0/compact
	echo 1 > /proc/sys/vm/compact_memory
}

[ -d $S ] || insmod "$PSHARE_KO" || exit 1
settle
avail0=$(avail) slab0=$(unrecl)
fast_scan
merged0=$(cat $S/pages_merged)

# Workers in a memory cgroup at 3/4 of what they use: they swap.
echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p $CG
echo $(( W * M * 3 / 4 + 8 ))M > $CG/memory.max
pids=
i=0
while [ $i -lt $W ]; do
	sh -c "echo \$\$ > $CG/cgroup.procs; exec t_torture -t $T -m $M -v $V -s $((i * 7919 + 1))" \
		> /tmp/torture.$i &
	pids="$pids $!"
	i=$((i + 1))
done

end=$(( $(date +%s) + T ))
( while [ $(date +%s) -lt $end ]; do
	echo 1 > /proc/sys/vm/compact_memory; sleep 1
  done ) &
bg="$!"
reloads=0 refused=0 toggles=0 merged_total=0
while [ $(date +%s) -lt $((end - 5)) ]; do
	sleep 3
	toggles=$((toggles + 1))
	echo $((toggles % 3)) > $S/run
	sleep 1
	echo 1 > $S/run
	if [ $((toggles % 5)) -eq 0 ]; then
		# Unload and load again under the running workers.
		merged_total=$((merged_total + $(cat $S/pages_merged) - merged0))
		merged0=0
		echo 2 > $S/run
		n=0
		until rmmod pshare 2>/dev/null; do
			n=$((n + 1))
			[ $n -ge 20 ] && break
			sleep 0.2
		done
		if [ -d $S ]; then
			refused=$((refused + 1))
		else
			insmod "$PSHARE_KO" || { echo "  torture: insmod failed"; fail=1; }
			reloads=$((reloads + 1))
		fi
		fast_scan
	fi
done
for p in $pids; do
	wait $p || { echo "  torture: worker $p failed"; fail=1; }
done
wait $bg
merged_total=$((merged_total + $(cat $S/pages_merged) - merged0))
cat /tmp/torture.*
awk -v w=$W -v m=$M -v t=$T -v merges=$merged_total -v rl=$reloads \
	-v rf=$refused -v tg=$toggles '
	{ v += $2; bad += $4; wr += $6; cow += $8; ops += $11 }
	END { printf "  torture: %d workers x %d MiB for %ds: %d page verifications, %d mismatches, %d writes, %d merges, %d CoW breaks, %d operations; %d module reloads (%d refused), %d run toggles\n", w, m, t, v, bad, wr, merges, cow, ops, rl, rf, tg }' \
	/tmp/torture.*
rm -f /tmp/torture.*
rmdir $CG 2>/dev/null

# Everything goes back.
metadata_gone torture
# Leaks show with pshare's symbols in their backtraces while it is loaded.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak; sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	if grep -q pshare /sys/kernel/debug/kmemleak; then
		echo "  torture: kmemleak reports pshare objects:"
		head -40 /sys/kernel/debug/kmemleak
		fail=1
	fi
fi
echo 2 > $S/run
rmmod pshare || { echo "  torture: rmmod failed"; fail=1; }
# Freed memory comes back over a few seconds (RCU, zram, the removed
# cgroup): the best of five settled readings.
avail1=0 i=0
while [ $i -lt 5 ]; do
	settle; sleep 1
	a=$(avail)
	[ "$a" -gt "$avail1" ] && avail1=$a
	i=$((i + 1))
done
slab1=$(unrecl)
echo "  torture: MemAvailable $avail0 kB before, $avail1 kB after unload; unreclaimable slab $slab0 kB before, $slab1 kB after"
# KASAN holds freed objects in a quarantine of up to 1/32 of memory, still
# counted as slab: on such a kernel, kmemleak above is the leak check.
slack=8192 kasan=0
if dmesg | grep -q "KernelAddressSanitizer initialized"; then
	kasan=1
	slack=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 32 + 8192 ))
fi
[ $((slab1 - slab0)) -le $slack ] ||
	{ echo "  torture: unreclaimable slab grew by $(( (slab1 - slab0) / 1024 )) MiB"; fail=1; }
# Page and slab caches of the kernel itself move by a few MiB. Unreclaimable
# slab is not available memory: on a KASAN kernel its growth (bounded by the
# check above) is the quarantine, and is not counted twice here.
lost=$((avail0 - avail1))
[ $kasan = 1 ] && [ $slab1 -gt $slab0 ] && lost=$((lost - (slab1 - slab0)))
[ $lost -le 32768 ] ||
	{ echo "  torture: $((lost / 1024)) MiB did not come back"; fail=1; }
insmod "$PSHARE_KO"
exit $fail
