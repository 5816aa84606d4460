#!/usr/bin/env bash
# demo.sh: the main job on the default workload R1 (CartPole-v1, 4-64-64-2),
# end to end, with one summary table at the end:
#   checkpoint (shipped, or trained) -> compress (90% sparse, 8-bit) -> eval
#   -> co-simulation golden == hls_c == RTL -> iCEBreaker bitstream + report
#   -> hardware-in-the-loop episodes through sparqd and the board-level model.
# Every step's output goes to build/demo/<step>.log; a failing step stops the
# demo with its log's tail.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
D=$BUILD/demo
SPARQ=$BUILD/bin/sparq
SEED=${SEED:-1}
EPISODES=${EPISODES:-20}
mkdir -p "$D"
declare -a rows=()

step() { printf '\n== %s\n' "$1"; }
row() { rows+=("$(printf '%-40s %s' "$1" "$2")"); }
run() { # run LOG CMD...: runs a step, keeps its log, shows its last line
	local log=$D/$1.log; shift
	if ! "$@" > "$log" 2>&1; then
		echo "demo: step failed: $*"; tail -n 20 "$log"; exit 1
	fi
	tail -n 1 "$log"
}
have() { [ -n "$("$SPARQ" --help 2>/dev/null | awk -v c="$1" '$1 == c')" ]; }

step "checkpoint"
FLOAT=models/r1-cartpole-float.sqm
if [ -f "$FLOAT" ]; then
	echo "starting from the shipped checkpoint $FLOAT"
	row "R1 checkpoint" "$FLOAT (shipped)"
else
	FLOAT=$D/r1-float.sqm
	run train "$SPARQ" train --env CartPole-v1 --arch 64,64 --seed "$SEED" -o "$FLOAT"
	row "R1 checkpoint" "$FLOAT (trained now)"
fi
run eval-float "$SPARQ" eval "$FLOAT" --episodes "$EPISODES" --seed "$SEED" --json
row "float mean return ($EPISODES ep.)" "$(jq -r '.mean' < "$D/eval-float.log")"

step "compress: 90% sparse, 8-bit weights and activations"
Q=$D/r1.sqm
run compress "$SPARQ" compress "$FLOAT" --sparsity 0.9 --wbits 8 --abits 8 --seed "$SEED" -o "$Q"
run eval-fixed "$SPARQ" eval "$Q" --episodes "$EPISODES" --seed "$SEED" --against "$FLOAT" --json
row "fixed-point mean return" "$(jq -r '.mean' < "$D/eval-fixed.log")"
row "action agreement with float" "$(jq -r '.agreement // .against.agreement // "n/a"' < "$D/eval-fixed.log")"
run info "$SPARQ" info "$Q" --json
row "model bytes (vs dense float32)" "$(jq -r '"\(.packed_bytes) B vs \(.dense_bytes) B dense float32 (\(.ratio)x)"' < "$D/info.log" 2>/dev/null || echo n/a)"

step "co-simulation: golden == hls_c == RTL (Verilator)"
run cosim "$SPARQ" cosim "$Q" --vectors 2000 --seed "$SEED" --json
row "cosim golden==hls_c==RTL" "$(jq -r '"\(.vectors) vectors, mismatches: RTL \(.mismatches), hls_c \(.hls_mismatches)"' < "$D/cosim.log")"
row "cycles per inference (bound)" "$(jq -r '"\(.cycles_mean) (\(.cycles_bound)), ratio \(.cycle_ratio)"' < "$D/cosim.log")"
row "rows simplified at export" "$(jq -r '"\(.rows_const) constant, \(.rows_dead) dead; bound over the stored weights \(.cycles_bound_kept)"' < "$D/cosim.log")"

step "bitstream: iCEBreaker"
if make -s -n bitstream >/dev/null 2>&1; then
	run bitstream make --no-print-directory BOARD=icebreaker MODEL="$Q" bitstream report
	rep=$BUILD/icebreaker/report.json
	row "iCEBreaker LCs / EBR / DSP" "$(jq -r '"\(.resources.lc.used)/\(.resources.lc.available) / \(.resources.ebr.used)/\(.resources.ebr.available) / \(.resources.dsp.used)/\(.resources.dsp.available)"' < "$rep" 2>/dev/null || echo see "$rep")"
	row "Fmax (required clock)" "$(jq -r '"\(.clock.fmax_mhz) MHz (\(.clock.required_mhz) MHz): \(.clock.timing)"' < "$rep" 2>/dev/null || echo see "$rep")"
else
	echo "(bitstream flow not available in this build)"
fi

step "hardware-in-the-loop: sparqd + board-level model"
if have hil; then
	run hil bash scripts/hil-demo.sh "$Q" "$EPISODES" "$SEED"
	row "HIL episodes mean return" "$(jq -r '.mean' < "$D/hil.json" 2>/dev/null || echo n/a)"
	row "HIL divergences from golden" "$(jq -r '.divergences' < "$D/hil.json" 2>/dev/null || echo n/a)"
	row "HIL steps/s (link bound), RTT p50/p99 us" "$(jq -r '"\(.steps_per_s) (\(.link_bound_steps_per_s)), \(.rtt_p50_us)/\(.rtt_p99_us)"' < "$D/hil.json" 2>/dev/null || echo n/a)"
else
	echo "(sparq hil not available in this build)"
fi

printf '\n== sparq demo summary (R1: CartPole-v1, 4-64-64-2)\n'
printf '%s\n' "${rows[@]}"
