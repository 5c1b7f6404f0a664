#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The demo, inside the guest: four "VM" processes booted from one image
# (20% zero pages, 50% identical OS-image pages, 30% private), registered
# by the operator with psharectl: three in one tenant's domain, the fourth
# in another's, where only its zero pages count. psharetop's batch output
# shows the savings as pshared finds them, then a summary.
S=${PSHARE_SYSFS:-/sys/kernel/mm/pshare}
vm=
mib() { echo $(( $1 * 4 / 1024 )); }
children() {	# PID: its child processes
	ch_parent=$1
	for ch_f in /proc/[0-9]*/stat; do
		read -r ch_l < $ch_f 2> /dev/null || continue
		set -- ${ch_l##*)}		# state, ppid, ...
		[ "$2" = "$ch_parent" ] && echo "${ch_l%% *}"
	done
}
finish() { [ -n "$vm" ] && kill $(children $vm) $vm 2> /dev/null; }
trap finish EXIT

echo "=== pshare demo: module $(cat $S/version), kernel $(uname -r)"
# Scan each VM in about a second: no scan-time target, 16384 pages/s each
# (faster while their memory is new: first_scan, on by default, scans it
# at the host-wide cap).
psharectl set scan_time_secs=0 rate_max_pages=16384 scan_mb_per_ghz=1024 \
	max_cpu_percent=100 || exit 1
free -m | sed -n 2p | awk '{printf "    guest memory used before the VMs: %d MiB\n", $3}'
vmsim -n 4 -m 32 -t 24 &
vm=$!
# Wait until the four VMs have filled their 32 MiB.
i=0
while [ $i -lt 200 ]; do
	set -- $(children $vm)
	n=0
	for p in "$@"; do
		rss=$(awk '/^VmRSS/ { print $2 }' /proc/$p/status 2> /dev/null)
		[ "${rss:-0}" -ge 32768 ] && n=$((n + 1))
	done
	[ $n = 4 ] && break
	sleep 0.1; i=$((i + 1))
done
[ $# = 4 ] || { echo "demo: the VMs did not start"; exit 1; }
echo "    four VMs filled: pids $*"
echo "\$ psharectl register --pid PID    (each VM, whole)"
echo "\$ psharectl domain --pid PID 1    (VMs 1-3: tenant 1; VM 4: tenant 2)"
t=1
for p in "$@"; do
	psharectl register --pid $p > /dev/null &&
		psharectl domain --pid $p $([ $t = 4 ] && echo 2 || echo 1) > /dev/null ||
		{ echo "demo: psharectl failed for $p"; exit 1; }
	t=$((t + 1))
done
echo "\$ psharetop -b -n 4 -d 4 -s pid"
psharetop -b -n 4 -d 4 -s pid
echo "\$ psharectl list -m"
psharectl list -m
sharing=$(cat $S/pages_sharing) zero=$(cat $S/zero_pages_sharing)
echo "    saved: $(mib $((sharing + zero))) MiB ($sharing shared mappings, $zero zero pages)," \
	"metadata $(( $(cat $S/metadata_bytes) / 1024 )) kB," \
	"general_profit $(( $(cat $S/general_profit) / 1048576 )) MiB"
echo "    (vmsim's ideal saving is for one domain; VM 4 is another tenant's, so only"
echo "    its zero pages are shared with the others)"
used=$(free -m | sed -n 2p | awk '{print $3}')
echo "    guest memory used with the VMs running and shared: $used MiB"
wait $vm
rc=$?
vm=
echo "=== demo done: the VMs verified every page (exit $rc)"
exit $rc
