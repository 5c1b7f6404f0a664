# SPDX-License-Identifier: GPL-2.0-only
# pshare build scripts: shared settings, sourced by the other scripts.

# Long-lived build products (test kernel, ccache, BTF layouts) live here,
# outside the work tree, so that fresh clones and CI reuse them.
PSHARE_CACHE=${PSHARE_CACHE:-/var/cache/pshare}
if ! mkdir -p "$PSHARE_CACHE" 2>/dev/null || [ ! -w "$PSHARE_CACHE" ]; then
	PSHARE_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/pshare
	mkdir -p "$PSHARE_CACHE"
fi
export PSHARE_CACHE

# The newest installed Debian 6.1 headers; the build host may run another kernel.
pshare_default_kdir() {
	ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1
}

# The newest linux-source of SERIES (6.1, 6.12; any without one) that make
# testkernel extracted into the cache, or nothing: callers fall back to
# Debian's tarball before the first make testkernel.
pshare_cached_source() {
	{ ls -d "$PSHARE_CACHE"/src/linux-source-${1:+$1.}*/ 2>/dev/null ||
		true; } | sort -V | tail -n 1 | sed 's|/$||'
}

# The release a kernel tree builds for (uname -r of that kernel). Debian's
# headers put a plain version in kernel.release; utsrelease.h is exact.
pshare_kernelrelease() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h"
}

# The headers of Debian's stock kernel of SERIES (6.1: the host's newest; 6.12:
# Debian 13's, inside the trixie build root of scripts/trixie.sh), or nothing.
pshare_stock_kdir() {
	local env root kdir
	case "$1" in
	6.1) pshare_default_kdir ;;
	6.12)
		env=$("$(dirname "${BASH_SOURCE[0]}")/trixie.sh" --env 2>/dev/null) || return 0
		root=$(sed -n 's/^T13_ROOT=//p' <<< "$env")
		kdir=$(sed -n 's/^T13_KDIR_IN_ROOT=//p' <<< "$env")
		[ -d "$root$kdir" ] && echo "$root$kdir"
		;;
	esac
	return 0
}

# The series (6.1 or 6.12) of a kernel release.
pshare_series() {
	case "$1" in
	6.1.*) echo 6.1 ;;
	6.12.*) echo 6.12 ;;
	*) echo "unknown" ;;
	esac
}

# make for out-of-tree module directory MDIR against kernel tree KDIR. A tree
# inside the trixie build root (Debian 13's headers) builds chrooted there,
# with Debian 13's gcc-14 and host tools; MDIR is mounted at /build.
pshare_kmake() {	# KDIR MDIR MAKE-ARGS...
	local kdir=$1 mdir=$2 env root
	shift 2
	env=$("$(dirname "${BASH_SOURCE[0]}")/trixie.sh" --env 2>/dev/null) || env=
	root=$(sed -n 's/^T13_ROOT=//p' <<< "$env")
	if [ -n "$root" ] && [[ "$kdir" == "$root"/* ]]; then
		"$(dirname "${BASH_SOURCE[0]}")/trixie.sh" --bind "$mdir:/build" \
			--run make -C "${kdir#"$root"}" M=/build "$@"
	else
		make -C "$kdir" M="$mdir" "$@"
	fi
}
