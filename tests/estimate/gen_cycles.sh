#!/usr/bin/env bash
# gen_cycles.sh: re-measures tests/estimate/cycles.txt: for each row, a random
# model (`sparq random --layers DIMS --sparsity S --seed N`) run on the core
# under Verilator (`sparq cosim --no-stress --json --lanes P`, the default
# depths of rtl/sq_core.v), and prints the rows with the measured cycles: of
# the default export, and of `--keep-shape` (the bitstream flow's).
# Builds one Verilator harness per P on first use (minutes).
# Environment: SPARQ (build/bin/sparq), WORK (build/estimate-cycles).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
SPARQ=${SPARQ:-build/bin/sparq}
work=${WORK:-build/estimate-cycles}
mkdir -p "$work"
cyc() { # model P [export option]
	"$SPARQ" cosim "$1" --lanes "$2" --no-stress --vectors 20 --json ${3:-} |
		grep -oE '"cycles_mean":[0-9.]+' | sed -E 's/.*://; s/\.0+$//'
}
grep -vE '^[[:space:]]*(#|$)' "$here/cycles.txt" | while read -r dims sp seed P _; do
	m=$work/m-${dims//,/-}-$sp-$seed.sqm
	"$SPARQ" random --layers "$dims" --sparsity "$sp" --seed "$seed" -o "$m" > /dev/null
	echo "$dims $sp $seed $P $(cyc "$m" "$P") $(cyc "$m" "$P" --keep-shape)"
done
