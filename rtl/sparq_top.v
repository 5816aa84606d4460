`default_nettype none
// sparq_top - the board-neutral top: the sparq core behind the UART link
// (docs/protocol.md). Every board wraps it (clock, pins, LED polarity).
//
//   i_uart_rx -> sq_uart_rx -> sq_frame_rx -> sq_dispatch -> sq_frame_tx -> sq_uart_tx -> o_uart_tx
//                                                 |
//                                              sq_core
//
// Parameters:
//   CLK_HZ, BAUD   clock and bit rate; CLK_HZ / BAUD >= 4 (12 at 12 MHz and
//                  1 Mbaud on iCEBreaker; 16 at 48 MHz and 3 Mbaud)
//   BUILD_ID       reported by INFO (e.g. a commit hash prefix)
//   P .. LG_RD     the core's configuration (docs/architecture.md)
//   INIT_LT/RT/WM/PM  $readmemh images of the model the bitstream carries
//                  ("" leaves the memories empty for a model sent by LOAD)
//   WMEM           weight memory: 0 block RAM, 1 iCE40 SPRAM (rtl/sq_wmem.v;
//                  INIT_WM must be "": the host sends the model by LOAD)
//   INIT_MODEL_ID, INIT_IN_DIM, INIT_OUT_DIM  what INFO reports for it
//   STATW          bits of the STATS event counters, 8..32 (16 saves area)
//   WD_LG          log2 of the cycles the link waits for the core before it
//                  resets it (sq_dispatch)
// Outputs: o_led[0] heartbeat (1 Hz), o_led[1] link activity (held 50 ms); active
// high (boards with active-low LEDs invert).
// Reset: i_rst (synchronous, active high) or the power-on reset of 16 clocks.
module sparq_top #(
	parameter integer CLK_HZ        = 12000000,
	parameter integer BAUD          = 1000000,
	parameter [31:0]  BUILD_ID      = 32'h0,
	parameter integer P             = 8,
	parameter integer AW            = 8,
	parameter integer WW            = 8,
	parameter integer ACCW          = 32,
	parameter integer MAXW          = 256,
	parameter integer MAXL          = 8,
	parameter integer LG_WD         = 12,
	parameter integer LG_RD         = 9,
	parameter         INIT_LT       = "",
	parameter         INIT_RT       = "",
	parameter         INIT_WM       = "",
	parameter         INIT_PM       = "",
	parameter [31:0]  INIT_MODEL_ID = 32'h0,
	parameter integer INIT_IN_DIM   = 4,
	parameter integer INIT_OUT_DIM  = 2,
	parameter integer STATW         = 32,
	parameter integer WD_LG         = 24,
	parameter integer WMEM          = 0
) (
	input  wire       i_clk,
	input  wire       i_rst,
	// UART (host side of the board's USB bridge)
	input  wire       i_uart_rx,
	output wire       o_uart_tx,
	// LEDs, active high
	output wire [1:0] o_led
);
	localparam integer DIMW = $clog2(MAXW + 1);

	// ---- reset ----------------------------------------------------------------
	reg [4:0] por_reg = 5'd0;
	reg       rst_reg = 1'b1;
	always @(posedge i_clk) begin
		if (!por_reg[4])
			por_reg <= por_reg + 1'b1;
		rst_reg <= i_rst || !por_reg[4];
	end
	wire rst = rst_reg;

	// ---- link -----------------------------------------------------------------
	wire       rx_valid, rx_err;
	wire [7:0] rx_data;
	sq_uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_uart_rx (
		.i_clk(i_clk), .i_rst(rst), .i_rx(i_uart_rx),
		.m_rx_valid(rx_valid), .m_rx_data(rx_data), .o_frame_err(rx_err));

	wire       frm_valid, frm_release;
	wire [7:0] frm_type, frm_seq, buf_rdata;
	wire [9:0] frm_len;
	wire [8:0] buf_raddr;
	wire       ev_ok, ev_crc, ev_framing;
	wire       busy_valid, busy_ack;
	wire [7:0] busy_type, busy_seq;
	sq_frame_rx u_frame_rx (
		.i_clk(i_clk), .i_rst(rst),
		.s_rx_valid(rx_valid), .s_rx_data(rx_data), .i_rx_err(rx_err),
		.m_frm_valid(frm_valid), .m_frm_type(frm_type), .m_frm_seq(frm_seq),
		.m_frm_len(frm_len), .i_frm_release(frm_release),
		.i_buf_raddr(buf_raddr), .o_buf_rdata(buf_rdata),
		.o_ev_ok(ev_ok), .o_ev_crc(ev_crc), .o_ev_framing(ev_framing),
		.m_busy_valid(busy_valid), .m_busy_type(busy_type),
		.m_busy_seq(busy_seq), .i_busy_ack(busy_ack));

	wire       body_valid, body_ready, body_last;
	wire [7:0] body_data;
	wire       line_valid, line_ready;
	wire [7:0] line_data;
	sq_frame_tx u_frame_tx (
		.i_clk(i_clk), .i_rst(rst),
		.s_body_valid(body_valid), .s_body_ready(body_ready),
		.s_body_data(body_data), .s_body_last(body_last),
		.m_tx_valid(line_valid), .m_tx_ready(line_ready), .m_tx_data(line_data));

	sq_uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_uart_tx (
		.i_clk(i_clk), .i_rst(rst),
		.s_tx_valid(line_valid), .s_tx_ready(line_ready), .s_tx_data(line_data),
		.o_tx(o_uart_tx));

	// ---- dispatcher and core --------------------------------------------------
	wire              obs_valid, obs_ready;
	wire [P*AW-1:0]   obs_data;
	wire              res_valid, res_ready, res_last;
	wire [ACCW-1:0]   res_data;
	wire [DIMW-1:0]   res_index, res_action;
	wire [31:0]       cycles;
	wire              ld_valid, ld_ready;
	wire [1:0]        ld_mem;
	wire [3:0]        ld_lane;
	wire [15:0]       ld_addr;
	wire [63:0]       ld_data;
	wire              core_rst_req, core_busy, active;

	sq_dispatch #(
		.P(P), .AW(AW), .WW(WW), .ACCW(ACCW), .MAXW(MAXW), .MAXL(MAXL),
		.LG_WD(LG_WD), .LG_RD(LG_RD), .CLK_HZ(CLK_HZ), .BAUD(BAUD),
		.BUILD_ID(BUILD_ID), .INIT_MODEL_ID(INIT_MODEL_ID),
		.INIT_IN_DIM(INIT_IN_DIM), .INIT_OUT_DIM(INIT_OUT_DIM), .STATW(STATW),
		.WD_LG(WD_LG)
	) u_dispatch (
		.i_clk(i_clk), .i_rst(rst),
		.i_frm_valid(frm_valid), .i_frm_type(frm_type), .i_frm_seq(frm_seq),
		.i_frm_len(frm_len), .o_frm_release(frm_release),
		.o_buf_raddr(buf_raddr), .i_buf_rdata(buf_rdata),
		.i_ev_ok(ev_ok), .i_ev_crc(ev_crc), .i_ev_framing(ev_framing),
		.i_busy_valid(busy_valid), .i_busy_type(busy_type),
		.i_busy_seq(busy_seq), .o_busy_ack(busy_ack),
		.m_body_valid(body_valid), .m_body_ready(body_ready),
		.m_body_data(body_data), .m_body_last(body_last),
		.m_obs_valid(obs_valid), .m_obs_ready(obs_ready), .m_obs_data(obs_data),
		.s_res_valid(res_valid), .s_res_ready(res_ready), .s_res_data(res_data),
		.s_res_action(res_action), .s_res_last(res_last), .i_cycles(cycles),
		.m_ld_valid(ld_valid), .m_ld_ready(ld_ready), .m_ld_mem(ld_mem),
		.m_ld_lane(ld_lane), .m_ld_addr(ld_addr), .m_ld_data(ld_data),
		.o_core_rst(core_rst_req), .o_active(active));

	sq_core #(
		.P(P), .AW(AW), .WW(WW), .ACCW(ACCW), .MAXW(MAXW), .MAXL(MAXL),
		.LG_WD(LG_WD), .LG_RD(LG_RD),
		.INIT_LT(INIT_LT), .INIT_RT(INIT_RT), .INIT_WM(INIT_WM), .INIT_PM(INIT_PM),
		.WMEM(WMEM)
	) u_core (
		.i_clk(i_clk), .i_rst(rst || core_rst_req),
		.s_obs_valid(obs_valid), .s_obs_ready(obs_ready), .s_obs_data(obs_data),
		.m_res_valid(res_valid), .m_res_ready(res_ready), .m_res_data(res_data),
		.m_res_index(res_index), .m_res_action(res_action), .m_res_last(res_last),
		.o_cycles(cycles),
		.s_ld_valid(ld_valid), .s_ld_ready(ld_ready), .s_ld_mem(ld_mem),
		.s_ld_lane(ld_lane), .s_ld_addr(ld_addr), .s_ld_data(ld_data),
		.o_busy(core_busy));

	wire unused_core = ^{res_index, core_busy};

	// ---- LEDs -----------------------------------------------------------------
	// A 1 kHz tick paces both LEDs, so that their counters are short (timing:
	// a 20-bit hold counter's carry chain was the UP5K's longest path in some
	// placements); the tick's terminal count is registered a cycle ahead.
	localparam integer TICK   = CLK_HZ / 1000;      // clocks per millisecond
	localparam integer TW     = $clog2(TICK);
	localparam [31:0]  TICK_LAST32 = TICK - 1;
	localparam [8:0]   HB_LAST_MS  = 9'd499;        // heartbeat half period: 500 ms
	localparam [5:0]   ACT_MS      = 6'd50;         // activity held 50 ms

	reg [TW-1:0] tick_cnt_reg;
	reg          tick_one_reg;  // tick_cnt_reg == 1: the tick comes next cycle
	reg          tick_reg;      // one cycle per millisecond
	reg [8:0]    hb_ms_reg;
	reg          hb_reg;
	reg [5:0]    act_ms_reg;
	always @(posedge i_clk) begin
		tick_one_reg <= tick_cnt_reg == {{(TW - 1){1'b0}}, 1'b1};
		tick_reg     <= tick_one_reg;
		if (tick_one_reg)
			tick_cnt_reg <= TICK_LAST32[TW-1:0];
		else
			tick_cnt_reg <= tick_cnt_reg - 1'b1;
		if (tick_reg) begin
			if (hb_ms_reg == HB_LAST_MS) begin
				hb_ms_reg <= 9'd0;
				hb_reg    <= !hb_reg;
			end else
				hb_ms_reg <= hb_ms_reg + 1'b1;
		end
		if (rx_valid || active || line_valid)
			act_ms_reg <= ACT_MS;
		else if (tick_reg && act_ms_reg != 6'd0)
			act_ms_reg <= act_ms_reg - 1'b1;
		if (rst) begin
			tick_cnt_reg <= TICK_LAST32[TW-1:0];
			tick_one_reg <= 1'b0;
			tick_reg     <= 1'b0;
			hb_ms_reg    <= 9'd0;
			hb_reg       <= 1'b0;
			act_ms_reg   <= 6'd0;
		end
	end
	assign o_led = {act_ms_reg != 6'd0, hb_reg};
endmodule
`default_nettype wire
