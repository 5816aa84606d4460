#!/usr/bin/env bash
# summary.sh [SUMMARY]: one line per property of issue 7 from the job lines
# that scripts/formal/run.sh wrote (default build/formal/summary.txt):
#   property N  <what>: proven | bounded to D | failed | not run   [jobs]
# A property is failed if any of its jobs' proof or cover task failed,
# bounded if any of its proofs is bounded, proven if all are k-induction.
# Exit status 1 if any property failed or was not run.
set -u
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
		if echo "$lines" | grep -q '^FAIL'; then res=failed
		elif echo "$lines" | grep -q '^SKIP'; then [ "$res" = failed ] || res="not run"
		elif [ "$res" = proven ]; then
			b=$(echo "$lines" | sed -n 's/.*bounded to \([0-9]*\).*/\1/p' | head -1)
			[ -n "$b" ] && res="bounded to $b"
		fi
		detail="$detail $j"
	done
	printf '  property %s  %-84s %s  [%s ]\n' "$n" "$what:" "$res" "$detail"
	case $res in failed|"not run") rc=1 ;; esac
done
exit "$rc"
