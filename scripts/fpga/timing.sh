#!/usr/bin/env bash
# timing.sh DIR: the timing progress line. nextpnr's own analysis of the routed
# design (DIR/pnr.log, the worst clock) against the required clock; for iCE40
# also icetime's independent estimate of the packed design (DIR/icetime.txt).
# Writes DIR/timing.txt (KEY=value).
set -euo pipefail
dir=$1
t0=$(date +%s.%N)
. "$dir/clk.txt"
line=$(awk '/Max frequency for clock/ { split($0, q, "\047"); c[q[2]] = $0 }
     END { worst = 1e9; for (k in c) { s = c[k]; sub(/.*: /, "", s); f = s + 0
             r = s; sub(/.* at /, "", r); r = r + 0
             if (r > 0 && f / r < worst) { worst = f / r; best = s } }
           print best }' "$dir/pnr.log")
fmax=$(echo "$line" | awk '{ print $1 + 0 }')
pass=$(echo "$line" | grep -q PASS && echo PASS || echo FAIL)
ice=""
if [ "$FPGA_FAMILY" = ice40 ] && command -v "$ICETIME" >/dev/null 2>&1; then
	# icetime's .pcf reader knows no -nowarn
	sed -E 's/#.*//; s/-nowarn //' "$FPGA_PINS" > "$dir/icetime.pcf"
	( "$ICETIME" -d "$FPGA_DEVICE" -P "$FPGA_PACKAGE" -p "$dir/icetime.pcf" -c "$CLK_MHZ" \
		-t "$dir/sparq.asc" > "$dir/icetime.txt" 2>&1 ) 2>/dev/null || true
	ice=$(sed -nE 's/^Total path delay: *([0-9.]+) ns \(([0-9.]+) MHz\).*/\2/p' "$dir/icetime.txt" | tail -1)
fi
{
	echo "FMAX_MHZ=$fmax"
	echo "REQ_MHZ=$CLK_MHZ"
	echo "TIMING=$pass"
	echo "ICETIME_MHZ=${ice:-}"
} > "$dir/timing.txt"
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "  timing   $FPGA_BOARD: Fmax $fmax MHz, required $CLK_MHZ MHz: $pass${ice:+ (icetime: $ice MHz)} ($t s)"
