#!/usr/bin/env bash
# Installs every Debian package lnet needs (idempotent) and builds it with -j2.
#   scripts/setup.sh            packages + build into build/
#   scripts/setup.sh --deps     packages only
set -euo pipefail
cd "$(dirname "$0")/.."

# clang, clang-format, libclang-rt-14-dev: scripts/check.sh (format check, sanitizers, libFuzzer).
# libopenblas0-pthread: libtorch links libblas.so.3, which is the slow reference BLAS unless
# OpenBLAS provides it (4.5x slower training steps measured without it).
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread libeigen3-dev libyaml-cpp-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  libfftw3-dev libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox lammps quantum-espresso
  liblammps-dev libopenmpi-dev openmpi-bin xz-utils
  clang clang-format libclang-rt-14-dev
  python3-numpy python3-ase python3-phonopy python3-dev pybind11-dev python3-pytest
)

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The LAMMPS headers that liblammps-dev lacks (its bundled fmt/, neigh_request.h, ...) come from
# the same version's Debian source package, unpacked (headers only) into third_party/lammps
# (gitignored), never vendored; interfaces/lammps is skipped without them. Needs a deb-src entry
# for the Debian archive, added when there is none. Done once per liblammps version.
fetch_lammps_headers() {
  local dir=third_party/lammps binary source
  binary=$(dpkg-query -W -f='${Version}' liblammps-dev 2>/dev/null) || return 0
  source=${binary%+b[0-9]*}  # binNMU suffix: same source
  [[ -f $dir/VERSION && $(<"$dir/VERSION") == "$source" ]] && return 0
  if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: adding a deb-src entry for the Debian archive (LAMMPS headers)"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$(. /etc/os-release && echo "$VERSION_CODENAME")" | $SUDO tee /etc/apt/sources.list.d/lnet-deb-src.sources >/dev/null
    $SUDO apt-get update -qq
  fi
  local tmp log
  tmp=$(mktemp -d)
  log=$tmp/log
  echo "setup: fetching the lammps $source source package for its headers"
  if ! (cd "$tmp" && apt-get source --download-only -qq "lammps=$source") >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: warning: no LAMMPS source headers; the LAMMPS interface will be skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xJf "$tmp"/lammps_*.orig.tar.xz -C "$dir" --strip-components=1 --wildcards \
    --no-wildcards-match-slash '*/src/*.h' '*/src/fmt/*'
  rm -rf "$tmp"
  # Same version: every header liblammps-dev installs must be identical to the unpacked one.
  local h
  for h in /usr/include/lammps/*.h; do
    if ! cmp -s "$h" "$dir/src/${h##*/}"; then
      echo "setup: warning: $dir/src/${h##*/} differs from $h; the LAMMPS interface will be skipped" >&2
      rm -rf "$dir"
      return 0
    fi
  done
  echo "$source" >"$dir/VERSION"
}
fetch_lammps_headers

[[ "${1:-}" == "--deps" ]] && exit 0

build=${LNET_BUILD_DIR:-build}
# The same configuration as scripts/test.sh (warnings are errors in both), so that the test
# command reuses every object this build compiled instead of building everything again.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLNET_WERROR=ON
# The Python module too, when configure found /usr/bin/python3 and pybind11 (it then staged
# the package in $build/python/lnet).
python_module=false
[[ -f "$build/python/lnet/__init__.py" ]] && python_module=true
targets=(lnet)
$python_module && targets+=(lnet_python)
# The LAMMPS driver too, when configure found MPI, liblammps and the LAMMPS headers.
lammps_driver=false
grep -q '^build lnet-lammps:' "$build/build.ninja" 2>/dev/null && lammps_driver=true
$lammps_driver && targets+=(lnet-lammps)
cmake --build "$build" -j2 --target "${targets[@]}"
echo "setup: built $build/lnet"
$lammps_driver && echo "setup: LAMMPS with pair_style lnet: mpirun -np 2 $build/lnet-lammps -in FILE"
if $python_module; then
  echo "setup: Python module: PYTHONPATH=$PWD/$build/python /usr/bin/python3 -c 'import lnet'"
fi
