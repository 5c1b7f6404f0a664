#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The demo, inside the guest: a few "VM" processes with duplicate memory,
# and pshare's view of the host while they run.
S=/sys/kernel/mm/pshare
report() {
	printf '  %-16s' "$1"
	for f in run pages_to_scan sleep_millisecs full_scans; do
		printf ' %s=%s' $f "$(cat $S/$f)"
	done
	printf ' pshared=%s\n' "$(grep -lx pshared /proc/*/comm >/dev/null 2>&1 && echo running || echo absent)"
}
echo "=== pshare demo: module $(cat $S/version), kernel $(uname -r)"
report "before:"
vmsim -n 4 -m 32 -t 6 &
sleep 3
report "VMs running:"
wait $!
rc=$?
report "after:"
echo "=== demo done (the skeleton shows the module live; registration comes with the core engine)"
exit $rc
