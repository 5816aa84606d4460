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
			 S_CRCL = 3'd3, S_CRCH = 3'd4, S_END = 3'd5, S_SEND = 3'd6;

	// Every byte after the first END is first taken into cand_reg, with its
	// escape class decoded into registers, and sent from there (S_SEND): the
	// byte compares never sit between a source (the body, the CRC) and the
	// line register (timing). A byte takes 10 UART bit times, so the extra
	// cycle per byte does not slow the line.
	reg [2:0]  state_reg, ret_reg;   // ret_reg: the state after cand_reg is sent
	reg [7:0]  cand_reg;             // the next byte, unescaped
	reg        cand_end_reg;         // cand_reg == END
	reg        cand_esc_reg;         // cand_reg == ESC
	reg [15:0] crc_reg;

	wire [15:0] crc_next;
	sq_crc16 u_crc (.i_crc(crc_reg), .i_data(s_body_data), .o_crc(crc_next));

	// the output register is free this cycle
	wire out_free = !m_tx_valid || m_tx_ready;
	assign s_body_ready = state_reg == S_BODY;

	// the CRC bytes' classes, from crc_reg: it settles as S_BODY takes the
	// last byte, at least a cycle (S_SEND) before S_CRCL reads these
	reg crc_lo_end_reg, crc_lo_esc_reg, crc_hi_end_reg, crc_hi_esc_reg;
	always @(posedge i_clk) begin
		crc_lo_end_reg <= crc_reg[7:0] == END;
		crc_lo_esc_reg <= crc_reg[7:0] == ESC;
		crc_hi_end_reg <= crc_reg[15:8] == END;
		crc_hi_esc_reg <= crc_reg[15:8] == ESC;
	end

	// takes byte b (its class: is_end, is_esc) as the next to send, then
	// continues in state nxt
	task take;
		input [7:0] b;
		input       is_end;
		input       is_esc;
		input [2:0] nxt;
		begin
			cand_reg     <= b;
			cand_end_reg <= is_end;
			cand_esc_reg <= is_esc;
			ret_reg      <= nxt;
			state_reg    <= S_SEND;
		end
	endtask

	always @(posedge i_clk) begin
		if (m_tx_ready)
			m_tx_valid <= 1'b0;
		case (state_reg)
		S_IDLE:
			if (s_body_valid && out_free) begin
				m_tx_valid <= 1'b1;
				m_tx_data  <= END;
				crc_reg    <= 16'hFFFF;
				state_reg  <= S_BODY;
			end
		S_BODY:
			if (s_body_valid) begin
				crc_reg <= crc_next;
				take(s_body_data, s_body_data == END, s_body_data == ESC,
				     s_body_last ? S_CRCL : S_BODY);
			end
		S_SEND:
			if (out_free) begin
				m_tx_valid <= 1'b1;
				if (cand_end_reg || cand_esc_reg) begin
					m_tx_data <= ESC;
					state_reg <= S_ESC;
				end else begin
					m_tx_data <= cand_reg;
					state_reg <= ret_reg;
				end
			end
		S_ESC:
			if (out_free) begin
				m_tx_valid <= 1'b1;
				m_tx_data  <= cand_end_reg ? ESC_END : ESC_ESC;
				state_reg  <= ret_reg;
			end
		S_CRCL:
			take(crc_reg[7:0], crc_lo_end_reg, crc_lo_esc_reg, S_CRCH);
		S_CRCH:
			take(crc_reg[15:8], crc_hi_end_reg, crc_hi_esc_reg, S_END);
		S_END:
			if (out_free) begin
				m_tx_valid <= 1'b1;
				m_tx_data  <= END;
				state_reg  <= S_IDLE;
			end
		default:
			state_reg <= S_IDLE;
		endcase
		if (i_rst) begin
			state_reg  <= S_IDLE;
			m_tx_valid <= 1'b0;
		end
	end
endmodule
`default_nettype wire
