#!/usr/bin/env bash
# test_fpga.sh: the bitstream flow's tests (suite test-fpga). One PASS:/FAIL:/SKIP:
# line per test. Everything is built from scratch under build/tests/fpga (nothing
# is cached across runs), with R1-shaped random models from `sparq random`.
#
#   fpga-notfit           R2 on the iCEBreaker with its weights in block RAM
#                         (WMEM=ebr) stops before synthesis, naming the resource,
#                         the shortfall, a sparsity / width that fits, and SPRAM
#   fpga-simplify-bad     SIMPLIFY=yes stops with one line before any export
#   fpga-spram-auto       R2 on the iCEBreaker, WMEM automatic: the fit check puts
#                         the weights in SPRAM (no weight image, not patchable)
#   fpga-spram-nopatch    `make patch` on that SPRAM build refuses in one line
#   fpga-spram-notfit     weights deeper than the SPRAM, and SPRAM on an ECP5
#                         board, stop at the fit check with the reason
#   fpga-r1-<board>       R1 builds, timing met at the board clock, report written
#   fpga-prog-noboard-<board>  `make prog` with no board: nonzero, one clear line
#   fpga-repro-<board>    (iCE40) the whole flow again from the same inputs and seed
#                         in another folder: the same bitstream, byte for byte
#   fpga-patch-<board>    a second R1 model B (other weights) patched into the first
#                         build without synthesis or P&R: the bitstream changes, and
#                         (iCE40) equals byte for byte B synthesized directly from its
#                         own images (FPGA_DIRECT=1: no random images, no icebram),
#                         placed and routed with the same seed; (ECP5) equals the
#                         rebuild for B; a model of another shape is refused.
#                         A and B simplify to different rows: the default export
#                         (SIMPLIFY=shape) keeps the shape's layer table
#
# Environment: FPGA_TEST_BOARDS (default "icebreaker ulx3s-25f"), SPARQ, MAKE.
set -u
cd "$(dirname "$0")/../.."
SPARQ=${SPARQ:-build/bin/sparq}
MAKE=${MAKE:-make}
T=build/tests/fpga
boards=${FPGA_TEST_BOARDS:-icebreaker ulx3s-25f}
rc=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; rc=1; }
skip() { echo "SKIP: $1: $2"; }
# the report's cycles come from the tables here (FPGA_COSIM=0): the cosim
# suite measures them, and a Verilator build per configuration is not needed
mk() { $MAKE --no-print-directory SPARQ_NO_INSTALL=1 FPGA_COSIM=0 "$@"; }

rm -rf "$T"; mkdir -p "$T"
"$SPARQ" random --layers 4,64,64,2 --sparsity 0.9 --seed 11 -o "$T/r1a.sqm" > /dev/null &&
"$SPARQ" random --layers 4,64,64,2 --sparsity 0.9 --seed 12 -o "$T/r1b.sqm" > /dev/null &&
"$SPARQ" random --layers 4,64,32,2 --sparsity 0.9 --seed 13 -o "$T/r1c.sqm" > /dev/null &&
"$SPARQ" random --layers 6,256,256,3 --sparsity 0.9 --seed 14 -o "$T/r2.sqm" > /dev/null &&
"$SPARQ" random --layers 6,256,256,256,3 --sparsity 0.5 --seed 15 -o "$T/big.sqm" > /dev/null ||
	{ fail fpga-setup "sparq random failed"; exit 1; }

# ---- the board wrappers lint clean (vendor primitives stubbed) -----------------
why=""
for w in rtl/boards/sq_board_*.v; do
	top=$(basename "$w" .v)
	[ "$top" = sq_board_por ] && continue
	# DECLFILENAME: lint_stubs.v holds several stub modules
	verilator --lint-only -Wall -Wno-DECLFILENAME -Irtl "$w" rtl/boards/sq_board_por.v \
		rtl/*.v tests/fpga/lint_stubs.v --top-module "$top" > "$T/lint-$top.log" 2>&1 ||
		why="$why $top"
done
if [ -z "$why" ]; then pass fpga-lint-wrappers; else fail fpga-lint-wrappers "verilator -Wall:$why (see $T/lint-*.log)"; fi

# ---- not-fit: stops at the fit check, before synthesis -------------------------
out=$(mk BOARD=icebreaker MODEL="$T/r2.sqm" FPGA_DIR="$T/notfit" WMEM=ebr bitstream 2>&1)
st=$?
if [ $st -ne 0 ] && printf '%s' "$out" | grep -q 'does not fit the icebreaker: block RAM (EBR) short by [0-9]' &&
   printf '%s' "$out" | grep -qE 'try .*(sparsity of [0-9]+% or more|[0-9]+-bit weights)' &&
   printf '%s' "$out" | grep -q 'weights in SPRAM (WMEM=spram' &&
   [ ! -e "$T/notfit/synth.log" ]; then
	pass fpga-notfit
else
	fail fpga-notfit "expected a fit-check stop before synthesis; got: $(printf '%s' "$out" | grep -E 'fit|synth' | head -3)"
fi

# ---- a bad SIMPLIFY is refused before anything is built ----------------------
out=$(mk BOARD=icebreaker MODEL="$T/r1a.sqm" FPGA_DIR="$T/badsimp" SIMPLIFY=yes bitstream 2>&1); st=$?
if [ $st -ne 0 ] && printf '%s' "$out" | grep -q "SIMPLIFY='yes': expected shape, 1 or 0" && [ ! -e "$T/badsimp/model" ]; then
	pass fpga-simplify-bad
else
	fail fpga-simplify-bad "expected one refusal of SIMPLIFY=yes; got (exit $st): $(printf '%s' "$out" | tail -1)"
fi

# ---- SPRAM: chosen automatically for R2 on the iCEBreaker (fit check only) ----
sd=$T/spram
out=$(mk BOARD=icebreaker MODEL="$T/r2.sqm" FPGA_DIR="$sd" "$sd/fit.stamp" 2>&1); st=$?
if [ $st -eq 0 ] && grep -qx 'WMEM=1' "$sd/hw.txt" && grep -qx 'LG_WD=14' "$sd/hw.txt" &&
   grep -qx 'SPRAM_EST=4' "$sd/hw.txt" && ! grep -q '^PATCH_MEMS=.*wm' "$sd/hw.txt" &&
   printf '%s' "$out" | grep -q 'weights in SPRAM (4 of 4'; then
	pass fpga-spram-auto
else
	fail fpga-spram-auto "expected the fit check to put R2's weights in SPRAM; got: $(printf '%s' "$out" | grep -E 'fit' | tail -2)"
fi
out=$(mk BOARD=icebreaker MODEL="$T/r2.sqm" FPGA_DIR="$sd" patch 2>&1); st=$?
if [ $st -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^patch: ')" = 1 ] &&
   printf '%s' "$out" | grep -q '^patch: .*weights in SPRAM.*sparq load' && [ ! -e "$sd/sparq.bin" ]; then
	pass fpga-spram-nopatch
else
	fail fpga-spram-nopatch "expected one clear refusal; got (exit $st): $(printf '%s' "$out" | tail -2)"
fi
why=""
out=$(mk BOARD=icebreaker MODEL="$T/big.sqm" FPGA_DIR="$T/spram-big" WMEM=spram bitstream 2>&1) &&
	why="a model deeper than the SPRAM went through"
[ -z "$why" ] && ! printf '%s' "$out" | grep -q 'fit: the model does not fit the icebreaker with its weights in SPRAM: [0-9]* weight words .* the SPRAM holds 16384' &&
	why="no SPRAM depth reason: $(printf '%s' "$out" | grep fit: | head -1)"
[ -z "$why" ] && [ -e "$T/spram-big/synth.log" ] && why="synthesis ran"
if [ -z "$why" ]; then
	out=$(mk BOARD=ulx3s-25f MODEL="$T/r2.sqm" FPGA_DIR="$T/spram-ecp5" WMEM=spram bitstream 2>&1) &&
		why="WMEM=spram on an ECP5 board went through"
	[ -z "$why" ] && ! printf '%s' "$out" | grep -q 'fit: WMEM=spram: the ulx3s-25f has no SPRAM' &&
		why="no reason for SPRAM on ECP5: $(printf '%s' "$out" | grep fit: | head -1)"
fi
if [ -z "$why" ]; then pass fpga-spram-notfit; else fail fpga-spram-notfit "$why"; fi

# One board's build, reproducibility and patch tests; the boards run side by
# side (two cores), each printing into its own file.
board_tests() {
	local b=$1 d=$T/$1 fam ext cfg osc p why out r m cur
	rc=0
	fam=$(sed -nE 's/^FPGA_FAMILY *:= *//p' "boards/$b.mk")
	if [ "$fam" = ecp5 ]; then ext=bit; cfg=config; else ext=bin; cfg=asc; fi
	osc=$(sed -nE 's/^FPGA_OSC_MHZ *:= *//p' "boards/$b.mk")
	# ECP5 at 4 lanes: the same R1 and flow, half the place-and-route time
	p=$(sed -nE 's/^FPGA_DEF_P *:= *//p' "boards/$b.mk"); [ "$fam" = ecp5 ] && p=4

	# ---- R1 at the board clock ----
	if mk BOARD="$b" MODEL="$T/r1a.sqm" FPGA_DIR="$d" CLK_MHZ="$osc" P="$p" report > "$T/$b.log" 2>&1 &&
	   [ -s "$d/sparq.$ext" ] && grep -q '^TIMING=PASS' "$d/timing.txt" &&
	   grep -q '"timing": "PASS"' "$d/report.json"; then
		pass "fpga-r1-$b"
		grep -E '^  (fit|synth|place|route|pack|timing|report) ' "$T/$b.log"
	else
		fail "fpga-r1-$b" "build or timing failed (see $T/$b.log): $(grep -E 'FAIL|rror|fit:|synth:' "$T/$b.log" | head -2)"
		return $rc
	fi

	# ---- prog with no board attached: one clear line, nonzero exit ----
	out=$(mk BOARD="$b" FPGA_DIR="$d" prog 2>&1); st=$?
	if [ $st -eq 0 ]; then
		skip "fpga-prog-noboard-$b" "a board answered: it was programmed"
	elif printf '%s' "$out" | grep -q "^prog: could not program the $b: no board answered"; then
		pass "fpga-prog-noboard-$b"
	else
		fail "fpga-prog-noboard-$b" "unclear failure: $(printf '%s' "$out" | tail -1)"
	fi

	# ---- reproducibility (iCE40): the whole flow again in another folder ----
	if [ "$fam" = ecp5 ]; then
		skip "fpga-repro-$b" "checked on iCE40: ECP5 place and route takes minutes, twice is too slow for CI"
	elif mk BOARD="$b" MODEL="$T/r1a.sqm" FPGA_DIR="$d-repro" CLK_MHZ="$osc" P="$p" bitstream > "$T/$b-repro.log" 2>&1 &&
	     cmp -s "$d/sparq.$ext" "$d-repro/sparq.$ext"; then
		pass "fpga-repro-$b"
	else
		fail "fpga-repro-$b" "a second build from the same inputs and seed gave another bitstream (see $T/$b-repro.log)"
	fi

	# ---- patching ----
	cp "$d/sparq.$ext" "$T/$b-a.$ext"
	why=""
	out=$(mk BOARD="$b" MODEL="$T/r1b.sqm" FPGA_DIR="$d" CLK_MHZ="$osc" P="$p" patch 2>&1) || why="make patch failed: $(printf '%s' "$out" | tail -1)"
	if [ -z "$why" ] && printf '%s' "$out" | grep -qE '^  (synth|place|route) '; then why="patch ran synthesis or place and route"; fi
	if [ -z "$why" ] && cmp -s "$d/sparq.$ext" "$T/$b-a.$ext"; then why="the patched bitstream equals the first one"; fi
	cp "$d/sparq.$ext" "$T/$b-b-patched.$ext"
	if [ -z "$why" ] && [ "$fam" = ice40 ]; then
		# the reference: B synthesized directly from its own images, placed
		# and routed with the same seed, no icebram anywhere
		if mk BOARD="$b" MODEL="$T/r1b.sqm" FPGA_DIR="$d-direct" CLK_MHZ="$osc" P="$p" FPGA_DIRECT=1 \
			bitstream > "$T/$b-direct.log" 2>&1; then
			cmp -s "$d-direct/sparq.$ext" "$T/$b-b-patched.$ext" ||
				why="the patched bitstream differs from B built directly from its images ($(cmp "$d-direct/sparq.$ext" "$T/$b-b-patched.$ext" | head -1))"
		else
			why="the direct build of B failed (see $T/$b-direct.log)"
		fi
	elif [ -z "$why" ]; then
		# ECP5: a rebuild for B in the same folder: same shape and configuration,
		# so make redoes the images and the pack from the same routed design
		mk BOARD="$b" MODEL="$T/r1b.sqm" FPGA_DIR="$d" CLK_MHZ="$osc" P="$p" bitstream > "$T/$b-rebuild.log" 2>&1 ||
			why="rebuild for B failed"
		[ -z "$why" ] && grep -qE '^  (synth|place|route) ' "$T/$b-rebuild.log" && why="the rebuild for B ran synthesis or place and route"
		[ -z "$why" ] && ! cmp -s "$d/sparq.$ext" "$T/$b-b-patched.$ext" && why="patched bitstream differs from the rebuild for B"
	fi
	if [ -z "$why" ]; then
		out=$(mk BOARD="$b" MODEL="$T/r1c.sqm" FPGA_DIR="$d" CLK_MHZ="$osc" P="$p" patch 2>&1) &&
			why="a model of another shape (4-64-32-2) was patched in"
		[ -z "$why" ] && ! printf '%s' "$out" | grep -qE 'another shape|does not fit' &&
			why="refusal of another shape without a reason: $(printf '%s' "$out" | tail -1)"
	fi
	if [ -z "$why" ]; then pass "fpga-patch-$b"; else fail "fpga-patch-$b" "$why"; fi
	return $rc
}

pids=""
for b in $boards; do
	board_tests "$b" > "$T/$b.out" 2>&1 &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid" || rc=1; done
for b in $boards; do cat "$T/$b.out"; done
grep -q '^FAIL: ' "$T"/*.out && rc=1
exit $rc
