#!/usr/bin/env bash
# patch.sh DIR MODEL: puts MODEL's weights, round table and row parameters into
# the bitstream already built in DIR, without synthesis or place and route:
# export with the build's lanes, check the model fits the built memories and has
# the built shape (the layer table is part of the netlist), then swap the block
# RAM images in the routed design (icebram / ecpbram) and pack again.
set -euo pipefail
dir=$1; model=$2
die() { echo "patch: $*" >&2; exit 1; }
if [ "$FPGA_FAMILY" = ecp5 ]; then pnr=$dir/sparq_pnr.config; cfg=$dir/sparq.config; bit=$dir/sparq.bit
else pnr=$dir/sparq_pnr.asc; cfg=$dir/sparq.asc; bit=$dir/sparq.bin; fi
# SPRAM weights are not in the bitstream: nothing to patch there
if [ -f "$dir/hw.txt" ] && grep -qx 'WMEM=1' "$dir/hw.txt"; then
	die "the build in $dir keeps its weights in SPRAM, which the bitstream cannot set: load the model from the host instead (sparq load $model --device ...; docs/boards.md)"
fi
for f in "$dir/hw.txt" "$pnr" "$dir/built/lt.hex" "$dir/rand/.stamp"; do
	[ -f "$f" ] || die "no build to patch in $dir ($f missing): run 'make BOARD=$FPGA_BOARD MODEL=... bitstream' first"
done
[ -f "$model" ] || die "no model file $model"
t0=$(date +%s.%N)
. "$dir/hw.txt"
rm -rf "$dir/patch"; mkdir -p "$dir/patch/model"
# the build's export mode (SIMPLIFY): --keep-shape, --no-simplify or nothing
simplify=$(cat "$dir/simplify.txt" 2>/dev/null || true)
"$SPARQ" export "$model" --lanes "$P" --aw "$AW" --ww "$WW" --accw "$ACCW" --maxw "$MAXW" \
	--maxl "$MAXL" --lg-wd 16 --lg-rd 16 $simplify -o "$dir/patch/model/" > /dev/null ||
	die "sparq export failed for $model"
FIT_HW=$dir/hw.txt bash scripts/fpga/fit.sh "$dir/patch/model" "$dir/patch" > /dev/null ||
	die "$model does not fit the memories of the build in $dir; run 'make bitstream' to build for it"
if ! cmp -s "$dir/patch/real/lt.hex" "$dir/built/lt.hex"; then
	# SIMPLIFY=1 drops rows, so the layer table depends on the weights too
	[ -z "$simplify" ] && [ -f "$dir/simplify.txt" ] &&
		die "$model needs another layer table than the build in $dir: another shape, or the same shape with other rows removed (the build was made with SIMPLIFY=1); rebuild with SIMPLIFY=shape (the default) for a bitstream every model of one shape can patch"
	die "$model has another shape than the build in $dir (its layer table differs: layer sizes or widths); run 'make bitstream' to build for it"
fi
for m in rt wm pm; do
	case " $PATCH_MEMS " in *" $m "*) continue ;; esac
	cmp -s "$dir/patch/real/$m.hex" "$dir/built/$m.hex" ||
		die "$model differs from the build in $dir in the $m memory, which this build cannot patch (see 'fit: note' at its synthesis); run 'make bitstream'"
done
bash scripts/fpga/swap.sh "$dir/hw.txt" "$dir/rand" "$dir/patch/real" "$pnr" "$cfg.tmp"
if [ "$FPGA_FAMILY" = ecp5 ]; then "$ECPPACK" "$cfg.tmp" "$bit.tmp"; else "$ICEPACK" "$cfg.tmp" "$bit.tmp"; fi
mv "$cfg.tmp" "$cfg"; mv "$bit.tmp" "$bit"
# The build now holds this model: keep its images, and make the next
# `make bitstream` export its MODEL again.
for f in "$dir/patch/real/"*.hex; do
	cmp -s "$f" "$dir/real/${f##*/}" || cp "$f" "$dir/real/"
done
cp "$dir/patch/model.txt" "$dir/model.txt"
rm -f "$dir/model/.stamp"
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "  patch    $FPGA_BOARD: $model into $bit: memories $PATCH_MEMS replaced, no synthesis, no place and route ($t s)"
