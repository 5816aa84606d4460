// lint_stubs.v - empty models of the vendor primitives and of the generated
// sq_board_pll, so that Verilator can lint rtl/boards/ (tests/fpga only).
`default_nettype none
// The stubs keep the primitives' parameter lists but model none of them.
/* verilator lint_off UNUSEDPARAM */

module sq_board_pll (input wire i_clk, output wire o_clk, output wire o_locked);
	assign o_clk = i_clk;
	assign o_locked = 1'b1;
endmodule

module SB_HFOSC #(parameter CLKHF_DIV = "0b00") (
	input wire CLKHFPU, input wire CLKHFEN, output wire CLKHF);
	assign CLKHF = CLKHFPU & CLKHFEN;
endmodule

module SB_RGBA_DRV #(
	parameter CURRENT_MODE = "0b0", parameter RGB0_CURRENT = "0b000000",
	parameter RGB1_CURRENT = "0b000000", parameter RGB2_CURRENT = "0b000000"
) (
	input wire CURREN, input wire RGBLEDEN,
	input wire RGB0PWM, input wire RGB1PWM, input wire RGB2PWM,
	output wire RGB0, output wire RGB1, output wire RGB2);
	wire en = CURREN & RGBLEDEN;
	assign RGB0 = !(en & RGB0PWM);
	assign RGB1 = !(en & RGB1PWM);
	assign RGB2 = !(en & RGB2PWM);
endmodule

/* verilator lint_on UNUSEDPARAM */
`default_nettype wire
