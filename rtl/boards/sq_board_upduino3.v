// sq_board_upduino3 - UPduino v3.x (iCE40UP5K-SG48) wrapper around the
// board-neutral top: clock, power-on reset, flash chip select held high, RGB
// LED, pin names of constraints/upduino3.pcf.
//
// Clock: the internal SB_HFOSC at 48/4 = 12 MHz (OPT_OSC_PIN = 0, works on every
// board as shipped), or the 12 MHz oscillator on pin 20 (OPT_OSC_PIN = 1; only
// with the OSC jumper R16 shorted); then sq_board_pll, which the flow generates
// (a wire when the core runs at 12 MHz).
// The FT232H's UART lines are the SPI flash's MISO/SCK, so spi_cs stays high.
// There is no user button: reset is power-on only.
//
// Parameters: OPT_OSC_PIN as above; CLK_HZ, BAUD and the core's, passed through.
`default_nettype none

module sq_board_upduino3 #(
	parameter [0:0] OPT_OSC_PIN = 1'b0,
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
	// unused with the internal oscillator (OPT_OSC_PIN = 0)
	/* verilator lint_off UNUSEDSIGNAL */
	input  wire gpio_20,     // 12 MHz oscillator (OSC jumper shorted)
	/* verilator lint_on UNUSEDSIGNAL */
	input  wire serial_rxd,  // from the FT232H
	output wire serial_txd,  // to the FT232H
	output wire spi_cs,      // flash chip select: held high
	output wire led_green,   // RGB LED, active low (SB_RGBA_DRV sinks)
	output wire led_blue,
	output wire led_red
);
	wire       osc_clk, clk_core, locked, rst;
	wire [1:0] led;

	generate
		if (OPT_OSC_PIN) begin : g_pin
			assign osc_clk = gpio_20;
		end else begin : g_hfosc
			SB_HFOSC #(.CLKHF_DIV("0b10")) u_osc (
				.CLKHFPU(1'b1), .CLKHFEN(1'b1), .CLKHF(osc_clk)
			);
		end
	endgenerate

	sq_board_pll u_pll (.i_clk(osc_clk), .o_clk(clk_core), .o_locked(locked));

	sq_board_por u_por (.i_clk(clk_core), .i_locked(locked), .i_btn(1'b0), .o_rst(rst));

	sparq_top #(
		.CLK_HZ(CLK_HZ), .BAUD(BAUD), .BUILD_ID(BUILD_ID), .P(P), .AW(AW), .WW(WW), .ACCW(ACCW),
		.MAXW(MAXW), .MAXL(MAXL), .LG_WD(LG_WD), .LG_RD(LG_RD),
		.INIT_LT(INIT_LT), .INIT_RT(INIT_RT), .INIT_WM(INIT_WM), .INIT_PM(INIT_PM),
		.INIT_MODEL_ID(INIT_MODEL_ID), .INIT_IN_DIM(INIT_IN_DIM), .INIT_OUT_DIM(INIT_OUT_DIM),
		.WMEM(WMEM)
	) u_top (
		.i_clk(clk_core), .i_rst(rst), .i_uart_rx(serial_rxd), .o_uart_tx(serial_txd),
		.o_led(led)
	);

	assign spi_cs = 1'b1;

	// RGB0 pin 39 green, RGB1 pin 40 blue, RGB2 pin 41 red; minimum current.
	SB_RGBA_DRV #(
		.CURRENT_MODE("0b1"), .RGB0_CURRENT("0b000001"),
		.RGB1_CURRENT("0b000001"), .RGB2_CURRENT("0b000001")
	) u_rgb (
		.CURREN(1'b1), .RGBLEDEN(1'b1),
		.RGB0PWM(led[0]), .RGB1PWM(1'b0), .RGB2PWM(led[1]),
		.RGB0(led_green), .RGB1(led_blue), .RGB2(led_red)
	);

endmodule

`default_nettype wire
