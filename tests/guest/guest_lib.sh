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

# LABEL: pshare's metadata is back to 0 (within 10 s) once the test's
# processes are gone; sets fail=1 and says so otherwise.
metadata_gone() {
	_i=0
	while [ $_i -lt 100 ] && [ "$(cat $S/metadata_bytes)" != 0 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	[ "$(cat $S/metadata_bytes)" = 0 ] ||
		{ echo "  $1: metadata_bytes $(cat $S/metadata_bytes) after exit"; fail=1; }
}
