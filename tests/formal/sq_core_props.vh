// sq_core_props.vh - formal properties of sq_core (issue 7), included at the
// bottom of rtl/sq_core.v under `ifdef SQ_FORMAL_PROPS (tests/formal/*.sby
// define it, together with one SQF_* macro that selects the property set).
// Everything here only observes the core; nothing drives it.
// Names start with fp_ so they never meet the core's own.
//
//   SQF_ACC     (1) no accumulator overflow for models that fit ACCW   k-induction
//   SQF_REQ     (2) R1..R3 equal the numerics.md reference expression  k-induction
//   SQF_LOAD    (8) the load port writes only the addressed entry      k-induction
//   SQF_CTRL    (3)(4)(5)(6) argmax, streams, latency, addresses       bounded, from reset
//
// Sizes in the comments are for the instance the .sby files use.

	reg fp_init = 1'b1;              // the first cycle
	reg fp_pv = 1'b0;                // $past reaches past the first cycle
	always @(posedge i_clk) begin
		fp_init <= 1'b0;
		fp_pv   <= !fp_init;
	end

`ifndef SQF_LOAD
	assign f_wm_addr = {LG_WD{1'b0}};   // the weight peek (sq_wmem) is SQF_LOAD's only
	wire fp_unused_wm = ^f_wm_word;
`endif

	localparam integer FP_AMAXA = (1 << (AW - 1)) - 1;
	localparam integer FP_AMAXW = (1 << (WW - 1)) - 1;
	localparam integer FP_AMAXC = (1 << (ACCW - 1)) - 1;

`ifdef SQF_ACC
	// (1) The accumulator never overflows. Per lane, a shadow FPW bits wide
	// (wider than any value it can hold) sums the same bias and exact products
	// (fp_wacc), and a second one the bound the exporter computes,
	// M = |bias| + amax(A_l) * sum |w| (fp_m). The inputs are constrained
	// exactly as numerics.md constrains a model that fits: |a| <= amax(A_l)
	// with A_l <= AW, |w| <= amax(WW), |bias| <= amax(ACCW), and every row's
	// M <= amax(ACCW) (acc_bits <= ACCW). The claim: the ACCW-bit accumulator
	// equals the exact sum after every step of the row.
	localparam integer FPW = ((ACCW > PRW) ? ACCW : PRW) + 3;
	(* anyconst *) reg [4:0] fp_abits;     // A_l of the layer, 2..AW
	always @(*)
		assume(fp_abits >= 2 && fp_abits <= AW);
	wire signed [FPW-1:0] fp_amax_in = (1 <<< (fp_abits - 1)) - 1;
	genvar fg;
	for (fg = 0; fg < P; fg = fg + 1) begin : g_facc
		reg signed [FPW-1:0] fp_wacc, fp_m;
		reg               fp_row;       // a row has started: the shadows track acc
		reg  [WW-1:0]     fp_cw;        // the operands behind c_prod
		reg  [AW-1:0]     fp_ca;
		always @(posedge i_clk) begin
			fp_cw <= g_lane[fg].m_w;
			fp_ca <= g_lane[fg].m_a;
		end
		wire signed [FPW-1:0] fp_w    = {{(FPW-WW){fp_cw[WW-1]}}, fp_cw};
		wire signed [FPW-1:0] fp_a    = {{(FPW-AW){fp_ca[AW-1]}}, fp_ca};
		wire signed [FPW-1:0] fp_prod = {{(FPW-PRW){g_lane[fg].c_prod[PRW-1]}}, g_lane[fg].c_prod};
		wire signed [FPW-1:0] fp_bias = {{(FPW-ACCW){g_lane[fg].p_bias[ACCW-1]}}, g_lane[fg].p_bias};
		wire signed [FPW-1:0] fp_wabs = fp_w < 0 ? -fp_w : fp_w;
		wire signed [FPW-1:0] fp_babs = fp_bias < 0 ? -fp_bias : fp_bias;
		wire signed [FPW-1:0] fp_m_nx = (c_first ? fp_babs : fp_m) + fp_amax_in * fp_wabs;
		// the operands of a model that fits
		always @(*)
			if (c_v) begin
				assume(fp_w >= -FP_AMAXW && fp_w <= FP_AMAXW);
				assume(fp_a >= -fp_amax_in && fp_a <= fp_amax_in);
				assume(fp_bias >= -FP_AMAXC);
				assume(fp_m_nx <= FP_AMAXC);     // acc_bits <= ACCW
			end
		always @(posedge i_clk) begin
			if (c_v) begin
				fp_wacc <= (c_first ? fp_bias : fp_wacc) + fp_prod;
				fp_m    <= fp_m_nx;
				if (c_first)
					fp_row <= 1'b1;
			end
			if (fp_init)
				fp_row <= 1'b0;
		end
		// the product stage is exact, and the accumulator equals the exact sum
		always @(*)
			if (!fp_init && c_v)
				assert(fp_prod == fp_w * fp_a);
		always @(*)
			if (!fp_init && fp_row) begin
				assert($signed(g_lane[fg].acc) == fp_wacc);
				assert(fp_wacc <= fp_m && fp_wacc >= -fp_m && fp_m <= FP_AMAXC);
			end
		always @(*)
			cover(!fp_init && fp_row && fp_wacc == FP_AMAXC);
		always @(*)
			cover(!fp_init && fp_row && fp_wacc == -FP_AMAXC);
	end
`endif

`ifdef SQF_REQ
	// (2) Requantization, rounding, saturation and ReLU (numerics.md "One
	// layer"), checked against a 64-bit reference expression for every
	// accumulator value, every shift 0..31 and every amax the layer table can
	// give: r_out three cycles after R1 reads (acc, sh), with the amax of the
	// cycle R3 computes (r2_amax: the bound of the bank the word goes to).
	// amax is amax(A) = 2^(A-1) - 1 for an activation width A in 2..AW, as
	// the layer table's sat_bits give it (the clamp may rely on amax being
	// such a mask): assumed for the datapath, and the layer load that
	// computes it from sat_bits (ln_amax, a cycle ahead of the load from the
	// entry lt_q held then, into amax_nx) is asserted below.
	integer fk;
	reg fp_amax_ok;
	always @(*) begin
		fp_amax_ok = 1'b0;
		for (fk = 2; fk <= AW; fk = fk + 1)
			if ({{(32-AW){1'b0}}, r2_amax} == (1 << (fk - 1)) - 1)
				fp_amax_ok = 1'b1;
		assume(fp_amax_ok);
	end
	reg       fp_ld = 1'b0;        // last cycle loaded a hidden layer
	reg [4:0] fp_sat_src;          // lt_sat_bits a cycle ago: ln_amax's source
	reg [4:0] fp_sat;
	always @(posedge i_clk) begin
		// (from the second cycle: ln_amax then comes from a real cycle's lt_q)
		fp_ld      <= layer_go && !ln_is_last && !i_rst && !fp_init;
		fp_sat_src <= lt_sat_bits;
		fp_sat     <= fp_sat_src;
	end
	always @(*)
		if (fp_ld && fp_sat >= 2 && fp_sat <= AW)
			assert({{(32-AW){1'b0}}, amax_nx} == (1 << (fp_sat - 1)) - 1);
	localparam integer FRW = 40;      // holds acc + 2^30 and its shift by 31
	genvar fq;
	for (fq = 0; fq < P; fq = fq + 1) begin : g_freq
		reg  [ACCW-1:0] fp_acc1, fp_acc2, fp_acc3;
		reg  [4:0]      fp_sh1, fp_sh2, fp_sh3;
		reg  [AW-1:0]   fp_amax1;
		reg  [1:0]      fp_n = 2'd0;      // cycles of history
		// a row has started in this lane (its first entry loaded sh): from
		// then on the lane's rounding constant belongs to sh
		reg             fp_row = 1'b0, fp_row1 = 1'b0, fp_row2 = 1'b0, fp_row3 = 1'b0;
		wire [QW-1:0]   fp_rnd = (g_lane[fq].sh == 5'd0) ? {QW{1'b0}} :
					 ({{(QW-1){1'b0}}, 1'b1} << (g_lane[fq].sh - 5'd1));
		always @(posedge i_clk) begin
			if (c_v && c_first)
				fp_row <= 1'b1;
			fp_row1 <= fp_row; fp_row2 <= fp_row1; fp_row3 <= fp_row2;
		end
		always @(*)
			if (fp_row)   // 2^(sh-1) in QW bits; a shift of QW may give 0 too
				assert(g_lane[fq].rnd == fp_rnd ||
				       (g_lane[fq].sh >= QW && g_lane[fq].rnd == {QW{1'b0}}));
		always @(posedge i_clk) begin
			fp_acc1 <= g_lane[fq].acc; fp_acc2 <= fp_acc1; fp_acc3 <= fp_acc2;
			fp_sh1  <= g_lane[fq].sh;  fp_sh2  <= fp_sh1;  fp_sh3  <= fp_sh2;
			fp_amax1 <= r2_amax;
			if (fp_n != 2'd3)
				fp_n <= fp_n + 2'd1;
		end
		// numerics.md: t = acc if s == 0, else floor((acc + 2^(s-1)) / 2^s);
		// out = min(max(t, 0), amax)
		wire signed [FRW-1:0] fp_x   = {{(FRW-ACCW){fp_acc3[ACCW-1]}}, fp_acc3};
		wire signed [FRW-1:0] fp_t   = (fp_sh3 == 5'd0) ? fp_x :
					    ((fp_x + (40'sd1 <<< (fp_sh3 - 5'd1))) >>> fp_sh3);
		wire signed [FRW-1:0] fp_am  = {{(FRW-AW){1'b0}}, fp_amax1};
		wire signed [FRW-1:0] fp_ref = fp_t < 0 ? 40'sd0 : (fp_t > fp_am ? fp_am : fp_t);
		always @(*)
			if (fp_n == 2'd3 && fp_row3)
				assert({{(FRW-AW){1'b0}}, g_lane[fq].r_out} == fp_ref);
		// the spec's examples are reachable: a tie rounds up, a negative
		// tie towards zero, and the clamp bites on both sides
		always @(*) begin
			cover(fp_n == 2'd3 && fp_row3 && fp_sh3 == 5'd1 && fp_x == 40'sd5 && fp_ref == 40'sd3);
			cover(fp_n == 2'd3 && fp_row3 && fp_sh3 == 5'd1 && fp_x == -40'sd5 && fp_t == -40'sd2);
			cover(fp_n == 2'd3 && fp_row3 && fp_t > fp_am && fp_am != 0 && g_lane[fq].r_out == fp_amax1);
			cover(fp_n == 2'd3 && fp_row3 && fp_t < 0 && g_lane[fq].r_out == 0);
		end
	end
`endif

`ifdef SQF_LOAD
	// (8) The load port writes only the addressed entry: a symbolic entry
	// (memory, address, lane) changes only to the data of a load beat that
	// addressed exactly it, accepted one or two cycles before (the port may
	// register the beat before the write); and such a beat, with no newer one
	// to the entry, is written (right-aligned) within two cycles.
	(* anyconst *) reg [1:0]  fp_mem;
	(* anyconst *) reg [15:0] fp_addr;
	(* anyconst *) reg [3:0]  fp_lane;
	assign f_wm_addr = fp_addr[LG_WD-1:0];   // the weight entry, read in sq_wmem
	wire [63:0] fp_now =
		(fp_mem == 2'd0) ? {{(64-LTW){1'b0}}, lt[fp_addr[LGL-1:0]]} :
		(fp_mem == 2'd1) ? {{(64-RTW){1'b0}}, rt[fp_addr[LG_RD-1:0]]} :
		(fp_mem == 2'd2) ? {{(64-EW){1'b0}}, f_wm_word >> (fp_lane * EW)} &
				   ((64'd1 << EW) - 64'd1) :
				   {{(64-PW){1'b0}}, pm[fp_addr[LG_RD-1:0]] >> (fp_lane * PW)} &
				   ((64'd1 << PW) - 64'd1);
	wire [15:0] fp_depth = (fp_mem == 2'd0) ? MAXL :
			       (fp_mem == 2'd1) ? (1 << LG_RD) :
			       (fp_mem == 2'd2) ? (1 << LG_WD) : (1 << LG_RD);
	always @(*)
		assume(fp_addr < fp_depth && ((fp_mem >= 2'd2) ? (fp_lane < P) : (fp_lane == 4'd0)));
	wire [63:0] fp_mask =
		(fp_mem == 2'd0) ? ((64'd1 << LTW) - 64'd1) :
		(fp_mem == 2'd1) ? ((64'd1 << RTW) - 64'd1) :
		(fp_mem == 2'd2) ? ((64'd1 << EW) - 64'd1) : ((64'd1 << PW) - 64'd1);
	wire fp_hit0 = ld_fire && s_ld_mem == fp_mem && s_ld_addr == fp_addr &&
		       (fp_mem < 2'd2 || s_ld_lane == fp_lane);
	reg        fp_hit1 = 1'b0, fp_hit2 = 1'b0;   // beats to the entry, 1 and 2 cycles ago
	reg [63:0] fp_hd1, fp_hd2;
	reg [63:0] fp_val;                          // the entry, last cycle
	reg [1:0]  fp_n = 2'd0;
	always @(posedge i_clk) begin
		fp_val  <= fp_now;
		fp_hit1 <= fp_hit0 && !i_rst;
		fp_hd1  <= s_ld_data & fp_mask;
		fp_hit2 <= fp_hit1;
		fp_hd2  <= fp_hd1;
		if (fp_n != 2'd3)
			fp_n <= fp_n + 2'd1;
	end
	always @(*)
		if (fp_n == 2'd3) begin
			if (fp_now != fp_val)
				assert((fp_hit1 && fp_now == fp_hd1) || (fp_hit2 && fp_now == fp_hd2));
			if (fp_hit2 && !fp_hit1)
				assert(fp_now == fp_hd2);
		end
	always @(*) begin
		cover(fp_n == 2'd3 && fp_mem == 2'd2 && fp_lane == P - 1 && fp_now != fp_val);
		cover(fp_n == 2'd3 && fp_mem == 2'd3 && fp_lane == P - 1 && fp_now != fp_val);
		cover(fp_n == 2'd3 && fp_mem == 2'd0 && fp_now != fp_val);
	end
`endif

`ifdef SQF_CTRL
	// (3)(4)(5)(6) on a symbolic model: the memories start with arbitrary
	// contents, constrained only to a valid model (docs/architecture.md) of
	// one or two layers; the load port stays closed. Bounded from reset; the
	// depth (tests/formal/core_ctrl.sby) covers the longest inference of this
	// instance plus the start of the next one, see docs/formal.md.
	always @(*)
		assume(!s_ld_valid);
	// layer table fields
	wire [LTW-1:0]  fp_l0 = lt[0];
	wire [LTW-1:0]  fp_l1 = lt[MAXL-1];
	wire [RCW-1:0]  fp_iw0 = fp_l0[RCW-1:0],         fp_iw1 = fp_l1[RCW-1:0];
	wire [RCW-1:0]  fp_nr0 = fp_l0[2*RCW-1:RCW],     fp_nr1 = fp_l1[2*RCW-1:RCW];
	wire [DIMW-1:0] fp_od0 = fp_l0[2*RCW+DIMW-1:2*RCW], fp_od1 = fp_l1[2*RCW+DIMW-1:2*RCW];
	wire [4:0]      fp_sb0 = fp_l0[2*RCW+DIMW+4:2*RCW+DIMW];
	wire            fp_last0 = fp_l0[LTW-1], fp_last1 = fp_l1[LTW-1];
	wire [DIMW-1:0] fp_odq = fp_last0 ? fp_od0 : fp_od1;   // out_dim of the output layer
	// valid model: layer 0 takes 1..AWD words; rounds = ceil(out_dim / P);
	// hidden sat_bits 2..AW; layer 1 (if any) reads layer 0's words and is last
	always @(*) begin
		assume(fp_iw0 >= 1 && fp_iw0 <= AWD);
		assume(fp_od0 >= 1 && fp_od0 <= MAXW && fp_nr0 == (fp_od0 + P - 1) / P);
		if (!fp_last0) begin
			assume(MAXL >= 2 && fp_last1);
			assume(fp_sb0 >= 2 && fp_sb0 <= AW);
			assume(fp_iw1 == fp_nr0);
			assume(fp_od1 >= 1 && fp_od1 <= MAXW && fp_nr1 == (fp_od1 + P - 1) / P);
		end
	end
	// round table: len_k 1..MAXW; waits as the exporter writes them
	// (host/export.c): none in layer 0 (it reads the observation), and at
	// most 8 in all in layer 1 (every word it reads is written 9 cycles
	// after layer 0's last issue at the latest); the model's entries fit the
	// weight memory; weight entries name words and slots inside their
	// layer's input
	wire [LG_RD:0]  fp_nrounds = fp_last0 ? fp_nr0 : fp_nr0 + fp_nr1;
	function [DIMW-1:0] fp_len;      // len_k of round table entry k
		input integer k;
		reg [RTW-1:0] e;
		begin
			e      = rt[k];
			fp_len = e[DIMW-1:0];
		end
	endfunction
	function [WTW-1:0] fp_wt;        // wait_k
		input integer k;
		reg [RTW-1:0] e;
		begin
			e     = rt[k];
			fp_wt = e[RTW-1:DIMW];
		end
	endfunction
	integer fk;
	reg [15:0] fp_nent;             // weight words of the model
	reg [7:0]  fp_wt1;              // waits of layer 1's rounds
	always @(*) begin
		fp_nent = 16'd0;
		fp_wt1 = 8'd0;
		for (fk = 0; fk < (1 << LG_RD); fk = fk + 1)
			if (fk < fp_nrounds) begin
				assume(fp_len(fk) >= 1 && fp_len(fk) <= MAXW);
				if (fk < fp_nr0)
					assume(fp_wt(fk) == 0);
				else
					fp_wt1 = fp_wt1 + fp_wt(fk);
				fp_nent = fp_nent + fp_len(fk);
			end
		assume(fp_wt1 <= 8);
		assume(fp_nent <= (1 << LG_WD));
		assume(fp_nrounds <= (1 << LG_RD));
	end
	// the observation stream: data hold while stalled (the upstream's duty)
	always @(posedge i_clk)
		if (fp_pv && $past(s_obs_valid && !s_obs_ready)) begin
			assume(s_obs_valid);
			assume(s_obs_data == $past(s_obs_data));
		end
	always @(*)
		assume(i_rst == fp_init);      // reset in the first cycle only

	// ---- (4) streams -------------------------------------------------------
	// The result stream holds valid and every field while stalled.
	always @(posedge i_clk)
		if (fp_pv && $past(m_res_valid && !m_res_ready)) begin
			assert(m_res_valid);
			assert(m_res_data == $past(m_res_data) && m_res_index == $past(m_res_index) &&
			       m_res_action == $past(m_res_action) && m_res_last == $past(m_res_last) &&
			       o_cycles == $past(o_cycles));
		end
	// Observations (last beat accepted) and results (last beat taken) are
	// counted; results never outrun observations and at most one is in
	// flight; result beats come in index order 0..out_dim-1, each once,
	// last exactly on out_dim-1.
	reg [7:0]      fp_nobs = 8'd0, fp_nres = 8'd0;
	reg [DIMW-1:0] fp_beat = {DIMW{1'b0}};   // next result index expected
	reg [ROWW:0]   fp_obeats = 0;            // beats of the current observation
	wire fp_obs_last = !fp_init && obs_fire && (fp_obeats + 1'b1 == fp_iw0);
	wire fp_res_fire = !fp_init && m_res_valid && m_res_ready;
	always @(posedge i_clk) begin
		if (obs_fire && !fp_init)
			fp_obeats <= fp_obs_last ? 0 : fp_obeats + 1'b1;
		if (fp_obs_last)
			fp_nobs <= fp_nobs + 1'b1;
		if (fp_res_fire) begin
			fp_beat <= m_res_last ? {DIMW{1'b0}} : fp_beat + 1'b1;
			if (m_res_last)
				fp_nres <= fp_nres + 1'b1;
		end
	end
	always @(*)
		if (!fp_init) begin
			assert(fp_nres == fp_nobs || fp_nres + 8'd1 == fp_nobs);
			if (fp_nres + 8'd1 == fp_nobs)
				assert(!s_obs_ready || state_reg == S_OBS);  // no new observation
			if (m_res_valid) begin
				assert(fp_nres + 8'd1 == fp_nobs && fp_obeats == 0);
				assert(m_res_index == fp_beat && fp_beat < fp_odq);
				assert(m_res_last == (fp_beat + 1'b1 == fp_odq));
			end
			if (fp_obeats != 0)
				assert(fp_nres == fp_nobs);
		end

	// ---- (3) argmax --------------------------------------------------------
	// On every result beat: the action's Q is >= every Q of the output layer,
	// and > every Q of a lower index (ties: the lowest index). Q j is slot
	// j % P of Q buffer word j / P; the beat's data is Q index.
	function [ACCW-1:0] fp_q;
		input integer j;
		reg [P*ACCW-1:0] wd;
		begin
			wd   = qb[j / P];
			fp_q = wd[(j % P) * ACCW +: ACCW];
		end
	endfunction
	integer fj;
	reg [ACCW-1:0] fp_qa;
	always @(*) begin
		fp_qa = fp_q(m_res_action);
		if (!fp_init && m_res_valid) begin
			assert(m_res_action < fp_odq);
			assert(m_res_data == fp_q(m_res_index));
			for (fj = 0; fj < MAXW; fj = fj + 1)
				if (fj < fp_odq) begin
					assert($signed(fp_q(fj)) <= $signed(fp_qa));
					if (fj < m_res_action)
						assert($signed(fp_q(fj)) < $signed(fp_qa));
				end
		end
	end

	// a tie: the lower index wins
	always @(*)
		cover(!fp_init && m_res_valid && fp_odq >= 2 && fp_q(0) == fp_q(1) && m_res_action == 0);

	// ---- (5) latency -------------------------------------------------------
	// B, from the model: counted from the cycle the observation's last beat
	// is accepted to the cycle before the first result beat is presented,
	//   B = sum over the model's rounds of len_k + sum over its rounds
	//       after the first of wait_k + FP_HID * (layers - 1)
	//       + FP_ARG * out_dim + FP_OUT
	// FP_HID = 2 per hidden layer: the cycle after its last issue, which
	// loads the next layer, and one more when the layer was loaded less
	// than three cycles before (its table entry is read ahead two cycles);
	// a round's wait counts from the last issue of the round before, so a
	// layer's first round may wait within those cycles (B is an upper
	// bound; a model with no waits reaches it). FP_ARG = 2: the argmax scan takes an index every other cycle
	// (registered compare). FP_OUT = 12 + NLV: the first layer's table load,
	// the end cycle, the drain up to the Q capture (6 stages, then the NLV
	// levels of the output-row reduction), the argmax pipeline (whose last
	// compare and update overlap RES's first cycles) and the first Q-buffer
	// read. A core with a
	// one-cycle scan (rtl before the registered compare) finishes out_dim
	// cycles sooner; the cover below shows the bound is reached within
	// out_dim cycles (exactly, with the two-cycle scan).
	localparam integer FP_HID = 2;
	localparam integer FP_ARG = 2;
	localparam integer FP_OUT = 12 + NLV;
	reg [15:0] fp_lens;             // sum of len_k over the model's rounds
	reg [15:0] fp_waits;            // sum of wait_k over its rounds but the first
	integer fr;
	always @(*) begin
		fp_lens = 16'd0;
		fp_waits = 16'd0;
		for (fr = 0; fr < (1 << LG_RD); fr = fr + 1)
			if (fr < fp_nrounds) begin
				fp_lens = fp_lens + fp_len(fr);
				if (fr > 0)
					fp_waits = fp_waits + fp_wt(fr);
			end
	end
	wire [15:0] fp_B = fp_lens + fp_waits + (fp_last0 ? 16'd0 : FP_HID) + FP_ARG * fp_odq + FP_OUT;
	reg  [15:0] fp_lat = 16'd0;
	reg         fp_wait = 1'b0;        // an observation is accepted, no result yet
	always @(posedge i_clk) begin
		if (fp_obs_last) begin
			fp_wait <= 1'b1;
			fp_lat  <= 16'd0;
		end else if (fp_wait && !m_res_valid)
			fp_lat <= fp_lat + 1'b1;
		if (m_res_valid)
			fp_wait <= 1'b0;
	end
	always @(*)
		if (!fp_init && fp_wait) begin
			assert(fp_lat <= fp_B);
			if (m_res_valid)
				assert(o_cycles >= 1);
		end
	// the bound is tight: some model comes within out_dim cycles of it
	always @(*)
		cover(!fp_init && fp_wait && m_res_valid && fp_lat + fp_odq >= fp_B);

	// ---- (6b) waits ---------------------------------------------------------
	// A round issues its first entry no sooner than its wait after the last
	// issue of the round before, and inside a layer exactly then: the
	// exporter's schedule (docs/architecture.md "Layer overlap") is what the
	// core runs, so no read comes before the write it waits for.
	reg [7:0] fp_gap = 8'd0;        // cycles since a round's last issue, less one
	always @(posedge i_clk)
		if (issue && issue_last)
			fp_gap <= 8'd0;
		else if (fp_gap != 8'hff)
			fp_gap <= fp_gap + 8'd1;
	always @(*)
		if (!fp_init && run_start && nxt_g_reg != 0) begin
			assert({4'd0, fp_wt(nxt_g_reg)} <= fp_gap);
			if (k_reg != 0)
				assert({4'd0, fp_wt(nxt_g_reg)} == fp_gap);
		end
	always @(*)
		cover(!fp_init && run_start && k_reg == 0 && nxt_g_reg != 0 && fp_wt(nxt_g_reg) > 3);

	// ---- (6) addresses -----------------------------------------------------
	// Weight words are issued strictly in order from 0 and never past the
	// model's last entry; activation words written (observation beats, round
	// results) and read (weight entries) lie inside the AWD words of a bank;
	// Q-buffer words inside the output layer's rounds; round indices inside
	// the model's rounds.
	reg [15:0] fp_issued = 16'd0;  // weight words issued in this inference
	always @(posedge i_clk) begin
		if (state_reg == S_IDLE)
			fp_issued <= 16'd0;
		if (issue && !fp_init)
			fp_issued <= fp_issued + 1'b1;
	end
	always @(*)
		if (!fp_init) begin
			if (issue) begin
				assert({{(16-LG_WD){1'b0}}, wa_reg} == fp_issued);
				assert(fp_issued < fp_nent);
			end
			if (run_start)
				assert(nxt_g_reg < fp_nrounds);
			if (obs_fire)
				assert(obs_cnt_reg < AWD);
			if (r3_v)
				assert(r3_k < AWD);
			if (r0_v && r0_q)
				assert(r0_k < AWD);
			if (qw_v)
				assert(qw_k < AWD);
			if (state_reg == S_RES)
				assert(qb_raddr < AWD);
		end
	always @(*)
		cover(!fp_init && state_reg == S_RES && !fp_last0 && fp_odq == MAXW && fp_lens == (1 << LG_WD));

	// ---- the controller's kept flags ---------------------------------------
	// Registers the core keeps beside the values they describe (so its issue
	// enables and argmax/result tests are one LUT from flip-flops) equal
	// those values wherever the controller reads them.
	always @(*)
		if (!fp_init) begin
			assert(run_reg == (state_reg == S_RUN));
			assert(pipe_drained == !(w_v || a_v || b_v || m_v || c_v || r0_v || r1_v || r2_v ||
						 rd_busy || qw_v));
			assert(idle_reg == (state_reg == S_IDLE));
			if (run_reg) begin
				assert(rem_z_reg == (rem_reg == 0));
				assert(rem1_reg == (rem_reg == 1));
				assert(rl_nz_reg == (rounds_left_reg != 0));
				assert(nxt_g1_reg == nxt_g_reg + 1'b1);
			end
			assert(wt_z_reg == (wt_reg == 0));
			if (state_reg == S_ARG && !scan_ph)
				assert(scan_more == (j_reg != out_dim_reg));
			if (state_reg == S_RES && res_wait && !m_res_valid) begin
				assert(j_last == ((j_reg + 1'b1) == out_dim_reg));
				assert(j_zero == (j_reg == 0));
				assert(j_adv == ((js_reg == SLOT_LAST) && ((j_reg + 1'b1) != out_dim_reg)));
			end
		end

	// The round lengths read ahead: the fill is over before any round
	// starts, and from then on len0/len1/rt_q are rounds nxt_g, nxt_g + 1
	// and nxt_g + 2 of the table (indices wrap as the counters do).
	wire [DIMW-1:0]  fp_rt0 = fp_len(nxt_g_reg);
	always @(*)
		if (!fp_init) begin
			if (state_reg == S_OBS || state_reg == S_LOAD || state_reg == S_RUN ||
			    state_reg == S_DRAIN || s_obs_ready)
				assert(fl_done);
			if (fl_done && (state_reg != S_IDLE || !fp_idle1)) begin
				assert(nxt_g1_reg == nxt_g_reg + 1'b1);
				assert(nxt_g2_reg == nxt_g_reg + 2'd2);
				assert(nxt_g3_reg == nxt_g_reg + 2'd3);
				assert(len0_m1 == fp_rt0 - 1'b1);
				assert(len0_is1 == (fp_rt0 == 1) && len0_is2 == (fp_rt0 == 2));
				assert(len1 == fp_len(nxt_g1_reg));
				assert(wait0 == fp_wt(nxt_g_reg) && wait1 == fp_wt(nxt_g1_reg));
				assert(rt_q == rt[nxt_g2_reg]);
			end
		end
	reg fp_idle1 = 1'b1;   // the first S_IDLE cycle after reset (counters not yet set)
	always @(posedge i_clk)
		fp_idle1 <= fp_init;

	// The layer registers' sources, registered a cycle ahead of a load, are
	// the entry of layer_reg when the load takes them; likewise the
	// observation's length when its first beat is taken. s_obs_ready is the
	// handshake it replaces: S_IDLE, the table untouched for two cycles,
	// the fill done; or S_OBS.
	wire [LTW-1:0]  fp_lc = lt[layer_reg];
	wire [RCW-1:0]  fp_lc_nr = fp_lc[2*RCW-1:RCW];
	wire [4:0]      fp_lc_sb = fp_lc[2*RCW+DIMW+4:2*RCW+DIMW];
	wire [AW:0]     fp_lc_hi = {(AW+1){1'b1}} << fp_lc_sb >> 1;
	wire [RCW-1:0]  fp_lc_iw = fp_lc[RCW-1:0];
	reg             fp_lt0a = 1'b0, fp_lt0b = 1'b0;
	always @(posedge i_clk) begin
		fp_lt0a <= layer_reg == 0 && !ld_pending && !i_rst;
		fp_lt0b <= fp_lt0a;
	end
	always @(*)
		if (!fp_init) begin
			if (layer_go) begin
				assert(ln_n_rounds == fp_lc_nr && ln_rl_nz == (fp_lc_nr != 0));
				assert(ln_out_dim == fp_lc[2*RCW+DIMW-1:2*RCW]);
				assert(ln_is_last == fp_lc[LTW-1]);
				assert(ln_amax == ~fp_lc_hi[AW-1:0]);
			end
			if (obs_fire && state_reg == S_IDLE) begin
				assert(layer_reg == 0);
				assert(ln_in1 == (fp_lc_iw == 1));
				assert(ln_in_m2 == fp_lc_iw - 2'd2);
			end
			assert(s_obs_ready == ((state_reg == S_IDLE && fp_lt0a && fp_lt0b &&
						!ld_pending && fl_done) || state_reg == S_OBS));
		end
`endif
