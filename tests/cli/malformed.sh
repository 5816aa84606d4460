#!/usr/bin/env bash
# malformed.sh SPARQ DIR - runs `SPARQ info` on DIR/good.sqm (must succeed)
# and on every DIR/<case>.sqm written by tests/cli/mkbad.c (must exit 1 with
# exactly one stderr line "sparq info: <path>: ..." containing the text of
# DIR/<case>.expect, and nothing on stdout). One PASS/FAIL/SKIP line per case.
set -u
sparq=$1
dir=$2
fails=0

if ! "$sparq" info --help > /dev/null 2>&1; then
	for e in "$dir"/*.expect; do
		echo "SKIP: cli_info_$(basename "$e" .expect) (sparq has no 'info' command)"
	done
	exit 0
fi

out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

if "$sparq" info "$dir/good.sqm" > "$out" 2> "$err" && [ ! -s "$err" ]; then
	echo "PASS: cli_info_good"
else
	echo "  sparq info good.sqm failed:"; sed 's/^/    /' "$err" | head -n 20
	echo "FAIL: cli_info_good"; fails=$((fails + 1))
fi

# files that are not .sqm files at all
: > "$dir/empty.sqm"
printf 'truncated: header needs 32 bytes, file has 0' > "$dir/empty.expect"
rm -f "$dir/absent.sqm"
printf 'cannot open: No such file or directory' > "$dir/absent.expect"

for e in "$dir"/*.expect; do
	name=$(basename "$e" .expect)
	f="$dir/$name.sqm"
	want=$(cat "$e")
	"$sparq" info "$f" > "$out" 2> "$err"
	rc=$?
	lines=$(wc -l < "$err")
	line=$(head -n 1 "$err")
	why=""
	if [ "$rc" -ne 1 ]; then why="exit status $rc, expected 1"
	elif [ "$lines" -ne 1 ]; then why="$lines lines on stderr, expected 1"
	elif [ -s "$out" ]; then why="output on stdout"
	elif [[ "$line" != "sparq info: $f: "* ]]; then why="line does not start with 'sparq info: $f: '"
	elif [[ "$line" != *"$want"* ]]; then why="line lacks '$want'"
	fi
	if [ -z "$why" ]; then
		echo "PASS: cli_info_$name"
	else
		echo "  $name: $why"; sed 's/^/    /' "$err" | head -n 20
		echo "FAIL: cli_info_$name"; fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ]
