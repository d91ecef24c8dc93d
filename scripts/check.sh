#!/usr/bin/env bash
# CI habits beyond the test suite (issue 9), run by .ci/run after scripts/test.sh:
#   1. formatting: every tracked C++ file as the repository's .clang-format writes it;
#   2. the torch-free libraries' tests under AddressSanitizer + UndefinedBehaviorSanitizer
#      (clang), and the libFuzzer targets of the extxyz and YAML readers for a bounded time.
# The model-file reader's fuzz driver runs in the main suite (ModelFile.SurvivesRandomMutations).
#   scripts/check.sh [--format-only]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "check: clang-format"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h')
if ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "check: formatting differs from .clang-format: run" >&2
  echo "  git ls-files '*.cpp' '*.hpp' '*.h' | xargs clang-format -i" >&2
  exit 1
fi
[[ "${1:-}" == "--format-only" ]] && exit 0

build=${LNET_CHECK_BUILD_DIR:-build-check}
export OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
# detect_leaks: the tests must not leak either; halt_on_error: the first report fails the test.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "check: sanitizer + fuzz build in $build"
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLNET_TORCH=OFF \
  -DLNET_SANITIZE=ON -DLNET_FUZZ=ON -DLNET_FUZZ_SECONDS="${LNET_FUZZ_SECONDS:-60}"
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900
