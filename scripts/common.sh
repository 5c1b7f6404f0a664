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

# The release a kernel tree builds for (uname -r of that kernel). Debian's
# headers put a plain version in kernel.release; utsrelease.h is exact.
pshare_kernelrelease() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h"
}
