// Shared by the learn tests: a temporary folder, rock-salt frames, and the analytic teacher
// (Morse pairs with a cosine switch, the potential of tests/train/test_training.cpp) as a
// python3 program that reads and writes extxyz, run by the command driver like a DFT code.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "common/rocksalt.hpp"
#include "lnet/core/structure.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet::testing {

class LearnDir {
 public:
  LearnDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lnet_learn_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~LearnDir() {
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(path_);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    write_file_atomic(file(name), text);
    return file(name);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// 8-atom rock-salt cell of edge a with Gaussian displacements sigma (Å).
inline Structure rocksalt_frame(double a, double sigma, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0.0, sigma);
  Structure s;
  s.cell = Mat3::Identity() * a;
  s.pbc = {true, true, true};
  for (int i = 0; i < 8; ++i) {
    s.positions.push_back(a * rocksalt_fractions()[i] + Vec3(noise(rng), noise(rng), noise(rng)));
    s.numbers.push_back(rocksalt_number(i));
  }
  return s;
}

// python3 teacher: `python3 teacher.py input.xyz output.xyz [calls.log]`; appends one line per
// call to calls.log, so that a test can count the DFT calls.
inline const char* teacher_script() {
  return R"PY(import math, re, sys
inp, out = sys.argv[1], sys.argv[2]
lines = open(inp).read().splitlines()
n = int(lines[0])
lat = [float(x) for x in re.search(r'Lattice="([^"]*)"', lines[1]).group(1).split()]
cell = [lat[0:3], lat[3:6], lat[6:9]]
sym, pos = [], []
for l in lines[2:2 + n]:
    t = l.split()
    sym.append(t[0]); pos.append([float(x) for x in t[1:4]])
rc, depth, a = 3.5, 1.0, 1.6
e = 0.0
f = [[0.0] * 3 for _ in range(n)]
for i in range(n):
    for j in range(n):
        for n0 in (-1, 0, 1):
            for n1 in (-1, 0, 1):
                for n2 in (-1, 0, 1):
                    if i == j and n0 == 0 and n1 == 0 and n2 == 0:
                        continue
                    d = [pos[j][k] - pos[i][k] + n0 * cell[0][k] + n1 * cell[1][k] + n2 * cell[2][k] for k in range(3)]
                    r = math.sqrt(sum(x * x for x in d))
                    if r >= rc:
                        continue
                    r0 = 2.9 if sym[i] == sym[j] else 2.5
                    x = math.exp(-a * (r - r0))
                    m = depth * ((1 - x) ** 2 - 1)
                    dm = depth * 2 * (1 - x) * a * x
                    sw = 0.5 * (math.cos(r * math.pi / rc) + 1)
                    dsw = -0.5 * math.sin(r * math.pi / rc) * math.pi / rc
                    e += 0.5 * m * sw
                    g = dm * sw + m * dsw  # d(m sw)/dr; the pair appears twice (i,j), (j,i)
                    for k in range(3):
                        f[i][k] += 0.5 * g * d[k] / r
                        f[j][k] -= 0.5 * g * d[k] / r
e -= 1.5 * n
with open(out, 'w') as o:
    o.write('%d\n' % n)
    o.write('Lattice="%s" Properties=species:S:1:pos:R:3:forces:R:3 energy=%.12f pbc="T T T"\n' % (' '.join('%.12f' % x for x in lat), e))
    for i in range(n):
        o.write('%s %.12f %.12f %.12f %.12f %.12f %.12f\n' % (sym[i], *pos[i], *f[i]))
if len(sys.argv) > 3:
    open(sys.argv[3], 'a').write(inp + '\n')
)PY";
}

inline bool python3_available() { return std::system("python3 -c 'pass' >/dev/null 2>&1") == 0; }

}  // namespace lnet::testing
