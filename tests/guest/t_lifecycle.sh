#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: load and unload, the sysfs tree, /dev/pshare and the
# pshared thread appear and vanish together; a missing kernel symbol fails
# the load with a message that names it.
fails=0
ok() { [ "$1" = 0 ] || { echo "  not ok: $2"; fails=$((fails + 1)); }; }
loaded() {
	[ -d /sys/kernel/mm/pshare ] && [ -c /dev/pshare ] &&
		grep -q '^pshared$' /proc/*/comm 2>/dev/null
}
gone() {
	[ ! -e /sys/kernel/mm/pshare ] && [ ! -e /dev/pshare ] &&
		! grep -qx pshared /proc/*/comm 2>/dev/null &&
		! grep -q '^pshare ' /proc/modules
}

[ -d /sys/kernel/mm/pshare ] || insmod "$PSHARE_KO"
loaded; ok $? "module not live at start"
for f in run sleep_millisecs scan_mb_per_ghz rate_max_pages scan_time_secs \
	max_cpu_percent thp_split mem_thresholds memory_state full_scans version; do
	[ -r /sys/kernel/mm/pshare/$f ]; ok $? "sysfs file $f missing"
done

for i in 1 2 3; do
	rmmod pshare; ok $? "rmmod $i"
	gone; ok $? "state left after rmmod $i"
	insmod "$PSHARE_KO"; ok $? "insmod $i"
	loaded; ok $? "not live after insmod $i"
done

# A symbol the kernel lacks: the load fails, cleanly, and says which.
rmmod pshare; ok $? "rmmod before symbol test"
msg='required kernel symbol pshare_no_such_symbol not found'
before=$(dmesg | grep -c "$msg")
insmod "$PSHARE_KO" require_symbol=pshare_no_such_symbol 2>/dev/null
[ $? -ne 0 ]; ok $? "load with a missing symbol succeeded"
[ "$(dmesg | grep -c "$msg")" -gt "$before" ]
ok $? "no message naming the missing symbol"
gone; ok $? "state left after the failed load"

insmod "$PSHARE_KO"; ok $? "final insmod"
loaded; ok $? "not live at the end"
echo "  lifecycle: $fails failed checks"
[ $fails -eq 0 ]
