#!/usr/bin/env bash
# test_train_cli.sh SPARQ: the train/eval command lines end to end (small runs):
# outputs exist and parse, resume through the CLI continues the run, --init
# starts from a network, bad input gives one line and a nonzero exit.
# One PASS:/FAIL: line per check (scripts/run-tests.sh counts them).
set -u
sparq=${1:?usage: test_train_cli.sh SPARQ}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "PASS: $1"; }
ko() { echo "FAIL: $1"; }
check() { # check NAME CMD...
	local name=$1; shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

small="--arch 16,16 --batch 16 --learning-starts 200 --train-freq 4 --gradient-steps 1 --log-every 500"

# 1. a small run writes the model, the state, the CSV and (with gnuplot) the plot
$sparq train --env CartPole-v1 $small --steps 3000 --until 2000 --seed 3 -o "$tmp/a.sqm" --quiet --json \
	> "$tmp/a.json" 2> "$tmp/a.err"
check train_outputs test -s "$tmp/a.sqm" -a -s "$tmp/a.sqm.state" -a -s "$tmp/a.csv"
check train_json python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["steps"]==2000 and d["env"]=="CartPole-v1"' "$tmp/a.json"
check train_csv_rows test "$(wc -l < "$tmp/a.csv")" -eq 5
if command -v gnuplot > /dev/null; then
	check train_plot test -s "$tmp/a.png"
fi

# 2. a run stopped at 2000 of 3000 steps and resumed equals the straight run:
#    same actions everywhere, same float payload bytes
$sparq train --env CartPole-v1 $small --steps 3000 --seed 3 -o "$tmp/b.sqm" --quiet --no-plot > /dev/null 2>&1
$sparq train --resume "$tmp/a.sqm" -o "$tmp/c.sqm" --quiet --no-plot > /dev/null 2>&1
b=$($sparq eval "$tmp/b.sqm" --episodes 5 --seed 4 --json --against "$tmp/c.sqm" 2>&1)
check resume_cli python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["against"]["agree"]==d["steps"], d' "$b"
floats() { # the FLOAT_LAYER sections of a .sqm, as hex
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
off, out = 32, []
while off < len(b):
    t, n = struct.unpack_from('<II', b, off)
    if t == 4:
        out.append(b[off + 8:off + 8 + n].hex())
    off += 8 + n + (-n % 4)
print('\n'.join(out))
PY
}
check resume_same_weights cmp -s <(floats "$tmp/b.sqm") <(floats "$tmp/c.sqm")
check resume_weights_nonempty test -n "$(floats "$tmp/b.sqm")"

# 3. --init starts from the trained network
$sparq train --env CartPole-v1 --init "$tmp/b.sqm" --steps 600 --learning-starts 100 \
	--batch 16 --train-freq 4 --gradient-steps 1 --seed 5 -o "$tmp/d.sqm" --quiet --no-plot --no-state > /dev/null 2> "$tmp/d.err"
check init_run test -s "$tmp/d.sqm" -a ! -e "$tmp/d.sqm.state"

# 4. eval text output and its numbers
out=$($sparq eval "$tmp/b.sqm" --episodes 3 --seed 1)
check eval_text grep -q '^return: mean' <<< "$out"

# 5. bad input: one line on stderr, nonzero exit
bad() { # bad NAME EXPECTED-SUBSTRING CMD...
	local name=$1 want=$2; shift 2
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -ne 0 ] && grep -q -- "$want" <<< "$err" && [ "$(grep -c '^sparq' <<< "$err")" -ge 1 ]; then
		ok "$name"
	else
		ko "$name"; echo "  rc=$rc: $err" >&2
	fi
}
bad bad_env "unknown environment" $sparq train --env Pong-v5 -o "$tmp/x.sqm"
bad bad_arch "--arch" $sparq train --env CartPole-v1 --arch 64,0 -o "$tmp/x.sqm"
bad bad_tau "tau" $sparq train --env CartPole-v1 --tau 2 -o "$tmp/x.sqm"
bad no_output "missing -o" $sparq train --env CartPole-v1
bad bad_resume "cannot open" $sparq train --resume "$tmp/none.sqm" -o "$tmp/x.sqm"
bad eval_missing "cannot open" $sparq eval "$tmp/none.sqm"
bad eval_no_fixed "no fixed-point payload" $sparq eval "$tmp/b.sqm" --path fixed
bad eval_wrong_env "inputs" $sparq eval "$tmp/b.sqm" --env Acrobot-v1
bad stop_needs_keep "--keep-best" $sparq train --env CartPole-v1 --stop-at 400 -o "$tmp/x.sqm"
check no_partial_files test ! -e "$tmp/x.sqm"
