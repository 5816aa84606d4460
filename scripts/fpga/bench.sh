#!/usr/bin/env bash
# bench.sh [CONFIG...]: the "Bitstreams" figures of docs/benchmarks.md. Each
# CONFIG is workload:board:P (workload r1 = 4-64-64-2, r2 = 6-256-256-3, both
# 90% sparse, 8-bit, random weights from `sparq random`, seed 1); the default
# list covers R1 and R2 at P in {4, 8, 16} on every device. Each runs
# `make report` at the board clock into build/bench-fpga/<config>/ and adds one
# row to build/bench-fpga/bitstreams.md (a model that does not fit gets the fit
# check's verdict instead). Long: run it in the background (nice).
set -u
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}
SPARQ=${SPARQ:-build/bin/sparq}
B=build/bench-fpga
mkdir -p "$B"
configs=${*:-"r1:icebreaker:4 r1:icebreaker:8 r1:upduino3:4 r1:ulx3s-25f:4 r1:ulx3s-25f:8 r1:ulx3s-25f:16 r1:orangecrab:8 r1:ulx3s-85f:16 r2:icebreaker:4 r2:ulx3s-25f:4 r2:ulx3s-25f:8 r2:ulx3s-25f:16 r2:ulx3s-85f:16"}
[ -f "$B/r1.sqm" ] || "$SPARQ" random --layers 4,64,64,2 --sparsity 0.9 --seed 1 -o "$B/r1.sqm" > /dev/null
[ -f "$B/r2.sqm" ] || "$SPARQ" random --layers 6,256,256,3 --sparsity 0.9 --seed 1 -o "$B/r2.sqm" > /dev/null
out=$B/bitstreams.md
[ -f "$out" ] || {
	echo "| workload | board | P | LC or LUT4 | FF | EBR | DSP | clock MHz | Fmax MHz | timing | cycles | latency us | inferences/s | at Fmax: us, inf/s |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|"
} > "$out"
for c in $configs; do
	w=${c%%:*}; rest=${c#*:}; b=${rest%%:*}; p=${rest#*:}
	d=$B/$w-$b-p$p
	echo "== $c"
	if $MAKE --no-print-directory BOARD="$b" MODEL="$B/$w.sqm" P="$p" FPGA_DIR="$d" report > "$d.log" 2>&1; then
		j=$d/report.json
		g() { grep -oE "\"$1\": *\\{[^}]*\\}" "$j" | grep -oE "\"$2\": *[0-9.]+" | head -1 | sed 's/.*: *//'; }
		v() { grep -oE "\"$1\": *[^,}]+" "$j" | head -1 | sed -E 's/.*: *//; s/"//g'; }
		row="| ${w^^} | $b | $p | $(g lc used)/$(g lc available) | $(g ff used) | $(g ebr used)/$(g ebr available)$(sp=$(g spram used); [ "${sp:-0}" -gt 0 ] && echo " + SPRAM $sp/$(g spram available)") | $(g dsp used)/$(g dsp available) | $(g clock required_mhz) | $(g clock fmax_mhz) | $(grep -oE '"timing": *"[A-Z]+"' "$j" | sed -E 's/.*"([A-Z]+)"/\1/') | $(v cycles_per_inference) | $(g latency_us at_required) | $(g inferences_per_s at_required) | $(g latency_us at_fmax), $(g inferences_per_s at_fmax) |"
	else
		why=$(grep -E '^(fit|synth): ' "$d.log" | head -1 | sed 's/|/\\|/g')
		row="| ${w^^} | $b | $p | does not fit: ${why:-build failed, see $d.log} | | | | | | | | | | |"
	fi
	echo "$row" | tee -a "$out"
done
