#!/usr/bin/env bash
# run-tests.sh SUITE...: runs each `make SUITE`, keeps going on failure, and
# counts the PASS:/FAIL:/SKIP: lines the suites print. A suite that exits
# nonzero without printing a FAIL line counts as one failure. Ends with the
# line CI reads: "N passed, N failed, N skipped". Exits nonzero on any failure.
set -u
mkdir -p build
log=build/test.log
: > "$log"
pass=0; fail=0; skip=0
for suite in "$@"; do
	echo "== $suite"
	out=$(mktemp)
	start=$(date +%s)
	make --no-print-directory "$suite" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS: ' "$out"); f=$(grep -c '^FAIL: ' "$out"); s=$(grep -c '^SKIP: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $suite (exit $rc)"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	echo "== $suite: $p passed, $f failed, $s skipped ($(( $(date +%s) - start )) s)"
	cat "$out" >> "$log"; rm -f "$out"
done
echo
grep '^FAIL: ' "$log" | sed 's/^/  /'
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
