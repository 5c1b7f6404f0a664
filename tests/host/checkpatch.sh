#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: scripts/checkpatch.pl --strict from Debian's linux-source is
# clean on the kernel sources. Two kinds of report are accepted, and only
# where they cannot be avoided:
# - the compat header tests LINUX_VERSION_CODE and (on 6.1) defines the EXPORT
#   macro of <kunit/visibility.h>: that is its job;
# - sysfs.c's attribute macros paste their argument into several names
#   (MACRO_ARG_REUSE), which has no side effect.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$(pshare_cached_source)
if [ -n "$src" ] && [ -x "$src/scripts/checkpatch.pl" ]; then
	cp "$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
	   "$src/scripts/const_structs.checkpatch" "$tmp/" 2>/dev/null || true
else
	for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
		tar -xOf /usr/src/linux-source-6.1.tar.xz \
			"linux-source-6.1/scripts/$f" > "$tmp/$f"
	done
fi
cp="perl $tmp/checkpatch.pl --no-tree -f --strict --terse --show-types"
rc=0
$cp --ignore MACRO_ARG_REUSE mm/*.c mm/*.h tests/kunit/*.c tests/bench/*.c \
	include/uapi/linux/pshare.h include/pshare/tunables.h > "$tmp/out" || rc=1
$cp --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,EXPORT_SYMBOL,MACRO_ARG_UNUSED \
	include/pshare/compat.h >> "$tmp/out" || rc=1
grep -v '^total:' "$tmp/out" || true
[ $rc -eq 0 ] && echo "ok: checkpatch --strict is clean"
exit $rc
