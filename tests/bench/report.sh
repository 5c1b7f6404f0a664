#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Turn the benchmark's console log into CSV, plots, a summary and the goals.
#
#   tests/bench/report.sh LOG OUTDIR
#
# LOG is the guest's console log (carriage returns and kernel or QEMU lines
# mixed in are fine). The guest prints, anywhere on a line:
#   BENCH-CSV: run,workload,engine,mib,t_s,cpu_s,saved_pages,ideal_pages,
#              scanned_pages,metadata_bytes,anon_huge_kb,rep  (time series)
#   BENCH-RESULT: key=value ...       (one per run, engine and repetition)
#   BENCH-XXH64: ns_per_page=X memcmp_ns_per_page=Y pages=N
# A run may be made several times (bench.sh REPEAT): rep=K in BENCH-RESULT
# and the last BENCH-CSV column say which repetition a line is of; a log
# without them (11 columns, no rep=) is of one repetition, rep 1.
# In OUTDIR it writes bench.csv, results.txt, xxh64.txt, medians.txt (per
# run, engine and figure: median, min, max and the number of repetitions),
# saved-vs-time.png and saved-vs-cpu.png (repetition 1 of each run) and
# summary.txt: the table of medians followed by one line per goal, each
# decided on the median over the repetitions of its per-repetition figure
# (a ratio of pshare and ksm of the same repetition), shown as
# "MEDIAN [MIN–MAX] (median of N)". The summary is also printed on stdout.
# Pages are 4 KiB (the x86-64 guest); -1 is "not reached or not available"
# and shows as "-"; ">X" is at least X (ksmd never got there within the
# run, X counts the whole run), "<X" at most X (nor did pshare).
#
# Exit status: 0 when all of it was written, whether the goals are met or
# not; 1 when the log has no BENCH-RESULT line, a result is not verified=ok
# (each one is named on stderr) or plotting failed; 2 on bad usage.
# REPORT_TERMINAL=png forces gnuplot's libgd terminal instead of pngcairo.
set -uo pipefail

usage() { echo "usage: report.sh LOG OUTDIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
log=$1 out=$2
[ -r "$log" ] || { echo "report: cannot read $log" >&2; exit 2; }
command -v gnuplot > /dev/null || {
	echo "report: gnuplot is missing (apt-get install gnuplot-nox, or make deps)" >&2
	exit 1
}
mkdir -p "$out" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
rc=0

# --- 1-3: the three kinds of line, prefix and anything before it removed ---
tr -d '\r' < "$log" > "$tmp/log"
hdr=run,workload,engine,mib,t_s,cpu_s,saved_pages,ideal_pages,scanned_pages,metadata_bytes,anon_huge_kb,rep
{
	echo "$hdr"
	sed -n 's/^.*BENCH-CSV:[[:space:]]*//p' "$tmp/log" | awk -F, '
	function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
	{
		sub(/[[:space:]]+$/, "")
		if ($1 == "run")	# a header the guest printed itself
			next
		ok = (NF == 11 || NF == 12) && $1 != "" && $2 != "" && $3 != ""
		for (i = 4; ok && i <= NF; i++)
			ok = num($i)
		if (ok && NF == 12)
			ok = $12 ~ /^[1-9][0-9]*$/
		if (ok)
			print (NF == 11 ? $0 ",1" : $0)
		else
			printf "report: skipping a malformed BENCH-CSV line: %s\n", \
				$0 > "/dev/stderr"
	}'
} > "$out/bench.csv"
sed -n 's/^.*BENCH-RESULT:[[:space:]]*//p' "$tmp/log" |
	sed 's/[[:space:]]*$//' > "$out/results.txt"
sed -n 's/^.*BENCH-XXH64:[[:space:]]*//p' "$tmp/log" |
	sed 's/[[:space:]]*$//' | tail -n 1 > "$out/xxh64.txt"
[ -s "$out/xxh64.txt" ] ||
	echo "report: no BENCH-XXH64 line: goal 5 is N/A" >&2
if [ ! -s "$out/results.txt" ]; then
	echo "report: no BENCH-RESULT line in $log" >&2
	rc=1
fi
bad=$(awk '{
	run = "?"; eng = "?"; v = "missing"; rep = ""
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^run=/) run = substr($i, 5)
		if ($i ~ /^engine=/) eng = substr($i, 8)
		if ($i ~ /^rep=/) rep = "#" substr($i, 5)
		if ($i ~ /^verified=/) v = substr($i, 10)
	}
	if (v != "ok")
		printf "%s/%s%s verified=%s\n", run, eng, rep, v
}' "$out/results.txt")
if [ -n "$bad" ]; then
	echo "report: results not verified:" >&2
	while read -r l; do echo "  $l"; done <<< "$bad" >&2
	rc=1
fi

# --- 4: plots, one panel per run, one line per engine, the ideal dashed ---
# One data file per run and engine, of its repetition 1: t_s cpu_s
# saved_MiB ideal_MiB; runs in the order they came, their names made safe
# to quote.
: > "$tmp/runs"
awk -F, -v dir="$tmp" '
NR > 1 && $12 == 1 && ($3 == "ksm" || $3 == "pshare") {
	if (!($1 in idx)) {
		idx[$1] = ++n
		name = $1
		gsub(/[^A-Za-z0-9._+-]/, "_", name)
		print name > (dir "/runs")
	}
	print $5, $6, $7 * 4 / 1024, $8 * 4 / 1024 > (dir "/" idx[$1] "." $3 ".dat")
}' "$out/bench.csv"
term=pngcairo
if [ "${REPORT_TERMINAL:-}" = png ] ||
   ! gnuplot -e 'set terminal' 2>&1 | grep -w pngcairo > /dev/null; then
	term=png
fi
panels() {	# XCOLUMN: the plot command of each run's panel
	local i=0 run e c sep title
	while read -r run; do
		i=$((i + 1))
		echo "set title '$run'"
		sep=plot
		for e in ksm pshare; do
			[ -f "$tmp/$i.$e.dat" ] || continue
			[ $e = ksm ] && c='#d62728' || c='#1f77b4'
			printf "%s '%s' using %d:3 with lines lw 2 lc rgb '%s' title '%s'" \
				"$sep" "$tmp/$i.$e.dat" "$1" "$c" "$e"
			sep=$', \\\n    '
		done
		title="title 'ideal'"
		for e in ksm pshare; do
			[ -f "$tmp/$i.$e.dat" ] || continue
			printf "%s '%s' using %d:4 with lines lw 1 dt 2 lc rgb '#606060' %s" \
				"$sep" "$tmp/$i.$e.dat" "$1" "$title"
			title=notitle
		done
		echo
	done < "$tmp/runs"
}
plot() {	# FILE XCOLUMN XLABEL
	local n cols=1 rows
	n=$(wc -l < "$tmp/runs")
	[ "$n" -gt 1 ] && cols=2
	[ "$n" -gt 4 ] && cols=3
	while [ $((cols * cols)) -lt "$n" ]; do cols=$((cols + 1)); done
	rows=$(( n > 0 ? (n + cols - 1) / cols : 1 ))
	{
		echo "set terminal $term size $((cols * 440)),$((rows * 340 + 40)) font ',9'"
		echo "set output '$1'"
		if [ "$n" -eq 0 ]; then
			echo "unset border; unset tics; unset key"
			echo "set label 'no BENCH-CSV rows in the log' at 0.5,0.5 center"
			echo "plot [0:1] [0:1] 2 notitle"
		else
			echo "set multiplot layout $rows,$cols title 'saved MiB against $3 (repetition 1)'"
			echo "set key below horizontal samplen 2"
			echo "set grid"
			echo "set ylabel 'saved MiB'"
			echo "set yrange [0:*]; set offsets 0, 0, graph 0.08, 0"
			panels "$2"
			echo "unset multiplot"
		fi
	} > "$tmp/plot.gp"
	rm -f "$1"
	if ! gnuplot "$tmp/plot.gp" 2> "$tmp/gnuplot.err" || [ ! -s "$1" ]; then
		echo "report: gnuplot failed on $1:" >&2
		cat "$tmp/gnuplot.err" >&2
		rc=1
	fi
}
plot "$out/saved-vs-time.png" 1 'the time since the run started (s)'
plot "$out/saved-vs-cpu.png" 2 'the CPU time of ksmd or pshared since the run started (s)'

# --- 5-6: summary table and goals ---
awk -v resf="$out/results.txt" -v xxf="$out/xxh64.txt" -v medf="$out/medians.txt" '
function na(x) { return x == "" || x == "-" || x + 0 < 0 }
function isnum(x) { return x ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ }
# key k of run r, engine e, repetition p; "" if not there
function get(r, e, k, p) { return ((r, e, p, k) in V) ? V[r, e, p, k] : "" }
function f(x, fmt) { return na(x) ? "-" : sprintf(fmt, x) }
function mib(p) { return p * 4 / 1024 }

# A sample of per-repetition figures, SV[1..SN], each with a qualifier SQ:
# "" exact, ">" at least, "<" at most, "?" not known (counted as 0, the
# worst); INF stands for an infinite ratio.
function sclear() { SN = 0 }
function sadd(v, q) { SN++; SV[SN] = v + 0; SQ[SN] = q }
function qboth(a, b) { return a == b ? a : a == "" ? b : b == "" ? a : "?" }
# Sort the sample; set MED, LO, HI and their qualifiers; return SN.
function smed(   i, j, v, q) {
	for (i = 2; i <= SN; i++) {
		v = SV[i]; q = SQ[i]
		for (j = i - 1; j >= 1 && SV[j] > v; j--) {
			SV[j + 1] = SV[j]; SQ[j + 1] = SQ[j]
		}
		SV[j + 1] = v; SQ[j + 1] = q
	}
	MED = LO = HI = MEDQ = LOQ = HIQ = ""
	if (SN == 0)
		return 0
	LO = SV[1]; LOQ = SQ[1]; HI = SV[SN]; HIQ = SQ[SN]
	if (SN % 2) {
		MED = SV[(SN + 1) / 2]; MEDQ = SQ[(SN + 1) / 2]
	} else {
		MED = (SV[SN / 2] + SV[SN / 2 + 1]) / 2
		MEDQ = qboth(SQ[SN / 2], SQ[SN / 2 + 1])
	}
	return SN
}
function fq(v, q, fmt) {
	if (q == "?")
		return "?"
	return v >= INF / 10 ? "inf" : q sprintf(fmt, v)
}
function fnum(v) {
	if (v >= INF / 10)
		return "inf"
	return v == int(v) && v < 1e15 ? sprintf("%.0f", v) : sprintf("%.6g", v)
}
# The sample as "MEDIAN [MIN–MAX] (median of N)", after smed()
function spread(fmt) {
	return sprintf("%s [%s–%s] (median of %d)", fq(MED, MEDQ, fmt),
		fq(LO, LOQ, fmt), fq(HI, HIQ, fmt), SN)
}
# The goal, decided on the median: at least or at most target t
function atleast(t) {
	if (SN == 0)
		return "N/A"
	return MED >= t && (MEDQ == "" || MEDQ == ">") ? "MET" : "NOT MET"
}
function atmost(t) {
	if (SN == 0)
		return "N/A"
	return MED <= t && (MEDQ == "" || MEDQ == "<") ? "MET" : "NOT MET"
}
function both(a, b) {
	return (a == "NOT MET" || b == "NOT MET") ? "NOT MET" : \
		(a == "MET" && b == "MET") ? "MET" : "N/A"
}

# Per-repetition figures of run r, engine e, repetition p; "" if not known
# pshare/ksm ratio of two figures: "inf", "" or the number
function ratio(p, k) {
	if (p == "inf" || k == "inf" || na(p) || na(k))
		return ""
	if (k + 0 == 0)
		return p + 0 > 0 ? "inf" : ""
	return p / k
}
function eff(r, e, p,   s, c) {	# saved MiB per CPU second
	s = get(r, e, "saved", p); c = get(r, e, "cpu_s", p)
	if (na(s) || na(c))
		return ""
	if (c + 0 == 0)
		return s + 0 > 0 ? "inf" : ""
	return mib(s) / c
}
# ns of scanner CPU per scanned page over the whole run
function nsrun(r, e, p,   c, s) {
	c = get(r, e, "cpu_s", p); s = get(r, e, "scanned", p)
	return (na(c) || na(s) || s + 0 == 0) ? "" : c * 1e9 / s
}
# the same over the middle of the first pass (pass1_ns_per_page) where the
# run measured it, else over the whole run
function nsper(r, e, p,   x) {
	x = get(r, e, "pass1_ns_per_page", p)
	return (!na(x) && x + 0 > 0) ? x : nsrun(r, e, p)
}
# d: a key of the result line as it is, or @NAME, a figure made from them
function dval(d, r, e, p,   x, y) {
	if (d == "@mib") {
		x = get(r, e, "saved", p)
		return na(x) ? "" : mib(x)
	}
	if (d == "@pct") {
		x = get(r, e, "saved", p); y = get(r, e, "ideal", p)
		return (!na(x) && y + 0 > 0) ? 100 * x / y : ""
	}
	if (d == "@eff")
		return eff(r, e, p)
	if (d == "@ns")
		return nsrun(r, e, p)
	if (d == "@nsper")
		return nsper(r, e, p)
	if (d == "@xsaved")
		return ratio(get(r, "pshare", "saved", p), get(r, "ksm", "saved", p))
	if (d == "@xeff")
		return ratio(eff(r, "pshare", p), eff(r, "ksm", p))
	if (d == "@skippass") {
		x = get(r, e, "steady_skipped", p); y = get(r, e, "steady_passes", p)
		return (na(x) || na(y) || y + 0 == 0) ? "" : x / y
	}
	x = get(r, e, d, p)
	return (x == "inf" || isnum(x)) ? x : ""
}
# the sample of figure d over the repetitions of (r, e): the x ratios over
# those with both engines; returns SN
function dsample(d, r, e,   i, p, v) {
	sclear()
	for (i = 1; i <= NREP[r, e]; i++) {
		p = REP[r, e, i]
		if (d ~ /^@x/ && !((r, "ksm", p) in HAS && (r, "pshare", p) in HAS))
			continue
		v = dval(d, r, e, p)
		if (v == "inf")
			sadd(INF, "")
		else if (!na(v))
			sadd(v, "")
	}
	return smed()
}
function dmed(d, r, e, fmt) { return dsample(d, r, e) ? fq(MED, "", fmt) : "-" }

# The KSM settings of a row: ksm(advisor) with advisor_mode scan-time,
# ksm(smart) with smart_scan on, ksm(plain) with neither (the 6.1 KSM)
function elabel(r, e,   p, a, s) {
	if (e != "ksm")
		return e
	p = REP[r, e, 1]
	a = get(r, e, "ksm_advisor", p); s = get(r, e, "smart_scan", p)
	if (a == "" && s == "")
		return "ksm"
	if (a == "scan-time")
		return "ksm(advisor)"
	return s == "1" ? "ksm(smart)" : "ksm(plain)"
}
function row(r, e, name,   x1, x2, line) {
	x1 = x2 = ""
	if (e == "pshare" && ((r, "ksm") in SEEN)) {
		x1 = dmed("@xsaved", r, e, "%.2f")
		x2 = dmed("@xeff", r, e, "%.2f")
	}
	line = sprintf(TFMT, name, elabel(r, e), NREP[r, e],
		dmed("window_s", r, e, "%.1f"), dmed("cpu_s", r, e, "%.2f"),
		dmed("@mib", r, e, "%.1f"), dmed("@pct", r, e, "%.1f"),
		dmed("@eff", r, e, "%.1f"), dmed("metadata_bytes", r, e, "%.0f"),
		dmed("anon_huge_kb_end", r, e, "%.0f"),
		dmed("cpu_to_95_s", r, e, "%.2f"), dmed("@ns", r, e, "%.0f"), x1, x2)
	sub(/ +$/, "", line)
	print line
}
function goal(n, name, fig, target, status) {
	printf "GOAL %d %s: %s (target %s) %s\n", n, name, fig, target, status
}
function both_engines(r) { return (r, "ksm") in SEEN && (r, "pshare") in SEEN }
# Per repetition, ksm/pshare of key k (t_to_95_s, cpu_to_95_s): where
# ksmd never got there, at least its whole run (key fb) over pshare k;
# where pshare never did, at most ksm k over pshare fb; where neither did,
# not known, "?", counted as 0. Sets FIG to "RUN MEDIAN [MIN–MAX] (median
# of N)" and returns the status against "at least t".
function tgoal(r, k, fb, t,   i, p, kv, pv, kw, pw, short, none, st) {
	if (!both_engines(r)) {
		FIG = r " -"
		return "N/A"
	}
	sclear(); short = none = 0
	for (i = 1; i <= NREP[r, "pshare"]; i++) {
		p = REP[r, "pshare", i]
		if (!((r, "ksm", p) in HAS))
			continue
		kv = get(r, "ksm", k, p); pv = get(r, "pshare", k, p)
		kw = get(r, "ksm", fb, p); pw = get(r, "pshare", fb, p)
		# A run that went on past its window (b_bench -X): its end.
		if (fb == "window_s" && !na(get(r, "ksm", "run_s", p)))
			kw = get(r, "ksm", "run_s", p)
		if (fb == "window_s" && !na(get(r, "pshare", "run_s", p)))
			pw = get(r, "pshare", "run_s", p)
		if (!na(pv) && !na(kv)) {
			sadd(pv + 0 == 0 ? INF : kv / pv, "")
		} else if (!na(pv)) {
			if (na(kw))
				sadd(0, "?")
			else
				sadd(pv + 0 == 0 ? INF : kw / pv, ">")
		} else if (!na(kv) && !na(pw) && pw + 0 > 0) {
			short++
			sadd(kv / pw, "<")
		} else {
			none++
			sadd(0, "?")
		}
	}
	if (!smed()) {
		FIG = r " -"
		return "N/A"
	}
	FIG = r " " spread("%.2f")
	st = atleast(t)
	if (short)
		FIG = FIG sprintf(" (pshare short of 95%% in %d)", short)
	if (none)
		FIG = FIG sprintf(" (neither engine at 95%% in %d)", none)
	return st
}
FILENAME == resf {
	run = eng = ""; rep = 1
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^run=/) run = substr($i, 5)
		if ($i ~ /^engine=/) eng = substr($i, 8)
		if ($i ~ /^rep=[1-9][0-9]*$/) rep = substr($i, 5) + 0
	}
	if (run == "" || eng == "")
		next
	if (!(run in RSEEN)) {
		RSEEN[run] = 1
		RUNS[++NR_RUNS] = run
	}
	if (!((run, eng) in SEEN)) {
		SEEN[run, eng] = 1
		ENGS[run, ++NENG[run]] = eng
	}
	if (!((run, eng, rep) in HAS)) {
		HAS[run, eng, rep] = 1
		REP[run, eng, ++NREP[run, eng]] = rep
	}
	if (rep > MAXREP)
		MAXREP = rep
	for (i = 1; i <= NF; i++) {
		p = index($i, "=")
		if (p > 1) {
			k = substr($i, 1, p - 1)
			V[run, eng, rep, k] = substr($i, p + 1)
			if (!(k in KSEEN)) {
				KSEEN[k] = 1
				KEYS[++NKEYS] = k
			}
		}
	}
	next
}
FILENAME == xxf {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^ns_per_page=/)
			XXH = substr($i, 13)
}
END {
	INF = 1e300
	TFMT = "%-23s %-12s %2s %8s %7s %9s %6s %9s %11s %10s %7s %7s %7s %9s"
	# medians.txt: every numeric figure of every run and engine, and those
	# of the table made from them
	ND = split("@mib @pct @eff @ns @nsper @xsaved @xeff @skippass", DKEYS, " ")
	print "run engine figure median min max n" > medf
	for (n = 1; n <= NR_RUNS; n++) {
		r = RUNS[n]
		for (j = 1; j <= NENG[r]; j++) {
			e = ENGS[r, j]
			for (i = 1; i <= NKEYS + ND; i++) {
				k = i <= NKEYS ? KEYS[i] : DKEYS[i - NKEYS]
				if (k == "rep" || !dsample(k, r, e))
					continue
				printf "%s %s %s %s %s %s %d\n", r, e, k, fnum(MED),
					fnum(LO), fnum(HI), SN > medf
			}
		}
	}
	close(medf)

	print "the median over the n repetitions of each figure; saved and ideal in MiB of 4 KiB pages;"
	print "AnonHuge_kB at the end of the window; cpu95_s: CPU s to 95% of ideal; ns/page: CPU ns per"
	print "page scanned; x_saved, x_MiB/cpu: pshare/ksm; -: not reached or not available; ksm(smart):"
	print "smart_scan on, ksm(advisor): advisor_mode scan-time, ksm(plain): neither. In the goals,"
	print "MEDIAN [MIN–MAX] over the repetitions; >X: at least X, <X: at most X, ?: not known"
	printf TFMT "\n", "run", "engine", "n", "window_s", "cpu_s", "saved_MiB",
		"%ideal", "MiB/cpu_s", "metadata_B", "AnonHug_kB", "cpu95_s", "ns/page",
		"x_saved", "x_MiB/cpu"
	for (n = 1; n <= NR_RUNS; n++) {
		r = RUNS[n]
		name = r
		for (e = 1; e <= 2; e++) {
			eng = e == 1 ? "ksm" : "pshare"
			if ((r, eng) in SEEN) {
				row(r, eng, name)
				name = ""
			}
		}
		for (j = 1; j <= NENG[r]; j++) {	# an engine of another name
			eng = ENGS[r, j]
			if (eng != "ksm" && eng != "pshare") {
				row(r, eng, name)
				name = ""
			}
		}
	}
	nv = 0; bad = ""
	for (k in HAS) {
		split(k, part, SUBSEP)
		nv++
		if (V[part[1], part[2], part[3], "verified"] != "ok")
			bad = bad " " part[1] "/" part[2] (MAXREP > 1 ? "#" part[3] : "")
	}
	if (nv == 0)
		print "verified: no results"
	else if (bad == "")
		print "verified: all " nv " results ok"
	else
		print "verified: NOT ok:" bad
	print ""

	# 1. equal budget: ksmd takes 4 times the time pshare takes to 95% of
	# the ideal (its saving in the fixed window is x_saved in the table)
	s1 = tgoal("vmlike-budget", "t_to_95_s", "window_s", 4); f1 = FIG
	s2 = tgoal("mixed-256-budget", "t_to_95_s", "window_s", 4); f2 = FIG
	goal(1, "equal budget", "t_to_95 ksm/pshare " f1 ", " f2, ">= 4 each",
		both(s1, s2))

	# 2. convergence: pshare needs a quarter of the CPU ksmd needs to 95%
	s1 = tgoal("mixed-256-converge", "cpu_to_95_s", "cpu_s", 4); f1 = FIG
	s2 = tgoal("vmlike-converge", "cpu_to_95_s", "cpu_s", 4); f2 = FIG
	fig = "cpu_to_95 ksm/pshare " f1 ", " f2
	r = "vmlike-converge-advisor"
	if (both_engines(r)) {
		tgoal(r, "cpu_to_95_s", "cpu_s", 4)
		fig = fig "; not decided on: against " elabel(r, "ksm") " " FIG
	}
	goal(2, "convergence", fig, ">= 4 each", both(s1, s2))

	# 3. steady state: CPU per full pass over the converged workload
	r = "steady-256"
	sclear()
	for (i = 1; i <= NREP[r, "pshare"]; i++) {
		p = REP[r, "pshare", i]
		k = get(r, "ksm", "steady_cpu_per_pass_s", p)
		c = get(r, "pshare", "steady_cpu_per_pass_s", p)
		if ((r, "ksm", p) in HAS && !na(k) && !na(c))
			sadd(c + 0 == 0 ? INF : k / c, "")
	}
	if (smed()) {
		fig = spread("%.2f"); st = atleast(4)
		fig = fig sprintf(" (CPU s per pass pshare %s, %s %s; ns per scanned page pshare %s, ksm %s; pshare skipped %s pages a pass)",
			dmed("steady_cpu_per_pass_s", r, "pshare", "%.3f"), elabel(r, "ksm"),
			dmed("steady_cpu_per_pass_s", r, "ksm", "%.3f"),
			dmed("steady_ns_per_scanned_page", r, "pshare", "%.0f"),
			dmed("steady_ns_per_scanned_page", r, "ksm", "%.0f"),
			dmed("@skippass", r, "pshare", "%.0f"))
	} else {
		fig = "-"; st = "N/A"
	}
	goal(3, "steady state", r " CPU per full pass ksm/pshare " fig, ">= 4", st)

	# 4. scaling: CPU per page over the middle of the first pass (merges
	# included), which later, cheaper passes of a small run cannot dilute
	a = "scale-4096"; b = "scale-256"
	sclear()
	for (i = 1; i <= NREP[a, "pshare"]; i++) {
		p = REP[a, "pshare", i]
		x = nsper(a, "pshare", p); y = nsper(b, "pshare", p)
		if (x != "" && y != "" && y + 0 > 0)
			sadd(x / y, "")
	}
	if (smed()) {
		fig = spread("%.2f"); st = atmost(1.2)
		fig = fig " (" dmed("@nsper", a, "pshare", "%.1f") "/" \
			dmed("@nsper", b, "pshare", "%.1f") " ns)"
	} else {
		fig = "-"; st = "N/A"
	}
	goal(4, "scaling", "pshare CPU per page, first pass, scale-4096/scale-256 " fig,
		"<= 1.2", st)

	# 5. near the limit: pshare CPU per scanned page against one xxh64 of
	# the page: on the unique workload, and over the whole mixed
	# convergence run (one pass that merges, then passes over merged pages)
	split("unique-256 mixed-256-converge", lr, " ")
	split("0.5 1.5", lt, " ")
	fig = "pshare ns per scanned page / xxh64 ns per page"
	for (j = 1; j <= 2; j++) {
		r = lr[j]
		sclear()
		for (i = 1; i <= NREP[r, "pshare"]; i++) {
			x = nsrun(r, "pshare", REP[r, "pshare", i])
			if (x != "" && !na(XXH) && XXH + 0 > 0)
				sadd(x / XXH, "")
		}
		if (smed()) {
			s5[j] = atmost(lt[j])
			f5 = spread("%.2f")
			f5 = f5 " (" dmed("@ns", r, "pshare", "%.1f") "/" sprintf("%.1f", XXH) " ns)"
		} else {
			s5[j] = "N/A"; f5 = "-"
		}
		fig = fig (j == 1 ? " " : ", ") r " " f5
	}
	goal(5, "near the limit", fig, "<= 0.5 unique, <= 1.5 mixed", both(s5[1], s5[2]))

	# 6. huge pages: with no pressure all THP-backed memory stays huge
	r = "thp-256"
	sclear()
	for (i = 1; i <= NREP[r, "pshare"]; i++) {
		p = REP[r, "pshare", i]
		x = get(r, "pshare", "anon_huge_kb_start", p)
		y = get(r, "pshare", "anon_huge_kb_end", p)
		if (!na(x) && !na(y) && x + 0 > 0)
			sadd(y / x, "")
	}
	if (smed()) {
		fig = spread("%.4f"); st = atleast(1)
	} else {
		fig = "-"; st = "N/A"
	}
	fig = fig sprintf(" (pshare %s to %s kB, ksm %s to %s kB)",
		dmed("anon_huge_kb_start", r, "pshare", "%.0f"),
		dmed("anon_huge_kb_end", r, "pshare", "%.0f"),
		dmed("anon_huge_kb_start", r, "ksm", "%.0f"),
		dmed("anon_huge_kb_end", r, "ksm", "%.0f"))
	goal(6, "huge pages", r " pshare end/start " fig, ">= 1.0000", st)

	# 7. metadata per scanned page that never shares
	r = "unique-256"
	sclear()
	for (i = 1; i <= NREP[r, "ksm"]; i++) {
		p = REP[r, "ksm", i]
		x = get(r, "ksm", "metadata_bytes", p); y = get(r, "ksm", "registered", p)
		if (!na(x) && !na(y) && y + 0 > 0)
			sadd(x / y, "")
	}
	kfig = smed() ? "ksm " fq(MED, "", "%.2f") " B/page" : "ksm -"
	sclear()
	for (i = 1; i <= NREP[r, "pshare"]; i++) {
		p = REP[r, "pshare", i]
		x = get(r, "pshare", "metadata_bytes", p)
		y = get(r, "pshare", "registered", p)
		if (!na(x) && !na(y) && y + 0 > 0)
			sadd(x / y, "")
	}
	if (smed())
		goal(7, "metadata", r " pshare B/page " spread("%.2f") " (" kfig ")",
			"<= 16 B/page", atmost(16))
	else
		goal(7, "metadata", r " pshare - (" kfig ")", "<= 16 B/page", "N/A")

	# 8. out of the box: newly started vm-like guests, every setting of
	# both engines at its default; per repetition ksm/pshare of the time
	# and of the CPU to 95% of the ideal (ksmd short of 95%: its whole run,
	# a lower bound, as in goal 1). Time strictly shorter, CPU no more.
	r = "vmlike-defaults"
	s1 = tgoal(r, "t_to_95_s", "window_s", 1)
	if (s1 == "MET" && !(MED > 1))
		s1 = "NOT MET"
	f1 = substr(FIG, length(r) + 2)
	s2 = tgoal(r, "cpu_to_95_s", "cpu_s", 1); f2 = substr(FIG, length(r) + 2)
	fig = r
	if (both_engines(r))
		fig = fig sprintf(" (pshare, %s at their defaults; CPU s over the whole run pshare %s, ksm %s)",
			elabel(r, "ksm"), dmed("cpu_s", r, "pshare", "%.2f"),
			dmed("cpu_s", r, "ksm", "%.2f"))
	goal(8, "out of the box: pshare\047s time to 95% < ksmd\047s and pshare\047s CPU to 95% <= ksmd\047s",
		fig " t_to_95 ksm/pshare " f1 ", cpu_to_95 ksm/pshare " f2,
		"> 1 and >= 1", both(s1, s2))
}' "$out/results.txt" "$out/xxh64.txt" | tee "$out/summary.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "report: the summary failed" >&2; rc=1; }
exit $rc
