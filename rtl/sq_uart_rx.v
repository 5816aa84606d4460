`default_nettype none
// sq_uart_rx - UART receiver, 8N1, LSB first.
//
// The line goes through a 2-FF synchronizer. A falling edge starts a byte; the
// start bit is checked again at its middle (a shorter low glitch is ignored),
// then each data bit and the stop bit are sampled at their middles. A low stop
// bit drops the byte and pulses o_frame_err; the receiver then waits for the
// line to return high before it looks for the next start bit.
//
// Parameters:
//   CLK_HZ  clock frequency in Hz
//   BAUD    bit rate; CLK_HZ / BAUD (rounded) must be at least 4 clocks per
//           bit (12 at 12 MHz / 1 Mbaud, 16 at 48 MHz / 3 Mbaud), and the
//           rounding may change the rate by 2 % at most (25 MHz / 3 Mbaud,
//           8.33 clocks per bit, is refused: use 1 Mbaud or a PLL clock)
module sq_uart_rx #(
	parameter integer CLK_HZ = 12000000,
	parameter integer BAUD   = 1000000
) (
	input  wire       i_clk,
	input  wire       i_rst,
	// serial line (asynchronous)
	input  wire       i_rx,
	// received bytes: one-cycle pulse per byte
	output reg        m_rx_valid,
	output reg  [7:0] m_rx_data,
	// one-cycle pulse: the stop bit was low, the byte was dropped
	output reg        o_frame_err
);
	localparam integer CPB  = (CLK_HZ + BAUD / 2) / BAUD;   // clocks per bit
	localparam integer CW   = $clog2(CPB + 1);
	localparam [31:0]   FULL32 = CPB - 1;
	localparam [CW-1:0] FULL = FULL32[CW-1:0];
	localparam [31:0]   HALF32 = (CPB / 2) - 1;
	localparam [CW-1:0] HALF = HALF32[CW-1:0];

	localparam [2:0] S_IDLE = 3'd0, S_START = 3'd1, S_DATA = 3'd2,
			 S_STOP = 3'd3, S_BREAK = 3'd4;

	generate
		if (CPB < 4 || 50 * (CPB * BAUD > CLK_HZ ? CPB * BAUD - CLK_HZ :
					     CLK_HZ - CPB * BAUD) > CLK_HZ) begin : g_bad_baud
			// Elaboration fails: too few clocks per bit, or a rate off by > 2 %.
			sq_uart_rx_baud_needs_4_clocks_per_bit_within_2_percent u_bad ();
		end
	endgenerate

	(* ASYNC_REG = "TRUE" *) reg [1:0] sync_reg;
	wire rx_s = sync_reg[1];

	reg [2:0]    state_reg;
	reg [CW-1:0] cnt_reg;
	reg [2:0]    bit_reg;
	reg [7:0]    sh_reg;

	always @(posedge i_clk) begin
		sync_reg    <= {sync_reg[0], i_rx};
		m_rx_valid  <= 1'b0;
		o_frame_err <= 1'b0;
		case (state_reg)
		S_IDLE:
			if (!rx_s) begin
				state_reg <= S_START;
				cnt_reg   <= HALF;
			end
		S_START:
			if (cnt_reg != 0)
				cnt_reg <= cnt_reg - 1'b1;
			else if (rx_s)
				state_reg <= S_IDLE;            // glitch, not a start bit
			else begin
				state_reg <= S_DATA;
				cnt_reg   <= FULL;
				bit_reg   <= 3'd0;
			end
		S_DATA:
			if (cnt_reg != 0)
				cnt_reg <= cnt_reg - 1'b1;
			else begin
				sh_reg  <= {rx_s, sh_reg[7:1]};
				cnt_reg <= FULL;
				bit_reg <= bit_reg + 1'b1;
				if (bit_reg == 3'd7)
					state_reg <= S_STOP;
			end
		S_STOP:
			if (cnt_reg != 0)
				cnt_reg <= cnt_reg - 1'b1;
			else if (rx_s) begin
				m_rx_valid <= 1'b1;
				m_rx_data  <= sh_reg;
				state_reg  <= S_IDLE;
			end else begin
				o_frame_err <= 1'b1;
				state_reg   <= S_BREAK;
			end
		S_BREAK:
			if (rx_s)
				state_reg <= S_IDLE;
		default:
			state_reg <= S_IDLE;
		endcase
		if (i_rst) begin
			sync_reg    <= 2'b11;
			state_reg   <= S_IDLE;
			m_rx_valid  <= 1'b0;
			o_frame_err <= 1'b0;
		end
	end
endmodule
`default_nettype wire
