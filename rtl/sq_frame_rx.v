`default_nettype none
// sq_frame_rx - SLIP frame receiver of the link (docs/protocol.md).
//
// Unescapes the byte stream, checks the body (type, seq, len, payload, CRC-16)
// and keeps the payload of one good frame in a 512-byte buffer that the
// dispatcher reads. Any END ends the current body, from any state, so the
// receiver resynchronizes on the next frame boundary. A body is dropped, and
// exactly one of the event pulses fires, when:
//   o_ev_framing  a bad escape, a UART framing error, a body shorter than 6
//                 bytes, len > 512, or a body length other than 6 + len
//   o_ev_crc      the CRC does not match
// A good frame raises o_ev_ok and m_frm_valid; it stays held (valid, and the
// buffer unchanged) until the dispatcher pulses i_frm_release. A dropped body
// never raises m_frm_valid, so its bytes never reach the core.
// A good frame that began while another was held (its payload could not be
// stored) is not served: it raises the busy notice (m_busy_*, held until
// i_busy_ack, a newer one replaces it) so that the dispatcher answers ERROR
// busy with its type and seq.
//
// The buffer is written only while no frame is held, so it infers one block
// RAM (512 x 8, registered read) on iCE40 and ECP5.
module sq_frame_rx (
	input  wire       i_clk,
	input  wire       i_rst,
	// bytes from the UART
	input  wire       s_rx_valid,
	input  wire [7:0] s_rx_data,
	input  wire       i_rx_err,        // UART framing error (byte lost)
	// the held good frame
	output reg        m_frm_valid,
	output reg  [7:0] m_frm_type,
	output reg  [7:0] m_frm_seq,
	output reg  [9:0] m_frm_len,       // payload bytes, 0..512
	input  wire       i_frm_release,   // the dispatcher is done with the buffer
	// payload buffer read port: o_buf_rdata = payload[i_buf_raddr], one cycle later
	input  wire [8:0] i_buf_raddr,
	output reg  [7:0] o_buf_rdata,
	// events, one-cycle pulses
	output reg        o_ev_ok,
	output reg        o_ev_crc,
	output reg        o_ev_framing,
	// busy notice: a good frame that could not be stored
	output reg        m_busy_valid,
	output reg  [7:0] m_busy_type,
	output reg  [7:0] m_busy_seq,
	input  wire       i_busy_ack
);
	localparam [7:0] END = 8'hC0, ESC = 8'hDB, ESC_END = 8'hDC, ESC_ESC = 8'hDD;

	reg [7:0] buf_mem [0:511];

	reg        esc_reg;       // the previous byte was ESC
	reg        bad_reg;       // this body is malformed
	reg        ovr_reg;       // this body began while a frame was held
	reg        body_reg;      // anything since the last END: cnt_reg != 0 || bad_reg || esc_reg
	reg [9:0]  cnt_reg;       // body bytes so far, saturates at 1023
	reg [15:0] crc_reg;       // CRC of bytes 0 .. 3+len so far
	reg [7:0]  type_reg, seq_reg, len_lo_reg;
	reg        len_lo_nz_reg, len_lo_one_reg;  // len_lo_reg != 0, == 1
	reg [9:0]  len_reg;       // valid from body byte 4 on

	// Where the body is, as one-hot flags updated with the byte count, so
	// that no compare of the count (and no adder) sits in front of the
	// payload write, the CRC update or the END verdict (timing: those were
	// the link's longest paths on the UP5K). With L = len (its low 10 bits):
	//   hdr_reg  cnt < 4                    (type, seq, len)
	//   pay_reg  4 <= cnt < 4 + L           (payload)
	//   c0_reg   cnt == 4 + L, c1_reg  cnt == 5 + L   (the CRC field)
	//   full_reg cnt == 6 + L               (a body of the right length)
	// and none of them once the body is longer than that.
	reg        hdr_reg, pay_reg, c0_reg, c1_reg, full_reg;
	reg [9:0]  pay_left_reg;  // payload bytes still to come (in pay_reg)
	reg        pay_last_reg;  // pay_left_reg == 1
	reg [8:0]  widx_reg;      // payload index of the next byte: cnt - 4 (in pay_reg)
	// the CRC field, judged byte by byte against crc_reg as it arrives
	reg        crc_lo_ok_reg, crc_hi_ok_reg;

	// The UART's byte (or line error) is registered here with its class, and
	// the receiver works on that register one cycle later (timing: the byte
	// compares then sit before this register instead of in front of every
	// receiver register; a byte takes 10 UART bit times, so nothing waits).
	// The classes are those of a valid byte, one for each value of esc_reg,
	// so that the receiver picks its event with one LUT.
	reg        rx_err_reg;
	reg [7:0]  rx_d_reg;
	reg        rx_end_v_reg;  // END (ends the body, even after ESC)
	reg        rx_esc_v_reg;  // ESC (starts an escape unless after ESC)
	reg        rx_dat_n_reg;  // a data byte when not after ESC: not END, not ESC
	reg        rx_dat_e_reg;  // a data byte after ESC: ESC_END or ESC_ESC
	reg        rx_bad_e_reg;  // a bad escape after ESC: not END, ESC_END, ESC_ESC
	reg        rx_escend_reg; // the byte is ESC_END (unescapes to END)
	reg        rx_hi_reg, rx_nz_reg, rx_one_reg;   // |data[7:2], data != 0, data == 1
	wire       rx_v = s_rx_valid && !i_rst;
	always @(posedge i_clk) begin
		rx_hi_reg     <= |s_rx_data[7:2];
		rx_nz_reg     <= |s_rx_data;
		rx_one_reg    <= s_rx_data == 8'd1;
		rx_err_reg    <= i_rx_err && !i_rst;
		rx_d_reg      <= s_rx_data;
		rx_end_v_reg  <= rx_v && s_rx_data == END;
		rx_esc_v_reg  <= rx_v && s_rx_data == ESC;
		rx_dat_n_reg  <= rx_v && s_rx_data != END && s_rx_data != ESC;
		rx_dat_e_reg  <= rx_v && (s_rx_data == ESC_END || s_rx_data == ESC_ESC);
		rx_bad_e_reg  <= rx_v && s_rx_data != END && s_rx_data != ESC_END &&
				 s_rx_data != ESC_ESC;
		rx_escend_reg <= s_rx_data == ESC_END;
	end

	wire [15:0] crc_next;
	wire        is_end  = rx_end_v_reg;
	wire        is_esc  = !esc_reg && rx_esc_v_reg;
	wire        esc_bad = esc_reg && rx_bad_e_reg;
	wire [7:0]  byte_v  = !esc_reg ? rx_d_reg :
			      (rx_escend_reg ? END : ESC);
	// a data byte of the body (after unescaping)
	wire        is_data = esc_reg ? rx_dat_e_reg : rx_dat_n_reg;
	wire        in_crc  = hdr_reg || pay_reg;

	sq_crc16 u_crc (.i_crc(crc_reg), .i_data(byte_v), .o_crc(crc_next));

	// payload writes: only into a free buffer, only payload bytes
	wire        wr_en   = is_data && pay_reg && !ovr_reg && !m_frm_valid;

	always @(posedge i_clk) begin
		if (wr_en)
			buf_mem[widx_reg] <= byte_v;
		o_buf_rdata <= buf_mem[i_buf_raddr];
	end

	// header byte k (0..3) is next: hdr_reg and the count's low bits
	wire first_byte = hdr_reg && cnt_reg[1:0] == 2'd0;
	// len > 512 from its high byte (byte_v, now) and low byte: from the
	// input register's flags, not behind the unescaping (512 = 0x0200; an
	// escaped byte is 0xC0 or 0xDB, both too big)
	wire len_big = esc_reg || rx_hi_reg || (rx_d_reg[1] && (rx_d_reg[0] || len_lo_nz_reg));
	wire [9:0] len_v  = {byte_v[1:0], len_lo_reg};   // at header byte 3
	wire len_zero = byte_v[1:0] == 2'b00 && !len_lo_nz_reg;
	wire len_one  = byte_v[1:0] == 2'b00 && len_lo_one_reg;
	// A CRC byte against crc_reg (still from the last payload byte on): an
	// escaped one (END or ESC) against flags registered from crc_reg, which
	// are current then because the ESC byte before it left crc_reg alone;
	// a plain one by an 8-bit compare of two registers (timing: no compare
	// behind the unescaping)
	reg crc_lo_end_reg, crc_lo_esc_reg, crc_hi_end_reg, crc_hi_esc_reg;
	always @(posedge i_clk) begin
		crc_lo_end_reg <= crc_reg[7:0] == END;
		crc_lo_esc_reg <= crc_reg[7:0] == ESC;
		crc_hi_end_reg <= crc_reg[15:8] == END;
		crc_hi_esc_reg <= crc_reg[15:8] == ESC;
	end
	wire crc_lo_match = esc_reg ? (rx_escend_reg ? crc_lo_end_reg : crc_lo_esc_reg) :
			    rx_d_reg == crc_reg[7:0];
	wire crc_hi_match = esc_reg ? (rx_escend_reg ? crc_hi_end_reg : crc_hi_esc_reg) :
			    rx_d_reg == crc_reg[15:8];
	// the END verdict, from flags only
	wire v_framing = bad_reg || esc_reg || !full_reg;
	wire v_crc_ok  = crc_lo_ok_reg && crc_hi_ok_reg;

	always @(posedge i_clk) begin
		o_ev_ok      <= 1'b0;
		o_ev_crc     <= 1'b0;
		o_ev_framing <= 1'b0;
		if (i_frm_release)
			m_frm_valid <= 1'b0;
		if (i_busy_ack)
			m_busy_valid <= 1'b0;

		if (is_end) begin
			// the body ends: judge it, then start afresh
			if (body_reg) begin
				if (v_framing)
					o_ev_framing <= 1'b1;
				else if (!v_crc_ok)
					o_ev_crc <= 1'b1;
				else if (ovr_reg) begin
					m_busy_valid <= 1'b1;
					m_busy_type  <= type_reg;
					m_busy_seq   <= seq_reg;
				end else begin
					o_ev_ok     <= 1'b1;
					m_frm_valid <= 1'b1;
					m_frm_type  <= type_reg;
					m_frm_seq   <= seq_reg;
					m_frm_len   <= len_reg;
				end
			end
			esc_reg  <= 1'b0;
			bad_reg  <= 1'b0;
			ovr_reg  <= 1'b0;
			body_reg <= 1'b0;
			cnt_reg  <= 10'd0;
			hdr_reg  <= 1'b1;
			pay_reg  <= 1'b0;
			c0_reg   <= 1'b0;
			c1_reg   <= 1'b0;
			full_reg <= 1'b0;
			crc_reg  <= 16'hFFFF;
		end else if (is_esc) begin
			esc_reg  <= 1'b1;
			body_reg <= 1'b1;
			if (first_byte)
				ovr_reg <= m_frm_valid && !i_frm_release;
		end else if (is_data || esc_bad) begin
			esc_reg  <= 1'b0;
			body_reg <= 1'b1;
			if (esc_bad)
				bad_reg <= 1'b1;
		end
		// a data byte (never with END or ESC: is_data excludes them)
		if (is_data) begin
			if (first_byte && !esc_reg)
				ovr_reg <= m_frm_valid && !i_frm_release;
			if (cnt_reg != 10'h3FF)
				cnt_reg <= cnt_reg + 1'b1;
			if (in_crc)
				crc_reg <= crc_next;
			if (hdr_reg)
				case (cnt_reg[1:0])
				2'd0: type_reg   <= byte_v;
				2'd1: seq_reg    <= byte_v;
				2'd2: begin
					len_lo_reg     <= byte_v;
					len_lo_nz_reg  <= esc_reg || rx_nz_reg;
					len_lo_one_reg <= !esc_reg && rx_one_reg;
				end
				default: begin
					len_reg      <= len_v;
					hdr_reg      <= 1'b0;
					pay_reg      <= !len_zero;
					c0_reg       <= len_zero;
					pay_left_reg <= len_v;
					pay_last_reg <= len_one;
					widx_reg     <= 9'd0;
					if (len_big)
						bad_reg <= 1'b1;
				end
				endcase
			if (pay_reg) begin
				widx_reg     <= widx_reg + 1'b1;
				pay_left_reg <= pay_left_reg - 1'b1;
				pay_last_reg <= pay_left_reg == 10'd2;
				if (pay_last_reg) begin
					pay_reg <= 1'b0;
					c0_reg  <= 1'b1;
				end
			end
			if (c0_reg) begin
				crc_lo_ok_reg <= crc_lo_match;
				c0_reg <= 1'b0;
				c1_reg <= 1'b1;
			end
			if (c1_reg) begin
				crc_hi_ok_reg <= crc_hi_match;
				c1_reg   <= 1'b0;
				full_reg <= 1'b1;
			end
			if (full_reg)
				full_reg <= 1'b0;   // longer than 6 + len
		end
		// a lost byte spoils the body it belongs to
		if (rx_err_reg) begin
			bad_reg  <= 1'b1;
			body_reg <= 1'b1;
		end

		if (i_rst) begin
			m_frm_valid  <= 1'b0;
			esc_reg      <= 1'b0;
			bad_reg      <= 1'b0;
			ovr_reg      <= 1'b0;
			body_reg     <= 1'b0;
			cnt_reg      <= 10'd0;
			hdr_reg      <= 1'b1;
			pay_reg      <= 1'b0;
			c0_reg       <= 1'b0;
			c1_reg       <= 1'b0;
			full_reg     <= 1'b0;
			crc_reg      <= 16'hFFFF;
			o_ev_ok      <= 1'b0;
			o_ev_crc     <= 1'b0;
			o_ev_framing <= 1'b0;
			m_busy_valid <= 1'b0;
		end
	end
`ifdef SQ_FORMAL_PROPS
	// issue 7's property sets (tests/formal/, `make formal`)
`include "sq_frame_rx_props.vh"
`endif
endmodule
`default_nettype wire
