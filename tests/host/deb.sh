#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: the Debian packages of make deb (scripts/deb.sh).
# - They build with Debian's tooling; lintian finds no error in either
#   (every tag it reports is printed).
# - systemd-analyze verify accepts the units, with the package's psharectl
#   and man pages; the man pages render with man -l and groff -ww without
#   a warning, and lexgrog reads their NAME; pshare(4) has every sysfs file
#   of the ABI document; the conffile is there, every line commented out.
# - Installed for real, in a throwaway copy of a Debian 12 and of a Debian
#   13 root, apt installs both .debs with their dependencies from the
#   archive; DKMS (the postinst) builds pshare.ko for that root's kernel,
#   the release of its headers, into updates/dkms, with that kernel's
#   vermagic (the stock zram.ko's); psharectl and psharetop run; neither
#   unit is enabled. apt remove takes the module, its DKMS tree,
#   /usr/src/pshare-*, the tools and units away and keeps
#   /etc/pshare/pshare.conf (a conffile); apt purge takes that too: no file
#   named *pshare* is left that was not there before.
# The roots: Debian 13's is scripts/trixie.sh's build root with its stock
# image's files under it (a second lower layer); Debian 12's is
# debootstrapped once with linux-headers-amd64 and linux-source-6.1 and the
# image's files, cached in $PSHARE_CACHE/bookworm/<headers version>. Each
# run mounts an overlay on the cached root (upper layer in a temporary
# directory under /var/tmp) in a private mount namespace, so no mount and
# no change to the cache is left behind; apt's downloads are kept in
# $PSHARE_CACHE/pkgtest-apt/<release>. Needs root and the archive (apt
# update). About 90 s warm (10 s of it make deb), 5 minutes the first
# time (debootstrap).
# Before the purge, each root's installed files that a guest needs are
# staged in .build/pkgtest/<release> (see pkgtest.sh below): the DKMS-built
# module with depmod's indexes, pshare.service, pshare.conf, psharectl and
# the programs the unit runs, with their libraries.
#
#   tests/host/deb.sh                      the host test above (make check)
#   tests/host/deb.sh --guest [RELEASE...] the guest half, from what the last
#                                          run staged (bookworm, trixie, or
#                                          both): boot RELEASE's stock kernel
#                                          (qemu/run --kernel stock-6.1 or
#                                          stock-6.12 --no-module) with those
#                                          files and run tests/guest/t_package.sh:
#                                          pshare.service's own commands, the
#                                          settings of pshare.conf in sysfs,
#                                          merges in psharectl metrics, the
#                                          unload. 2 to 7 minutes a boot under
#                                          TCG; needs the guest slot, not root.
#                                          With PSHARE_RESULTS=FILE, the
#                                          guest's verdicts are appended to
#                                          FILE (make check's results).
# make check-packages runs both.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
. "$top/tests/host/lib/harness.sh"
cd "$top"
start_all=$(date +%s)

ver=$(sed -n 's/^#define PSHARE_VERSION[[:space:]]*"\(.*\)"$/\1/p' mm/pshare.h)
deb=$top/.build/deb
dkms_deb=$deb/pshare-dkms_${ver}_all.deb
tools_deb=$deb/pshare-tools_${ver}_amd64.deb

# --- the guest half: deb.sh --guest ---
# Each release's staged files, checked against the current .debs and the
# stock kernel qemu/run boots, then one boot each; its verdicts counted here.
guest() {	# RELEASE...
	local rel series stage krel kdir boot name t0 rc adds f v
	for rel in "$@"; do
		case "$rel" in
		bookworm) series=6.1 ;;
		trixie) series=6.12 ;;
		*) echo "deb.sh: --guest takes bookworm or trixie, not $rel" >&2; exit 2 ;;
		esac
		stage=$top/.build/pkgtest/$rel
		echo "=== $rel: the packages in a guest, on the stock-$series kernel"
		if [ ! -f "$stage/pkgtest.env" ]; then
			bad "$rel: nothing staged in $stage: run tests/host/deb.sh (as root) first"
			continue
		fi
		krel=$(sed -n 's/^KREL=//p' "$stage/pkgtest.env")
		if [ "$(sed -n 's/^DEBS_SHA256=//p' "$stage/pkgtest.env")" != \
		     "$(cat "$dkms_deb" "$tools_deb" 2>/dev/null | sha256sum | cut -d' ' -f1)" ]; then
			bad "$rel: staged from other packages than .build/deb's (pshare $ver): run tests/host/deb.sh again"
			continue
		fi
		ok "$rel: staged from the packages in .build/deb (pshare $ver)"
		kdir=$(pshare_stock_kdir "$series")
		boot=${kdir:+$(pshare_kernelrelease "$kdir")}
		if [ "$boot" != "$krel" ]; then
			bad "$rel: DKMS built for $krel, but the stock-$series kernel qemu/run boots is ${boot:-missing (make deps)}"
			continue
		fi
		ok "$rel: DKMS built for $krel, the stock-$series kernel qemu/run boots"
		adds=(--add "$stage/pkgtest.env:/etc/pshare-pkgtest.env")
		while IFS= read -r f; do
			adds+=(--add "$stage/root$f:$f")
		done < <(cd "$stage/root" && find . ! -type d | sed 's|^\.||' | sort)
		name=package-$krel
		: > "$tmp/results"
		t0=$(date +%s)
		tests/qemu/run --kernel "stock-$series" --name "$name" --no-module \
			--suite tests/guest/package.list "${adds[@]}" --quiet \
			--results "$tmp/results" 2>&1 | sed 's/^/    | /'
		rc=${PIPESTATUS[0]}
		# The test's own lines, from the console log.
		awk '/^PSHARE-GUEST: running package:/ { on = 1; next }
		     /^PSHARE-TEST: package / { on = 0 } on' "$top/.build/qemu-$name.log" 2>/dev/null |
			sed 's/^/    | /'
		while read -r v f; do
			case "$v" in
			PASS) ok "$f" ;;
			*) bad "$f ($v)" ;;
			esac
		done < "$tmp/results"
		# make check counts the guest's verdicts with its own.
		[ -z "${PSHARE_RESULTS:-}" ] || cat "$tmp/results" >> "$PSHARE_RESULTS"
		grep -q "^PASS $name/package\$" "$tmp/results"
		check $? "$rel: t_package.sh passed in the guest (qemu/run exit $rc, $(( $(date +%s) - t0 )) s; log .build/qemu-$name.log)"
	done
}
if [ "${1:-}" = --guest ]; then
	shift
	if [ $# -eq 0 ]; then set -- bookworm trixie; fi
	guest "$@"
	echo "=== the packages in guests, in $(( $(date +%s) - start_all )) s"
	host_done
	exit
fi
[ $# -eq 0 ] || { echo "deb.sh: unknown argument $1 (--guest [RELEASE...])" >&2; exit 2; }
start=$(date +%s)
scripts/deb.sh > "$tmp/deb.log" 2>&1
check $? "make deb ($(( $(date +%s) - start )) s)" || sed 's/^/    | /' "$tmp/deb.log" | tail -20
[ -f "$dkms_deb" ] && [ -f "$tools_deb" ]
check $? "  pshare-dkms_${ver}_all.deb and pshare-tools_${ver}_amd64.deb"
if [ ! -f "$dkms_deb" ] || [ ! -f "$tools_deb" ]; then
	host_done
	exit
fi

# --- lintian: no error; the rest listed ---
if command -v lintian > /dev/null; then
	lintian --display-info --display-experimental --pedantic "$dkms_deb" "$tools_deb" \
		> "$tmp/lintian" 2>&1
	sed 's/^/    | /' "$tmp/lintian" | grep -v 'running with root privileges' || true
	! grep -q '^E: ' "$tmp/lintian"
	check $? "lintian: no E: line ($(grep -c '^[WIPX]: ' "$tmp/lintian") other tags)"
else
	bad "lintian is not installed (make deps)"
fi

# --- contents ---
dpkg-deb -c "$dkms_deb" | awk '{ print $6 }' > "$tmp/dkms.list"
dpkg-deb -c "$tools_deb" | awk '{ print $6 }' > "$tmp/tools.list"
for f in dkms.conf Kbuild mm/main.c mm/pshare.h include/uapi/linux/pshare.h \
	 scripts/build-module.sh scripts/kabi-gen.sh scripts/common.sh \
	 tests/bench/Kbuild tests/kunit/Kbuild; do
	grep -qx "./usr/src/pshare-$ver/$f" "$tmp/dkms.list" || missing+=" $f"
done
[ -z "${missing:-}" ]
check $? "pshare-dkms holds the module's source in /usr/src/pshare-$ver${missing:+; missing:$missing}"
missing=
for f in usr/sbin/psharectl usr/sbin/psharetop etc/pshare/pshare.conf \
	 usr/lib/x86_64-linux-gnu/pshare/libpshare-preload.so \
	 lib/systemd/system/pshare.service lib/systemd/system/pshare-metrics.service \
	 lib/systemd/system/pshare-metrics.timer \
	 usr/share/man/man4/pshare.4.gz usr/share/man/man8/psharectl.8.gz \
	 usr/share/man/man8/psharetop.8.gz \
	 usr/share/bash-completion/completions/psharectl \
	 usr/share/bash-completion/completions/psharetop; do
	grep -qx "./$f" "$tmp/tools.list" || missing+=" $f"
done
[ -z "$missing" ]
check $? "pshare-tools holds the tools, library, units, conffile, man pages, completion${missing:+; missing:$missing}"
dpkg-deb -e "$tools_deb" "$tmp/ctrl"
[ "$(cat "$tmp/ctrl/conffiles")" = /etc/pshare/pshare.conf ]
check $? "  /etc/pshare/pshare.conf is its conffile"
dpkg-deb -f "$dkms_deb" Depends | grep -q 'dkms' &&
	dpkg-deb -f "$dkms_deb" Depends | grep -q 'linux-source-6.1 | linux-source-6.12'
check $? "  pshare-dkms depends on: $(dpkg-deb -f "$dkms_deb" Depends)"

# --- the units, from the unpacked package ---
root=$tmp/root
dpkg-deb -x "$tools_deb" "$root"
# The units as installed, but with the package's psharectl and man pages
# (--root would want a whole system under it).
mkdir -p "$tmp/units"
for u in "$root"/lib/systemd/system/pshare*; do
	sed "s|/usr/sbin/psharectl|$root/usr/sbin/psharectl|g" "$u" > "$tmp/units/${u##*/}"
done
units=("$tmp"/units/*)
MANPATH=$root/usr/share/man systemd-analyze verify "${units[@]}" > "$tmp/verify" 2>&1
check $? "systemd-analyze verify ${units[*]##*/}" || sed 's/^/    | /' "$tmp/verify"
[ ! -s "$tmp/verify" ]
check $? "  says nothing"
grep -qx 'Type=oneshot' "$root/lib/systemd/system/pshare.service" &&
	grep -qx 'RemainAfterExit=yes' "$root/lib/systemd/system/pshare.service" &&
	grep -qx 'ExecStart=/usr/sbin/psharectl load /etc/pshare/pshare.conf' "$root/lib/systemd/system/pshare.service" &&
	grep -qx 'ExecStop=/sbin/modprobe -r pshare' "$root/lib/systemd/system/pshare.service"
check $? "  pshare.service: oneshot, psharectl load, modprobe -r on stop"
grep -qx 'ExecStart=/usr/sbin/psharectl metrics --output /var/lib/prometheus/node-exporter/pshare.prom' \
	"$root/lib/systemd/system/pshare-metrics.service" &&
	grep -qx 'OnCalendar=\*:\*:00/15' "$root/lib/systemd/system/pshare-metrics.timer"
check $? "  pshare-metrics: every 15 s into node_exporter's textfile directory"
applied=$(PSHARE_SYSFS=$tmp/none "$root/usr/sbin/psharectl" apply "$root/etc/pshare/pshare.conf" 2>&1)
! grep -qE '^[^#]' "$root/etc/pshare/pshare.conf" &&
	grep -q 'is the pshare module loaded' <<< "$applied"
check $? "  pshare.conf: every line a comment; psharectl apply reads it"

# --- the man pages ---
for m in "$root"/usr/share/man/man*/*.gz; do
	name=$(basename "$m" .gz)
	MANWIDTH=80 man -l -Tutf8 "$m" 2> "$tmp/man.err" > "$tmp/man.out"
	[ $? -eq 0 ] && [ ! -s "$tmp/man.err" ] && [ "$(wc -l < "$tmp/man.out")" -gt 20 ]
	check $? "man -l $name: renders, no warning ($(wc -l < "$tmp/man.out") lines)" ||
		sed 's/^/    | /' "$tmp/man.err" | head
	zcat "$m" | groff -ww -z -man -Tutf8 > "$tmp/groff.err" 2>&1 && [ ! -s "$tmp/groff.err" ]
	check $? "  groff -ww -z -man: no warning" || sed 's/^/    | /' "$tmp/groff.err" | head
	lexgrog "$m" > "$tmp/lexgrog" 2>&1
	check $? "  lexgrog: $(cut -d: -f2- "$tmp/lexgrog")"
done
MANWIDTH=80 man -l "$root/usr/share/man/man4/pshare.4.gz" 2>/dev/null | col -b > "$tmp/pshare.4.txt"
missing=
for f in $(sed -n 's|^What:.*/pshare/||p' Documentation/ABI/testing/sysfs-kernel-mm-pshare) \
	 group madvise PSHARE_IOC_VERSION PSHARE_IOC_REGISTER PSHARE_IOC_QUERY \
	 PSHARE_IOC_REGISTER_TARGET PSHARE_IOC_SET_TARGET PSHARE_IOC_LIST; do
	grep -qE "^       $f\$|^       $f( |,)|^       .*\\b$f\\b" "$tmp/pshare.4.txt" || missing+=" $f"
done
[ -z "$missing" ]
check $? "pshare(4) has every sysfs file of the ABI document, the parameters, the ioctls${missing:+; not:$missing}"

# --- installed, in throwaway Debian 12 and Debian 13 roots ---
if [ "$(id -u)" -ne 0 ]; then
	bad "installing needs root (debootstrap, chroot, mount)"
	host_done
	exit
fi
debs=("$dkms_deb" "$tools_deb")

# The Debian mirrors the host uses (often the only ones reachable).
host_mirror() {	# debian or debian-security
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		if [ -f "$f" ]; then cat "$f"; fi
	done | awk -v want="$1" '{ sub(/#.*/, "") }
		{ for (i = 1; i <= NF; i++) if ($i ~ ("^https?://.*/" want "/?$")) {
			sub(/\/$/, "", $i); print $i; exit } }' || true
}
mirror=$(host_mirror debian); mirror=${mirror:-http://deb.debian.org/debian}
secmirror=$(host_mirror debian-security); secmirror=${secmirror:-http://deb.debian.org/debian-security}
sources() {	# RELEASE: its sources.list
	echo "deb $mirror $1 main"
	echo "deb $mirror $1-updates main"
	echo "deb $secmirror $1-security main"
}

# Debian 12's root: debootstrap, then the newest linux-headers-amd64 and
# linux-source-6.1 with the root's own apt, and the files of the image
# package its headers are for (/boot/vmlinuz-<release> for the BTF, the
# stock modules for their vermagic), not registered with dpkg.
bookworm_root() {
	local base=$PSHARE_CACHE/bookworm d out tmpd img krel
	mkdir -p "$base"
	exec 8>"$PSHARE_CACHE/.bookworm.lock"
	flock 8
	d=$(find "$base" -mindepth 2 -maxdepth 2 -name .pshare-done -printf '%h\n' 2>/dev/null |
		sort -V | tail -n 1)
	if [ -n "$d" ] && [ -z "${PSHARE_REFRESH:-}" ]; then
		echo "$d/root"
		return 0
	fi
	tmpd=$base/new.tmp
	rm -rf --one-file-system "$tmpd"
	mkdir -p "$tmpd"
	echo "packages: debootstrap bookworm (a few minutes, once)" >&2
	debootstrap --variant=minbase bookworm "$tmpd/root" "$mirror" > "$tmpd/debootstrap.log" 2>&1 ||
		{ tail -20 "$tmpd/debootstrap.log" >&2; return 1; }
	sources bookworm > "$tmpd/root/etc/apt/sources.list"
	cat > "$tmpd/root/tmp/setup.sh" <<'SETUP'
#!/bin/sh
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get -q update
apt-get install -y -q --no-install-recommends linux-headers-amd64 linux-source-6.1
img=$(apt-cache depends linux-image-amd64 |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
cd /tmp
apt-get download "$img"
rm -f /tmp/setup.sh
apt-get clean
SETUP
	chmod +x "$tmpd/root/tmp/setup.sh"
	unshare --mount --propagation private bash -c '
		set -e
		mount -t proc proc "$1/proc"
		mount --bind /dev "$1/dev"
		chroot "$1" /tmp/setup.sh
	' packages "$tmpd/root" > "$tmpd/apt.log" 2>&1 || { tail -20 "$tmpd/apt.log" >&2; return 1; }
	# The image's files, where the package would put them (merged /usr).
	dpkg -x "$tmpd"/root/tmp/linux-image-*.deb "$tmpd/image"
	rm -f "$tmpd"/root/tmp/linux-image-*.deb
	cp -a "$tmpd/image/boot/." "$tmpd/root/boot/"
	cp -a "$tmpd/image/lib/modules/." "$tmpd/root/usr/lib/modules/"
	rm -rf "$tmpd/image"
	krel=$(ls "$tmpd/root/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
	[ -n "$krel" ] && [ -e "$tmpd/root/lib/modules/$krel/build" ] ||
		{ echo "packages: no kernel headers and image in the bookworm root" >&2; return 1; }
	out=$base/$(chroot "$tmpd/root" dpkg-query -W -f='${Version}' "linux-headers-$krel")
	touch "$tmpd/.pshare-done"
	rm -rf --one-file-system "$out"
	mv "$tmpd" "$out"
	echo "$out/root"
}

# What runs in the root, as its /tmp/pkgtest.sh: ok/not ok lines.
cat > "$tmp/pkgtest.sh" <<'INNER'
#!/bin/bash
set -uo pipefail
krel=$1 ver=$2
ok() { echo "ok: $*"; }
bad() { echo "not ok: $*"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else bad "$2"; fi; return "$1"; }
export DEBIAN_FRONTEND=noninteractive
pshare_files() {
	find / -xdev \( -path /proc -o -path /tmp -o -path /var/cache/apt \) -prune -o \
		-name '*pshare*' -print | sort
}
before=$(pshare_files)
# The image's files are unpacked, not installed: its postinst's depmod.
[ -e /lib/modules/$krel/modules.dep ] || depmod -a "$krel"
apt-get -q -o APT::Sandbox::User=root update > /tmp/update.log 2>&1 ||
	{ tail /tmp/update.log; bad "apt-get update"; exit 1; }
t0=$(date +%s)
apt-get -q -o APT::Sandbox::User=root install -y --no-install-recommends \
	/tmp/debs/pshare-dkms_*.deb /tmp/debs/pshare-tools_*.deb > /tmp/install.log 2>&1
check $? "apt install of both packages, with their dependencies ($(( $(date +%s) - t0 )) s)" ||
	{ tail -40 /tmp/install.log; tail -40 /var/lib/dkms/pshare/$ver/build/make.log 2>/dev/null; exit 1; }
grep -E '^(Building|Done|Skipped|Module build|Loading|Setting up (dkms|pshare))' /tmp/install.log | sed 's/^/    | /'
ko=$(ls /lib/modules/$krel/updates/dkms/pshare.ko* 2>/dev/null | head -n 1)
[ -n "$ko" ]
check $? "DKMS built and installed pshare.ko for $krel: ${ko:-none}" ||
	{ dkms status; tail -40 /var/lib/dkms/pshare/$ver/build/make.log 2>/dev/null; }
status=$(dkms status -m pshare 2>&1)
grep -q "pshare/$ver, $krel, x86_64: installed" <<< "$status"
check $? "  dkms status: $status"
if [ -n "$ko" ]; then
	vm=$(modinfo -F vermagic "$ko")
	zram=$(ls /lib/modules/$krel/kernel/drivers/block/zram/zram.ko* 2>/dev/null | head -n 1)
	stock=${zram:+$(modinfo -F vermagic "$zram")}
	[ "${vm%% *}" = "$krel" ] && { [ -z "$stock" ] || [ "$vm" = "$stock" ]; }
	note=
	[ -z "$stock" ] || note=" (as the stock zram.ko)"
	check $? "  vermagic: $vm$note"
	[ "$(modinfo -F version "$ko")" = "$ver" ]
	check $? "  module version $(modinfo -F version "$ko")"
	grep -q "updates/dkms/pshare.ko" /lib/modules/$krel/modules.dep
	check $? "  depmod ran: modules.dep lists it"
fi
version=$(psharectl version 2>&1)
psharectl --help > /dev/null && psharetop -h > /dev/null &&
	grep -q "^psharectl $ver " <<< "$version"
check $? "psharectl and psharetop run"
[ -f /etc/pshare/pshare.conf ] && ! grep -qE '^[^#]' /etc/pshare/pshare.conf &&
	[ -f /lib/systemd/system/pshare.service ] && [ -f /lib/systemd/system/pshare-metrics.timer ]
check $? "pshare.conf (all comments) and the units are installed"
[ ! -e /etc/systemd/system/multi-user.target.wants/pshare.service ] &&
	[ ! -e /etc/systemd/system/timers.target.wants/pshare-metrics.timer ]
check $? "  neither unit enabled by default"

# What the guest half (deb.sh --guest) boots with, in /tmp/stage/root at
# its path in the guest: the module as DKMS installed it and depmod's
# indexes, pshare.service, the conffile, psharectl, and each program the
# unit's Exec lines name, with modprobe, which psharectl load runs by name
# (as found in systemd's PATH); each program with the libraries it loads
# (ldd) or may dlopen (its .note.dlopen), one copy of each file, and a
# relative link at each other name (/sbin/modprobe, ../usr/bin/kmod).
st=/tmp/stage/root
stage_file() {	# PATH [DEST]: the file, links followed, at DEST (default PATH)
	mkdir -p "$st$(dirname "${2:-$1}")" && cp -L "$1" "$st${2:-$1}"
}
stage_prog() {	# PATH
	local real lib so d
	real=$(readlink -f "$1") && [ -f "$real" ] || return 1
	[ -e "$st$real" ] || stage_file "$real" || return 1
	if [ "$real" != "$1" ] && [ ! -L "$st$1" ]; then
		mkdir -p "$st$(dirname "$1")"
		ln -s "$(realpath -s -m --relative-to="$(dirname "$1")" "$real")" "$st$1" || return 1
	fi
	for lib in $(ldd "$real" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
						     $1 ~ /^\// { print $1 }'); do
		[ -e "$st$lib" ] || stage_file "$lib" || return 1
	done
	for so in $(tr -c '[:print:]' '\n' < "$real" | grep -o '"soname":\[[^]]*\]' |
		    grep -o 'lib[^"]*\.so[.0-9]*' | sort -u); do
		for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
			[ -e "$d/$so" ] || continue
			[ -e "$st/lib/x86_64-linux-gnu/$so" ] ||
				stage_file "$d/$so" "/lib/x86_64-linux-gnu/$so"
			break
		done
	done
}
stage() {
	local unit=/lib/systemd/system/pshare.service syspath p f
	syspath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
	[ -n "$ko" ] && stage_file "$ko" && stage_file "$unit" &&
		stage_file /etc/pshare/pshare.conf || return 1
	for f in /lib/modules/$krel/modules.*; do
		[ -f "$f" ] && { stage_file "$f" || return 1; }
	done
	for p in $(sed -n 's/^[[:space:]]*Exec[A-Za-z]*[[:space:]]*=[[:space:]]*[-@:+!]*\([^[:space:]]*\).*/\1/p' \
			"$unit" | sort -u) modprobe; do
		case "$p" in /*) ;; *) p=$(PATH=$syspath command -v "$p") || return 1 ;; esac
		stage_prog "$p" || return 1
	done
	printf 'KREL=%s\nVERSION=%s\nMODULE=%s\n' "$krel" "$ver" "$ko" > /tmp/stage/pkgtest.env
}
rm -rf /tmp/stage
stage
check $? "staged for the guest half: $(find $st ! -type d | wc -l) files, $(du -sk $st | cut -f1) KiB: $(cd $st && find . -path ./lib/modules -prune -o ! -type d -print | sed 's|^\.||' | sort | tr '\n' ' ')"

apt-get -q remove -y pshare-dkms pshare-tools > /tmp/remove.log 2>&1
check $? "apt remove" || tail -20 /tmp/remove.log
left=$(ls -d /usr/src/pshare-* /var/lib/dkms/pshare /lib/modules/*/updates/dkms/pshare.ko* \
	/usr/sbin/psharectl /lib/systemd/system/pshare* 2>/dev/null)
[ -z "$left" ] && ! grep -q pshare /lib/modules/$krel/modules.dep
check $? "  no module, DKMS tree, source, tools or units left${left:+: $left}"
[ -f /etc/pshare/pshare.conf ]
check $? "  /etc/pshare/pshare.conf kept (a conffile)"
apt-get -q purge -y pshare-dkms pshare-tools > /tmp/purge.log 2>&1
check $? "apt purge" || tail -20 /tmp/purge.log
[ ! -e /etc/pshare ] && ! dpkg-query -W 'pshare*' > /dev/null 2>&1
check $? "  /etc/pshare gone, dpkg knows no pshare package"
after=$(pshare_files)
[ "$before" = "$after" ]
check $? "  no file named *pshare* left that was not there before" ||
	diff <(echo "$before") <(echo "$after") | sed 's/^/    | /'
INNER
chmod +x "$tmp/pkgtest.sh"

# In a private mount namespace: an overlay on ROOT (and under it, LOWER: a
# tree of more files, or ROOT again), /proc, /dev, the debs, apt's cache;
# run pkgtest.sh chrooted.
# What pkgtest.sh staged goes to .build/pkgtest/RELEASE, with the release
# and the checksum of the two .debs in its pkgtest.env.
overlay_run() {	# ROOT LOWER RELEASE KREL
	local root=$1 lower=$2 rel=$3 krel=$4 work out=$top/.build/pkgtest/$3
	shift 4
	work=$(mktemp -d /var/tmp/pshare-pkgtest.XXXXXX)
	mkdir -p "$work/upper" "$work/work" "$work/merged" "$PSHARE_CACHE/pkgtest-apt/$rel/partial"
	sources "$rel" > "$work/sources.list"
	rm -rf "$out" "$work/stage"
	unshare --mount --propagation private bash -c '
		set -e
		root=$1 lower=$2 work=$3 cache=$4 krel=$5 ver=$6 tests=$7 debs=$8
		m=$work/merged
		[ "$lower" = "$root" ] || root=$root:$lower
		mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/work" "$m"
		mount -t proc proc "$m/proc"
		mount --bind /dev "$m/dev"
		mkdir -p "$m/tmp/debs"
		cp "$tests/pkgtest.sh" "$m/tmp/"
		cp "$debs"/pshare-dkms_"$ver"_all.deb "$debs"/pshare-tools_"$ver"_amd64.deb "$m/tmp/debs/"
		cp "$work/sources.list" "$m/etc/apt/sources.list"
		rm -f "$m"/etc/apt/sources.list.d/*
		mount --bind "$cache" "$m/var/cache/apt/archives"
		rc=0
		chroot "$m" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 HOME=/root /tmp/pkgtest.sh "$krel" "$ver" || rc=$?
		if [ -f "$m/tmp/stage/pkgtest.env" ]; then cp -a "$m/tmp/stage" "$work/stage"; fi
		exit $rc
	' overlay "$root" "$lower" "$work" "$PSHARE_CACHE/pkgtest-apt/$rel" "$krel" "$ver" \
		"$tmp" "$top/.build/deb"
	local rc=$?
	if [ -f "$work/stage/pkgtest.env" ]; then
		{
			echo "RELEASE=$rel"
			echo "DEBS_SHA256=$(cat "$dkms_deb" "$tools_deb" | sha256sum | cut -d' ' -f1)"
		} >> "$work/stage/pkgtest.env"
		mkdir -p "${out%/*}"
		mv "$work/stage" "$out"
	fi
	rm -rf --one-file-system "$work"
	return $rc
}

result() {	# the inner lines, counted here
	local l
	while IFS= read -r l; do
		case $l in
		"ok: "*) ok "${l#ok: }" ;;
		"not ok: "*) bad "${l#not ok: }" ;;
		*) echo "$l" ;;
		esac
	done
}

echo "=== Debian 12 (bookworm)"
t0=$(date +%s)
if root12=$(bookworm_root); then
	krel=$(ls "$root12/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
	ok "bookworm root $root12, kernel $krel"
	result < <(overlay_run "$root12" "$root12" bookworm "$krel")
	ok "Debian 12 done in $(( $(date +%s) - t0 )) s"
else
	bad "no bookworm root (debootstrap)"
fi

echo "=== Debian 13 (trixie)"
t0=$(date +%s)
if t13=$(scripts/trixie.sh --env); then
	get() { sed -n "s/^$1=//p" <<< "$t13"; }
	krel=$(get T13_KREL)
	ok "trixie root $(get T13_ROOT), kernel $krel"
	# The stock image's files (boot/, usr/lib/modules/), as installed.
	image=$(get T13_IMAGE); image=${image%/boot/*}
	result < <(overlay_run "$(get T13_ROOT)" "$image" trixie "$krel")
	ok "Debian 13 done in $(( $(date +%s) - t0 )) s"
else
	bad "no Debian 13 set-up (make deps)"
fi
echo "=== the packages, built, checked, installed and purged in $(( $(date +%s) - start_all )) s"
host_done
