`default_nettype none
// sq_core (timing stub) - for tests/link/fmax.sh only: the link's Fmax
// without the core. Every output is a flip-flop fed from a parity of the
// inputs, so that synthesis keeps the whole link and the core's own paths
// are absent. It computes nothing. Ports and parameters: docs/architecture.md.
module sq_core #(
	parameter integer P     = 8,
	parameter integer AW    = 8,
	parameter integer WW    = 8,
	parameter integer ACCW  = 32,
	parameter integer MAXW  = 256,
	parameter integer MAXL  = 8,
	parameter integer LG_WD = 12,
	parameter integer LG_RD = 9,
	parameter INIT_LT = "",
	parameter INIT_RT = "",
	parameter INIT_WM = "",
	parameter INIT_PM = "",
	parameter integer WMEM = 0
) (
	input  wire                  i_clk,
	input  wire                  i_rst,
	input  wire                  s_obs_valid,
	output reg                   s_obs_ready,
	input  wire [P*AW-1:0]       s_obs_data,
	output reg                   m_res_valid,
	input  wire                  m_res_ready,
	output reg  [ACCW-1:0]       m_res_data,
	output reg  [$clog2(MAXW+1)-1:0] m_res_index,
	output reg  [$clog2(MAXW+1)-1:0] m_res_action,
	output reg                   m_res_last,
	output reg  [31:0]           o_cycles,
	input  wire                  s_ld_valid,
	output reg                   s_ld_ready,
	input  wire [1:0]            s_ld_mem,
	input  wire [3:0]            s_ld_lane,
	input  wire [15:0]           s_ld_addr,
	input  wire [63:0]           s_ld_data,
	output reg                   o_busy
);
	localparam integer DIMW = $clog2(MAXW + 1);
	localparam integer NS = ACCW + 2 * DIMW + 32 + 5;
	localparam integer NI = 1 + 1 + P * AW + 1 + 1 + 2 + 4 + 16 + 64;
	// the inputs end at flip-flops (as the link's paths end at the core's)
	reg [NI-1:0] in_reg;
	reg [NS-1:0] st;
	always @(posedge i_clk) begin
		in_reg <= {i_rst, s_obs_valid, s_obs_data, m_res_ready, s_ld_valid, s_ld_mem,
			   s_ld_lane, s_ld_addr, s_ld_data};
		st <= {st[NS-2:0], ^in_reg ^ st[NS-1]};
		{s_obs_ready, m_res_valid, m_res_last, s_ld_ready, o_busy, m_res_data, m_res_index,
		 m_res_action, o_cycles} <= st;
	end
endmodule
`default_nettype wire
