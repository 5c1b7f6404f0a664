#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: the operator tools, psharectl and psharetop, against
# the real module. Two "VM" processes of vmsim (8 MiB each: 20% zero pages,
# 50% pages the same in both, 30% their own), never registered by
# themselves:
# - psharectl set refuses bad values (exit 2, sysfs unchanged) and writes
#   good ones, the new tunables (salting, zero_across_domains, smart_scan,
#   first_scan, merge_across_nodes) included;
# - psharectl register --pid registers each whole: list --json shows them
#   with the whole flag, their pages, a domain of their own (proc:N);
# - in their own domains only zero pages are saved; after psharectl domain
#   42 for both, their common pages merge (shared mappings counted);
#   psharectl set merge_across_nodes=0 then fails with EBUSY (exit 1, the
#   error and a hint), and changes nothing;
# - psharetop -b -n 2 shows both rows and the host rows, with the visits
#   made and skipped per second;
# - psharectl disable unmerges a process (its saved figure drops to its
#   zero pages, which stay mapped), enable brings its sharing back;
# - with run=3 (estimate), psharectl estimate shows what domain 42 would
#   save, and merges nothing;
# - psharectl unregister ends it.
# Exit 0 pass, 1 fail, 77 when the module has no operator interface.
S=${PSHARE_SYSFS:-/sys/kernel/mm/pshare}
P=${PSHARE_PARAMS:-/sys/module/pshare/parameters}
T0=$(date +%s)
fail=0 vm= pa= pb=
say() { echo "t_tools: [$(( $(date +%s) - T0 ))s] $*"; }
ok() { echo "  ok: $*"; }
bad() { echo "  not ok: $*"; fail=1; }
check() {	# STATUS DESCRIPTION
	if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi
}

for t in psharectl psharetop vmsim; do
	command -v $t > /dev/null || { echo "t_tools: $t is not in PATH"; exit 1; }
done
[ -d $S ] || insmod "$PSHARE_KO" || exit 1
if ! psharectl version > /tmp/t_tools.ver 2>&1; then
	cat /tmp/t_tools.ver
	echo "t_tools: psharectl version failed"
	exit 1
fi
cat /tmp/t_tools.ver
grep -q 'features .*domains' /tmp/t_tools.ver ||
	{ echo "t_tools: the module has no domains feature"; exit 77; }

# Every tunable as it was, to put back at the end.
psharectl get > /tmp/t_tools.defaults 2> /dev/null ||
	{ echo "t_tools: psharectl get failed"; exit 1; }
finish() {
	[ -n "$vm" ] && kill $pa $pb $vm 2> /dev/null && wait $vm 2> /dev/null
	vm=
	while IFS= read -r l; do
		psharectl set "$l" > /dev/null && continue
		case "$l" in
		merge_across_nodes=*)	# changes only while nothing is merged
			psharectl set run=2 "$l" \
				"$(grep '^run=' /tmp/t_tools.defaults)" > /dev/null &&
				continue ;;
		esac
		echo "t_tools: could not restore $l"
	done < /tmp/t_tools.defaults
}
trap finish EXIT
trap 'exit 1' INT TERM

# The object of process PID in "psharectl list --json" (one line each).
proc_json() { psharectl list --json 2> /dev/null | grep "\"pid\": $1,"; }
field() {	# PID NAME: the field, empty if PID is not listed
	proc_json $1 | sed -n -e "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p;t" \
		-e "s/.*\"$2\": \([^,}]*\).*/\1/p"
}
num() {	# PID NAME: a numeric field, -1 if PID is not listed
	num_v=$(field $1 $2)
	echo ${num_v:--1}
}
wait_scans() {	# N: N more full scans, 120 s at most
	ws_want=$(( $(cat $S/full_scans) + $1 )) ws_i=0
	while [ "$(cat $S/full_scans)" -lt $ws_want ] && [ $ws_i -lt 1200 ]; do
		sleep 0.1; ws_i=$((ws_i + 1))
	done
	[ "$(cat $S/full_scans)" -ge $ws_want ] ||
		bad "only $(cat $S/full_scans) of $ws_want full scans in 120 s"
}
children() {	# PID: its child processes
	ch_parent=$1
	for ch_f in /proc/[0-9]*/stat; do
		read -r ch_l < $ch_f 2> /dev/null || continue
		set -- ${ch_l##*)}		# state, ppid, ...
		[ "$2" = "$ch_parent" ] && echo "${ch_l%% *}"
	done
}

# --- psharectl set against the real sysfs
say "psharectl set: bad values are refused, exit 2, nothing written"
before=$(cat $S/sleep_millisecs $S/run $S/mem_thresholds $S/thp_split \
	     $S/salting $S/zero_across_domains $S/smart_scan $S/first_scan \
	     $S/merge_across_nodes $S/pages_shared 2> /dev/null)
for a in sleep_millisecs=0 sleep_millisecs=1001 run=4 run=x "run=-1" \
	 "mem_thresholds=4 6 2 1" "mem_thresholds=6 4 2" thp_split=bogus \
	 salting=3 zero_across_domains=2 smart_scan=2 first_scan=2 \
	 merge_across_nodes=2 madvise=2 pages_shared=0 pages_skipped=0 \
	 version=1 estimate_pages=0; do
	psharectl set "$a" > /dev/null 2> /tmp/t_tools.err
	rc=$?
	[ $rc = 2 ]; check $? "set $a: exit $rc ($(head -1 /tmp/t_tools.err))"
done
psharectl set sleep_millisecs=50 run=9 > /dev/null 2> /tmp/t_tools.err
rc=$?
[ $rc = 2 ]; check $? "set sleep_millisecs=50 run=9: exit $rc ($(head -1 /tmp/t_tools.err))"
after=$(cat $S/sleep_millisecs $S/run $S/mem_thresholds $S/thp_split \
	    $S/salting $S/zero_across_domains $S/smart_scan $S/first_scan \
	    $S/merge_across_nodes $S/pages_shared 2> /dev/null)
[ "$before" = "$after" ]; check $? "sysfs unchanged by the refused writes"

say "psharectl set: good values are written"
psharectl set scan_time_secs=0 rate_max_pages=4194304 scan_mb_per_ghz=65536 \
	max_cpu_percent=100 sleep_millisecs=10 run=1
check $? "set the fast scan rates"
[ "$(cat $S/scan_time_secs $S/rate_max_pages $S/scan_mb_per_ghz $S/max_cpu_percent $S/sleep_millisecs $S/run | tr '\n' ' ')" = \
  "0 4194304 65536 100 10 1 " ]
check $? "sysfs has them: $(cat $S/scan_time_secs $S/rate_max_pages $S/scan_mb_per_ghz $S/max_cpu_percent $S/sleep_millisecs $S/run | tr '\n' ' ')"
psharectl set thp_split=never "mem_thresholds=7,5,3,1" salting=1 zero_across_domains=0 \
	smart_scan=0 first_scan=0
check $? "set thp_split, mem_thresholds, salting, zero_across_domains, smart_scan, first_scan"
[ "$(cat $S/thp_split)" = "[never] pressure always" ] &&
	[ "$(cat $S/mem_thresholds)" = "7 5 3 1" ] && [ "$(cat $S/salting)" = 1 ] &&
	[ "$(cat $S/zero_across_domains)" = 0 ] && [ "$(cat $S/smart_scan)" = 0 ] &&
	[ "$(cat $S/first_scan)/$(psharectl get -n first_scan)" = 0/0 ]
check $? "sysfs: $(cat $S/thp_split) / $(cat $S/mem_thresholds) / salting $(cat $S/salting) / zero_across_domains $(cat $S/zero_across_domains) / smart_scan $(cat $S/smart_scan) / first_scan $(cat $S/first_scan)"
[ "$(psharectl get thp_split salting)" = "thp_split=never
salting=1" ]
check $? "get reads them back: $(psharectl get thp_split salting | tr '\n' ' ')"
psharectl set thp_split=pressure "mem_thresholds=6 4 2 1" salting=2 \
	zero_across_domains=1 smart_scan=1 first_scan=1 &&
	[ "$(cat $S/first_scan)" = 1 ]
check $? "set the defaults again"
# It changes only while nothing is merged: run=2 first, in the same call.
psharectl set run=2 merge_across_nodes=0 run=1
check $? "set run=2 merge_across_nodes=0 run=1"
[ "$(cat $S/merge_across_nodes)/$(psharectl get -n merge_across_nodes)/$(cat $S/run)" = 0/0/1 ]
check $? "sysfs, get and run: $(cat $S/merge_across_nodes)/$(psharectl get -n merge_across_nodes)/$(cat $S/run)"
psharectl set run=2 merge_across_nodes=1 run=1 &&
	[ "$(cat $S/merge_across_nodes)" = 1 ]
check $? "set merge_across_nodes back to 1"
if [ -w $P/madvise ]; then
	m0=$(psharectl get -n madvise)
	psharectl set madvise=1 && [ "$(psharectl get -n madvise)" = 1 ]
	check $? "set madvise=1 (module parameter)"
	psharectl set madvise=$m0
fi

# --- two VMs, registered by the operator
pages=2048	# 8 MiB
# vmsim's page kinds: 20% zero, 50% image (the same in both VMs), 30% own.
set -- $(awk -v n=$pages 'BEGIN { for (i = 0; i < n; i++) {
	r = (i * 2654435761) % 100; if (r < 20) z++; else if (r < 70) m++ }
	print z, m }')
nzero=$1 nimage=$2
say "starting vmsim -n 2 -m 8: per VM $nzero zero pages, $nimage image pages"
vmsim -n 2 -m 8 -t 600 > /tmp/t_tools.vmsim 2>&1 &
vm=$!
i=0
while [ $i -lt 300 ]; do
	set -- $(children $vm)
	pa=${1:-} pb=${2:-}
	if [ -n "$pb" ]; then
		ra=$(awk '/^VmRSS/ { print $2 }' /proc/$pa/status 2> /dev/null)
		rb=$(awk '/^VmRSS/ { print $2 }' /proc/$pb/status 2> /dev/null)
		[ "${ra:-0}" -ge 8192 ] && [ "${rb:-0}" -ge 8192 ] && break
	fi
	sleep 0.1; i=$((i + 1))
done
[ -n "$pb" ] && [ "${ra:-0}" -ge 8192 ] && [ "${rb:-0}" -ge 8192 ] ||
	{ bad "the vmsim VMs did not start: '$pa' '$pb'"; cat /tmp/t_tools.vmsim; exit 1; }
say "VMs: pid $pa and $pb (RSS $ra and $rb kB)"

for p in $pa $pb; do
	psharectl register --pid $p
	check $? "psharectl register --pid $p"
done
psharectl list
for p in $pa $pb; do
	fl=$(field $p flags) reg=$(num $p registered) dom=$(field $p domain)
	case "$fl" in *whole*) true ;; *) false ;; esac
	check $? "list --json: $p flags '$fl'"
	[ $reg -ge $pages ]; check $? "list --json: $p registered $reg >= $pages"
	case "$dom" in proc:*) true ;; *) false ;; esac
	check $? "list --json: $p in a domain of its own: '$dom'"
done

wait_scans 3
say "own domains, 3 full scans: pages_sharing $(cat $S/pages_sharing), zero_pages_sharing $(cat $S/zero_pages_sharing)"
for p in $pa $pb; do
	z=$(num $p zero) s=$(num $p sharing)
	[ $z -ge $nzero ]; check $? "$p: zero $z >= $nzero"
	[ $s -ge 0 ] && [ $s -lt $((nimage / 2)) ]
	check $? "$p: sharing $s: the image pages stay apart in their own domains"
done

for p in $pa $pb; do
	psharectl domain --pid $p 42
	check $? "psharectl domain --pid $p 42"
done
[ "$(field $pa domain)/$(field $pa salt)" = 42/42 ]
check $? "list --json: domain/salt $(field $pa domain)/$(field $pa salt)"
i=0
while [ $i -lt 15 ]; do
	wait_scans 1
	n=$(( $(num $pa sharing) + $(num $pb sharing) ))
	[ $n -ge $nimage ] && break
	i=$((i + 1))
done
say "domain 42: pages_shared $(cat $S/pages_shared), pages_sharing $(cat $S/pages_sharing)"
[ $n -ge $nimage ]; check $? "sharing $n >= $nimage image pages merged across the two"
sa=$(num $pa saved)
[ $sa -gt 0 ]; check $? "$pa saved $sa pages"
psharectl set merge_across_nodes=0 > /dev/null 2> /tmp/t_tools.err
rc=$?
[ $rc = 1 ] && grep -qi 'write merge_across_nodes=0: .*busy' /tmp/t_tools.err
check $? "set merge_across_nodes=0 while $(cat $S/pages_shared) pages are merged: exit $rc: $(head -1 /tmp/t_tools.err)"
grep -q 'hint: .*run=2' /tmp/t_tools.err; check $? "with a hint: $(tail -1 /tmp/t_tools.err)"
[ "$(cat $S/merge_across_nodes)" = 1 ]
check $? "merge_across_nodes still $(cat $S/merge_across_nodes)"
psharectl set merge_across_nodes=1
check $? "set merge_across_nodes=1, its value, while pages are merged"

# --- psharetop, batch
psharetop -b -n 2 -d 1 > /tmp/t_tools.top 2>&1
check $? "psharetop -b -n 2 -d 1"
cat /tmp/t_tools.top
[ "$(grep -c '^=== psharetop ' /tmp/t_tools.top)" = 2 ]; check $? "two blocks"
for p in $pa $pb; do
	[ "$(grep -cE "^ +$p vmsim +42 " /tmp/t_tools.top)" = 2 ]
	check $? "the row of $p in both"
done
for r in 'memory state' 'scan rate' 'pshared CPU' 'shared-common' 'saved' \
	 'metadata' 'profit' 'full scans'; do
	[ "$(grep -c "$r" /tmp/t_tools.top)" -ge 2 ]; check $? "host row '$r' in both"
done
grep 'pshared CPU' /tmp/t_tools.top | tail -1 | grep -qE 'CPU +[0-9]+\.[0-9] %$' &&
	grep '^scanning ' /tmp/t_tools.top | tail -1 |
	grep -qE '^scanning +[0-9]+ pages/s +skipped +[0-9]+ pages/s$'
check $? "the second block has the CPU use, the visits made and skipped"
awk '!/^=== / && length > 79 { print "  " length ": " $0; bad = 1 } END { exit bad }' /tmp/t_tools.top
check $? "every line of psharetop but the batch marker fits 79 columns"

# --- disable, enable: its merged pages are unmerged (zero-page mappings
# are ordinary mappings and stay), and come back when enabled
psharectl disable --pid $pa
check $? "psharectl disable --pid $pa"
i=0
while [ $i -lt 100 ] && [ "$(num $pa sharing)/$(num $pa shared)" != 0/0 ]; do
	sleep 0.1; i=$((i + 1))
done
[ "$(num $pa sharing)/$(num $pa shared)" = 0/0 ]
check $? "$pa sharing/shared $(num $pa sharing)/$(num $pa shared) after disable"
[ "$(num $pa saved)" = "$(num $pa zero)" ]
check $? "$pa saved $(num $pa saved): only its $(num $pa zero) zero pages"
case "$(field $pa flags)" in *disabled*) true ;; *) false ;; esac
check $? "$pa flags '$(field $pa flags)'"
psharetop -b -s pid | grep -E "^ +$pa "
psharetop -b | grep -qE "^ +$pa vmsim +42 off "; check $? "psharetop marks it off"
wait_scans 2
[ "$(num $pa sharing)" = 0 ]; check $? "$pa sharing still 0 after 2 scans"
psharectl enable --pid $pa
check $? "psharectl enable --pid $pa"
case "$(field $pa flags)" in *disabled*|'') false ;; *) true ;; esac
check $? "$pa flags '$(field $pa flags)'"
i=0
while [ $i -lt 15 ]; do
	wait_scans 1
	n=$(( $(num $pa sharing) + $(num $pb sharing) ))
	[ $n -ge $nimage ] && break
	i=$((i + 1))
done
[ $n -ge $nimage ]; check $? "enabled again: sharing $n >= $nimage"
[ "$(num $pa saved)" -gt "$(num $pa zero)" ]
check $? "$pa saves more than its zero pages again: $(num $pa saved)"

# --- estimate mode
psharectl set run=2 && psharectl set run=estimate
check $? "set run=2, then run=estimate"
[ "$(cat $S/run)" = 3 ]; check $? "run reads $(cat $S/run)"
wait_scans 3
psharectl estimate > /tmp/t_tools.est
check $? "psharectl estimate"
cat /tmp/t_tools.est
# pshared keeps scanning: allow the figures a few pages of drift.
est=$(( $(cat $S/estimate_pages) + $(cat $S/estimate_zero_pages) ))
host=$(sed -n 's/^host: would save \([0-9]*\) pages.*/\1/p' /tmp/t_tools.est)
[ -n "$host" ] && [ $((host - est)) -le 8 ] && [ $((est - host)) -le 8 ]
check $? "the host line ($host) has estimate_pages + estimate_zero_pages ($est)"
set -- $(grep -E '^42 ' /tmp/t_tools.est)
# The estimate pairs pages through the hint table, which may lose a few.
[ "${2:-0}" = 2 ] && [ "${3:-0}" -ge $((nimage - nimage / 64)) ]
check $? "domain 42: ${2:-?} processes, would merge ${3:-?} of $nimage pages"
say "domain 42: ${4:-?} zero pages (the VMs have $((2 * nzero)); run=2 left them on the zero page)"
psharectl estimate --json | grep -q '"estimating": true'
check $? "estimate --json: estimating"
[ "$(cat $S/pages_sharing)" = 0 ]; check $? "nothing merged: pages_sharing $(cat $S/pages_sharing)"
psharetop -b | grep -q '^estimate  *would save'; check $? "psharetop shows the estimate"
psharectl set run=1

# --- status, unregister
psharectl status > /tmp/t_tools.status
check $? "psharectl status"
grep -qE "^ +$pa vmsim " /tmp/t_tools.status && grep -q '^  salting ' /tmp/t_tools.status
check $? "status lists the process and the tunables"
psharectl status --json | grep -q "\"pid\": $pb,"
check $? "status --json lists the processes"
for p in $pa $pb; do
	psharectl unregister --pid $p
	check $? "psharectl unregister --pid $p"
	# The operator's salt outlives the registrations until cleared.
	[ "$(num $p registered)" = 0 ] && [ "$(field $p salt)" = 42 ]
	check $? "$p after unregister: registered $(num $p registered), salt $(field $p salt)"
	psharectl domain --pid $p 0
	check $? "psharectl domain --pid $p 0"
	[ -z "$(proc_json $p)" ]; check $? "$p no longer listed"
done
psharectl unregister --pid $pa 2> /tmp/t_tools.err
rc=$?; [ $rc = 1 ]; check $? "unregister again: exit $rc: $(head -1 /tmp/t_tools.err)"
kill $pa $pb $vm 2> /dev/null
wait $vm 2> /dev/null
vm=
psharectl register --pid $pa 2> /tmp/t_tools.err
rc=$?; [ $rc = 1 ] && grep -q 'No such process' /tmp/t_tools.err
check $? "register of an exited process: exit $rc: $(head -1 /tmp/t_tools.err)"

say "$([ $fail = 0 ] && echo passed || echo FAILED)"
exit $fail
