`default_nettype none
// sq_uart_tx - UART transmitter, 8N1, LSB first. Takes one byte per
// valid/ready beat; s_tx_ready is high while idle. The line idles high.
//
// Parameters:
//   CLK_HZ  clock frequency in Hz
//   BAUD    bit rate; CLK_HZ / BAUD (rounded) clocks per bit, at least 4,
//           within 2 % of the exact rate (as sq_uart_rx)
module sq_uart_tx #(
	parameter integer CLK_HZ = 12000000,
	parameter integer BAUD   = 1000000
) (
	input  wire       i_clk,
	input  wire       i_rst,
	// bytes to send
	input  wire       s_tx_valid,
	output wire       s_tx_ready,
	input  wire [7:0] s_tx_data,
	// serial line
	output wire       o_tx
);
	localparam integer CPB  = (CLK_HZ + BAUD / 2) / BAUD;
	localparam integer CW   = $clog2(CPB + 1);
	localparam [31:0]   FULL32 = CPB - 1;
	localparam [CW-1:0] FULL = FULL32[CW-1:0];

	generate
		if (CPB < 4 || 50 * (CPB * BAUD > CLK_HZ ? CPB * BAUD - CLK_HZ :
					     CLK_HZ - CPB * BAUD) > CLK_HZ) begin : g_bad_baud
			sq_uart_tx_baud_needs_4_clocks_per_bit_within_2_percent u_bad ();
		end
	endgenerate

	reg          busy_reg;
	reg [CW-1:0] cnt_reg;
	reg [3:0]    bit_reg;   // bits left after the current one
	reg [9:0]    sh_reg;    // {stop, data, start}, LSB on the line

	assign s_tx_ready = !busy_reg;
	assign o_tx       = busy_reg ? sh_reg[0] : 1'b1;

	always @(posedge i_clk) begin
		if (!busy_reg) begin
			if (s_tx_valid) begin
				busy_reg <= 1'b1;
				sh_reg   <= {1'b1, s_tx_data, 1'b0};
				cnt_reg  <= FULL;
				bit_reg  <= 4'd9;
			end
		end else if (cnt_reg != 0)
			cnt_reg <= cnt_reg - 1'b1;
		else if (bit_reg != 0) begin
			sh_reg  <= {1'b1, sh_reg[9:1]};
			cnt_reg <= FULL;
			bit_reg <= bit_reg - 1'b1;
		end else
			busy_reg <= 1'b0;
		if (i_rst)
			busy_reg <= 1'b0;
	end
endmodule
`default_nettype wire
