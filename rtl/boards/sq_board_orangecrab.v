// sq_board_orangecrab - OrangeCrab r0.2 (ECP5 LFE5U-25F, CSFBGA285) wrapper
// around the board-neutral top: clock (48 MHz on A9, then the sq_board_pll the
// flow generates), power-on reset, RGB LED, pin names of
// constraints/orangecrab.lpf.
//
// The board has no UART bridge: the UART is on the Feather header, pin "0"
// (gpio_0, FPGA RX) and pin "1" (gpio_1, FPGA TX), for a 3.3 V USB-serial cable.
// Holding the user button for about 2^LG_BOOT cycles pulls rst_n low, which
// reloads the DFU bootloader, so a new bitstream can be flashed without
// unplugging the board.
//
// Parameters: LG_BOOT (log2 of the button hold time in cycles, default 21:
// 44 ms at 48 MHz); CLK_HZ, BAUD and the core's, passed through.
`default_nettype none

module sq_board_orangecrab #(
	parameter LG_BOOT = 21,
	parameter CLK_HZ  = 48000000,
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
	input  wire clk48,
	input  wire gpio_0,       // Feather pin 0: UART, the FPGA receives
	output wire gpio_1,       // Feather pin 1: UART, the FPGA transmits
	input  wire usr_btn,      // low while pressed
	output wire rst_n,        // low: reload the bootloader
	output wire rgb_led0_r,   // active low
	output wire rgb_led0_g,
	output wire rgb_led0_b
);
	wire             clk_core, locked, rst;
	wire [1:0]       led;
	reg  [1:0]       btn_sync = 2'b11;
	reg  [LG_BOOT:0] btn_held = 0;

	sq_board_pll u_pll (.i_clk(clk48), .o_clk(clk_core), .o_locked(locked));

	sq_board_por u_por (.i_clk(clk_core), .i_locked(locked), .i_btn(1'b0), .o_rst(rst));

	sparq_top #(
		.CLK_HZ(CLK_HZ), .BAUD(BAUD), .BUILD_ID(BUILD_ID), .P(P), .AW(AW), .WW(WW), .ACCW(ACCW),
		.MAXW(MAXW), .MAXL(MAXL), .LG_WD(LG_WD), .LG_RD(LG_RD),
		.INIT_LT(INIT_LT), .INIT_RT(INIT_RT), .INIT_WM(INIT_WM), .INIT_PM(INIT_PM),
		.INIT_MODEL_ID(INIT_MODEL_ID), .INIT_IN_DIM(INIT_IN_DIM), .INIT_OUT_DIM(INIT_OUT_DIM)
	) u_top (
		.i_clk(clk_core), .i_rst(rst), .i_uart_rx(gpio_0), .o_uart_tx(gpio_1),
		.o_led(led)
	);

	always @(posedge clk48) begin
		btn_sync <= {btn_sync[0], usr_btn};
		if (btn_sync[1])
			btn_held <= 0;
		else if (!btn_held[LG_BOOT])
			btn_held <= btn_held + 1'b1;
	end

	assign rst_n      = !btn_held[LG_BOOT];
	assign rgb_led0_g = !led[0];
	assign rgb_led0_r = !led[1];
	assign rgb_led0_b = !rst;

endmodule

`default_nettype wire
