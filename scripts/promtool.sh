#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch (or reuse) Debian 12's promtool, for the host test of psharectl metrics.
#
# promtool comes in Debian's package prometheus, whose postinst starts the
# Prometheus server: it is not installed. apt-get download fetches the
# host's candidate of the package (Debian 12: bookworm and its updates), and
# promtool and the package's copyright file alone are taken out of it into
# $PSHARE_CACHE/promtool/<package version>/. A version already there is
# reused without a download.
#
#   promtool.sh           set up if needed, print the path of promtool
#   promtool.sh --path    print the path of the newest set-up promtool; no
#                         network, exit 1 if there is none
#
# Results go to stdout, progress to stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"
base=$PSHARE_CACHE/promtool

die() { echo "promtool: $*" >&2; exit 1; }
say() { echo "promtool: $*" >&2; }

# The newest complete set-up, without touching the network.
newest_done() {
	local d
	d=$(find "$base" -mindepth 2 -maxdepth 2 -name .pshare-done -printf '%h\n' 2>/dev/null |
		sort -V | tail -n 1) || true
	[ -n "$d" ] && [ -x "$d/bin/promtool" ] ||
		die "not set up yet: run 'make deps' (or scripts/promtool.sh; needs network)"
	echo "$d/bin/promtool"
}

case "${1:-}" in
-h|--help) sed -n '3,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
--path) newest_done; exit 0 ;;
"") ;;
*) die "unknown argument '$1' (see --help)" ;;
esac

command -v apt-get > /dev/null && command -v dpkg-deb > /dev/null ||
	die "needs apt-get and dpkg-deb (a Debian host)"
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9

candidate() {
	apt-cache show --no-all-versions prometheus 2>/dev/null | sed -n 's/^Version: //p'
}
ver=$(candidate)
if [ -z "$ver" ] && [ "$(id -u)" -eq 0 ]; then
	say "no candidate for prometheus: apt-get update"
	apt-get update -q >&2
	ver=$(candidate)
fi
[ -n "$ver" ] || die "apt knows no package prometheus (apt-get update, as root?)"
case "$ver" in
*deb12*|2.42.*) ;;
*) say "warning: prometheus $ver is not Debian 12's (2.42.0+ds-5+deb12u1)" ;;
esac
out=$base/$ver
if [ -f "$out/.pshare-done" ] && [ -x "$out/bin/promtool" ]; then
	echo "$out/bin/promtool"
	exit 0
fi

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/deb" "$tmp/bin"
say "downloading prometheus $ver (about 19 MB)"
# The sandbox user _apt may not write into the cache: download as the caller.
(cd "$tmp/deb" && apt-get -q -o APT::Sandbox::User="$(id -un)" \
	download "prometheus=$ver" >&2)
deb=$(ls "$tmp"/deb/prometheus_*.deb)
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -C "$tmp" ./usr/bin/promtool ./usr/share/doc/prometheus/copyright
mv "$tmp/usr/bin/promtool" "$tmp/bin/promtool"
mv "$tmp/usr/share/doc/prometheus/copyright" "$tmp/copyright"
rm -rf "$tmp/usr" "$tmp/deb"
"$tmp/bin/promtool" --version > "$tmp/version" 2>&1 ||
	die "the extracted promtool does not run: $(cat "$tmp/version")"
say "$(head -n 1 "$tmp/version")"
touch "$tmp/.pshare-done"
rm -rf "$out"
mv "$tmp" "$out"
echo "$out/bin/promtool"
