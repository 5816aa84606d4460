`default_nettype none
// sq_core (stand-in) - a tiny model of the core's ports, for testing the link
// only (tests/link). It is NOT rtl/sq_core.v and never computes the real
// network. Ports and parameters are those of docs/architecture.md.
//
// Function (tests/link/standin.h mirrors it in C):
//   in_words = lt[0][RCW-1:0], out_dim = lt[0][2*RCW +: DIMW]
//   (1 and 2 until layer table entry 0 is loaded)
//   q[j] = bias[j] + sum over features f < in_words*P of (f + 1 + j) * a[f]
//   bias[addr*P + lane] = ld_data[31:0] of a load to mem 3 (16 entries)
//   action = argmax q (lowest index on ties)
// Latency: results appear 6 cycles after the last observation beat.
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
	parameter integer WMEM = 0   // the real core's weight memory choice; unused here
) (
	input  wire                  i_clk,
	input  wire                  i_rst,
	input  wire                  s_obs_valid,
	output wire                  s_obs_ready,
	input  wire [P*AW-1:0]       s_obs_data,
	output reg                   m_res_valid,
	input  wire                  m_res_ready,
	output reg  [ACCW-1:0]       m_res_data,
	output reg  [$clog2(MAXW+1)-1:0] m_res_index,
	output reg  [$clog2(MAXW+1)-1:0] m_res_action,
	output reg                   m_res_last,
	output reg  [31:0]           o_cycles,
	input  wire                  s_ld_valid,
	output wire                  s_ld_ready,
	input  wire [1:0]            s_ld_mem,
	input  wire [3:0]            s_ld_lane,
	input  wire [15:0]           s_ld_addr,
	input  wire [63:0]           s_ld_data,
	output reg                   o_busy
);
	localparam integer DIMW = $clog2(MAXW + 1);
	localparam integer AWD  = (MAXW + P - 1) / P;
	localparam integer RCW  = $clog2(AWD + 1);
	localparam integer NQ   = 16;

	reg [63:0] lt0 = 64'd0;
	reg        lt0_set = 1'b0;
	reg signed [31:0] bias [0:NQ-1];
	reg signed [63:0] q [0:NQ-1];
	integer i, j;
	initial for (i = 0; i < NQ; i = i + 1) bias[i] = 0;

	wire [31:0] in_words = lt0_set ? {{(32-RCW){1'b0}}, lt0[RCW-1:0]} : 32'd1;
	wire [31:0] out_dim  = lt0_set ? {{(32-DIMW){1'b0}}, lt0[2*RCW +: DIMW]} : 32'd2;

	localparam [1:0] S_IDLE = 2'd0, S_IN = 2'd1, S_WAIT = 2'd2, S_OUT = 2'd3;
	reg [1:0]  state;
	integer    beat, coef;
	reg [31:0] wait_cnt, cyc;
	reg [31:0] j_out;
	reg [31:0] best;

	assign s_obs_ready = state == S_IDLE || state == S_IN;
	assign s_ld_ready  = state == S_IDLE;

	always @(posedge i_clk) begin
		if (s_ld_valid && s_ld_ready) begin
			if (s_ld_mem == 2'd0 && s_ld_addr == 16'd0) begin
				lt0     <= s_ld_data;
				lt0_set <= 1'b1;
			end
			if (s_ld_mem == 2'd3 && s_ld_addr * P + s_ld_lane < NQ)
				bias[s_ld_addr * P + s_ld_lane] <= s_ld_data[31:0];
		end
		cyc <= cyc + 1;
		case (state)
		S_IDLE, S_IN:
			if (s_obs_valid) begin
				if (state == S_IDLE) begin
					for (j = 0; j < NQ; j = j + 1)
						q[j] = bias[j];
					beat = 0;
					cyc <= 1;
					o_busy <= 1'b1;
				end
				for (i = 0; i < P; i = i + 1)
					for (j = 0; j < NQ; j = j + 1)
					begin
						coef = beat * P + i + 1 + j;
						q[j] = q[j] + coef * $signed(s_obs_data[i*AW +: AW]);
					end
				beat = beat + 1;
				state <= S_IN;
				if (beat == in_words) begin
					state <= S_WAIT;
					wait_cnt <= 5;
				end
			end
		S_WAIT:
			if (wait_cnt != 0)
				wait_cnt <= wait_cnt - 1;
			else begin
				best = 0;
				for (j = 1; j < NQ; j = j + 1)
					if (j < out_dim && q[j] > q[best])
						best = j;
				m_res_valid  <= 1'b1;
				m_res_data   <= q[0][ACCW-1:0];
				m_res_index  <= 0;
				m_res_action <= best[DIMW-1:0];
				m_res_last   <= out_dim == 1;
				o_cycles     <= cyc + 1;
				j_out        <= 0;
				state        <= S_OUT;
			end
		S_OUT:
			if (m_res_ready) begin
				if (m_res_last) begin
					m_res_valid <= 1'b0;
					o_busy      <= 1'b0;
					state       <= S_IDLE;
				end else begin
					m_res_data  <= q[j_out + 1][ACCW-1:0];
					m_res_index <= j_out[DIMW-1:0] + 1'b1;
					m_res_last  <= j_out + 2 == out_dim;
					j_out       <= j_out + 1;
				end
			end
		endcase
		if (i_rst) begin
			state       <= S_IDLE;
			m_res_valid <= 1'b0;
			o_busy      <= 1'b0;
		end
	end
endmodule
`default_nettype wire
