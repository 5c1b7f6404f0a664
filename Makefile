# SPDX-License-Identifier: GPL-2.0-only
#
# pshare front end. Kbuild holds the objects; this file holds the targets.
#
#   make deps        install what building and testing need (root, Debian 12)
#   make             build mm/pshare.ko against the newest Debian 6.1 headers
#   make testkernel  build (or reuse) the cached debug test kernel
#   make check       every test: host, KUnit, guest on debug and stock kernels
#   make demo        boot QEMU with pshare and a few "VM" processes
#   make torture     the long torture and fuzzing run on the debug kernel
#                    (TORTURE_SECS=600 by default, FUZZ_CALLS=250000 per
#                    thread, 4 threads)
#
# KDIR= builds against another kernel tree. PSHARE_CACHE= moves the cache
# (default /var/cache/pshare).

SHELL := /bin/bash
KDIR ?= $(shell ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)
BUILD := $(CURDIR)/.build

TORTURE_SECS ?= 600
FUZZ_CALLS ?= 250000

.PHONY: all module deps testkernel check check-host demo torture clean checkpatch

all: module

module:
	@[ -n "$(KDIR)" ] || { echo "No Debian 6.1 headers found: run 'make deps' or set KDIR=" >&2; exit 1; }
	scripts/build-module.sh "$(KDIR)" "$(BUILD)/default"
	cp "$(BUILD)/default/mm/pshare.ko" mm/pshare.ko

deps:
	scripts/deps.sh

testkernel:
	scripts/testkernel.sh

check:
	tests/check.sh

check-host:
	tests/check.sh --host-only

demo:
	tests/demo.sh

torture:
	tests/qemu/run --kernel debug --name debug-torture --suite none \
		--cmd "t_torture.sh $(TORTURE_SECS) 4 16" \
		--cmd "t_fuzz -c $(FUZZ_CALLS) -t 4" \
		--timeout $$(( $(TORTURE_SECS) * 2 + 3600 )) --quiet

checkpatch:
	tests/host/checkpatch.sh

clean:
	rm -rf "$(BUILD)" mm/pshare.ko tests/guest/bin
