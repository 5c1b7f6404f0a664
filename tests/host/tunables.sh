#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: include/pshare/tunables.h is the one source of the numeric
# tunables' defaults and ranges, and everything else says the same. A
# program compiled against the header lists them; then, for each:
# - Documentation/admin-guide.rst's table of /sys/kernel/mm/pshare/ gives
#   the same unit, default and valid range (and every rw file there with a
#   number for its default is in the header);
# - Documentation/ABI/testing/sysfs-kernel-mm-pshare the same "Default:"
#   and "Accepted range:";
# - Documentation/tools.rst psharectl's table the same valid values (and
#   default, where a note gives one), and its "psharectl status" example,
#   a host at its defaults, the default;
# - psharectl, built here, "get --help" the same default and range;
# - mm/sysfs.c takes the range from the header, t_sysfs tests it;
# - the guest scripts' default_rates() (qemu_lib.sh) sets the defaults.
# A value that differs fails with the file, line, and both values.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/host/lib/harness.sh"
cd "$top"
hdr=include/pshare/tunables.h

# --- the list, as a program compiled against the header prints it ---
names=$(sed -n 's/^#define[[:space:]]\+PSHARE_TUN_DEF_\([a-z0-9_]\+\)[[:space:]].*/\1/p' "$hdr")
if [ -z "$names" ]; then
	bad "no PSHARE_TUN_DEF_<name> in $hdr"
	host_done
	exit
fi
{
	printf '#include <stdio.h>\n#include <pshare/tunables.h>\n'
	printf 'int main(void)\n{\n'
	for n in $names; do
		printf '\tprintf("%%s\\t%%lld\\t%%lld\\t%%lld\\t%%s\\n", "%s",\n' "$n"
		printf '\t       (long long)PSHARE_TUN_DEF_%s, (long long)PSHARE_TUN_MIN_%s,\n' "$n" "$n"
		printf '\t       (long long)PSHARE_TUN_MAX_%s, PSHARE_TUN_UNIT_%s);\n' "$n" "$n"
	done
	printf '\treturn 0;\n}\n'
} > "$tmp/list.c"
gcc -Wall -Wextra -Werror -I include -o "$tmp/list" "$tmp/list.c" &&
	"$tmp/list" > "$tmp/list.txt"
check $? "a program compiled against $hdr lists $(wc -w <<< "$names") tunables (DEF, MIN, MAX and UNIT of each)"
[ -s "$tmp/list.txt" ] || { host_done; exit; }
sed 's/^/  /' "$tmp/list.txt"
awk -F'\t' '!($3 <= $2 && $2 <= $4) { print $1 ": default " $2 ", range " $3 " to " $4 }' \
	"$tmp/list.txt" > "$tmp/bad"
[ ! -s "$tmp/bad" ]
check $? "each default is within its range$(sed 's/^/; not: /' "$tmp/bad")"

# --- psharectl's own help, built here ---
gcc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I include/uapi -I include \
	-o "$tmp/psharectl" tools/psharectl.c tools/common.c &&
	"$tmp/psharectl" get --help > "$tmp/help.txt"
check $? "psharectl builds and prints get --help"

# Every statement of a default, range or unit, checked against the list:
# "ok: ..." or "not ok: ..." lines.
perl -e '
	use strict;
	use warnings;
	my ($list, $help) = @ARGV;
	my $hdr = "include/pshare/tunables.h";
	my $guide = "Documentation/admin-guide.rst";
	my $abi = "Documentation/ABI/testing/sysfs-kernel-mm-pshare";
	my $tools = "Documentation/tools.rst";
	my (%t, @order, $fails);

	open(my $fh, "<", $list) or die "$list: $!";
	while (<$fh>) {
		chomp;
		my ($n, $def, $min, $max, $unit) = split /\t/;
		$t{$n} = { def => $def, min => $min, max => $max,
			   unit => $unit };
		push @order, $n;
	}

	sub bad { print "not ok: @_\n"; $fails++; }
	sub lines {
		my $f = shift;
		open(my $fh, "<", $f) or die "$f: $!";
		return <$fh>;
	}
	sub clean {
		my $s = shift;
		$s =~ s/``//g;
		$s =~ s/\s+/ /g;
		$s =~ s/^ | $//g;
		return $s;
	}
	# "A to B", or "A, A+1, ..., B", as "A to B"; anything else as it is.
	sub range {
		my $s = clean(shift);
		return "$1 to $2" if $s =~ /^(\d+) to (\d+)\b/;
		if ($s =~ /^(\d+(?:, \d+)+)(?:$|[^\d,])/) {
			my @n = split /, /, $1;
			my $i = 0;
			return "$n[0] to $n[-1]" unless grep { $_ != $n[0] + $i++ } @n;
		}
		return $s;
	}
	# One statement FIELD of tunable N at WHERE (file:line), as GOT.
	sub want {
		my ($where, $n, $field, $got) = @_;
		my $want = $field eq "range" ? "$t{$n}{min} to $t{$n}{max}" :
			$field eq "default" ? $t{$n}{def} : $t{$n}{unit};
		return 1 if $got eq $want;
		bad "$where: $n: $field is \"$got\", but $hdr has \"$want\"";
		return 0;
	}
	# The list-tables of an rST file: [[[cell, line], ...] per row] each.
	sub list_tables {
		my @l = lines(shift);
		my (@tables, $rows, $cell);
		for my $i (0 .. $#l) {
			$_ = $l[$i];
			if (/^\.\. list-table::/) {
				push @tables, ($rows = []);
				next;
			}
			next unless $rows;
			if (/^\S/) {
				undef $rows;
			} elsif (/^\s*\* -(?: (.*))?$/) {
				push @$rows, [$cell = [$1 // "", $i + 1]];
			} elsif (/^\s+-(?: (.*))?$/ && @$rows) {
				push @{$rows->[-1]}, $cell = [$1 // "", $i + 1];
			} elsif (/^\s+(\S.*)$/ && $cell && !/^\s+:\w/) {
				$cell->[0] .= " $1";
			}
		}
		return @tables;
	}
	# The rows of the table whose header row is HEADS, by the name in
	# their first cell: { name => { head => [text, line] } }.
	sub table {
		my ($file, @heads) = @_;
		for my $rows (list_tables($file)) {
			my @h = map { clean($_->[0]) } @{$rows->[0]};
			next unless @h >= @heads && "@h[0 .. $#heads]" eq "@heads";
			my %by;
			for my $r (@$rows[1 .. $#$rows]) {
				my %c;
				@c{@h} = @$r;
				$by{clean($r->[0][0])} = \%c;
			}
			return \%by;
		}
		bad "$file: no list-table with the columns @heads";
		return {};
	}

	# admin-guide.rst: unit, default and range of each, in the table of
	# the sysfs files.
	my ($f, $by) = ($guide, table($guide, "File", "Access", "Unit",
				      "Default", "Valid range"));
	my $good = 0;
	for my $n (@order) {
		my $r = $by->{$n};
		if (!$r) {
			bad "$f: $n is not in the table of /sys/kernel/mm/pshare/";
			next;
		}
		my $ok = 1;
		$ok &= want("$f:$r->{Unit}[1]", $n, "unit", clean($r->{Unit}[0]));
		$ok &= want("$f:$r->{Default}[1]", $n, "default",
			    clean($r->{Default}[0]));
		$ok &= want("$f:$r->{\"Valid range\"}[1]", $n, "range",
			    range($r->{"Valid range"}[0]));
		$good += $ok;
	}
	for my $n (sort keys %$by) {
		my $r = $by->{$n};
		bad "$f:$r->{File}[1]: $n is rw with a number for its default, but not in $hdr"
			if !$t{$n} && clean($r->{Access}[0]) eq "rw" &&
			   clean($r->{Default}[0]) =~ /^\d+$/;
	}
	print "ok: $f: unit, default and range of $good tunables as in $hdr\n"
		if $good == @order;

	# The ABI file: "Default: N." and "Accepted range: A to B" of each.
	my @l = lines($abi);
	my (%what, $cur);
	for my $i (0 .. $#l) {
		if ($l[$i] =~ m{^What:\s*/sys/kernel/mm/pshare/(\S+)}) {
			$cur = $what{$1} = { line => $i + 1, text => "",
					     lines => [] };
		} elsif ($l[$i] =~ /^\S/) {
			undef $cur if $l[$i] !~ /^(Date|Contact|Description):/;
		}
		next unless $cur;
		my $off = length $cur->{text};
		$cur->{text} .= clean($l[$i]) . " ";
		push @{$cur->{lines}}, [$off, $i + 1];
	}
	sub line_at {	# the line of the ABI entry E at offset OFF of its text
		my ($e, $off) = @_;
		my $line = $e->{line};
		for (@{$e->{lines}}) { $line = $_->[1] if $_->[0] <= $off; }
		return $line;
	}
	$good = 0;
	for my $n (@order) {
		my $e = $what{$n};
		if (!$e) {
			bad "$abi: no What: /sys/kernel/mm/pshare/$n";
			next;
		}
		my $ok = 1;
		if ($e->{text} =~ /Default: (\S+?)[.;,]? /) {
			$ok &= want("$abi:" . line_at($e, $-[0]), $n, "default", $1);
		} else {
			bad "$abi:$e->{line}: $n: no \"Default: N.\"";
			$ok = 0;
		}
		if ($e->{text} =~ /Accepted range: (.*)/) {
			$ok &= want("$abi:" . line_at($e, $-[0]), $n, "range",
				    range($1));
		} else {
			bad "$abi:$e->{line}: $n: no \"Accepted range: A to B\"";
			$ok = 0;
		}
		$good += $ok;
	}
	print "ok: $abi: default and range of $good tunables as in $hdr\n"
		if $good == @order;

	# tools.rst: psharectl'\''s table of valid values, a default where
	# a note gives one ("2 (default)"), and the status example.
	($f, $by) = ($tools, table($tools, "Tunable", "Valid values", "Notes"));
	$good = 0;
	for my $n (@order) {
		my $r = $by->{$n};
		if (!$r) {
			bad "$f: $n is not in the table of psharectl set";
			next;
		}
		my $ok = want("$f:$r->{\"Valid values\"}[1]", $n, "range",
			      range($r->{"Valid values"}[0]));
		my $note = clean($r->{Notes}[0]);
		$ok &= want("$f:$r->{Notes}[1]", $n, "default", $1 // $2)
			if $note =~ /\b(\d+) \(default\)|\(default:? (\d+)\)/;
		$good += $ok;
	}
	print "ok: $f: psharectl set takes the range of $good tunables as in $hdr\n"
		if $good == @order;
	@l = lines($tools);
	my ($in, $shown) = (0, 0);
	$good = 0;
	for my $i (0 .. $#l) {
		$in = 1 if $l[$i] =~ m{^\s+host \(/sys/kernel/mm/pshare\):};
		next unless $in;
		if ($l[$i] =~ /^\s*$/) {
			$in = 0;
			next;
		}
		next unless $l[$i] =~ /^\s+(\w+)\s+(\S+)\s*$/ && $t{$1};
		$shown++;
		$good += want("$f:" . ($i + 1), $1, "default", $2);
	}
	if (!$shown) {
		bad "$f: no tunable in the \"host (/sys/kernel/mm/pshare):\" lines of the psharectl status example";
	} elsif ($good == $shown) {
		print "ok: $f: the psharectl status example shows the default of the $shown tunables it lists\n";
	}

	# psharectl get --help: "NAME  help (default D)", "valid: A to B".
	@l = lines($help);
	$good = 0;
	for my $n (@order) {
		my ($i) = grep { $l[$_] =~ /^\s+\Q$n\E\s/ } 0 .. $#l;
		if (!defined $i || $i == $#l) {
			bad "psharectl get --help: no $n";
			next;
		}
		my $ok = 1;
		if ($l[$i] =~ /\(default (\S+)\)\s*$/) {
			$ok &= want("psharectl get --help", $n, "default", $1);
		} else {
			bad "psharectl get --help: $n: no \"(default N)\"";
			$ok = 0;
		}
		if ($l[$i + 1] =~ /^\s+valid: (.*)$/) {
			$ok &= want("psharectl get --help", $n, "range", range($1));
		} else {
			bad "psharectl get --help: $n: no \"valid:\" line";
			$ok = 0;
		}
		$good += $ok;
	}
	print "ok: psharectl get --help: default and range of $good tunables as in $hdr\n"
		if $good == @order;
	exit 0;
' "$tmp/list.txt" "$tmp/help.txt" > "$tmp/docs" 2>&1
rc=$?
while IFS= read -r l; do
	case "$l" in
	"ok: "*) ok "${l#ok: }" ;;
	"not ok: "*) bad "${l#not ok: }" ;;
	*) bad "the check of the documentation: $l" ;;
	esac
done < "$tmp/docs"
[ $rc -eq 0 ] || bad "the check of the documentation failed (exit $rc)"

# --- the module and t_sysfs use every one ---
before=$fails
for n in $names; do
	grep -qE "PSHARE_TUNABLE\($n\)|PSHARE_TUN_MAX_$n\b" mm/sysfs.c ||
		bad "mm/sysfs.c: $n does not take its range from $hdr"
	grep -qE "TUNABLE\($n\)|PSHARE_TUN_DEF_$n\b" tests/guest/t_sysfs.c ||
		bad "tests/guest/t_sysfs.c: does not test $n"
done
[ "$fails" -eq "$before" ] &&
	ok "mm/sysfs.c takes the range of each from $hdr, tests/guest/t_sysfs.c tests each"

# --- the guest scripts, which cannot include the header, put back its defaults ---
fn=$(sed -n '/^default_rates() {/,/^}/p' tests/guest/qemu_lib.sh)
if [ -z "$fn" ]; then
	bad "tests/guest/qemu_lib.sh: no default_rates()"
else
	nbad=0
	while read -r n v; do
		d=$(awk -F'\t' -v n="$n" '$1 == n { print $2 }' "$tmp/list.txt")
		if [ "$v" != "$d" ]; then
			bad "tests/guest/qemu_lib.sh: default_rates() sets $n to $v, but $hdr has default ${d:-(none)}"
			nbad=$((nbad + 1))
		fi
	done < <(sed -n 's|^[[:space:]]*echo \([0-9]\+\) > \$S/\([a-z_]\+\)$|\2 \1|p' <<< "$fn")
	[ $nbad = 0 ] &&
		ok "tests/guest/qemu_lib.sh: default_rates() sets the defaults of $hdr"
fi
host_done
