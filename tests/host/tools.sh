#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: the operator tools. tools/ builds (normal and STATIC=1, with no
# warning), and psharectl and psharetop work against a made-up sysfs tree
# (PSHARE_SYSFS, PSHARE_PARAMS) without the module: set writes valid values
# and refuses bad ones and read-only files with exit 2, writing nothing; a
# write the "kernel" fails is exit 1; the JSON parses; psharetop -b prints
# its blocks. tests/host/fakedev.c, preloaded, answers the ioctls on a
# plain file as /dev/pshare would, so that the process list, the estimate
# per domain and the structures the target commands pass are checked too;
# it also fails a write with EBUSY, as the module does a change of
# merge_across_nodes while pages are merged. The made-up host holds 2048
# pages in huge pages (thp_dup_subpages), as the fake processes' thp_held
# sum: status, list, metrics and psharetop show them beside the saving,
# and status says why only under thp_split=pressure with pages held.
# psharectl metrics must pass Debian 12's promtool check metrics (fetched by
# make deps, scripts/promtool.sh; without it those checks fail) and a check
# of our own that promtool 2.42 lacks (each family's samples together, no
# series twice), give the fake figures exactly, cover every file of the ABI
# document, and match the metric list of Documentation/tools.rst.
# apply and load (pshare.service's configuration file): the shipped
# pshare.conf gives every tunable at its default, commented out; a good
# file is written; a value the "kernel" refuses (fakedev.c's
# FAKE_PSHARE_EINVAL, FAKE_PSHARE_BUSY) gives FILE:LINE: name=value:
# strerror and every value written before it restored; unknown, read-only
# and malformed lines write nothing; load runs a made-up modprobe
# (PSHARE_MODPROBE) with group=, and unloads again when a value is refused.
# With pipefail, "producer | grep -q" can fail when grep quits at the first
# match and the producer, still writing, dies of SIGPIPE (bash's echo in a
# pipe writes line by line): match text with here-strings, or let grep read
# to the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib/harness.sh"

# --- build ---
make -B -C "$top/tools" progs > "$tmp/build.log" 2>&1
check $? "make -C tools builds"
make -B -C "$top/tools" STATIC=1 progs >> "$tmp/build.log" 2>&1
check $? "make -C tools STATIC=1 builds"
if grep -E 'warning:|error:' "$tmp/build.log"; then
	bad "the build printed warnings"
else
	ok "no compiler warnings"
fi
dyn=$top/tools/bin stat=$top/tools/bin/static
for p in psharectl psharetop; do
	[ -x "$dyn/$p" ] && readelf -l "$dyn/$p" | grep INTERP > /dev/null
	check $? "$p is built, dynamically linked"
	[ -x "$stat/$p" ] && ! readelf -l "$stat/$p" | grep INTERP > /dev/null
	check $? "$p STATIC=1 is statically linked"
done
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -I"$top/include/uapi" \
	-o "$tmp/fakedev.so" "$top/tests/host/fakedev.c" -ldl
check $? "the fake device builds"

# --- a made-up /sys/kernel/mm/pshare and module parameters ---
fake=$tmp/fake
mkdir -p "$fake/sys" "$fake/params"
while IFS='|' read -r name val; do
	echo "$val" > "$fake/sys/$name"
done <<'EOF'
run|1
sleep_millisecs|100
max_page_sharing|256
scan_mb_per_ghz|4
rate_max_pages|1024
scan_time_secs|3600
max_cpu_percent|20
thp_split|never [pressure] always
mem_thresholds|6 4 2 1
salting|2
zero_across_domains|1
smart_scan|1
first_scan|1
merge_across_nodes|1
full_scans|12
pages_shared|4097
pages_sharing|12291
pages_unshared|9828
pages_volatile|3
zero_pages_sharing|6552
metadata_bytes|1803264
general_profit|75378688
pages_scanned|123456
pages_skipped|65432
pages_merged|20000
scan_cpu_msecs|1234
cpu_throttled|0
cpu_mhz|4890
scan_cap_pages|5007
scan_rate_pages|1024
memory_state|high
memory_state_entries|1 0 0 0
shrinker_calls|0
thp_scanned|0
thp_skipped|0
thp_splits|0
pages_hashed|4321
sample_misses|12
thp_split_candidates|8
thp_dup_subpages|2048
estimate_pages|2900
estimate_zero_pages|700
version|0.1.0
EOF
echo Y > "$fake/params/madvise"
echo -1 > "$fake/params/group"
touch "$fake/dev"
export PSHARE_SYSFS=$fake/sys PSHARE_PARAMS=$fake/params PSHARE_DEV=/nonexistent

snap() { (cd "$fake" && grep -r . sys params | sort); }
orig=$(snap)
restore_fake() {
	rm -rf "$fake/sys/salting"
	echo 2 > "$fake/sys/salting"
	(cd "$fake" && echo "$orig" | while IFS= read -r l; do
		f=${l%%:*}; echo "${l#*:}" > "$f"; done)
}
value() { cat "$fake/$1"; }
# fits79: every line of $out but psharetop's batch marker fits 79 columns
fits79() {
	awk '!/^=== / && length > 79 { print "  " length ": " $0; bad = 1 }
	     END { exit bad }' <<< "$out"
}
# run WANT_RC DESCRIPTION CMD...: the status, stdout in $out, stderr in $err
run() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [ "$rc" -eq "$want" ]; then
		ok "$desc (exit $rc)"
		return 0
	fi
	bad "$desc: exit $rc, want $want"
	sed 's/^/    | /' "$tmp/out" "$tmp/err" | head -20
	return 1
}

for bin in "$dyn" "$stat"; do
	ctl=$bin/psharectl
	kind=$([ "$bin" = "$dyn" ] && echo dynamic || echo static)
	echo "--- psharectl ($kind) against the made-up sysfs"
	restore_fake

	# Valid values are written, normalised as sysfs wants them.
	for t in "sleep_millisecs=250|sys/sleep_millisecs|250" \
		 "run=estimate|sys/run|3" "run=0|sys/run|0" \
		 "mem_thresholds=8,5,3,1|sys/mem_thresholds|8 5 3 1" \
		 "mem_thresholds=9 6 3 0|sys/mem_thresholds|9 6 3 0" \
		 "thp_split=never|sys/thp_split|never" \
		 "salting=0|sys/salting|0" \
		 "zero_across_domains=0|sys/zero_across_domains|0" \
		 "smart_scan=0|sys/smart_scan|0" \
		 "first_scan=0|sys/first_scan|0" \
		 "merge_across_nodes=0|sys/merge_across_nodes|0" \
		 "scan_time_secs=0|sys/scan_time_secs|0" \
		 "rate_max_pages=4194304|sys/rate_max_pages|4194304" \
		 "madvise=0|params/madvise|0"; do
		IFS='|' read -r arg file want <<< "$t"
		run 0 "set $arg" "$ctl" set "$arg" &&
			{ [ "$(value "$file")" = "$want" ]
			  check $? "  $file is now '$want' (is '$(value "$file")')"; }
	done
	restore_fake
	run 0 "set of two tunables at once" "$ctl" set max_cpu_percent=50 \
		scan_mb_per_ghz=0
	[ "$(value sys/max_cpu_percent) $(value sys/scan_mb_per_ghz)" = "50 0" ]
	check $? "  both written"

	# Bad values, junk, read-only and unknown names: exit 2, nothing written.
	restore_fake
	for arg in run=4 run=-1 run=1x run= "run= 1" run=0x1 sleep_millisecs=0 \
		   sleep_millisecs=1001 max_page_sharing=1 max_page_sharing=65537 \
		   scan_mb_per_ghz=65537 rate_max_pages=0 rate_max_pages=4194305 \
		   scan_time_secs=604801 max_cpu_percent=0 max_cpu_percent=101 \
		   salting=3 zero_across_domains=2 smart_scan=2 first_scan=2 \
		   first_scan=-1 merge_across_nodes=2 madvise=2 max_page_sharing=99999999999999999999999 \
		   thp_split=sometimes thp_split=1 "thp_split=[never]" \
		   "mem_thresholds=6 4 4 1" "mem_thresholds=6 4 2" \
		   "mem_thresholds=6 4 2 1 0" "mem_thresholds=100 4 2 1" \
		   "mem_thresholds=6 4 2 x" "mem_thresholds=1 2 3 4" \
		   pages_shared=1 general_profit=0 version=9 estimate_pages=1 \
		   estimate_zero_pages=1 pages_skipped=0 memory_state=low group=5 \
		   no_such_knob=1 ../sys/run=1 run "=1"; do
		run 2 "set '$arg' is refused" "$ctl" set "$arg"
		[ "$(snap)" = "$orig" ]
		check $? "  nothing was written"
		[ -n "$err" ]
		check $? "  it says why: $err"
	done
	run 2 "a bad value among good ones" "$ctl" set sleep_millisecs=300 run=9
	[ "$(snap)" = "$orig" ]
	check $? "  writes none of them"
	grep -q 'run=9: out of range (valid: 0 to 3)' <<< "$err"
	check $? "  and names the bad one and the range"
	run 2 "read-only is said so" "$ctl" set pages_sharing=0
	grep -q 'pages_sharing is read-only' <<< "$err"
	check $? "  message: $err"

	# A write the kernel refuses: exit 1 and strerror.
	rm "$fake/sys/salting"
	mkdir "$fake/sys/salting"
	run 1 "a failed write is exit 1" "$ctl" set salting=1
	grep -q 'write salting=1: Is a directory' <<< "$err"
	check $? "  with strerror: $err"
	restore_fake

	# get
	run 0 "get run" "$ctl" get run
	[ "$out" = run=1 ]
	check $? "  prints run=1 (got '$out')"
	run 0 "get thp_split madvise" "$ctl" get thp_split madvise
	[ "$out" = "thp_split=pressure
madvise=1" ]
	check $? "  the choice in brackets, Y as 1 (got '$out')"
	run 0 "get -n mem_thresholds" "$ctl" get -n mem_thresholds
	[ "$out" = "6 4 2 1" ]
	check $? "  the value only (got '$out')"
	run 0 "get of every tunable" "$ctl" get
	[ "$(echo "$out" | wc -l)" -eq 15 ] && grep -qx salting=2 <<< "$out" &&
		grep -qx zero_across_domains=1 <<< "$out" &&
		grep -qx smart_scan=1 <<< "$out" &&
		grep -qx first_scan=1 <<< "$out" &&
		grep -qx merge_across_nodes=1 <<< "$out"
	check $? "  15 lines, the new ones included"
	run 0 "get a counter" "$ctl" get pages_sharing
	[ "$out" = pages_sharing=12291 ]
	check $? "  prints it (got '$out')"
	run 2 "get an unknown name" "$ctl" get no_such_knob
	run 0 "get --json" "$ctl" get --json
	echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["run"] == 1 and d["thp_split"] == "pressure", d
assert d["mem_thresholds"] == [6, 4, 2, 1] and d["madvise"] == 1, d'
	check $? "  parses, with the right types"

	# status and estimate without the device
	run 0 "status without the device" "$ctl" status
	grep -q '^processes: not shown: /nonexistent: No such file or directory' <<< "$out" &&
		grep -q '^  pages_sharing  *12291$' <<< "$out" &&
		grep -q '^  madvise  *Y$' <<< "$out"
	check $? "  host figures, parameters, and why the processes are missing"
	held='host: held 8.0 MiB in huge pages (2048 duplicate pages in 8 split candidates), thp_split pressure'
	note='note: huge pages are kept whole until memory is short; psharectl set thp_split=always shares them at once, as the kernel'\''s KSM does'
	grep -q '^host: saved 73.6 MiB' <<< "$(sed -n 2p <<< "$out")" &&
		[ "$(sed -n 3,4p <<< "$out")" = "$held"$'\n'"$note" ]
	check $? "  held in huge pages after saved, and why: $(sed -n 3,4p <<< "$out")"
	run 0 "status --json without the device" "$ctl" status --json
	echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = d["host"]
assert h["pages_sharing"] == 12291 and h["general_profit"] == 75378688, h
assert h["thp_split"] == "pressure" and h["memory_state"] == "high", h
assert h["memory_state_entries"] == [1, 0, 0, 0], h
assert h["smart_scan"] == 1 and h["pages_skipped"] == 65432, h
assert h["first_scan"] == 1, h
assert h["version"] == "0.1.0" and len(h) == 43, len(h)
assert d["parameters"]["group"] == -1 and d["saved_pages"] == 18843, d
assert d["thp_held_pages"] == 2048 and d["thp_held_mib"] == 8.0, d
assert d["thp_split_candidates"] == 8 and d["thp_split"] == "pressure", d
assert "thp_split=always" in d["thp_held_note"], d
assert d["processes"] is None and "No such file" in d["processes_error"], d'
	check $? "  parses: host, held in huge pages, parameters, processes null with the reason"
	# The note only under thp_split=pressure with pages held.
	for t in "never|[never] pressure always|2048" \
		 "always|never pressure [always]|2048" "pressure||0"; do
		IFS='|' read -r pol raw n <<< "$t"
		restore_fake
		[ -n "$raw" ] && echo "$raw" > "$fake/sys/thp_split"
		echo "$n" > "$fake/sys/thp_dup_subpages"
		run 0 "status, thp_split=$pol, $n held" "$ctl" status
		grep -qx "host: held $(awk -v n="$n" 'BEGIN { printf "%.1f", n / 256 }') MiB in huge pages ($n duplicate pages in 8 split candidates), thp_split $pol" <<< "$out" &&
			! grep -q '^note:' <<< "$out"
		check $? "  the held line, no note: $(grep '^host: held' <<< "$out")"
		run 0 "status --json, thp_split=$pol, $n held" "$ctl" status --json
		echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["thp_held_pages"] == int(sys.argv[1]) and d["thp_split"] == sys.argv[2], d
assert d["thp_held_note"] is None, d' "$n" "$pol"
		check $? "  thp_held_pages $n, thp_split $pol, thp_held_note null"
	done
	restore_fake
	rm "$fake/sys/thp_dup_subpages" "$fake/sys/thp_split_candidates"
	run 0 "status of a module without thp_dup_subpages" "$ctl" status
	! grep -qE '^(host: held|note:)' <<< "$out" &&
		grep -q '^host: saved 73.6 MiB' <<< "$out"
	check $? "  no held line, no note"
	run 0 "status --json of a module without thp_dup_subpages" "$ctl" status --json
	echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["thp_held_pages"] is None and d["thp_held_mib"] is None, d
assert d["thp_split_candidates"] is None and d["thp_held_note"] is None, d'
	check $? "  thp_held_pages, thp_held_mib, thp_split_candidates null"
	restore_fake
	run 1 "estimate --json without the device" "$ctl" estimate --json
	echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["estimate_pages"] == 2900 and d["estimate_zero_pages"] == 700, d
assert d["would_save_pages"] == 3600 and d["estimating"] is False, d
assert d["processes"] is None, d'
	check $? "  parses, host estimate"
	run 1 "list without the device" "$ctl" list
	grep -q 'list: /nonexistent: No such file or directory' <<< "$err"
	check $? "  says why: $err"
	PSHARE_SYSFS=$tmp/none run 1 "status without the module" "$ctl" status
	grep -q 'is the pshare module loaded' <<< "$err"
	check $? "  says so: $err"

	# usage
	run 0 "--help" "$ctl" --help
	for c in status list get set register unregister domain enable disable \
		 estimate metrics apply load version; do
		run 0 "$c --help" "$ctl" "$c" --help
		grep -q "^usage: psharectl $c" <<< "$out"
		check $? "  shows its usage"
	done
	run 2 "no command" "$ctl"
	run 2 "unknown command" "$ctl" frobnicate
	run 2 "register without --pid" "$ctl" register
	run 2 "register, unaligned range" "$ctl" register --pid 1 --range 0x1001:4096
	run 2 "register, range of length 0" "$ctl" register --pid 1 --range 0:0
	run 2 "register, bad length suffix" "$ctl" register --pid 1 --range 0:4X
	run 2 "register, weight 10001" "$ctl" register --pid 1 --weight 10001
	run 2 "register, salt 2^63" "$ctl" register --pid 1 --domain 9223372036854775808
	run 2 "domain 2^63" "$ctl" domain --pid 1 0x8000000000000000
	run 2 "domain without SALT" "$ctl" domain --pid 1
	run 2 "enable with --domain" "$ctl" enable --pid 1 --domain 3
	run 2 "list with a stray argument" "$ctl" list foo
	run 2 "list with --output" "$ctl" list --output x
	grep -q "option '--output' is not for list" <<< "$err"
	check $? "  names the option, not its argument: $err"
	run 2 "metrics with --json" "$ctl" metrics --json
	run 2 "metrics, --output without a file" "$ctl" metrics --output ''
	run 1 "register without the device" "$ctl" register --pid 1
	grep -q '/nonexistent: No such file or directory' <<< "$err"
	check $? "  says why: $err"

	echo "--- psharetop ($kind) without the device"
	start=$(date +%s.%N)
	run 0 "psharetop -b -n 2 -d 1" "$bin/psharetop" -b -n 2 -d 1
	took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	[ "$(echo "$out" | grep -c '^=== psharetop ')" -eq 2 ]
	check $? "  two blocks"
	for row in 'memory state +high' 'scan rate +1024 of cap 5007 pages/s' \
		   'pshared CPU' 'full scans +12' 'shared-common +16.0 MiB' \
		   'shared +48.0 MiB' 'zero +25.6 MiB' 'saved +73.6 MiB' \
		   '^huge pages +8 candidates, pressure +held +8.0 MiB$' \
		   'metadata +1.7 MiB' 'profit +71.9 MiB' \
		   'processes: not shown: /nonexistent'; do
		[ "$(echo "$out" | grep -cE "$row")" -eq 2 ]
		check $? "  row '$row' in both"
	done
	sed -n '/^=== /{n;p}' <<< "$out" | tail -1 | grep -qE 'pshared CPU +0.0 %$' &&
	[ "$(awk '/^=== /{ b++ } /^scanning /{ print b ": " $0 }' <<< "$out" |
	     sed 's/  */ /g')" = "1: scanning -
2: scanning 0 pages/s skipped 0 pages/s" ]
	check $? "  the second block has the visits made and skipped per second"
	fits79
	check $? "  every line but the batch marker fits 79 columns"
	grep -q estimate <<< "$out"
	[ $? -ne 0 ]
	check $? "  no estimate row while run is 1"
	awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 5) }'
	check $? "  one refresh interval between them (${took}s)"
	case "$out" in *$'\033'*) bad "  escapes in batch output" ;; *) ok "  no escapes" ;; esac
	echo 3 > "$fake/sys/run"
	run 0 "psharetop -b in estimate mode" "$bin/psharetop" -b
	grep -q 'estimate  *would save 14.1 MiB: 2900 pages by merging, 700 zero pages' <<< "$out"
	check $? "  shows the estimate"
	[ "$(echo "$out" | grep -c '^=== psharetop ')" -eq 1 ]
	check $? "  one block by default with -b"
	restore_fake
	rm "$fake/sys/thp_dup_subpages"
	run 0 "psharetop -b, a module without thp_dup_subpages" "$bin/psharetop" -b
	! grep -q '^huge pages' <<< "$out" && grep -qE 'saved +73.6 MiB' <<< "$out"
	check $? "  no huge pages row"
	restore_fake
	rm "$fake/sys/pages_skipped"
	run 0 "psharetop -b -n 2 -d 1, a module without pages_skipped" \
		"$bin/psharetop" -b -n 2 -d 1
	grep '^scanning ' <<< "$out" | tail -1 | grep -qE '^scanning +0 pages/s$'
	check $? "  the visits made per second only"
	restore_fake
	run 0 "psharetop -h" "$bin/psharetop" -h
	run 2 "psharetop -s bogus" "$bin/psharetop" -s bogus
	run 2 "psharetop -d 0" "$bin/psharetop" -b -d 0
	PSHARE_SYSFS=$tmp/none run 1 "psharetop without the module" "$bin/psharetop" -b
done

echo "--- with the fake device (tests/host/fakedev.c)"
ctl=$dyn/psharectl
export PSHARE_DEV=$fake/dev FAKE_PSHARE_LOG=$tmp/ioctl.log
export LD_PRELOAD=$tmp/fakedev.so
run 0 "list" "$ctl" list
grep -qE '^ +PID COMMAND +DOMAIN +FLAGS +RANGES +REGISTERED +SHARED +SHARING +ZERO +SAVED +HELD$' <<< "$out" &&
	grep -qE '^ +101 vm-a +proc:17 +whole +5 +8192 +1000 +3000 +500 +3500 +1536$' <<< "$out" &&
	grep -qE '^ +202 vm-b +5 +whole,disabled +2 +4096 .* 0$' <<< "$out" &&
	grep -qE '^ +303 qemu "x"\\ +5 +madvise,mixed .* 150 +512$' <<< "$out" &&
	grep -qE 'TOTAL +14336 +1200 +3100 +550 +3650 +2048$' <<< "$out"
check $? "  pid, comm, domain proc:N or salt, flags, figures, held, total"
grep -qx 'host: held 8.0 MiB in huge pages (2048 duplicate pages in 8 split candidates), thp_split pressure' <<< "$out" &&
	grep -q '^note: huge pages are kept whole until memory is short; psharectl set thp_split=always ' <<< "$out"
check $? "  the host's held line and why"
run 0 "list -m" "$ctl" list -m
grep -qE '^ +101 vm-a .* 32.0 +3.9 +11.7 +2.0 +13.7 +6.0$' <<< "$out" &&
	grep -qE 'TOTAL .* 14.3 +8.0$' <<< "$out"
check $? "  in MiB"
run 0 "list --json" "$ctl" list --json
echo "$out" | python3 -c '
import json, sys
p = json.load(sys.stdin)["processes"]
assert [x["pid"] for x in p] == [101, 202, 303], p
assert p[0]["domain"] == "proc:17" and p[0]["domain_value"] == 2**63 + 17
assert p[0]["saved"] == 3500 and abs(p[0]["saved_mib"] - 13.67) < 0.01
assert [x["thp_held"] for x in p] == [1536, 0, 512], p
assert p[0]["thp_held_mib"] == 6.0 and p[2]["thp_held_mib"] == 2.0, p
assert p[1]["flags"] == "whole,disabled" and p[1]["domain"] == "5"
assert p[2]["comm"] == "qemu \"x\"\\" and p[2]["flags"] == "madvise,mixed"'
check $? "  parses, figures and escaping right"
run 0 "status --json" "$ctl" status --json
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["processes"]) == 3 and "processes_error" not in d
assert sum(p["thp_held"] for p in d["processes"]) == d["thp_held_pages"] == 2048'
check $? "  parses, with the processes; their thp_held sum to thp_held_pages"
run 0 "estimate" "$ctl" estimate
grep -qE '^proc:17 +1 +2000 +600 +2600 ' <<< "$out" &&
	grep -qE '^5 \(mixed\) +2 +1300 +100 +1400 ' <<< "$out"
check $? "  per domain: est_saved and est_zero summed over its processes"
run 0 "estimate --json" "$ctl" estimate --json
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
dom = {x["domain"]: x for x in d["domains"]}
assert dom["proc:17"]["would_save_pages"] == 2600, dom
assert dom["5"]["would_save_pages"] == 1400 and dom["5"]["processes"] == 2
assert [x["pid"] for x in d["processes"]] == [101, 202, 303], d'
check $? "  parses, per domain and per process"
run 0 "version" "$ctl" version
grep -q 'device: ABI 1, module 0.1.0, features 0x3: rate domains' <<< "$out"
check $? "  the device's answer"

: > "$tmp/ioctl.log"
run 0 "register the whole process" "$ctl" register --pid 4242
run 0 "register a range" "$ctl" register --pid 4242 \
	--range 0x7f0000000000:2M --domain 7 --weight 300
run 0 "unregister" "$ctl" unregister --pid 4242
run 0 "unregister a range" "$ctl" unregister --pid 4242 --range 4096:8K
run 0 "domain" "$ctl" domain --pid 4242 0x10
run 0 "domain 0 clears" "$ctl" domain --pid 4242 0
run 0 "disable" "$ctl" disable --pid 4242
run 0 "enable a range" "$ctl" enable --pid 4242 --range 1G:1G
cat > "$tmp/want.log" <<'EOF'
REGISTER_TARGET pid=4242 flags=0 start=0x0 length=0x0 salt=0 weight=0 enable=0 reserved=0
REGISTER_TARGET pid=4242 flags=0 start=0x7f0000000000 length=0x200000 salt=7 weight=300 enable=0 reserved=0
UNREGISTER_TARGET pid=4242 flags=0 start=0x0 length=0x0 salt=0 weight=0 enable=0 reserved=0
UNREGISTER_TARGET pid=4242 flags=0 start=0x1000 length=0x2000 salt=0 weight=0 enable=0 reserved=0
SET_TARGET pid=4242 flags=1 start=0x0 length=0x0 salt=16 weight=0 enable=0 reserved=0
SET_TARGET pid=4242 flags=1 start=0x0 length=0x0 salt=0 weight=0 enable=0 reserved=0
SET_TARGET pid=4242 flags=2 start=0x0 length=0x0 salt=0 weight=0 enable=0 reserved=0
SET_TARGET pid=4242 flags=2 start=0x40000000 length=0x40000000 salt=0 weight=0 enable=1 reserved=0
EOF
diff "$tmp/want.log" "$tmp/ioctl.log"
check $? "  the ioctls got exactly the structures they should"
FAKE_PSHARE_TARGET_ERR=ESRCH run 1 "register of a missing process" \
	"$ctl" register --pid 4242
grep -q 'register pid 4242: No such process' <<< "$err"
check $? "  strerror: $err"

# merge_across_nodes while pages are merged: EBUSY, said so, with the way out.
restore_fake
FAKE_PSHARE_BUSY=merge_across_nodes run 1 "set run=2 merge_across_nodes=0, EBUSY" \
	"$ctl" set run=2 merge_across_nodes=0
grep -q 'write merge_across_nodes=0: Device or resource busy' <<< "$err" &&
	grep -q 'hint: merge_across_nodes changes only while nothing is merged: unmerge first, as in psharectl set run=2 merge_across_nodes=0 run=1' <<< "$err" &&
	grep -q 'the 1 setting(s) before it were written' <<< "$err"
check $? "  strerror, the hint, and what was written: $err"
# (Not what the file holds after: the open() for the write truncated it.)
[ "$(value sys/run)" = 2 ]
check $? "  run=2 written first: $(value sys/run)"
restore_fake

run 0 "psharetop -b -n 2 -d 1 with processes" "$dyn/psharetop" -b -n 2 -d 1
[ "$(echo "$out" | grep -c '^=== psharetop ')" -eq 2 ] &&
	[ "$(echo "$out" | grep -cE '^ +PID COMMAND +DOMAIN +REG +SHARED +ZERO +SAVED +HELD$')" -eq 2 ]
check $? "  two blocks with the process header"
fits79
check $? "  every line but the batch marker fits 79 columns"
echo "$out" | grep -E '^ +[0-9]+ ' | head -3 | awk '{print $1}' | tr '\n' ' ' |
	grep -qx '101 303 202 '
check $? "  sorted by saved, largest first"
grep -qE '^ +101 vm-a +proc:17 +32.0 +15.6 +2.0 +13.7 +6.0$' <<< "$out" &&
	grep -qE '^ +303 qemu "x"\\ +5 +8.0 +1.2 +0.2 +0.6 +2.0$' <<< "$out" &&
	grep -qE '^ +202 vm-b +5 off +16.0 .* 0.0$' <<< "$out"
check $? "  rows in MiB, HELD last; a disabled process marked"
[ "$(grep -cE '^huge pages +8 candidates, pressure +held +8.0 MiB$' <<< "$out")" -eq 2 ]
check $? "  the host's held row in both"
echo "$out" | sed -n '/^=== /{n;p}' | tail -1 | grep -qE 'pshared CPU +0.0 %'
check $? "  the second block has the CPU use"
run 0 "psharetop -s pid" "$dyn/psharetop" -b -s pid
echo "$out" | grep -E '^ +[0-9]+ ' | awk '{print $1}' | tr '\n' ' ' | grep -qx '101 202 303 '
check $? "  sorted by pid"
run 0 "psharetop -s registered" "$dyn/psharetop" -b -s registered
echo "$out" | grep -E '^ +[0-9]+ ' | awk '{print $1}' | tr '\n' ' ' | grep -qx '101 202 303 '
check $? "  sorted by registered"
run 0 "psharetop -s zero" "$dyn/psharetop" -b -s zero
echo "$out" | grep -E '^ +[0-9]+ ' | awk '{print $1}' | tr '\n' ' ' | grep -qx '101 303 202 '
check $? "  sorted by zero"
FAKE_PSHARE_LIST_ERR=EPERM run 0 "psharetop when LIST gives EPERM" "$dyn/psharetop" -b
grep -q 'processes: not shown: .*Operation not permitted (the process list needs CAP_SYS_ADMIN)' <<< "$out" &&
	grep -qE 'saved +73.6 MiB' <<< "$out"
check $? "  host rows and the reason"
FAKE_PSHARE_LIST_ERR=EPERM run 0 "status when LIST gives EPERM" "$ctl" status
grep -q 'processes: not shown: .*Operation not permitted' <<< "$out"
check $? "  says so"
unset LD_PRELOAD

echo "--- psharectl metrics (Prometheus text format)"
if promtool=$("$top/scripts/promtool.sh" --path 2>&1); then
	ok "promtool: $promtool"
else
	bad "no promtool: run 'make deps' (scripts/promtool.sh fetches Debian 12's)"
	echo "    | $promtool"
	promtool=
fi
# promtool check metrics FILE: no parse error and no lint finding
promcheck() {
	if [ -z "$promtool" ]; then
		echo "    | no promtool: run 'make deps'"
		return 1
	fi
	"$promtool" check metrics < "$1" > "$tmp/promtool.out" 2>&1 &&
		[ ! -s "$tmp/promtool.out" ] && return 0
	sed 's/^/    | /' "$tmp/promtool.out" | head -20
	return 1
}
# What promtool 2.42 does not check: a HELP and a TYPE line before each
# family's samples, which stay together, no series twice, and a name that
# ends in _total exactly for the counters.
famcheck() {
	awk '/^# HELP / { help[$3] = 1; next }
	/^# TYPE / {
		if ($3 in type) { print "    | second TYPE of " $3; bad = 1 }
		if (!($3 in help)) { print "    | no HELP before TYPE " $3; bad = 1 }
		if (($4 == "counter") != ($3 ~ /_total$/)) {
			print "    | " $3 ": type " $4; bad = 1
		}
		type[$3] = $4; next
	}
	/^#/ || /^$/ { print "    | stray line: " $0; bad = 1; next }
	{
		name = $0; sub(/[{ ].*/, "", name)
		if (!(name in type)) { print "    | no TYPE for " name; bad = 1 }
		if (name != last && (name in seen)) {
			print "    | samples of " name " apart"; bad = 1
		}
		seen[name] = 1; last = name
		series = $0; sub(/ [^ ]+$/, "", series)
		if (series in dup) { print "    | twice: " series; bad = 1 }
		dup[series] = 1
	}
	END { exit bad }' "$1"
}
metrics() { LD_PRELOAD=$tmp/fakedev.so "$ctl" metrics "$@"; }
restore_fake

run 0 "metrics" metrics
cp "$tmp/out" "$tmp/metrics.prom"
promcheck "$tmp/metrics.prom"
check $? "  promtool check metrics: no error, no lint warning"
famcheck "$tmp/metrics.prom"
check $? "  HELP and TYPE for each family, samples together, no series twice"
[ -z "$err" ]
check $? "  nothing on stderr"
while IFS= read -r want; do
	grep -qxF -- "$want" <<< "$out"
	check $? "  $want"
done <<'EOF'
pshare_info{version="0.1.0"} 1
pshare_full_scans_total 12
pshare_scanned_pages_total 123456
pshare_skipped_pages_total 65432
pshare_scan_cpu_seconds_total 1.234
pshare_memory_state_entries_total{state="high"} 1
pshare_memory_state_entries_total{state="low"} 0
pshare_sharing_pages 12291
pshare_zero_sharing_pages 6552
pshare_metadata_bytes 1803264
pshare_general_profit_bytes 75378688
pshare_cpu_capacity_hertz 4890000000
pshare_memory_state{state="high"} 1
pshare_memory_state{state="soft"} 0
pshare_tunable_sleep_seconds 0.1
pshare_tunable_max_cpu_ratio 0.2
pshare_tunable_scan_bytes_per_second_per_hertz 0.004194304
pshare_tunable_memory_threshold_ratio{state="soft"} 0.04
pshare_tunable_thp_split{policy="pressure"} 1
pshare_tunable_thp_split{policy="never"} 0
pshare_tunable_madvise 1
pshare_tunable_merge_across_nodes 1
pshare_tunable_smart_scan 1
pshare_tunable_first_scan 1
pshare_page_size_bytes 4096
pshare_process_list_success 1
pshare_processes 3
pshare_process_sharing_pages{pid="101",comm="vm-a",domain="proc:17"} 3000
pshare_process_disabled{pid="202",comm="vm-b",domain="5"} 1
pshare_process_scanned_pages_total{pid="101",comm="vm-a",domain="proc:17"} 90000
pshare_process_registered_pages{pid="303",comm="qemu \"x\"\\",domain="5"} 2048
pshare_domain_processes{domain="5"} 2
pshare_domain_registered_pages{domain="5"} 6144
pshare_domain_saved_pages{domain="5"} 150
pshare_domain_estimate_saved_pages{domain="proc:17"} 2000
pshare_thp_dup_subpages 2048
pshare_thp_split_candidates 8
pshare_process_thp_held_pages{pid="101",comm="vm-a",domain="proc:17"} 1536
pshare_process_thp_held_pages{pid="202",comm="vm-b",domain="5"} 0
pshare_domain_thp_held_pages{domain="5"} 512
pshare_domain_thp_held_pages{domain="proc:17"} 1536
EOF
[ "$(grep -c '^pshare_process_saved_pages{' <<< "$out")" -eq 3 ] &&
	[ "$(grep -c '^pshare_domain_saved_pages{' <<< "$out")" -eq 2 ]
check $? "  a sample per process and per domain"
grep -q '^# HELP pshare_thp_dup_subpages Pages held back in huge pages: ' <<< "$out" &&
	grep -q '^# HELP pshare_process_thp_held_pages .*holds in huge pages.* (thp_held)$' <<< "$out"
check $? "  the HELP of the held figures says they are held in huge pages"
awk '/^pshare_process_saved_pages\{/ { s = NR } /^# HELP pshare_process_thp_held_pages / { h = NR }
	END { exit !(s && h == s + 1) }' <<< "$out"
check $? "  pshare_process_thp_held_pages right after pshare_process_saved_pages"
missing=
for f in $(sed -n 's|^What:.*/pshare/||p' \
		"$top/Documentation/ABI/testing/sysfs-kernel-mm-pshare"); do
	grep -qE "^# HELP pshare_[a-z_]+ .*\\($f( [^)]*)?\\)\$" <<< "$out" ||
		missing+=" $f"
done
[ -z "$missing" ]
check $? "  a family for every file of the ABI document${missing:+; none for$missing}"
missing=
for m in $(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' <<< "$out"); do
	grep -qE -- "\`\`$m(\\{[a-z,]*\\})?\`\`" "$top/Documentation/tools.rst" ||
		missing+=" $m"
done
[ -z "$missing" ]
check $? "  Documentation/tools.rst lists every family${missing:+; not$missing}"

# A command name may hold any byte but NUL; the text format wants UTF-8.
FAKE_PSHARE_COMM=$'a\nb"\\\xffz' run 0 \
	"metrics, a comm with newline, quote, backslash, a byte not UTF-8" metrics
grep -qxF 'pshare_process_zero_pages{pid="303",comm="a\nb\"\\'$'\xef\xbf\xbd''z",domain="5"} 50' <<< "$out"
check $? "  escaped, and U+FFFD for the byte"
cp "$tmp/out" "$tmp/comm.prom"
promcheck "$tmp/comm.prom"
check $? "  promtool accepts it"
FAKE_PSHARE_DUP=1 run 0 "metrics, a pid listed twice" metrics
cp "$tmp/out" "$tmp/dup.prom"
famcheck "$tmp/dup.prom" && grep -qx 'pshare_processes 3' <<< "$out"
check $? "  one series per pid"

# --output: the same text, atomically, readable by node_exporter's user
mkdir "$tmp/textfile"
echo stale > "$tmp/textfile/pshare.prom"
(umask 022; metrics --output "$tmp/textfile/pshare.prom") > "$tmp/out" 2> "$tmp/err"
check $? "metrics --output FILE"
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]
check $? "  nothing on stdout or stderr"
cmp -s "$tmp/metrics.prom" "$tmp/textfile/pshare.prom"
check $? "  FILE holds what stdout gets"
[ "$(ls -A "$tmp/textfile")" = pshare.prom ]
check $? "  no temporary file left: $(ls -A "$tmp/textfile" | tr '\n' ' ')"
[ "$(stat -c %a "$tmp/textfile/pshare.prom")" = 644 ]
check $? "  mode 644 under umask 022 ($(stat -c %a "$tmp/textfile/pshare.prom"))"
(cd "$tmp/textfile" && metrics -o pshare.prom) &&
	cmp -s "$tmp/metrics.prom" "$tmp/textfile/pshare.prom"
check $? "  -o with a name in the current directory"
run 1 "metrics --output into a missing directory" metrics --output "$tmp/nodir/pshare.prom"
grep -q 'nodir/pshare.prom: No such file or directory' <<< "$err"
check $? "  says why: $err"
run 1 "metrics --output naming a directory" metrics --output "$tmp/textfile/"

# No module: an error, and the last good file stays as it was.
PSHARE_SYSFS=$tmp/none run 1 "metrics without the module" metrics \
	--output "$tmp/textfile/pshare.prom"
grep -q 'is the pshare module loaded' <<< "$err" && [ -z "$out" ]
check $? "  says so: $err"
cmp -s "$tmp/metrics.prom" "$tmp/textfile/pshare.prom" &&
	[ "$(ls -A "$tmp/textfile")" = pshare.prom ]
check $? "  FILE untouched, no temporary file"

# An older module: the files it lacks are left out, nothing else.
old=$tmp/oldsys
cp -r "$fake/sys" "$old"
rm "$old/thp_splits" "$old/estimate_pages" "$old/mem_thresholds" "$old/version"
PSHARE_SYSFS=$old run 0 "metrics of a module without some files" metrics
cp "$tmp/out" "$tmp/old.prom"
! grep -qE '^pshare_(thp_splits_total|estimate_pages|tunable_memory_threshold_ratio|info)[ {]' <<< "$out" &&
	grep -qx 'pshare_estimate_zero_pages 700' <<< "$out" && [ -z "$err" ]
check $? "  those families left out, the others there, no message"
promcheck "$tmp/old.prom" && famcheck "$tmp/old.prom"
check $? "  promtool accepts it"
echo junk > "$old/pages_shared"
PSHARE_SYSFS=$old run 1 "metrics with a value that is not a number" metrics
! grep -q '^pshare_shared_pages' <<< "$out" &&
	grep -qx 'pshare_sharing_pages 12291' <<< "$out" &&
	grep -q "pages_shared: unexpected value 'junk'" <<< "$err"
check $? "  left out, and said so: $err"

# Without the process list: the host's metrics, and exit 1.
PSHARE_DEV=/nonexistent run 1 "metrics without the device" metrics
cp "$tmp/out" "$tmp/nodev.prom"
grep -qx 'pshare_process_list_success 0' <<< "$out" &&
	grep -qx 'pshare_sharing_pages 12291' <<< "$out" &&
	! grep -q '^pshare_process_registered' <<< "$out" &&
	grep -q 'metrics: processes: /nonexistent: No such file' <<< "$err"
check $? "  host figures, pshare_process_list_success 0, why on stderr"
promcheck "$tmp/nodev.prom" && famcheck "$tmp/nodev.prom"
check $? "  promtool accepts it"
FAKE_PSHARE_LIST_ERR=EPERM run 1 "metrics when LIST gives EPERM" metrics
grep -q 'Operation not permitted' <<< "$err"
check $? "  says so: $err"

echo "--- psharectl apply and load (pshare.service's configuration file)"
ctl=$dyn/psharectl
conf=$top/tools/systemd/pshare.conf
export LD_PRELOAD=$tmp/fakedev.so PSHARE_DEV=/nonexistent
restore_fake
# As in the module: the tunables and madvise are writable, the rest is not.
writable=" run sleep_millisecs max_page_sharing scan_mb_per_ghz rate_max_pages
	scan_time_secs max_cpu_percent thp_split mem_thresholds salting
	zero_across_domains smart_scan first_scan merge_across_nodes madvise "
for f in "$fake"/sys/* "$fake"/params/*; do
	case "$writable" in
	*[[:space:]]"$(basename "$f")"[[:space:]]*) chmod 0644 "$f" ;;
	*) chmod 0444 "$f" ;;
	esac
done

# The shipped file: every tunable and parameter, commented out, at its default.
run 0 "apply of the shipped pshare.conf" "$ctl" apply "$conf"
[ "$out" = "$conf: 0 setting(s) applied" ] && [ "$(snap)" = "$orig" ]
check $? "  applies nothing: $out"
"$ctl" get --help > "$tmp/gethelp"
missing=
for name in group $(sed -n 's/^  \([a-z_]*\) .*/\1/p' "$tmp/gethelp"); do
	line=$(grep -E "^#$name = " "$conf") || { missing+=" $name"; continue; }
	def=$(grep -A0 "^  $name " "$tmp/gethelp" | sed -n 's/.*(default \([0-9]*\))$/\1/p')
	case $name in
	group) want=-1 ;; madvise) want=0 ;; thp_split) want=pressure ;;
	mem_thresholds) want="6 4 2 1" ;; *) want=$def ;;
	esac
	[ "${line#*= }" = "$want" ] || missing+=" $name(${line#*= }, want $want)"
done
[ -z "$missing" ] && ! grep -qE '^[^#]' "$conf"
check $? "  each parameter and tunable at its default, all commented out${missing:+; wrong:$missing}"

# A good file: spaces, comments, a choice, four numbers, a parameter.
cat > "$tmp/good.conf" <<'CONF'
# a comment
   sleep_millisecs=250
max_cpu_percent = 30

	# another
thp_split = never
mem_thresholds = 8 5 3 1
madvise = 1
group = -1
CONF
run 0 "apply of a good file" "$ctl" apply "$tmp/good.conf"
[ "$(value sys/sleep_millisecs) $(value sys/max_cpu_percent) $(value sys/thp_split)" = "250 30 never" ] &&
	[ "$(value sys/mem_thresholds)" = "8 5 3 1" ] && [ "$(value params/madvise)" = 1 ] &&
	[ "$out" = "$tmp/good.conf: 5 setting(s) applied" ]
check $? "  written; group, which the module has already, skipped: $out"
restore_fake

# The module refuses a value: FILE:LINE, and the ones before it restored.
cat > "$tmp/bad.conf" <<'CONF'
sleep_millisecs = 250
thp_split = always
madvise = 0
# the module refuses the next one
scan_time_secs = 99
max_cpu_percent = 30
CONF
FAKE_PSHARE_EINVAL=scan_time_secs run 1 "apply, the module refuses line 5" \
	"$ctl" apply "$tmp/bad.conf"
grep -qxF "$tmp/bad.conf:5: scan_time_secs=99: Invalid argument" <<< "$err" &&
	grep -q 'restored the 3 setting(s) written before line 5' <<< "$err"
check $? "  FILE:LINE: name=value: strerror, and what was restored: $err"
# (The fake's refused file was truncated by open(): leave it out. thp_split
# gets the choice back, as the module takes it.)
[ "$(snap | grep -vE 'scan_time_secs|thp_split')" = "$(grep -vE 'scan_time_secs|thp_split' <<< "$orig")" ] &&
	[ "$(value sys/thp_split)" = pressure ]
check $? "  every value as before (thp_split $(value sys/thp_split), madvise $(value params/madvise))"
restore_fake
printf 'run = 2\nmerge_across_nodes = 0\n' > "$tmp/busy.conf"
FAKE_PSHARE_BUSY=merge_across_nodes run 1 "apply, EBUSY on line 2" \
	"$ctl" apply "$tmp/busy.conf"
grep -qxF "$tmp/busy.conf:2: merge_across_nodes=0: Device or resource busy" <<< "$err" &&
	[ "$(value sys/run)" = 1 ]
check $? "  said so, run back to 1: $err"
restore_fake

# Refused before anything is written: exit 2, FILE:LINE.
for t in "no_such_knob = 1|3|no_such_knob=1: no such tunable or module parameter" \
	 "pages_shared = 0|3|pages_shared=0: read-only" \
	 "version=9|3|version=9: read-only" \
	 "group = 5|3|group=5: a load-time parameter, and the loaded module has group=-1" \
	 "run 1|3|'run 1' is not NAME=VALUE" \
	 "Run = 1|3|'Run' is not a tunable or parameter name" \
	 "../sys/run = 1|3|'../sys/run' is not a tunable or parameter name" \
	 "run =|3|run: no value" \
	 "sleep_millisecs = 300|3|sleep_millisecs=300: set before, on line 1"; do
	IFS='|' read -r bad line msg <<< "$t"
	printf 'sleep_millisecs = 250\n# comment\n%s\nrun = 0\n' "$bad" > "$tmp/refused.conf"
	run 2 "apply refuses '$bad'" "$ctl" apply "$tmp/refused.conf"
	[ "$(snap)" = "$orig" ]
	check $? "  nothing written"
	grep -qF "$tmp/refused.conf:$line: $msg" <<< "$err"
	check $? "  FILE:LINE and why: $err"
done
run 1 "apply of a missing file" "$ctl" apply "$tmp/none.conf"
grep -q 'none.conf: No such file or directory' <<< "$err"
check $? "  says so: $err"
PSHARE_SYSFS=$tmp/none run 1 "apply without the module" "$ctl" apply "$conf"
grep -q 'is the pshare module loaded' <<< "$err"
check $? "  says so: $err"
run 2 "apply without FILE" "$ctl" apply
run 0 "apply --help" "$ctl" apply --help
run 0 "load --help" "$ctl" load --help

# load: modprobe (a fake that makes the sysfs tree), then apply.
cat > "$tmp/modprobe" <<'SH'
#!/bin/bash
unset LD_PRELOAD FAKE_PSHARE_EINVAL FAKE_PSHARE_BUSY
echo "$*" >> "$FAKE_MODPROBE_LOG"
[ -z "${FAKE_MODPROBE_FAIL:-}" ] || { echo "modprobe: ERROR: could not insert 'pshare': Invalid argument" >&2; exit 1; }
if [ "$1" = -r ]; then rm -rf "$PSHARE_SYSFS" "$PSHARE_PARAMS"; exit 0; fi
cp -a "$FAKE_MODULE/sys" "$PSHARE_SYSFS"
cp -a "$FAKE_MODULE/params" "$PSHARE_PARAMS"
for a in "${@:2}"; do [ "${a%%=*}" != group ] || echo "${a#*=}" > "$PSHARE_PARAMS/group"; done
SH
chmod +x "$tmp/modprobe"
export PSHARE_MODPROBE=$tmp/modprobe FAKE_MODPROBE_LOG=$tmp/modprobe.log FAKE_MODULE=$fake
loaded() { [ -d "$tmp/lsys" ] && [ -d "$tmp/lparams" ]; }
lrun() { PSHARE_SYSFS=$tmp/lsys PSHARE_PARAMS=$tmp/lparams run "$@"; }
: > "$tmp/modprobe.log"
printf 'group = 7\nsleep_millisecs = 250\nmadvise = 1\n' > "$tmp/load.conf"
lrun 0 "load: modprobe with group=, then the tunables" "$ctl" load "$tmp/load.conf"
[ "$(cat "$tmp/modprobe.log")" = "pshare group=7" ] && loaded &&
	[ "$(cat "$tmp/lsys/sleep_millisecs") $(cat "$tmp/lparams/madvise") $(cat "$tmp/lparams/group")" = "250 1 7" ]
check $? "  modprobe pshare group=7; sleep_millisecs 250, madvise 1"
: > "$tmp/modprobe.log"
lrun 0 "load, the module already loaded: as apply" "$ctl" load "$tmp/load.conf"
[ ! -s "$tmp/modprobe.log" ]
check $? "  no modprobe"
rm -rf "$tmp/lsys" "$tmp/lparams"
: > "$tmp/modprobe.log"
printf 'sleep_millisecs = 250\nmax_cpu_percent = 0\n' > "$tmp/load.conf"
FAKE_PSHARE_EINVAL=max_cpu_percent PSHARE_SYSFS=$tmp/lsys PSHARE_PARAMS=$tmp/lparams \
	run 1 "load, the module refuses line 2" "$ctl" load "$tmp/load.conf"
grep -qxF "$tmp/load.conf:2: max_cpu_percent=0: Invalid argument" <<< "$err" &&
	[ "$(cat "$tmp/modprobe.log")" = "pshare"$'\n'"-r pshare" ] && ! loaded
check $? "  FILE:LINE, and the module unloaded again: $(tr '\n' ';' < "$tmp/modprobe.log")"
: > "$tmp/modprobe.log"
printf 'no_such_knob = 1\n' > "$tmp/load.conf"
lrun 2 "load, a name the module lacks" "$ctl" load "$tmp/load.conf"
grep -qF "$tmp/load.conf:1: no_such_knob=1: no such tunable" <<< "$err" && ! loaded &&
	[ "$(tail -n 1 "$tmp/modprobe.log")" = "-r pshare" ]
check $? "  FILE:LINE, unloaded again: $err"
: > "$tmp/modprobe.log"
printf 'run 1\n' > "$tmp/load.conf"
lrun 2 "load, a syntax error" "$ctl" load "$tmp/load.conf"
[ ! -s "$tmp/modprobe.log" ] && grep -qF "$tmp/load.conf:1:" <<< "$err"
check $? "  no modprobe at all: $err"
printf 'group = x\n' > "$tmp/load.conf"
FAKE_MODPROBE_FAIL=1 lrun 1 "load, modprobe refuses group=x" "$ctl" load "$tmp/load.conf"
grep -qxF "$tmp/load.conf:1: group=x: modprobe pshare failed" <<< "$err" && ! loaded
check $? "  FILE:LINE: $err"
unset LD_PRELOAD PSHARE_MODPROBE

host_done
