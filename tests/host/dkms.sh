#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: dkms.conf builds and installs pshare, for Debian 12's kernel
# and for Debian 13's. A copy of the sources goes through dkms add, build,
# install and remove in temporary source, DKMS and install trees, so that
# the machine keeps nothing: the built module's vermagic must be that
# kernel's, and /usr/src, /var/lib/dkms and /lib/modules/<release> must be as
# before. (dkms.conf puts the layout cache of scripts/kabi-gen.sh in the
# DKMS build directory, which DKMS deletes after the build.)
#
#   dkms.sh                 both: the newest Debian 6.1 headers with the
#                           host's dkms, then Debian 13's 6.12 headers with
#                           Debian 13's dkms, inside the trixie build root
#                           (scripts/trixie.sh), where the stock image, its
#                           modules and linux-source-6.12 are mounted where a
#                           Debian 13 host has them
#   dkms.sh --kdir KDIR     one kernel's headers, with this system's dkms
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
cd "$top"

fail() { echo "not ok: $*"; exit 1; }
if [ "${1:-}" != --kdir ]; then
	kdir=$(pshare_default_kdir)
	[ -n "$kdir" ] || fail "no Debian 6.1 headers (make deps)"
	"$0" --kdir "$kdir"
	t13=$(scripts/trixie.sh --env) || fail "no Debian 13 set-up (make deps)"
	get() { sed -n "s/^$1=//p" <<< "$t13"; }
	krel=$(get T13_KREL)
	echo "--- Debian 13: $krel, in the trixie build root"
	scripts/trixie.sh --bind "$top:/pshare-src" \
		--bind "$(get T13_IMAGE):/boot/vmlinuz-$krel" \
		--bind "$(get T13_MODULES):/lib/modules/$krel" \
		--bind "$(get T13_SOURCE):/usr/src/linux-source-6.12.tar.xz" \
		--run /pshare-src/tests/host/dkms.sh --kdir "$(get T13_KDIR_IN_ROOT)"
	exit
fi
kdir=$2
command -v dkms > /dev/null || fail "dkms is not installed (make deps)"
[ "$(id -u)" -eq 0 ] || fail "dkms needs root"
krel=$(pshare_kernelrelease "$kdir")
[ -n "$krel" ] || fail "no kernel release in $kdir"
arch=$(uname -m)
echo "--- $krel: $(dkms --version)"
ver=$(sed -n 's/^#define PSHARE_VERSION[[:space:]]*"\(.*\)"$/\1/p' mm/pshare.h)
conf_ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
[ -n "$ver" ] && [ "$ver" = "$conf_ver" ] ||
	fail "dkms.conf has version '$conf_ver', mm/pshare.h '$ver'"
echo "ok: dkms.conf version $conf_ver is the module's"

tmp=$(mktemp -d)
# DKMS signs with /var/lib/dkms/mok.{key,pub}, and makes them if missing:
# remove them again if this test made them.
keep=()
for f in /var/lib/dkms/mok.key /var/lib/dkms/mok.pub; do
	[ -e "$f" ] && keep+=("$f")
done
cleanup() {
	local f
	for f in /var/lib/dkms/mok.key /var/lib/dkms/mok.pub; do
		case " ${keep[*]} " in *" $f "*) ;; *) rm -f "$f" ;; esac
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
state() {
	find /usr/src /var/lib/dkms -maxdepth 2 ! -name mok.key ! -name mok.pub |
		sort
	find "/lib/modules/$krel" -maxdepth 1 -printf '%p %s %T@\n' | sort
	find "/lib/modules/$krel" -name 'pshare.ko*'
}
before=$(state)

# The sources, as `dkms add .` would copy them from a checkout.
src=$tmp/src/pshare-$ver
mkdir -p "$src" "$tmp/dkms" "$tmp/install/$krel"
rsync -aR --include='*/' --include='*.c' --include='*.h' --include='Kbuild' \
	--include='*.sh' --include='dkms.conf' --exclude='*' \
	dkms.conf Kbuild mm include scripts tests/kunit tests/bench "$src/"
trees=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms"
       --installtree "$tmp/install")

dkms add -m pshare -v "$ver" "${trees[@]}" > "$tmp/add.log" 2>&1 ||
	{ cat "$tmp/add.log"; fail "dkms add"; }
echo "ok: dkms add"
if ! dkms build -m pshare -v "$ver" -k "$krel" --kernelsourcedir "$kdir" \
	"${trees[@]}" > "$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	tail -40 "$tmp"/dkms/pshare/"$ver"/build/make.log 2>/dev/null || true
	fail "dkms build for $krel"
fi
ko=$(ls "$tmp/dkms/pshare/$ver/$krel/$arch/module/"pshare.ko* 2>/dev/null | head -1)
[ -n "$ko" ] || { cat "$tmp/build.log"; fail "dkms build left no pshare.ko"; }
echo "ok: dkms build for $krel: $(basename "$ko")"

vermagic=$(modinfo -F vermagic "$ko")
zram=$(ls "/lib/modules/$krel/kernel/drivers/block/zram/zram.ko"* | head -n 1)
stock=$(modinfo -F vermagic "$zram")
[ "$vermagic" = "$stock" ] && [ "${vermagic%% *}" = "$krel" ] ||
	fail "vermagic '$vermagic', the stock modules have '$stock'"
echo "ok: vermagic '$vermagic'"
[ "$(modinfo -F version "$ko")" = "$ver" ] ||
	fail "module version '$(modinfo -F version "$ko")', want $ver"
[ "$(modinfo -F license "$ko")" = GPL ] || fail "license"

dkms install -m pshare -v "$ver" -k "$krel" --no-depmod "${trees[@]}" \
	> "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "dkms install"; }
[ -f "$tmp/install/$krel/updates/dkms/pshare.ko" ] ||
	{ cat "$tmp/install.log"; fail "dkms install put no pshare.ko in updates/dkms"; }
dkms status -m pshare "${trees[@]}" | grep "pshare/$ver, $krel, $arch: installed" > /dev/null ||
	fail "dkms status: $(dkms status -m pshare "${trees[@]}")"
echo "ok: dkms install (into the temporary install tree): $(dkms status -m pshare "${trees[@]}")"

dkms remove -m pshare -v "$ver" --all --no-depmod "${trees[@]}" \
	> "$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log"; fail "dkms remove"; }
[ ! -e "$tmp/install/$krel/updates/dkms/pshare.ko" ] && [ ! -e "$tmp/dkms/pshare" ] ||
	fail "dkms remove left the module behind"
echo "ok: dkms remove"

after=$(state)
[ "$before" = "$after" ] || {
	diff <(echo "$before") <(echo "$after") || true
	fail "the machine's /usr/src, /var/lib/dkms or /lib/modules/$krel changed"
}
echo "ok: nothing left in /usr/src, /var/lib/dkms, /lib/modules/$krel"
