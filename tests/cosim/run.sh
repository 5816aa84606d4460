#!/usr/bin/env bash
# tests/cosim/run.sh BUILD - suite test-cosim: the random models of
# tests/cosim/models.txt through `sparq cosim` (RTL and hls_c vs golden, every Q-value,
# the action and every hidden round result, random gaps and backpressure),
# grouped by lane count so each configuration is built once; then the three
# injected faults must be reported as mismatches. Each model runs simplified
# (the default export), with every row computed (--no-simplify), and simplified
# in the shape's layout (--keep-shape), and once with no gaps or backpressure,
# where its cycles must equal the exporter's schedule.
# Prints one PASS:/FAIL: line per check; exits nonzero on any failure.
set -u
build=${1:-build}
here=$(dirname "$0")
out=$build/tests/cosim
vectors=${COSIM_TEST_VECTORS:-2000}
mkdir -p "$out"
rc=0
# a private copy of the CLI: other work may relink build/bin/sparq meanwhile
sparq=$out/sparq
cp "$build/bin/sparq" "$sparq.tmp" && mv "$sparq.tmp" "$sparq"
SPARQ_BUILD_DIR=$build
export SPARQ_BUILD_DIR

# 1. models
lanes_used=""
n=0
while read -r lanes layers sp wb ab seed; do
	case "$lanes" in ''|\#*) continue ;; esac
	n=$((n + 1))
	m=$out/m$n-p$lanes.sqm
	if ! "$sparq" random --layers "$layers" --sparsity "$sp" --wbits "$wb" --abits "$ab" \
	     --lanes "$lanes" --seed "$seed" -o "$m" >"$out/m$n.gen.log" 2>&1; then
		echo "FAIL: cosim model $n ($layers): sparq random failed: $(tail -1 "$out/m$n.gen.log")"
		rc=1
		continue
	fi
	echo "$n $lanes $layers $sp $wb $ab" >>"$out/list.tmp"
	case " $lanes_used " in *" $lanes "*) ;; *) lanes_used="$lanes_used $lanes" ;; esac
done <"$here/models.txt"
mv "$out/list.tmp" "$out/list"

# 2. one harness per lane count, two builds at a time (make is a no-op when
#    a build is up to date)
build_cfg() {
	make --no-print-directory -s BUILD="$build" JOBS=1 cosim-build CS_P="$1" \
		>"$out/build-p$1.log" 2>&1
}
pids=()
for p in $lanes_used; do
	build_cfg "$p" &
	pids+=($!)
	if [ ${#pids[@]} -ge 2 ]; then
		wait "${pids[0]}"
		pids=("${pids[@]:1}")
	fi
done
wait

# 3. every model, bit-exact
while read -r i lanes layers sp wb ab; do
	m=$out/m$i-p$lanes.sqm
	if "$sparq" cosim "$m" --lanes "$lanes" --vectors "$vectors" --seed "$i" \
	     >"$out/m$i.log" 2>&1; then
		echo "PASS: cosim golden == hls_c == RTL, P=$lanes $layers sparsity $sp W $wb A $ab ($(sed -n 's/.*\]: \([0-9]* vectors\), .*/\1/p' "$out/m$i.log"), 0 mismatches)"
	else
		echo "FAIL: cosim P=$lanes $layers sparsity $sp W $wb A $ab"
		sed 's/^/    /' "$out/m$i.log" | head -12
		rc=1
	fi
done <"$out/list"

# every model again in another export mode: OPTION VECTORS LOG-SUFFIX WHAT
other_export() {
	local opt=$1 nv=$2 sfx=$3 what=$4 i lanes layers sp wb ab m
	while read -r i lanes layers sp wb ab; do
		m=$out/m$i-p$lanes.sqm
		if "$sparq" cosim "$m" --lanes "$lanes" --vectors "$nv" --seed "$i" "$opt" \
		     >"$out/m$i-$sfx.log" 2>&1; then
			echo "PASS: cosim $what, P=$lanes $layers sparsity $sp ($nv vectors, 0 mismatches)"
		else
			echo "FAIL: cosim $what, P=$lanes $layers sparsity $sp"
			sed 's/^/    /' "$out/m$i-$sfx.log" | head -12
			rc=1
		fi
	done <"$out/list"
}
# 3b. every row computed (--no-simplify): rows with no weight, all-padding
#     rounds and the full layer widths run on the core too
other_export --no-simplify 500 all "every row computed"
# 3c. simplified in the shape's layout (--keep-shape, the bitstream default):
#     removed rows stay as padding rows inside a layer
other_export --keep-shape 300 shape "simplified in the shape's layout"

# 3d. the issue schedule: with no gaps or backpressure every inference takes
#     exactly the cycles the exporter scheduled (config.vh SQ_CYCLES, the
#     figure `sparq estimate` and the bitstream report use)
while read -r i lanes layers sp wb ab; do
	m=$out/m$i-p$lanes.sqm
	j=$("$sparq" cosim "$m" --lanes "$lanes" --vectors 50 --seed "$i" --no-stress --json 2>"$out/m$i-sched.log")
	cmin=$(printf '%s' "$j" | sed -n 's/.*"cycles_min":\([0-9]*\).*/\1/p')
	cmax=$(printf '%s' "$j" | sed -n 's/.*"cycles_max":\([0-9]*\).*/\1/p')
	csch=$(printf '%s' "$j" | sed -n 's/.*"cycles_schedule":\([0-9]*\).*/\1/p')
	if [ -n "$csch" ] && [ "$cmin" = "$csch" ] && [ "$cmax" = "$csch" ]; then
		echo "PASS: cosim cycles == schedule, P=$lanes $layers ($csch cycles)"
	else
		echo "FAIL: cosim cycles == schedule, P=$lanes $layers: measured ${cmin:-?}..${cmax:-?}, scheduled ${csch:-?}"
		rc=1
	fi
done <"$out/list"

# 4. injected faults must be caught: nonzero exit and a mismatch line
fault_model=$(awk '$2 == 8 { print $1; exit }' "$out/list")
fm=$out/m$fault_model-p8.sqm
for fault in weight round early; do
	if [ -z "$fault_model" ]; then
		echo "FAIL: cosim reports injected $fault fault (no P=8 model)"; rc=1; continue
	fi
	"$sparq" cosim "$fm" --lanes 8 --vectors 300 --inject "$fault" >"$out/inject-$fault.log" 2>&1
	frc=$?
	if [ "$frc" -ne 0 ] && grep -q 'mismatch: vector [0-9]* layer [0-9]*' "$out/inject-$fault.log" &&
	   grep -q 'waveform of vector' "$out/inject-$fault.log"; then
		echo "PASS: cosim reports injected $fault fault ($(grep -m1 'mismatch:' "$out/inject-$fault.log" | sed 's/^sparq cosim: //'))"
	else
		echo "FAIL: cosim reports injected $fault fault (exit $frc)"
		sed 's/^/    /' "$out/inject-$fault.log" | head -5
		rc=1
	fi
done

# 5. the weight memory as iCE40 SPRAM (rtl/sq_wmem.v WMEM=1, single port,
#    written only through the load port): the P=3 models (lane entries of
#    17 bits, nibble-padded in SPRAM) and the P=4 ones (entries of 16 bits,
#    the iCEBreaker's 4 x 16-bit SPRAM), bit-exact; and a flipped weight is
#    still caught through that path
for p in 3 4; do
	make --no-print-directory -s BUILD="$build" JOBS=1 cosim-build CS_P="$p" CS_WMEM=1 \
		>"$out/build-p$p-spram.log" 2>&1 || {
		echo "FAIL: cosim SPRAM harness P=$p does not build"; sed 's/^/    /' "$out/build-p$p-spram.log" | tail -5
		rc=1; continue; }
	while read -r i lanes layers sp wb ab; do
		[ "$lanes" = "$p" ] || continue
		m=$out/m$i-p$lanes.sqm
		if "$sparq" cosim "$m" --lanes "$lanes" --wmem spram --vectors 500 --seed "$i" \
		     >"$out/m$i-spram.log" 2>&1; then
			echo "PASS: cosim SPRAM weights, P=$lanes $layers (500 vectors through the load port, 0 mismatches)"
		else
			echo "FAIL: cosim SPRAM weights, P=$lanes $layers"
			sed 's/^/    /' "$out/m$i-spram.log" | head -12
			rc=1
		fi
	done <"$out/list"
done
# (the dense P=4 model: its output layer's first weight meets a nonzero input)
sm=$(awk '$2 == 4 && $4 == "0.0" { print $1; exit }' "$out/list")
"$sparq" cosim "$out/m$sm-p4.sqm" --lanes 4 --wmem spram --vectors 300 --inject weight \
	>"$out/inject-spram.log" 2>&1
frc=$?
if [ "$frc" -ne 0 ] && grep -q 'mismatch: vector [0-9]* layer [0-9]*' "$out/inject-spram.log"; then
	echo "PASS: cosim SPRAM weights: injected weight fault reported"
else
	echo "FAIL: cosim SPRAM weights: injected weight fault reported (exit $frc)"
	sed 's/^/    /' "$out/inject-spram.log" | head -5
	rc=1
fi

# 6. a model that does not fit the configuration is refused in one line
"$sparq" random --layers 300,4 --sparsity 0 --seed 1 -o "$out/wide.sqm" >/dev/null 2>&1
if ! "$sparq" cosim "$out/wide.sqm" --lanes 8 --vectors 1 >"$out/wide.log" 2>&1 &&
   grep -q '^sparq cosim: .*does not fit configuration' "$out/wide.log"; then
	echo "PASS: cosim refuses a model wider than MAXW"
else
	echo "FAIL: cosim refuses a model wider than MAXW"; sed 's/^/    /' "$out/wide.log" | head -3; rc=1
fi
exit $rc
