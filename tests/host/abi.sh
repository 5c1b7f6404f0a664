#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: Documentation/ABI/testing/sysfs-kernel-mm-pshare documents
# exactly the files of /sys/kernel/mm/pshare/: every attribute in the
# attribute arrays of mm/sysfs.c has a "What:" entry, and every "What:"
# names an attribute that mm/sysfs.c defines, once.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
src=mm/sysfs.c
abi=Documentation/ABI/testing/sysfs-kernel-mm-pshare
dir=/sys/kernel/mm/pshare/
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f "$abi" ] || { echo "not ok: $abi is missing"; exit 1; }

# The attributes of mm/sysfs.c: each "&VAR.attr" of a "struct attribute
# *NAME[]" array, by the name its declaration gives VAR: directly
# ("VAR = __ATTR_RO(name)", "__ATTR(name, ...)"), or through a macro of the
# file that declares "name##_attr = __ATTR_xx(name)" ("PSHARE_COUNTER(name)"
# gives name_attr). An array entry whose declaration is not found prints
# as "?VAR", which no documented name matches.
perl -0777 -ne '
	my (%macro, %name);
	while (/^#define\s+(\w+)\(\s*(\w+)[^)]*\)((?:.*\\\n)*.*)$/mg) {
		my ($m, $arg, $body) = ($1, $2, $3);
		$macro{$m} = 1 if $body =~
			/\Q$arg\E\s*##\s*_attr\s*=\s*__ATTR\w*\(\s*\Q$arg\E\b/;
	}
	(my $code = $_) =~ s/^#define\b(?:.*\\\n)*.*$//mg;
	$name{$1} = $2 while $code =~ /\b(\w+)\s*=\s*__ATTR\w*\(\s*(\w+)/g;
	while ($code =~ /^\s*(\w+)\(\s*(\w+)/mg) {
		$name{"$2_attr"} = $2 if $macro{$1};
	}
	while ($code =~
	       /\bstruct\s+attribute\s*\*\s*\w+\s*\[\s*\]\s*=\s*\{(.*?)\};/sg) {
		my $list = $1;
		print $name{$1} // "?$1", "\n"
			while $list =~ /&\s*(\w+)\.attr\b/g;
	}
' "$src" | sort > "$tmp/code"
# Every "What:" path, without the directory.
sed -n 's/^What:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$abi" |
	sort > "$tmp/what"
if [ ! -s "$tmp/code" ]; then
	echo "not ok: found no sysfs attributes in $src"
	exit 1
fi

fail=0
report() {	# $1: what is wrong, $2: a file of the names, one a line
	[ -s "$2" ] || return 0
	echo "not ok: $1: $(paste -sd ' ' "$2")"
	fail=1
}
grep -v "^${dir}[^/]\+\$" "$tmp/what" > "$tmp/bad" || true
report "What: not a file of $dir in $abi" "$tmp/bad"
sed -n "s|^${dir}\([^/]\+\)\$|\1|p" "$tmp/what" > "$tmp/doc"
sed -n 's/^?//p' "$tmp/code" > "$tmp/bad"
report "attribute array entries of $src with no declaration found" "$tmp/bad"
grep -v '^?' "$tmp/code" > "$tmp/attrs" || true
uniq -d "$tmp/attrs" > "$tmp/bad"
report "listed twice in $src" "$tmp/bad"
uniq -d "$tmp/doc" > "$tmp/bad"
report "documented twice in $abi" "$tmp/bad"
comm -23 <(sort -u "$tmp/attrs") <(sort -u "$tmp/doc") > "$tmp/bad"
report "attributes of $src not documented in $abi" "$tmp/bad"
comm -13 <(sort -u "$tmp/attrs") <(sort -u "$tmp/doc") > "$tmp/bad"
report "documented in $abi but not defined in $src" "$tmp/bad"
[ $fail -eq 0 ] || exit 1
echo "ok: $abi documents the $(sort -u "$tmp/attrs" | wc -l) attributes of $src"
