#!/usr/bin/env bash
# swap.sh HW FROM_DIR TO_DIR IN OUT: replaces the block RAM contents FROM_DIR/<m>.hex
# with TO_DIR/<m>.hex for each patchable memory m (PATCH_MEMS of the build's
# configuration file HW, written by fit.sh) in the
# placed-and-routed design IN (iCE40 .asc or ECP5 .config), writing OUT.
# icebram (iCE40) and yowasp-ecpbram (ECP5) find each memory by its random
# synthesis pattern, so no synthesis or place-and-route is needed.
set -euo pipefail
hw=$1; from=$2; to=$3; in=$4; out=$5
PATCH_MEMS=$(sed -nE 's/^PATCH_MEMS="?([^"]*)"?/\1/p' "$hw")
cur="$out.cur"; nxt="$out.nxt"
cp "$in" "$cur"
for m in $PATCH_MEMS; do
	if [ "$FPGA_FAMILY" = ice40 ]; then
		"$ICEBRAM" "$from/$m.hex" "$to/$m.hex" < "$cur" > "$nxt" 2> "$nxt.err" ||
			{ echo "swap: icebram could not replace the $m memory: $(tail -1 "$nxt.err")" >&2; rm -f "$cur" "$nxt" "$nxt.err"; exit 1; }
	else
		"$ECPBRAM" -i "$cur" -o "$nxt" -f "$from/$m.hex" -t "$to/$m.hex" > "$nxt.err" 2>&1 ||
			{ echo "swap: ecpbram could not replace the $m memory: $(tail -1 "$nxt.err")" >&2; rm -f "$cur" "$nxt" "$nxt.err"; exit 1; }
	fi
	rm -f "$nxt.err"
	mv "$nxt" "$cur"
done
mv "$cur" "$out"
