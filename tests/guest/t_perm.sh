#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pshare guest test: who may open /dev/pshare. The node is 0600 root; with
# the mode opened up (as a udev rule would), pshare itself still allows
# only CAP_SYS_ADMIN and, with the module parameter group=, that group.
fail=0
ok() { [ "$1" -eq 0 ] || { echo "  not ok: $2"; fail=1; }; }

mode=$(stat -c %a /dev/pshare)
[ "$mode" = 600 ]; ok $? "/dev/pshare mode $mode, want 600"
chmod 0666 /dev/pshare
t_perm 1000 1000 EPERM; ok $? "an unprivileged user opened /dev/pshare"
t_perm 0 0 ok; ok $? "root could not open /dev/pshare"
rmmod pshare && insmod "$PSHARE_KO" group=1234; ok $? "reload with group=1234"
chmod 0666 /dev/pshare
t_perm 1000 1234 ok; ok $? "a member of group 1234 could not open"
t_perm 1000 1000 EPERM; ok $? "a non-member opened with group=1234"
rmmod pshare && insmod "$PSHARE_KO"; ok $? "reload"
exit $fail
