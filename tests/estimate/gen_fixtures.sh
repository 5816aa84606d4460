#!/usr/bin/env bash
# gen_fixtures.sh [OUT]: synthesizes every configuration of configs.txt for the
# iCEBreaker (iCE40UP5K) as `make bitstream` does (the board top, Yosys
# synth_ice40 -dsp, no SPRAM inference), packs it with nextpnr-ice40
# --pack-only for the logic-cell count, and writes one line of real figures
# per configuration to OUT (default tests/estimate/fixtures.txt), the
# reference host/estimate.c is checked against (tests/unit/test_estimate.c).
#
# Slow (minutes per configuration): run it in the background, niced, one
# configuration at a time:  nice bash tests/estimate/gen_fixtures.sh
# Environment: YOSYS (yosys), NEXTPNR_ICE40 (nextpnr-ice40), WORK (scratch
# folder, default build/estimate-fixtures), ONLY (a config name: just that one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
out=${1:-tests/estimate/fixtures.txt}
YOSYS=${YOSYS:-yosys}
NEXTPNR_ICE40=${NEXTPNR_ICE40:-nextpnr-ice40}
work=${WORK:-build/estimate-fixtures}
mkdir -p "$work"

# The board's PLL at the oscillator clock is a wire (scripts/fpga/pll.sh).
cat > "$work/pll.v" <<'EOV'
module sq_board_pll (input wire i_clk, output wire o_clk, output wire o_locked);
	assign o_clk = i_clk;
	assign o_locked = 1'b1;
endmodule
EOV
rtl=$(ls rtl/*.v rtl/boards/*.v | tr '\n' ' ')
cnt() { awk -v c="$1" '$1 == c { n = $2 } END { print n + 0 }' "$2"; }
cntre() { awk -v re="$1" '$1 ~ re { n += $2 } END { print n + 0 }' "$2"; }

tmp=$(mktemp "$work/fixtures.XXXXXX")
{
	echo "# tests/estimate/fixtures.txt - written by tests/estimate/gen_fixtures.sh on $(date -u +%Y-%m-%d)"
	echo "# $($YOSYS -V 2>/dev/null | head -1); $($NEXTPNR_ICE40 --version 2>&1 | head -1)"
	echo "# board icebreaker (iCE40UP5K), top sq_board_icebreaker, synth_ice40 -dsp; lc from nextpnr --pack-only"
	echo "# name P AW WW ACCW MAXW MAXL LG_WD LG_RD lut ff carry ebr spram dsp lc"
} > "$tmp"
grep -vE '^[[:space:]]*(#|$)' "$here/configs.txt" | while read -r name P AW WW ACCW MAXW MAXL LG_WD LG_RD; do
	[ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && continue
	d=$work/$name; mkdir -p "$d"
	cat > "$d/synth.ys" <<EOY
read_verilog -DSQ_FPGA $rtl $work/pll.v
chparam -set CLK_HZ 12000000 -set BAUD 1000000 -set P $P -set AW $AW -set WW $WW -set ACCW $ACCW -set MAXW $MAXW -set MAXL $MAXL -set LG_WD $LG_WD -set LG_RD $LG_RD -set INIT_IN_DIM 4 -set INIT_OUT_DIM 2 sq_board_icebreaker
synth_ice40 -top sq_board_icebreaker -dsp -json $d/sparq.json
tee -q -o $d/stat.txt stat
EOY
	t0=$(date +%s)
	if ! $YOSYS -q -l "$d/synth.log" -s "$d/synth.ys" > /dev/null 2>&1; then
		echo "gen_fixtures: $name: yosys failed, see $d/synth.log" >&2; exit 1
	fi
	st=$d/stat.txt
	lut=$(cnt SB_LUT4 "$st"); ff=$(cntre '^SB_DFF' "$st"); carry=$(cnt SB_CARRY "$st")
	ebr=$(cnt SB_RAM40_4K "$st"); spram=$(cnt SB_SPRAM256KA "$st"); dsp=$(cnt SB_MAC16 "$st")
	lc=-1
	if $NEXTPNR_ICE40 --up5k --package sg48 --pcf constraints/icebreaker.pcf --pcf-allow-unconstrained \
		--json "$d/sparq.json" --pack-only --force > "$d/pack.log" 2>&1 || true; then
		l=$(awk '/ICESTORM_LC:/ { s = $0; sub(/.*ICESTORM_LC: */, "", s); split(s, a, "/"); print a[1] + 0; exit }' "$d/pack.log")
		[ -n "$l" ] && lc=$l
	fi
	rm -f "$d/sparq.json"
	echo "$name $P $AW $WW $ACCW $MAXW $MAXL $LG_WD $LG_RD $lut $ff $carry $ebr $spram $dsp $lc" >> "$tmp"
	echo "gen_fixtures: $name: $lut LUT4, $ff FF, $carry carry, $ebr EBR, $dsp DSP, $lc LC ($(( $(date +%s) - t0 )) s)" >&2
done
mv "$tmp" "$out"
echo "gen_fixtures: wrote $out" >&2
