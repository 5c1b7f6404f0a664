#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: the Debian packages, installed, on the stock kernel
# they were installed for. tests/host/deb.sh stages what apt and DKMS put
# in a Debian 12 or 13 root; deb.sh --guest boots that release's stock
# kernel without the tree's module (qemu/run --no-module) and with those
# files at their paths (tests/guest/package.list): pshare.ko as DKMS built
# it, in /lib/modules/<release>/updates/dkms, with depmod's indexes; the
# packaged psharectl, pshare.service and /etc/pshare/pshare.conf; the
# programs the unit runs (modprobe is the root's kmod), each with the
# libraries it loads; and /etc/pshare-pkgtest.env (KREL, VERSION, MODULE,
# RELEASE). The guest has no systemd: this test runs the unit's own command
# lines, read from the unit file, as systemd runs them (in order, without a
# shell, with systemd's PATH, each to succeed unless it has the - prefix).
# - pshare.conf is edited as an operator would: lines uncommented with a
#   value other than the default the file gives (group, a load-time
#   parameter; madvise; sleep_millisecs, scan rates and the CPU cap,
#   thp_split, mem_thresholds);
# - ExecStart: modprobe loads the module DKMS built (modules.dep leads to
#   it), with group= on its command line; every setting reads back from
#   /sys/kernel/mm/pshare or /sys/module/pshare/parameters;
# - dupmem hands 8 MiB of duplicate pages to madvise(MADV_MERGEABLE),
#   which madvise = 1 gives to pshare: psharectl list shows it with the
#   madvise flag, psharectl metrics reports merges
#   (pshare_merged_pages_total > 0) and the configured tunables;
# - ExecReload after a change to the file: the new value holds, the
#   others stay;
# - ExecStop with dupmem still running: the module is unloaded (not in
#   /proc/modules, no /sys/kernel/mm/pshare, no /dev/pshare), and every
#   page of dupmem holds its content.
# Exit 0 pass, 1 fail, 77 when the boot has no staged packages.
ENV=${1:-/etc/pshare-pkgtest.env}
UNIT=/lib/systemd/system/pshare.service
CONF=/etc/pshare/pshare.conf
CTL=/usr/sbin/psharectl
S=/sys/kernel/mm/pshare
P=/sys/module/pshare/parameters
# systemd's PATH for services: not the test guest's, whose first modprobe
# is busybox's.
UNIT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
T0=$(date +%s)
fail=0 wl=
say() { echo "t_package: [$(( $(date +%s) - T0 ))s] $*"; }
ok() { echo "  ok: $*"; }
bad() { echo "  not ok: $*"; fail=1; }
check() {	# STATUS DESCRIPTION: and returns STATUS
	if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi
	return "$1"
}

[ -r "$ENV" ] || { echo "t_package: no $ENV: not a boot of tests/host/deb.sh --guest"; exit 77; }
# shellcheck source=/dev/null
. "$ENV"
say "Debian packages of pshare $VERSION from the $RELEASE root, on $(uname -r)"
[ "$(uname -r)" = "$KREL" ]
check $? "the kernel booted is the one DKMS built for: $KREL" || exit 1
for f in "$UNIT" "$CONF" "$CTL" "$MODULE"; do
	[ -f "$f" ] || { bad "$f is not in the guest"; exit 1; }
done
# shellcheck disable=SC2317	# a trap
finish() {
	[ -n "$wl" ] && kill "$wl" 2> /dev/null && wait "$wl" 2> /dev/null
	wl=
}
trap finish EXIT
trap 'exit 1' INT TERM

# The command lines of KEY (ExecStart, ...) in the unit's [Service]
# section, in the file's order.
unit_cmds() {	# KEY
	awk -v key="$1" '
		/^[ \t]*\[/ { sec = $0; gsub(/[ \t]/, "", sec); next }
		sec != "[Service]" || !/=/ { next }
		{ k = $0; sub(/^[ \t]*/, "", k); sub(/[ \t]*=.*/, "", k) }
		k == key { v = $0; sub(/^[^=]*=[ \t]*/, "", v); print v }' "$UNIT"
}
# Run the unit's KEYs, one after the other, as systemd does (the KEYs in
# the order given, the lines of each in the file's order): each command
# line split into words and run without a shell, in a clean environment
# with systemd's PATH; the first that fails (without the - prefix) ends it.
# What systemd would expand (quotes, escapes, %, $) or the prefix @ (a
# separate argv[0]) is refused: this runner does not expand it. Prefixes
# +, !, !! and : only change privileges or expansion: nothing here.
run_unit() {	# WHAT KEY...
	ru_what=$1
	shift
	for ru_k in "$@"; do unit_cmds "$ru_k"; done > /tmp/t_package.cmds
	[ -s /tmp/t_package.cmds ] || { bad "$ru_what: $UNIT has no $*"; return 1; }
	while IFS= read -r ru_line; do
		ru_ign=0
		while :; do
			case "$ru_line" in
			-*) ru_ign=1; ru_line=${ru_line#-} ;;
			[+!:]*) ru_line=${ru_line#?} ;;
			*) break ;;
			esac
		done
		case "$ru_line" in
		@*|*[\"\'\\%\$]*)
			bad "$ru_what: '$ru_line': this runner does not expand quotes, escapes, specifiers, variables or @"
			return 1 ;;
		esac
		say "$ru_what: $ru_line"
		set -f
		# shellcheck disable=SC2086	# split into words, as systemd does
		(set -- $ru_line; exec /bin/env -i PATH=$UNIT_PATH LANG=C.UTF-8 "$@") \
			< /dev/null > /tmp/t_package.out 2>&1
		ru_rc=$?
		set +f
		sed 's/^/    | /' /tmp/t_package.out
		[ $ru_rc = 0 ] || [ $ru_ign = 1 ] ||
			{ bad "$ru_what: '$ru_line': exit $ru_rc"; return 1; }
	done < /tmp/t_package.cmds
	ok "$ru_what: $(wc -l < /tmp/t_package.cmds) command line(s) of $*"
}
# A setting as the module has it: from the sysfs directory or the
# parameters; for thp_split, the word in brackets; a bool parameter
# (madvise: Y or N) as 1 or 0.
value() {	# NAME
	if [ -f "$S/$1" ]; then v_raw=$(cat "$S/$1"); else v_raw=$(cat "$P/$1" 2> /dev/null); fi
	case "$v_raw" in
	*\[*\]*) v_raw=${v_raw#*\[}; v_raw=${v_raw%%\]*} ;;
	Y) v_raw=1 ;;
	N) v_raw=0 ;;
	esac
	echo "$v_raw"
}
metric() {	# NAME: the value of the sample NAME in /tmp/t_package.prom
	awk -v n="$1" 'index($0, n " ") == 1 { print substr($0, length(n) + 2) }' /tmp/t_package.prom
}
loaded() { grep -q '^pshare ' /proc/modules; }

# --- the guest as the packages left the root
! loaded && [ ! -d $S ]
check $? "no pshare module loaded before the service starts"
grep -qE '^(ExecStart|ExecStop)=' "$UNIT"
check $? "$UNIT: $(grep -cE '^Exec[A-Za-z]*=' "$UNIT") Exec lines: $(grep -E '^Exec[A-Za-z]*=' "$UNIT" | tr '\n' ' ')"
deps=/lib/modules/$KREL/modules.dep
grep -qF "${MODULE#/lib/modules/"$KREL"/}:" "$deps"
check $? "depmod's $deps lists $MODULE"
# The modprobe of systemd's PATH, which psharectl load runs, by its path:
# busybox's shell would run its own applet for the bare name.
mp=
for d in $(echo "$UNIT_PATH" | tr : ' '); do
	[ -x "$d/modprobe" ] && { mp=$d/modprobe; break; }
done
"${mp:-modprobe}" --show-depends pshare > /tmp/t_package.dep 2>&1
grep -q "^insmod $MODULE" /tmp/t_package.dep
check $? "modprobe (systemd's PATH: ${mp:-none}, $("${mp:-modprobe}" --version 2>&1 | head -n 1)) resolves pshare to it: $(head -n 1 /tmp/t_package.dep)"
"$CTL" version > /tmp/t_package.ver 2>&1
grep -q "^psharectl $VERSION " /tmp/t_package.ver
check $? "the packaged $CTL runs: $(grep -m 1 '^psharectl ' /tmp/t_package.ver)"

# --- pshare.conf: a few settings, each away from its default
# The settings the test makes, NAME VALUE, each other than the default.
cat > /tmp/t_package.settings <<SETTINGS
group 4242
madvise 1
sleep_millisecs 20
scan_mb_per_ghz 64
rate_max_pages 8192
max_cpu_percent 50
thp_split always
mem_thresholds 7 5 3 1
SETTINGS
cp "$CONF" /tmp/t_package.conf.packaged
while read -r name value; do
	def=$(sed -n "s/^#$name = //p" /tmp/t_package.conf.packaged)
	[ -n "$def" ] && [ "$def" != "$value" ]
	check $? "pshare.conf: '#$name = $def' becomes '$name = $value'"
	sed -i "s/^#$name = .*/$name = $value/" "$CONF"
done < /tmp/t_package.settings
grep -vE '^[[:space:]]*(#|$)' "$CONF" | sed 's/^/    | /'

# --- start
run_unit start ExecStartPre ExecStart ExecStartPost || exit 1
loaded && [ -d $S ] && [ -c /dev/pshare ]
check $? "pshare loaded: /proc/modules, $S, /dev/pshare" || exit 1
[ "$(cat $S/version)" = "$VERSION" ]
check $? "the module's version: $(cat $S/version)"
while read -r name value; do
	[ "$(value "$name")" = "$value" ]
	check $? "$name: $(value "$name")"
done < /tmp/t_package.settings

# --- a workload of duplicate pages through madvise(MADV_MERGEABLE)
dupmem -m 8 > /tmp/t_package.dupmem 2>&1 &
wl=$!
i=0
while [ $i -lt 300 ] && ! grep -q '^dupmem: ready' /tmp/t_package.dupmem 2> /dev/null; do
	sleep 0.1; i=$((i + 1))
done
grep -q '^dupmem: ready' /tmp/t_package.dupmem
check $? "$(head -n 1 /tmp/t_package.dupmem)" || { cat /tmp/t_package.dupmem; exit 1; }
i=0
while [ $i -lt 600 ]; do
	"$CTL" list --json 2> /dev/null | grep "\"pid\": $wl," > /tmp/t_package.list &&
		break
	sleep 0.1; i=$((i + 1))
done
grep -q '"flags": "[^"]*madvise' /tmp/t_package.list
check $? "psharectl list --json: dupmem ($wl) registered through madvise: $(cat /tmp/t_package.list)"
say "waiting for merges (300 s at most)"
i=0 merged=0
while [ $i -lt 300 ]; do
	"$CTL" metrics > /tmp/t_package.prom 2> /tmp/t_package.err
	merged=$(metric pshare_merged_pages_total)
	[ "${merged:-0}" -gt 0 ] && break
	sleep 1; i=$((i + 1))
done
[ -s /tmp/t_package.prom ] && [ ! -s /tmp/t_package.err ]
check $? "psharectl metrics: $(wc -l < /tmp/t_package.prom) lines, nothing on stderr" ||
	sed 's/^/    | /' /tmp/t_package.err
[ "${merged:-0}" -gt 0 ]
check $? "psharectl metrics: pshare_merged_pages_total ${merged:-none} after ${i} s (pages_sharing $(cat $S/pages_sharing), full_scans $(cat $S/full_scans))"
grep -E '^pshare_(merged_pages_total|sharing_pages|full_scans_total|tunable_(sleep_seconds|madvise|rate_max_pages_per_second|max_cpu_ratio)|tunable_thp_split\{policy="always"\}) ' \
	/tmp/t_package.prom | sed 's/^/    | /'
[ "$(metric pshare_info\{version=\""$VERSION"\"\})" = 1 ] &&
	[ "$(metric pshare_tunable_sleep_seconds)" = 0.02 ] &&
	[ "$(metric pshare_tunable_madvise)" = 1 ] &&
	[ "$(metric pshare_tunable_rate_max_pages_per_second)" = 8192 ] &&
	[ "$(metric pshare_tunable_max_cpu_ratio)" = 0.5 ] &&
	[ "$(metric pshare_tunable_thp_split\{policy=\"always\"\})" = 1 ]
check $? "psharectl metrics: the version and the configured tunables"

# --- reload after a change to the file
sed -i 's/^sleep_millisecs = 20$/sleep_millisecs = 30/' "$CONF"
run_unit reload ExecReload || exit 1
[ "$(value sleep_millisecs)" = 30 ] && [ "$(value rate_max_pages)" = 8192 ] &&
	[ "$(value group)" = 4242 ] && [ "$(value thp_split)" = always ]
check $? "after reload: sleep_millisecs $(value sleep_millisecs), rate_max_pages $(value rate_max_pages), group $(value group), thp_split $(value thp_split)"

# --- stop, with the workload running
say "before stop: pages_sharing $(cat $S/pages_sharing), pages_shared $(cat $S/pages_shared)"
run_unit stop ExecStop ExecStopPost
! loaded && [ ! -e $S ] && [ ! -e /dev/pshare ]
check $? "pshare unloaded: $(grep '^pshare ' /proc/modules || echo 'not in /proc/modules'); $S $([ -e $S ] || echo gone); /dev/pshare $([ -e /dev/pshare ] || echo gone)"
kill "$wl"
wait "$wl"
rc=$?
wl=
check $rc "dupmem: exit $rc: $(tail -n 1 /tmp/t_package.dupmem)"

say "$([ $fail = 0 ] && echo passed || echo FAILED)"
exit $fail
