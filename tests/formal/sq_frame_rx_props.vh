// sq_frame_rx_props.vh - formal properties of sq_frame_rx (issue 7, property 7),
// included at the bottom of rtl/sq_frame_rx.v under `ifdef SQ_FORMAL_PROPS.
// Only observes. Names start with fp_.
//
//   SQF_RESYNC  from any state, one END byte brings the receiver back to idle;
//               events and a held frame only ever follow an END; the byte
//               counter never wraps                                  k-induction
//   SQF_CRC     a frame whose CRC (or length) is wrong never raises
//               m_frm_valid: an independent shadow receiver (its own
//               unescaping and its own bitwise CRC-16) judges every body  k-induction

	reg fp_init = 1'b1;
	always @(posedge i_clk)
		fp_init <= 1'b0;
	always @(*)
		assume(i_rst == fp_init);
	// the UART's contract (rtl/sq_uart_rx.v): a byte or a framing error, never both
	always @(*)
		assume(!(s_rx_valid && i_rx_err));

	// The receiver works on the UART's byte one cycle after it arrives (its
	// input register, rx_*_reg). The properties follow the same stream through
	// their own copy of that delay (fp_rv, fp_rd, fp_rerr), so the shadow
	// receiver below stays independent of the receiver's input register.
	reg       fp_rv = 1'b0, fp_rerr = 1'b0;
	reg [7:0] fp_rd;
	always @(posedge i_clk) begin
		fp_rv   <= s_rx_valid && !i_rst;
		fp_rerr <= i_rx_err && !i_rst;
		fp_rd   <= s_rx_data;
	end
	// induction strengtheners: the input register holds exactly that byte,
	// its class flags agree with it, and it is never a byte and an error
	always @(*)
		if (!fp_init) begin
			assert(rx_err_reg == fp_rerr && rx_d_reg == fp_rd);
			assert(rx_end_v_reg == (fp_rv && fp_rd == 8'hC0) &&
			       rx_esc_v_reg == (fp_rv && fp_rd == 8'hDB) &&
			       rx_dat_n_reg == (fp_rv && fp_rd != 8'hC0 && fp_rd != 8'hDB) &&
			       rx_dat_e_reg == (fp_rv && (fp_rd == 8'hDC || fp_rd == 8'hDD)) &&
			       rx_bad_e_reg == (fp_rv && fp_rd != 8'hC0 && fp_rd != 8'hDC && fp_rd != 8'hDD) &&
			       rx_escend_reg == (fp_rd == 8'hDC));
			assert(!(fp_rv && fp_rerr));
			assert(rx_hi_reg == |fp_rd[7:2] && rx_nz_reg == (fp_rd != 8'd0) &&
			       rx_one_reg == (fp_rd == 8'd1));
			// after an ESC, the CRC byte flags describe crc_reg
			if (esc_reg && (c0_reg || c1_reg))
				assert(crc_lo_end_reg == (crc_reg[7:0] == 8'hC0) &&
				       crc_lo_esc_reg == (crc_reg[7:0] == 8'hDB) &&
				       crc_hi_end_reg == (crc_reg[15:8] == 8'hC0) &&
				       crc_hi_esc_reg == (crc_reg[15:8] == 8'hDB));
			if (cnt_reg >= 10'd3)
				assert(len_lo_nz_reg == (len_lo_reg != 8'd0) &&
				       len_lo_one_reg == (len_lo_reg == 8'd1));
		end

	// "idle": between frames, ready for the first byte of a body
	wire fp_idle = cnt_reg == 10'd0 && !esc_reg && !bad_reg && !ovr_reg && crc_reg == 16'hFFFF &&
		       !body_reg && hdr_reg && !pay_reg && !c0_reg && !c1_reg && !full_reg;

	// The receiver's position flags are the byte count's compares, kept up
	// to date with it (rtl/sq_frame_rx.v): both jobs prove that they agree
	// with the count (for a len the receiver accepts, <= 512)
	wire [10:0] fp_cnt = {1'b0, cnt_reg};
	wire [10:0] fp_len = {1'b0, len_reg};
	always @(*)
		if (!fp_init) begin
			assert(body_reg == (cnt_reg != 10'd0 || bad_reg || esc_reg));
			assert(hdr_reg == (cnt_reg < 10'd4));
			if (cnt_reg < 10'd4)
				assert(!pay_reg && !c0_reg && !c1_reg && !full_reg);
			if (cnt_reg >= 10'd4 && len_reg <= 10'd512) begin
				assert(pay_reg  == (fp_cnt < fp_len + 11'd4));
				assert(c0_reg   == (fp_cnt == fp_len + 11'd4));
				assert(c1_reg   == (fp_cnt == fp_len + 11'd5));
				assert(full_reg == (fp_cnt == fp_len + 11'd6));
			end
			if (pay_reg && len_reg <= 10'd512) begin
				assert({2'b0, pay_left_reg} == fp_len + 11'd4 - fp_cnt);
				assert(pay_last_reg == (pay_left_reg == 10'd1));
				assert(widx_reg == cnt_reg[8:0] - 9'd4);
			end
		end

`ifdef SQF_RESYNC
	reg fp_end = 1'b0;       // last cycle took an END byte (no line error with it)
	reg fp_frm = 1'b0;       // last cycle's m_frm_valid
	always @(posedge i_clk) begin
		fp_end <= !i_rst && is_end && !fp_rerr;
		fp_frm <= m_frm_valid;
	end
	always @(*)
		if (!fp_init) begin
			if (fp_end)
				assert(fp_idle);
			// a verdict (event, busy notice, held frame) only right after an END
			if (o_ev_ok || o_ev_crc || o_ev_framing)
				assert(fp_end);
			if (m_frm_valid && !fp_frm)
				assert(fp_end && o_ev_ok);
			assert(!(o_ev_ok && o_ev_crc) && !(o_ev_ok && o_ev_framing) && !(o_ev_crc && o_ev_framing));
		end
	// the counter saturates: a body longer than any frame stays rejected
	always @(posedge i_clk)
		if (!fp_init && !i_rst && $past(cnt_reg) == 10'h3FF && !$past(is_end) && !$past(i_rst))
			assert(cnt_reg == 10'h3FF);
	always @(*) begin
		cover(!fp_init && fp_end && o_ev_ok);
		cover(!fp_init && fp_end && o_ev_crc);
		cover(!fp_init && fp_end && o_ev_framing);
	end
`endif

`ifdef SQF_CRC
	// CRC-16/CCITT-FALSE of one byte, bit by bit from the message side
	// (docs/protocol.md: poly 0x1021, no reflection)
	function [15:0] fp_crc;
		input [15:0] c;
		input [7:0]  d;
		integer k;
		reg fb;
		begin
			fp_crc = c;
			for (k = 7; k >= 0; k = k - 1) begin
				fb = fp_crc[15] ^ d[k];
				fp_crc = {fp_crc[14:0], 1'b0} ^ (fb ? 16'h1021 : 16'h0000);
			end
		end
	endfunction

	// the shadow receiver: SLIP unescaping, byte count, the CRC of every
	// byte but the last two (s_crc), the last two bytes (s_b1 older, s_b0
	// newest) and the len field
	reg        s_esc = 1'b0, s_bad = 1'b0;
	reg [9:0]  s_n = 10'd0;
	reg [15:0] s_crc = 16'hFFFF;
	reg [7:0]  s_b0, s_b1, s_l0, s_l1;
	wire       s_data = fp_rv && fp_rd != 8'hC0 && !(!s_esc && fp_rd == 8'hDB) &&
			    !(s_esc && fp_rd != 8'hDC && fp_rd != 8'hDD);
	wire [7:0] s_byte = !s_esc ? fp_rd : (fp_rd == 8'hDC ? 8'hC0 : 8'hDB);
	wire [10:0] s_len = {1'b0, s_l1[1:0], s_l0};
	// the shadow's verdict on an END now: a well-formed body with a good CRC
	wire       s_good = !s_bad && !s_esc && s_n >= 10'd6 && s_n <= 10'd518 &&
			    {1'b0, s_n} == s_len + 11'd6 && {s_l1, s_l0} <= 16'd512 &&
			    s_crc == {s_b0, s_b1};
	always @(posedge i_clk) begin
		if (fp_rv && fp_rd == 8'hC0) begin
			s_esc <= 1'b0; s_bad <= 1'b0; s_n <= 10'd0; s_crc <= 16'hFFFF;
		end else if (fp_rv) begin
			s_esc <= !s_esc && fp_rd == 8'hDB;
			if (s_esc && !s_data)
				s_bad <= 1'b1;
			if (s_data) begin
				if (s_n != 10'h3FF)
					s_n <= s_n + 1'b1;
				if (s_n >= 10'd2)
					s_crc <= fp_crc(s_crc, s_b1);
				s_b1 <= s_b0;
				s_b0 <= s_byte;
				if (s_n == 10'd2) s_l0 <= s_byte;
				if (s_n == 10'd3) s_l1 <= s_byte;
			end
		end
		if (fp_rerr)
			s_bad <= 1'b1;
		if (i_rst) begin
			s_esc <= 1'b0; s_bad <= 1'b0; s_n <= 10'd0; s_crc <= 16'hFFFF;
		end
	end
	reg fp_good = 1'b0;      // last cycle's END closed a body the shadow accepts
	reg fp_frm  = 1'b0;
	always @(posedge i_clk) begin
		fp_good <= fp_rv && fp_rd == 8'hC0 && s_good && !fp_rerr;
		fp_frm  <= m_frm_valid;
	end
	// the property: a frame reaches the dispatcher only if the shadow judged
	// it good (right length, right CRC)
	always @(*)
		if (!fp_init && ((m_frm_valid && !fp_frm) || o_ev_ok))
			assert(fp_good);
	// and the converse: a body the shadow accepts is accepted (delivered, or
	// answered busy when it began while another frame was held), whatever
	// its CRC bytes are (escaped or not)
	always @(*)
		if (!fp_init && fp_good)
			assert(o_ev_ok || (m_busy_valid && !o_ev_crc && !o_ev_framing));
	// induction strengtheners: the receiver's state matches the shadow's
	always @(*)
		if (!fp_init) begin
			assert(esc_reg == s_esc && cnt_reg == s_n);
			if (!bad_reg && !s_bad) begin
				if (cnt_reg == 10'd0)
					assert(crc_reg == 16'hFFFF && s_crc == 16'hFFFF);
				if (cnt_reg == 10'd1)
					assert(crc_reg == fp_crc(16'hFFFF, s_b0) && s_crc == 16'hFFFF);
				if (cnt_reg >= 10'd3)
					assert(len_lo_reg == s_l0);
				if (cnt_reg >= 10'd4)
					assert(len_reg == {s_l1[1:0], s_l0} && {s_l1, s_l0} <= 16'd512);
				if (cnt_reg >= 10'd2 && (cnt_reg <= 10'd4 || {1'b0, cnt_reg} <= s_len + 11'd4))
					assert(crc_reg == fp_crc(fp_crc(s_crc, s_b1), s_b0));
				if (cnt_reg >= 10'd5 && {1'b0, cnt_reg} == s_len + 11'd5)
					assert(crc_reg == fp_crc(s_crc, s_b1) && crc_lo_ok_reg == (s_b0 == crc_reg[7:0]));
				if (cnt_reg >= 10'd6 && {1'b0, cnt_reg} == s_len + 11'd6)
					assert(crc_reg == s_crc && crc_lo_ok_reg == (s_b1 == crc_reg[7:0]) &&
					       crc_hi_ok_reg == (s_b0 == crc_reg[15:8]));
			end
			if (s_bad && !bad_reg)
				assert(0);
			// and bad_reg is the shadow's s_bad or a len over 512
			if (bad_reg)
				assert(s_bad || (cnt_reg >= 10'd4 && {s_l1, s_l0} > 16'd512));
		end
	// a good frame and a bad-CRC frame both happen
	always @(*) begin
		cover(!fp_init && m_frm_valid && !fp_frm && m_frm_len == 10'd1);
		cover(!fp_init && o_ev_crc);
	end
`endif
