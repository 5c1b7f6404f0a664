#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: tests/bench/report.sh on the synthetic console log
# tests/bench/testdata/sample.log writes the CSV, results, the two plots
# and the summary, with the goals as worked out by hand from the sample; a
# result not verified, or a log without results, fails it; missing runs
# give N/A. Needs gnuplot (gnuplot-nox, in scripts/deps.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
report=$top/tests/bench/report.sh
sample=$top/tests/bench/testdata/sample.log
. "$top/tests/host/lib/harness.sh"
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

command -v gnuplot > /dev/null || { bad "gnuplot is missing (make deps)"; exit 1; }

# --- the sample ---
o=$tmp/out
"$report" "$sample" "$o" > "$tmp/stdout" 2> "$tmp/stderr"
check $? "report.sh on the sample exits 0"
cat "$tmp/stderr"

hdr=run,workload,engine,mib,t_s,cpu_s,saved_pages,ideal_pages,scanned_pages,metadata_bytes,anon_huge_kb
[ "$(head -n 1 "$o/bench.csv")" = "$hdr" ]
check $? "bench.csv starts with the header"
# 9 runs x 2 engines x 4 rows; the guest's own header line and the row a
# kernel message cut short are left out, the row after a kernel message
# on the same line is kept.
[ "$(wc -l < "$o/bench.csv")" -eq 73 ]
check $? "bench.csv has 72 rows ($(($(wc -l < "$o/bench.csv") - 1)))"
! grep -q $'\r' "$o/bench.csv" "$o/results.txt" "$o/xxh64.txt"
check $? "no carriage return left"
[ "$(grep -c '^scale-256,mixed,pshare,' "$o/bench.csv")" -eq 4 ] &&
	[ "$(grep -c '^scale-256,mixed,ksm,' "$o/bench.csv")" -eq 4 ]
check $? "the row after a kernel message is kept, the cut one skipped"
grep -qx 'scale-256,mixed,pshare,256,20.0,1.33,41600,52000,666667,262144,0' "$o/bench.csv"
check $? "  the kept row is whole"
grep -q 'skipping a malformed BENCH-CSV line: scale-256,mixed,ksm,256,2\[' "$tmp/stderr"
check $? "  the skipped row is named on stderr"
grep -qx 'thp-256,thp,pshare,256,40.0,2.00,1940,60000,1000000,524288,260779' "$o/bench.csv"
check $? "a row is copied as is"

[ "$(wc -l < "$o/results.txt")" -eq 18 ] &&
	[ "$(grep -c '^run=[a-z0-9-]* engine=\(ksm\|pshare\) ' "$o/results.txt")" -eq 18 ]
check $? "results.txt has the 18 results, prefix removed"
[ "$(cat "$o/xxh64.txt")" = 'ns_per_page=600.000 memcmp_ns_per_page=450.000 pages=65536' ]
check $? "xxh64.txt"
for p in saved-vs-time saved-vs-cpu; do
	[ -s "$o/$p.png" ] && is_png "$o/$p.png"
	check $? "$p.png is a PNG"
done
cmp -s "$tmp/stdout" "$o/summary.txt"
check $? "summary.txt is what was printed"

# The table: two rows per run, the ratios on pshare's.
# mixed-256-budget ksm: 20000 pages = 78.1 MiB, 38.5% of 52000, 13.0 MiB/s
grep -qE '^mixed-256-budget +ksm +60\.0 +6\.00 +78\.1 +38\.5 +13\.0 +1600000 +0 +-$' "$tmp/stdout"
check $? "table: mixed-256-budget ksm"
# vmlike-budget pshare: 60000 pages = 234.4 MiB, 30% of 200000, 39.1 MiB/s,
# 6 times ksm's 10000 pages in the same CPU
grep -qE '^ +pshare +60\.0 +6\.00 +234\.4 +30\.0 +39\.1 +3145728 +0 +- +6\.00 +6\.00$' "$tmp/stdout"
check $? "table: vmlike-budget pshare and the ratios"
# unique-256: nothing to save, no ideal: the ratios are "-"
grep -qE '^ +pshare +60\.0 +2\.00 +0\.0 +- +0\.0 +786432 +0 +- +- +-$' "$tmp/stdout"
check $? "table: unique-256 pshare"
grep -qx 'verified: all 18 results ok' "$tmp/stdout"
check $? "table: all verified"

goal() {	# N STATUS FIGURE...: the goal line has the status and figures
	local n=$1 st=$2 line
	shift 2
	line=$(grep "^GOAL $n " "$tmp/stdout")
	[ "$(grep -c "^GOAL $n " "$tmp/stdout")" -eq 1 ] &&
		[ "${line##*) }" = "$st" ] || return 1
	for f; do
		case $line in *"$f"*) ;; *) return 1 ;; esac
	done
}
# 1: pshare 60000 / ksm 10000 pages = 6.00 >= 5
goal 1 MET "6.00 (234.4/39.1 MiB)" "(target >= 5)"
check $? "GOAL 1 equal budget MET, 6.00"
# 2: mixed-256-converge 20.00/4.00 = 5.00; vmlike-converge: ksm never
# reached 95%, its 30.00 CPU s / pshare's 5.00 = >6.00; both >= 4
goal 2 MET "mixed-256-converge 5.00" "vmlike-converge >6.00"
check $? "GOAL 2 convergence MET, 5.00 and >6.00"
# 3: 786432 / 65536 = 12.00 B/page <= 16; ksm 4194304 / 65536 = 64.00
goal 3 MET "pshare 12.00 B/page" "ksm 64.00 B/page"
check $? "GOAL 3 metadata MET, 12.00 B/page, ksm 64.00"
# 4: 12.00 s / 4800000 = 2500 ns, 4.00 s / 2000000 = 2000 ns: 1.25 > 1.2
goal 4 "NOT MET" "1.25 (2500.0/2000.0 ns)"
check $? "GOAL 4 scaling NOT MET, 1.25"
# 5: 260096 / 262144 = 0.9922 >= 0.99
goal 5 MET "0.9922" "pshare 262144 to 260096 kB" "ksm 262144 to 131072 kB"
check $? "GOAL 5 huge pages MET, 0.9922, both engines"
# 6: 12.00 s / 8000000 = 1500 ns, / 600 ns of xxh64 = 2.50 > 1.5
goal 6 "NOT MET" "2.50 (1500.0/600.0 ns)"
check $? "GOAL 6 near the limit NOT MET, 2.50"
[ "$(grep -c '^GOAL ' "$tmp/stdout")" -eq 6 ]
check $? "six goal lines"

# --- the libgd terminal, as on a host without pngcairo ---
REPORT_TERMINAL=png "$report" "$sample" "$tmp/png" > /dev/null 2>&1 &&
	is_png "$tmp/png/saved-vs-time.png" && is_png "$tmp/png/saved-vs-cpu.png"
check $? "the png terminal makes the plots too"

# --- a result not verified fails the report, which says which ---
sed '/BENCH-RESULT: run=thp-256 engine=pshare/s/verified=ok/verified=FAIL/' \
	"$sample" > "$tmp/fail.log"
! "$report" "$tmp/fail.log" "$tmp/fail" > "$tmp/fail.out" 2> "$tmp/fail.err"
check $? "verified=FAIL: report.sh exits non-zero"
grep -q 'thp-256/pshare verified=FAIL' "$tmp/fail.err" &&
	grep -qx 'verified: NOT ok: thp-256/pshare' "$tmp/fail.out"
check $? "  and names the run"
[ -s "$tmp/fail/summary.txt" ] && is_png "$tmp/fail/saved-vs-cpu.png"
check $? "  and still writes the rest"

# --- no result at all ---
printf 'BENCH-CSV: a,b,ksm,1,0,0,0,0,-1,0,0\r\n[ 1.0] panic\r\n' > "$tmp/none.log"
! "$report" "$tmp/none.log" "$tmp/none" > /dev/null 2> "$tmp/none.err" &&
	grep -q 'no BENCH-RESULT line' "$tmp/none.err"
check $? "a log without BENCH-RESULT: non-zero, says so"

# --- missing runs and no xxh64 figure: N/A, no crash ---
grep -v 'run=thp-256\|thp-256,\|BENCH-XXH64\|BENCH-RESULT: run=vmlike-converge engine=ksm' \
	"$sample" > "$tmp/part.log"
"$report" "$tmp/part.log" "$tmp/part" > "$tmp/part.out" 2> /dev/null
check $? "missing runs: report.sh exits 0"
grep -q '^GOAL 2 .* N/A$' "$tmp/part.out" &&
	grep -q '^GOAL 5 .* N/A$' "$tmp/part.out" &&
	grep -q '^GOAL 6 .* N/A$' "$tmp/part.out" &&
	grep -q '^GOAL 1 .* MET$' "$tmp/part.out"
check $? "  goals 2, 5, 6 N/A, the others still computed"
[ "$(wc -l < "$tmp/part/bench.csv")" -eq 65 ]
check $? "  64 rows left"

# --- usage ---
"$report" "$sample" > /dev/null 2>&1
[ $? -eq 2 ]
check $? "one argument: usage, exit 2"

host_done
