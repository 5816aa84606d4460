#!/usr/bin/env bash
# cli.sh SPARQ: behaviour tests of `sparq random|info|infer|export` (and the device options of hil and load) - happy
# paths, outputs checked against each other, and bad arguments (exit status
# and the one-line message). One PASS:/FAIL: line per test.
set -u
S=${1:?usage: cli.sh path/to/sparq}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0

# check NAME WANT_STATUS PATTERN CMD...: runs CMD, checks its exit status and
# that stdout+stderr contain PATTERN (grep -E).
check() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: cli_$name (exit $rc, expected $want)"; echo "$out" | head -5 | sed 's/^/  /'
		failed=1
	elif ! grep -qE -- "$pat" <<<"$out"; then
		echo "FAIL: cli_$name (output lacks /$pat/)"; echo "$out" | head -5 | sed 's/^/  /'
		failed=1
	else
		echo "PASS: cli_$name"
	fi
}
# verdict NAME COND_STATUS MESSAGE
verdict() {
	if [ "$2" -eq 0 ]; then echo "PASS: cli_$1"; else echo "FAIL: cli_$1 ($3)"; failed=1; fi
}
json_ok() { # valid JSON on stdin (skipped check without python3)
	if command -v python3 >/dev/null; then python3 -c 'import json,sys; json.load(sys.stdin)'; else cat >/dev/null; fi
}

M=$T/m.sqm
# ---- random
check random_ok 0 "wrote .*4-64-64-2, nnz 26\+410\+13" "$S" random --layers 4,64,64,2 --sparsity 0.9 --wbits 8 --abits 8 --lanes 8 --seed 7 -o "$M"
"$S" random --layers 4,64,64,2 --seed 7 -o "$T/m2.sqm" >/dev/null 2>&1
cmp -s "$M" "$T/m2.sqm"; verdict random_deterministic $? "same seed gave different files"
"$S" random --layers 4,64,64,2 --seed 8 -o "$T/m3.sqm" >/dev/null 2>&1
! cmp -s "$M" "$T/m3.sqm"; verdict random_seed_matters $? "seeds 7 and 8 gave the same file"
check random_lists 0 "wrote" "$S" random --layers 6,32,16,3 --wbits 4,6,8 --abits 8,5,6 --sparsity 0.5 -o "$T/l.sqm"
check random_dueling 0 "wrote" "$S" random --layers 3,8,2 --dueling-float -o "$T/d.sqm"
check random_json 0 '"nnz":\[26,410,13\]' "$S" random --layers 4,64,64,2 --json -o "$T/j.sqm"
check random_no_layers 2 "sparq random: no --layers" "$S" random -o "$T/x.sqm"
check random_one_width 2 "sparq random: --layers '4': need at least 2 widths" "$S" random --layers 4 -o "$T/x.sqm"
check random_zero_width 2 "sparq random: --layers '4,0,2': expected" "$S" random --layers 4,0,2 -o "$T/x.sqm"
check random_wide 2 "each 1\.\.4096" "$S" random --layers 4,5000,2 -o "$T/x.sqm"
check random_sparsity 2 "sparq random: --sparsity '1.5': expected a number in 0\.\.1" "$S" random --layers 4,8,2 --sparsity 1.5 -o "$T/x.sqm"
check random_wbits_range 2 "sparq random: --wbits '17'" "$S" random --layers 4,8,2 --wbits 17 -o "$T/x.sqm"
check random_wbits_count 2 "--wbits has 3 values; the model has 2 layers" "$S" random --layers 4,8,2 --wbits 8,8,8 -o "$T/x.sqm"
check random_abits_list 2 "--abits '8,,8'" "$S" random --layers 4,8,2 --abits 8,,8 -o "$T/x.sqm"
check random_lanes 2 "--lanes '17': expected 1\.\.16" "$S" random --layers 4,8,2 --lanes 17 -o "$T/x.sqm"
check random_seed 2 "--seed '-1'" "$S" random --layers 4,8,2 --seed -1 -o "$T/x.sqm"
check random_no_output 2 "no output file" "$S" random --layers 4,8,2
check random_unknown 2 "unknown option '--bogus'" "$S" random --layers 4,8,2 --bogus -o "$T/x.sqm"
check random_unwritable 1 "^sparq random: .*nonexistent" "$S" random --layers 4,8,2 -o "$T/nonexistent/x.sqm"
[ ! -e "$T/x.sqm" ]; verdict random_nothing_written $? "a failed run left a file"

# ---- info
check info_ok 0 "4-64-64-2, 3 layers, payloads: fixed" "$S" info "$M"
check info_lanes 0 "lanes P=8:" "$S" info "$M"
check info_lanes3 0 "lanes P=3:" "$S" info "$M" --lanes 3
check info_meta 0 "generator = sparq-random" "$S" info "$M"
check info_size 0 "size: [0-9]+ bytes packed, 18440 bytes dense float32" "$S" info "$M"
"$S" info "$M" --json | json_ok; verdict info_json $? "not valid JSON"
check info_json_fields 0 '"cycles_bound":58' "$S" info "$M" --json
check info_dueling 0 "payloads: fixed float \(dueling heads\)" "$S" info "$T/d.sqm"
head -c 17 "$M" > "$T/short.sqm"
check info_truncated 1 "^sparq info: .*short.sqm: truncated: header needs 32 bytes, file has 17" "$S" info "$T/short.sqm"
printf 'SQM0%028d' 0 > "$T/magic.sqm"
check info_bad_magic 1 "^sparq info: .*bad magic" "$S" info "$T/magic.sqm"
cp "$M" "$T/flip.sqm"; printf '\x55' | dd of="$T/flip.sqm" bs=1 seek=100 conv=notrunc 2>/dev/null
check info_crc 1 "^sparq info: .*crc32 mismatch" "$S" info "$T/flip.sqm"
check info_missing 1 "^sparq info: " "$S" info "$T/none.sqm"
check info_no_file 2 "no model file" "$S" info
check info_bad_lanes 2 "--lanes '0'" "$S" info "$M" --lanes 0
"$S" random --layers 4,300,2 -o "$T/wide.sqm" >/dev/null 2>&1
check info_nofit 0 "does not fit the default configuration \(P=8\): layer 0: width 300 exceeds MAXW 256" "$S" info "$T/wide.sqm"

# ---- infer
check infer_ok 0 "^action [01] \(fixed payload" "$S" infer "$M" --obs 0.1,-0.2,0.3,0.0
out=$("$S" infer "$M" --obs 0.1,-0.2,0.3,0.0 --json)
echo "$out" | json_ok; verdict infer_json $? "not valid JSON"
if command -v python3 >/dev/null; then
	echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
q = d["q"]
best = max(range(len(q)), key=lambda i: (q[i], -i))
sys.exit(0 if d["action"] == best and len(d["obs_q"]) == 4 else 1)'
	verdict infer_json_argmax $? "action is not the argmax of q"
fi
check infer_count 1 "sparq infer: --obs has 3 values; .*m.sqm takes 4" "$S" infer "$M" --obs 1,2,3
check infer_bad_obs 2 "sparq infer: --obs '1,x,2,3'" "$S" infer "$M" --obs 1,x,2,3
check infer_no_obs 2 "no observation" "$S" infer "$M"
check infer_no_float 1 "has no float payload" "$S" infer "$M" --obs 0,0,0,0 --float
check infer_float 0 "float payload" "$S" infer "$T/d.sqm" --obs 0.5,-0.5,1 --float
check infer_dueling_fixed 0 "fixed payload" "$S" infer "$T/d.sqm" --obs 0.5,-0.5,1
check infer_saturate 0 "inputs quantized: (-?127 ){3}" "$S" infer "$M" --obs 1e30,-1e30,1e30,0

# ---- export
check export_ok 0 "wrote .*: 3 layers, 6 rounds, 15 weight words \(P=8, 16-bit entries\), cycles bound 58, acc_bits 18; 49 constant and 49 dead rows removed" "$S" export "$M" -o "$T/out/"
ok=0
for f in lt.hex rt.hex wm.hex pm.hex config.vh; do [ -s "$T/out/$f" ] || ok=1; done
verdict export_files $ok "missing output files"
# simplified (the 2-row output layer spread over 4 lanes per row): wm 15 lines of 8 lanes x 16 bits = 32 hex digits; pm 6 lines of 8 x 37 bits = 74 digits
[ "$(wc -l < "$T/out/wm.hex")" -eq 15 ] && ! grep -qvE '^[0-9a-f]{32}$' "$T/out/wm.hex"
verdict export_wm_shape $? "wm.hex is not 15 lines of 32 hex digits"
[ "$(wc -l < "$T/out/pm.hex")" -eq 6 ] && ! grep -qvE '^[0-9a-f]{74}$' "$T/out/pm.hex"
verdict export_pm_shape $? "pm.hex is not 6 lines of 74 hex digits"
[ "$(wc -l < "$T/out/lt.hex")" -eq 3 ] && [ "$(wc -l < "$T/out/rt.hex")" -eq 6 ]
verdict export_tables $? "lt.hex/rt.hex line counts"
# every row computed: 17 rounds, 70 words
check export_all 0 "wrote .*: 3 layers, 17 rounds, 70 weight words \(P=8, 16-bit entries\), cycles bound 58, acc_bits 18; 0 constant and 0 dead rows removed" "$S" export "$M" --no-simplify -o "$T/outall/"
[ "$(wc -l < "$T/outall/wm.hex")" -eq 70 ] && [ "$(wc -l < "$T/outall/rt.hex")" -eq 17 ]
verdict export_all_tables $? "--no-simplify: wm.hex/rt.hex are not 70/17 lines"
# simplified in the shape's layout: every-row layer table and rounds, fewer words
check export_shape 0 "wrote .*: 3 layers, 17 rounds, [0-9]+ weight words .* [1-9][0-9]* constant and [0-9]+ dead rows removed" "$S" export "$M" --keep-shape -o "$T/outshape/"
cmp -s "$T/outshape/lt.hex" "$T/outall/lt.hex" && [ "$(wc -l < "$T/outshape/wm.hex")" -lt 70 ]
verdict export_shape_tables $? "--keep-shape: lt.hex differs from --no-simplify's, or no weight word saved"
check export_shape_excl 2 "^sparq export: --no-simplify and --keep-shape exclude each other" "$S" export "$M" --keep-shape --no-simplify -o "$T/outx/"
grep -q '^`define SQ_P 8$' "$T/out/config.vh"; verdict export_config $? "config.vh lacks SQ_P"
check export_lanes3 0 "\(P=3, " "$S" export "$M" --lanes 3 -o "$T/out3"
check export_nofit 1 "^sparq export: .*wide.sqm: layer 0: width 300 exceeds MAXW 256" "$S" export "$T/wide.sqm" -o "$T/w"
check export_maxw 0 "wrote" "$S" export "$T/wide.sqm" --maxw 512 -o "$T/w"
check export_lgwd 1 "weights need [0-9]+ words, LG_WD=3 gives 8" "$S" export "$M" --lg-wd 3 -o "$T/w2"
check export_accw 1 "acc_bits 1[0-9] exceeds ACCW 8" "$S" export "$M" --accw 8 -o "$T/w2"
check export_ww 1 "wbits 8 exceeds WW 4" "$S" export "$M" --ww 4 -o "$T/w2"
check export_bad_lanes 2 "sparq export: --lanes '0': expected 1\.\.16" "$S" export "$M" --lanes 0 -o "$T/w2"
check export_bad_accw 2 "--accw '64': expected 8\.\.48" "$S" export "$M" --accw 64 -o "$T/w2"
check export_accw_below_aw 1 "ACCW 12 below AW 16" "$S" export "$M" --aw 16 --accw 12 -o "$T/w2"
check export_no_dir 2 "no output folder" "$S" export "$M"
check export_json 0 '"words":15,"cycles_bound":58,"cycles_bound_kept":9,"rows_const":49,"rows_dead":49' "$S" export "$M" --json -o "$T/out4"
# the device options hil and load share (host/cli/cli_device.c), checked before any device is opened
check hil_bad_timeout 2 "sparq hil: --timeout '0': expected 1\.\.60000 ms" "$S" hil "$M" --timeout 0
check load_bad_retries 2 "sparq load: --retries '101': expected 0\.\.100" "$S" load "$M" --retries 101
check load_no_device 2 "sparq load: --device is required" "$S" load "$M" --timeout 10 --retries 0
for c in random info infer export; do
	check "help_$c" 0 "usage: sparq $c" "$S" "$c" --help
done
exit $failed
