#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build (or reuse) a pshare debug test kernel from Debian's linux-source of
# one series: 6.1 (Debian 12, the host's linux-source-6.1) or 6.12 (Debian 13,
# linux-source-6.12 fetched by scripts/trixie.sh).
#
# The config is minimal: allnoconfig, then tests/config/base.config (what the
# test guest needs), debug.config (the checkers) and debug-SERIES.config, if
# present. The result is cached outside the work tree, under $PSHARE_CACHE
# (default /var/cache/pshare), keyed by the linux-source package version and a
# hash of the fragments and of $recipe, so a change to any rebuilds. Bump
# $recipe whenever a change to this script changes what it builds.
#
#   testkernel.sh [SERIES]          build if needed, print the build directory
#   testkernel.sh [SERIES] --path   print the build directory the key selects
#   testkernel.sh [SERIES] --check  exit 0 only if that build is complete
#   testkernel.sh all               build both series
# SERIES is 6.1 (the default) or 6.12.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"
cache=$PSHARE_CACHE
jobs=${JOBS:-$(nproc)}

die() { echo "testkernel: $*" >&2; exit 1; }

series=6.1
case "${1:-}" in
6.1|6.12) series=$1; shift ;;
all)	"$0" 6.1 >/dev/null && "$0" 6.12 >/dev/null; exit ;;
esac
frags=("$top/tests/config/base.config" "$top/tests/config/debug.config")
[ -f "$top/tests/config/debug-$series.config" ] &&
	frags+=("$top/tests/config/debug-$series.config")
case "$series" in
6.1)
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -r "$tarball" ] || die "$tarball missing: run 'make deps' first"
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		die "linux-source-6.1 is not installed: run 'make deps' first"
	;;
6.12)
	t13=$("$top/scripts/trixie.sh" --env) ||
		die "Debian 13's kernel packages are not fetched: run 'make deps' first"
	tarball=$(sed -n 's/^T13_SOURCE=//p' <<< "$t13")
	srcver=$(sed -n 's/^T13_SRCVER=//p' <<< "$t13")
	[ -r "$tarball" ] || die "$tarball missing: run 'make deps' first"
	;;
esac
recipe="allnoconfig base debug bzImage modules v2"
hash=$( (cat "${frags[@]}"; echo "$recipe") | sha256sum | cut -c1-12)
src=$cache/src/linux-source-$srcver
out=$cache/kernel/$srcver-$hash

case "${1:-}" in
--path)  echo "$out"; exit 0 ;;
--check) [ -f "$out/.pshare-done" ]; exit ;;
esac

if [ -f "$out/.pshare-done" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
[ -f "$out/.pshare-done" ] && { echo "$out"; exit 0; }

if [ ! -f "$src/.pshare-extracted" ]; then
	echo "testkernel: extracting $tarball ($srcver)" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball" --strip-components=1
	touch "$src.tmp/.pshare-extracted"
	mv "$src.tmp" "$src"
fi

echo "testkernel: configuring $out" >&2
rm -rf "$out"
mkdir -p "$out"
make -s -C "$src" O="$out" allnoconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"${frags[@]}" >&2
make -s -C "$src" O="$out" olddefconfig >&2

# Every option of the fragments must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		if grep -q "^$opt=" "$out/.config"; then
			echo "testkernel: $opt should be off" >&2; missing=1
		fi ;;
	CONFIG_*=*) if ! grep -qxF "$line" "$out/.config"; then
			echo "testkernel: $line did not survive olddefconfig" >&2
			missing=1
		fi ;;
	esac
done < <(cat "${frags[@]}")
[ $missing -eq 0 ] || die "config fragment not satisfied"

export CCACHE_DIR=$cache/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-6G}
export KBUILD_BUILD_TIMESTAMP='2026-01-01 00:00 UTC' KBUILD_BUILD_USER=pshare KBUILD_BUILD_HOST=pshare
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
echo "testkernel: building with -j$jobs (CC=$cc); takes 13-15 min cold on 2 cores" >&2
start=$(date +%s)
make -s -C "$src" O="$out" CC="$cc" -j"$jobs" bzImage modules >&2
echo "testkernel: built in $(( $(date +%s) - start )) s" >&2
touch "$out/.pshare-done"
echo "$out"
