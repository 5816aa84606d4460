`default_nettype none
// sq_frame_tx - SLIP frame transmitter of the link (docs/protocol.md).
//
// Takes the body of one frame without its CRC (type, seq, len, payload) as a
// byte stream with s_body_last on the final byte, and sends
//   END, escaped body, escaped CRC-16 (little-endian), END
// to the UART one byte per beat. The CRC is computed on the fly, so a body of
// any length streams through without a buffer.
module sq_frame_tx (
	input  wire       i_clk,
	input  wire       i_rst,
	// unescaped body bytes
	input  wire       s_body_valid,
	output wire       s_body_ready,
	input  wire [7:0] s_body_data,
	input  wire       s_body_last,
	// line bytes to the UART
	output reg        m_tx_valid,
	input  wire       m_tx_ready,
	output reg  [7:0] m_tx_data
);
	localparam [7:0] END = 8'hC0, ESC = 8'hDB, ESC_END = 8'hDC, ESC_ESC = 8'hDD;
	localparam [2:0] S_IDLE = 3'd0, S_BODY = 3'd1, S_ESC = 3'd2,
			 S_CRCL = 3'd3, S_CRCH = 3'd4, S_END = 3'd5;

	reg [2:0]  state_reg, ret_reg;
	reg [7:0]  pend_reg;     // second byte of an escape
	reg [15:0] crc_reg;

	wire [15:0] crc_next;
	sq_crc16 u_crc (.i_crc(crc_reg), .i_data(s_body_data), .o_crc(crc_next));

	// the output register is free this cycle
	wire out_free = !m_tx_valid || m_tx_ready;
	assign s_body_ready = state_reg == S_BODY && out_free;

	// sends byte b, escaped if needed, then continues in state nxt
	task emit;
		input [7:0] b;
		input [2:0] nxt;
		begin
			m_tx_valid <= 1'b1;
			if (b == END || b == ESC) begin
				m_tx_data <= ESC;
				pend_reg  <= (b == END) ? ESC_END : ESC_ESC;
				ret_reg   <= nxt;
				state_reg <= S_ESC;
			end else begin
				m_tx_data <= b;
				state_reg <= nxt;
			end
		end
	endtask

	always @(posedge i_clk) begin
		if (m_tx_ready)
			m_tx_valid <= 1'b0;
		if (out_free) begin
			case (state_reg)
			S_IDLE:
				if (s_body_valid) begin
					m_tx_valid <= 1'b1;
					m_tx_data  <= END;
					crc_reg    <= 16'hFFFF;
					state_reg  <= S_BODY;
				end
			S_BODY:
				if (s_body_valid) begin
					crc_reg <= crc_next;
					emit(s_body_data, s_body_last ? S_CRCL : S_BODY);
				end
			S_ESC: begin
				m_tx_valid <= 1'b1;
				m_tx_data  <= pend_reg;
				state_reg  <= ret_reg;
			end
			S_CRCL:
				emit(crc_reg[7:0], S_CRCH);
			S_CRCH:
				emit(crc_reg[15:8], S_END);
			S_END: begin
				m_tx_valid <= 1'b1;
				m_tx_data  <= END;
				state_reg  <= S_IDLE;
			end
			default:
				state_reg <= S_IDLE;
			endcase
		end
		if (i_rst) begin
			state_reg  <= S_IDLE;
			m_tx_valid <= 1'b0;
		end
	end
endmodule
`default_nettype wire
