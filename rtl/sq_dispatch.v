`default_nettype none
// sq_dispatch - the link's request dispatcher (docs/protocol.md).
//
// Takes one good frame at a time from sq_frame_rx, reads its payload from the
// receive buffer, drives the core (observation beats, load port, reset) and
// streams exactly one response body to sq_frame_tx: INFO, INFER, LOAD, STATS,
// RESET, COMMIT, or ERROR (unknown type, bad length, bad target). The buffer is
// released as soon as the payload has been read, before the core computes and
// before the response goes out, so the next request can arrive meanwhile.
// A good request that arrived while another was held is answered ERROR busy
// (sq_frame_rx's busy notice), before the held one is served.
// Every LOAD check (length, mem, lane, address range) happens before the first
// word reaches the load port: a LOAD is applied whole or not at all.
// INFER Q-values stream from the core's result port to the UART without a
// buffer (the core holds each beat until it is sent).
//
// Parameters: the core's configuration (docs/architecture.md, P .. LG_RD),
// reported by INFO; CLK_HZ and BAUD (reported); BUILD_ID (reported);
// INIT_MODEL_ID, INIT_IN_DIM, INIT_OUT_DIM: the model the memories hold at
// configuration (COMMIT replaces them). out_dim is limited to 126 so that an
// INFER response fits 512 payload bytes, in_dim to 512 (256 when AW > 8) so
// that the request does. STATW: bits of the five STATS event
// counters, 8..32 (reported zero-extended; they wrap): 16 saves about 80 LUTs
// and 80 carries on iCE40. WD_LG: the watchdog, log2 of the cycles the
// dispatcher waits for the core (an observation, result or load beat), 8..30.
//
// The core never makes the device hang and never makes it send a wrong answer
// with a good CRC: when the watchdog fires the core is reset and the request
// is answered ERROR busy, or, once its response has begun, the response is cut
// short so that the host drops it (its length disagrees). A result stream that
// ends before out_dim beats, or whose action is not below out_dim, is cut
// short the same way (and the core reset).
module sq_dispatch #(
	parameter integer P             = 8,
	parameter integer AW            = 8,
	parameter integer WW            = 8,
	parameter integer ACCW          = 32,
	parameter integer MAXW          = 256,
	parameter integer MAXL          = 8,
	parameter integer LG_WD         = 12,
	parameter integer LG_RD         = 9,
	parameter integer CLK_HZ        = 12000000,
	parameter integer BAUD          = 1000000,
	parameter [31:0]  BUILD_ID      = 32'h0,
	parameter [31:0]  INIT_MODEL_ID = 32'h0,
	parameter integer INIT_IN_DIM   = 4,
	parameter integer INIT_OUT_DIM  = 2,
	parameter integer STATW         = 32,
	parameter integer WD_LG         = 24
) (
	input  wire                       i_clk,
	input  wire                       i_rst,
	// good frames from sq_frame_rx
	input  wire                       i_frm_valid,
	input  wire [7:0]                 i_frm_type,
	input  wire [7:0]                 i_frm_seq,
	input  wire [9:0]                 i_frm_len,
	output reg                        o_frm_release,
	output wire [8:0]                 o_buf_raddr,
	input  wire [7:0]                 i_buf_rdata,
	// receiver events (counted here)
	input  wire                       i_ev_ok,
	input  wire                       i_ev_crc,
	input  wire                       i_ev_framing,
	// busy notice from sq_frame_rx
	input  wire                       i_busy_valid,
	input  wire [7:0]                 i_busy_type,
	input  wire [7:0]                 i_busy_seq,
	output reg                        o_busy_ack,
	// response bodies to sq_frame_tx
	output reg                        m_body_valid,
	input  wire                       m_body_ready,
	output reg  [7:0]                 m_body_data,
	output reg                        m_body_last,
	// core: observation stream
	output reg                        m_obs_valid,
	input  wire                       m_obs_ready,
	output reg  [P*AW-1:0]            m_obs_data,
	// core: result stream
	input  wire                       s_res_valid,
	output reg                        s_res_ready,
	input  wire [ACCW-1:0]            s_res_data,
	input  wire [$clog2(MAXW+1)-1:0]  s_res_action,
	input  wire                       s_res_last,
	input  wire [31:0]                i_cycles,
	// core: load port
	output reg                        m_ld_valid,
	input  wire                       m_ld_ready,
	output reg  [1:0]                 m_ld_mem,
	output reg  [3:0]                 m_ld_lane,
	output reg  [15:0]                m_ld_addr,
	output wire [63:0]                m_ld_data,
	// core: reset (RESET frame)
	output reg                        o_core_rst,
	// activity: a request is being served
	output wire                       o_active
);
	localparam integer DIMW   = $clog2(MAXW + 1);
	localparam integer MAXOUT = MAXW < 126 ? MAXW : 126;
	// an INFER request carries at most 512 payload bytes
	localparam integer MAXIN_LINK = AW > 8 ? 256 : 512;
	localparam integer MAXIN  = MAXW < MAXIN_LINK ? MAXW : MAXIN_LINK;

	localparam [7:0] T_INFO = 8'h01, T_INFER = 8'h02, T_LOAD = 8'h03,
			 T_STATS = 8'h04, T_RESET = 8'h05, T_COMMIT = 8'h06,
			 T_ERROR = 8'hFF;
	localparam [7:0] E_TYPE = 8'd1, E_LEN = 8'd2, E_TARGET = 8'd3, E_BUSY = 8'd4;

	localparam [2:0] K_INFO = 3'd0, K_STATS = 3'd1, K_STATUS = 3'd2,
			 K_ERROR = 3'd3, K_INFER = 3'd4;

	// one-hot states (timing: a state test is one flip-flop, not a 4-bit
	// decode in front of every register the state drives); I_* index the bit
	localparam integer I_IDLE = 0, I_RD_A = 1, I_RD_B = 2, I_LD_HDR = 3, I_LD_WR = 4,
			   I_LD_WAIT = 5, I_COMMIT = 6, I_OBS_FEAT = 7, I_OBS_BEAT = 8,
			   I_RES_WAIT = 9, I_TX = 10, I_DRAIN = 11, I_OBS_PAD = 12,
			   I_LD_CHK = 13, I_LD_DEC = 14, I_GO = 15;
	localparam [15:0] S_IDLE = 16'd1 << I_IDLE, S_RD_A = 16'd1 << I_RD_A,
			  S_RD_B = 16'd1 << I_RD_B, S_LD_HDR = 16'd1 << I_LD_HDR,
			  S_LD_WR = 16'd1 << I_LD_WR, S_LD_WAIT = 16'd1 << I_LD_WAIT,
			  S_COMMIT = 16'd1 << I_COMMIT, S_OBS_FEAT = 16'd1 << I_OBS_FEAT,
			  S_OBS_BEAT = 16'd1 << I_OBS_BEAT, S_RES_WAIT = 16'd1 << I_RES_WAIT,
			  S_TX = 16'd1 << I_TX, S_DRAIN = 16'd1 << I_DRAIN,
			  S_OBS_PAD = 16'd1 << I_OBS_PAD, S_LD_CHK = 16'd1 << I_LD_CHK,
			  S_LD_DEC = 16'd1 << I_LD_DEC, S_GO = 16'd1 << I_GO;

	generate
		if (P < 1 || P > 16 || AW < 2 || AW > 16 || ACCW < 8 || ACCW > 48 ||
		    MAXW < 1 || MAXW > 4096 || MAXL < 1 || MAXL > 255 ||
		    STATW < 8 || STATW > 32 || WD_LG < 8 || WD_LG > 30) begin : g_bad_cfg
			// Elaboration fails: a configuration parameter is out of range.
			sq_dispatch_bad_configuration u_bad ();
		end
	endgenerate

	// ---- configuration as fields ----------------------------------------------
	localparam [31:0] P32 = P, AW32 = AW, WW32 = WW, ACCW32 = ACCW, MAXW32 = MAXW,
			  MAXL32 = MAXL, LGWD32 = LG_WD, LGRD32 = LG_RD,
			  CLK32 = CLK_HZ, BAUD32 = BAUD, MAXOUT32 = MAXOUT, MAXIN32 = MAXIN;
	localparam [31:0] WD_DEPTH = 32'd1 << LG_WD;
	localparam [31:0] RD_DEPTH = 32'd1 << LG_RD;
	localparam [0:0]  WIDE_ACT = AW > 8;    // two bytes per activation

	// ---- model registers and counters -----------------------------------------
	reg [31:0] model_id_reg;
	reg [15:0] in_dim_reg, out_dim_reg;
	reg [STATW-1:0] c_ok, c_crc, c_framing, c_infer, c_loads;
	reg [31:0]      c_last_cycles;

	// ---- request state --------------------------------------------------------
	reg [15:0] state_reg, rd_ret_reg;   // one-hot
	reg [7:0]  type_reg, seq_reg;
	reg [9:0]  len_reg;
	reg [6:0]  ld_words_reg;    // len_reg[9:3] - 1: a LOAD's words, if len is 8 + 8 * words
	wire       unused_len = ^len_reg[9:3];  // checked through ld_words_reg (the formal properties read len_reg)
	reg [8:0]  rd_idx_reg;
	reg [3:0]  rd_left_reg;
	reg [63:0] sh_reg;          // bytes read, little-endian, newest at the top
	reg [7:0]  ld_left_reg;
	reg        ld_last_reg;     // ld_left_reg == 1, set with the count
	// observation features still to store, and whether that is 0 or 1 (the
	// flags are set with the count, so no compare sits in the state decode)
	reg [15:0] feat_left_reg;
	reg        feat_zero_reg, feat_one_reg;
	reg        in_dim_one_reg;  // in_dim_reg == 1
	reg [4:0]  slot_reg;
	reg        clr_stats;

	// ---- response state -------------------------------------------------------
	reg [2:0]  rsp_kind_reg;
	reg [9:0]  rsp_len_reg;     // payload bytes
	reg [7:0]  rsp_code_reg;    // status or error code
	reg [15:0] action_reg;
	reg [31:0] cycles_reg;
	reg [1:0]  qb_reg;          // byte of the current Q-value
	reg        res_done_reg;    // the core's last beat has been taken
	reg        res_bad_reg;     // the core's action is not below out_dim

	// ---- watchdog: cycles spent waiting on the core ---------------------------
	reg  [WD_LG:0] wd_reg;
	wire wd_fire = wd_reg[WD_LG];
	wire core_wait = state_reg[I_OBS_BEAT] || state_reg[I_RES_WAIT] ||
			 state_reg[I_LD_WAIT] || state_reg[I_DRAIN] ||
			 (state_reg[I_TX] && !byte_ok);
	always @(posedge i_clk)
		if (i_rst || !core_wait || wd_fire)
			wd_reg <= {(WD_LG + 1){1'b0}};
		else
			wd_reg <= wd_reg + 1'b1;

	assign o_buf_raddr = rd_idx_reg;
	assign m_ld_data   = sh_reg;
	assign o_active    = !state_reg[I_IDLE];

	// ---- response bytes -------------------------------------------------------
	wire [34*8-1:0] info_vec = {BAUD32, CLK32, BUILD_ID, model_id_reg,
				    out_dim_reg, in_dim_reg,
				    8'd0, LGRD32[7:0], LGWD32[7:0], MAXL32[7:0],
				    MAXW32[15:0],
				    ACCW32[7:0], WW32[7:0], AW32[7:0], P32[7:0],
				    8'h31, 8'h51, 8'h50, 8'h53};  // "SPQ1"
	localparam integer PADW = 32 - STATW;
	wire [6*32-1:0] stats_vec = {c_last_cycles,
				     {PADW{1'b0}}, c_loads, {PADW{1'b0}}, c_infer,
				     {PADW{1'b0}}, c_framing, {PADW{1'b0}}, c_crc,
				     {PADW{1'b0}}, c_ok};

	wire [31:0] q32;
	generate
		if (ACCW >= 32) begin : g_q_trunc
			assign q32 = s_res_data[31:0];
			if (ACCW > 32) begin : g_unused
				wire unused_hi = ^s_res_data[ACCW-1:32];
			end
		end else begin : g_q_sext
			assign q32 = {{(32 - ACCW){s_res_data[ACCW-1]}}, s_res_data};
		end
	endgenerate

	// The body byte comes out of a pipeline that runs every cycle from
	// registers only (timing: the byte muxes and the index compares are the
	// link's longest paths on the UP5K): stage 1 picks a byte per source
	// (header, INFO, STATS, INFER; INFO and STATS through a stage 0 that picks
	// the 8-byte group), stage 2 picks the source. A byte may go only when
	// its inputs have been still for two cycles (tx_settle_reg) and then one
	// more (tx_go_rdy_reg), which covers the three stages: a byte waits 10
	// UART bit times anyway, so the cycles cost nothing.
	// The index flags (header, Q phase, final byte) are updated when a byte
	// goes, from compares against constants, so no adder sits in front of them.
	reg  [9:0] pidx_reg;        // payload index of the next body byte (header: -4 .. -1)
	reg  [9:0] tx_left_reg;     // body bytes after the next one
	reg        tx_hdr_reg;      // the next byte is one of the 4 header bytes
	reg        q_phase_reg;     // INFER and the next byte is a Q-value byte (pidx >= 6)
	reg        tx_final_reg;    // the next byte is the last (tx_left_reg == 0)
	reg  [1:0] tx_settle_reg;   // cycles the pipeline's inputs have been still, up to 2
	reg  [9:0] infer_plen_reg;  // INFER payload length for out_dim_reg: 6 + 4 * out_dim
	reg  [9:0] infer_tleft_reg; // and its body bytes after the first: infer_plen_reg + 3
	// every byte of INFO and STATS, padded to a power of two (never sent)
	wire [64*8-1:0] info_pad  = {{(30*8){1'b0}}, info_vec};
	wire [32*8-1:0] stats_pad = {{(8*8){1'b0}}, stats_vec};
	wire [1:0] cidx = pidx_reg[1:0] - 2'd2;
	reg  [7:0] hdr_b1_reg, info_b1_reg, stats_b1_reg, infer_b1_reg;
	reg [63:0] info_g0_reg, stats_g0_reg;   // INFO and STATS: the byte's 8-byte group
	reg  [7:0] nb_reg;          // the next body byte (stage 2)
	always @(posedge i_clk) begin
		infer_plen_reg <= {out_dim_reg[7:0], 2'b00} + 10'd6;
		infer_tleft_reg <= {out_dim_reg[7:0], 2'b00} + 10'd9;
		in_dim_one_reg <= in_dim_reg == 16'd1;
		// stage 1
		case (pidx_reg[1:0])
		2'd0:    hdr_b1_reg <= rsp_kind_reg == K_ERROR ? T_ERROR : (type_reg | 8'h80);
		2'd1:    hdr_b1_reg <= seq_reg;
		2'd2:    hdr_b1_reg <= rsp_len_reg[7:0];
		default: hdr_b1_reg <= {6'd0, rsp_len_reg[9:8]};
		endcase
		// stage 0 then 1 for INFO and STATS: the 8-byte group, then the byte
		info_g0_reg  <= info_pad[pidx_reg[5:3]*64 +: 64];
		stats_g0_reg <= stats_pad[pidx_reg[4:3]*64 +: 64];
		info_b1_reg  <= info_g0_reg[pidx_reg[2:0]*8 +: 8];
		stats_b1_reg <= stats_g0_reg[pidx_reg[2:0]*8 +: 8];
		if (pidx_reg[9:1] == 9'd0)
			infer_b1_reg <= action_reg[pidx_reg[0]*8 +: 8];
		else if (!q_phase_reg)
			infer_b1_reg <= cycles_reg[{cidx, 3'b000} +: 8];
		else if (!res_done_reg)
			infer_b1_reg <= q32[qb_reg*8 +: 8];
		else
			infer_b1_reg <= 8'd0;
		// stage 2
		if (tx_hdr_reg)
			nb_reg <= hdr_b1_reg;
		else
			case (rsp_kind_reg)
			K_INFO:   nb_reg <= info_b1_reg;
			K_STATS:  nb_reg <= stats_b1_reg;
			K_STATUS: nb_reg <= rsp_code_reg;
			K_ERROR:  nb_reg <= pidx_reg[0] ? type_reg : rsp_code_reg;
			K_INFER:  nb_reg <= infer_b1_reg;
			default:  nb_reg <= 8'd0;
			endcase
	end
	// the byte can go now (a Q-value byte needs its beat). The core's beat is
	// seen through a register (timing: s_res_valid may come from the core's
	// logic, not a flip-flop): one cycle late, and low in the cycle after a
	// beat is taken; the byte waits for tx_settle_reg anyway.
	reg  res_beat_reg;          // a result beat is there, not yet being taken
	always @(posedge i_clk)
		res_beat_reg <= s_res_valid && !s_res_ready && !i_rst;
	wire byte_ok   = !q_phase_reg || res_done_reg || res_beat_reg;
	// The byte goes when the output is free and tx_go_rdy_reg says that the
	// last cycle was in S_TX, past its first, with the pipeline settled, no
	// byte going and no cut (timing: one register, not the conditions, in
	// front of every register a byte updates). byte_ok and tx_settle_reg
	// only rise between bytes (a beat is given up only when a byte has
	// taken it), so what held last cycle still holds, and the state is
	// still S_TX.
	reg  tx_go_rdy_reg;
	wire byte_go   = tx_go_rdy_reg && !m_body_valid && !tx_cut_reg;
	always @(posedge i_clk)
		tx_go_rdy_reg <= state_reg[I_TX] && !tx_start_reg && byte_ok && tx_settle_reg == 2'd2 &&
				 !byte_go && !(!m_body_valid && tx_cut_reg) && !i_rst;
	// Cut the response short: the core ended early, is stuck, or disagrees.
	// Registered (timing): each of the three conditions rises only in a
	// cycle after byte_ok was low (the last beat taken, the watchdog counting
	// while no beat is there, q_phase_reg set as a byte went), so tx_settle_reg
	// is below 2 while tx_cut_reg catches up and no byte goes in between.
	reg  tx_cut_reg;
	// the byte index flags for the next byte, registered from pidx_reg too
	// (pidx_reg is still for two cycles before a byte goes)
	reg  pidx_hdr_last_reg;     // pidx_reg == -1: the header's last byte
	reg  pidx_q_next_reg;       // INFER and pidx_reg == 5: Q-values follow
	always @(posedge i_clk) begin
		tx_cut_reg <= !tx_start_reg && q_phase_reg && (res_done_reg || wd_fire || res_bad_reg);
		pidx_hdr_last_reg <= pidx_reg == 10'h3FF;
		pidx_q_next_reg   <= rsp_kind_reg == K_INFER && pidx_reg == 10'd5;
	end

	// ---- the observation feature just read ------------------------------------
	wire [15:0] feat16 = WIDE_ACT ? sh_reg[63:48] : {{8{sh_reg[63]}}, sh_reg[63:56]};
	wire        unused_feat = ^feat16;  // the top bits when AW < 16
	// the beat register shifts features in at the top: after P shifts slot s
	// holds the beat's feature s (a short last beat is padded with zeros)
	reg  [AW-1:0]   obs_in;
	wire [P*AW-1:0] obs_shifted;
	generate
		if (P == 1) begin : g_obs1
			assign obs_shifted = obs_in;
		end else begin : g_obsn
			assign obs_shifted = {obs_in, m_obs_data[P*AW-1:AW]};
		end
	endgenerate
	wire        slot_last = {27'd0, slot_reg} == P32 - 1;
	always @(*)
		obs_in = state_reg[I_OBS_PAD] ? {AW{1'b0}} : feat16[AW-1:0];
	wire [3:0]  feat_bytes = WIDE_ACT ? 4'd2 : 4'd1;
	wire [10:0] infer_len = WIDE_ACT ? {in_dim_reg[9:0], 1'b0} : {1'b0, in_dim_reg[9:0]};

	// ---- the held frame's type and length, decoded in two register stages ----
	// sq_frame_rx changes its fields only as it raises m_frm_valid; S_IDLE
	// waits until they have been held for two cycles (frm_v2_reg), so the
	// request decode starts from flags, not from compares.
	reg frm_v1_reg, frm_v2_reg; // i_frm_valid, not being released, 1 and 2 cycles long
	reg ft_info, ft_stats, ft_reset, ft_infer, ft_load, ft_commit;   // stage 1: type
	reg [7:0] ft_type;          // stage 1: the type the flags were decoded from
	reg fl_zero, fl_eight, fl_ge16, fl_infer;                        // stage 1: len
	reg frm_bad_reg;            // stage 2: the request is answered ERROR at once ...
	reg [7:0] frm_code_reg;     // ... with this code (unknown type, else bad length)
	always @(posedge i_clk) begin
		frm_v1_reg <= i_frm_valid && !o_frm_release;
		frm_v2_reg <= frm_v1_reg && i_frm_valid && !o_frm_release;
		ft_type    <= i_frm_type;
		ft_info    <= i_frm_type == T_INFO;
		ft_stats   <= i_frm_type == T_STATS;
		ft_reset   <= i_frm_type == T_RESET;
		ft_infer   <= i_frm_type == T_INFER;
		ft_load    <= i_frm_type == T_LOAD;
		ft_commit  <= i_frm_type == T_COMMIT;
		fl_zero    <= i_frm_len == 10'd0;
		fl_eight   <= i_frm_len == 10'd8;
		fl_ge16    <= i_frm_len >= 10'd16;
		fl_infer   <= {1'b0, i_frm_len} == infer_len;
		if (!(ft_info || ft_stats || ft_reset || ft_infer || ft_load || ft_commit)) begin
			frm_bad_reg  <= 1'b1;
			frm_code_reg <= E_TYPE;
		end else begin
			frm_bad_reg  <= ((ft_info || ft_stats || ft_reset) && !fl_zero) ||
					(ft_infer && !fl_infer) || (ft_load && !fl_ge16) ||
					(ft_commit && !fl_eight);
			frm_code_reg <= E_LEN;
		end
	end

	// ---- the next request, decided a cycle before S_GO applies it -------------
	// Computed every cycle from registers; S_IDLE moves to S_GO when a busy
	// notice or a decoded frame is there, and S_GO applies the decision made
	// in that S_IDLE cycle (timing: the priority decode and the response
	// fields then sit in front of these registers only, not in front of every
	// request register; one cycle more per request). The notice is
	// acknowledged, and its type and seq taken, in that same S_IDLE cycle.
	wire       busy_go = i_busy_valid && !o_busy_ack;
	wire       frm_go  = i_frm_valid && frm_v2_reg && !o_frm_release;
	reg        d_busy_reg;      // answer the busy notice
	reg        d_rsp_reg;       // respond at once (busy, bad frame, INFO, STATS, RESET)
	reg        d_rel_reg;       // release the frame at once
	reg        d_reset_reg;     // RESET: reset the core, clear the counters
	reg        d_infer_reg;     // INFER: start the observation
	reg  [2:0] d_kind_reg;
	reg  [9:0] d_plen_reg, d_tleft_reg;
	reg  [7:0] d_code_reg, d_type_reg, d_seq_reg;
	reg  [3:0] d_rd_n_reg;      // otherwise: read d_rd_n_reg bytes, ...
	reg [15:0] d_ret_reg;       // ... then go to d_ret_reg
	always @(posedge i_clk) begin
		d_busy_reg  <= busy_go;
		d_rsp_reg   <= busy_go || frm_bad_reg || ft_info || ft_stats || ft_reset;
		d_rel_reg   <= !busy_go && (frm_bad_reg || ft_info || ft_stats || ft_reset);
		d_reset_reg <= !busy_go && !frm_bad_reg && !ft_info && !ft_stats && ft_reset;
		d_infer_reg <= ft_infer;
		d_type_reg  <= busy_go ? i_busy_type : ft_type;
		d_seq_reg   <= busy_go ? i_busy_seq : i_frm_seq;
		if (busy_go) begin
			d_kind_reg <= K_ERROR; d_plen_reg <= 10'd2; d_tleft_reg <= 10'd5; d_code_reg <= E_BUSY;
		end else if (frm_bad_reg) begin
			d_kind_reg <= K_ERROR; d_plen_reg <= 10'd2; d_tleft_reg <= 10'd5; d_code_reg <= frm_code_reg;
		end else if (ft_info) begin
			d_kind_reg <= K_INFO; d_plen_reg <= 10'd34; d_tleft_reg <= 10'd37; d_code_reg <= 8'd0;
		end else if (ft_stats) begin
			d_kind_reg <= K_STATS; d_plen_reg <= 10'd24; d_tleft_reg <= 10'd27; d_code_reg <= 8'd0;
		end else begin
			d_kind_reg <= K_STATUS; d_plen_reg <= 10'd1; d_tleft_reg <= 10'd4; d_code_reg <= 8'd0;
		end
		d_rd_n_reg <= ft_infer ? feat_bytes : 4'd8;
		d_ret_reg  <= ft_infer ? S_OBS_FEAT : (ft_load ? S_LD_HDR : S_COMMIT);
	end

	// ---- LOAD header checks ---------------------------------------------------
	wire [7:0]  h_mem   = sh_reg[7:0];
	wire [7:0]  h_lane  = sh_reg[15:8];
	wire [15:0] h_addr  = sh_reg[31:16];
	wire [7:0]  h_count = sh_reg[39:32];
	wire [16:0] h_end   = {1'b0, h_addr} + {9'd0, h_count};
	reg  [16:0] h_depth;
	always @(*) begin
		case (h_mem[1:0])
		2'd0:    h_depth = MAXL32[16:0];
		2'd1:    h_depth = RD_DEPTH[16:0];
		2'd2:    h_depth = WD_DEPTH[16:0];
		default: h_depth = RD_DEPTH[16:0];
		endcase
	end
	// len == 8 + 8 * count, as len[2:0] == 0 and len / 8 - 1 == count, with
	// len / 8 - 1 registered with len (timing: no adder behind sh_reg)
	wire h_len_ok = h_count >= 8'd1 && h_count <= 8'd60 &&
			len_reg[2:0] == 3'd0 && {1'b0, ld_words_reg} == h_count;
	wire h_sel_ok = h_mem <= 8'd3 && (h_mem < 8'd2 || h_lane < P32[7:0]);
	// registered in S_LD_HDR and S_LD_CHK, used in S_LD_DEC (short paths)
	reg         h_len_ok_reg, h_sel_ok_reg, h_rng_ok_reg;
	reg  [16:0] h_end_reg, h_depth_reg;

	// ---- COMMIT checks --------------------------------------------------------
	wire [15:0] c_in  = sh_reg[47:32];
	wire [15:0] c_out = sh_reg[63:48];
	// judged from sh_reg into registers, then into one: S_COMMIT waits two
	// cycles for it (cm_wait_reg; timing: the compares then sit neither
	// behind the buffer's read port nor in front of the response fields)
	wire [63:0] sh_next = {i_buf_rdata, sh_reg[63:8]};
	reg         c_in_nz_reg, c_in_le_reg, c_out_nz_reg, c_out_le_reg;
	reg  [1:0]  cm_wait_reg;    // S_COMMIT's cycles so far, up to 2
	reg         c_ok_dims_reg;
	always @(posedge i_clk) begin
		c_in_nz_reg  <= c_in != 16'd0;
		c_in_le_reg  <= c_in <= MAXIN32[15:0];
		c_out_nz_reg <= c_out != 16'd0;
		c_out_le_reg <= c_out <= MAXOUT32[15:0];
	end
	always @(posedge i_clk)
		c_ok_dims_reg <= c_in_nz_reg && c_in_le_reg && c_out_nz_reg && c_out_le_reg;

	// A state that responds goes to S_TX (task respond). The response's
	// fields (kind, payload length, code, and tleft = length + 3, the body
	// bytes after the first) are loaded in every cycle outside S_TX from the
	// current state, and S_TX's first cycle (tx_start_reg) sets up the byte
	// index from them, in one place (timing: no enable from every responding
	// state's conditions, no adder behind the state decode):
	//   the watchdog in S_OBS_BEAT, S_RES_WAIT, S_LD_WAIT   ERROR busy
	//   S_GO       the decision (busy, bad frame, INFO, STATS, RESET)
	//   S_LD_DEC   ERROR bad length, else bad target
	//   S_LD_WAIT  STATUS ok (the LOAD's last word)
	//   S_COMMIT   STATUS ok, or ERROR bad target
	//   S_RES_WAIT INFER
	reg        tx_start_reg;
	reg  [9:0] tx_tleft_reg;
	wire       wd_stuck = wd_fire && (state_reg[I_OBS_BEAT] || state_reg[I_RES_WAIT] ||
				      state_reg[I_LD_WAIT]);
	task rsp_fields;
		input [2:0] kind;
		input [9:0] plen;
		input [9:0] tleft;
		input [7:0] code;
		begin
			rsp_kind_reg <= kind;
			rsp_len_reg  <= plen;
			tx_tleft_reg <= tleft;
			rsp_code_reg <= code;
		end
	endtask
	always @(posedge i_clk)
		if (!state_reg[I_TX]) begin
			if (wd_stuck)
				rsp_fields(K_ERROR, 10'd2, 10'd5, E_BUSY);
			else if (state_reg[I_GO])
				rsp_fields(d_kind_reg, d_plen_reg, d_tleft_reg, d_code_reg);
			else if (state_reg[I_LD_DEC])
				rsp_fields(K_ERROR, 10'd2, 10'd5, h_len_ok_reg ? E_TARGET : E_LEN);
			else if (state_reg[I_LD_WAIT] || (state_reg[I_COMMIT] && c_ok_dims_reg))
				rsp_fields(K_STATUS, 10'd1, 10'd4, 8'd0);
			else if (state_reg[I_COMMIT])
				rsp_fields(K_ERROR, 10'd2, 10'd5, E_TARGET);
			else
				rsp_fields(K_INFER, infer_plen_reg, infer_tleft_reg, 8'd0);
		end
	task respond;
		begin
			tx_start_reg <= 1'b1;     // S_TX's first cycle sets up the byte index
			state_reg    <= S_TX;
		end
	endtask

	// A state that reads payload bytes goes to S_RD_A; how many bytes, and the
	// state after them, are loaded into rd_left_reg and rd_ret_reg in every
	// cycle outside S_RD_A/S_RD_B from the current state (timing: those
	// registers then need no enable from every reading state's conditions):
	//   S_GO        d_rd_n_reg, d_ret_reg (INFER, LOAD header, COMMIT)
	//   S_LD_DEC, S_LD_WAIT     8, S_LD_WR (a LOAD word)
	//   S_OBS_FEAT, S_OBS_BEAT  feat_bytes, S_OBS_FEAT (a feature)
	wire rd_in = state_reg[I_RD_A] || state_reg[I_RD_B];
	always @(posedge i_clk)
		if (!rd_in) begin
			if (state_reg[I_GO]) begin
				rd_left_reg <= d_rd_n_reg;
				rd_ret_reg  <= d_ret_reg;
			end else if (state_reg[I_LD_DEC] || state_reg[I_LD_WAIT]) begin
				rd_left_reg <= 4'd8;
				rd_ret_reg  <= S_LD_WR;
			end else begin
				rd_left_reg <= feat_bytes;
				rd_ret_reg  <= S_OBS_FEAT;
			end
		end else if (state_reg[I_RD_B])
			rd_left_reg <= rd_left_reg - 1'b1;

	always @(posedge i_clk) begin
		o_frm_release <= 1'b0;
		o_busy_ack    <= 1'b0;
		o_core_rst    <= 1'b0;
		clr_stats     <= 1'b0;
		tx_start_reg  <= 1'b0;
		if (m_body_ready)
			m_body_valid <= 1'b0;
		if (s_res_ready && s_res_valid) begin
			s_res_ready <= 1'b0;
			if (s_res_last)
				res_done_reg <= 1'b1;
		end

		(* parallel_case *)
		case (1'b1)
		state_reg[I_IDLE]:
			if (busy_go || frm_go) begin
				o_busy_ack <= busy_go;
				state_reg  <= S_GO;
			end
		state_reg[I_GO]: begin
			type_reg <= d_type_reg;
			seq_reg  <= d_seq_reg;
			if (!d_busy_reg) begin
				len_reg    <= i_frm_len;
				ld_words_reg <= i_frm_len[9:3] - 7'd1;
				rd_idx_reg <= 9'd0;
			end
			o_frm_release <= d_rel_reg;
			o_core_rst    <= d_reset_reg;
			clr_stats     <= d_reset_reg;
			if (d_rsp_reg)
				respond;  // d_kind_reg, d_plen_reg, d_tleft_reg, d_code_reg
			else begin
				if (d_infer_reg) begin
					feat_left_reg <= in_dim_reg;
					feat_zero_reg <= 1'b0;      // in_dim >= 1
					feat_one_reg  <= in_dim_one_reg;
					slot_reg      <= 5'd0;
				end
				state_reg <= S_RD_A;    // d_rd_n_reg bytes, then d_ret_reg
			end
		end

		// read rd_left bytes of the payload into sh_reg, then go to rd_ret
		state_reg[I_RD_A]:
			state_reg <= S_RD_B;
		state_reg[I_RD_B]: begin
			sh_reg      <= sh_next;
			rd_idx_reg  <= rd_idx_reg + 1'b1;
			state_reg   <= rd_left_reg == 4'd1 ? rd_ret_reg : S_RD_A;
		end

		state_reg[I_LD_HDR]: begin
			h_len_ok_reg <= h_len_ok;
			h_sel_ok_reg <= h_sel_ok;
			h_end_reg    <= h_end;
			h_depth_reg  <= h_depth;
			state_reg    <= S_LD_CHK;
		end
		state_reg[I_LD_CHK]: begin
			h_rng_ok_reg <= h_end_reg <= h_depth_reg;
			state_reg    <= S_LD_DEC;
		end
		state_reg[I_LD_DEC]:
			if (!h_len_ok_reg) begin
				o_frm_release <= 1'b1;
				respond;  // K_ERROR, 10'd2, 10'd5, E_LEN
			end else if (!h_sel_ok_reg || !h_rng_ok_reg) begin
				o_frm_release <= 1'b1;
				respond;  // K_ERROR, 10'd2, 10'd5, E_TARGET
			end else begin
				m_ld_mem    <= h_mem[1:0];
				m_ld_lane   <= h_lane[3:0];
				m_ld_addr   <= h_addr;
				ld_left_reg <= h_count;
				ld_last_reg <= h_count == 8'd1;
				state_reg   <= S_RD_A;  // 8 bytes, then S_LD_WR
			end
		state_reg[I_LD_WR]: begin
			m_ld_valid <= 1'b1;    // m_ld_data is sh_reg, unchanged until the beat moves
			state_reg  <= S_LD_WAIT;
		end
		state_reg[I_LD_WAIT]:
			if (m_ld_ready) begin
				m_ld_valid  <= 1'b0;
				m_ld_addr   <= m_ld_addr + 1'b1;
				ld_left_reg <= ld_left_reg - 1'b1;
				ld_last_reg <= ld_left_reg == 8'd2;
				if (ld_last_reg) begin
					o_frm_release <= 1'b1;
					c_loads       <= c_loads + 1'b1;
					respond;  // K_STATUS, 10'd1, 10'd4, 8'd0
				end else
					state_reg <= S_RD_A;    // 8 bytes, then S_LD_WR
			end

		state_reg[I_COMMIT]:
			if (cm_wait_reg != 2'd2)
				cm_wait_reg <= cm_wait_reg + 1'b1;
			else begin
				cm_wait_reg   <= 2'd0;
				o_frm_release <= 1'b1;
				if (c_ok_dims_reg) begin
					model_id_reg <= sh_reg[31:0];
					in_dim_reg   <= c_in;
					out_dim_reg  <= c_out;
					respond;  // K_STATUS, 10'd1, 10'd4, 8'd0
				end else
					respond;  // K_ERROR, 10'd2, 10'd5, E_TARGET
			end

		state_reg[I_OBS_FEAT]: begin
			m_obs_data <= obs_shifted;
			feat_left_reg <= feat_left_reg - 1'b1;
			feat_zero_reg <= feat_one_reg;
			feat_one_reg  <= feat_left_reg == 16'd2;
			slot_reg   <= slot_reg + 1'b1;
			if (slot_last) begin
				m_obs_valid <= 1'b1;
				state_reg   <= S_OBS_BEAT;
			end else if (feat_one_reg)
				state_reg <= S_OBS_PAD;
			else
				state_reg <= S_RD_A;    // feat_bytes, then S_OBS_FEAT
		end
		state_reg[I_OBS_PAD]: begin
			m_obs_data <= obs_shifted;
			slot_reg   <= slot_reg + 1'b1;
			if (slot_last) begin
				m_obs_valid <= 1'b1;
				state_reg   <= S_OBS_BEAT;
			end
		end
		state_reg[I_OBS_BEAT]:
			if (m_obs_ready) begin
				m_obs_valid <= 1'b0;
				slot_reg    <= 5'd0;
				if (feat_zero_reg) begin
					o_frm_release <= 1'b1;
					state_reg     <= S_RES_WAIT;
				end else
					state_reg <= S_RD_A;  // feat_bytes, then S_OBS_FEAT
			end

		state_reg[I_RES_WAIT]:
			if (s_res_valid) begin
				action_reg    <= {{(16 - DIMW){1'b0}}, s_res_action};
				cycles_reg    <= i_cycles;
				c_last_cycles <= i_cycles;
				c_infer       <= c_infer + 1'b1;
				qb_reg        <= 2'd0;
				res_done_reg  <= 1'b0;
				res_bad_reg   <= {{(16 - DIMW){1'b0}}, s_res_action} >= out_dim_reg;
				respond;  // K_INFER, infer_plen_reg, infer_tleft_reg, 8'd0
			end

		// stream the response body, one byte whenever the output is empty
		state_reg[I_TX]: if (tx_start_reg) begin
			pidx_reg      <= 10'h3FC;  // -4: the header's first byte
			tx_left_reg   <= tx_tleft_reg;
			tx_hdr_reg    <= 1'b1;
			q_phase_reg   <= 1'b0;
			tx_final_reg  <= 1'b0;     // a body has 5 bytes or more
			tx_settle_reg <= 2'd0;
		end else begin
			// the byte pipeline's inputs are still: the index, and the core's beat
			if (!byte_ok)
				tx_settle_reg <= 2'd0;
			else if (tx_settle_reg != 2'd2)
				tx_settle_reg <= tx_settle_reg + 1'b1;
			if (!m_body_valid && tx_cut_reg) begin
				// one last byte, then the frame ends shorter than its len
				m_body_valid <= 1'b1;
				m_body_data  <= 8'd0;
				m_body_last  <= 1'b1;
				s_res_ready  <= 1'b0;
				o_core_rst   <= 1'b1;    // out of step with the response
				state_reg    <= S_IDLE;
			end
		end
		// take result beats the response had no room for, up to the last
		state_reg[I_DRAIN]:
			if (res_done_reg || (s_res_ready && s_res_valid && s_res_last))
				state_reg <= S_IDLE;
			else if (wd_fire) begin
				s_res_ready <= 1'b0;
				o_core_rst  <= 1'b1;
				state_reg   <= S_IDLE;
			end else if (!s_res_ready)
				s_res_ready <= 1'b1;

		default:
			state_reg <= S_IDLE;
		endcase

		// S_TX: the next body byte goes (outside the case: byte_go implies
		// S_TX past its first cycle, and no cut)
		if (byte_go) begin
			m_body_valid  <= 1'b1;
			m_body_data   <= nb_reg;
			m_body_last   <= tx_final_reg;
			pidx_reg      <= pidx_reg + 1'b1;
			tx_left_reg   <= tx_left_reg - 1'b1;
			tx_final_reg  <= tx_left_reg == 10'd1;
			tx_settle_reg <= 2'd0;
			if (pidx_hdr_last_reg)
				tx_hdr_reg <= 1'b0;
			if (pidx_q_next_reg)
				q_phase_reg <= 1'b1;
			if (q_phase_reg) begin
				qb_reg <= qb_reg + 1'b1;
				if (qb_reg == 2'd3)
					s_res_ready <= 1'b1;
			end
			if (tx_final_reg)
				state_reg <= rsp_kind_reg == K_INFER ? S_DRAIN : S_IDLE;
		end

		// the core is stuck before the response began: reset it, answer busy
		if (wd_stuck) begin
			m_obs_valid   <= 1'b0;
			m_ld_valid    <= 1'b0;
			o_core_rst    <= 1'b1;
			o_frm_release <= !state_reg[I_RES_WAIT];   // still held in the others
			respond;  // K_ERROR, 10'd2, 10'd5, E_BUSY
		end

		// receiver events
		if (i_ev_ok)      c_ok      <= c_ok + 1'b1;
		if (i_ev_crc)     c_crc     <= c_crc + 1'b1;
		if (i_ev_framing) c_framing <= c_framing + 1'b1;
		if (clr_stats) begin
			c_ok <= {STATW{1'b0}}; c_crc <= {STATW{1'b0}}; c_framing <= {STATW{1'b0}};
			c_infer <= {STATW{1'b0}}; c_loads <= {STATW{1'b0}}; c_last_cycles <= 32'd0;
		end

		if (i_rst) begin
			state_reg     <= S_IDLE;
			tx_start_reg  <= 1'b0;
			cm_wait_reg   <= 2'd0;
			len_reg       <= 10'd0;
			ld_words_reg  <= 7'h7F;
			o_frm_release <= 1'b0;
			o_busy_ack    <= 1'b0;
			o_core_rst    <= 1'b0;
			m_body_valid  <= 1'b0;
			m_obs_valid   <= 1'b0;
			s_res_ready   <= 1'b0;
			m_ld_valid    <= 1'b0;
			clr_stats     <= 1'b1;
			model_id_reg  <= INIT_MODEL_ID;
			in_dim_reg    <= INIT_IN_DIM[15:0];
			out_dim_reg   <= INIT_OUT_DIM[15:0];
		end
	end
`ifdef SQ_FORMAL_PROPS
	// issue 7's property sets (tests/formal/, `make formal`)
`include "sq_dispatch_props.vh"
`endif
endmodule
`default_nettype wire
