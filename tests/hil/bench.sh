#!/usr/bin/env bash
# bench.sh BUILD: the hardware-in-the-loop figures of docs/benchmarks.md.
# R1 (BUILD/hil/r1.sqm) runs 20 CartPole-v1 episodes on the board-level model
# (sparq-sim, 12 MHz, 1 Mbaud, P=8), once directly (sim:) and once through
# sparqd; the figures are written between the hil:begin/hil:end markers of
# docs/benchmarks.md (atomically) and printed.
set -euo pipefail
BUILD=${1:-build}
R1=$BUILD/hil/r1.sqm
OUT=docs/benchmarks.md
EPISODES=20
SEED=7
work=$(mktemp -d /tmp/sq-hilbench-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 1 1500); do [ -e "$1" ] && return 0; sleep 0.02; done; return 1; }
j() { jq -r "$2" < "$1"; }

"$BUILD/bin/sparq-sim" --model "$R1" --stats "$work/sim.json" "$work/board.sock" > "$work/sim.log" 2>&1 & simpid=$!
pids+=($simpid)
wait_for "$work/board.sock"
"$BUILD/bin/sparq" hil "$R1" --env CartPole-v1 --episodes $EPISODES --seed $SEED --timeout 5000 \
	--device "sim:$work/board.sock" --json > "$work/direct.json"
"$BUILD/bin/sparqd" --device "sim:$work/board.sock" --socket "$work/d.sock" --timeout 3000 \
	--log "$work/d.log" & pids+=($!)
wait_for "$work/d.sock"
"$BUILD/bin/sparq" hil "$R1" --env CartPole-v1 --episodes $EPISODES --seed $SEED --timeout 5000 \
	--device "sparqd:$work/d.sock" --json > "$work/daemon.json"
kill "$simpid"
wait "$simpid" 2>/dev/null || true

# the host stack alone: the same episodes against the C emulator (no UART
# timing, answers at once), directly and through sparqd
"$BUILD/tests/hil/sq-emu" --socket "$work/emu.sock" --model "$R1" --ready "$work/emu.ready" & pids+=($!)
wait_for "$work/emu.ready"
"$BUILD/bin/sparq" hil "$R1" --env CartPole-v1 --episodes $EPISODES --seed $SEED \
	--device "sim:$work/emu.sock" --json > "$work/emu-direct.json"
"$BUILD/bin/sparqd" --device "sim:$work/emu.sock" --socket "$work/d2.sock" --log "$work/d2.log" & pids+=($!)
wait_for "$work/d2.sock"
"$BUILD/bin/sparq" hil "$R1" --env CartPole-v1 --episodes $EPISODES --seed $SEED \
	--device "sparqd:$work/d2.sock" --json > "$work/emu-daemon.json"

D=$work/direct.json S=$work/daemon.json M=$work/sim.json E=$work/emu-direct.json F=$work/emu-daemon.json
bytes=$(j $D .bytes_per_step)
baud=$(j $D .baud)
clk=$(j $D .clk_hz)
cyc=$(j $D .cycles_mean)
bound_us=$(awk -v b="$bytes" -v r="$baud" -v c="$cyc" -v f="$clk" 'BEGIN { printf "%.2f", (b * 10 / r + c / f) * 1e6 }')
bound=$(j $D .link_bound_steps_per_s)
wire50=$(j $M .wire_rtt_us_p50)
wire99=$(j $M .wire_rtt_us_p99)
sim_sps=$(awk -v w="$wire50" 'BEGIN { printf "%.0f", 1e6 / w }')
sim_ratio=$(awk -v s="$sim_sps" -v b="$bound" 'BEGIN { printf "%.3f", s / b }')

table=$work/table.md
{
	echo "R1 (\`$R1\`, the shipped checkpoint compressed 90% sparse, 8-bit), $EPISODES CartPole-v1"
	echo "episodes from seed $SEED on the board-level model \`sparq-sim\` ($((clk / 1000000)) MHz, $baud baud, P=8)."
	echo "\`make bench-hil\` (tests/hil/bench.sh); $(date -u +%Y-%m-%d)."
	echo
	echo "| figure | direct (\`sim:\`) | through sparqd |"
	echo "|---|---|---|"
	echo "| steps, mean return | $(j $D .steps), $(j $D .mean) | $(j $S .steps), $(j $S .mean) |"
	echo "| divergences from the golden model (actions, Q-vectors) | $(j $D .divergences), $(j $D .q_mismatches) | $(j $S .divergences), $(j $S .q_mismatches) |"
	echo "| HIL steps/s through the model (wall clock) | $(j $D .steps_per_s) | $(j $S .steps_per_s) |"
	echo "| round trip per step, wall clock, p50 / p99 (us) | $(j $D .rtt_p50_us) / $(j $D .rtt_p99_us) | $(j $S .rtt_p50_us) / $(j $S .rtt_p99_us) |"
	echo "| ratio to the link bound (wall clock) | $(j $D .ratio_to_bound) | $(j $S .ratio_to_bound) |"
	echo
	echo "| link figure | value |"
	echo "|---|---|"
	echo "| bytes per step (INFER request + response, framed, no escapes) | $bytes ($(j $D .request_bytes) + $(j $D .response_bytes)) |"
	echo "| core cycles per inference (mean, from the INFER answers) | $cyc |"
	echo "| link bound per step: bytes x 10 / baud + cycles / clock | $bound_us us |"
	echo "| link bound | $bound steps/s |"
	echo "| simulated board time per step (sparq-sim, wire round trip p50 / p99) | $wire50 / $wire99 us |"
	echo "| simulated board steps/s (1 / wire p50), ratio to the bound | $sim_sps, $sim_ratio |"
	echo "| device latency per request (sparq-sim, p50) | $(j $M .device_us_p50) us |"
	echo
	echo "The host stack alone (the same episodes against the C device emulator"
	echo "\`sq-emu\`, which answers at once): what the host side costs per step."
	echo
	echo "| host stack | steps/s | round trip p50 / p99 (us) | divergences |"
	echo "|---|---|---|---|"
	echo "| \`sparq hil --device sim:\` | $(j $E .steps_per_s) | $(j $E .rtt_p50_us) / $(j $E .rtt_p99_us) | $(j $E .divergences) |"
	echo "| \`sparq hil --device sparqd:\` (one more socket hop) | $(j $F .steps_per_s) | $(j $F .rtt_p50_us) / $(j $F .rtt_p99_us) | $(j $F .divergences) |"
	echo
	echo "The wall-clock rate is Verilator's speed (the whole board at 12 MHz, every"
	echo "UART bit), not a board's; the simulated time is what a board at that clock"
	echo "and baud would show, and it sits at the bound: the link, not the core, sets"
	echo "the HIL rate (340 of the ~351 us are the 34 bytes at 1 Mbaud)."
} > "$table"
cat "$table"

if grep -q '<!-- hil:begin -->' "$OUT"; then
	tmp=$OUT.tmp.$$
	awk -v f="$table" '
		/<!-- hil:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- hil:end -->/ { skip = 0 }
		!skip { print }' "$OUT" > "$tmp" && mv "$tmp" "$OUT"
	echo "bench-hil: updated $OUT"
else
	echo "bench-hil: no hil:begin/hil:end markers in $OUT; figures above not written"
fi
