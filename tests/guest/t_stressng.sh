#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: Debian's stress-ng, its memory-management stressors,
# with every merge going through pshare.
#
#   t_stressng.sh [SECONDS [control]]          (default 2, control off)
#
# Needs stress-ng in the guest (tests/qemu/run --with-pkg trixie:stress-ng:
# Debian 13's 0.19, which has --ksm; Debian 12's 0.15 has not). Each stressor
# of stress-ng's "vm" class, and fork, runs for SECONDS, one at a time, with
# --verify, with --ksm (prctl(PR_SET_MEMORY_MERGE), on kernels that have it)
# and MADV_MERGEABLE on the vm and mmap buffers, so that pshare, loaded with
# madvise=1 and salting 0 and scanning at its maximum rate, takes all of it.
# The kernel's ksmd runs at full speed meanwhile and must find nothing.
#
# Pass:
# - every stressor that fails under pshare (an error, a --verify failure, or
#   stress-ng's metrics check finding its bogo-ops counter and checksum
#   apart) fails in the control run too: the same stressors with pshare
#   unloaded, where the kernel's KSM merges instead. With "control" the
#   control runs every stressor first; otherwise only the stressors that
#   failed. A metrics-check failure alone that the control does not show is
#   run once more under pshare and fails the test if it comes back: those
#   counters live in stress-ng's MAP_SHARED memory, which pshare never
#   registers, and a stressor whose child bumps its counter after the parent
#   wrote the checksum (seen once for dev-shm at its timeout on a debug
#   kernel) leaves the same trace without any merge;
# - ksmd held no page while pshare had madvise=1 (pages_shared and
#   pages_sharing stayed 0, sampled every second);
# - pshare merged pages (a run that merged nothing proves nothing);
# - once stress-ng has exited, pshare's metadata_bytes is back to 0, and
#   pshare unloads and loads again.
# The kernel log is checked by the harness. The figures go to the log, one
# "stress-ng:" summary line per run.
T=${1:-2} CONTROL=${2:-}
. /tests/bin/guest_lib.sh
K=/sys/kernel/mm/ksm
P=/sys/module/pshare/parameters/madvise
W=/tmp/stressng
fail=0

command -v stress-ng > /dev/null ||
	{ echo "  stress-ng: not in this guest (--with-pkg trixie:stress-ng)"; exit 77; }
mkdir -p $W /dev/shm
grep -q ' /dev/shm ' /proc/mounts || mount -t tmpfs shm /dev/shm
echo -1000 > /proc/self/oom_score_adj

# Every stressor of the vm class that this stress-ng has, and fork.
stressors=$(stress-ng --class 'vm?' 2>&1 | sed -n "s/^class 'vm' stressors: //p")
[ -n "$stressors" ] || { echo "  stress-ng: no vm class"; exit 1; }
stressors="$stressors fork"
list=$(echo $stressors | tr ' ' ',')

ksmd() {	# on|off
	if [ "$1" = on ]; then
		echo 5000 > $K/pages_to_scan; echo 0 > $K/sleep_millisecs
		echo 1 > $K/run
	else
		echo 2 > $K/run; echo 100 > $K/pages_to_scan
		echo 20 > $K/sleep_millisecs; echo 0 > $K/run
	fi
}
knobs() {
	echo 1 > $P
	echo 0 > $S/salting
	fast_scan
}

run() {	# LABEL STRESSORS: one stress-ng run; leaves $W/LABEL.{log,yaml}
	(cd $W && stress-ng --seq 1 --with "$2" -t "$T" --verify --ksm \
		--vm-madvise mergeable --mmap-madvise --oom-avoid \
		--bigheap-bytes 256M --brk-bytes 256M --metrics-brief \
		--yaml $W/$1.yaml > $W/$1.log 2>&1)
	echo $? > $W/$1.rc
}
rerun() {	# LABEL FILE: run the stressors FILE lists, ksmd at full speed
	ksmd on
	run $1 "$(tr '\n' ',' < $2 | sed 's/,$//')"
	ksmd off
}
failed() {	# LABEL: the stressors that failed
	sed -n 's/.* failed: [0-9]*: //p' $W/$1.log | tr ' ' '\n' |
		grep -v '^([0-9]*)$' | grep -v '^$' | sort -u
}
corrupted() {	# LABEL: the stressors whose counters stress-ng's metrics check refused
	sed -En 's/.*\] ([a-z0-9-]+) instance [0-9]+ (corrupted|hash error) .*/\1/p' \
		$W/$1.log | sort -u
}
broken() {	# LABEL: the stressors that failed or whose metrics were refused
	{ failed $1; corrupted $1; } | sort -u
}
summary() {	# LABEL WHAT
	ops=$(awk '/bogo-ops:/ { s += $2 } END { print s + 0 }' $W/$1.yaml 2>/dev/null)
	n=$(grep -c '^    - stressor:' $W/$1.yaml 2>/dev/null)
	echo "  stress-ng: $2: $n stressors, $ops bogo-ops, exit $(cat $W/$1.rc);" \
		"$(grep -E ' (passed|failed|skipped): ' $W/$1.log | sed 's/.*\] //' |
		   cut -c1-300 | tr '\n' ';')"
	vf=$(grep -ci 'verif' $W/$1.log)
	echo "  stress-ng: $2: $vf lines about verification"
	grep -iE ' (fail|error):' $W/$1.log | head -20 | sed 's/^/  stress-ng:   /'
}

# The control: the kernel's KSM, no pshare.
if [ -n "$CONTROL" ]; then
	[ -d $S ] && { echo 2 > $S/run; rmmod pshare || exit 1; }
	ksmd on
	run control "$list"
	ksmd off
	summary control "control (pshare unloaded, ksmd merging)"
fi

[ -d $S ] || insmod "$PSHARE_KO" || exit 1
knobs
ksmd on
merged0=$(cat $S/pages_merged)
( while :; do
	echo "$(cat $K/pages_shared) $(cat $K/pages_sharing)"; sleep 1
  done > $W/ksm.samples ) &
sampler=$!
run pshare "$list"
kill $sampler; wait $sampler 2>/dev/null
merged=$(( $(cat $S/pages_merged) - merged0 ))
summary pshare "pshare (madvise=1, salting 0, ksmd at full speed)"
echo "  stress-ng: pshare merged $merged pages during the run"
ksm_max=$(awk '{ if ($1 + $2 > m) m = $1 + $2 } END { print m + 0 }' $W/ksm.samples)
ksmd off
[ "$ksm_max" = 0 ] ||
	{ echo "  stress-ng: ksmd held $ksm_max pages while pshare had madvise=1"; fail=1; }
[ "$merged" -gt 0 ] || { echo "  stress-ng: pshare merged nothing"; fail=1; }

# Failures under pshare must be the kernel's: they happen without it too.
broken pshare > $W/failed.pshare
failed pshare > $W/failed.pshare.run
if [ -s $W/failed.pshare ]; then
	if [ -z "$CONTROL" ]; then
		echo 2 > $S/run; rmmod pshare || exit 1
		rerun control $W/failed.pshare
		summary control "control of the failed (pshare unloaded, ksmd merging)"
		insmod "$PSHARE_KO" || exit 1
	fi
	broken control > $W/failed.control
	for s in $(cat $W/failed.pshare); do
		if grep -qx "$s" $W/failed.control; then
			echo "  stress-ng: $s fails without pshare too (the kernel's, not counted)"
		elif grep -qx "$s" $W/failed.pshare.run; then
			echo "  stress-ng: $s fails only with pshare"; fail=1
		else
			echo "$s" >> $W/metrics.again
		fi
	done
fi
# Metrics-check failures alone, not in the control: once more under pshare.
if [ -s $W/metrics.again ]; then
	knobs
	rerun again $W/metrics.again
	summary again "metrics-check failures again (pshare, as before)"
	broken again > $W/failed.again
	for s in $(cat $W/metrics.again); do
		if grep -qx "$s" $W/failed.again; then
			echo "  stress-ng: $s metrics corrupted twice, only with pshare"; fail=1
		else
			echo "  stress-ng: $s metrics corrupted once, not again" \
				"(stress-ng's counter race, not counted)"
		fi
	done
fi

# Everything goes back.
metadata_gone stress-ng
echo 0 > $P
echo 2 > $S/run
rmmod pshare || { echo "  stress-ng: rmmod failed"; fail=1; }
insmod "$PSHARE_KO" || fail=1
rm -rf $W
exit $fail
