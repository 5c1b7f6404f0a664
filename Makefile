# SPDX-License-Identifier: GPL-2.0-only
#
# pshare front end. Kbuild holds the objects; this file holds the targets.
#
#   make deps        install what building and testing need (root, Debian 12),
#                    and fetch Debian 13's kernel and its build root
#                    (scripts/trixie.sh) and promtool (scripts/promtool.sh)
#                    into the cache
#   make             build pshare.ko for each stock kernel the machine has:
#                    Debian 12's 6.1 (.build/stock-6.1/mm/pshare.ko, copied to
#                    mm/pshare.ko) and Debian 13's 6.12
#                    (.build/stock-6.12/mm/pshare.ko, built in the trixie
#                    root). SERIES=6.1 or SERIES=6.12 builds one of them.
#   make testkernel  build (or reuse) the cached debug test kernels of both
#                    series
#   make check       every test: host, KUnit, guest on the debug and stock
#                    kernels of both series (6.1, 6.12), and the packages
#                    as installed on both stock kernels
#   make demo        boot QEMU with pshare and a few "VM" processes
#                    (KERNEL=stock-6.12 for Debian 13's kernel)
#   make torture     the long runs (tests/torture.sh), one boot on each
#                    debug and stock kernel: the torture test
#                    (TORTURE_SECS=600), the fuzzer, stress-ng's vm stressors
#                    against a control run without pshare, and trinity.
#                    About 40 minutes per kernel.
#   make bench       the kernel's KSM against pshare in one stock-kernel
#                    boot (KERNEL=stock-6.12: Debian 13's, against its own
#                    KSM at its defaults): CSV, plots, summary in .build/bench
#                    (Documentation/performance.rst). About 10 minutes.
#   make tools       the operator tools psharectl and psharetop (tools/)
#   make man         the man pages pshare(4), psharectl(8), psharetop(8) from
#                    Documentation/man/*.rst (rst2man), into .build/man
#   make deb         the Debian packages pshare-dkms and pshare-tools
#                    (scripts/deb.sh, debian/), into .build/deb
#   make check-packages
#                    tests/host/deb.sh (also part of make check): make deb,
#                    lintian, systemd-analyze verify, the man pages, and an
#                    install, DKMS build and purge of both packages in
#                    throwaway Debian 12 and Debian 13 roots (about 90 s);
#                    then tests/host/deb.sh --guest (make check runs it after
#                    the other boots): each release's stock kernel booted in QEMU
#                    with the module DKMS built and the packaged tools,
#                    pshare.service's commands, its settings, merges, the
#                    unload (2 to 7 minutes a boot)
#   make install     mm/pshare.ko into /lib/modules/<release>/extra for the
#                    kernel of KDIR, depmod, then the tools into
#                    $(PREFIX)/sbin (PREFIX=/usr/local; DESTDIR= stages it)
#
# KDIR= builds against another kernel tree (into mm/pshare.ko).
# PSHARE_CACHE= moves the cache
# (default /var/cache/pshare). dkms.conf installs through DKMS instead
# (Documentation/tools.rst).

SHELL := /bin/bash
BUILD := $(CURDIR)/.build
SERIES ?= 6.1 6.12

KERNEL ?= stock

.PHONY: all module deps testkernel check check-host demo torture bench clean \
	checkpatch tools install man deb check-packages

all: module

module:
ifdef KDIR
	scripts/build-module.sh "$(KDIR)" "$(BUILD)/default"
	cp "$(BUILD)/default/mm/pshare.ko" mm/pshare.ko
else
	@set -e; built=0; for s in $(SERIES); do \
		kdir=$$(. scripts/common.sh; pshare_stock_kdir $$s); \
		if [ -z "$$kdir" ]; then \
			echo "No Debian $$s headers: run 'make deps' (skipped)" >&2; \
			continue; \
		fi; \
		echo "Building for $$kdir"; \
		scripts/build-module.sh "$$kdir" "$(BUILD)/stock-$$s"; \
		[ $$s != 6.1 ] || cp "$(BUILD)/stock-6.1/mm/pshare.ko" mm/pshare.ko; \
		built=$$((built + 1)); \
	done; [ $$built -gt 0 ] || { echo "No kernel headers: run 'make deps' or set KDIR=" >&2; exit 1; }
endif

deps:
	scripts/deps.sh
	scripts/trixie.sh > /dev/null
	scripts/promtool.sh > /dev/null

testkernel:
	scripts/testkernel.sh all

check:
	tests/check.sh

check-host:
	tests/check.sh --host-only

demo:
	KERNEL=$(KERNEL) tests/demo.sh

torture:
	tests/torture.sh

bench:
	tests/bench/run --kernel $(KERNEL)

tools:
	$(MAKE) -C tools

# The man pages: pshare.4's sysfs files come from the ABI document.
MAN_SRC := $(wildcard Documentation/man/*.rst)
MAN_VERSION = $(shell sed -n 's/^\#define PSHARE_VERSION[[:space:]]*"\(.*\)"$$/\1/p' mm/pshare.h)
man: $(patsubst Documentation/man/%.rst,$(BUILD)/man/%,$(MAN_SRC))

$(BUILD)/man/%: Documentation/man/%.rst Documentation/man/sysfs.awk \
		Documentation/ABI/testing/sysfs-kernel-mm-pshare mm/pshare.h
	@mkdir -p $(BUILD)/man
	awk -f Documentation/man/sysfs.awk \
		Documentation/ABI/testing/sysfs-kernel-mm-pshare > $@.sysfs
	awk -v f=$@.sysfs -v ver="$(MAN_VERSION)" \
		'/^\.\. pshare-sysfs-files$$/ { while ((getline l < f) > 0) print l; next } \
		 { print } /^:Manual group:/ { print ":Version: pshare " ver }' $< > $@.rst
	rst2man --halt=warning $@.rst $@.tmp
	mv $@.tmp $@
	rm -f $@.sysfs $@.rst

deb:
	scripts/deb.sh

# The guest half runs even when the host half fails (it says what it lacks).
check-packages:
	rc=0; tests/host/deb.sh || rc=1; tests/host/deb.sh --guest || rc=1; exit $$rc

# The release of the kernel KDIR builds for: where the module goes.
INSTALL_KDIR = $(or $(KDIR),$(shell ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1))
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	"$(INSTALL_KDIR)/include/generated/utsrelease.h" 2>/dev/null)

install: module tools
	@[ -n "$(KREL)" ] || { echo "No kernel release in $(INSTALL_KDIR)" >&2; exit 1; }
	install -D -m 0644 mm/pshare.ko "$(DESTDIR)/lib/modules/$(KREL)/extra/pshare.ko"
	$(if $(DESTDIR),,depmod -a "$(KREL)")
	$(MAKE) -C tools install

clean:
	rm -rf "$(BUILD)" mm/pshare.ko tests/guest/bin
