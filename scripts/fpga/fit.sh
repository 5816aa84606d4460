#!/usr/bin/env bash
# fit.sh MODEL_DIR OUT_DIR: sizes the core configuration for an exported model
# (`sparq export --lanes P -o MODEL_DIR`) on the board of mk/fpga.mk, and stops
# with one clear message when the model cannot fit, before any synthesis.
#
# Reads MODEL_DIR/{lt,rt,wm,pm}.hex (and config.vh for AW WW ACCW MAXW MAXL when
# it defines them; else the core's defaults) and the environment: FPGA_FAMILY,
# FPGA_BOARD, FPGA_RES_EBR, FPGA_RES_EBR_BITS, FPGA_RES_SPRAM, P, and optional
# LG_WD / LG_RD overrides and WMEM (the weight memory: ebr, spram, or empty for
# automatic: SPRAM when the model's memories do not fit the block RAM of an
# iCE40 UltraPlus board and the weights fit its SPRAM; rtl/sq_wmem.v). With
# FIT_HW=file (patching), the configuration is that of an existing build and
# only the new model's fit into it is checked. With FIT_SHAPE_DIR (an export of
# the same model with --no-simplify), the memories are sized for the model's
# shape, every row computed, rather than for its simplified images: any model
# of that shape then fits the build (patch, sparq load), simplified or not.
#
# Writes OUT_DIR/hw.txt (KEY=value: the core parameters and memory geometry)
# and OUT_DIR/real/{lt,rt,wm,pm}.hex: the images padded to the full memory
# depths, in the form icebram/ecpbram compare against the random images.
# Exit 0 fits, 1 does not fit (message on stderr), 2 bad input.
set -euo pipefail
md=$1; out=$2
die() { echo "fit: $*" >&2; exit 2; }
for f in lt rt wm pm; do [ -s "$md/$f.hex" ] || die "$md/$f.hex missing or empty (sparq export)"; done

clog2() { local v=$1 n=0; while [ $(( 1 << n )) -lt "$v" ]; do n=$((n + 1)); done; echo $n; }
max() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
cfgval() { # NAME DEFAULT: from config.vh (`define SQ_NAME v`, `define NAME v`, NAME = v)
	local v=""
	[ -f "$md/config.vh" ] && v=$(sed -nE "s/^[[:space:]]*\`define[[:space:]]+(SQ_)?$1[[:space:]]+([0-9]+).*/\2/p; s/.*[^A-Z_]$1[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p" "$md/config.vh" | head -1)
	echo "${v:-$2}"
}

if [ -n "${FIT_HW:-}" ]; then
	# shellcheck disable=SC1090
	. "$FIT_HW"
else
	AW=$(cfgval AW 8); WW=$(cfgval WW 8); ACCW=$(cfgval ACCW 32)
	MAXW=$(cfgval MAXW 256); MAXL=$(cfgval MAXL 8)
fi
lines() { grep -c . "$1"; }
N_LT=$(lines "$md/lt.hex"); N_RT=$(lines "$md/rt.hex"); N_WM=$(lines "$md/wm.hex")
N_PM=$(lines "$md/pm.hex")
[ "$N_RT" = "$N_PM" ] || die "rt.hex has $N_RT rounds but pm.hex $N_PM"
# what the memories are sized for: the shape's needs (FIT_SHAPE_DIR) or the images'
N_WM_CAP=$N_WM; N_RT_CAP=$N_RT
if [ -n "${FIT_SHAPE_DIR:-}" ] && [ -z "${FIT_HW:-}" ]; then
	N_WM_CAP=$(max "$N_WM" "$(lines "$FIT_SHAPE_DIR/wm.hex")")
	N_RT_CAP=$(max "$N_RT" "$(lines "$FIT_SHAPE_DIR/rt.hex")")
fi

AWD=$(( (MAXW + P - 1) / P )); ROWW=$(max 1 "$(clog2 "$AWD")"); SLOTW=$(max 1 "$(clog2 "$P")")
EW=$((ROWW + SLOTW + WW)); PW=$((ACCW + 5)); DIMW=$(clog2 $((MAXW + 1)))
RCW=$(clog2 $((AWD + 1))); LTW=$((1 + 5 + DIMW + 2 * RCW)); RTW=$((DIMW + 4))  # round table: {wait, len}
minlg=8; [ "$FPGA_FAMILY" = ecp5 ] && minlg=9
LG_WD_SET=${LG_WD:-}
if [ -z "${FIT_HW:-}" ]; then
	LG_WD=${LG_WD:-$(max $minlg "$(clog2 "$N_WM_CAP")")}
	LG_RD=${LG_RD:-$(max $minlg "$(clog2 "$N_RT_CAP")")}
fi
WD=$((1 << LG_WD)); RD=$((1 << LG_RD))

# SPRAM (iCE40 UltraPlus: 16K x 16 bits per block, single port, not set by
# the bitstream): lane entries are stored nibble-aligned (ES bits, sq_wmem.v),
# SP_COLS blocks side by side; SP_LG is the deepest power of two the board's
# blocks hold in that width.
ES=$(( (EW + 3) / 4 * 4 )); SP_COLS=$(( (P * ES + 15) / 16 ))
SP_BANKS=$(( ${FPGA_RES_SPRAM:-0} / SP_COLS )); SP_LG=0
if [ "$SP_BANKS" -gt 0 ]; then
	SP_LG=14
	while [ $SP_LG -lt 16 ] && [ $(( 1 << (SP_LG + 1 - 14) )) -le "$SP_BANKS" ]; do SP_LG=$((SP_LG + 1)); done
fi
spram_n() { echo $(( SP_COLS * ( ((1 << $1) + 16383) / 16384 ) )); }

# EBR blocks for a W x D memory: the cheapest aspect ratio of the family.
ebr() {
	local w=$1 d=$2 best=1000000000 m bw bd n
	if [ "$FPGA_FAMILY" = ice40 ]; then m="16:256 8:512 4:1024 2:2048"
	else m="36:512 18:1024 9:2048 4:4096 2:8192 1:16384"; fi
	for x in $m; do
		bw=${x%%:*}; bd=${x#*:}
		n=$(( ((w + bw - 1) / bw) * ((d + bd - 1) / bd) ))
		[ "$n" -lt "$best" ] && best=$n
	done
	echo $best
}
E_WM=$(ebr $((P * EW)) $WD); E_PM=$(ebr $((P * PW)) $RD); E_RT=$(ebr "$RTW" $RD)
E_AM=$(( P * $(ebr $((P * AW)) $((2 * AWD))) )); E_QB=$(ebr $((P * ACCW)) $((1 << ROWW)))
E_MODEL=$((E_WM + E_PM + E_RT)); E_ALL=$((E_MODEL + E_AM + E_QB))

# The weight memory: block RAM, or SPRAM (chosen, or automatic when the
# model's memories overflow the block RAM and the weights fit the SPRAM).
if [ -n "${FIT_HW:-}" ]; then
	[ "${WMEM:-0}" = 1 ] && WMEM_SEL=spram || WMEM_SEL=ebr
else
	WMEM_SEL=${WMEM:-auto}
	[ "$WMEM_SEL" = 0 ] && WMEM_SEL=ebr
	[ "$WMEM_SEL" = 1 ] && WMEM_SEL=spram
	case $WMEM_SEL in auto|ebr|spram) ;; *) die "WMEM '$WMEM_SEL': expected ebr, spram or empty (automatic)" ;; esac
	if [ "$WMEM_SEL" = spram ] && [ "$SP_LG" -eq 0 ]; then
		echo "fit: WMEM=spram: the $FPGA_BOARD has no SPRAM for $((P * EW))-bit weight words (${FPGA_RES_SPRAM:-0} blocks of 16 bits; iCE40 UltraPlus boards: icebreaker, upduino3)" >&2
		exit 1
	fi
	if [ "$WMEM_SEL" = auto ]; then
		WMEM_SEL=ebr
		[ "$E_MODEL" -gt "$FPGA_RES_EBR" ] && [ "$SP_LG" -gt 0 ] && [ "$N_WM_CAP" -le $((1 << SP_LG)) ] &&
			[ $((E_PM + E_RT)) -le "$FPGA_RES_EBR" ] && WMEM_SEL=spram
	fi
	# SPRAM holds 16K words per block whatever the depth: take it all (a
	# larger model loads at run time), unless LG_WD was given
	[ "$WMEM_SEL" = spram ] && [ -z "$LG_WD_SET" ] && LG_WD=$SP_LG && WD=$((1 << LG_WD))
fi
S_WM=0
if [ "$WMEM_SEL" = spram ]; then
	S_WM=$(spram_n "$LG_WD")
	if [ -z "${FIT_HW:-}" ] && [ "$S_WM" -gt "${FPGA_RES_SPRAM:-0}" ]; then
		echo "fit: the weight memory does not fit the SPRAM of the $FPGA_BOARD: $S_WM blocks for $WD words of $((P * EW)) bits, ${FPGA_RES_SPRAM:-0} available; try a smaller LG_WD (the model needs $N_WM_CAP words)" >&2
		exit 1
	fi
	if [ "$N_WM_CAP" -gt "$WD" ]; then
		echo "fit: the model does not fit the $FPGA_BOARD with its weights in SPRAM: $N_WM_CAP weight words of $((P * EW)) bits, the SPRAM holds $WD; try a sparser model or fewer lanes" >&2
		exit 1
	fi
	E_MODEL=$((E_MODEL - E_WM)); E_ALL=$((E_ALL - E_WM)); E_WM=0
	if [ -z "${FIT_HW:-}" ] && [ "$E_MODEL" -gt "$FPGA_RES_EBR" ]; then
		echo "fit: the model does not fit the $FPGA_BOARD even with its weights in SPRAM: block RAM (EBR) short by $((E_MODEL - FPGA_RES_EBR)) of $FPGA_RES_EBR (row parameters $E_PM, round table $E_RT); try fewer lanes (P) or a smaller model" >&2
		exit 1
	fi
fi

# The images must match the configuration: word width in hex digits, depths.
hexw() { awk 'NF { print length($1); exit }' "$1"; }
chk() { # name file width_bits depth_lines max_lines
	local hw; hw=$(hexw "$2")
	[ "$hw" -eq $(( ($3 + 3) / 4 )) ] || { echo "fit: $1 image words have $hw hex digits, the configuration needs $(( ($3 + 3) / 4 )) ($3 bits; P=$P MAXW=$MAXW WW=$WW ACCW=$ACCW): export with the same configuration" >&2; exit 1; }
	[ "$4" -le "$5" ] || { echo "fit: $1 needs $4 words, the built memory holds $5" >&2; exit 1; }
}
chk "layer table" "$md/lt.hex" $LTW "$N_LT" "$MAXL"
chk "round table" "$md/rt.hex" "$RTW" "$N_RT" $RD
chk "weight memory" "$md/wm.hex" $((P * EW)) "$N_WM" $WD
chk "parameter memory" "$md/pm.hex" $((P * PW)) "$N_PM" $RD

# Nonzero weights in the image (entries with w != 0), for the suggestions.
# the model's nonzeros: from the shape export (every row) when there is one
nnz_dir=$md; [ -n "${FIT_SHAPE_DIR:-}" ] && [ -z "${FIT_HW:-}" ] && nnz_dir=$FIT_SHAPE_DIR
NNZ=$(awk -v P="$P" -v EW="$EW" -v WW="$WW" '
	BEGIN { for (i = 0; i < 16; i++) { h = sprintf("%x", i); b = "";
		for (k = 3; k >= 0; k--) b = b int(i / 2^k) % 2; bits[h] = b; bits[toupper(h)] = b } }
	NF { s = ""; for (i = 1; i <= length($1); i++) s = s bits[substr($1, i, 1)]
	     L = length(s)
	     for (p = 0; p < P; p++) { w = substr(s, L - p * EW - WW + 1, WW); if (w ~ /1/) n++ } }
	END { print n + 0 }' "${nnz_dir:-$md}/wm.hex")

# The model's memories (weights, row parameters, round table) are a hard
# limit; the configuration's own (activation copies, Q buffer) may go to
# flip-flops or LUT RAM, so only synthesis counts them (synth_check.sh).
# The model's sparsity, from its layer sizes (model/dims.txt, DIMS=d0,d1,..).
DENSE=0
[ -f "$md/dims.txt" ] && DENSE=$(sed -nE 's/^DIMS=//p' "$md/dims.txt" | tr , ' ' |
	awk '{ for (i = 1; i < NF; i++) s += $i * $(i + 1) } END { print s + 0 }')
SPARSITY_PCT=$(awk -v n="$NNZ" -v d="${DENSE:-0}" 'BEGIN { printf "%d", (d > 0) ? (100 - 100 * n / d + 0.5) : 90 }')
if [ -z "${FIT_HW:-}" ] && [ "$E_MODEL" -gt "$FPGA_RES_EBR" ]; then
	short=$((E_MODEL - FPGA_RES_EBR))
	# Weight words scale with the nonzeros: what would bring E_MODEL down to the budget?
	budget=$((FPGA_RES_EBR - E_MODEL + E_WM))
	fitwd=0; lg=$minlg
	while [ $lg -le 16 ] && [ "$(ebr $((P * EW)) $((1 << lg)))" -le "$budget" ]; do fitwd=$((1 << lg)); lg=$((lg + 1)); done
	sug=""
	if [ "$fitwd" -gt 0 ] && [ "$NNZ" -gt 0 ]; then
		# keep 10% headroom for the rounds' padding
		nnz_fit=$(( NNZ * fitwd * 9 / (N_WM_CAP * 10) ))
		sug="about $nnz_fit nonzero weights instead of $NNZ (a sparsity of $(awk -v s="$SPARSITY_PCT" -v a="$nnz_fit" -v b="$NNZ" 'BEGIN { printf "%.0f", 100 - (100 - s) * a / b }')% or more; the model is at $SPARSITY_PCT%)"
	fi
	wfit=$WW
	while [ $wfit -gt 2 ] && [ "$(ebr $((P * (EW - WW + wfit))) $WD)" -gt "$budget" ]; do wfit=$((wfit - 1)); done
	[ "$(ebr $((P * (EW - WW + wfit))) $WD)" -le "$budget" ] && sug="${sug:+$sug, or }$wfit-bit weights (WW=$wfit)"
	{
	echo "fit: the model does not fit the $FPGA_BOARD: block RAM (EBR) short by $short of $FPGA_RES_EBR"
	echo "fit:   the model needs $E_MODEL EBR: weights $E_WM ($N_WM_CAP words of $((P * EW)) bits, depth $WD), row parameters $E_PM, round table $E_RT (and the core up to $((E_AM + E_QB)) more: activations, $P lane copies, and Q buffer)"
	echo "fit:   try ${sug:-fewer lanes (P) or a smaller model}; or a board with more block RAM (ulx3s-85f: 208 EBR)"
	if [ "$SP_LG" -gt 0 ] && [ "$N_WM_CAP" -le $((1 << SP_LG)) ]; then echo "fit:   or the weights in SPRAM (WMEM=spram; the host loads them at boot: docs/boards.md)"; fi
	} >&2
	exit 1
fi

mkdir -p "$out/real"
pad() { # src dst width_bits depth: the image, then zero words up to depth
	local hd=$(( ($3 + 3) / 4 ))
	awk -v D="$4" -v HD="$hd" 'NF { print; n++ } END { z = sprintf("%0" HD "d", 0); for (; n < D; n++) print z }' "$1" > "$2.tmp"
	# unchanged images keep their time stamps: the layer table feeds synthesis,
	# and a same-shape model must not trigger it
	if cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
}
pad "$md/lt.hex" "$out/real/lt.hex" $LTW "$MAXL"
pad "$md/rt.hex" "$out/real/rt.hex" "$RTW" $RD
pad "$md/wm.hex" "$out/real/wm.hex" $((P * EW)) $WD
pad "$md/pm.hex" "$out/real/pm.hex" $((P * PW)) $RD

if [ -z "${FIT_HW:-}" ]; then
	# Memories synthesized from random images, to be swapped for the model's.
	# icebram and ecpbram take the word width from the hex digits, so only
	# memories a whole number of hex digits wide qualify (mk/fpga.mk picks
	# MAXW = 255 for models up to 255 wide: a 12-bit round table); the others
	# are built from the model's own image and a patch must keep them unchanged.
	PATCH_MEMS=""
	wmpatch=wm:$((P * EW)); [ "$WMEM_SEL" = spram ] && wmpatch=""
	for m in rt:$RTW $wmpatch pm:$((P * PW)); do
		if [ $(( ${m#*:} % 4 )) -eq 0 ]; then PATCH_MEMS="$PATCH_MEMS ${m%%:*}"
		else echo "fit: note: the ${m%%:*} memory is ${m#*:} bits wide, not a multiple of 4: icebram/ecpbram cannot patch it; it is built from the model's image" >&2; fi
	done
	PATCH_MEMS=${PATCH_MEMS# }
	# FPGA_DIRECT=1: every memory from the model's own image, no swap (the
	# reference build the patch test compares with)
	[ "${FPGA_DIRECT:-0}" = 1 ] && PATCH_MEMS=""
	cat > "$out/hw.txt.tmp" <<EOT
P=$P
AW=$AW
WW=$WW
ACCW=$ACCW
MAXW=$MAXW
MAXL=$MAXL
LG_WD=$LG_WD
LG_RD=$LG_RD
W_LT=$LTW
W_RT=$RTW
W_WM=$((P * EW))
W_PM=$((P * PW))
EBR_EST=$E_ALL
WMEM=$([ "$WMEM_SEL" = spram ] && echo 1 || echo 0)
SPRAM_EST=$S_WM
PATCH_MEMS="$PATCH_MEMS"
EOT
	if cmp -s "$out/hw.txt.tmp" "$out/hw.txt"; then rm -f "$out/hw.txt.tmp"; else mv "$out/hw.txt.tmp" "$out/hw.txt"; fi
fi
echo "N_WORDS=$N_WM N_ROUNDS=$N_RT NNZ=$NNZ" > "$out/model.txt"
sp_note=""
[ "$WMEM_SEL" = spram ] && sp_note=", weights in SPRAM ($S_WM of ${FPGA_RES_SPRAM:-0}: the host loads them at boot, sparq load)"
echo "  fit      $FPGA_BOARD: P=$P, $N_WM weight words (depth $WD), $N_RT rounds (depth $RD), $NNZ nonzeros; about $E_ALL of $FPGA_RES_EBR EBR$sp_note"
