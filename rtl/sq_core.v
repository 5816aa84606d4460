// sq_core - the sparq accelerator core: a sparse fixed-point MLP (Q-network)
// computed by P lockstep lanes, exactly as docs/numerics.md defines it, with
// the model held as data (layer table, round table, weight and parameter
// memories) per docs/architecture.md. One build runs every model that fits.
//
// Parameters (the configuration; host/export.h sq_hwcfg mirrors them):
//   P        lanes, 1..16. Each lane owns whole output rows of a round.
//   AW       maximum activation width in bits, 2..16 (AW <= ACCW).
//   WW       maximum weight width in bits, 2..16.
//   ACCW     accumulator width, 8..48; runs models whose every acc_bits <= ACCW.
//   MAXW     maximum layer width (inputs, hidden, outputs), 1..4096.
//   MAXL     maximum layers (layer table depth), 1..16.
//   LG_WD    log2 of the weight memory depth in wide words, 1..16.
//   LG_RD    log2 of the round table / parameter memory depth, 1..16.
//   WMEM     weight memory: 0 block RAM, 1 iCE40 SPRAM (rtl/sq_wmem.v; loaded
//            through the load port only, INIT_WM must be "").
//   INIT_LT, INIT_RT, INIT_WM, INIT_PM
//            $readmemh image of each memory ("" = no initial contents), as
//            written by `sparq export`; the load port overwrites them at run time.
//
// Pipeline (one weight entry per cycle per lane, no stalls inside):
//   I  issue: weight address, round bookkeeping        (wm read, registered)
//   W  {word, slot, w} -> am[p] read at {bank, word}   (registered)
//   A  the activation word, registered (no logic after the memory)
//   B  slot select of the activation word              (registered)
//   M  w * a                                            (registered product)
//   C  acc = (first ? bias : acc) + product (pm read in A, registered in M)
//   R1 acc + rounding constant (hidden) / Q buffer write (output layer)
//   R2 arithmetic shift right
//   R3 clamp to [0, amax]
//   X  one wide word of P results written into every lane's activation copy
// Layers overlap: a round starts as soon as the activation words its entries
// read are written, by a wait the exporter computes and stores beside the
// round's length (docs/architecture.md "Layer overlap"). Then argmax over
// the Q buffer, then the result stream. Reset (synchronous, active high)
// clears control only.
//
// Memories: one synchronous read port (registered output) and one write port
// each, so Yosys maps them to EBR (iCE40) / DP16KD (ECP5); every bit of every
// word is used, so icebram/ecpbram can patch the INIT images. They carry
// (* no_rw_check *): the controller never uses a word read in the cycle it is
// written (lt/rt are reread after a load, banks alternate, a round's reads
// come after the writes of the words they read (the exporter's waits), argmax
// after the last Q write), so Yosys need not add read-first bypass logic
// (the simulation is read-first).
`default_nettype none

module sq_core #(
	parameter integer P     = 8,
	parameter integer AW    = 8,
	parameter integer WW    = 8,
	parameter integer ACCW  = 32,
	parameter integer MAXW  = 256,
	parameter integer MAXL  = 8,
	parameter integer LG_WD = 12,
	parameter integer LG_RD = 9,
	parameter INIT_LT = "",
	parameter INIT_RT = "",
	parameter INIT_WM = "",
	parameter INIT_PM = "",
	parameter integer WMEM = 0
) (
	// clock, reset
	input  wire                  i_clk,
	input  wire                  i_rst,
	// observation in: in_words beats of P activations
	input  wire                  s_obs_valid,
	output wire                  s_obs_ready,
	input  wire [P*AW-1:0]       s_obs_data,
	// result out: out_dim beats, beat j carries Q-value j and the action
	output reg                   m_res_valid,
	input  wire                  m_res_ready,
	output reg  [ACCW-1:0]       m_res_data,
	output reg  [f_clog2(MAXW+1)-1:0] m_res_index,
	output reg  [f_clog2(MAXW+1)-1:0] m_res_action,
	output reg                   m_res_last,
	output reg  [31:0]           o_cycles,
	// load port: one memory entry (or one lane's slice of a wide word) per beat
	input  wire                  s_ld_valid,
	output wire                  s_ld_ready,
	input  wire [1:0]            s_ld_mem,
	input  wire [3:0]            s_ld_lane,
	input  wire [15:0]           s_ld_addr,
	input  wire [63:0]           s_ld_data,
	// status
	output reg                   o_busy
);
	// ---- derived widths (docs/architecture.md "Derived") -------------------
	function integer f_clog2;
		input integer v;
		integer x;
		begin
			f_clog2 = 0;
			x = v - 1;
			while (x > 0) begin
				f_clog2 = f_clog2 + 1;
				x = x >> 1;
			end
		end
	endfunction

	localparam integer AWD   = (MAXW + P - 1) / P;
	localparam integer ROWW  = (f_clog2(AWD) < 1) ? 1 : f_clog2(AWD);
	localparam integer SLOTW = (f_clog2(P) < 1) ? 1 : f_clog2(P);
	localparam integer EW    = ROWW + SLOTW + WW;
	localparam integer PW    = ACCW + 5;
	localparam integer DIMW  = f_clog2(MAXW + 1);
	localparam integer RCW   = f_clog2(AWD + 1);
	localparam integer WTW   = 4;                // a round's wait, 0..15 cycles
	localparam integer RTW   = DIMW + WTW;       // round table entry {wait, len}
	localparam integer LTW   = 1 + 5 + DIMW + 2 * RCW;
	localparam integer LGL   = (f_clog2(MAXL) < 1) ? 1 : f_clog2(MAXL);
	localparam integer PRW   = WW + AW;          // product width
	localparam integer AMW   = ROWW + 1;         // activation address {bank, word}
	localparam integer QW    = ACCW + 1;         // requantization width
	localparam integer CMPL  = ACCW / 2;         // argmax compare: low half width
	localparam integer NLV   = f_clog2(P);       // output-row reduction levels
	localparam integer     PM1       = P - 1;
	localparam [SLOTW-1:0] SLOT_LAST = PM1[SLOTW-1:0];
	localparam integer     G1 = 1, G2 = 2, G3 = 3;

	// ---- bad configurations stop elaboration (Verilator and Yosys both) ----
	generate
		if (P < 1 || P > 16) begin : g_bad_p
			sq_core_error_P_must_be_1_to_16 u_bad ();
		end
		if (AW < 2 || AW > 16 || WW < 2 || WW > 16) begin : g_bad_aw
			sq_core_error_AW_and_WW_must_be_2_to_16 u_bad ();
		end
		if (ACCW < 8 || ACCW > 48 || ACCW < AW) begin : g_bad_accw
			sq_core_error_ACCW_must_be_8_to_48_and_at_least_AW u_bad ();
		end
		if (MAXW < 1 || MAXW > 4096) begin : g_bad_maxw
			sq_core_error_MAXW_must_be_1_to_4096 u_bad ();
		end
		if (MAXL < 1 || MAXL > 16) begin : g_bad_maxl
			sq_core_error_MAXL_must_be_1_to_16 u_bad ();
		end
		if (LG_WD < 1 || LG_WD > 16 || LG_RD < 1 || LG_RD > 16) begin : g_bad_lg
			sq_core_error_LG_WD_and_LG_RD_must_be_1_to_16 u_bad ();
		end
	endgenerate

	// ---- control state -------------------------------------------------------
	localparam [2:0] S_IDLE  = 3'd0,  // load port open; waits for the first beat
			 S_OBS   = 3'd1,  // accepting the rest of the observation
			 S_LOAD  = 3'd2,  // layer table entry -> layer registers
			 S_RUN   = 3'd3,  // issuing the layer's weight entries
			 S_DRAIN = 3'd4,  // waiting for the output layer's last Q word
			 S_ARG   = 3'd5,  // argmax over the Q buffer
			 S_RES   = 3'd6;  // result stream

	reg  [2:0]        state_reg;
	reg  [LGL-1:0]    layer_reg;     // the next layer to load (lt read address)
	reg               lt0_pre;       // layer_reg == 0 and no table write, a cycle ago
	reg               idle_reg;      // state_reg == S_IDLE (kept beside it, for the link)
	reg               obs_rdy_reg;   // s_obs_ready, computed a cycle ahead

	// ---- layer table ---------------------------------------------------------
	(* no_rw_check *)
	reg  [LTW-1:0]    lt [0:MAXL-1];
	reg  [LTW-1:0]    lt_q;
	// The load port is registered: a beat accepted at one edge is written at
	// the next, from flip-flops (decode and range checks stay off the memory
	// write-enable paths).
	wire              ld_fire = s_ld_valid && s_ld_ready;
	reg               lt_we, rt_we;
	reg  [P-1:0]      wm_we, pm_we;  // one-hot lane enables
	reg  [15:0]       ld_addr_q;
	reg  [63:0]       ld_data_q;
	reg               ld_pending;    // a beat was accepted last cycle: its write is now
	wire              unused_ld = ^{ld_addr_q, ld_data_q};  // memories take low bits
	integer li;
	always @(posedge i_clk) begin
		lt_we <= ld_fire && (s_ld_mem == 2'd0) && ({16'd0, s_ld_addr} < MAXL);
		rt_we <= ld_fire && (s_ld_mem == 2'd1) && ((s_ld_addr >> LG_RD) == 16'd0);
		for (li = 0; li < P; li = li + 1) begin
			wm_we[li] <= ld_fire && (s_ld_mem == 2'd2) && (s_ld_lane == li[3:0]) &&
				     ((s_ld_addr >> LG_WD) == 16'd0);
			pm_we[li] <= ld_fire && (s_ld_mem == 2'd3) && (s_ld_lane == li[3:0]) &&
				     ((s_ld_addr >> LG_RD) == 16'd0);
		end
		ld_addr_q <= s_ld_addr;
		ld_data_q <= s_ld_data;
		ld_pending <= ld_fire;
		if (i_rst) begin
			ld_pending <= 1'b0;
			lt_we <= 1'b0;
			rt_we <= 1'b0;
			wm_we <= {P{1'b0}};
			pm_we <= {P{1'b0}};
		end
	end
	generate
		if (INIT_LT != "") begin : g_init_lt
			initial $readmemh(INIT_LT, lt);
		end
	endgenerate
	always @(posedge i_clk) begin
		if (lt_we)
			lt[ld_addr_q[LGL-1:0]] <= ld_data_q[LTW-1:0];
		lt_q <= lt[layer_reg];
	end

	wire [RCW-1:0]    lt_in_words = lt_q[RCW-1:0];
	wire [RCW-1:0]    lt_n_rounds = lt_q[2*RCW-1:RCW];
	wire [DIMW-1:0]   lt_out_dim  = lt_q[2*RCW+DIMW-1:2*RCW];
	wire [4:0]        lt_sat_bits = lt_q[2*RCW+DIMW+4:2*RCW+DIMW];
	wire              lt_is_last  = lt_q[LTW-1];
	// The entry's fields and what the layer registers take from them,
	// registered once more (lt_q is a memory output: 5.8 ns clock-to-out on
	// ECP5). layer_reg moves to the next layer when a layer is loaded, so
	// these hold the next layer's entry while a layer runs, from the third
	// cycle after the load (go_ok; in S_IDLE layer_reg is 0 and the table
	// unwritten for a cycle before an observation is taken).
	reg  [RCW-1:0]    ln_n_rounds;
	reg  [DIMW-1:0]   ln_out_dim;
	reg               ln_is_last;
	reg  [2:0]        ln_grp;
	reg               ln_rl_nz;      // ln_n_rounds != 0
	reg  [AW-1:0]     ln_amax;       // amax(sat_bits) = 2^(sat-1) - 1, a low mask
	reg               ln_in1;        // in_words == 1
	reg  [RCW-1:0]    ln_in_m2;      // in_words - 2
	reg               ln_ok1;        // a cycle since the last load
	reg               go_ok;         // ln_* hold layer_reg's entry (from the third cycle
	                                 // after a load) and the running layer is hidden

	// ---- round table ({wait_k, len_k}) ---------------------------------------
	(* no_rw_check *)
	reg  [RTW-1:0]    rt [0:(1<<LG_RD)-1];
	reg  [RTW-1:0]    rt_q;
	wire [LG_RD-1:0]  rt_raddr;
	generate
		if (INIT_RT != "") begin : g_init_rt
			initial $readmemh(INIT_RT, rt);
		end
	endgenerate
	always @(posedge i_clk) begin
		if (rt_we)
			rt[ld_addr_q[LG_RD-1:0]] <= ld_data_q[RTW-1:0];
		rt_q <= rt[rt_raddr];
	end
	wire [DIMW-1:0]   rt_len  = rt_q[DIMW-1:0];
	wire [WTW-1:0]    rt_wait = rt_q[RTW-1:DIMW];

	// ---- weight memory: P lanes side by side, per-lane write enables --------
	// (rtl/sq_wmem.v: block RAM, or SPRAM with WMEM=1; registered read either way)
	wire [P*EW-1:0]   wm_q;
	reg  [LG_WD-1:0]  wa_reg;        // next weight word to issue
`ifdef SQ_FORMAL_PROPS
	wire [LG_WD-1:0]  f_wm_addr;     // tests/formal/sq_core_props.vh reads wm through these
	wire [P*EW-1:0]   f_wm_word;
`endif
	sq_wmem #(.P(P), .EW(EW), .LG_WD(LG_WD), .WMEM(WMEM), .INIT(INIT_WM)) u_wm (
		.i_clk(i_clk), .i_we(wm_we), .i_waddr(ld_addr_q[LG_WD-1:0]),
		.i_wdata(ld_data_q[EW-1:0]), .i_raddr(wa_reg), .o_rdata(wm_q)
`ifdef SQ_FORMAL_PROPS
		, .f_addr(f_wm_addr), .f_word(f_wm_word)
`endif
	);

	// ---- parameter memory: {shift, bias} per lane, by global round index ----
	(* no_rw_check *)
	reg  [P*PW-1:0]   pm [0:(1<<LG_RD)-1];
	reg  [P*PW-1:0]   pm_q;
	wire [LG_RD-1:0]  pm_raddr;      // round index of the entry in stage A
	generate
		if (INIT_PM != "") begin : g_init_pm
			initial $readmemh(INIT_PM, pm);
		end
	endgenerate
	integer pi;
	always @(posedge i_clk) begin
		for (pi = 0; pi < P; pi = pi + 1)
			if (pm_we[pi])
				pm[ld_addr_q[LG_RD-1:0]][pi*PW +: PW] <= ld_data_q[PW-1:0];
		pm_q <= pm[pm_raddr];
	end

	// ---- layer registers (the layer being issued) -----------------------------
	// Entries of the layer before may still be in the pipeline: what they
	// need travels with them (the write bank and the output-layer flag, stage
	// by stage) or is kept per bank (amax_p, selected by the write bank).
	reg  [RCW-1:0]    rounds_left_reg;
	reg               is_q_reg /*verilator public_flat_rd*/;  // output layer: to the Q buffer
	reg  [AW-1:0]     amax_nx;       // hidden clamp bound amax(sat_bits), until the first issue
	reg               amax_set;      // no round of the layer issued yet: amax_nx goes to amax_p
	reg  [AW-1:0]     amax_p0, amax_p1;  // clamp bound of the layer writing bank 0 / 1
	reg  [2:0]        grp_reg;       // output layer: log2 of the lanes per row (its sat_bits field)
	reg  [DIMW-1:0]   out_dim_reg;
	reg               bank_reg;      // layer l reads bank l%2, writes the other

	// ---- issue stage ---------------------------------------------------------
	reg  [DIMW-1:0]   rem_reg;       // entries of the current round still to issue
	reg  [LG_RD-1:0]  nxt_g_reg;     // global index of the next round to start
	// Flags kept beside the registers they describe, so the issue enables
	// are one LUT from flip-flops (tests/formal/sq_core_props.vh checks them):
	reg               run_reg;       // state_reg == S_RUN
	reg               rem_z_reg;     // rem_reg == 0
	reg               rl_nz_reg;     // rounds_left_reg != 0
	reg  [WTW-1:0]    wt_reg;        // cycles the next round still waits
	reg               wt_z_reg;      // wt_reg == 0
	reg  [LG_RD-1:0]  nxt_g1_reg;    // nxt_g_reg + 1
	reg  [ROWW-1:0]   k_reg;         // next round within the layer
	wire              run_entry = run_reg && !rem_z_reg;
	wire              run_start = run_reg && rem_z_reg && rl_nz_reg && wt_z_reg;
	wire              run_end   = run_reg && rem_z_reg && !rl_nz_reg;  // layer issued
	wire              issue = run_entry || run_start;
	// The round lengths are read two rounds ahead, so that no logic follows
	// the table's output (rt_q, 5.8 ns clock-to-out on ECP5): len0 is round
	// nxt_g's length, len1 round nxt_g + 1's, rt_q round nxt_g + 2's; a round
	// start shifts them along. After a table write, and at the end of each
	// inference, the fill (fl = 0, 1, 2) reads rounds 0, 1, 2 into them.
	reg  [LG_RD-1:0]  nxt_g2_reg;    // nxt_g_reg + 2
	reg  [LG_RD-1:0]  nxt_g3_reg;    // nxt_g_reg + 3
	reg  [DIMW-1:0]   len1;
	reg  [WTW-1:0]    wait1, wait0;  // the waits of rounds nxt_g + 1 and nxt_g
	reg  [DIMW-1:0]   len0_m1;       // len0 - 1
	reg               len0_is1, len0_is2;
	reg  [1:0]        fl;            // fill step; 3 = filled
	reg               rem1_reg;      // rem_reg == 1
	wire              fl_done = fl == 2'd3;
	wire [LG_RD+1:0]  fl_addr = {{LG_RD{1'b0}}, fl};
	wire              unused_fl = ^fl_addr[LG_RD+1:LG_RD];
	assign rt_raddr = !fl_done ? fl_addr[LG_RD-1:0] : (run_start ? nxt_g3_reg : nxt_g2_reg);
	// the issued entry is its round's last: also rem == 0 after the issue
	wire              issue_last = run_start ? len0_is1 : rem1_reg;

	// pipeline control, stage by stage
	// (_q: the entry's layer is the output layer; _bk: the bank its layer writes)
	reg               w_v, w_first, w_last, w_q, w_bk;
	reg  [LG_RD-1:0]  w_g;
	reg  [ROWW-1:0]   w_k;
	reg               a_v, a_first, a_last, a_q, a_bk;
	reg  [LG_RD-1:0]  a_g;
	reg  [ROWW-1:0]   a_k;
	reg               b_v, b_first, b_last, b_q, b_bk;
	reg  [LG_RD-1:0]  b_g;
	reg  [ROWW-1:0]   b_k;
	assign pm_raddr = b_g;           // pm_q in M, registered again for C
	reg               m_v, m_first, m_last, m_q, m_bk;
	reg  [ROWW-1:0]   m_k;
	reg               c_v, c_first, c_last, c_q, c_bk;
	reg  [ROWW-1:0]   c_k;
	reg               r0_q, r0_bk, r1_bk, r2_bk, r3_bk;
	reg  [AW-1:0]     r2_amax;       // the clamp bound of the word in R2, for R3
	// r0: accumulators final (Q capture); r3: activation word ready (X).
	// Public for the co-simulation harness (sim/), which checks every round.
	reg               r0_v /*verilator public_flat_rd*/;
	reg  [ROWW-1:0]   r0_k /*verilator public_flat_rd*/;
	reg               r1_v, r2_v;
	reg               r3_v /*verilator public_flat_rd*/;
	reg  [ROWW-1:0]   r1_k, r2_k;
	reg  [ROWW-1:0]   r3_k /*verilator public_flat_rd*/;

	always @(posedge i_clk) begin
		w_v     <= issue;
		w_first <= run_start;
		w_last  <= issue_last;
		if (run_start) begin
			w_g  <= nxt_g_reg;
			w_k  <= k_reg;
			w_q  <= is_q_reg;
			w_bk <= ~bank_reg;
		end
		a_v <= w_v; a_first <= w_first; a_last <= w_last; a_g <= w_g; a_k <= w_k;
		b_v <= a_v; b_first <= a_first; b_last <= a_last; b_g <= a_g; b_k <= a_k;
		m_v <= b_v; m_first <= b_first; m_last <= b_last; m_k <= b_k;
		c_v <= m_v; c_first <= m_first; c_last <= m_last; c_k <= m_k;
		a_q <= w_q; b_q <= a_q; m_q <= b_q; c_q <= m_q;
		a_bk <= w_bk; b_bk <= a_bk; m_bk <= b_bk; c_bk <= m_bk;
		r0_v <= c_v && c_last; r0_k <= c_k; r0_q <= c_q; r0_bk <= c_bk;
		r1_v <= r0_v && !r0_q; r1_k <= r0_k; r1_bk <= r0_bk;
		r2_v <= r1_v; r2_k <= r1_k; r2_bk <= r1_bk;
		r2_amax <= r1_bk ? amax_p1 : amax_p0;
		r3_v <= r2_v; r3_k <= r2_k; r3_bk <= r2_bk;
		if (i_rst) begin
			w_v <= 1'b0; a_v <= 1'b0; b_v <= 1'b0; m_v <= 1'b0; c_v <= 1'b0;
			r0_v <= 1'b0; r1_v <= 1'b0; r2_v <= 1'b0; r3_v <= 1'b0;
		end
	end

	// The output layer's last Q word is written when the pipeline holds
	// nothing before it: pipe_drained = !(w_v || a_v || b_v || m_v || c_v ||
	// r0_v || r1_v || r2_v || rd_busy || qw_v), computed a cycle ahead from
	// the stages' inputs. (Entries of a hidden layer are older, so gone too.)
	reg  pipe_drained;
	wire rd_busy;   // an output-row reduction level before the last holds a word
	always @(posedge i_clk) begin
		pipe_drained <= !(issue || w_v || a_v || b_v || m_v || (c_v && c_last) ||
				  (r0_v && (!r0_q || NLV > 0)) || r1_v || rd_busy);
		if (i_rst)
			pipe_drained <= 1'b1;
	end

	// ---- lanes ---------------------------------------------------------------
	wire [P*AW-1:0]   x_word /*verilator public_flat_rd*/;    // R3 results, one wide word
	wire [P*ACCW-1:0] acc_word /*verilator public_flat_rd*/;  // accumulators (Q capture)

	// activation memory write port (shared by the observation and round results)
	reg  [ROWW-1:0]   obs_cnt_reg;   // activation word of the next beat
	reg  [RCW-1:0]    obs_left_reg;  // beats after the current one (S_OBS)
	// observation beats are registered and written a cycle later (the input
	// handshake stays off the wide write-data multiplexer)
	wire              obs_fire = s_obs_valid && s_obs_ready;
	reg               obs_we;
	reg  [ROWW-1:0]   obs_word;
	reg  [P*AW-1:0]   obs_data;
	always @(posedge i_clk) begin
		obs_we   <= obs_fire;
		obs_word <= obs_cnt_reg;
		obs_data <= s_obs_data;
		if (i_rst)
			obs_we <= 1'b0;
	end
	wire              am_we    = obs_we || r3_v;
	wire [AMW-1:0]    am_waddr = obs_we ? {1'b0, obs_word} : {r3_bk, r3_k};
	wire [P*AW-1:0]   am_wdata = obs_we ? obs_data : x_word;

	genvar gp;
	generate
		for (gp = 0; gp < P; gp = gp + 1) begin : g_lane
			// W: this lane's weight entry
			wire [EW-1:0]    ent    = wm_q[gp*EW +: EW];
			wire [WW-1:0]    e_w    = ent[WW-1:0];
			wire [SLOTW-1:0] e_slot = ent[WW+SLOTW-1:WW];
			wire [ROWW-1:0]  e_word = ent[EW-1:WW+SLOTW];

			// activation copy of this lane
			(* no_rw_check *)
			reg  [P*AW-1:0]  am [0:(1<<AMW)-1];
			reg  [P*AW-1:0]  am_q;
			always @(posedge i_clk) begin
				if (am_we)
					am[am_waddr] <= am_wdata;
				am_q <= am[{bank_reg, e_word}];
			end

			// A: the word registered as it leaves the memory (its
			// clock-to-out, 5.8 ns on ECP5, stays off the slot select);
			// B: slot select
			reg  [SLOTW-1:0] a_slot, b_slot;
			reg  [WW-1:0]    a_w, b_w;
			reg  [P*AW-1:0]  b_word;
			reg  [AW-1:0]    m_a;
			reg  [WW-1:0]    m_w;
			wire [P*AW-1:0]  b_shifted = b_word >> ({{(32-SLOTW){1'b0}}, b_slot} * AW);
			wire unused_b = ^b_shifted;
			always @(posedge i_clk) begin
				a_slot <= e_slot;
				a_w    <= e_w;
				b_slot <= a_slot;
				b_w    <= a_w;
				b_word <= am_q;
				m_a    <= b_shifted[AW-1:0];
				m_w    <= b_w;
			end

			// M: product, sign-extended operands (PRW bits: exact)
			wire [PRW-1:0]   m_wx = {{AW{m_w[WW-1]}}, m_w};
			wire [PRW-1:0]   m_ax = {{WW{m_a[AW-1]}}, m_a};
			reg  [PRW-1:0]   c_prod;
			always @(posedge i_clk)
				c_prod <= $signed(m_wx) * $signed(m_ax);

			// C: accumulate; the product is exact in ACCW bits for every
			// model that fits (|w*a| <= M[r] < 2^(acc_bits-1)).
			wire [ACCW-1:0]  prod_x;
			if (ACCW > PRW) begin : g_ext
				assign prod_x = {{(ACCW-PRW){c_prod[PRW-1]}}, c_prod};
			end else begin : g_trunc
				assign prod_x = c_prod[ACCW-1:0];
				if (ACCW < PRW) begin : g_cut
					wire unused_prod = ^c_prod[PRW-1:ACCW];
				end
			end
			// the row's parameters, read in M and registered once more: the
			// memory's clock-to-out stays off the accumulate carry chain
			reg  [PW-1:0]    pe;
			always @(posedge i_clk)
				pe <= pm_q[gp*PW +: PW];
			wire [ACCW-1:0]  p_bias = pe[ACCW-1:0];
			wire [4:0]       p_sh   = pe[PW-1:ACCW];
			reg  [ACCW-1:0]  acc;
			reg  [4:0]       sh;
			reg  [QW-1:0]    rnd;    // 2^(sh-1), or 0 for sh = 0
			always @(posedge i_clk)
				if (c_v) begin
					acc <= (c_first ? p_bias : acc) + prod_x;
					if (c_first) begin
						sh  <= p_sh;
						rnd <= ({{(QW-1){1'b0}}, 1'b1} << p_sh) >> 1;
					end
				end
			assign acc_word[gp*ACCW +: ACCW] = acc;

			// R1: rounding add, one bit wider (never overflows)
			reg  [QW-1:0]    r_sum;
			reg  [4:0]       r_sh;
			always @(posedge i_clk) begin
				r_sum <= {acc[ACCW-1], acc} + rnd;
				r_sh  <= sh;
			end
			// R2: arithmetic shift right (floor)
			reg  [QW-1:0]    r_shr;
			always @(posedge i_clk)
				r_shr <= $unsigned($signed(r_sum) >>> r_sh);
			// R3: clamp to [0, amax] (saturation and ReLU in one)
			wire             r_neg  = r_shr[QW-1];
			// amax is a low mask (2^(sat-1) - 1): above it is any bit outside it
			wire             r_over = |(r_shr & ~{{(QW-AW){1'b0}}, r2_amax});
			reg  [AW-1:0]    r_out;
			always @(posedge i_clk)
				r_out <= r_neg ? {AW{1'b0}} : (r_over ? r2_amax : r_shr[AW-1:0]);
			assign x_word[gp*AW +: AW] = r_out;
		end
	endgenerate

	// ---- output-row reduction ------------------------------------------------
	// An output layer narrower than the lanes spreads each row over 2^grp
	// lanes (lanes j*2^grp .. of row j, its bias in the first): the partial
	// sums are added in pairs, one level per cycle, leaving row j in slot j.
	// Integer sums are exact in any order, and every partial sum of a row is
	// bounded by the row's M (numerics.md), so ACCW bits never overflow. A
	// level past grp passes the word through; the latency is NLV either way.
	wire              qw_v /*verilator public_flat_rd*/;     // Q word written this cycle
	wire [ROWW-1:0]   qw_k /*verilator public_flat_rd*/;
	wire [P*ACCW-1:0] qw_word /*verilator public_flat_rd*/;
	generate
		if (NLV == 0) begin : g_nored
			assign qw_v    = r0_v && r0_q;
			assign qw_k    = r0_k;
			assign qw_word = acc_word;
			assign rd_busy = 1'b0;
			wire unused_grp = ^grp_reg;   // one lane: no row to spread
		end else begin : g_red
			wire [NLV*P*ACCW-1:0] rd_word;   // level l at [l*P*ACCW +: P*ACCW]
			reg  [NLV-1:0]        rd_v;
			reg  [NLV*ROWW-1:0]   rd_k;
			integer ri;
			always @(posedge i_clk) begin
				rd_v[0]        <= r0_v && r0_q;
				rd_k[0 +: ROWW] <= r0_k;
				for (ri = 1; ri < NLV; ri = ri + 1) begin
					rd_v[ri]                 <= rd_v[ri - 1];
					rd_k[ri * ROWW +: ROWW] <= rd_k[(ri - 1) * ROWW +: ROWW];
				end
				if (i_rst)
					rd_v <= {NLV{1'b0}};
			end
			genvar gl, gs;
			for (gl = 0; gl < NLV; gl = gl + 1) begin : g_lvl
				wire [P*ACCW-1:0] src;
				if (gl == 0) begin : g_src0
					assign src = acc_word;
				end else begin : g_srcn
					assign src = rd_word[(gl - 1) * P * ACCW +: P * ACCW];
				end
				wire en = grp_reg > gl;
				for (gs = 0; gs < P; gs = gs + 1) begin : g_slot
					wire [ACCW-1:0] sa, sb;
					if (2 * gs < P) begin : g_a
						assign sa = src[(2 * gs) * ACCW +: ACCW];
					end else begin : g_a0
						assign sa = {ACCW{1'b0}};
					end
					if (2 * gs + 1 < P) begin : g_b
						assign sb = src[(2 * gs + 1) * ACCW +: ACCW];
					end else begin : g_b0
						assign sb = {ACCW{1'b0}};
					end
					reg [ACCW-1:0] sum;
					always @(posedge i_clk)
						sum <= en ? sa + sb : src[gs * ACCW +: ACCW];
					assign rd_word[gl * P * ACCW + gs * ACCW +: ACCW] = sum;
				end
			end
			assign qw_v    = rd_v[NLV - 1];
			assign qw_k    = rd_k[(NLV - 1) * ROWW +: ROWW];
			assign qw_word = rd_word[(NLV - 1) * P * ACCW +: P * ACCW];
			if (NLV > 1) begin : g_busy
				assign rd_busy = |rd_v[NLV - 2:0];
			end else begin : g_busy1
				assign rd_busy = 1'b0;
			end
		end
	endgenerate

	// ---- Q buffer: output-layer rounds, one wide word per round -------------
	(* no_rw_check *)
	reg  [P*ACCW-1:0] qb [0:(1<<ROWW)-1];
	reg  [P*ACCW-1:0] qb_q;
	reg  [ROWW-1:0]   qb_raddr;
	always @(posedge i_clk) begin
		if (qw_v)
			qb[qw_k] <= qw_word;
		qb_q <= qb[qb_raddr];
	end

	// ---- argmax and result stream --------------------------------------------
	reg  [DIMW-1:0]   j_reg;         // next index to read
	reg  [SLOTW-1:0]  js_reg;        // its slot
	reg               q1_v;          // qb_q valid for (q1_j, q1_s)
	reg  [DIMW-1:0]   q1_j;
	reg  [SLOTW-1:0]  q1_s;
	reg               q1_first;
	reg               q2_v;          // q2_word/q2_s valid for q2_j
	reg  [DIMW-1:0]   q2_j;
	// the Q buffer word, registered whole before the slot select: no logic
	// after the memory's clock-to-out (5.8 ns on ECP5)
	reg  [P*ACCW-1:0] q2_word;
	reg  [SLOTW-1:0]  q2_s;
	reg               q2_first;
	reg               q3_v;          // q3_val: slot q2_s of q2_word, registered
	reg               q3_first;      // before the compare (its own stage)
	reg  [DIMW-1:0]   q3_j;
	reg  [ACCW-1:0]   q3_val;
	reg               q4_v;          // q4_*: q4_val against the maximum, in halves
	reg               q4_first, q4_gt_hi, q4_eq_hi, q4_gt_lo;
	reg  [DIMW-1:0]   q4_j;
	reg  [ACCW-1:0]   q4_val;
	reg               scan_ph;       // ARG issues an index every other cycle
	reg  [ACCW-1:0]   best_reg;
	reg  [DIMW-1:0]   best_j;
	reg               res_wait;      // S_RES: qb_q holds beat j_reg's word
	wire [P*ACCW-1:0] q2_shifted = q2_word >> ({{(32-SLOTW){1'b0}}, q2_s} * ACCW);
	wire [ACCW-1:0]   q2_val = q2_shifted[ACCW-1:0];
	// result beat value: slot js_reg of the registered word q2_word (the
	// next beat's word is read as soon as a beat is presented)
	wire [P*ACCW-1:0] res_shifted = q2_word >> ({{(32-SLOTW){1'b0}}, js_reg} * ACCW);
	wire [ACCW-1:0]   q1_val_res = res_shifted[ACCW-1:0];
	wire              unused_q = ^{q2_shifted, res_shifted, amax_hi[AW]};
	wire [AW:0]       amax_hi = {(AW+1){1'b1}} << lt_sat_bits >> 1;  // ones from sat-1 up
	always @(posedge i_clk) begin
		ln_n_rounds <= lt_n_rounds;
		ln_out_dim  <= lt_out_dim;
		ln_is_last  <= lt_is_last;
		ln_grp      <= lt_sat_bits[2:0];  // output layer: log2 lanes per row
		ln_rl_nz    <= lt_n_rounds != 0;
		// a mask: no carry chain after the table
		ln_amax     <= ~amax_hi[AW-1:0];
		ln_in1      <= lt_in_words == 1;
		ln_in_m2    <= lt_in_words - 1'b1 - 1'b1;
		// layer_reg moves at a load: lt_q follows a cycle later, ln_* a
		// cycle after that
		ln_ok1      <= !layer_go;
		go_ok       <= ln_ok1 && !layer_go && !is_q_reg;  // is_q_reg changes only at a load
	end
	// j_reg compares, registered: j_reg holds still for a cycle before either
	// is used (ARG moves it every other cycle, RES once per beat at most every
	// third; S_LOAD clears it, so the first ARG cycle sees index 0)
	reg               scan_more;     // j_reg != out_dim_reg, a cycle ago
	reg  [DIMW-1:0]   od_m1_reg;     // out_dim_reg - 1 (out_dim_reg is set long before S_RES)
	reg               j_last;        // j_reg + 1 == out_dim_reg, a cycle ago
	reg               j_zero;        // j_reg == 0, a cycle ago
	reg               j_adv;         // slot js_reg is its word's last and j_reg + 1 != out_dim_reg, a cycle ago
	wire              res_fire  = m_res_valid && m_res_ready;
	// the next layer is loaded in the cycle after a hidden layer's last
	// issue (once ln_* hold its entry: go_ok), and its first round waits as
	// the round table says; after the output layer comes S_DRAIN
	wire              layer_nx  = run_end && go_ok;  // one LUT of flip-flops
	wire              layer_go  = (state_reg == S_LOAD) || layer_nx;

	// ---- cycle counter ---------------------------------------------------------
	// Cycles since the observation's first beat plus 2 (what o_cycles takes
	// at the first result beat), in two 16-bit halves: the high half counts
	// the low half's wraps a cycle late (cyc_wrap), so neither carry chain
	// is 32 bits long.
	reg  [15:0]       cyc_lo, cyc_hi;
	reg               cyc_wrap;      // cyc_lo == 16'hffff

	// ---- controller ------------------------------------------------------------
	// both from flip-flops (the link's logic follows them):
	//   s_obs_ready = (S_IDLE && layer_reg == 0 and no table write for two
	//                  cycles (the ln_* registers hold lt[0]) && fl_done) || S_OBS
	assign s_obs_ready = obs_rdy_reg;
	assign s_ld_ready  = idle_reg && !s_obs_valid;

	wire obs_last = (state_reg == S_IDLE) ? ln_in1 : (obs_left_reg == 0);
	// the next cycle's state, as far as s_obs_ready needs it
	wire idle_nx = ((state_reg == S_IDLE) && !obs_fire) ||
		       ((state_reg == S_RES) && res_fire && m_res_last);
	wire obs_nx  = ((state_reg == S_IDLE) && obs_fire && !obs_last) ||
		       ((state_reg == S_OBS) && !(obs_fire && obs_last));
	wire lt0_pre_nx = (layer_reg == 0) && !ld_pending;
	wire lt0_ok_nx  = lt0_pre_nx && lt0_pre;
	// fill: restarted by a round-table write and when the output layer's
	// drain ends (the inference needs the table no more)
	wire fl_restart = rt_we || ((state_reg == S_DRAIN) && pipe_drained);
	wire [1:0] fl_nx = fl_restart ? 2'd0 : (fl_done ? 2'd3 : fl + 2'd1);

	always @(posedge i_clk) begin
		lt0_pre    <= lt0_pre_nx;
		idle_reg   <= idle_nx;
		obs_rdy_reg <= (idle_nx && lt0_ok_nx && !ld_fire && (fl_nx == 2'd3)) || obs_nx;
		fl <= fl_nx;
		// round lengths: shifted at a round start and by the fill
		if (run_start || fl == 2'd1 || fl == 2'd2) begin
			len1  <= rt_len;
			wait1 <= rt_wait;
		end
		if (run_start || fl == 2'd2) begin
			len0_m1  <= len1 - 1'b1;
			len0_is1 <= len1 == 1;
			len0_is2 <= len1 == 2;
			wait0    <= wait1;
		end
		// a round's wait starts after the last issue of the round before
		// (the next round is nxt_g: wait0, or wait1 when that issue is a
		// round start, which shifts them along)
		if (issue && issue_last) begin
			wt_reg   <= run_start ? wait1 : wait0;
			wt_z_reg <= (run_start ? wait1 : wait0) == 0;
		end else if (!wt_z_reg) begin
			wt_reg   <= wt_reg - 1'b1;
			wt_z_reg <= wt_reg == 1;
		end
		cyc_lo   <= cyc_lo + 1'b1;
		cyc_wrap <= cyc_lo == 16'hfffe;
		cyc_hi   <= cyc_hi + {15'd0, cyc_wrap};
		scan_more <= j_reg != out_dim_reg;
		od_m1_reg <= out_dim_reg - 1'b1;
		j_last    <= j_reg == od_m1_reg;
		j_zero    <= j_reg == 0;
		j_adv     <= (js_reg == SLOT_LAST) && (j_reg != od_m1_reg);
		q1_v <= 1'b0;
		q2_v <= q1_v;
		q1_j <= j_reg;
		q1_s <= js_reg;
		q2_j <= q1_j;
		q2_word <= qb_q;
		q2_s    <= q1_s;
		q1_first <= (j_reg == 0);
		q2_first <= q1_first;
		// slot select (q3), compare (q4) and the running maximum's update
		// are a stage each: indices come every other cycle, so each compare
		// sees the maximum of all indices before it
		q3_v     <= q2_v;
		q3_first <= q2_first;
		q3_j     <= q2_j;
		q3_val   <= q2_val;
		q4_v     <= q3_v;
		q4_first <= q3_first;
		q4_gt_hi <= $signed(q3_val[ACCW-1:CMPL]) > $signed(best_reg[ACCW-1:CMPL]);
		q4_eq_hi <= q3_val[ACCW-1:CMPL] == best_reg[ACCW-1:CMPL];
		q4_gt_lo <= q3_val[CMPL-1:0] > best_reg[CMPL-1:0];
		q4_j     <= q3_j;
		q4_val   <= q3_val;
		if (q4_v && (q4_first || q4_gt_hi || (q4_eq_hi && q4_gt_lo))) begin
			best_reg <= q4_val;
			best_j   <= q4_j;
		end

		case (state_reg)
		S_IDLE: begin
			obs_cnt_reg <= {ROWW{1'b0}};
			nxt_g_reg   <= {LG_RD{1'b0}};
			nxt_g1_reg  <= G1[LG_RD-1:0];
			nxt_g2_reg  <= G2[LG_RD-1:0];
			nxt_g3_reg  <= G3[LG_RD-1:0];
			wa_reg      <= {LG_WD{1'b0}};
			bank_reg    <= 1'b0;
			wt_reg      <= {WTW{1'b0}};
			wt_z_reg    <= 1'b1;     // round 0 does not wait
			if (obs_fire) begin
				cyc_lo      <= 16'd3;
				cyc_wrap    <= 1'b0;
				cyc_hi      <= 16'd0;
				o_busy      <= 1'b1;
				obs_cnt_reg <= obs_cnt_reg + 1'b1;
				obs_left_reg <= ln_in_m2;
				state_reg   <= obs_last ? S_LOAD : S_OBS;
			end
		end
		S_OBS:
			if (obs_fire) begin
				obs_cnt_reg  <= obs_cnt_reg + 1'b1;
				obs_left_reg <= obs_left_reg - 1'b1;
				if (obs_last)
					state_reg <= S_LOAD;
			end
		S_LOAD: ;  // layer_go below
		S_RUN: begin
			// exactly one of run_entry, run_start, run_end holds here
			if (issue) begin
				rem_z_reg <= issue_last;
				wa_reg    <= wa_reg + 1'b1;
			end
			if (run_entry) begin
				rem_reg  <= rem_reg - 1'b1;
				rem1_reg <= rem_reg == 2;
			end
			if (run_start) begin
				rem_reg         <= len0_m1;
				rem1_reg        <= len0_is2;
				nxt_g_reg       <= nxt_g1_reg;
				nxt_g1_reg      <= nxt_g1_reg + 1'b1;
				nxt_g2_reg      <= nxt_g3_reg;
				nxt_g3_reg      <= nxt_g3_reg + 1'b1;
				k_reg           <= k_reg + 1'b1;
				rounds_left_reg <= rounds_left_reg - 1'b1;
				rl_nz_reg       <= rounds_left_reg != 1;
			end
			if (run_end && is_q_reg) begin
				state_reg <= S_DRAIN;
				run_reg   <= 1'b0;
			end
			// the first issue of a layer sets the clamp bound of its
			// write bank: the layer two before, which wrote that bank,
			// has written its last word by then (the exporter's waits)
			if (run_start && amax_set) begin
				amax_set <= 1'b0;
				if (bank_reg)
					amax_p0 <= amax_nx;
				else
					amax_p1 <= amax_nx;
			end
		end
		S_DRAIN: begin
			// the argmax scan's start, set here (DRAIN lasts five cycles
			// or more), so the scan's registered compares see index 0
			scan_ph  <= 1'b0;
			j_reg    <= {DIMW{1'b0}};
			js_reg   <= {SLOTW{1'b0}};
			qb_raddr <= {ROWW{1'b0}};
			if (pipe_drained) begin
				state_reg   <= S_ARG;
				// the next inference's start, set now: the fill reads
				// rounds 0..2, lt_q becomes entry 0, and an observation
				// may come in the first S_IDLE cycle
				layer_reg   <= {LGL{1'b0}};
				obs_cnt_reg <= {ROWW{1'b0}};
				nxt_g_reg   <= {LG_RD{1'b0}};
				nxt_g1_reg  <= G1[LG_RD-1:0];
				nxt_g2_reg  <= G2[LG_RD-1:0];
				nxt_g3_reg  <= G3[LG_RD-1:0];
			end
		end
		S_ARG: begin
			// an index every other cycle: read word, select slot, compare,
			// update the maximum
			scan_ph <= ~scan_ph;
			if (scan_more) begin
				if (!scan_ph) begin
					q1_v  <= 1'b1;
					j_reg <= j_reg + 1'b1;
					if (js_reg == SLOT_LAST) begin
						js_reg   <= {SLOTW{1'b0}};
						qb_raddr <= qb_raddr + 1'b1;
					end else begin
						js_reg <= js_reg + 1'b1;
					end
				end
			end else begin
				// the scan's last read is out: word 0 for the first
				// result beat (qb_q, then q2_word, before S_RES needs it)
				qb_raddr <= {ROWW{1'b0}};
				// q3 and q4 may still be busy: the maximum's last update
				// is at the end of the next cycle, and the first beat
				// takes best_j a cycle after that
				if (!q1_v && !q2_v) begin
					state_reg <= S_RES;
					j_reg     <= {DIMW{1'b0}};
					js_reg    <= {SLOTW{1'b0}};
					res_wait  <= 1'b0;
				end
			end
		end
		S_RES: begin
			if (!m_res_valid) begin
				// q2_word is beat j_reg's word (read two cycles ago)
				res_wait <= 1'b1;
				if (res_wait) begin
					m_res_valid  <= 1'b1;
					m_res_data   <= q1_val_res;
					m_res_index  <= j_reg;
					m_res_action <= best_j;
					m_res_last   <= j_last;
					if (j_zero)
						o_cycles <= {cyc_hi, cyc_lo};
					// read the next beat's word now: it is in q2_word
					// three cycles on, when that beat is presented at
					// the earliest
					if (j_adv)
						qb_raddr <= qb_raddr + 1'b1;
				end
			end else if (res_fire) begin
				m_res_valid <= 1'b0;
				res_wait    <= 1'b0;
				if (m_res_last) begin
					o_busy    <= 1'b0;
					state_reg <= S_IDLE;
					layer_reg <= {LGL{1'b0}};
				end else begin
					j_reg <= j_reg + 1'b1;
					if (js_reg == SLOT_LAST)
						js_reg <= {SLOTW{1'b0}};
					else
						js_reg <= js_reg + 1'b1;
				end
			end
		end
		default: state_reg <= S_IDLE;
		endcase

		// layer registers: from S_LOAD (the first layer), or in the cycle
		// after a hidden layer's last issue (what its entries still need
		// travels with them); layer_reg moves on to the next entry
		if (layer_go) begin
			layer_reg       <= layer_reg + 1'b1;
			rounds_left_reg <= ln_n_rounds;
			is_q_reg        <= ln_is_last;
			grp_reg         <= ln_grp;
			out_dim_reg     <= ln_out_dim;
			amax_nx         <= ln_amax;
			amax_set        <= 1'b1;
			rem_reg         <= {DIMW{1'b0}};
			rem1_reg        <= 1'b0;
			rem_z_reg       <= 1'b1;
			rl_nz_reg       <= ln_rl_nz;
			run_reg         <= 1'b1;
			k_reg           <= {ROWW{1'b0}};
			state_reg       <= S_RUN;
			if (layer_nx)
				bank_reg    <= ~bank_reg;
		end

		if (i_rst) begin
			state_reg   <= S_IDLE;
			run_reg     <= 1'b0;
			layer_reg   <= {LGL{1'b0}};
			lt0_pre     <= 1'b0;
			idle_reg    <= 1'b1;
			obs_rdy_reg <= 1'b0;
			fl          <= 2'd0;
			wt_reg      <= {WTW{1'b0}};
			wt_z_reg    <= 1'b1;
			m_res_valid <= 1'b0;
			o_busy      <= 1'b0;
			q1_v        <= 1'b0;
			q2_v        <= 1'b0;
			q3_v        <= 1'b0;
			q4_v        <= 1'b0;
		end
	end

`ifdef FORMAL
	// First properties; the proofs (and the input assumptions of a full
	// harness) are separate work. Reset is assumed in the first cycle.
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_rst);
	// the result stream holds valid and data while stalled
	always @(posedge i_clk)
		if (f_past_valid && !$past(i_rst) && $past(m_res_valid) && !$past(m_res_ready)) begin
			assert(m_res_valid);
			assert(m_res_data == $past(m_res_data));
			assert(m_res_index == $past(m_res_index));
			assert(m_res_action == $past(m_res_action));
			assert(m_res_last == $past(m_res_last));
		end
	// the load port is open only while idle, and never with an observation
	always @(*)
		if (f_past_valid && s_ld_ready)
			assert(state_reg == S_IDLE && !s_obs_valid);
	// the controller stays in its seven states; results only in RES
	always @(*)
		if (f_past_valid) begin
			assert(state_reg <= S_RES);
			if (m_res_valid)
				assert(state_reg == S_RES && o_busy);
		end
`endif
`ifdef SQ_FORMAL_PROPS
	// issue 7's property sets (tests/formal/, `make formal`)
`include "sq_core_props.vh"
`endif
endmodule

`default_nettype wire
