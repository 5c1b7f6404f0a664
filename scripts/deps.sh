#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install, idempotently, every Debian package pshare's build and tests need.
set -euo pipefail

pkgs=(
	# the target kernel, its headers and its source (for the test kernel)
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	# building modules and the test kernel
	build-essential bc bison flex libssl-dev libelf-dev dwarves ccache
	kmod rsync xz-utils cpio python3
	# installing the module for the host's kernels (dkms.conf)
	dkms
	# make deb (debian/control's Build-Depends: rst2man for the man pages)
	# and make check-packages (lintian, man -l, the throwaway install roots)
	dpkg-dev debhelper dh-dkms python3-docutils lintian man-db groff-base
	debootstrap
	# the QEMU test host and its guest
	qemu-system-x86 busybox-static
	# benchmark plots
	gnuplot-nox
)

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (apt-get install)" >&2
	exit 1
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
