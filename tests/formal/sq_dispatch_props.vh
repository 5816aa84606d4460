// sq_dispatch_props.vh - formal properties of sq_dispatch (issue 7, property 7:
// "a bad LOAD never writes"), included at the bottom of rtl/sq_dispatch.v
// under `ifdef SQ_FORMAL_PROPS. Only observes. Names start with fp_.
//
//   SQF_DLOAD  every load-port beat belongs to a LOAD request whose length
//              matches its count (1..60) and whose whole target range
//              (mem <= 3, lane < P for mem 2 and 3, addr + count <= depth)
//              is inside the memory; the beats go to addr, addr+1, ... in
//              order, at most count of them; nothing else ever drives the
//              load port. Also (4): the load and observation streams hold
//              while stalled.                                      k-induction

	reg fp_init = 1'b1;
	always @(posedge i_clk)
		fp_init <= 1'b0;
	always @(*)
		assume(i_rst == fp_init);

`ifdef SQF_DLOAD
	// the request, as the header said it (captured when the header is judged)
	wire [7:0]  fp_hmem   = sh_reg[7:0];
	wire [7:0]  fp_hlane  = sh_reg[15:8];
	wire [15:0] fp_haddr  = sh_reg[31:16];
	wire [7:0]  fp_hcount = sh_reg[39:32];
	reg  [7:0]  fp_mem, fp_lane, fp_cnt, fp_done;
	reg  [15:0] fp_addr;
	reg  [9:0]  fp_len;
	function [16:0] fp_depth;          // docs/protocol.md: MAXL, 2^LG_RD, 2^LG_WD, 2^LG_RD
		input [7:0] mem;
		begin
			case (mem)
			8'd0:    fp_depth = MAXL;
			8'd1:    fp_depth = 17'd1 << LG_RD;
			8'd2:    fp_depth = 17'd1 << LG_WD;
			default: fp_depth = 17'd1 << LG_RD;
			endcase
		end
	endfunction
	// the checks run in states between the header read and the first word
	// read (S_LD_HDR and whatever check states the dispatcher uses): every
	// state not named here
	wire fp_chk = !(state_reg == S_IDLE || state_reg == S_RD_A || state_reg == S_RD_B ||
			state_reg == S_LD_WR || state_reg == S_LD_WAIT || state_reg == S_COMMIT ||
			state_reg == S_OBS_FEAT || state_reg == S_OBS_BEAT || state_reg == S_RES_WAIT ||
			state_reg == S_TX || state_reg == S_DRAIN || state_reg == S_OBS_PAD ||
			state_reg == S_GO);
	always @(posedge i_clk) begin
		if (state_reg == S_LD_HDR) begin
			fp_mem  <= fp_hmem;
			fp_lane <= fp_hlane;
			fp_addr <= fp_haddr;
			fp_cnt  <= fp_hcount;
			fp_len  <= len_reg;
			fp_done <= 8'd0;
		end
		if (m_ld_valid && m_ld_ready)
			fp_done <= fp_done + 1'b1;
	end
	// a request is between a good header and its last beat
	wire fp_in_load = state_reg == S_LD_WR || state_reg == S_LD_WAIT ||
			  ((state_reg == S_RD_A || state_reg == S_RD_B) && rd_ret_reg == S_LD_WR);
	wire fp_tgt_ok  = fp_mem <= 8'd3 && (fp_mem < 8'd2 || fp_lane < P) &&
			  {1'b0, fp_addr} + {9'd0, fp_cnt} <= fp_depth(fp_mem);
	wire fp_len_ok  = fp_cnt >= 8'd1 && fp_cnt <= 8'd60 &&
			  {1'b0, fp_len} == {fp_cnt, 3'b000} + 11'd8;
	always @(*)
		if (!fp_init) begin
			// the LOAD word count kept with len
			assert(ld_words_reg == len_reg[9:3] - 7'd1);
			// the state register is one-hot
			assert(state_reg != 16'd0 && (state_reg & (state_reg - 16'd1)) == 16'd0);
			// the property
			if (m_ld_valid) begin
				assert(state_reg == S_LD_WAIT && fp_in_load);
				assert(type_reg == 8'h03 && fp_len_ok && fp_tgt_ok);
				assert(m_ld_mem == fp_mem[1:0] && m_ld_lane == fp_lane[3:0]);
				assert(m_ld_addr == fp_addr + {8'd0, fp_done} && fp_done < fp_cnt);
			end
			// strengtheners: the request's bookkeeping while it runs
			if (fp_in_load) begin
				assert(type_reg == 8'h03 && len_reg == fp_len && fp_len_ok && fp_tgt_ok);
				assert(m_ld_mem == fp_mem[1:0] && m_ld_lane == fp_lane[3:0]);
				assert(m_ld_addr == fp_addr + {8'd0, fp_done});
				assert({1'b0, fp_done} + {1'b0, ld_left_reg} == {1'b0, fp_cnt} && ld_left_reg != 0);
				assert(ld_last_reg == (ld_left_reg == 8'd1));
			end
			if (fp_chk || ((state_reg == S_RD_A || state_reg == S_RD_B) &&
			    rd_ret_reg == S_LD_HDR))
				assert(type_reg == 8'h03);
			if (fp_chk && state_reg != S_LD_HDR)
				assert(fp_mem == fp_hmem && fp_lane == fp_hlane && fp_addr == fp_haddr &&
				       fp_cnt == fp_hcount && fp_len == len_reg && fp_done == 8'd0);
			if (m_obs_valid)
				assert(state_reg == S_OBS_BEAT);
			if (state_reg == S_LD_WR || state_reg == S_RD_A || state_reg == S_RD_B)
				assert(!m_ld_valid);
			if (state_reg == S_LD_WAIT)
				assert(m_ld_valid);
			if (state_reg == S_RD_A || state_reg == S_RD_B)
				assert(rd_left_reg != 0 && (rd_ret_reg == S_LD_HDR || rd_ret_reg == S_LD_WR ||
				       rd_ret_reg == S_COMMIT || rd_ret_reg == S_OBS_FEAT));
			// the decision S_GO applies: a read that S_GO starts is a valid one,
			// and a LOAD's read carries the LOAD type
			assert(d_rd_n_reg != 0 && (d_ret_reg == S_LD_HDR || d_ret_reg == S_COMMIT ||
			       d_ret_reg == S_OBS_FEAT));
			if (state_reg == S_GO && !d_rsp_reg && d_ret_reg == S_LD_HDR)
				assert(d_type_reg == 8'h03);
		end
	// (4) the dispatcher's streams to the core hold while stalled: the load
	// beat and the observation beat keep valid and data until ready, unless
	// the watchdog gives up on a stuck core and resets it in the same cycle
	reg fp_pv = 1'b0;
	always @(posedge i_clk)
		fp_pv <= !fp_init;
	always @(posedge i_clk)
		if (fp_pv && !o_core_rst) begin
			if ($past(m_ld_valid && !m_ld_ready))
				assert(m_ld_valid && m_ld_mem == $past(m_ld_mem) && m_ld_lane == $past(m_ld_lane) &&
				       m_ld_addr == $past(m_ld_addr) && m_ld_data == $past(m_ld_data));
			if ($past(m_obs_valid && !m_obs_ready))
				assert(m_obs_valid && m_obs_data == $past(m_obs_data));
		end

	// a LOAD passes its checks and starts reading its words (its first beat
	// follows 17 cycles later: reachable too, at depth 37, but that cover
	// costs minutes, see docs/formal.md); a LOAD with a bad target is refused
	always @(*) begin
		cover(!fp_init && fp_in_load && state_reg == S_RD_A && rd_left_reg == 4'd8);
		cover(!fp_init && fp_chk && state_reg != S_LD_HDR && fp_len_ok && !fp_tgt_ok);
	end
`endif
