// sq_board_icebreaker - iCEBreaker v1.0 (iCE40UP5K-SG48) wrapper around the
// board-neutral top: clock (12 MHz pin 35, or the PLL the flow generates as
// sq_board_pll), power-on reset and the user button, pin names of
// constraints/icebreaker.pcf.
//
// Parameters: CLK_HZ (the core clock after the PLL), BAUD, BUILD_ID, the core's
// (docs/architecture.md) and INIT_*: passed through to rtl/sparq_top.v unchanged.
`default_nettype none

module sq_board_icebreaker #(
	parameter CLK_HZ  = 12000000,
	parameter BAUD    = 1000000,
	parameter [31:0] BUILD_ID = 32'h0,
	parameter P       = 4,
	parameter AW      = 8,
	parameter WW      = 8,
	parameter ACCW    = 32,
	parameter MAXW    = 256,
	parameter MAXL    = 8,
	parameter LG_WD   = 8,
	parameter LG_RD   = 8,
	parameter INIT_LT = "",
	parameter INIT_RT = "",
	parameter INIT_WM = "",
	parameter INIT_PM = "",
	parameter [31:0] INIT_MODEL_ID = 32'h0,
	parameter INIT_IN_DIM  = 4,
	parameter INIT_OUT_DIM = 2,
	parameter WMEM    = 0      // 1: weights in the UP5K's SPRAM, sent by LOAD at boot
) (
	input  wire clk,      // 12 MHz oscillator, pin 35
	input  wire rx,       // from the FT2232H channel B
	output wire tx,       // to the FT2232H channel B
	input  wire btn_n,    // user button, active low: reset
	output wire ledr_n,   // red LED, active low
	output wire ledg_n    // green LED, active low
);
	wire       clk_core, locked, rst;
	wire [1:0] led;

	sq_board_pll u_pll (.i_clk(clk), .o_clk(clk_core), .o_locked(locked));

	sq_board_por u_por (.i_clk(clk_core), .i_locked(locked), .i_btn(!btn_n), .o_rst(rst));

	sparq_top #(
		.CLK_HZ(CLK_HZ), .BAUD(BAUD), .BUILD_ID(BUILD_ID), .P(P), .AW(AW), .WW(WW), .ACCW(ACCW),
		.MAXW(MAXW), .MAXL(MAXL), .LG_WD(LG_WD), .LG_RD(LG_RD),
		.INIT_LT(INIT_LT), .INIT_RT(INIT_RT), .INIT_WM(INIT_WM), .INIT_PM(INIT_PM),
		.INIT_MODEL_ID(INIT_MODEL_ID), .INIT_IN_DIM(INIT_IN_DIM), .INIT_OUT_DIM(INIT_OUT_DIM),
		.WMEM(WMEM)
	) u_top (
		.i_clk(clk_core), .i_rst(rst), .i_uart_rx(rx), .o_uart_tx(tx), .o_led(led)
	);

	assign ledg_n = !led[0];
	assign ledr_n = !led[1];

endmodule

`default_nettype wire
