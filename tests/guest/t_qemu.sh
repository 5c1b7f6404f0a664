#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: two unmodified QEMUs, started as on a real host, whose
# own madvise(MADV_MERGEABLE) calls register their RAM with pshare
# (/sys/module/pshare/parameters/madvise = 1).
#
#   t_qemu.sh          the test (needs tests/qemu/run --with-qemu; else 77)
#   t_qemu.sh ksm      plumbing check without pshare's hook: madvise = 0,
#                      the RAM goes to the kernel's KSM (VM_MERGEABLE, and
#                      nothing registered with pshare); what ksmd then
#                      merges is printed, not checked: on Debian's
#                      6.1.192, ksmd sometimes leaves every page volatile
#                      and merges nothing, with or without pshare loaded
#
# Each nested QEMU (TCG, 32 MiB) boots tests/qemu/nested-payload.S, which
# fills 16 MiB of its RAM (4096 pages) with content that is the same in
# every VM and differs between any two pages of one VM, and halts. Checks:
# - both processes are listed with the madvise flag and their RAM (plus
#   their ROM blocks) registered, and none of their VMAs is VM_MERGEABLE
#   ("mg" in smaps);
# - under the default salting policy (2: a domain per process), after
#   full scans nothing merges across them: no KSM frame (/proc/kpageflags
#   bit 21) is mapped in both RAM blocks (read through /proc/PID/pagemap),
#   and each process's sharing count stays at what one VM merges inside
#   itself: the 16 pages of SeaBIOS's shadow copy of its ROM, nothing of
#   the payload (INTRA_MAX allows for 64; pages_shared for 4 times that);
# - after "psharectl domain --pid PID 42" for both, their 4096 twin pages
#   merge: at least that many KSM frames are mapped by both, and the
#   processes' sharing grows by at least that much;
# - once both are killed, pshare has nothing registered.
# Without psharectl the per-process checks fall back to the sysfs counters
# and the domain step to salting = 0 (one common domain).
#
# pshare keeps huge pages whole while memory is plentiful (thp_split =
# pressure), and QEMU asks for huge pages (MADV_HUGEPAGE) on its RAM: the
# test sets thp_split = always while it runs.
TNAME=t_qemu
MODE=${1:-pshare}
. /tests/bin/qemu_lib.sh
pa= pb=

command -v qemu-system-x86_64 > /dev/null && [ -r $PAYLOAD ] ||
	{ echo "$TNAME: no qemu-system-x86_64 in this guest (tests/qemu/run --with-qemu)"; exit 77; }
[ -d $S ] || insmod "$PSHARE_KO" || exit 1

thp0=$(sed 's/.*\[\(.*\)\].*/\1/' $S/thp_split)
finish() {
	[ -n "$pa$pb" ] && kill $pa $pb 2> /dev/null && wait $pa $pb 2> /dev/null
	pa= pb=
	[ -w $P/madvise ] && echo 0 > $P/madvise
	[ $ctl = 0 ] && [ -w $S/salting ] && echo 2 > $S/salting
	[ $MODE = ksm ] && { echo 2 > $K/run; echo 0 > $K/run; echo 100 > $K/pages_to_scan; }
	echo $thp0 > $S/thp_split
	default_rates
}
trap finish EXIT
trap 'exit 1' INT TERM

if [ $MODE = ksm ]; then
	[ -w $P/madvise ] && echo 0 > $P/madvise
	echo 0 > $K/run
else
	fast_scan
	echo always > $S/thp_split
	[ -w $P/madvise ] || { echo "$TNAME: pshare has no madvise parameter"; exit 1; }
	echo 1 > $P/madvise
	[ -r $S/salting ] && [ "$(cat $S/salting)" != 2 ] &&
		bad "salting is $(cat $S/salting), want the default 2"
fi
[ $ctl = 1 ] || say "no psharectl in this guest: sysfs counters, and salting = 0 for the common domain"

start_vm vmA; pa=$!
start_vm vmB; pb=$!
say "started QEMU A (pid $pa) and B (pid $pb): -m ${MEM_MB}M -accel tcg,tb-size=16 -kernel $PAYLOAD"
wait_filled vmA vmB || exit 1
say "both nested guests ran the payload: \"$(grep -o 'pshare-nested-payload.*' /tmp/vmA.serial)\""
say "QEMU A: $(rss $pa); QEMU B: $(rss $pb)"

set -- $(ram_vma $pa); ra=$1 rp=$2
set -- $(ram_vma $pb); rb=$1
[ -n "$ra" ] && [ -n "$rb" ] || { bad "no ${MEM_MB} MiB RAM VMA in the QEMUs"; exit 1; }
say "RAM VMAs: A at 0x$ra, B at 0x$rb, $rp pages each; in huge pages: A $(anon_huge $pa $ra) kB, B $(anon_huge $pb $rb) kB"

if [ $MODE = ksm ]; then
	# The kernel's path: VM_MERGEABLE, and ksmd merges across the two.
	for p in $pa $pb; do
		ram_vma $p | grep -q ' mg' || bad "QEMU $p: RAM VMA not VM_MERGEABLE: $(ram_vma $p)"
		say "QEMU $p: $(mg_vmas $p) VM_MERGEABLE VMAs"
	done
	r=$(registered_total)
	[ "${r:-0}" = 0 ] || bad "pshare has $r pages registered with madvise = 0"
	echo 20 > $K/sleep_millisecs; echo 4000 > $K/pages_to_scan; echo 1 > $K/run
	wait_scans 3 $K
	pagestats "ksmd, 3 full scans"
	say "in huge pages now: A $(anon_huge $pa $ra) kB, B $(anon_huge $pb $rb) kB"
	n=$(cat $K/pages_sharing)
	say "ksmd: pages_shared $(cat $K/pages_shared), pages_sharing $n, pages_unshared $(cat $K/pages_unshared), pages_volatile $(cat $K/pages_volatile)"
	echo "$TNAME: ksm: $n pages ($((n / 256)) MiB) shared by the kernel's KSM between the two QEMU processes"
	say "done"
	exit $fail
fi

# Registration by the QEMUs' own madvise(), asynchronous: 5 s at most.
if [ $ctl = 1 ]; then
	i=0
	while [ $i -lt 50 ]; do
		[ "$(madvise_flag $pa)$(madvise_flag $pb)" = 11 ] && break
		sleep 0.1; i=$((i + 1))
	done
	psharectl list
	for p in $pa $pb; do
		[ "$(madvise_flag $p)" = 1 ] || bad "QEMU $p not listed with the madvise flag"
		r=$(field $p registered)
		# The RAM, plus QEMU's ROM blocks (BIOS, option ROMs, ACPI tables).
		[ -n "$r" ] && [ "$r" -ge $rp ] && [ "$r" -le $((rp + 2048)) ] ||
			bad "QEMU $p registered '$r' pages, want $rp to $((rp + 2048))"
	done
else
	sleep 1
fi
for p in $pa $pb; do
	n=$(mg_vmas $p)
	[ "$n" = 0 ] || bad "QEMU $p has $n VM_MERGEABLE VMAs with madvise = 1"
done
say "no VM_MERGEABLE VMA in either QEMU; RAM VMA flags:$(ram_vma $pa | cut -d' ' -f3-)"

# Default salting: a domain per process, nothing merges across them.
wait_scans 3
sh0=$(cat $S/pages_shared) sg0=$(cat $S/pages_sharing)
say "default salting, 3 full scans: pages_shared $sh0, pages_sharing $sg0, zero_pages_sharing $(cat $S/zero_pages_sharing)"
[ "$sh0" -le $((4 * INTRA_MAX)) ] ||
	bad "pages_shared $sh0 under salting 2, want at most $((4 * INTRA_MAX)) (each VM's own duplicates)"
if [ $ctl = 1 ]; then
	psharectl list
	sg0=0
	for p in $pa $pb; do
		s=$(field $p sharing)
		say "QEMU $p alone in its domain: sharing $s, zero $(field $p zero), domain $(field $p domain)"
		[ -n "$s" ] && [ "$s" -le $INTRA_MAX ] ||
			bad "QEMU $p sharing '$s' under salting 2, want at most $INTRA_MAX"
		sg0=$((sg0 + ${s:-0}))
	done
fi
pagestats "default salting"
[ "$kboth" = 0 ] || bad "$kboth KSM frames mapped by both QEMUs under salting 2"

# One domain for both: their twin pages merge.
if [ $ctl = 1 ]; then
	psharectl domain --pid $pa 42 || bad "psharectl domain --pid $pa 42 failed"
	psharectl domain --pid $pb 42 || bad "psharectl domain --pid $pb 42 failed"
	say "psharectl domain --pid $pa 42; psharectl domain --pid $pb 42"
else
	echo 0 > $S/salting || bad "cannot set salting to 0"
	say "salting = 0"
fi
i=0
while [ $i -lt 10 ] && [ $(cat $S/pages_sharing) -lt $((FILL_PAGES + sg0)) ]; do
	wait_scans 1
	i=$((i + 1))
done
wait_scans 1
n=$(cat $S/pages_sharing)
if [ $ctl = 1 ]; then
	psharectl list
	sa=$(field $pa sharing) sb=$(field $pb sharing)
	n=$(( ${sa:-0} + ${sb:-0} ))
fi
say "same domain: pages_shared $(cat $S/pages_shared), pages_sharing $(cat $S/pages_sharing)"
pagestats "same domain"
say "in huge pages now: A $(anon_huge $pa $ra) kB, B $(anon_huge $pb $rb) kB (thp_split = always)"
# What merging across the two saved: the sharing beyond each VM's own.
n=$((n - sg0))
echo "$TNAME: same domain: $n pages ($((n / 256)) MiB) shared between the two QEMU processes ($kboth KSM frames mapped by both)"
# All of the payload's pages, but for a few the kernel may hold busy.
want=$((FILL_PAGES * 98 / 100))
[ $n -ge $want ] || bad "$n pages shared across the two in one domain, want at least $want"
[ $kboth -ge $want ] || bad "$kboth KSM frames mapped by both, want at least $want"
if [ $fail = 1 ]; then
	# What kept the rest apart.
	for c in full_scans pages_scanned pages_skipped pages_merged \
		 pages_unshared pages_volatile thp_scanned thp_splits \
		 thp_split_candidates memory_state; do
		echo "  $c $(cat $S/$c 2>/dev/null)"
	done
	for p in $pa $pb; do
		echo "  QEMU $p: $(grep -E '^(AnonHugePages|Rss)' /proc/$p/smaps_rollup | tr -s ' \n' ' ')"
	done
fi

# Gone with the processes.
kill $pa $pb; wait $pa $pb 2> /dev/null
pa= pb=
i=0
while [ $i -lt 50 ]; do
	r=$(registered_total)
	[ "${r:-0}" = 0 ] && break
	sleep 0.1; i=$((i + 1))
done
say "both QEMUs exited: registered ${r:-(no count without psharectl)}, pages_shared $(cat $S/pages_shared), pages_sharing $(cat $S/pages_sharing)"
[ "${r:-0}" = 0 ] || bad "$r pages still registered after the QEMUs exited"
say "done"
exit $fail
