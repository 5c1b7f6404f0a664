# SPDX-License-Identifier: GPL-2.0-only
# Shell helpers of the guest tests (sourced, busybox sh): pshare at full
# speed, and pshare's state once a test's processes are gone.
S=/sys/kernel/mm/pshare

# Scan fast, as t_fast_scan() in tlib.c does.
fast_scan() {
	echo 0 > $S/scan_time_secs
	echo 4194304 > $S/rate_max_pages
	echo 65536 > $S/scan_mb_per_ghz
	echo 100 > $S/max_cpu_percent
	echo 10 > $S/sleep_millisecs
	echo 1 > $S/run
}

# LABEL: pshare's metadata is back to 0 once the test's processes are gone;
# sets fail=1 and says so otherwise. A merged page that a fork child or an
# exit still holds is looked at again 0.1, 0.3, 0.7, ... 25.5 and 55.5 s
# after the last exit (design.rst, the prune retry), so this allows 60 s;
# past 10 s it says so, and which processes are left.
metadata_gone() {
	_i=0
	while [ $_i -lt 600 ] && [ "$(cat $S/metadata_bytes)" != 0 ]; do
		if [ $_i = 100 ]; then
			echo "  $1: metadata_bytes $(cat $S/metadata_bytes) 10 s after exit; the processes left:"
			ps 2>&1 | sed "s/^/  $1:   /"
		fi
		sleep 0.1; _i=$((_i + 1))
	done
	[ $_i -lt 100 ] ||
		echo "  $1: metadata_bytes $(cat $S/metadata_bytes) after $((_i / 10)) s"
	[ "$(cat $S/metadata_bytes)" = 0 ] ||
		{ echo "  $1: metadata_bytes $(cat $S/metadata_bytes) after exit"; fail=1; }
}
