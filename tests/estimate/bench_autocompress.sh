#!/usr/bin/env bash
# bench_autocompress.sh: the figures of docs/benchmarks.md "Automatic
# compression": R1 (models/r1-cartpole-float.sqm) on the iCEBreaker at a
# weight-memory budget half of what uniform 90% sparse 8-bit needs; the
# agent against (a) the best uniform setting that fits and (b) random search
# with the same number of walks, for each seed of SEEDS. Every final model is
# evaluated over 100 episodes (fixed-point golden model). Writes
# build/bench-autocompress/autocompress.md (and each run's .sqm/.jsonl/.png).
# Then R2 (models/r2-acrobot-float.sqm) at P=2 for each seed of R2_SEEDS,
# shortened (a walk of R2 takes about 10 s: about 25 minutes a seed).
# Environment: SPARQ, SEEDS ("1 2 3"), WALKS (150), MODEL, BUDGET (0.5),
# R2 (1), R2_SEEDS ("1 2 3"). SEEDS="" runs R2 only.
set -euo pipefail
cd "$(dirname "$0")/../.."
SPARQ=${SPARQ:-build/bin/sparq}
SEEDS=${SEEDS-1 2 3}
WALKS=${WALKS:-150}
MODEL=${MODEL:-models/r1-cartpole-float.sqm}
BUDGET=${BUDGET:-0.5}
out=build/bench-autocompress
mkdir -p "$out"
md=$out/autocompress.md.tmp
{
	echo "R1 (\`$MODEL\`) on the iCEBreaker (P=4, 12 MHz), weight-memory budget $BUDGET of uniform"
	echo "90%/8-bit; $WALKS walks of 5 episodes for the agent and random search, one walk per"
	echo "action (48) for the uniform settings; return over 100 episodes (seed + 1100) of the"
	echo "model each search returns. \`make bench-autocompress\` ($(date -u +%Y-%m-%d))."
	echo
	echo "| seed | search | walks (fit) | per-layer choices (sparsity/wbits/abits) | weight bits / budget | EBR | LC | DSP | cycles | latency (us) | return (100 ep.) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$md"
# search TAG SEED SEARCH MODEL [autocompress options]: one autocompress run,
# one table row in $md and one progress line.
search() {
	local tag=$1 seed=$2 s=$3 model=$4 o j ch t0
	shift 4
	o=$out/$tag-$s-$seed
	t0=$(date +%s)
	if ! "$SPARQ" autocompress "$model" -o "$o.sqm" --search "$s" "$@" \
		--budget-fraction "$BUDGET" --seed "$seed" --json -q > "$o.json" 2> "$o.err"; then
		echo "| $seed | $s | | no model: $(tail -1 "$o.err") | | | | | | | |" >> "$md"
		return
	fi
	j=$(cat "$o.json")
	g() { printf '%s' "$j" | grep -oE "\"$1\":[0-9.-]+" | head -1 | sed 's/.*://'; }
	ch=$(printf '%s' "$j" | grep -oE '"layers":\[[^]]*\]' | grep -oE '"sparsity":[0-9.]+,"wbits":[0-9]+,"abits":[0-9]+' |
		sed -E 's/"sparsity":([0-9.]+),"wbits":([0-9]+),"abits":([0-9]+)/\1\/\2\/\3/; s/0+\//\//' | tr '\n' ' ')
	printf '| %s | %s | %s (%s) | %s | %s / %s | %s | %s | %s | %s | %s | %s +- %s |\n' "$seed" "$s" \
		"$(g walks)" "$(g fit)" "${ch% }" "$(g model_bits)" "$(g budget_bits)" "$(g ebr)" "$(g lc)" \
		"$(g dsp)" "$(g cycles)" "$(g latency_us)" "$(g return_mean)" "$(g return_std)" >> "$md"
	echo "bench-autocompress: $tag seed $seed $s: return $(g return_mean), $(g model_bits)/$(g budget_bits) bits ($(( $(date +%s) - t0 )) s)" >&2
}
for seed in $SEEDS; do
	for s in agent random uniform; do
		search r1 "$seed" "$s" "$MODEL" --walks "$WALKS"
	done
done
# R2 on the iCEBreaker at 2 lanes, shortened: R2=0 skips it.
r2=models/r2-acrobot-float.sqm
if [ "${R2:-1}" = 1 ] && [ -f "$r2" ]; then
	{
		echo
		echo "R2 (\`$r2\`), P=2, 48 walks of 3 episodes each, --init-steps 4000 --finetune-steps 300 --finalists 2;"
		echo "return over 100 episodes (seed + 1100):"
		echo
		echo "| seed | search | walks (fit) | per-layer choices | weight bits / budget | EBR | LC | DSP | cycles | latency (us) | return (100 ep.) |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
	} >> "$md"
	for seed in ${R2_SEEDS-1 2 3}; do
		for s in agent random uniform; do
			search r2 "$seed" "$s" "$r2" --lanes 2 --walks 48 --episodes 3 --final-episodes 100 \
				--finalists 2 --init-steps 4000 --finetune-steps 300
		done
	done
fi
mv "$md" "$out/autocompress.md"
cat "$out/autocompress.md"
