// tb_frame - bench of sq_frame_rx, sq_frame_tx and sq_crc16.
// The bench has its own bit-serial CRC-16/CCITT-FALSE and SLIP coder, and
// checks, with the counters after each case:
//   the CRC check value ("123456789" -> 29B1) of the bench and of sq_crc16;
//   good frames of random length (0, 1..64, 512) and payloads full of END/ESC
//   arrive intact (header and every payload byte through the read port);
//   a bad CRC, a truncated body, garbage, len > 512, a body longer than
//   6 + len, a bad escape and a UART framing error are each dropped and counted,
//   and the next good frame arrives;
//   a good frame that begins while another is held raises the busy notice with
//   its type and seq, and is not delivered;
//   sq_frame_tx output, with random backpressure, decodes to the body and CRC.
`timescale 1ns/1ps
`default_nettype none
module tb_frame;
	reg clk = 0, rst = 1;
	always #5 clk = !clk;

	// ---- receiver under test
	reg        rx_valid = 0, rx_err = 0;
	reg  [7:0] rx_data = 0;
	wire       frm_valid, ev_ok, ev_crc, ev_framing, busy_valid;
	wire [7:0] frm_type, frm_seq, buf_rdata, busy_type, busy_seq;
	wire [9:0] frm_len;
	reg        release_r = 0, busy_ack = 0;
	reg  [8:0] raddr = 0;
	sq_frame_rx u_rx (
		.i_clk(clk), .i_rst(rst), .s_rx_valid(rx_valid), .s_rx_data(rx_data),
		.i_rx_err(rx_err), .m_frm_valid(frm_valid), .m_frm_type(frm_type),
		.m_frm_seq(frm_seq), .m_frm_len(frm_len), .i_frm_release(release_r),
		.i_buf_raddr(raddr), .o_buf_rdata(buf_rdata), .o_ev_ok(ev_ok),
		.o_ev_crc(ev_crc), .o_ev_framing(ev_framing), .m_busy_valid(busy_valid),
		.m_busy_type(busy_type), .m_busy_seq(busy_seq), .i_busy_ack(busy_ack));

	integer n_ok = 0, n_crc = 0, n_framing = 0;
	always @(posedge clk) begin
		if (ev_ok) n_ok = n_ok + 1;
		if (ev_crc) n_crc = n_crc + 1;
		if (ev_framing) n_framing = n_framing + 1;
	end

	// ---- CRC of the bench: bit-serial, MSB first
	function [15:0] tb_crc_byte;
		input [15:0] c;
		input [7:0] d;
		integer k;
		reg fb;
		begin
			for (k = 7; k >= 0; k = k - 1) begin
				fb = c[15] ^ d[k];
				c = {c[14:0], 1'b0};
				if (fb) c = c ^ 16'h1021;
			end
			tb_crc_byte = c;
		end
	endfunction

	// ---- the frame being sent
	reg [7:0] body [0:1100];
	integer   body_n;
	reg [7:0] f_type, f_seq;
	integer   f_len;
	integer   seed = 7, fails = 0;

	// builds body = type, seq, len, payload (random, END/ESC rich), crc
	task make_frame;
		input integer len;
		integer i;
		reg [15:0] c;
		reg [7:0] b;
		begin
			f_type = $random(seed); f_seq = $random(seed); f_len = len;
			body[0] = f_type; body[1] = f_seq; body[2] = len[7:0]; body[3] = len[15:8];
			for (i = 0; i < len; i = i + 1) begin
				b = $random(seed);
				case (b[2:0]) 3'd0: b = 8'hC0; 3'd1: b = 8'hDB; default: ; endcase
				body[4 + i] = b;
			end
			c = 16'hFFFF;
			for (i = 0; i < 4 + len; i = i + 1) c = tb_crc_byte(c, body[i]);
			body[4 + len] = c[7:0]; body[5 + len] = c[15:8];
			body_n = 6 + len;
		end
	endtask

	task put;
		input [7:0] b;
		begin
			@(posedge clk); rx_valid <= 1; rx_data <= b;
			@(posedge clk); rx_valid <= 0;
			repeat ($unsigned($random(seed)) % 3) @(posedge clk);
		end
	endtask

	// sends body[0 .. n) SLIP-escaped, with an END before and after
	task send_body;
		input integer n;
		integer i;
		begin
			put(8'hC0);
			for (i = 0; i < n; i = i + 1)
				if (body[i] == 8'hC0) begin put(8'hDB); put(8'hDC); end
				else if (body[i] == 8'hDB) begin put(8'hDB); put(8'hDD); end
				else put(body[i]);
			put(8'hC0);
			repeat (3) @(posedge clk);
		end
	endtask

	// the held frame must be the one just built; reads its payload; releases
	task expect_frame;
		input [8*40-1:0] what;
		input do_release;
		integer i, bad;
		begin
			bad = 0;
			if (!frm_valid || frm_type !== f_type || frm_seq !== f_seq || frm_len !== f_len) begin
				$display("  %0s: frame valid %b type %02x seq %02x len %0d, expected %02x %02x %0d",
					 what, frm_valid, frm_type, frm_seq, frm_len, f_type, f_seq, f_len);
				bad = 1;
			end
			for (i = 0; i < f_len && !bad; i = i + 1) begin
				@(posedge clk) raddr <= i;
				@(posedge clk); #1;
				if (buf_rdata !== body[4 + i]) begin
					$display("  %0s: payload[%0d] = %02x, expected %02x", what, i, buf_rdata, body[4 + i]);
					bad = 1;
				end
			end
			if (bad) fails = fails + 1;
			if (do_release) begin
				@(posedge clk) release_r <= 1;
				@(posedge clk) release_r <= 0;
				@(posedge clk);
			end
		end
	endtask

	task expect_none;
		input [8*40-1:0] what;
		begin
			if (frm_valid) begin
				$display("  %0s: a frame was delivered", what);
				fails = fails + 1;
			end
		end
	endtask

	task verdict;
		input [8*80-1:0] what;
		input integer ok, crc, framing, f0;
		begin
			if (fails == f0 && n_ok == ok && n_crc == crc && n_framing == framing)
				$display("PASS: %0s", what);
			else begin
				$display("FAIL: %0s (ok %0d crc %0d framing %0d, expected %0d %0d %0d)",
					 what, n_ok, n_crc, n_framing, ok, crc, framing);
				fails = fails + 1;
			end
		end
	endtask

	// ---- sq_crc16 check value
	reg  [15:0] m_crc_in = 16'hFFFF;
	reg  [7:0]  m_crc_d = 0;
	wire [15:0] m_crc_out;
	sq_crc16 u_crc (.i_crc(m_crc_in), .i_data(m_crc_d), .o_crc(m_crc_out));

	// ---- transmitter under test
	reg        tb_valid = 0, tb_last = 0;
	reg  [7:0] tb_data = 0;
	wire       tb_ready, tx_valid;
	wire [7:0] tx_data;
	reg        tx_ready = 0;
	sq_frame_tx u_tx (
		.i_clk(clk), .i_rst(rst), .s_body_valid(tb_valid), .s_body_ready(tb_ready),
		.s_body_data(tb_data), .s_body_last(tb_last), .m_tx_valid(tx_valid),
		.m_tx_ready(tx_ready), .m_tx_data(tx_data));
	reg [7:0] wire_out [0:4095];
	integer   wire_n = 0;
	always @(posedge clk) begin
		if (tx_valid && tx_ready) begin
			wire_out[wire_n] = tx_data;
			wire_n = wire_n + 1;
		end
		tx_ready <= ($random(seed) & 3) != 0;
	end

	integer i, k, f0, ok0, crc0, fr0, len, nfr, d, n, esc, good;
	reg [15:0] c;
	reg [7:0] dec [0:1100];
	initial begin
		repeat (4) @(posedge clk);
		rst = 0;

		// CRC check values
		c = 16'hFFFF;
		for (i = 0; i < 9; i = i + 1) c = tb_crc_byte(c, "123456789" >> (8 * (8 - i)));
		for (i = 0; i < 9; i = i + 1) begin
			m_crc_d = "123456789" >> (8 * (8 - i)); #1;
			m_crc_in = m_crc_out;
		end
		if (c == 16'h29B1 && m_crc_in == 16'h29B1) $display("PASS: crc16 check value 29b1");
		else begin $display("FAIL: crc16 check value: bench %04x, sq_crc16 %04x", c, m_crc_in); fails = fails + 1; end

		// good frames
		f0 = fails;
		for (k = 0; k < 44; k = k + 1) begin
			len = k == 0 ? 0 : k == 1 ? 512 : k == 2 ? 1 : $unsigned($random(seed)) % 65;
			make_frame(len);
			// the last four: a CRC whose low (40, 41) or high (42, 43) byte is
			// END or ESC, so that the receiver checks escaped CRC bytes
			while (k >= 40 && body[body_n - (k < 42 ? 2 : 1)] != (k % 2 == 0 ? 8'hC0 : 8'hDB))
				make_frame($unsigned($random(seed)) % 65);
			send_body(body_n);
			expect_frame("good frame", 1);
		end
		verdict("frame rx: 44 good frames intact (len 0, 1, 512, random; CRC bytes END and ESC)", 44, 0, 0, f0);

		// bad CRC, then a good frame
		f0 = fails; ok0 = n_ok;
		make_frame(10); body[7] = body[7] ^ 8'h20; send_body(body_n); expect_none("bad crc");
		make_frame(10); send_body(body_n); expect_frame("after bad crc", 1);
		verdict("frame rx: bad CRC dropped and counted, next frame good", ok0 + 1, 1, 0, f0);

		// truncated bodies: header only, mid payload, missing CRC byte
		f0 = fails; ok0 = n_ok;
		make_frame(20); send_body(3); expect_none("truncated 3");
		make_frame(20); send_body(12); expect_none("truncated 12");
		make_frame(20); send_body(body_n - 1); expect_none("truncated crc");
		make_frame(5); send_body(body_n); expect_frame("after truncated", 1);
		verdict("frame rx: truncated bodies dropped (framing), next good", ok0 + 1, 1, 3, f0);

		// garbage without END, then END, then a good frame
		f0 = fails; ok0 = n_ok;
		for (i = 0; i < 700; i = i + 1) begin
			d = $random(seed);
			put(d[7:0] == 8'hC0 ? 8'h00 : d[7:0]);
		end
		make_frame(8); send_body(body_n); expect_frame("after garbage", 1);
		verdict("frame rx: 700 garbage bytes dropped, next frame good", ok0 + 1, 1, 4, f0);

		// len > 512 (513), a body longer than 6 + len, a bad escape
		f0 = fails; ok0 = n_ok;
		make_frame(4); body[2] = 8'h01; body[3] = 8'h02; send_body(body_n); expect_none("len 513");
		make_frame(4); body[body_n] = 8'h11; send_body(body_n + 1); expect_none("overlong");
		make_frame(4);
		put(8'hC0); put(body[0]); put(8'hDB); put(8'h11); put(8'hC0);
		expect_none("bad escape");
		make_frame(3); send_body(body_n); expect_frame("after bad escape", 1);
		verdict("frame rx: len > 512, overlong, bad escape dropped", ok0 + 1, 1, 7, f0);

		// a UART framing error inside a body
		f0 = fails; ok0 = n_ok;
		make_frame(6);
		put(8'hC0); for (i = 0; i < 4; i = i + 1) put(body[i]);
		@(posedge clk) rx_err <= 1; @(posedge clk) rx_err <= 0;
		for (i = 4; i < body_n; i = i + 1) put(body[i] == 8'hC0 || body[i] == 8'hDB ? 8'h00 : body[i]);
		put(8'hC0);
		expect_none("uart error");
		make_frame(6); send_body(body_n); expect_frame("after uart error", 1);
		verdict("frame rx: UART framing error spoils the body", ok0 + 1, 1, 8, f0);

		// busy: B begins while A is held
		f0 = fails; ok0 = n_ok;
		make_frame(9); send_body(body_n); expect_frame("held A", 0);
		make_frame(9); send_body(body_n);
		if (!busy_valid || busy_type !== f_type || busy_seq !== f_seq) begin
			$display("  busy notice %b %02x %02x, expected %02x %02x", busy_valid, busy_type, busy_seq, f_type, f_seq);
			fails = fails + 1;
		end
		@(posedge clk) busy_ack <= 1; @(posedge clk) busy_ack <= 0;
		@(posedge clk) release_r <= 1; @(posedge clk) release_r <= 0;
		@(posedge clk);
		if (busy_valid || frm_valid) begin $display("  busy/held not cleared"); fails = fails + 1; end
		make_frame(9); send_body(body_n); expect_frame("after busy", 1);
		verdict("frame rx: busy notice for a frame begun while one is held", ok0 + 2, 1, 8, f0);

		// transmitter: 24 bodies through sq_frame_tx, decoded by the bench; the
		// last four have a CRC whose low (20, 21) or high (22, 23) byte is END
		// or ESC, so that the CRC's escapes are sent too
		f0 = fails;
		good = 0;
		for (k = 0; k < 24; k = k + 1) begin
			make_frame(k == 0 ? 0 : $unsigned($random(seed)) % 80);
			while (k >= 20 && body[body_n - (k < 22 ? 2 : 1)] != (k % 2 == 0 ? 8'hC0 : 8'hDB))
				make_frame($unsigned($random(seed)) % 80);
			wire_n = 0;
			for (i = 0; i < 4 + f_len; i = i + 1) begin
				@(posedge clk); tb_valid <= 1; tb_data <= body[i]; tb_last <= i == 3 + f_len;
				@(posedge clk); while (!tb_ready) @(posedge clk);
				// the beat moved on this edge
				tb_valid <= 0;
			end
			repeat (400) @(posedge clk);
			// decode: END body END, unescape
			n = 0; esc = 0; nfr = 0;
			for (i = 0; i < wire_n; i = i + 1)
				if (wire_out[i] == 8'hC0) nfr = nfr + 1;
				else if (esc) begin dec[n] = wire_out[i] == 8'hDC ? 8'hC0 : wire_out[i] == 8'hDD ? 8'hDB : 8'hXX; n = n + 1; esc = 0; end
				else if (wire_out[i] == 8'hDB) esc = 1;
				else begin dec[n] = wire_out[i]; n = n + 1; end
			d = 0;
			if (nfr != 2 || wire_out[0] != 8'hC0 || wire_out[wire_n - 1] != 8'hC0 || n != body_n) d = 1;
			for (i = 0; i < body_n && !d; i = i + 1) if (dec[i] !== body[i]) d = 1;
			if (d) $display("  tx frame %0d: %0d wire bytes, %0d decoded, %0d ENDs", k, wire_n, n, nfr);
			else good = good + 1;
		end
		if (good == 24) $display("PASS: frame tx: 24 bodies escaped, CRC appended (escaped too), with backpressure");
		else begin $display("FAIL: frame tx: %0d of 24 bodies right", good); fails = fails + 1; end
		$finish;
	end
	initial begin
		#20000000;
		$display("FAIL: tb_frame timeout");
		$finish;
	end
endmodule
