#!/usr/bin/env bash
# test_cli.sh SPARQ: `sparq compress` and `sparq sweep` end to end on small
# settings: the output validates (sparq info), holds both payloads, the exact
# sparsity and the settings in its metadata, is the same for the same seed;
# sweep prints one row per grid point; bad input gives one line and a
# nonzero exit. One PASS:/FAIL: line per check (scripts/run-tests.sh).
set -u
sparq=${1:?usage: test_cli.sh SPARQ}
model=models/r1-cartpole-float.sqm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "PASS: $1"; }
ko() { echo "FAIL: $1"; }
check() { # check NAME CMD...
	local name=$1; shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
if [ ! -f "$model" ]; then
	echo "SKIP: compress_cli (no $model)"
	exit 0
fi
small="--init-steps 400 --finetune-steps 100 --iterations 2 --calib-states 256 --eval-episodes 2"

# 1. compress writes a valid model with both payloads and its settings
$sparq compress "$model" $small --sparsity 0.8 --wbits 4 --abits 6 --seed 5 -o "$tmp/a.sqm" --json -q \
	> "$tmp/a.json" 2> "$tmp/a.err"
check compress_exit test $? -eq 0
info_ok() { $sparq info "$tmp/a.sqm" --json > /dev/null 2>&1; }
check compress_info info_ok
info=$($sparq info "$tmp/a.sqm" 2>&1)
check compress_payloads grep -q 'payloads: fixed float' <<< "$info"
check compress_meta python3 - "$tmp/a.json" "$tmp/a.sqm" <<'PY'
import json, struct, sys
d = json.load(open(sys.argv[1]))
assert d["wbits"] == 4 and d["abits"] == 6 and d["env"] == "CartPole-v1", d
assert abs(d["sparsity_target"] - 0.8) < 1e-9 and d["sparsity"] >= 0.8 - 1e-3, d
assert d["fixed"]["episodes"] == 2 and 0 <= d["fixed"]["agreement"] <= 1, d
b = open(sys.argv[2], 'rb').read()
off, meta, zeros, weights = 32, {}, 0, 0
while off < len(b):
    t, n = struct.unpack_from('<II', b, off)
    p = b[off + 8:off + 8 + n]
    if t == 5:
        k, q = struct.unpack_from('<I', p, 0)[0], 4
        for _ in range(k):
            kl = struct.unpack_from('<H', p, q)[0]; key = p[q + 2:q + 2 + kl].decode(); q += 2 + kl
            vl = struct.unpack_from('<I', p, q)[0]; meta[key] = p[q + 4:q + 4 + vl].decode(); q += 4 + vl
    if t == 4:
        _, ind, rows = struct.unpack_from('<III', p, 0)
        w = struct.unpack_from('<%df' % (ind * rows), p, 12)
        zeros += sum(1 for x in w if x == 0.0); weights += ind * rows
    off += 8 + n + (-n % 4)
for key in ("sparsity", "wbits", "abits", "prune_method", "prune_scope", "finetune",
            "calib_states", "compress_seed", "return_mean", "agreement", "packed_bytes"):
    assert key in meta, key
assert meta["wbits"] == "4" and meta["compress_seed"] == "5", meta
assert zeros == round(0.8 * weights), (zeros, weights)   # exact, global scope
PY

# 2. the same seed gives the same file
$sparq compress "$model" $small --sparsity 0.8 --wbits 4 --abits 6 --seed 5 -o "$tmp/b.sqm" -q > /dev/null 2>&1
check compress_deterministic cmp -s "$tmp/a.sqm" "$tmp/b.sqm"

# 3. sweep: one JSON point per grid point, sparsities achieved in order
$sparq sweep "$model" $small --sparsity 0.9,0.5 --wbits 8,2 --no-plot --json -q > "$tmp/s.json" 2> "$tmp/s.err"
check sweep_json python3 - "$tmp/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["points"]
assert len(p) == 4, p
assert [x["sparsity"] for x in p] == [0.5, 0.5, 0.9, 0.9] and [x["wbits"] for x in p] == [8, 2, 8, 2], p
assert all(x["bytes"] > 0 and x["bits_per_nnz"] > 0 for x in p), p
assert p[2]["bytes"] < p[0]["bytes"] and p[1]["bytes"] < p[0]["bytes"], p
PY

# 4. bad input: one line, nonzero exit
bad() { # bad NAME EXPECTED-SUBSTRING CMD...
	local name=$1 want=$2; shift 2
	local out rc
	out=$("$@" 2>&1 > /dev/null); rc=$?
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -le 2 ] && grep -q -- "$want" <<< "$out"; then
		ok "$name"
	else
		ko "$name (rc $rc: $out)"
	fi
}
bad bad_sparsity "--sparsity '1.5'" $sparq compress "$model" --sparsity 1.5 -o "$tmp/x.sqm"
bad bad_wbits "--wbits '1'" $sparq compress "$model" --wbits 1 -o "$tmp/x.sqm"
bad no_output "missing -o" $sparq compress "$model"
bad missing_file "nope.sqm" $sparq compress "$tmp/nope.sqm" -o "$tmp/x.sqm"
bad bad_env "unknown environment 'Pong-v5'" $sparq compress "$model" --env Pong-v5 -o "$tmp/x.sqm"
bad wrong_env "inputs" $sparq compress "$model" --env Acrobot-v1 $small -o "$tmp/x.sqm"
$sparq random --layers 4,8,2 -o "$tmp/fx.sqm" > /dev/null 2>&1
bad fixed_only "no float payload" $sparq compress "$tmp/fx.sqm" -o "$tmp/x.sqm"
bad sweep_list "--wbits" $sparq sweep "$model" --wbits 8,,4
check no_partial_output test ! -e "$tmp/x.sqm"
