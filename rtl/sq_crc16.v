`default_nettype none
// sq_crc16 - one byte of CRC-16/CCITT-FALSE (poly 0x1021, no reflection),
// combinational: o_crc = crc of i_data appended to a message whose CRC was
// i_crc. Start a message with 16'hFFFF; the check value of "123456789" is
// 16'h29B1 (docs/protocol.md).
module sq_crc16 (
	input  wire [15:0] i_crc,
	input  wire [7:0]  i_data,
	output wire [15:0] o_crc
);
	function [15:0] crc_byte;
		input [15:0] crc;
		input [7:0]  data;
		integer i;
		reg [15:0] c;
		begin
			c = crc ^ {data, 8'h00};
			for (i = 0; i < 8; i = i + 1)
				c = c[15] ? ({c[14:0], 1'b0} ^ 16'h1021) : {c[14:0], 1'b0};
			crc_byte = c;
		end
	endfunction

	assign o_crc = crc_byte(i_crc, i_data);
endmodule
`default_nettype wire
