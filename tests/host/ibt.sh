#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: pshare.ko never calls a resolved kernel function indirectly.
#
# Debian 13's kernel is built with X86_KERNEL_IBT and seals the ENDBR64 of
# every function it never calls indirectly, which includes every function
# pshare resolves through kallsyms. Where the CPU enforces IBT, an indirect
# call to one is a #CP fault. QEMU's TCG does not enforce IBT, so no guest
# test can see such a call: this test reads the built object instead.
#
#   tests/host/ibt.sh [--ko FILE]   (default: build for Debian 13's kernel)
#
# Checks, on the disassembly and relocations of pshare.ko:
# - every function that mm/symbols.h resolves for that kernel has its static
#   call key and trampoline in the object, and nothing else refers to it;
# - the object has no indirect call or jump at all (call/jmp through a
#   register or memory, or a retpoline thunk), except the paravirt calls
#   through pv_ops that the kernel itself patches at load; so no resolved
#   address can be called indirectly;
# - every call of a static call trampoline is recorded in .static_call_sites,
#   where the kernel patches it into a direct call of the resolved function.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
. "$top/tests/host/lib/harness.sh"

ko=
if [ "${1:-}" = --ko ]; then
	ko=${2:?--ko FILE}
else
	kdir=$(pshare_stock_kdir 6.12)
	[ -n "$kdir" ] || { echo "not ok: no Debian 13 headers (make deps)"; exit 1; }
	grep -qx 'CONFIG_X86_KERNEL_IBT=y' "$kdir/.config"
	check $? "Debian 13's kernel $(pshare_kernelrelease "$kdir") has X86_KERNEL_IBT=y" ||
		true	# the object is checked all the same
	"$top/scripts/build-module.sh" "$kdir" "$tmp/build" > "$tmp/build.log" 2>&1 ||
		{ cat "$tmp/build.log"; echo "not ok: build"; exit 1; }
	ko=$tmp/build/mm/pshare.ko
fi
objdump -dr --no-show-raw-insn "$ko" > "$tmp/dis"

# The resolved functions: the static calls pshare_k_NAME that mm/symbols.h
# declares. Which of its versioned lists applies shows in the object:
# follow_page on 6.1, folio_walk_start on 6.12.
names=$(sed -n 's/^DECLARE_STATIC_CALL(pshare_k_\([a-z_0-9]*\),.*/\1/p' \
	"$top/mm/symbols.h" | sort -u)
nm "$ko" > "$tmp/nm"
expected=0 found=0
for n in $names; do
	if grep -q " __SCK__pshare_k_$n\$" "$tmp/nm"; then
		found=$((found + 1))
		grep -q " __SCT__pshare_k_$n\$" "$tmp/nm" ||
			bad "$n has a static call key but no trampoline"
	fi
	# No relocation may name the kernel function itself.
	if grep -qE "R_X86_64_[A-Z0-9_]+[[:space:]]+$n([-+]|\$)" "$tmp/dis"; then
		bad "the object refers to $n directly"
	fi
done
grep -q ' __SCK__pshare_k_kallsyms_lookup_name$' "$tmp/nm" && expected=1
if [ "$expected" -eq 1 ] && [ "$found" -ge 10 ]; then
	ok "$found resolved functions are static calls (kallsyms_lookup_name among them)"
else
	bad "$found resolved functions are static calls, kallsyms_lookup_name's: $expected"
fi

# Every indirect call or jump, with the function it is in and what it calls.
awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; next }
	/^ +[0-9a-f]+:\t/ { insn = $0; pend = (insn ~ /(call|jmp)[a-z]* +\*/); 
		if (pend) { where = fn; what = insn } ; next }
	/R_X86_64/ {
		if (pend) { print where, "indirect via", $NF; pend = 0; next }
		if ($NF ~ /__x86_indirect_(thunk|call_thunk|jump_thunk)/ &&
		    insn ~ /(call|jmp)/) print fn, "retpoline", $NF
		next
	}
	{ if (pend) { print where, "indirect", what; pend = 0 } }
' "$tmp/dis" | sed 's/:$//' > "$tmp/indirect"
grep -v ' indirect via pv_ops[+-]' "$tmp/indirect" > "$tmp/bad" || true
if [ -s "$tmp/bad" ]; then
	bad "indirect calls or jumps in pshare.ko ($(wc -l < "$tmp/bad")):"
	sed 's/^/    /' "$tmp/bad" | head -30
else
	ok "no indirect call or jump but $(wc -l < "$tmp/indirect") paravirt calls through pv_ops"
fi

# Calls (and tail calls) of the trampolines, and the static call sites
# recorded for them. (symbols.c also reads a trampoline's bytes back.)
calls=$(awk '/R_X86_64_(PLT32|PC32)[ \t]+__SCT__pshare_k_/ && prev ~ /\t(call|jmp) / { n++ }
	{ prev = $0 } END { print n + 0 }' "$tmp/dis")
sites=$(readelf -W -r "$ko" | awk '/^Relocation section .\.rela\.static_call_sites/ { on = 1; next }
	/^Relocation section/ { on = 0 } on && /__SCK__pshare_k_/ { n++ } END { print n + 0 }')
if [ "$calls" -gt 0 ] && [ "$sites" -eq "$calls" ]; then
	ok "$calls calls of resolved functions, each a recorded static call site"
else
	bad "$calls calls of resolved functions, $sites recorded as static call sites"
fi
host_done
