#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: libpshare-preload.so (tools/preload) hands the
# madvise(MADV_MERGEABLE) calls of unmodified, dynamically linked programs
# to pshare while pshare's own madvise hook is off (madvise = 0).
#
# 1. pshare-preload-check, a small dynamic program: without LD_PRELOAD its
#    MADV_MERGEABLE memory is VM_MERGEABLE and not registered; with it, the
#    memory is registered (PSHARE_IOC_QUERY) and not VM_MERGEABLE, a shared
#    mapping falls back to the kernel, and MADV_UNMERGEABLE unregisters.
# 2. The unmodified qemu-system-x86_64 under LD_PRELOAD: its RAM blocks
#    are registered (the library's log; psharectl list, without the
#    madvise flag: the library registers with the ioctl) and none of its
#    VMAs is VM_MERGEABLE; the same QEMU without LD_PRELOAD gets
#    VM_MERGEABLE RAM (the kernel's KSM) and nothing registered.
# Needs tests/qemu/run --with-qemu (the dynamic loader, the library, the
# helper and QEMU): else 77.
TNAME=t_preload
. /tests/bin/qemu_lib.sh
LIB=/usr/local/lib/libpshare-preload.so
pq=

[ -x /lib64/ld-linux-x86-64.so.2 ] && [ -r $LIB ] &&
	command -v pshare-preload-check > /dev/null ||
	{ echo "$TNAME: no dynamic loader or preload library here (tests/qemu/run --with-qemu)"; exit 77; }
[ -d $S ] || insmod "$PSHARE_KO" || exit 1

finish() {
	[ -n "$pq" ] && kill $pq 2> /dev/null && wait $pq 2> /dev/null
	pq=
	default_rates
}
trap finish EXIT
trap 'exit 1' INT TERM
fast_scan
[ -w $P/madvise ] && echo 0 > $P/madvise
say "pshare madvise hook: $(cat $P/madvise 2> /dev/null || echo 'none (this module has no such parameter)')"

say "pshare-preload-check ksm (no LD_PRELOAD)"
pshare-preload-check ksm || bad "pshare-preload-check ksm"
say "LD_PRELOAD=$LIB PSHARE_PRELOAD_DEBUG=1 pshare-preload-check pshare"
LD_PRELOAD=$LIB PSHARE_PRELOAD_DEBUG=1 pshare-preload-check pshare ||
	bad "pshare-preload-check pshare"

if ! command -v qemu-system-x86_64 > /dev/null || [ ! -r $PAYLOAD ]; then
	say "no QEMU here: the helper only"
	exit $fail
fi

# The unmodified QEMU, with the library.
start_vm vmP LD_PRELOAD=$LIB PSHARE_PRELOAD_DEBUG=1; pq=$!
wait_filled vmP || exit 1
say "QEMU $pq under LD_PRELOAD ran the payload; $(rss $pq)"
grep 'pshare-preload' /tmp/vmP.log
reg=$(awk '/MERGEABLE\): registered/ { for (i = 1; i <= NF; i++) if ($i == "registered") n += $(i + 1) }
	   END { print n + 0 }' /tmp/vmP.log)
set -- $(ram_vma $pq); rp=$2
say "the library registered $reg pages of QEMU's RAM blocks with pshare (RAM: ${rp:-?} pages)"
[ -n "$rp" ] && [ "$reg" -ge "$rp" ] || bad "registered $reg pages, want at least the RAM, ${rp:-?}"
grep -qE 'MERGEABLE\): (no pshare|pshare refused)' /tmp/vmP.log &&
	bad "some MADV_MERGEABLE call of QEMU fell back to the kernel"
n=$(mg_vmas $pq)
[ "$n" = 0 ] || bad "QEMU under LD_PRELOAD has $n VM_MERGEABLE VMAs"
if [ $ctl = 1 ]; then
	psharectl list
	r=$(field $pq registered)
	[ "${r:-0}" -ge "${rp:-1}" ] || bad "psharectl list: QEMU $pq registered '$r' pages"
	[ "$(madvise_flag $pq)" = 0 ] || bad "psharectl list: QEMU $pq has the madvise flag"
fi
kill $pq; wait $pq 2> /dev/null; pq=

# The same QEMU without it: the kernel's KSM.
start_vm vmK; pq=$!
wait_filled vmK || exit 1
n=$(mg_vmas $pq)
say "QEMU $pq without LD_PRELOAD: $n VM_MERGEABLE VMAs; RAM VMA flags:$(ram_vma $pq | cut -d' ' -f3-)"
ram_vma $pq | grep -q ' mg' || bad "QEMU without LD_PRELOAD: RAM VMA not VM_MERGEABLE"
if [ $ctl = 1 ]; then
	[ -z "$(field $pq registered)" ] || bad "psharectl list shows QEMU $pq without LD_PRELOAD"
fi
say "done"
exit $fail
