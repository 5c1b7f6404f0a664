#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make deb: build pshare's Debian packages with Debian's own tooling
# (dpkg-buildpackage, debhelper, dh-dkms, debian/), into .build/deb/:
#
#   pshare-dkms_<version>_all.deb     the module's source, built by DKMS for
#                                     every installed 6.1 or 6.12 kernel
#   pshare-tools_<version>_amd64.deb  psharectl, psharetop, the LD_PRELOAD
#                                     library, man pages, bash completion,
#                                     pshare.service, pshare-metrics.timer,
#                                     /etc/pshare/pshare.conf
#
# The build runs in a copy of the sources, .build/deb/pshare-<version>/, so
# the work tree gets no build products. The version is mm/pshare.h's (the
# one the module reports in sysfs): debian/changelog is written into the
# copy from it, and debian/rules stops if dkms.conf or the tools say
# otherwise. Needs the Build-Depends of debian/control (make deps).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ver=$(sed -n 's/^#define PSHARE_VERSION[[:space:]]*"\(.*\)"$/\1/p' mm/pshare.h)
[ -n "$ver" ] || { echo "deb: no PSHARE_VERSION in mm/pshare.h" >&2; exit 1; }
out=$top/.build/deb
src=$out/pshare-$ver
rm -rf "$src"
rm -f "$out"/pshare*.deb "$out"/pshare_*.buildinfo "$out"/pshare_*.changes
mkdir -p "$src"

# What the packages are built from: no build products, no test machinery.
rsync -a --filter=':- .gitignore' --exclude=.git --exclude=/.build \
	Makefile Kbuild dkms.conf README.md debian mm include scripts tools \
	Documentation "$src/"
mkdir -p "$src/tests"
rsync -a --filter=':- .gitignore' tests/kunit tests/bench "$src/tests/"

# debian/changelog: this version, dated by the last commit (reproducible),
# or now outside a git checkout.
date=$(git log -1 --format=%cD 2>/dev/null) || date=
[ -n "$date" ] || date=$(date -R)
maint=$(sed -n 's/^Maintainer: //p' debian/control)
cat > "$src/debian/changelog" <<CHANGELOG
pshare ($ver) unstable; urgency=medium

  * pshare $ver, the version of mm/pshare.h, packaged by "make deb".

 -- $maint  $date
CHANGELOG

echo "deb: building pshare $ver in $src (log: $out/build.log)"
start=$(date +%s)
if ! (cd "$src" && nice dpkg-buildpackage -b --no-sign -j"$(nproc)") \
	> "$out/build.log" 2>&1; then
	tail -40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
	exit 1
fi
echo "deb: built in $(( $(date +%s) - start )) s:"
ls -1 "$out"/pshare-dkms_"$ver"_all.deb "$out"/pshare-tools_"$ver"_*.deb
