// sq_board_por - power-on and button reset for the board wrappers.
//
// Holds o_rst high from configuration until the clock source reports lock
// and then for 2^LG_HOLD more cycles; a press of the (already active-high)
// button i_btn restarts the hold. The button is synchronized with two flops
// first. Needs no reset of its own: its registers start from their initial
// values, which iCE40 and ECP5 both load at configuration.
//
// Parameters:
//   LG_HOLD  log2 of the hold time in cycles after lock, 2..24 (default 8:
//            256 cycles, 21 us at 12 MHz)
`default_nettype none

module sq_board_por #(
	parameter LG_HOLD = 8
) (
	input  wire i_clk,
	input  wire i_locked,   // clock source stable (PLL lock, or 1)
	input  wire i_btn,      // reset button, active high, asynchronous
	output reg  o_rst       // synchronous, active high
);
	reg [1:0]         btn_sync = 2'b00;
	reg [LG_HOLD:0]   hold = 0;

	always @(posedge i_clk) begin
		btn_sync <= {btn_sync[0], i_btn};
		if (!i_locked || btn_sync[1])
			hold <= 0;
		else if (!hold[LG_HOLD])
			hold <= hold + 1'b1;
		o_rst <= !hold[LG_HOLD];
	end

	initial o_rst = 1'b1;

endmodule

`default_nettype wire
