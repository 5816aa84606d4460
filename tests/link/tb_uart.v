// tb_uart - bench of sq_uart_rx and sq_uart_tx at one clock/baud pair
// (-DCLK_HZ=... -DBAUD=...). Checks, against the bytes it sends:
//   loopback tx -> rx of 300 random bytes with random gaps;
//   a behavioural sender whose bit rate is off by +3% and -3%;
//   a low stop bit -> o_frame_err, no byte, and the next byte is good;
//   a low glitch shorter than half a bit is not a start bit.
// Prints PASS:/FAIL: lines; ends with $finish (timeout guarded).
`timescale 1ns/1ps
`default_nettype none
module tb_uart;
`ifndef CLK_HZ
`define CLK_HZ 12000000
`endif
`ifndef BAUD
`define BAUD 1000000
`endif
	localparam integer CPB = (`CLK_HZ + `BAUD / 2) / `BAUD;
	localparam real TCLK = 10.0;

	reg clk = 0, rst = 1;
	always #(TCLK / 2) clk = !clk;

	// loopback pair
	reg        tx_valid = 0;
	reg  [7:0] tx_data = 0;
	wire       tx_ready, line;
	wire       rx_valid, rx_err;
	wire [7:0] rx_data;
	sq_uart_tx #(.CLK_HZ(`CLK_HZ), .BAUD(`BAUD)) u_tx (
		.i_clk(clk), .i_rst(rst), .s_tx_valid(tx_valid), .s_tx_ready(tx_ready),
		.s_tx_data(tx_data), .o_tx(line));
	sq_uart_rx #(.CLK_HZ(`CLK_HZ), .BAUD(`BAUD)) u_rx (
		.i_clk(clk), .i_rst(rst), .i_rx(line),
		.m_rx_valid(rx_valid), .m_rx_data(rx_data), .o_frame_err(rx_err));

	// behavioural sender
	reg        bline = 1;
	wire       b_valid, b_err;
	wire [7:0] b_data;
	sq_uart_rx #(.CLK_HZ(`CLK_HZ), .BAUD(`BAUD)) u_rx2 (
		.i_clk(clk), .i_rst(rst), .i_rx(bline),
		.m_rx_valid(b_valid), .m_rx_data(b_data), .o_frame_err(b_err));

	reg [7:0] expq [0:1023];
	integer wr = 0, rd = 0, errors = 0, frame_errs = 0;
	integer b_rd = 0, b_wr = 0, b_frame_errs = 0;
	reg [7:0] bexp [0:1023];

	always @(posedge clk) begin
		if (rx_valid) begin
			if (rd >= wr || rx_data !== expq[rd]) begin
				$display("  loopback: byte %0d = %02x, expected %02x", rd, rx_data, expq[rd]);
				errors = errors + 1;
			end
			rd = rd + 1;
		end
		if (rx_err) frame_errs = frame_errs + 1;
		if (b_valid) begin
			if (b_rd >= b_wr || b_data !== bexp[b_rd]) begin
				$display("  sender: byte %0d = %02x, expected %02x", b_rd, b_data, bexp[b_rd]);
				errors = errors + 1;
			end
			b_rd = b_rd + 1;
		end
		if (b_err) b_frame_errs = b_frame_errs + 1;
	end

	// sends one byte on bline with bit time tb (ns), stop bit level sb
	task send_b;
		input [7:0] d;
		input real tb;
		input sb;
		integer k;
		begin
			bline = 0; #(tb);
			for (k = 0; k < 8; k = k + 1) begin bline = d[k]; #(tb); end
			bline = sb; #(tb);
			bline = 1;
		end
	endtask

	integer i, seed, n0, e0;
	real tbit;
	initial begin
		seed = 1;
		repeat (5) @(posedge clk);
		rst = 0;
		// 1: loopback
		for (i = 0; i < 300; i = i + 1) begin
			@(posedge clk);
			while (!tx_ready) @(posedge clk);
			tx_data  <= $random(seed);
			tx_valid <= 1;
			@(posedge clk);
			expq[wr] = tx_data;
			wr = wr + 1;
			tx_valid <= 0;
			repeat ($unsigned($random(seed)) % (2 * CPB)) @(posedge clk);
		end
		repeat (12 * CPB) @(posedge clk);
		if (rd == 300 && errors == 0 && frame_errs == 0)
			$display("PASS: uart loopback %0d Hz %0d baud", `CLK_HZ, `BAUD);
		else
			$display("FAIL: uart loopback %0d Hz %0d baud (%0d of 300, %0d errors)", `CLK_HZ, `BAUD, rd, errors);
		// 2: bit rate off by +-3 %
		e0 = errors;
		tbit = TCLK * `CLK_HZ / `BAUD * 1.03;
		for (i = 0; i < 100; i = i + 1) begin
			bexp[b_wr] = $random(seed); b_wr = b_wr + 1;
			send_b(bexp[b_wr - 1], tbit, 1'b1);
		end
		tbit = TCLK * `CLK_HZ / `BAUD * 0.97;
		for (i = 0; i < 100; i = i + 1) begin
			bexp[b_wr] = $random(seed); b_wr = b_wr + 1;
			send_b(bexp[b_wr - 1], tbit, 1'b1);
		end
		#(TCLK * CPB * 2);
		if (b_rd == 200 && errors == e0 && b_frame_errs == 0)
			$display("PASS: uart rx at +-3%% bit rate %0d Hz %0d baud", `CLK_HZ, `BAUD);
		else
			$display("FAIL: uart rx at +-3%% bit rate %0d Hz %0d baud (%0d of 200, %0d errors)", `CLK_HZ, `BAUD, b_rd, errors - e0);
		// 3: a low stop bit
		tbit = TCLK * `CLK_HZ / `BAUD;
		n0 = b_rd;
		send_b(8'hA5, tbit, 1'b0);
		#(tbit * 3);
		bexp[b_wr] = 8'h3C; b_wr = b_wr + 1;
		send_b(8'h3C, tbit, 1'b1);
		#(tbit * 2);
		if (b_frame_errs == 1 && b_rd == n0 + 1 && errors == e0)
			$display("PASS: uart rx framing error on a low stop bit %0d Hz %0d baud", `CLK_HZ, `BAUD);
		else
			$display("FAIL: uart rx framing error on a low stop bit %0d Hz %0d baud (%0d errs, %0d bytes)", `CLK_HZ, `BAUD, b_frame_errs, b_rd - n0);
		// 4: a glitch shorter than half a bit
		n0 = b_rd;
		bline = 0; #(TCLK * (CPB / 4)); bline = 1;
		#(tbit * 12);
		if (b_rd == n0 && b_frame_errs == 1)
			$display("PASS: uart rx ignores a short glitch %0d Hz %0d baud", `CLK_HZ, `BAUD);
		else
			$display("FAIL: uart rx ignores a short glitch %0d Hz %0d baud", `CLK_HZ, `BAUD);
		$finish;
	end
	initial begin
		#(TCLK * CPB * 10 * 2000);
		$display("FAIL: tb_uart timeout");
		$finish;
	end
endmodule
