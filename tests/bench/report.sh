#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Turn the benchmark's console log into CSV, plots, a summary and the goals.
#
#   tests/bench/report.sh LOG OUTDIR
#
# LOG is the guest's console log (carriage returns and kernel or QEMU lines
# mixed in are fine). The guest prints, anywhere on a line:
#   BENCH-CSV: run,workload,engine,mib,t_s,cpu_s,saved_pages,ideal_pages,
#              scanned_pages,metadata_bytes,anon_huge_kb     (time series)
#   BENCH-RESULT: key=value ...                  (one per run and engine)
#   BENCH-XXH64: ns_per_page=X memcmp_ns_per_page=Y pages=N
# In OUTDIR it writes bench.csv, results.txt, xxh64.txt, saved-vs-time.png,
# saved-vs-cpu.png and summary.txt, the summary table followed by one line
# per goal, also printed on stdout. Pages are 4 KiB (the x86-64 guest); -1
# is "not reached or not available" and shows as "-".
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
hdr=run,workload,engine,mib,t_s,cpu_s,saved_pages,ideal_pages,scanned_pages,metadata_bytes,anon_huge_kb
{
	echo "$hdr"
	sed -n 's/^.*BENCH-CSV:[[:space:]]*//p' "$tmp/log" | awk -F, '
	function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
	{
		sub(/[[:space:]]+$/, "")
		if ($1 == "run")	# a header the guest printed itself
			next
		ok = NF == 11 && $1 != "" && $2 != "" && $3 != ""
		for (i = 4; ok && i <= 11; i++)
			ok = num($i)
		if (ok)
			print
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
	echo "report: no BENCH-XXH64 line: goal 6 is N/A" >&2
if [ ! -s "$out/results.txt" ]; then
	echo "report: no BENCH-RESULT line in $log" >&2
	rc=1
fi
bad=$(awk '{
	run = "?"; eng = "?"; v = "missing"
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^run=/) run = substr($i, 5)
		if ($i ~ /^engine=/) eng = substr($i, 8)
		if ($i ~ /^verified=/) v = substr($i, 10)
	}
	if (v != "ok")
		printf "%s/%s verified=%s\n", run, eng, v
}' "$out/results.txt")
if [ -n "$bad" ]; then
	echo "report: results not verified:" >&2
	while read -r l; do echo "  $l"; done <<< "$bad" >&2
	rc=1
fi

# --- 4: plots, one panel per run, one line per engine, the ideal dashed ---
# One data file per run and engine: t_s cpu_s saved_MiB ideal_MiB; runs in
# the order they came, their names made safe to quote.
: > "$tmp/runs"
awk -F, -v dir="$tmp" '
NR > 1 && ($3 == "ksm" || $3 == "pshare") {
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
			echo "set multiplot layout $rows,$cols title 'saved MiB against $3'"
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
awk -v resf="$out/results.txt" -v xxf="$out/xxh64.txt" '
function na(x) { return x == "" || x + 0 < 0 }
function get(r, e, k) { return ((r, e, k) in V) ? V[r, e, k] : "" }
function f(x, fmt) { return na(x) ? "-" : sprintf(fmt, x) }
function mib(p) { return p * 4 / 1024 }
# pshare/ksm ratio of two figures, "-" when either is not there
function ratio(p, k) {
	if (na(p) || na(k) || p == "inf" || k == "inf")
		return "-"
	if (k + 0 == 0)
		return p + 0 > 0 ? "inf" : "-"
	return sprintf("%.2f", p / k)
}
function eff(r, e,   s, c) {	# saved MiB per CPU second
	s = get(r, e, "saved"); c = get(r, e, "cpu_s")
	if (na(s) || na(c))
		return ""
	if (c + 0 == 0)
		return s + 0 > 0 ? "inf" : ""
	return mib(s) / c
}
function row(r, e, name,   s, i, pct, ef, x1, x2, line) {
	s = get(r, e, "saved"); i = get(r, e, "ideal")
	pct = (!na(s) && i + 0 > 0) ? 100 * s / i : ""
	ef = eff(r, e)
	x1 = x2 = ""
	if (e == "pshare" && ((r, "ksm") in SEEN)) {
		x1 = ratio(s, get(r, "ksm", "saved"))
		x2 = ratio(ef, eff(r, "ksm"))
	}
	line = sprintf("%-19s %-6s %8s %7s %9s %6s %9s %11s %10s %7s %7s %9s", name, e,
		f(get(r, e, "window_s"), "%.1f"), f(get(r, e, "cpu_s"), "%.2f"),
		f(na(s) ? s : mib(s), "%.1f"), f(pct, "%.1f"),
		ef == "inf" ? "inf" : f(ef, "%.1f"),
		f(get(r, e, "metadata_bytes"), "%.0f"),
		f(get(r, e, "anon_huge_kb_end"), "%.0f"),
		f(get(r, e, "cpu_to_95_s"), "%.2f"), x1, x2)
	sub(/ +$/, "", line)
	print line
}
function goal(n, name, fig, target, status) {
	printf "GOAL %d %s: %s (target %s) %s\n", n, name, fig, target, status
}
# Goal 2 for one run: sets FIG, returns MET, NOT MET or N/A.
function converge(r,   k, p, w, x) {
	if (!((r, "ksm") in SEEN) || !((r, "pshare") in SEEN)) {
		FIG = r " -"
		return "N/A"
	}
	k = get(r, "ksm", "cpu_to_95_s"); p = get(r, "pshare", "cpu_to_95_s")
	if (na(p)) {
		FIG = r " pshare never reached 95%"
		return "NOT MET"
	}
	if (na(k)) {
		w = get(r, "ksm", "cpu_s")
		if (na(w) || p + 0 == 0) {
			FIG = r " >?"
			return "N/A"
		}
		x = w / p
		FIG = sprintf("%s >%.2f", r, x)
		return x >= 4 ? "MET" : "NOT MET"
	}
	if (p + 0 == 0) {
		FIG = r " inf"
		return "MET"
	}
	FIG = sprintf("%s %.2f", r, k / p)
	return k / p >= 4 ? "MET" : "NOT MET"
}
# ns of scanner CPU per scanned page over the whole run, "" if not known
function nsrun(r, e,   c, s) {
	c = get(r, e, "cpu_s"); s = get(r, e, "scanned")
	return (na(c) || na(s) || s + 0 == 0) ? "" : c * 1e9 / s
}
# the same over the middle of the first pass (pass1_ns_per_page) where the
# run measured it, else over the whole run
function nsper(r, e,   p) {
	p = get(r, e, "pass1_ns_per_page")
	return (!na(p) && p + 0 > 0) ? p : nsrun(r, e)
}
FILENAME == resf {
	run = eng = ""
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^run=/) run = substr($i, 5)
		if ($i ~ /^engine=/) eng = substr($i, 8)
	}
	if (run == "" || eng == "")
		next
	if (!(run in RSEEN)) {
		RSEEN[run] = 1
		RUNS[++NR_RUNS] = run
	}
	SEEN[run, eng] = 1
	for (i = 1; i <= NF; i++) {
		p = index($i, "=")
		if (p > 1)
			V[run, eng, substr($i, 1, p - 1)] = substr($i, p + 1)
	}
	next
}
FILENAME == xxf {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^ns_per_page=/)
			XXH = substr($i, 13)
}
END {
	print "saved and ideal in MiB of 4 KiB pages; AnonHuge_kB at the end of the window;"
	print "cpu95_s: CPU s to 95% of ideal; x_saved, x_MiB/cpu: pshare/ksm; -: not reached or not available"
	printf "%-19s %-6s %8s %7s %9s %6s %9s %11s %10s %7s %7s %9s\n", "run",
		"engine", "window_s", "cpu_s", "saved_MiB", "%ideal", "MiB/cpu_s",
		"metadata_B", "AnonHug_kB", "cpu95_s", "x_saved", "x_MiB/cpu"
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
		for (k in SEEN) {	# an engine of another name
			split(k, part, SUBSEP)
			if (part[1] == r && part[2] != "ksm" && part[2] != "pshare") {
				row(r, part[2], name)
				name = ""
			}
		}
	}
	nv = 0; bad = ""
	for (k in SEEN) {
		split(k, part, SUBSEP)
		nv++
		if (V[part[1], part[2], "verified"] != "ok")
			bad = bad " " part[1] "/" part[2]
	}
	if (nv == 0)
		print "verified: no results"
	else if (bad == "")
		print "verified: all " nv " results ok"
	else
		print "verified: NOT ok:" bad
	print ""

	# 1. equal budget
	r = "vmlike-budget"
	if ((r, "ksm") in SEEN && (r, "pshare") in SEEN &&
	    !na(get(r, "ksm", "saved")) && !na(get(r, "pshare", "saved"))) {
		k = get(r, "ksm", "saved"); p = get(r, "pshare", "saved")
		x = ratio(p, k)
		st = x == "inf" ? "MET" : (x != "-" && x + 0 >= 5 ? "MET" : "NOT MET")
		goal(1, "equal budget", sprintf("%s saved pshare/ksm %s (%.1f/%.1f MiB)",
			r, x, mib(p), mib(k)), ">= 5", st)
	} else
		goal(1, "equal budget", r " -", ">= 5", "N/A")

	# 2. convergence
	s1 = converge("mixed-256-converge"); f1 = FIG
	s2 = converge("vmlike-converge"); f2 = FIG
	st = (s1 == "NOT MET" || s2 == "NOT MET") ? "NOT MET" : \
		(s1 == "MET" && s2 == "MET") ? "MET" : "N/A"
	goal(2, "convergence", "cpu_to_95 ksm/pshare " f1 ", " f2, ">= 4 each", st)

	# 3. metadata
	r = "unique-256"
	m = get(r, "pshare", "metadata_bytes"); g = get(r, "pshare", "registered")
	km = get(r, "ksm", "metadata_bytes"); kg = get(r, "ksm", "registered")
	kfig = (na(km) || na(kg) || kg + 0 == 0) ? "ksm -" : \
		sprintf("ksm %.2f B/page", km / kg)
	if (na(m) || na(g) || g + 0 == 0)
		goal(3, "metadata", r " pshare - (" kfig ")", "<= 16 B/page", "N/A")
	else
		goal(3, "metadata", sprintf("%s pshare %.2f B/page (%s)", r, m / g,
			kfig), "<= 16 B/page", m / g <= 16 ? "MET" : "NOT MET")

	# 4. scaling: CPU per page over the middle of the first pass (merges
	# included), which later, cheaper passes of a small run cannot dilute
	a4 = nsper("scale-4096", "pshare"); a2 = nsper("scale-256", "pshare")
	if (a4 == "" || a2 == "" || a2 + 0 == 0)
		goal(4, "scaling", "pshare CPU per page, first pass, scale-4096/scale-256 -",
			"<= 1.2", "N/A")
	else
		goal(4, "scaling", sprintf("pshare CPU per page, first pass, scale-4096/scale-256 %.2f (%.1f/%.1f ns)",
			a4 / a2, a4, a2), "<= 1.2", a4 / a2 <= 1.2 ? "MET" : "NOT MET")

	# 5. huge pages
	r = "thp-256"
	hs = get(r, "pshare", "anon_huge_kb_start"); he = get(r, "pshare", "anon_huge_kb_end")
	both = sprintf("pshare %s to %s kB, ksm %s to %s kB",
		f(hs, "%.0f"), f(he, "%.0f"),
		f(get(r, "ksm", "anon_huge_kb_start"), "%.0f"),
		f(get(r, "ksm", "anon_huge_kb_end"), "%.0f"))
	if (na(hs) || na(he) || hs + 0 == 0)
		goal(5, "huge pages", r " pshare end/start - (" both ")", ">= 0.99", "N/A")
	else
		goal(5, "huge pages", sprintf("%s pshare end/start %.4f (%s)", r,
			he / hs, both), ">= 0.99", he / hs >= 0.99 ? "MET" : "NOT MET")

	# 6. near the limit: all of the CPU of a run that merges a whole
	# workload and goes on scanning it, per page scanned
	r = "mixed-256-converge"
	a = nsrun(r, "pshare")
	if (a == "" || na(XXH) || XXH + 0 == 0)
		goal(6, "near the limit", r " pshare ns per scanned page / xxh64 ns per page -",
			"<= 1.5", "N/A")
	else
		goal(6, "near the limit", sprintf("%s pshare ns per scanned page / xxh64 ns per page %.2f (%.1f/%.1f ns)",
			r, a / XXH, a, XXH), "<= 1.5", a / XXH <= 1.5 ? "MET" : "NOT MET")
}' "$out/results.txt" "$out/xxh64.txt" | tee "$out/summary.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "report: the summary failed" >&2; rc=1; }
exit $rc
