// sq_board_ulx3s - ULX3S (ECP5 12F..85F, CABGA381) wrapper around the
// board-neutral top: clock (25 MHz on G2, then the sq_board_pll the flow
// generates), power-on reset and the FIRE1 button, pin names of
// constraints/ulx3s.lpf. wifi_gpio0 is driven high so that the ESP32 boots its
// own firmware and leaves the FPGA alone.
//
// Parameters: CLK_HZ (the core clock after the PLL), BAUD, and the core's.
`default_nettype none

module sq_board_ulx3s #(
	parameter CLK_HZ  = 25000000,
	parameter BAUD    = 1000000,
	parameter [31:0] BUILD_ID = 32'h0,
	parameter P       = 8,
	parameter AW      = 8,
	parameter WW      = 8,
	parameter ACCW    = 32,
	parameter MAXW    = 256,
	parameter MAXL    = 8,
	parameter LG_WD   = 9,
	parameter LG_RD   = 9,
	parameter INIT_LT = "",
	parameter INIT_RT = "",
	parameter INIT_WM = "",
	parameter INIT_PM = "",
	parameter [31:0] INIT_MODEL_ID = 32'h0,
	parameter INIT_IN_DIM  = 4,
	parameter INIT_OUT_DIM = 2
) (
	input  wire       clk_25mhz,
	input  wire       ftdi_txd,    // FT231X TXD: the FPGA receives
	output wire       ftdi_rxd,    // FT231X RXD: the FPGA transmits
	input  wire       btn_fire1,   // active high: reset
	output wire [7:0] led,         // active high
	output wire       wifi_gpio0   // ESP32 GPIO0: high
);
	wire       clk_core, locked, rst;
	wire [1:0] top_led;

	sq_board_pll u_pll (.i_clk(clk_25mhz), .o_clk(clk_core), .o_locked(locked));

	sq_board_por u_por (.i_clk(clk_core), .i_locked(locked), .i_btn(btn_fire1), .o_rst(rst));

	sparq_top #(
		.CLK_HZ(CLK_HZ), .BAUD(BAUD), .BUILD_ID(BUILD_ID), .P(P), .AW(AW), .WW(WW), .ACCW(ACCW),
		.MAXW(MAXW), .MAXL(MAXL), .LG_WD(LG_WD), .LG_RD(LG_RD),
		.INIT_LT(INIT_LT), .INIT_RT(INIT_RT), .INIT_WM(INIT_WM), .INIT_PM(INIT_PM),
		.INIT_MODEL_ID(INIT_MODEL_ID), .INIT_IN_DIM(INIT_IN_DIM), .INIT_OUT_DIM(INIT_OUT_DIM)
	) u_top (
		.i_clk(clk_core), .i_rst(rst), .i_uart_rx(ftdi_txd), .o_uart_tx(ftdi_rxd),
		.o_led(top_led)
	);

	assign led        = {5'd0, rst, top_led};
	assign wifi_gpio0 = 1'b1;

endmodule

`default_nettype wire
