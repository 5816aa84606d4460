#!/usr/bin/env bash
# mutate.sh [-o OUTDIR] [MUTANT...]
# Deliberate bugs, each applied with sed to a COPY of rtl/ under
# OUTDIR/<mutant>/rtl (never to rtl/ itself), each expected to be caught by a
# named property set (a tests/formal job). For each mutant the job's proof
# task is run on the mutated copy; the mutant is caught when that task fails.
# Prints one line per mutant:
#   PASS: mutant NAME caught by JOB at <assertion>   -- what the bug is
#   FAIL: mutant NAME survived JOB                    -- what the bug is
#   FAIL: mutant NAME did not apply (the sed matched nothing)
# and writes OUTDIR/summary.txt. Exit status 1 if any mutant survived or did
# not apply (the RTL moved under it: update the pattern here).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
outdir=$root/build/formal-mutate
while getopts "o:" opt; do
	case $opt in
	o) mkdir -p "$OPTARG"; outdir=$(cd "$OPTARG" && pwd) ;;
	*) echo "usage: $0 [-o OUTDIR] [MUTANT...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# name ~ file ~ sed script (delimiter #; alternatives for RTL revisions
# joined with ;) ~ job ~ what the bug is
MUTANTS=(
"argmax_ties_high~sq_core.v~s#\$signed(q2_val) > \$signed(best_reg)#\$signed(q2_val) >= \$signed(best_reg)#;s#q3_gt_lo <= q2_val\[CMPL-1:0\] > best_reg#q3_gt_lo <= q2_val[CMPL-1:0] >= best_reg#;s#q4_gt_lo <= q3_val\[CMPL-1:0\] > best_reg#q4_gt_lo <= q3_val[CMPL-1:0] >= best_reg#~core_ctrl~flipped comparison: argmax ties go to the highest index"
"argmax_min~sq_core.v~s#\$signed(q2_val) > \$signed(best_reg)#\$signed(q2_val) < \$signed(best_reg)#;s#q3_gt_hi <= \$signed(q2_val\[ACCW-1:CMPL\]) > #q3_gt_hi <= \$signed(q2_val[ACCW-1:CMPL]) < #;s#q4_gt_hi <= \$signed(q3_val\[ACCW-1:CMPL\]) > #q4_gt_hi <= \$signed(q3_val[ACCW-1:CMPL]) < #~core_ctrl~flipped comparison: argmin instead of argmax"
"no_saturation~sq_core.v~s#(r_over ? amax_reg : r_shr\[AW-1:0\])#r_shr[AW-1:0]#;s#(r_over ? r2_amax : r_shr\[AW-1:0\])#r_shr[AW-1:0]#~core_req~dropped saturation to amax"
"no_relu~sq_core.v~s#r_out <= r_neg ? {AW{1'b0}} :#r_out <=#~core_req~dropped ReLU (negative results pass)"
"round_half_down~sq_core.v~s#<< (sh - 5'd1));#<< sh);#;s#<< p_sh) >> 1;#<< p_sh);#~core_req~rounding constant one bit too high"
"narrow_round_add~sq_core.v~s#r_sum <= {acc\[ACCW-1\], acc} + rnd;#r_sum <= {1'b0, acc} + rnd;#~core_req~rounding add not sign-extended"
"prod_zero_ext~sq_core.v~s#assign prod_x = {{(ACCW-PRW){c_prod\[PRW-1\]}}, c_prod};#assign prod_x = {{(ACCW-PRW){1'b0}}, c_prod};#~core_acc~product zero-extended into the accumulator"
"bias_dropped~sq_core.v~s#acc <= (c_first ? p_bias : acc) + prod_x;#acc <= (c_first ? {ACCW{1'b0}} : acc) + prod_x;#~core_acc~bias not loaded at the start of a row"
"weight_addr_off_by_one~sq_core.v~s#wa_reg      <= {LG_WD{1'b0}};#wa_reg      <= {{(LG_WD-1){1'b0}}, 1'b1};#~core_ctrl~off-by-one: the weight address starts at 1"
"result_drop_on_stall~sq_core.v~s#end else if (res_fire) begin#end else begin#~core_ctrl~a stall that loses data: the result beat is dropped without ready"
"obs_during_busy~sq_core.v~s#(state_reg == S_OBS);#(state_reg == S_OBS) || (state_reg == S_RES);#~core_ctrl~an observation accepted while the previous one is still in flight"
"slow_drain~sq_core.v~s#wire pipe_drained = !(w_v#wire pipe_drained = !(r3_v || w_v#;s#pipe_drained <= !(issue || w_v#pipe_drained <= !(issue || r2_v || w_v#~core_ctrl~one cycle more in the output layer's drain than the latency bound B"
"wait_ignored~sq_core.v~s#run_reg \&\& rem_z_reg \&\& rl_nz_reg \&\& wt_z_reg;#run_reg \&\& rem_z_reg \&\& rl_nz_reg;#~core_ctrl~a round starts before its wait is over (reads before the writes they need)"
"load_lane_ignored~sq_core.v~s#wm_we\[li\] <= ld_fire \&\& (s_ld_mem == 2'd2) \&\& (s_ld_lane == li\[3:0\]) \&\&#wm_we[li] <= ld_fire \&\& (s_ld_mem == 2'd2) \&\&#~core_load~a weight load writes every lane of the word"
"load_addr_past_end~sq_core.v~s#({16'd0, s_ld_addr} < MAXL);#({16'd0, s_ld_addr} <= MAXL);#~core_load~off-by-one: a layer-table load past the end wraps onto entry 0"
"spram_write_at_read_addr~sq_wmem.v~s#wire \[LG_WD-1:0\]  addr = wr ? i_waddr : i_raddr;#wire [LG_WD-1:0]  addr = i_raddr;#~core_load_spram~SPRAM: a load beat is written at the issue address, not its own"
"spram_lane_mask_ignored~sq_wmem.v~s#if (i_we\[wi\])#if (wr)#~core_load_spram~SPRAM: a lane write also overwrites the other lanes of the word"
"rx_accepts_bad_crc~sq_frame_rx.v~s#else if (!v_crc_ok)#else if (1'b0)#~rx_crc~a parser that accepts a bad CRC"
"rx_ignores_length~sq_frame_rx.v~s#bad_reg || esc_reg || !full_reg;#bad_reg || esc_reg;#~rx_crc~a parser that accepts a body whose length disagrees with len"
"rx_no_resync~sq_frame_rx.v~s#^\(\t*\)cnt_reg  <= 10'd0;#\1cnt_reg  <= cnt_reg;#;s#^\(\t*\)hdr_reg  <= 1'b1;#\1hdr_reg  <= hdr_reg;#~rx_resync~END does not restart the byte count (nor the header position)"
"disp_no_range_check~sq_dispatch.v~s#(!h_sel_ok_reg || !h_rng_ok_reg)#(!h_sel_ok_reg)#~disp_load~a LOAD past the end of its memory is applied"
"disp_extra_beat~sq_dispatch.v~s#ld_last_reg <= ld_left_reg == 8'd2;#ld_last_reg <= ld_left_reg == 8'd1;#~disp_load~a LOAD writes one word more than its count"
)

[ $# -gt 0 ] && want=" $* " || want=""
mkdir -p "$outdir"
: > "$outdir/summary.txt"
say() { echo "$1"; echo "$1" >> "$outdir/summary.txt"; }
rc=0
# A mutant counts as caught only if its job passes on the unmutated RTL:
# each job's proof task runs once on rtl/ first.
declare -A base
for m in "${MUTANTS[@]}"; do
	IFS='~' read -r name file expr job what <<< "$m"
	[ -n "$want" ] && [[ $want != *" $name "* ]] && continue
	[ -n "${base[$job]:-}" ] && continue
	if bash "$root/scripts/formal/run.sh" -p -o "$outdir/baseline" "$job" | grep -q '^PASS: formal'; then
		base[$job]=pass
	else
		base[$job]=fail
		say "FAIL: baseline: $job fails on the unmutated rtl/, its mutants cannot be judged"
		rc=1
	fi
done
for m in "${MUTANTS[@]}"; do
	IFS='~' read -r name file expr job what <<< "$m"
	[ -n "$want" ] && [[ $want != *" $name "* ]] && continue
	[ "${base[$job]}" = pass ] || continue
	d=$outdir/$name
	rm -rf "$d"; mkdir -p "$d/rtl"
	cp "$root"/rtl/*.v "$d/rtl/"
	sed -i -e "$expr" "$d/rtl/$file"
	if cmp -s "$root/rtl/$file" "$d/rtl/$file"; then
		say "FAIL: mutant $name did not apply to rtl/$file  -- $what"
		rc=1; continue
	fi
	out=$(bash "$root/scripts/formal/run.sh" -p -r "$d/rtl" -o "$d/run" "$job" 2>&1)
	line=$(echo "$out" | grep -E '^(PASS|FAIL|SKIP): formal' | head -1)
	at=$(echo "$line" | sed -n 's/.*failed: \([^ ]*\.vh*:[0-9][0-9]*\).*/\1/p')
	case $line in
	FAIL:*)
		if [ -n "$at" ]; then
			f=${at%%:*}; l=${at#*:}
			# the section the assertion is in: "(5) latency", "(6b) waits", ...
			sec=$(head -n "$l" "$root/tests/formal/$f" 2>/dev/null | grep -E '^[[:space:]]*// ---- ' |
			      tail -1 | sed -E 's#^[[:space:]]*// ---- ##; s#[[:space:]]*-+$##')
			[ -n "$sec" ] && job="$job, $sec"
			say "PASS: mutant $name caught by $job at $at  -- $what"
		else   # an elaboration error is not a catch
			say "FAIL: mutant $name broke the build, not a property: ${line#FAIL: }"
			rc=1
		fi ;;
	SKIP:*)
		say "SKIP: mutant $name (${line#SKIP: })" ;;
	*)
		say "FAIL: mutant $name survived $job  -- $what"
		rc=1 ;;
	esac
done
n=$(grep -c '^PASS' "$outdir/summary.txt"); t=$(grep -c 'mutant' "$outdir/summary.txt")
echo "formal-mutate: $n of $t mutants caught"
exit "$rc"
