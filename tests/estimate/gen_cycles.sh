#!/usr/bin/env bash
# gen_cycles.sh: re-measures tests/estimate/cycles.txt: for each row, a random
# model (`sparq random --layers DIMS --sparsity S --seed N`) run on the core
# under Verilator (`sparq cosim --no-stress --json --lanes P`, the default
# depths of rtl/sq_core.v), and prints the rows with the measured cycles.
# Builds one Verilator harness per P on first use (minutes).
# Environment: SPARQ (build/bin/sparq), WORK (build/estimate-cycles).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
SPARQ=${SPARQ:-build/bin/sparq}
work=${WORK:-build/estimate-cycles}
mkdir -p "$work"
grep -vE '^[[:space:]]*(#|$)' "$here/cycles.txt" | while read -r dims sp seed P _; do
	m=$work/m-${dims//,/-}-$sp-$seed.sqm
	"$SPARQ" random --layers "$dims" --sparsity "$sp" --seed "$seed" -o "$m" > /dev/null
	cyc=$("$SPARQ" cosim "$m" --lanes "$P" --no-stress --vectors 20 --json |
		grep -oE '"cycles_mean":[0-9.]+' | sed -E 's/.*://; s/\.0+$//')
	echo "$dims $sp $seed $P $cyc"
done
