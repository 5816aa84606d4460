// sq_wmem - the core's weight memory: 2^LG_WD wide words of P lane entries
// (lane p at bits [p*EW +: EW]), written one lane entry at a time by the load
// port, read one whole word per cycle by the issue stage (docs/architecture.md).
//
// Parameters:
//   P, EW, LG_WD  lanes, bits of a lane entry, log2 of the depth (from sq_core)
//   WMEM          0: block RAM (EBR / DP16KD), one read and one write port,
//                    initialisable (INIT, patchable by icebram/ecpbram);
//                 1: iCE40 UltraPlus SPRAM (SB_SPRAM256KA, 16K x 16 each),
//                    inferred through (* ram_style = "huge" *). One port: a
//                    write takes it for its cycle (the core writes only while
//                    idle, when the read data is unused). SPRAM cannot be
//                    initialised by the bitstream: INIT must be "" and the
//                    model arrives through the load port (docs/boards.md).
//   INIT          $readmemh image ("" = none; WMEM=0 only)
// Timing, both: o_rdata is the word at i_raddr of the previous edge (registered
// read); a write is visible to reads from the edge after it. With WMEM=1 the
// read data holds during a write cycle (SPRAM's "no change").
// The behavioural SPRAM code below is also its simulation model (Verilator).
`default_nettype none

module sq_wmem #(
	parameter integer P     = 8,
	parameter integer EW    = 16,
	parameter integer LG_WD = 12,
	parameter integer WMEM  = 0,
	parameter         INIT  = ""
) (
	input  wire               i_clk,
	input  wire [P-1:0]       i_we,      // lane write enables, one-hot
	input  wire [LG_WD-1:0]   i_waddr,
	input  wire [EW-1:0]      i_wdata,
	input  wire [LG_WD-1:0]   i_raddr,
	output wire [P*EW-1:0]    o_rdata
`ifdef SQ_FORMAL_PROPS
	,
	// formal only: the stored word at f_addr, read combinationally
	input  wire [LG_WD-1:0]   f_addr,
	output wire [P*EW-1:0]    f_word
`endif
);
	generate
		if (WMEM != 0 && WMEM != 1) begin : g_bad_wmem
			sq_wmem_error_WMEM_must_be_0_or_1 u_bad ();
		end
		if (WMEM == 1 && INIT != "") begin : g_bad_init
			sq_wmem_error_SPRAM_cannot_be_initialised_load_the_model u_bad ();
		end
	endgenerate

	generate
		if (WMEM == 0) begin : g_ebr
			// ---- block RAM: P lanes side by side, per-lane write enables --
			(* no_rw_check *)
			reg  [P*EW-1:0]   wm [0:(1<<LG_WD)-1];
			reg  [P*EW-1:0]   wm_q;
			if (INIT != "") begin : g_init
				initial $readmemh(INIT, wm);
			end
			integer wi;
			always @(posedge i_clk) begin
				for (wi = 0; wi < P; wi = wi + 1)
					if (i_we[wi])
						wm[i_waddr][wi*EW +: EW] <= i_wdata;
				wm_q <= wm[i_raddr];
			end
			assign o_rdata = wm_q;
`ifdef SQ_FORMAL_PROPS
			assign f_word = wm[f_addr];
`endif
		end else begin : g_spram
			// ---- SPRAM: lane p at [p*ES +: EW] of the physical word, ES the
			// entry rounded up to whole nibbles, so a lane write is whole
			// MASKWREN nibbles and never touches its neighbours' bits.
			localparam integer ES = (EW + 3) / 4 * 4;
			(* ram_style = "huge" *)
			reg  [P*ES-1:0]   wm [0:(1<<LG_WD)-1];
			reg  [P*ES-1:0]   wm_q;
			wire              wr   = |i_we;
			wire [LG_WD-1:0]  addr = wr ? i_waddr : i_raddr;
			wire [ES-1:0]     wdat = {{(ES-EW){1'b0}}, i_wdata};
			integer wi;
			always @(posedge i_clk)
				if (wr) begin
					for (wi = 0; wi < P; wi = wi + 1)
						if (i_we[wi])
							wm[addr][wi*ES +: ES] <= wdat;
				end else
					wm_q <= wm[addr];
			genvar gl;
			for (gl = 0; gl < P; gl = gl + 1) begin : g_lane
				assign o_rdata[gl*EW +: EW] = wm_q[gl*ES +: EW];
			end
			if (ES > EW) begin : g_pad
				// the nibble padding of each entry is stored, never read
				wire [P*ES-1:0] pad_bits = wm_q;
				wire            unused_pad = ^pad_bits;
			end
`ifdef SQ_FORMAL_PROPS
			wire [P*ES-1:0] f_phys = wm[f_addr];
			for (gl = 0; gl < P; gl = gl + 1) begin : g_f_lane
				assign f_word[gl*EW +: EW] = f_phys[gl*ES +: EW];
			end
`endif
		end
	endgenerate
endmodule

`default_nettype wire
