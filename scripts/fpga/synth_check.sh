#!/usr/bin/env bash
# synth_check.sh DIR T0: reads Yosys's `stat` of the synthesized design
# (DIR/synth_stat.txt), prints the synth progress line (cells, block RAMs, DSPs,
# time since T0), writes DIR/synth.txt (KEY=value), and stops the flow before
# place and route when a resource count exceeds the board's, naming it and the
# shortfall. Environment: FPGA_FAMILY FPGA_BOARD FPGA_RES_*.
set -euo pipefail
dir=$1; t0=$2
st=$dir/synth_stat.txt
cnt() { awk -v c="$1" '$1 == c { n = $2 } END { print n + 0 }' "$st"; }
cntre() { awk -v re="$1" '$1 ~ re { n += $2 } END { print n + 0 }' "$st"; }
if [ "$FPGA_FAMILY" = ice40 ]; then
	lut=$(cnt SB_LUT4); ff=$(cntre '^SB_DFF'); ebr=$(cnt SB_RAM40_4K)
	spram=$(cnt SB_SPRAM256KA); dsp=$(cnt SB_MAC16); carry=$(cnt SB_CARRY)
else
	lut=$(cnt LUT4); ff=$(cntre '^(TRELLIS_FF|FD1S3|FD1P3)'); ebr=$(cnt DP16KD)
	spram=0; dsp=$(cnt MULT18X18D); carry=$(cnt CCU2C)
	lut=$((lut + 2 * carry))
fi
cat > "$dir/synth.txt" <<EOT
SYN_LUT=$lut
SYN_FF=$ff
SYN_EBR=$ebr
SYN_SPRAM=$spram
SYN_DSP=$dsp
EOT
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "  synth    $FPGA_BOARD: $lut LUT4, $ff FF, $ebr EBR, $spram SPRAM, $dsp DSP ($t s)"
bad=0
over() { # what used available hint
	if [ "$2" -gt "$3" ]; then
		echo "synth: the design does not fit the $FPGA_BOARD: $1 $2 of $3, short by $(( $2 - $3 )); $4" >&2
		bad=1
	fi
}
over "block RAMs (EBR)" "$ebr" "$FPGA_RES_EBR" "each lane keeps a copy of the activations: try fewer lanes (P=$(( P > 1 ? P / 2 : 1 ))), a sparser model or narrower weights"
over "SPRAM blocks" "$spram" "$FPGA_RES_SPRAM" "try fewer lanes"
over "DSP blocks" "$dsp" "$FPGA_RES_DSP" "try fewer lanes (P=$(( P > 1 ? P / 2 : 1 )))"
over "LUT4s" "$lut" "$FPGA_RES_LC" "try fewer lanes (P=$(( P > 1 ? P / 2 : 1 )))"
[ $bad = 0 ] || { echo "synth: stopped before place and route" >&2; exit 1; }
