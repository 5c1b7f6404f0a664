# SPDX-License-Identifier: GPL-2.0-only
# Helpers of t_qemu.sh and t_preload.sh (sourced, busybox sh): nested QEMUs
# in the test guest (tests/qemu/run --with-qemu) and what pshare says of
# them.
export PATH=$PATH:/usr/local/bin:/usr/bin	# where --with-qemu puts QEMU
. /tests/bin/guest_lib.sh
P=/sys/module/pshare/parameters
K=/sys/kernel/mm/ksm
PAYLOAD=/tests/nested-payload.bin
MEM_MB=32		# nested guest RAM
FILL_PAGES=4096		# pages the payload fills, the same in every VM
# Pages that one VM holds twice: SeaBIOS's shadow copy of itself in RAM
# against its ROM block (16 pages measured on QEMU 7.2). They merge inside
# the process's own domain.
INTRA_MAX=64
T0=$(date +%s)
fail=0
say() { echo "$TNAME: [$(( $(date +%s) - T0 ))s] $*"; }
bad() { echo "  not ok: $*"; fail=1; }
command -v psharectl > /dev/null && ctl=1 || ctl=0

# fast_scan (guest_lib.sh); put the defaults back.
default_rates() {
	echo 3600 > $S/scan_time_secs
	echo 1024 > $S/rate_max_pages
	echo 4 > $S/scan_mb_per_ghz
	echo 20 > $S/max_cpu_percent
	echo 100 > $S/sleep_millisecs
	echo 1 > $S/first_scan
}

# Start an unmodified QEMU as a host would: TCG, 32 MiB, no devices but a
# serial port into a file, booting the nested payload. QEMU calls
# madvise(MADV_MERGEABLE) on each of its RAM blocks itself (mem-merge=on).
# Its pid is in $!. Extra environment: "env VAR=VALUE" as $1.
start_vm() {	# NAME [ENV...]
	name=$1; shift
	rm -f /tmp/$name.serial
	env "$@" qemu-system-x86_64 -name "$name" -nodefaults -nographic \
		-machine pc -accel tcg,tb-size=16 -m ${MEM_MB}M \
		-kernel $PAYLOAD -serial file:/tmp/$name.serial \
		< /dev/null > /tmp/$name.log 2>&1 &
}
# Wait until the payload of each NAME printed its line: 120 s at most.
wait_filled() {	# NAME...
	i=0
	while [ $i -lt 1200 ]; do
		ok=1
		for n in "$@"; do
			grep -q filled /tmp/$n.serial 2> /dev/null || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	bad "the nested guests $* did not finish their payload in 120 s"
	for n in "$@"; do
		echo "--- $n: log, then serial"
		cat /tmp/$n.log /tmp/$n.serial 2> /dev/null
	done
	return 1
}
rss() {	# PID
	awk '/^VmRSS/ { r = $2 } /^Threads/ { t = $2 }
	     END { print "RSS " r " kB, " t " threads" }' /proc/$1/status
}

# The guest RAM VMA of a QEMU: private anonymous, read-write, MEM_MB in
# size. Prints "START_HEX PAGES VMFLAGS...".
ram_vma() {	# PID
	awk -v kb=$((MEM_MB * 1024)) '
	/^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); perm = $2; anon = (NF == 5); next }
	/^Size:/ { sz = $2; next }
	/^VmFlags:/ { if (perm == "rw-p" && anon && sz == kb) {
			$1 = ""; print r[1], kb / 4 $0; exit } }
	' /proc/$1/smaps
}
anon_huge() {	# PID START_HEX: AnonHugePages of that VMA, kB
	awk -v s="$2" '$1 ~ ("^" s "-") { in_vma = 1; next }
		in_vma && /^AnonHugePages:/ { print $2; exit }' /proc/$1/smaps
}
mg_vmas() { grep -c '^VmFlags:.* mg' /proc/$1/smaps; }	# PID: VM_MERGEABLE VMAs

# The object of process PID in "psharectl list --json", flattened.
proc_json() {	# PID
	psharectl list --json 2>/dev/null | tr -d '\n' | awk -v pid="$1" '
	{ n = split($0, o, "}")
	  for (i = 1; i <= n; i++)
		if ((o[i] ",") ~ ("\"pid\" *: *" pid "[^0-9]")) { print o[i] ","; exit } }'
}
field() {	# PID NAME: a field of PID's entry, empty if none
	proc_json $1 | awk -v f="$2" '
	match($0, "\"" f "\" *: *[^],}]*") {
		v = substr($0, RSTART, RLENGTH); sub(/^[^:]*: */, "", v)
		gsub(/[" ]/, "", v); print v }'
}
# 1 if the listing shows PID as registered by madvise: a numeric flags
# field with PSHARE_PROC_MADVISE (4), or "madvise" among its flags; 0 if
# listed without it; empty if not listed.
madvise_flag() {	# PID
	proc_json $1 | awk '
	{ f = 0
	  if ($0 ~ /"madvise" *: *true/ || $0 ~ /"flags" *: *[^:]*"[^"]*madvise/) f = 1
	  else if (match($0, /"flags" *: *[0-9]+/)) {
		v = substr($0, RSTART, RLENGTH); sub(/^[^:]*: */, "", v)
		f = int(v / 4) % 2 }
	  print f }'
}
# Pages registered by all processes: the listing, or a sysfs counter if
# pshare has one; empty if neither.
registered_total() {
	if [ $ctl = 1 ]; then
		psharectl list --json 2>/dev/null | tr -d '\n' | awk '
		{ n = split($0, o, "}"); t = 0
		  for (i = 1; i <= n; i++)
			if (o[i] ~ /"pid"/ && match(o[i], /"registered" *: *[0-9]+/)) {
				v = substr(o[i], RSTART, RLENGTH); sub(/^[^:]*: */, "", v)
				t += v }
		  print t }'
	elif [ -r $S/pages_registered ]; then
		cat $S/pages_registered
	fi
}

# Frames of the present pages of a range, one decimal pfn a line, from
# /proc/PID/pagemap (bit 63 present, bits 0-54 the pfn).
frames() {	# PID START_HEX PAGES
	dd if=/proc/$1/pagemap bs=65536 iflag=skip_bytes,count_bytes \
		skip=$(( 0x$2 / 4096 * 8 )) count=$(( $3 * 8 )) 2>/dev/null |
	od -An -v -tx8 | awk '
	function hex(s,  i, n) { n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n }
	{ for (i = 1; i <= NF; i++)
		if (index("89abcdef", substr($i, 1, 1))) print hex(substr($i, 4)) }'
}
# From two frame lists and /proc/kpageflags: for each side the pages
# present, those on KSM frames (KPF_KSM, bit 21) and on the zero page
# (KPF_ZERO_PAGE, bit 24); then the KSM frames mapped by both; then for
# each side the pages in huge pages, PMD- or PTE-mapped (KPF_THP, bit 22).
# Prints "presentA ksmA zeroA presentB ksmB zeroB both thpA thpB". Reads
# only the 4 KiB blocks of /proc/kpageflags (512 frames each) that hold
# those frames.
kpf_stats() {	# FRAMES_A FRAMES_B
	for blk in $(awk '{ print int($1 / 512) }' "$1" "$2" | sort -un); do
		echo "block $blk"
		dd if=/proc/kpageflags bs=4096 skip=$blk count=1 2>/dev/null |
			od -An -v -tx8
	done | awk '
	FILENAME == ARGV[1] { a[$1]++; next }
	FILENAME == ARGV[2] { b[$1]++; next }
	$1 == "block" { pfn = $2 * 512; next }
	{ for (i = 1; i <= NF; i++) {
		if ((pfn in a) || (pfn in b)) {
			ksm = index("2367abef", substr($i, 11, 1)) > 0
			thp = index("4567cdef", substr($i, 11, 1)) > 0
			zero = index("13579bdf", substr($i, 10, 1)) > 0
			if (pfn in a) { pa += a[pfn]; if (ksm) ka += a[pfn]; if (zero) za += a[pfn]; if (thp) ta += a[pfn] }
			if (pfn in b) { pb += b[pfn]; if (ksm) kb += b[pfn]; if (zero) zb += b[pfn]; if (thp) tb += b[pfn] }
			if (ksm && (pfn in a) && (pfn in b)) both++
		}
		pfn++ } }
	END { print pa + 0, ka + 0, za + 0, pb + 0, kb + 0, zb + 0, both + 0, ta + 0, tb + 0 }' "$1" "$2" -
}
# The page figures of the RAM of QEMUs A and B ($pa at 0x$ra, $pb at 0x$rb,
# $rp pages each); sets $kboth, the KSM frames mapped by both.
pagestats() {	# LABEL
	frames $pa $ra $rp > /tmp/$TNAME.fa
	frames $pb $rb $rp > /tmp/$TNAME.fb
	set -- "$1" $(kpf_stats /tmp/$TNAME.fa /tmp/$TNAME.fb)
	kboth=$8
	say "$1: RAM pages present A $2 B $5; on KSM frames A $3 B $6; on the zero page A $4 B $7; KSM frames mapped by both: $8; in huge pages (PMD- or PTE-mapped) A $9 B ${10}"
}

# N more full scans of pshared (of ksmd with $K): 60 s at most.
wait_scans() {	# N [DIR]
	f=${2:-$S}/full_scans
	want=$(( $(cat $f) + $1 )) end=$(( $(date +%s) + 60 ))
	# By the clock: under load each round of the loop costs far more
	# than its 0.1 s.
	while [ $(cat $f) -lt $want ] && [ $(date +%s) -lt $end ]; do
		sleep 0.1
	done
	[ $(cat $f) -ge $want ] && return
	bad "only $(cat $f) of $want full scans in 60 s"
	# What the scanner was doing: t_qemu once waited here forever.
	for c in run pages_scanned pages_skipped scan_cap_pages \
		 scan_rate_pages cpu_throttled metadata_bytes; do
		echo "  $c $(cat ${2:-$S}/$c 2>/dev/null)"
	done
	[ $ctl = 1 ] && psharectl list
}
