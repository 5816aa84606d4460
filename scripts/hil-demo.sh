#!/usr/bin/env bash
# hil-demo.sh MODEL.sqm [EPISODES] [SEED]: hardware-in-the-loop episodes of
# MODEL on CartPole-v1 through sparqd and the board-level model (sparq-sim),
# as `make demo` runs them. Writes $BUILD/demo/hil.json (sparq hil --json)
# and $BUILD/demo/hil-sparqd.log / hil-sim.log; the last line printed is the
# summary. Exit status: that of sparq hil (nonzero on any divergence).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${1:?usage: hil-demo.sh MODEL.sqm [EPISODES] [SEED]}
EPISODES=${2:-20}
SEED=${3:-1}
BUILD=${BUILD:-build}
D=$BUILD/demo
mkdir -p "$D"
make --no-print-directory -s "$BUILD/bin/sparq" "$BUILD/bin/sparqd" "$BUILD/bin/sparq-sim"

work=$(mktemp -d /tmp/sq-hildemo-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 1 1500); do [ -e "$1" ] && return 0; sleep 0.02; done; return 1; }

# the board-level model starts with MODEL loaded through LOAD/COMMIT frames
"$BUILD/bin/sparq-sim" --model "$MODEL" --stats "$D/hil-sim.json" "$work/board.sock" \
	> "$D/hil-sim.log" 2>&1 & pids+=($!)
wait_for "$work/board.sock" || { echo "hil-demo: sparq-sim did not start"; tail "$D/hil-sim.log"; exit 1; }
"$BUILD/bin/sparqd" --device "sim:$work/board.sock" --socket "$work/sparqd.sock" \
	--timeout 3000 --log "$D/hil-sparqd.log" & pids+=($!)
wait_for "$work/sparqd.sock" || { echo "hil-demo: sparqd did not start"; exit 1; }

rc=0
"$BUILD/bin/sparq" hil "$MODEL" --env CartPole-v1 --episodes "$EPISODES" --seed "$SEED" \
	--device "sparqd:$work/sparqd.sock" --timeout 5000 --log "$D/hil-episodes.jsonl" \
	--json > "$D/hil.json" || rc=$?
kill "${pids[0]}" 2>/dev/null || true # sparq-sim writes its stats at exit
wait "${pids[0]}" 2>/dev/null || true
sed -n 's/.*"mean":\([^,]*\),.*"steps":\([0-9]*\),"divergences":\([0-9]*\).*"steps_per_s":\([^,]*\),"rtt_p50_us":\([^,]*\),"rtt_p99_us":\([^,]*\),.*/hil: mean return \1, \2 steps, \3 divergences, \4 steps\/s, RTT p50 \5 us p99 \6 us/p' "$D/hil.json"
exit "$rc"
