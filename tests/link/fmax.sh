#!/usr/bin/env bash
# fmax.sh DIR [SEED]: the link's own Fmax on the iCEBreaker (iCE40UP5K): the
# whole board image (rtl/boards/sq_board_icebreaker.v, sparq_top: UART, frame
# rx/tx, dispatcher) with the core replaced by tests/link/fmax/sq_core.v, a
# stub whose outputs are flip-flops, at P=4 (R1's build geometry), 12 MHz and
# 1 Mbaud. Yosys synth_ice40 -dsp, nextpnr-ice40 (seed SEED, default 7).
# Prints "link Fmax: N MHz" and leaves DIR/pnr.log (the critical path).
set -euo pipefail
dir=$1; seed=${2:-7}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
cat > "$dir/pll.v" <<'V'
module sq_board_pll (input wire i_clk, output wire o_clk, output wire o_locked);
	assign o_clk = i_clk;
	assign o_locked = 1'b1;
endmodule
V
rtl="$root/rtl"
yosys -q -l "$dir/synth.log" -p "read_verilog -DSQ_FPGA $rtl/sparq_top.v $root/tests/link/fmax/sq_core.v \
	$rtl/sq_crc16.v $rtl/sq_dispatch.v $rtl/sq_frame_rx.v $rtl/sq_frame_tx.v $rtl/sq_uart_rx.v \
	$rtl/sq_uart_tx.v $rtl/boards/sq_board_icebreaker.v $rtl/boards/sq_board_por.v $dir/pll.v; \
	chparam -set P 4 -set ACCW 20 -set MAXW 255 sq_board_icebreaker; \
	synth_ice40 -top sq_board_icebreaker -dsp -json $dir/link.json" >/dev/null
nextpnr-ice40 --up5k --package sg48 --pcf "$root/constraints/icebreaker.pcf" --json "$dir/link.json" \
	--asc "$dir/link.asc" --freq 12 --seed "$seed" --timing-allow-fail -q -l "$dir/pnr.log" >/dev/null 2>&1 ||
	{ echo "fmax: nextpnr failed, see $dir/pnr.log" >&2; exit 1; }
f=$(sed -n "s/.*Max frequency for clock .*: \([0-9.]*\) MHz.*/\1/p" "$dir/pnr.log" | tail -1)
[ -n "$f" ] || { echo "fmax: no Fmax in $dir/pnr.log" >&2; exit 1; }
echo "link Fmax: $f MHz (seed $seed; $dir/pnr.log)"
