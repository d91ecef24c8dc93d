#!/usr/bin/env bash
# Builds lnet and runs the whole test suite (GoogleTest via CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps
build=${LNET_BUILD_DIR:-build}
export OPENBLAS_NUM_THREADS=1
# CTest runs two test processes on two cores: spinning OpenMP threads would starve each other.
export OMP_WAIT_POLICY=PASSIVE
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLNET_WERROR=ON
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 "$@"
