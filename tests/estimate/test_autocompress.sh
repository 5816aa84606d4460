#!/usr/bin/env bash
# test_autocompress.sh SPARQ: `sparq autocompress` end to end on R1
# (models/r1-cartpole-float.sqm), short: the model it returns fits the budget
# it was given (half of what uniform 90% sparse 8-bit needs), checked against
# the exporter's own weight memory image (wm.hex words x P x EW, independent
# of the estimator) and the board; its metadata and the walk log and plot are
# there; bad input fails with one line. One PASS:/FAIL: line per check.
set -u
sparq=${1:-build/bin/sparq}
work=build/tests/autocompress
rm -rf "$work"; mkdir -p "$work"
fails=0
pass() { echo "PASS: autocompress-$1"; }
fail() { echo "FAIL: autocompress-$1: $2"; fails=$((fails + 1)); }

out=$work/r1.sqm
if "$sparq" autocompress models/r1-cartpole-float.sqm -o "$out" --budget-fraction 0.5 \
	--walks 80 --episodes 2 --final-episodes 5 --finalists 2 --init-steps 1500 \
	--finetune-steps 100 --seed 3 --json > "$work/run.json" 2> "$work/run.err"; then
	pass run
else
	fail run "exit $? ($(tail -1 "$work/run.err"))"
fi
j=$(cat "$work/run.json" 2>/dev/null)
num() { printf '%s' "$j" | grep -oE "\"$1\":[0-9.]+" | head -1 | sed 's/.*://'; }
budget=$(num budget_bits); ref=$(num reference_bits)
# the budget is half the uniform reference's weight memory
if [ -n "$budget" ] && [ -n "$ref" ] && [ "$budget" -eq $(( (ref + 1) / 2 )) -o "$budget" -eq $(( ref / 2 )) ]; then
	pass budget-half
else
	fail budget-half "budget '$budget', reference '$ref'"
fi
# independent check: the exporter's image of the returned model
eval "$("$sparq" estimate "$out" --json 2>/dev/null | grep -oE '"(P|WW|MAXW|ACCW)":[0-9]+' | head -4 | tr -d '"' | tr ':' '=')"
if [ -n "${P:-}" ] && "$sparq" export "$out" --lanes "$P" --ww "$WW" --aw 16 --maxw "$MAXW" --accw "$ACCW" \
	--lg-wd 16 --lg-rd 16 -o "$work/img/" > /dev/null 2>&1; then
	words=$(grep -c . "$work/img/wm.hex")
	ew=$(sed -nE 's/^`define SQ_EW ([0-9]+).*/\1/p' "$work/img/config.vh")
	bits=$((words * P * ew))
	if [ "$bits" -le "$budget" ]; then pass fits-budget; else fail fits-budget "$bits bits > budget $budget"; fi
else
	fail fits-budget "sparq export failed on $out"
fi
if printf '%s' "$j" | grep -q '"fits":true'; then pass fits-board; else fail fits-board "$j"; fi
meta=$("$sparq" info "$out" 2>/dev/null)
if printf '%s' "$meta" | grep -q 'autocompress_choices = layer 0: sparsity' &&
   printf '%s' "$meta" | grep -q 'autocompress_estimate = board icebreaker' &&
   printf '%s' "$meta" | grep -qE 'return_mean = [0-9]'; then
	pass metadata
else
	fail metadata "missing autocompress_choices/estimate/return_mean"
fi
n=$(grep -c '^{"walk":' "$work/r1.jsonl" 2>/dev/null || echo 0)
if [ "$n" -eq 80 ]; then pass log; else fail log "$n walk records, expected 80"; fi
if [ -s "$work/r1.png" ] || ! command -v gnuplot > /dev/null; then pass plot; else fail plot "no $work/r1.png"; fi
# bad input: one line, nonzero
if "$sparq" autocompress models/r1-cartpole-float.sqm -o "$work/x.sqm" --budget-fraction 0 2> "$work/bad.err"; then
	fail bad-input "accepted --budget-fraction 0"
elif [ "$(wc -l < "$work/bad.err")" -ge 1 ] && grep -q '^sparq autocompress: --budget-fraction' "$work/bad.err"; then
	pass bad-input
else
	fail bad-input "$(head -1 "$work/bad.err")"
fi
# sparq estimate: a float-only model and an unknown board fail with one line
if "$sparq" estimate models/r1-cartpole-float.sqm 2> "$work/e1.err" > /dev/null; then
	fail estimate-bad-input "accepted a model without a fixed payload"
elif grep -q '^sparq estimate: .*no fixed-point payload' "$work/e1.err" &&
     ! "$sparq" estimate "$out" --board nosuch 2> "$work/e2.err" > /dev/null &&
     grep -q "^sparq estimate: --board 'nosuch': unknown" "$work/e2.err"; then
	pass estimate-bad-input
else
	fail estimate-bad-input "$(head -1 "$work/e1.err") / $(head -1 "$work/e2.err")"
fi
[ "$fails" -eq 0 ]
