#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: tests/bench/report.sh on the synthetic console log
# tests/bench/testdata/sample.log (one repetition, in the format from before
# repetitions: no rep) writes the CSV, results, the two plots and the
# summary, with the goals as worked out by hand from the sample; on
# tests/bench/testdata/rep3.log (three repetitions) the table shows the
# medians and each goal its median, min and max, decided on the median
# (goal 8's line, of vmlike-defaults, compared whole, and decided again on
# variants of the log that meet it or miss it by a tie); a
# result not verified, or a log without results, fails it; missing runs
# give N/A. Needs gnuplot (gnuplot-nox, in scripts/deps.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
report=$top/tests/bench/report.sh
sample=$top/tests/bench/testdata/sample.log
rep3=$top/tests/bench/testdata/rep3.log
. "$top/tests/host/lib/harness.sh"
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

command -v gnuplot > /dev/null || { bad "gnuplot is missing (make deps)"; exit 1; }

# --- the sample ---
o=$tmp/out
"$report" "$sample" "$o" > "$tmp/stdout" 2> "$tmp/stderr"
check $? "report.sh on the sample exits 0"
cat "$tmp/stderr"

hdr=run,workload,engine,mib,t_s,cpu_s,saved_pages,ideal_pages,scanned_pages,metadata_bytes,anon_huge_kb,rep
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
grep -qx 'scale-256,mixed,pshare,256,20.0,1.33,41600,52000,666667,262144,0,1' "$o/bench.csv"
check $? "  the kept row is whole"
grep -q 'skipping a malformed BENCH-CSV line: scale-256,mixed,ksm,256,2\[' "$tmp/stderr"
check $? "  the skipped row is named on stderr"
grep -qx 'thp-256,thp,pshare,256,40.0,2.00,1940,60000,1000000,524288,260779,1' "$o/bench.csv"
check $? "a row is copied as is, repetition 1 added"

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

# The table: two rows per run, the ratios on pshare's; n = 1 repetition.
# mixed-256-budget ksm: 20000 pages = 78.1 MiB, 38.5% of 52000, 13.0 MiB/s;
# the 6.1 KSM counts no pages scanned: ns/page "-"
grep -qE '^mixed-256-budget +ksm +1 +60\.0 +6\.00 +78\.1 +38\.5 +13\.0 +1600000 +0 +- +-$' "$tmp/stdout"
check $? "table: mixed-256-budget ksm"
# vmlike-budget pshare: 60000 pages = 234.4 MiB, 30% of 200000, 39.1 MiB/s,
# 6.00 s / 4000000 pages = 1500 ns a page, 6 times ksm's 10000 pages in the
# same CPU
grep -qE '^ +pshare +1 +60\.0 +6\.00 +234\.4 +30\.0 +39\.1 +3145728 +0 +- +1500 +6\.00 +6\.00$' "$tmp/stdout"
check $? "table: vmlike-budget pshare and the ratios"
# unique-256: nothing to save, no ideal: the ratios are "-"
grep -qE '^ +pshare +1 +60\.0 +2\.00 +0\.0 +- +0\.0 +786432 +0 +- +2000 +- +-$' "$tmp/stdout"
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
# 1: time to 95%: mixed-256-budget: ksm not there in its 60 s window,
# pshare at 45 s: >1.33 < 4; vmlike-budget: neither got there: "?"
goal 1 "NOT MET" "mixed-256-budget >1.33 [>1.33–>1.33] (median of 1)" \
	"vmlike-budget ? [?–?] (median of 1) (neither engine at 95% in 1)" "(target >= 4 each)"
check $? "GOAL 1 equal budget NOT MET, >1.33 and ?"
# 2: mixed-256-converge 20.00/4.00 = 5.00; vmlike-converge: ksm never
# reached 95%, its 30.00 CPU s / pshare's 5.00 = >6.00; both >= 4
goal 2 MET "mixed-256-converge 5.00 [5.00–5.00] (median of 1)" "vmlike-converge >6.00"
check $? "GOAL 2 convergence MET, 5.00 and >6.00"
# 3: no steady-256 run in the sample
goal 3 "N/A" "steady-256"
check $? "GOAL 3 steady state N/A"
# 4: 12.00 s / 4800000 = 2500 ns, 4.00 s / 2000000 = 2000 ns: 1.25 > 1.2
goal 4 "NOT MET" "1.25 [1.25–1.25] (median of 1) (2500.0/2000.0 ns)"
check $? "GOAL 4 scaling NOT MET, 1.25"
# 5: unique-256 2.00 s / 1000000 = 2000 ns, / 600 ns of xxh64 = 3.33 > 0.5;
# mixed-256-converge 12.00 s / 8000000 = 1500 ns = 2.50 > 1.5
goal 5 "NOT MET" "unique-256 3.33 [3.33–3.33] (median of 1) (2000.0/600.0 ns)" \
	"mixed-256-converge 2.50 [2.50–2.50] (median of 1) (1500.0/600.0 ns)"
check $? "GOAL 5 near the limit NOT MET, 3.33 and 2.50"
# 6: 260096 / 262144 = 0.9922 < 1: not all of it stayed huge
goal 6 "NOT MET" "0.9922" "pshare 262144 to 260096 kB" "ksm 262144 to 131072 kB"
check $? "GOAL 6 huge pages NOT MET, 0.9922, both engines"
# 7: 786432 / 65536 = 12.00 B/page <= 16; ksm 4194304 / 65536 = 64.00
goal 7 MET "pshare B/page 12.00 [12.00–12.00]" "ksm 64.00 B/page"
check $? "GOAL 7 metadata MET, 12.00 B/page, ksm 64.00"
# 8: no vmlike-defaults run in the sample
goal 8 "N/A" "vmlike-defaults t_to_95 ksm/pshare -, cpu_to_95 ksm/pshare -"
check $? "GOAL 8 out of the box N/A"
[ "$(grep -c '^GOAL ' "$tmp/stdout")" -eq 8 ]
check $? "eight goal lines"

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
	grep -q '^GOAL 7 .* MET$' "$tmp/part.out"
check $? "  goals 2, 5, 6 N/A, the others still computed"
[ "$(wc -l < "$tmp/part/bench.csv")" -eq 65 ]
check $? "  64 rows left"

# --- three repetitions: the medians ---
o=$tmp/rep3
"$report" "$rep3" "$o" > "$tmp/r3.out" 2> "$tmp/r3.err"
check $? "report.sh on three repetitions exits 0"
cat "$tmp/r3.err"
# 11 runs x 2 engines x 3 repetitions x 2 rows, the repetition last
[ "$(wc -l < "$o/bench.csv")" -eq 133 ] &&
	[ "$(awk -F, '$12 == 3' "$o/bench.csv" | wc -l)" -eq 44 ]
check $? "bench.csv: 132 rows, 44 of repetition 3"
grep -qx 'steady-256,mixed,pshare,256,60.00,6.000,0,52000,1000000,4194304,0,2' "$o/bench.csv"
check $? "  a row of repetition 2 is whole"
grep -qx 'verified: all 66 results ok' "$tmp/r3.out"
check $? "all 66 results verified"
for p in saved-vs-time saved-vs-cpu; do
	[ -s "$o/$p.png" ] && is_png "$o/$p.png"
	check $? "$p.png of three repetitions is a PNG"
done
# medians.txt: cpu_s 12, 14, 10: median 12, min 10, max 14
grep -qx 'mixed-256-converge pshare cpu_s 12 10 14 3' "$o/medians.txt" &&
	grep -qx 'unique-256 pshare @ns 500 400 600 3' "$o/medians.txt"
check $? "medians.txt: median, min, max, n"
# The table shows medians: ksm's CPU 30, 32, 34 s, its 6.12 pages scanned
# 6000000: 5333 ns a page; pshare 12 s, 1500 ns; ksm's settings named
grep -qE '^mixed-256-converge +ksm\(smart\) +3 +60\.0 +32\.00 +199\.2 +98\.1 +6\.2 +4194304 +0 +24\.00 +5333$' "$tmp/r3.out"
check $? "table: ksm(smart), median CPU 32.00, 5333 ns a scanned page"
grep -qE '^ +pshare +3 +60\.0 +12\.00 +203\.1 +100\.0 +16\.9 +4194304 +0 +4\.00 +1500 +1\.02 +2\.55$' "$tmp/r3.out"
check $? "table: pshare, median CPU 12.00, 1500 ns"
grep -qE '^vmlike-converge-advisor +ksm\(advisor\) +3 ' "$tmp/r3.out"
check $? "table: the advisor run says ksm(advisor)"
grep -qE '^ +pshare +3 +60\.0 +12\.00 +234\.4 +30\.0 +19\.5 +4194304 +0 +- +12000 +6\.00 +6\.00$' "$tmp/r3.out"
check $? "table: x_saved the median of 6, 5 and 7.5"
goal3() {	# N STATUS FIGURE...: as goal, in the three repetitions' summary
	local n=$1 st=$2 line
	shift 2
	line=$(grep "^GOAL $n " "$tmp/r3.out")
	[ "$(grep -c "^GOAL $n " "$tmp/r3.out")" -eq 1 ] &&
		[ "${line##*) }" = "$st" ] || return 1
	for f; do
		case $line in *"$f"*) ;; *) return 1 ;; esac
	done
}
# 1: mixed-256-budget 30/10, 36/12, 24/4 = 3, 3, 6: median 3 < 4 (the
# mean, 4, would meet it); vmlike-budget 40/10, 50/10 and ksm short in its
# 60 s window against pshare's 20 s: 4, 5, >3: median 4
goal3 1 "NOT MET" "vmlike-budget 4.00 [>3.00–5.00] (median of 3)" \
	"mixed-256-budget 3.00 [3.00–6.00] (median of 3)"
check $? "GOAL 1 NOT MET on the median 3.00 [3.00–6.00]"
# 2: 20/4, 24/4, 30/5 = 5, 6, 6; 12/3, 9/3, >30/5 = 4, 3, >6; advisor 10, 11, 9
goal3 2 MET "mixed-256-converge 6.00 [5.00–6.00] (median of 3)" \
	"vmlike-converge 4.00 [3.00–>6.00] (median of 3)" \
	"not decided on: against ksm(advisor) vmlike-converge-advisor 10.00 [9.00–11.00] (median of 3)"
check $? "GOAL 2 MET, 6.00 [5.00–6.00] and 4.00 [3.00–>6.00]"
# 3: 0.8/0.25, 1.0/0.2, 0.9/0.3 = 3.2, 5, 3: median 3.20 < 4
goal3 3 "NOT MET" "steady-256 CPU per full pass ksm/pshare 3.20 [3.00–5.00] (median of 3)" \
	"CPU s per pass pshare 0.250, ksm(smart) 0.900" \
	"ns per scanned page pshare 1000, ksm 4000" "pshare skipped 10000 pages a pass"
check $? "GOAL 3 steady state NOT MET, 3.20 [3.00–5.00]"
# 4: 2400/2000, 2600/2100, 2000/1900 = 1.20, 1.24, 1.05
goal3 4 MET "1.20 [1.05–1.24] (median of 3) (2400.0/2000.0 ns)"
check $? "GOAL 4 scaling MET, 1.20 [1.05–1.24]"
# 5: unique 500, 600, 400 ns / 1000; mixed 1500, 1750, 1250 ns / 1000
goal3 5 MET "unique-256 0.50 [0.40–0.60] (median of 3)" \
	"mixed-256-converge 1.50 [1.25–1.75] (median of 3)"
check $? "GOAL 5 near the limit MET, 0.50 and 1.50"
# 6: 1, 0.9922, 1
goal3 6 MET "1.0000 [0.9922–1.0000] (median of 3)"
check $? "GOAL 6 huge pages MET, 1.0000 [0.9922–1.0000]"
# 7: 12, 13, 16 B/page
goal3 7 MET "pshare B/page 13.00 [12.00–16.00] (median of 3)" "ksm 64.00 B/page"
check $? "GOAL 7 metadata MET, 13.00 [12.00–16.00]"

# 8: vmlike-defaults, ksm/pshare per repetition: time 40/20, 30/25 and
# ksmd short of 95% in its 60 s run against pshare's 20 s: 2, 1.2, >3;
# CPU 4/5, 3/2 and ksmd's whole 6 s against pshare's 10: 0.8, 1.5, >0.6.
# The time is met (2.00 > 1), the CPU is not (0.80 < 1).
g8pre="GOAL 8 out of the box: pshare's time to 95% < ksmd's and pshare's CPU to 95% <= ksmd's: vmlike-defaults (pshare, ksm(smart) at their defaults; CPU s over the whole run pshare 5.30, ksm 4.30)"
[ "$(grep '^GOAL 8 ' "$tmp/r3.out")" = "$g8pre t_to_95 ksm/pshare 2.00 [1.20–>3.00] (median of 3), cpu_to_95 ksm/pshare 0.80 [>0.60–1.50] (median of 3) (target > 1 and >= 1) NOT MET" ]
check $? "GOAL 8 out of the box NOT MET on CPU, 2.00 [1.20–>3.00] and 0.80 [>0.60–1.50]"
[ "$(grep -c '^GOAL ' "$tmp/r3.out")" -eq 8 ]
check $? "eight goal lines of three repetitions"
# The table: the row of each engine at its defaults, medians of 43, 33,
# 60 s and 4.3, 3.3, 6 CPU s; ksmd's cpu95_s of the two that got there
grep -qE '^vmlike-defaults +ksm\(smart\) +3 +43\.0 +4\.30 +746\.1 +95\.5 +174\.4 +4194304 +0 +3\.50 +-$' "$tmp/r3.out" &&
	grep -qE '^ +pshare +3 +23\.0 +5\.30 +773\.4 +99\.0 +145\.9 +4194304 +0 +5\.00 +5300 +1\.04 +0\.84$' "$tmp/r3.out"
check $? "table: vmlike-defaults, both engines"
# pshare's CPU to 95% in repetition 1 down to 2 s: 4/2 = 2, median 1.50: MET
sed '/BENCH-RESULT: run=vmlike-defaults engine=pshare rep=1 /s/ cpu_to_95_s=5 / cpu_to_95_s=2 /' \
	"$rep3" > "$tmp/g8.log"
"$report" "$tmp/g8.log" "$tmp/g8" > "$tmp/g8.out" 2> /dev/null &&
	[ "$(grep '^GOAL 8 ' "$tmp/g8.out")" = "$g8pre t_to_95 ksm/pshare 2.00 [1.20–>3.00] (median of 3), cpu_to_95 ksm/pshare 1.50 [>0.60–2.00] (median of 3) (target > 1 and >= 1) MET" ]
check $? "GOAL 8 MET, 2.00 [1.20–>3.00] and 1.50 [>0.60–2.00]"
# and pshare as slow as ksmd in repetitions 1 and 2 (40 and 30 s): the
# time ratio's median is 1, not more: not met
sed -e '/BENCH-RESULT: run=vmlike-defaults engine=pshare rep=1 /s/ t_to_95_s=20 / t_to_95_s=40 /' \
	-e '/BENCH-RESULT: run=vmlike-defaults engine=pshare rep=2 /s/ t_to_95_s=25 / t_to_95_s=30 /' \
	"$tmp/g8.log" > "$tmp/g8tie.log"
"$report" "$tmp/g8tie.log" "$tmp/g8tie" > "$tmp/g8tie.out" 2> /dev/null &&
	[ "$(grep '^GOAL 8 ' "$tmp/g8tie.out")" = "$g8pre t_to_95 ksm/pshare 1.00 [1.00–>3.00] (median of 3), cpu_to_95 ksm/pshare 1.50 [>0.60–2.00] (median of 3) (target > 1 and >= 1) NOT MET" ]
check $? "GOAL 8 NOT MET on a tie, 1.00 [1.00–>3.00]"
# without ksmd's runs: N/A
grep -v 'run=vmlike-defaults engine=ksm' "$rep3" > "$tmp/g8na.log"
"$report" "$tmp/g8na.log" "$tmp/g8na" > "$tmp/g8na.out" 2> /dev/null &&
	[ "$(grep '^GOAL 8 ' "$tmp/g8na.out")" = "GOAL 8 out of the box: pshare's time to 95% < ksmd's and pshare's CPU to 95% <= ksmd's: vmlike-defaults t_to_95 ksm/pshare -, cpu_to_95 ksm/pshare - (target > 1 and >= 1) N/A" ]
check $? "GOAL 8 N/A without ksmd's vmlike-defaults"

# Two repetitions of the steady run: the median is the mean of the two
grep -v 'steady-256 engine=[a-z]* rep=3 ' "$rep3" > "$tmp/even.log"
"$report" "$tmp/even.log" "$tmp/even" > "$tmp/even.out" 2> /dev/null &&
	grep -q '^GOAL 3 .* 4\.10 \[3\.20–5\.00\] (median of 2) .* MET$' "$tmp/even.out"
check $? "two repetitions: median 4.10 [3.20–5.00], MET"
# A failed repetition is named with its number
sed '/BENCH-RESULT: run=thp-256 engine=pshare rep=2 /s/verified=ok/verified=FAIL/' \
	"$rep3" > "$tmp/fail3.log"
! "$report" "$tmp/fail3.log" "$tmp/fail3" > "$tmp/fail3.out" 2> "$tmp/fail3.err" &&
	grep -q 'thp-256/pshare#2 verified=FAIL' "$tmp/fail3.err" &&
	grep -qx 'verified: NOT ok: thp-256/pshare#2' "$tmp/fail3.out"
check $? "a repetition not verified: non-zero, named with its number"

# --- usage ---
"$report" "$sample" > /dev/null 2>&1
[ $? -eq 2 ]
check $? "one argument: usage, exit 2"

host_done
