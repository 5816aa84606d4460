#!/usr/bin/env bash
# test_hil_cli.sh - `sparq hil`, `sparq load` and sparqd end to end, against the
# device emulator (sq-emu) and, when it is built, the board-level model
# (sparq-sim). References: the golden model's episode returns (evalref, the
# code `sparq eval` runs) and the golden actions inside `sparq hil`.
#
# Environment: SPARQ, SPARQD (the programs under test), HIL_BIN (sq-emu,
# mkmodel, evalref), SPARQ_SIM (optional), SPARQ_SIM_SPRAM (optional: sparq-sim
# with the weights in SPRAM, mk/link.mk), R1 (a fixed-point R1 model for the
# board-level runs; default: a random model of R1's shape), EPISODES (20).
set -u
: "${SPARQ:?}" "${SPARQD:?}" "${HIL_BIN:?}"
SPARQ_SIM=${SPARQ_SIM:-}
EPISODES=${EPISODES:-20}
R1=${R1:-}
work=$(mktemp -d /tmp/sq-hilcli-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; }
skip() { echo "SKIP: $1${2:+ ($2)}"; }

wait_for() { # path
	for _ in $(seq 1 500); do [ -e "$1" ] && return 0; sleep 0.02; done
	return 1
}
start_emu() { # socket extra-args...
	local s=$1; shift
	rm -f "$work/ready"
	"$HIL_BIN/sq-emu" --socket "$s" --model "$work/a.sqm" --model "$work/b.sqm" \
		--ready "$work/ready" "$@" & pids+=($!)
	wait_for "$work/ready"
}
start_sparqd() { # device-spec socket log [timeout-ms]
	"$SPARQD" --device "$1" --socket "$2" --log "$3" --timeout "${4:-100}" --retries 20 & pids+=($!)
	wait_for "$2"
}
json_field() { # file field
	sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1"
}
json_returns() { # file
	sed -n 's/.*"returns":\[\([^]]*\)\].*/\1/p' "$1" | tr ',' '\n'
}

norm() { awk '{ printf "%.17g\n", $1 }'; }
# `sparq eval`'s own returns, when this build has it: the same numbers as evalref
eval_matches() { # model episodes seed hil.json
	"$SPARQ" eval "$1" --episodes "$2" --seed "$3" --json > "$work/eval.json" 2>/dev/null || return 0
	cmp -s <(json_returns "$work/eval.json" | norm) <(json_returns "$4" | norm)
}

"$HIL_BIN/mkmodel" "$work/a.sqm" 11 && "$HIL_BIN/mkmodel" "$work/b.sqm" 12 || {
	fail hil_setup "mkmodel"; exit 1; }
"$HIL_BIN/evalref" "$work/a.sqm" CartPole-v1 "$EPISODES" 7 > "$work/ref_a.txt" &&
"$HIL_BIN/evalref" "$work/b.sqm" CartPole-v1 5 9 > "$work/ref_b.txt" || {
	fail hil_setup "evalref"; exit 1; }

# 1. EPISODES episodes through sparqd and the emulator: zero divergences,
#    returns equal to eval's with the same seed, an atomic JSONL log.
start_emu "$work/emu.sock" || { fail hil_setup "sq-emu did not start"; exit 1; }
start_sparqd "sim:$work/emu.sock" "$work/sparqd.sock" "$work/sparqd.log" ||
	{ fail hil_setup "sparqd did not start"; exit 1; }
if "$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes "$EPISODES" --seed 7 \
	--device "sparqd:$work/sparqd.sock" --json --log "$work/eps.jsonl" > "$work/h1.json" 2> "$work/h1.err" &&
	[ "$(json_field "$work/h1.json" divergences)" = 0 ] &&
	json_returns "$work/h1.json" | cmp -s - "$work/ref_a.txt" &&
	[ "$(wc -l < "$work/eps.jsonl")" = "$EPISODES" ] && ! grep -q warning "$work/h1.err" &&
	eval_matches "$work/a.sqm" "$EPISODES" 7 "$work/h1.json"; then
	pass "hil_sparqd_emu_${EPISODES}_episodes"
else
	fail "hil_sparqd_emu_${EPISODES}_episodes" "$(head -c 300 "$work/h1.err")"
fi

# 2. runtime LOAD of model b through the daemon, then episodes follow b
if "$SPARQ" load "$work/b.sqm" --device "sparqd:$work/sparqd.sock" --json > "$work/l.json" 2> "$work/l.err" &&
	"$SPARQ" hil "$work/b.sqm" --env CartPole-v1 --episodes 5 --seed 9 \
		--device "sparqd:$work/sparqd.sock" --json > "$work/h2.json" 2> "$work/h2.err" &&
	[ "$(json_field "$work/h2.json" divergences)" = 0 ] &&
	json_returns "$work/h2.json" | cmp -s - "$work/ref_b.txt" &&
	! grep -q warning "$work/h2.err"; then
	pass hil_runtime_load_then_episodes
else
	fail hil_runtime_load_then_episodes "$(cat "$work/l.err" "$work/h2.err" | head -c 300)"
fi
# ... and the old model now diverges (the check bites)
if "$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes 2 --seed 7 \
	--device "sparqd:$work/sparqd.sock" --json > "$work/h3.json" 2> "$work/h3.err"; then
	fail hil_detects_wrong_model "exit 0"
elif [ "$(json_field "$work/h3.json" divergences)" -gt 0 ] && grep -q "differ from the golden" "$work/h3.err"; then
	pass hil_detects_wrong_model
else
	fail hil_detects_wrong_model "$(head -c 300 "$work/h3.err")"
fi

# 3. a faulty line (direct sim: transport), the daemon's other client
#    meanwhile; then the device dies mid-episode: a clear error.
start_emu "$work/faulty.sock" --flip 2000 --drop 2000 --garbage 20 --seed 3 ||
	fail hil_faulty_line "sq-emu did not start"
if "$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes 3 --seed 7 --timeout 50 --retries 30 \
	--device "sim:$work/faulty.sock" --json > "$work/h4.json" 2> "$work/h4.err" &&
	[ "$(json_field "$work/h4.json" divergences)" = 0 ] &&
	[ "$(json_field "$work/h4.json" retransmits)" -gt 0 ] &&
	json_returns "$work/h4.json" | cmp -s - <(head -3 "$work/ref_a.txt"); then
	pass hil_faulty_line
else
	fail hil_faulty_line "$(head -c 300 "$work/h4.err")"
fi
start_emu "$work/dies.sock" --exit-after 150 || fail hil_device_dies "sq-emu did not start"
start_sparqd "sim:$work/dies.sock" "$work/sparqd2.sock" "$work/sparqd2.log"
"$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes 20 --seed 7 \
	--device "sparqd:$work/sparqd2.sock" > "$work/h5.out" 2> "$work/h5.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l < "$work/h5.err")" = 1 ] && grep -q "^sparq hil: episode .* away" "$work/h5.err" &&
	"$SPARQ" hil "$work/b.sqm" --env CartPole-v1 --episodes 1 --seed 9 \
		--device "sparqd:$work/sparqd.sock" > /dev/null 2>&1; then
	pass hil_device_dies_daemon_serves_others
else
	fail hil_device_dies_daemon_serves_others "rc $rc: $(head -c 300 "$work/h5.err")"
fi

# 4. usage and absent devices: one line, nonzero
"$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes 1 --device "sim:$work/none.sock" 2> "$work/e1.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l < "$work/e1.err")" = 1 ] && grep -q "none.sock" "$work/e1.err"; then
	pass hil_no_device_error
else
	fail hil_no_device_error "rc $rc"
fi
"$SPARQ" hil "$work/a.sqm" --env Pong-v0 --episodes 1 --device "sim:$work/x" 2> /dev/null
[ $? = 2 ] && pass hil_usage_error || fail hil_usage_error

# 5. an SPRAM build (sparq-sim as the iCEBreaker's SPRAM bitstream boots: P=4,
#    the weights in SPRAM, empty): `sparq load` through sparqd, then 5
#    episodes, every action equal to the golden model's
R1_SP=$R1; [ -n "$R1_SP" ] && [ -f "$R1_SP" ] || R1_SP=$work/a.sqm
if [ -z "${SPARQ_SIM_SPRAM:-}" ] || [ ! -x "${SPARQ_SIM_SPRAM:-}" ]; then
	skip hil_spram_build_load_then_episodes "SPRAM sparq-sim not built"
else
	"$HIL_BIN/evalref" "$R1_SP" CartPole-v1 5 7 > "$work/ref_sp.txt" ||
		fail hil_setup "evalref $R1_SP"
	"$SPARQ_SIM_SPRAM" "$work/spram.sock" > "$work/sim5.log" 2>&1 & pids+=($!)
	wait_for "$work/spram.sock"
	start_sparqd "sim:$work/spram.sock" "$work/sparqd5.sock" "$work/sparqd5.log" 3000
	if "$SPARQ" load "$R1_SP" --device "sparqd:$work/sparqd5.sock" --timeout 2000 > /dev/null 2> "$work/s1.err" &&
		"$SPARQ" hil "$R1_SP" --env CartPole-v1 --episodes 5 --seed 7 --timeout 2000 \
			--device "sparqd:$work/sparqd5.sock" --json > "$work/s1.json" 2>> "$work/s1.err" &&
		[ "$(json_field "$work/s1.json" divergences)" = 0 ] &&
		json_returns "$work/s1.json" | cmp -s - "$work/ref_sp.txt" && ! grep -q warning "$work/s1.err"; then
		pass "hil_spram_build_load_then_episodes ($(basename "$R1_SP"), $(json_field "$work/s1.json" steps) steps)"
	else
		fail hil_spram_build_load_then_episodes "$(head -c 300 "$work/s1.err")"
	fi
fi

# 6. the board-level model (sparq-sim): EPISODES episodes through sparqd
if [ -z "$SPARQ_SIM" ] || [ ! -x "$SPARQ_SIM" ]; then
	skip hil_sparqd_board_model "sparq-sim not built"
	skip hil_board_model_runtime_load "sparq-sim not built"
	skip hil_board_model_faulty_line "sparq-sim not built"
	skip hil_board_model_vanishes "sparq-sim not built"
	exit 0
fi
[ -n "$R1" ] && [ -f "$R1" ] || R1=$work/a.sqm
"$HIL_BIN/evalref" "$R1" CartPole-v1 "$EPISODES" 7 > "$work/ref_r1.txt" ||
	fail hil_setup "evalref $R1"
"$SPARQ_SIM" --model "$R1" "$work/board.sock" > "$work/sim.log" 2>&1 & pids+=($!)
wait_for "$work/board.sock"
# a Verilator model runs far slower than a board: a generous timeout
start_sparqd "sim:$work/board.sock" "$work/sparqd3.sock" "$work/sparqd3.log" 3000
if "$SPARQ" hil "$R1" --env CartPole-v1 --episodes "$EPISODES" --seed 7 \
	--device "sparqd:$work/sparqd3.sock" --timeout 2000 --json > "$work/b1.json" 2> "$work/b1.err" &&
	[ "$(json_field "$work/b1.json" divergences)" = 0 ] &&
	json_returns "$work/b1.json" | cmp -s - "$work/ref_r1.txt" && ! grep -q warning "$work/b1.err" &&
	eval_matches "$R1" "$EPISODES" 7 "$work/b1.json"; then
	pass "hil_sparqd_board_model_${EPISODES}_episodes ($(basename "$R1"), $(json_field "$work/b1.json" steps) steps, mean $(json_field "$work/b1.json" mean))"
	cp "$work/b1.json" "${HIL_RESULT:-/dev/null}" 2>/dev/null
else
	fail "hil_sparqd_board_model_${EPISODES}_episodes" "$(head -c 300 "$work/b1.err")"
fi
if "$SPARQ" load "$work/b.sqm" --device "sparqd:$work/sparqd3.sock" --timeout 2000 > /dev/null 2> "$work/b2.err" &&
	"$SPARQ" hil "$work/b.sqm" --env CartPole-v1 --episodes 5 --seed 9 --timeout 2000 \
		--device "sparqd:$work/sparqd3.sock" --json > "$work/b2.json" 2>> "$work/b2.err" &&
	[ "$(json_field "$work/b2.json" divergences)" = 0 ] &&
	json_returns "$work/b2.json" | cmp -s - "$work/ref_b.txt"; then
	pass hil_board_model_runtime_load
else
	fail hil_board_model_runtime_load "$(head -c 300 "$work/b2.err")"
fi

# faults on the simulated UART line itself (sparq-sim flips bits, drops and
# inserts bytes): no wrong action, same returns
"$SPARQ_SIM" --model "$work/a.sqm" --flip 0.0005 --drop 0.002 --garbage 0.002 --seed 5 \
	"$work/board2.sock" > "$work/sim2.log" 2>&1 & pids+=($!)
wait_for "$work/board2.sock"
if "$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes 5 --seed 7 --timeout 1000 --retries 30 \
	--device "sim:$work/board2.sock" --json > "$work/b3.json" 2> "$work/b3.err" &&
	[ "$(json_field "$work/b3.json" divergences)" = 0 ] &&
	json_returns "$work/b3.json" | cmp -s - <(head -5 "$work/ref_a.txt"); then
	pass "hil_board_model_faulty_line (retransmits $(json_field "$work/b3.json" retransmits))"
else
	fail hil_board_model_faulty_line "$(head -c 300 "$work/b3.err")"
fi
# the board goes away for good mid-episode: sparqd reports it, one clear line
"$SPARQ_SIM" --model "$work/a.sqm" --vanish 3000 --vanish-exit "$work/board3.sock" > "$work/sim3.log" 2>&1 & pids+=($!)
wait_for "$work/board3.sock"
start_sparqd "sim:$work/board3.sock" "$work/sparqd4.sock" "$work/sparqd4.log" 3000
"$SPARQ" hil "$work/a.sqm" --env CartPole-v1 --episodes 200 --seed 7 --timeout 3000 \
	--device "sparqd:$work/sparqd4.sock" > /dev/null 2> "$work/b4.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l < "$work/b4.err")" = 1 ] && grep -q "away" "$work/b4.err" &&
	grep -q device-lost "$work/sparqd4.log"; then
	pass hil_board_model_vanishes
else
	fail hil_board_model_vanishes "rc $rc: $(head -c 300 "$work/b4.err")"
fi
exit 0
