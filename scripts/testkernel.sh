#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build (or reuse) the pshare debug test kernel from Debian's linux-source-6.1.
#
# The result is cached outside the work tree, under $PSHARE_CACHE (default
# /var/cache/pshare), keyed by the linux-source package version and a hash of
# the config fragment and of $recipe, so a change to either rebuilds. Bump
# $recipe whenever a change to this script changes what it builds.
#
#   testkernel.sh          build if needed, print the build directory
#   testkernel.sh --path   print the build directory that the key selects
#   testkernel.sh --check  exit 0 only if that build is complete
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"
cache=$PSHARE_CACHE
frag=$top/tests/config/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-$(nproc)}

die() { echo "testkernel: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: run 'make deps' first"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed: run 'make deps' first"
recipe="x86_64_defconfig kvm_guest.config bzImage modules v1"
hash=$( (cat "$frag"; echo "$recipe") | sha256sum | cut -c1-12)
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
make -s -C "$src" O="$out" x86_64_defconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$src/kernel/configs/kvm_guest.config" "$frag" >&2
make -s -C "$src" O="$out" olddefconfig >&2

# Every option of the fragment must have survived olddefconfig.
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
done < "$frag"
[ $missing -eq 0 ] || die "config fragment not satisfied"

export CCACHE_DIR=$cache/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-6G}
export KBUILD_BUILD_TIMESTAMP='2026-01-01 00:00 UTC' KBUILD_BUILD_USER=pshare KBUILD_BUILD_HOST=pshare
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
echo "testkernel: building with -j$jobs (CC=$cc); takes 20-30 min cold" >&2
start=$(date +%s)
make -s -C "$src" O="$out" CC="$cc" -j"$jobs" bzImage modules >&2
echo "testkernel: built in $(( $(date +%s) - start )) s" >&2
touch "$out/.pshare-done"
echo "$out"
