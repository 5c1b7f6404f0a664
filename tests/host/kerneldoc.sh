#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: scripts/kernel-doc -Wall, from Debian's linux-source, reports
# nothing on pshare's kernel sources and headers: every documented function
# describes each parameter and its return value, every documented struct
# each member.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 6.12's kernel-doc (6.1's has no -Wall): from the extracted source of the
# debug kernel, else from Debian 13's linux-source (scripts/trixie.sh).
src=$(pshare_cached_source 6.12)
if [ -n "$src" ] && [ -f "$src/scripts/kernel-doc" ]; then
	cp "$src/scripts/kernel-doc" "$tmp/kernel-doc"
else
	env=$(scripts/trixie.sh --env 2>/dev/null) ||
		{ echo "not ok: no linux-source-6.12 (make deps)"; exit 1; }
	tarball=$(sed -n 's/^T13_SOURCE=//p' <<< "$env")
	tar -xOf "$tarball" linux-source-6.12/scripts/kernel-doc > "$tmp/kernel-doc"
fi
perl "$tmp/kernel-doc" -Wall -none mm/*.c mm/*.h include/pshare/*.h \
	include/uapi/linux/pshare.h > "$tmp/out" 2>&1 || true
if [ -s "$tmp/out" ]; then
	cat "$tmp/out"
	echo "not ok: kernel-doc reports $(wc -l < "$tmp/out") lines"
	exit 1
fi
echo "ok: kernel-doc -Wall is clean on mm/ and include/"
