#!/usr/bin/env bash
# bench.sh BUILD: the compression figures of docs/benchmarks.md.
# For every reference workload whose float checkpoint exists under models/
# (R1 always; R2/R3 when shipped), `sparq compress` at 90% 8-bit, and with
# --qat at 95% 4-bit and 90% 4-bit, for compression seeds 1..3 (R2: seed 1), each
# evaluated over 100 greedy episodes; then an R1 sweep with its PNG
# (docs/compression-r1-sweep.png).
# The markdown goes between the compress:begin/compress:end markers of
# docs/benchmarks.md (atomically) and to stdout. Long: niced, one at a time.
set -euo pipefail
BUILD=${1:-build}
SPARQ=$BUILD/bin/sparq
OUT=docs/benchmarks.md
EPISODES=${EPISODES:-100}
SEEDS=${SEEDS:-"1 2 3"}
work=$BUILD/bench/compress
mkdir -p "$work"
md=$work/compress.md
j() { jq -r "$2" < "$1"; }

{
echo "Each row: \`sparq compress MODEL --sparsity S --wbits W --abits 8 --seed SEED"
echo "--eval-episodes $EPISODES [--qat] --json\` (defaults otherwise: docs/compression.md), returns"
echo "of the fixed-point model through the golden model over $EPISODES greedy episodes,"
echo "episode seed SEED+1000; agreement on the reference policy's states; bytes"
echo "packed with index bits (model-format.md) against dense float32."
echo
echo "| workload | sparsity | W | QAT | seed | fixed mean | std | min | agreement | pruned float mean | reference mean | bytes | dense | ratio | bits/nz |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$md"

for w in r1:models/r1-cartpole-float.sqm r2:models/r2-acrobot-float.sqm r3:models/r3-mountaincar-float.sqm; do
	name=${w%%:*}
	model=${w#*:}
	[ -f "$model" ] || { echo "| $name | (no $model yet) ||||||||||||||" >> "$md"; continue; }
	for cfg in "0.9 8" "0.95 4 --qat" "0.9 4 --qat"; do
		set -- $cfg
		qat=no
		[ "${3:-}" = --qat ] && qat=yes
		seeds=$SEEDS
		[ "$name" = r2 ] && seeds=${R2_SEEDS:-1}   # 67k weights: minutes per run
		for seed in $seeds; do
			js=$work/$name-s$1-w$2-seed$seed.json
			nice "$SPARQ" compress "$model" -o "$work/$name-s$1-w$2-seed$seed.sqm" \
				--sparsity "$1" --wbits "$2" --abits 8 --seed "$seed" ${3:-} \
				--eval-episodes "$EPISODES" --json -q > "$js"
			printf '| %s | %s | %s | %s | %s | %.2f | %.2f | %.0f | %.4f | %.2f | %.2f | %s | %s | %.1fx | %.2f |\n' \
				"$name" "$(j "$js" .sparsity)" "$2" "$qat" "$seed" "$(j "$js" .fixed.mean)" \
				"$(j "$js" .fixed.std)" "$(j "$js" .fixed.min)" "$(j "$js" .fixed.agreement)" \
				"$(j "$js" .pruned_float.mean)" "$(j "$js" .reference.mean)" \
				"$(j "$js" .packed_bytes)" "$(j "$js" .dense_bytes)" "$(j "$js" .ratio)" \
				"$(j "$js" .bits_per_nnz)" >> "$md"
		done
	done
done

sw=$work/r1-sweep.json
nice "$SPARQ" sweep models/r1-cartpole-float.sqm --sparsity 0.5,0.8,0.9,0.95,0.98 --wbits 2,4,8 \
	--eval-episodes 20 --seed 1 --plot docs/compression-r1-sweep.png --json -q > "$sw"
{
echo
echo "R1 sweep (20 episodes per point, seed 1):"
echo
echo "    sparq sweep models/r1-cartpole-float.sqm --sparsity 0.5,0.8,0.9,0.95,0.98 --wbits 2,4,8 \\"
echo "        --eval-episodes 20 --seed 1 --plot docs/compression-r1-sweep.png"
echo
echo "| sparsity | W | mean | std | agreement | bytes | ratio | bits/nz |"
echo "|---|---|---|---|---|---|---|---|"
jq -r '.points[] | "| \(.sparsity_achieved*10000|round/10000) | \(.wbits) | \(.mean*100|round/100) | \(.std*100|round/100) | \(.agreement*10000|round/10000) | \(.bytes) | \(.ratio*10|round/10)x | \(.bits_per_nnz*100|round/100) |"' "$sw"
echo
echo "![R1 return against model bytes](compression-r1-sweep.png)"
} >> "$md"

cat "$md"
tmp=$(mktemp "$OUT.XXXXXX")
awk -v f="$md" '
	/<!-- compress:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
	/<!-- compress:end -->/ { skip = 0 }
	!skip { print }' "$OUT" > "$tmp"
mv "$tmp" "$OUT"
