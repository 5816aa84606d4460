#!/usr/bin/env bash
# report.sh DIR: DIR/report.json and DIR/report.md for a built bitstream:
# resources used and available (nextpnr's utilisation), Fmax against the
# required clock (pass/fail), cycles per inference (from `sparq cosim --json`
# when it runs, else the architecture.md estimate, marked so), latency and
# inferences per second at the required clock and at Fmax.
# Environment: FPGA_FAMILY FPGA_BOARD FPGA_DEVICE MODEL SPARQ P BAUD.
set -euo pipefail
dir=$1
. "$dir/hw.txt"; . "$dir/clk.txt"; . "$dir/timing.txt"; . "$dir/synth.txt"
seed=$(sed -n 's/^seed=//p' "$dir/seed.txt" 2>/dev/null || echo "?")
# nextpnr's utilisation block: "Info:   NAME:  used/ avail  pct%"
util() { awk -v n="$1" '/Device utilisation/ { blk = 1; next }
	blk && $0 ~ "^Info:[ \t]+" n ":" { s = $0; sub(/.*: +/, "", s); split(s, a, "/"); u = a[1] + 0; v = a[2] + 0 }
	blk && /^Info: *$/ { blk = 0 }
	END { printf "%d %d\n", u, v }' "$dir/pnr.log"; }
if [ "$FPGA_FAMILY" = ice40 ]; then
	read -r lc_u lc_a <<< "$(util ICESTORM_LC)"; read -r ebr_u ebr_a <<< "$(util ICESTORM_RAM)"
	read -r sp_u sp_a <<< "$(util ICESTORM_SPRAM)"; read -r dsp_u dsp_a <<< "$(util ICESTORM_DSP)"
	lc_name="logic cells (LC)"
else
	read -r lc_u lc_a <<< "$(util TRELLIS_COMB)"; read -r ebr_u ebr_a <<< "$(util DP16KD)"
	sp_u=0; sp_a=0; read -r dsp_u dsp_a <<< "$(util MULT18X18D)"
	lc_name="LUT4s (TRELLIS_COMB)"
fi
read -r ff_u ff_a <<< "$(if [ "$FPGA_FAMILY" = ecp5 ]; then util TRELLIS_FF; else echo "$SYN_FF $lc_a"; fi)"

# Cycles per inference.
cyc=""; cyc_src=""
if [ "${FPGA_COSIM:-1}" = 1 ] && [ -n "${MODEL:-}" ] && [ -x "$SPARQ" ]; then
	# the RTL of this very configuration under Verilator, no stalls, bit-exact
	# against the golden model; the mean over the vectors
	if out=$("$SPARQ" cosim "$MODEL" --lanes "$P" --aw "$AW" --ww "$WW" --accw "$ACCW" \
		--maxw "$MAXW" --maxl "$MAXL" --lg-wd "$LG_WD" --lg-rd "$LG_RD" \
		--wmem "$([ "${WMEM:-0}" = 1 ] && echo spram || echo ebr)" \
		${COSIM_OPTS:-} --no-stress --vectors 200 --json 2>"$dir/cosim.err"); then
		cyc=$(printf '%s' "$out" | grep -oE '"cycles_mean" *: *[0-9.]+' | head -1 | sed -E 's/.*: *//; s/\.0+$//')
		mism=$(printf '%s' "$out" | grep -oE '"mismatches" *: *[0-9]+' | head -1 | sed -E 's/.*: *//')
		[ -n "$cyc" ] && cyc_src="sparq cosim: mean over 200 vectors of this configuration's RTL in Verilator, ${mism:-?} mismatches against the golden model"
	fi
fi
if [ -z "$cyc" ]; then
	# the exporter's issue schedule (host/export.c, docs/architecture.md
	# "Layer overlap"): equal to cosim on tests/estimate/cycles.txt
	cyc=$(sed -n 's/^`define SQ_CYCLES \([0-9]*\)$/\1/p' "$dir/model/config.vh")
	cyc_src="the export's issue schedule (config.vh SQ_CYCLES; docs/architecture.md \"Layer overlap\", equal to cosim on tests/estimate/cycles.txt)"
fi
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
lat_req=$(calc "%.3f" "$cyc / $CLK_MHZ"); ips_req=$(calc "%.0f" "$CLK_MHZ * 1e6 / $cyc")
lat_fmax=$(calc "%.3f" "$cyc / $FMAX_MHZ"); ips_fmax=$(calc "%.0f" "$FMAX_MHZ * 1e6 / $cyc")
. "$dir/model.txt" 2>/dev/null || true
# The last register-to-register critical path nextpnr reports: its cells and
# nets, with the design's own source lines (not the wrapper's or Yosys's).
crit=$(awk '/Critical path report for clock .*posedge -> posedge/ { buf = $0 "\n"; keep = 1; next }
	/Critical path report|^Info: Max frequency/ { keep = 0 }
	keep && /^Info: +([a-z-]+ +)?[0-9.]+ +[0-9.]+ +(Source|Net) / { sub(/^Info: /, ""); buf = buf $0 "\n" }
	keep && /rtl\// && !/rtl\/boards\// { sub(/^Info: +/, "          "); buf = buf $0 "\n" }
	END { printf "%s", buf }' "$dir/pnr.log" | awk '!seen[$0]++' | cut -c1-120 | head -60)
model_name=${MODEL:-}
# the weight memory (fit.sh): block RAM with the model in the bitstream, or
# SPRAM, which the host fills at boot
wmem=ebr; wmem_note="The weights are in block RAM, set by the bitstream."
if [ "${WMEM:-0}" = 1 ]; then
	wmem=spram
	wmem_note="The weights are in SPRAM ($sp_u blocks), which the bitstream cannot set: the host loads the model at boot ("'`sparq load MODEL --device ...`'", docs/boards.md); until then INFO reports model id 0."
fi

cat > "$dir/report.json.tmp" <<EOT
{
  "board": "$FPGA_BOARD", "family": "$FPGA_FAMILY", "device": "$FPGA_DEVICE",
  "model": "$model_name", "lanes": $P, "seed": "$seed",
  "config": {"P": $P, "AW": $AW, "WW": $WW, "ACCW": $ACCW, "MAXW": $MAXW, "MAXL": $MAXL, "LG_WD": $LG_WD, "LG_RD": $LG_RD},
  "weight_memory": "$wmem",
  "model_words": ${N_WORDS:-0}, "model_rounds": ${N_ROUNDS:-0}, "nonzeros": ${NNZ:-0},
  "resources": {
    "lc": {"used": $lc_u, "available": $lc_a},
    "ff": {"used": $ff_u, "available": $ff_a},
    "ebr": {"used": $ebr_u, "available": $ebr_a},
    "spram": {"used": $sp_u, "available": $sp_a},
    "dsp": {"used": $dsp_u, "available": $dsp_a}
  },
  "clock": {"required_mhz": $CLK_MHZ, "fmax_mhz": $FMAX_MHZ, "timing": "$TIMING", "icetime_mhz": ${ICETIME_MHZ:-null}},
  "cycles_per_inference": $cyc, "cycles_source": "$cyc_src",
  "latency_us": {"at_required": $lat_req, "at_fmax": $lat_fmax},
  "inferences_per_s": {"at_required": $ips_req, "at_fmax": $ips_fmax},
  "baud": ${BAUD:-0}
}
EOT
mv "$dir/report.json.tmp" "$dir/report.json"

pct() { calc "%.0f" "($2 > 0) ? 100 * $1 / $2 : 0"; }
cat > "$dir/report.md.tmp" <<EOT
# sparq bitstream report: $FPGA_BOARD

Model \`$model_name\`, $P lanes, nextpnr seed $seed; ${N_WORDS:-?} weight words,
${N_ROUNDS:-?} rounds, ${NNZ:-?} nonzero weights. Configuration: P=$P AW=$AW WW=$WW
ACCW=$ACCW MAXW=$MAXW MAXL=$MAXL LG_WD=$LG_WD LG_RD=$LG_RD.

| resource | used | available | % |
|---|---:|---:|---:|
| $lc_name | $lc_u | $lc_a | $(pct "$lc_u" "$lc_a") |
| flip-flops | $ff_u | $ff_a | $(pct "$ff_u" "$ff_a") |
| block RAM (EBR) | $ebr_u | $ebr_a | $(pct "$ebr_u" "$ebr_a") |
| SPRAM | $sp_u | $sp_a | $(pct "$sp_u" "$sp_a") |
| DSP / multipliers | $dsp_u | $dsp_a | $(pct "$dsp_u" "$dsp_a") |

$wmem_note

| timing | |
|---|---|
| required clock | $CLK_MHZ MHz |
| Fmax (nextpnr) | $FMAX_MHZ MHz: **$TIMING** |
$( [ -n "${ICETIME_MHZ:-}" ] && echo "| Fmax (icetime) | $ICETIME_MHZ MHz |" )

| per inference | at $CLK_MHZ MHz | at Fmax $FMAX_MHZ MHz |
|---|---:|---:|
| cycles | $cyc | $cyc |
| latency (us) | $lat_req | $lat_fmax |
| inferences/s | $ips_req | $ips_fmax |

Cycles: $cyc_src. Latency is the core's (first observation beat to first
result beat); the UART at ${BAUD:-?} baud adds the frame times.

Critical path (nextpnr):

\`\`\`
$crit
\`\`\`
EOT
mv "$dir/report.md.tmp" "$dir/report.md"
echo "  report   $FPGA_BOARD: $lc_u/$lc_a LC, $ebr_u/$ebr_a EBR, $sp_u/$sp_a SPRAM, $dsp_u/$dsp_a DSP, Fmax $FMAX_MHZ MHz ($TIMING at $CLK_MHZ), $cyc cycles, $lat_req us, $ips_req inf/s -> $dir/report.md"
