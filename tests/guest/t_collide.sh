#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: reload pshare with a 3-bit hash, run t_collide, and
# reload it as it was.
echo 2 > /sys/kernel/mm/pshare/run
rmmod pshare || exit 1
insmod "$PSHARE_KO" hash_bits=3 || exit 1
t_collide
rc=$?
echo 2 > /sys/kernel/mm/pshare/run
rmmod pshare && insmod "$PSHARE_KO" || rc=1
exit $rc
