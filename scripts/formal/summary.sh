#!/usr/bin/env bash
# summary.sh [SUMMARY]: one line per property of issue 7 from the job lines
# that scripts/formal/run.sh wrote (default build/formal/summary.txt):
#   property N  <what>: proven | bounded to D | failed | not run   [jobs]
# A property is failed if any of its jobs' proof or cover task failed,
# bounded if any of its proofs is bounded, proven if all are k-induction.
# A job that checks several properties (core_ctrl) stops at its first
# failing assertion: the failure goes to the property whose section
# ("// ---- (N)") of the props file holds the assertion; the job's other
# properties are reported "not proven (stopped at property N)".
# Exit status 1 if any property failed or was not run.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# section N of a failing "file.vh:line", or empty
section() {
	local f=${1%%:*} l=${1#*:}
	[ -f "$root/tests/formal/$f" ] || return 0
	head -n "$l" "$root/tests/formal/$f" | grep -oE '// ---- \([0-9]+\)' | tail -1 | tr -dc '0-9'
}
sum=${1:-build/formal/summary.txt}
[ -f "$sum" ] || { echo "summary.sh: no $sum (run make formal)" >&2; exit 1; }
props=(
"1~core_acc~the accumulator never overflows for a model that fits ACCW"
"2~core_req~requantization, rounding, saturation and ReLU equal numerics.md"
"3~core_ctrl~argmax: the action's Q is maximal, ties to the lowest index"
"4~core_ctrl~valid/ready streams: stable while stalled, one result per observation, in order"
"5~core_ctrl~latency: the first result within B cycles (docs/formal.md)"
"6~core_ctrl~weight, round, activation and Q addresses stay inside their memories"
"7~rx_resync rx_crc disp_load~frame parser resyncs on END; bad CRC never delivered; bad LOAD never writes"
"8~core_load~the load port writes only the addressed entry"
)
rc=0
echo "formal summary (from $sum):"
for p in "${props[@]}"; do
	IFS='~' read -r n jobs what <<< "$p"
	res=proven; detail=""
	for j in $jobs; do
		lines=$(grep -E "^(PASS|FAIL|SKIP): formal $j " "$sum")
		if [ -z "$lines" ]; then res="not run"; continue; fi
		if echo "$lines" | grep -q '^FAIL'; then
			loc=$(echo "$lines" | grep '^FAIL' | sed -n 's/.*failed: \([^ ]*\.vh:[0-9]*\).*/\1/p' | head -1)
			sec=""; [ -n "$loc" ] && sec=$(section "$loc")
			if [ -n "$sec" ] && [ "$sec" != "$n" ] && [ "$(echo "$jobs" | wc -w)" = 1 ]; then
				res="not proven (stopped at property $sec)"
			else
				res=failed
			fi
		elif echo "$lines" | grep -q '^SKIP'; then [ "$res" = failed ] || res="not run"
		elif [ "$res" = proven ]; then
			b=$(echo "$lines" | sed -n 's/.*bounded to \([0-9]*\).*/\1/p' | head -1)
			[ -n "$b" ] && res="bounded to $b"
		fi
		detail="$detail $j"
	done
	printf '  property %s  %-84s %s  [%s ]\n' "$n" "$what:" "$res" "$detail"
	case $res in failed|"not run"|"not proven"*) rc=1 ;; esac
done
exit "$rc"
