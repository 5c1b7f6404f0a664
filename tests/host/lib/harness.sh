# SPDX-License-Identifier: GPL-2.0-only
# The small harness of the host tests that count checks, sourced by them:
# a temporary directory $tmp removed at exit, ok/bad/check that print one
# line per check and count it, and host_done that prints the totals and
# sets the exit status. (In a subdirectory: tests/check.sh runs every
# tests/host/*.sh as a test of its own.)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "not ok: $*"; fails=$((fails + 1)); }
# check returns STATUS, so that "check $? DESC || show-why" shows why; under
# set -e, a bare check that fails ends the script (ibt.sh says || true).
check() {	# STATUS DESCRIPTION: the command before it decides
	if [ "$1" -eq 0 ]; then
		ok "${2//$'\n'/ | }"
	else
		bad "${2//$'\n'/ | }"
		return 1
	fi
}
# The totals, and success only if no check failed.
host_done() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
