#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The demo, inside the guest: four "VM" processes booted from one image
# (20% zero pages, 50% identical OS-image pages, 30% private), registered
# with pshare, and the host's memory as pshare shares it.
S=/sys/kernel/mm/pshare
mib() { echo $(( $1 * 4 / 1024 )); }
row() {
	shared=$(cat $S/pages_shared) sharing=$(cat $S/pages_sharing)
	zero=$(cat $S/zero_pages_sharing) meta=$(cat $S/metadata_bytes)
	saved=$((sharing + zero))
	printf '%6ss %8s %8s %8s %8s %9s MiB %8s kB\n' "$1" "$shared" \
		"$sharing" "$zero" "$(cat $S/pages_unshared)" "$(mib $saved)" \
		$((meta / 1024))
}
echo "=== pshare demo: module $(cat $S/version), kernel $(uname -r)"
# Scan each VM in about a second: no scan-time target, 16384 pages/s each.
echo 0 > $S/scan_time_secs
echo 16384 > $S/rate_max_pages
echo 1024 > $S/scan_mb_per_ghz
echo 100 > $S/max_cpu_percent
free -m | sed -n 2p | awk '{printf "    guest memory used before the VMs: %d MiB\n", $3}'
vmsim -n 4 -m 32 -t 16 -r 0 &
vm=$!
sleep 1
printf '%7s %8s %8s %8s %8s %13s %11s\n' time shared sharing zero unshared saved metadata
t=0
while kill -0 $vm 2>/dev/null && [ $t -lt 14 ]; do
	row $t
	sleep 2
	t=$((t + 2))
done
row $t
used=$(free -m | sed -n 2p | awk '{print $3}')
echo "    guest memory used with the VMs running and shared: $used MiB"
echo "    general_profit: $(( $(cat $S/general_profit) / 1048576 )) MiB"
wait $vm
rc=$?
echo "=== demo done: the VMs verified every page (exit $rc)"
exit $rc
