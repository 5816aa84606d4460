#!/usr/bin/env bash
# pnr.sh DIR FREQ_MHZ "SEEDS": places and routes DIR/sparq.json for the board
# of mk/fpga.mk (environment: FPGA_FAMILY FPGA_DEVICE FPGA_PACKAGE FPGA_PINS
# FPGA_BOARD NEXTPNR_ICE40 NEXTPNR_ECP5), once per seed, and keeps the run with
# the best Fmax as DIR/sparq_pnr.asc (iCE40) or DIR/sparq_pnr.config (ECP5),
# DIR/pnr.log and DIR/pnr.json (nextpnr's --report). Prints one progress line
# for placement and one for routing, with their times; with several seeds, one
# line per seed and the choice. The images in the result are the random ones of
# synthesis (DIR/rand); scripts/fpga/swap.sh puts the model in.
set -euo pipefail
dir=$1; freq=$2; seeds=$3
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The PyPI tools (yowasp-*) run in a WASI sandbox that sees only the current
# folder's tree: a build folder elsewhere would fail with "Failed to open".
case "$(basename "${NEXTPNR_ECP5:-}")" in yowasp-*)
	if [ "$FPGA_FAMILY" != ice40 ]; then
		case "$(realpath -m "$dir")/" in "$(realpath "$PWD")"/*) ;;
		*) echo "pnr: FPGA_DIR $dir is outside $PWD, which $NEXTPNR_ECP5 (WASI) cannot reach; use a folder below it" >&2
		   exit 1 ;;
		esac
	fi ;;
esac

run() { # seed outdir
	local s=$1 o=$2 t0 tp=0 line placed=0
	mkdir -p "$o"
	local args
	if [ "$FPGA_FAMILY" = ice40 ]; then
		args=("$NEXTPNR_ICE40" "--$FPGA_DEVICE" --package "$FPGA_PACKAGE" --pcf "$FPGA_PINS"
		      --json "$dir/sparq.json" --asc "$o/sparq_pnr.asc")
	else
		args=("$NEXTPNR_ECP5" "--$FPGA_DEVICE" --package "$FPGA_PACKAGE" --lpf "$FPGA_PINS"
		      --json "$dir/sparq.json" --textcfg "$o/sparq_pnr.config")
	fi
	args+=(--freq "$freq" --seed "$s" --report "$o/pnr.json" --timing-allow-fail)
	t0=$(now)
	set +e
	# line-buffered, so that the log shows where routing starts while it runs;
	# the log exists before the loop below reads it
	: > "$o/pnr.log"
	stdbuf -oL -eL "${args[@]}" > "$o/pnr.log" 2>&1 &
	local pid=$!
	# Progress: placement ends where routing starts.
	while kill -0 $pid 2>/dev/null; do
		if [ $placed = 0 ] && grep -qE '^Info: (Routing|Setting up routing|Running router)' "$o/pnr.log"; then
			tp=$(now); placed=1
			[ "$quiet" = 1 ] || echo "  place    $FPGA_BOARD: seed $s ($(secs "$t0" "$tp") s)"
		fi
		sleep 0.5
	done
	wait $pid; local rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "pnr: nextpnr failed (seed $s); the end of $o/pnr.log:" >&2
		grep -E '^(ERROR|Error|error)' "$o/pnr.log" | tail -5 >&2 || tail -5 "$o/pnr.log" >&2
		return 1
	fi
	[ $placed = 1 ] || tp=$t0
	local t1; t1=$(now)
	fmax_line=$(fmax "$o/pnr.log")
	[ "$quiet" = 1 ] || echo "  route    $FPGA_BOARD: seed $s, $fmax_line ($(secs "$tp" "$t1") s)"
	[ "$quiet" = 1 ] && echo "  seed     $FPGA_BOARD: seed $s, $fmax_line ($(secs "$t0" "$t1") s)"
	return 0
}
# The worst clock of the last timing summary: "F MHz (PASS|FAIL at R MHz)".
fmax() {
	awk '/Max frequency for clock/ { split($0, q, "\047"); c[q[2]] = $0 }
	     END { worst = 1e9; for (k in c) { s = c[k]; sub(/.*: /, "", s); f = s + 0
	             r = s; sub(/.* at /, "", r); r = r + 0
	             if (r > 0 && f / r < worst) { worst = f / r; best = s } }
	           print best }' "$1"
}
fnum() { fmax "$1" | awk '{ print $1 + 0 }'; }

set -- $seeds
if [ $# -le 1 ]; then
	quiet=0
	run "${1:-1}" "$dir"
	echo "seed=${1:-1}" > "$dir/seed.txt"
else
	quiet=1; best=""; bestf=-1
	for s in "$@"; do
		run "$s" "$dir/seed-$s" || continue
		f=$(fnum "$dir/seed-$s/pnr.log")
		if awk -v a="$f" -v b="$bestf" 'BEGIN { exit !(a > b) }'; then best=$s; bestf=$f; fi
	done
	[ -n "$best" ] || { echo "pnr: every seed failed" >&2; exit 1; }
	for f in sparq_pnr.asc sparq_pnr.config pnr.log pnr.json; do
		[ -f "$dir/seed-$best/$f" ] && cp "$dir/seed-$best/$f" "$dir/$f"
	done
	echo "seed=$best" > "$dir/seed.txt"
	echo "  sweep    $FPGA_BOARD: best seed $best of {$*}: $(fmax "$dir/pnr.log")"
fi
