// The liquid-water boxes of the benchmarks (bench_model, bench_infer): a 64-molecule cell,
// generated in code with a fixed seed, tiled n x n x n.
#pragma once
#include <Eigen/Geometry>
#include <array>
#include <cmath>
#include <random>
#include <stdexcept>

#include "lnet/core/structure.hpp"

namespace lnet::bench {

// Liquid water: 64 rigid H2O (O-H 0.96 Å, H-O-H 104.5°) at random positions and orientations in
// a 12.415 Å cube (1.00 g/cm^3), placed by random sequential addition with minimum image
// distances O-O >= 2.5 Å and H-(other molecule) >= 1.6 Å. Deterministic for a given seed.

inline Structure water_cell(unsigned seed) {
  const double L = 12.415, roh = 0.96, half = 0.5 * 104.5 * M_PI / 180.0;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::normal_distribution<double> gauss;
  Structure s;
  s.cell = Mat3::Identity() * L;
  s.pbc = {true, true, true};
  auto dist = [L](const Vec3& a, const Vec3& b) {
    Vec3 d = b - a;
    for (int k = 0; k < 3; ++k) d(k) -= L * std::round(d(k) / L);
    return d.norm();
  };
  const Vec3 h1(roh * std::sin(half), 0, roh * std::cos(half)), h2(-h1(0), 0, h1(2));
  long attempts = 0;
  while (s.size() < 3 * 64) {
    if (++attempts > 10'000'000) throw std::runtime_error("water_cell: could not place molecules");
    Vec3 o(uni(rng) * L, uni(rng) * L, uni(rng) * L);
    Eigen::Quaterniond q(gauss(rng), gauss(rng), gauss(rng), gauss(rng));
    Mat3 r = q.normalized().toRotationMatrix();
    std::array<Vec3, 3> m = {o, o + r * h1, o + r * h2};
    bool ok = true;
    for (std::size_t k = 0; k < s.size() && ok; ++k)
      for (int a = 0; a < 3 && ok; ++a)
        ok = dist(s.positions[k], m[a]) >= (a == 0 && s.numbers[k] == 8 ? 2.5 : 1.6);
    if (!ok) continue;
    for (int a = 0; a < 3; ++a) {
      s.numbers.push_back(a == 0 ? 8 : 1);
      s.positions.push_back(m[a]);
    }
  }
  return s;
}

inline Structure tile(const Structure& s, int n) {
  Structure t;
  t.cell = s.cell * n;
  t.pbc = s.pbc;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) {
        Vec3 shift = (i * s.cell.row(0) + j * s.cell.row(1) + k * s.cell.row(2)).transpose();
        for (std::size_t a = 0; a < s.size(); ++a) {
          t.numbers.push_back(s.numbers[a]);
          t.positions.push_back(s.positions[a] + shift);
        }
      }
  return t;
}

}  // namespace lnet::bench
