#!/usr/bin/env bash
# bambu.sh MODEL_DIR [CLOCK_NS]: synthesize sparq's hls_c core with PandA Bambu
# (free software, not packaged in Debian bookworm, so not run here).
#   sparq export-hls m.sqm --lanes 8 -o build/hls/model
#   hls_c/tools/bambu.sh build/hls/model 20
set -euo pipefail
model_dir=${1:?usage: bambu.sh MODEL_DIR [CLOCK_NS]}
period=${2:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p build/bambu && cd build/bambu
bambu "$here/sq_hls.c" "$here/sq_hls_top.c" --top-fname=sq_hls_top \
	-I"$here" -I"$(cd - >/dev/null && cd "$model_dir" && pwd)" \
	--clock-period="$period" --compiler=I386_GCC49 -O2 \
	--device-name=LFE5U85F8BG756C --generate-tb=none
