#!/usr/bin/env bash
# Installs every Debian package lnet needs (idempotent) and builds it with -j2.
#   scripts/setup.sh            packages + build into build/
#   scripts/setup.sh --deps     packages only
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas0-pthread: libtorch links libblas.so.3, which is the slow reference BLAS unless
# OpenBLAS provides it (4.5x slower training steps measured without it).
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread libeigen3-dev libyaml-cpp-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  libfftw3-dev libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox lammps quantum-espresso
  python3-numpy python3-ase python3-phonopy python3-dev pybind11-dev python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[[ "${1:-}" == "--deps" ]] && exit 0

build=${LNET_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
# The Python module too, when configure found /usr/bin/python3 and pybind11 (it then staged
# the package in $build/python/lnet).
python_module=false
[[ -f "$build/python/lnet/__init__.py" ]] && python_module=true
if $python_module; then
  cmake --build "$build" -j2 --target lnet lnet_python
else
  cmake --build "$build" -j2 --target lnet
fi
echo "setup: built $build/lnet"
if $python_module; then
  echo "setup: Python module: PYTHONPATH=$PWD/$build/python /usr/bin/python3 -c 'import lnet'"
fi
