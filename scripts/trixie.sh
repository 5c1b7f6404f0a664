#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Set up (or reuse) a Debian 13 build root and stock kernel, for pshare on 6.12.
#
# A Debian 12 host cannot build for Debian 13's kernel (gcc-14, GLIBC_2.38
# host tools, a newer pahole), so modules are built in a debootstrapped trixie
# root that holds the kernel's headers. The stock image and modules (for QEMU)
# and linux-source sit next to it. Everything is fetched through a private apt
# configuration, which leaves the host's sources and packages alone, and
# cached under $PSHARE_CACHE/trixie/<kernel package version>. The version is
# discovered at run time: the newest in trixie and trixie-security.
#
#   trixie.sh                   set up if needed, print the T13_* variables
#   trixie.sh --env             print them for the newest complete set-up;
#                               no network, exit 1 if there is none
#   trixie.sh [--bind HOST:DIR]... --run CMD...
#                               run CMD chrooted in that root (cwd /), with
#                               /proc, /dev and each HOST file or directory
#                               mounted at DIR
#
# The variables: T13_ROOT (the build root), T13_KREL (uname -r), T13_KDIR_IN_ROOT
# (the headers, as a path inside the root), T13_IMAGE (vmlinuz), T13_MODULES
# (lib/modules/<krel>), T13_SOURCE (linux-source tarball), T13_SRCVER. Results go
# to stdout, progress to stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"
base=$PSHARE_CACHE/trixie
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
root_pkgs=gcc-14,make,dwarves,libelf1t64,libc6-dev,bc,kmod,xz-utils
# Debian 13's programs that the tests use, installed in the root with its own
# apt and dpkg: stress-ng and trinity run in the test guests (qemu/run
# --with-pkg trixie:NAME), dkms (and rsync, which the module build uses)
# builds the module for 6.12 in tests/host/dkms.
# Added to a root that lacks them, so a new entry costs no new debootstrap.
test_pkgs=(stress-ng trinity dkms rsync)

die() { echo "trixie: $*" >&2; exit 1; }
say() { echo "trixie: $*" >&2; }

# Install what test_pkgs lists and ROOT lacks (network only if it does).
ensure_test_pkgs() {	# ROOT
	local root=$1 p missing=()
	for p in "${test_pkgs[@]}"; do
		dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' "$p" \
			2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing ${missing[*]} in the trixie root"
	run_in "$root" -- sh -c 'apt-get -q update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
		sh "${missing[@]}" >&2
}

# The newest complete set-up, without touching the network.
newest_done() {
	local d
	d=$(find "$base" -mindepth 2 -maxdepth 2 -name .pshare-done -printf '%h\n' 2>/dev/null |
		sort -V | tail -n 1) || true	# no $base yet: say so below
	[ -n "$d" ] || die "not set up yet: run scripts/trixie.sh (needs network)"
	echo "$d"
}

# Runs in a private mount namespace (see --run): the kernel drops these
# mounts when the command exits, however it exits, and concurrent runs do not
# see each other's binds.
ns_chroot() {
	set -euo pipefail
	local root=$1 b rc=0 made=()
	shift
	mount -t proc proc "$root/proc"
	mount --bind /dev "$root/dev"
	while [ "$1" != -- ]; do
		b=$1; shift
		if [ -d "${b%%:*}" ]; then
			mkdir -p "$root${b#*:}"
		elif [ ! -e "$root${b#*:}" ]; then
			mkdir -p "$(dirname "$root${b#*:}")"
			touch "$root${b#*:}"
			made+=("$root${b#*:}")
		fi
		mount --bind "${b%%:*}" "$root${b#*:}"
	done
	shift
	chroot "$root" /usr/bin/env \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" || rc=$?
	# A file's mount point was made for this run: take it away again.
	for b in "${made[@]}"; do
		umount "$b" && rm -f "$b"
	done
	return $rc
}
run_in() {	# run_in ROOT [HOST:DIR]... -- CMD...
	export -f ns_chroot
	unshare --mount --propagation private bash -c 'ns_chroot "$@"' ns_chroot "$@"
}

case "${1:-}" in
-h|--help) sed -n '3,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
--env) d=$(newest_done); cat "$d/env"; exit 0 ;;
--bind|--run)
	binds=()
	while [ "${1:-}" = --bind ]; do
		[[ "${2:-}" == /*:/* ]] || die "--bind wants HOSTDIR:ROOTDIR, absolute paths"
		[ -e "${2%%:*}" ] || die "--bind: no file or directory ${2%%:*}"
		binds+=("$2"); shift 2
	done
	[[ "${1:-}" = --run && $# -ge 2 ]] || die "usage: trixie.sh [--bind HOST:DIR]... --run CMD..."
	shift
	d=$(newest_done)
	run_in "$d/root" "${binds[@]}" -- "$@"
	exit ;;
"") ;;
*) die "unknown argument '$1' (see --help)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot, mount)"
mkdir -p "$base"
exec 9>"$PSHARE_CACHE/.trixie.lock"
flock 9

# Use the Debian mirror the host already uses: often the only one reachable.
host_mirror() {	# $1: debian or debian-security
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		if [ -f "$f" ]; then cat "$f"; fi
	done | awk -v want="$1" '{ sub(/#.*/, "") }
		{ for (i = 1; i <= NF; i++) if ($i ~ ("^https?://.*/" want "/?$")) {
			sub(/\/$/, "", $i); print $i; exit } }' || true
}
mirror=$(host_mirror debian)
secmirror=$(host_mirror debian-security)
mirror=${mirror:-http://deb.debian.org/debian}
secmirror=${secmirror:-http://deb.debian.org/debian-security}

# Private apt state: only these sources, lists and caches, no host pinning.
# The host's dpkg status is read (never written) because apt wants one.
a=$base/apt
mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/empty"
cat >"$a/sources.list" <<EOF
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $secmirror trixie-security main
EOF
apt=(-q -o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts="$a/empty"
	-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
	-o Dir::State::status=/var/lib/dpkg/status -o Dir::Etc::preferences="$a/empty/none"
	-o Dir::Etc::preferencesparts="$a/empty" -o APT::Architecture=amd64
	-o APT::Sandbox::User=root)
say "apt-get update (trixie, trixie-security from $mirror)"
apt-get "${apt[@]}" update >&2
candidate() { apt-cache "${apt[@]}" show --no-all-versions "$1" | sed -n 's/^Version: //p'; }
dep() {	# dep PKG REGEX: the dependency of PKG's candidate that matches REGEX
	apt-cache "${apt[@]}" depends "$1" |
		sed -n "s/^ *|\{0,1\}Depends: \($2\)\$/\1/p" | awk 'NR == 1'
}

# The metapackage's candidate is the newest across both suites.
img=$(dep linux-image-amd64 'linux-image-[0-9][^ ]*-amd64')
[ -n "$img" ] || die "cannot resolve linux-image-amd64 in trixie"
abi=${img#linux-image-}; abi=${abi%-amd64}	# e.g. 6.12.118+deb13
mm=$(echo "$abi" | cut -d. -f1,2)		# e.g. 6.12
hdr=linux-headers-$abi-amd64
ver=$(candidate "$hdr")
common=$(dep "$hdr" "linux-headers-$abi-common")
kbuild=$(dep "$hdr" 'linux-kbuild-[^ ]*')
[[ -n $ver && -n $common && -n $kbuild ]] || die "cannot resolve $hdr's dependencies"
out=$base/$ver
say "newest trixie kernel: $abi ($ver)"
if [ -f "$out/.pshare-done" ]; then
	ensure_test_pkgs "$out/root"
	cat "$out/env"
	exit 0
fi

# Start afresh. Unmount what an interrupted debootstrap may have left first,
# and never let rm cross into a mount.
tmp=$out.tmp
findmnt -rn -o TARGET | { grep -F "$tmp/" || true; } | sort -r | xargs -r -d '\n' umount -l
rm -rf --one-file-system "$tmp"
mkdir -p "$tmp/debs"
start=$(date +%s)

# linux-source must be the kernel's own version: pin it, fail otherwise.
say "downloading $img $hdr $common $kbuild linux-source-$mm"
(cd "$tmp/debs" && apt-get "${apt[@]}" download "$img" "$hdr=$ver" \
	"$common=$ver" "$kbuild=$ver" "linux-source-$mm=$ver" >&2)

if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap on the host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2
fi
say "debootstrap trixie (1-2.5 min)"
debootstrap --variant=minbase --include="$root_pkgs" trixie "$tmp/root" "$mirror" >&2
rm -f "$tmp"/root/var/cache/apt/archives/*.deb

# The amd64 headers include the -common ones by absolute path: same root.
for p in "$hdr" "$common" "$kbuild"; do
	dpkg -x "$tmp/debs/${p}_"*.deb "$tmp/root"
done
kdir=/usr/src/$hdr
krel=$(pshare_kernelrelease "$tmp/root$kdir")
[ -n "$krel" ] || die "no UTS_RELEASE in $kdir"

say "extracting $img and linux-source-$mm"
dpkg -x "$tmp/debs/${img}_"*.deb "$tmp/image"
moddir=lib/modules/$krel	# trixie's merged /usr may move it
[ -d "$tmp/image/$moddir" ] || moddir=usr/$moddir
[[ -f $tmp/image/boot/vmlinuz-$krel && -d $tmp/image/$moddir ]] ||
	die "$img lacks vmlinuz or modules for $krel"
dpkg-deb --fsys-tarfile "$tmp/debs/linux-source-${mm}_"*.deb |
	tar -xO "./usr/src/linux-source-$mm.tar.xz" >"$tmp/linux-source-$mm.tar.xz"

# Prove the root builds a module that the stock kernel would accept.
say "test build of a trivial module"
mkdir -p "$tmp/root/tmp/t13probe"
echo 'obj-m := t13probe.o' >"$tmp/root/tmp/t13probe/Kbuild"
cat >"$tmp/root/tmp/t13probe/t13probe.c" <<'EOF'
#include <linux/module.h>
static int __init t13probe_init(void) { return 0; }
static void __exit t13probe_exit(void) { }
module_init(t13probe_init);
module_exit(t13probe_exit);
MODULE_LICENSE("GPL");
EOF
run_in "$tmp/root" -- make -s -C "$kdir" M=/tmp/t13probe modules >&2
vermagic=$(modinfo -F vermagic "$tmp/root/tmp/t13probe/t13probe.ko")
say "vermagic: $vermagic"
[ "${vermagic%% *}" = "$krel" ] || die "vermagic '$vermagic' does not match $krel"
rm -rf "$tmp/root/tmp/t13probe" "$tmp/debs"
ensure_test_pkgs "$tmp/root"

{
	printf 'T13_ROOT=%q\n' "$out/root"
	printf 'T13_KREL=%q\n' "$krel"
	printf 'T13_KDIR_IN_ROOT=%q\n' "$kdir"
	printf 'T13_IMAGE=%q\n' "$out/image/boot/vmlinuz-$krel"
	printf 'T13_MODULES=%q\n' "$out/image/$moddir"
	printf 'T13_SOURCE=%q\n' "$out/linux-source-$mm.tar.xz"
	printf 'T13_SRCVER=%q\n' "$ver"
} >"$tmp/env"
touch "$tmp/.pshare-done"
rm -rf --one-file-system "$out"
mv "$tmp" "$out"
say "set up in $(( $(date +%s) - start )) s, $(du -sh "$out" | cut -f1) in $out"
cat "$out/env"
