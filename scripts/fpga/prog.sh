#!/usr/bin/env bash
# prog.sh "PROGRAMMER COMMAND" BITSTREAM: programs the board with openFPGALoader
# and says clearly what is wrong when it cannot (no bitstream, no tool, no board).
set -uo pipefail
cmd=$1; bit=$2
if [ ! -f "$bit" ]; then
	echo "prog: no bitstream $bit: run 'make BOARD=$FPGA_BOARD MODEL=... bitstream' first" >&2; exit 1
fi
tool=${cmd%% *}
command -v "$tool" >/dev/null 2>&1 ||
	{ echo "prog: $tool not found (Debian package openfpgaloader; make deps installs it)" >&2; exit 1; }
log=$(mktemp)
echo "  prog     $FPGA_BOARD: $cmd $bit"
# shellcheck disable=SC2086
if ! $cmd "$bit" > "$log" 2>&1; then
	why=$(grep -iE 'error|fail|not found|unable|cannot|no device' "$log" | head -1)
	echo "prog: could not program the $FPGA_BOARD: no board answered (is it plugged in, and is its USB device readable by you?); openFPGALoader said: ${why:-$(tail -1 "$log")}" >&2
	rm -f "$log"; exit 1
fi
rm -f "$log"
echo "  prog     $FPGA_BOARD: done"
