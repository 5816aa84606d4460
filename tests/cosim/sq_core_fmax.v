// sq_core_fmax - timing fixture for `make bench-core`: sq_core with every
// input driven by a free-running LFSR and every output folded into one
// register, so the whole core survives synthesis and places in a small
// package (three pins) for a nextpnr Fmax figure. Not a functional design.
//
// Parameters: those of sq_core (P, MAXW, ACCW, LG_WD, LG_RD, INIT_*), passed
// through; same limits.
`default_nettype none

module sq_core_fmax #(
	parameter integer P     = 4,
	parameter integer AW    = 8,
	parameter integer WW    = 8,
	parameter integer ACCW  = 24,
	parameter integer MAXW  = 64,
	parameter integer MAXL  = 8,
	parameter integer LG_WD = 8,
	parameter integer LG_RD = 6,
	parameter INIT_LT = "",
	parameter INIT_RT = "",
	parameter INIT_WM = "",
	parameter INIT_PM = ""
) (
	input  wire i_clk,
	input  wire i_rst,
	output reg  o_fold
);
	localparam integer DIMW = $clog2(MAXW + 1);
	localparam integer SW   = P * AW + 64 + 16 + 4 + 2 + 4;

	// a wide LFSR: taps of x^64 + x^63 + x^61 + x^60 + 1, stretched by rotation
	reg  [63:0]   lfsr;
	reg  [SW-1:0] stim;
	always @(posedge i_clk) begin
		lfsr <= {lfsr[62:0], lfsr[63] ^ lfsr[62] ^ lfsr[60] ^ lfsr[59]};
		stim <= {stim[SW-65:0], lfsr};
		if (i_rst)
			lfsr <= 64'h0123_4567_89ab_cdef;
	end

	wire              obs_ready, ld_ready, res_valid, res_last, busy;
	wire [ACCW-1:0]   res_data;
	wire [DIMW-1:0]   res_index, res_action;
	wire [31:0]       cycles;

	sq_core #(
		.P(P), .AW(AW), .WW(WW), .ACCW(ACCW), .MAXW(MAXW), .MAXL(MAXL),
		.LG_WD(LG_WD), .LG_RD(LG_RD),
		.INIT_LT(INIT_LT), .INIT_RT(INIT_RT), .INIT_WM(INIT_WM), .INIT_PM(INIT_PM)
	) u_core (
		.i_clk(i_clk), .i_rst(i_rst),
		.s_obs_valid(stim[0]), .s_obs_ready(obs_ready), .s_obs_data(stim[P*AW+10-1:10]),
		.m_res_valid(res_valid), .m_res_ready(stim[1]), .m_res_data(res_data),
		.m_res_index(res_index), .m_res_action(res_action), .m_res_last(res_last),
		.o_cycles(cycles),
		.s_ld_valid(stim[2] & stim[3] & stim[4]), .s_ld_ready(ld_ready),
		.s_ld_mem(stim[6:5]), .s_ld_lane(stim[9:6]),
		.s_ld_addr(stim[P*AW+26-1:P*AW+10]), .s_ld_data(stim[P*AW+90-1:P*AW+26]),
		.o_busy(busy)
	);

	always @(posedge i_clk)
		o_fold <= ^{obs_ready, ld_ready, res_valid, res_last, busy, res_data,
			    res_index, res_action, cycles};
endmodule

`default_nettype wire
