// Small structures and finite-difference helpers for the electrostatics tests (float64).
#pragma once
#include <array>
#include <vector>

#include "lnet/electrostatics/electrostatics.hpp"

namespace lnet::es::test {

inline torch::TensorOptions f64() { return torch::TensorOptions().dtype(torch::kFloat64); }

// Two interpenetrating fcc lattices of charges +1 and -1, the second shifted by `offset`
// (in units of the cube edge a): the conventional cube (8 ions) or the fcc primitive cell
// (2 ions, rhombohedral = triclinic cell vectors).
inline Sites binary_fcc(double a, const std::array<double, 3>& offset, bool primitive) {
  Sites s;
  if (primitive) {
    s.cell = torch::tensor({0.0, 0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5, 0.0}, f64()).view({3, 3}) * a;
    s.positions =
        torch::tensor({0.0, 0.0, 0.0, offset[0], offset[1], offset[2]}, f64()).view({2, 3}) * a;
    s.charges = torch::tensor({1.0, -1.0}, f64());
    return s;
  }
  std::vector<double> pos, q;
  const double fcc[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  for (auto& f : fcc) {
    pos.insert(pos.end(), {f[0] * a, f[1] * a, f[2] * a});
    q.push_back(1);
    pos.insert(pos.end(), {(f[0] + offset[0]) * a, (f[1] + offset[1]) * a, (f[2] + offset[2]) * a});
    q.push_back(-1);
  }
  s.cell = torch::eye(3, f64()) * a;
  s.positions = torch::tensor(pos, f64()).view({-1, 3});
  s.charges = torch::tensor(q, f64());
  return s;
}

// Rock salt (NaCl) with nearest-neighbour distance r0 = a / 2.
inline Sites rock_salt(double r0, bool primitive) {
  return binary_fcc(2 * r0, {0.5, 0.0, 0.0}, primitive);
}

// Zinc blende with nearest-neighbour distance r0 = sqrt(3) a / 4.
inline Sites zinc_blende(double r0, bool primitive) {
  return binary_fcc(4 * r0 / std::sqrt(3.0), {0.25, 0.25, 0.25}, primitive);
}

// CsCl with nearest-neighbour distance r0 = sqrt(3) a / 2: the cubic cell, or the same lattice
// described by the sheared (triclinic) vectors a, a + b, a + b + c.
inline Sites cesium_chloride(double r0, bool sheared) {
  const double a = 2 * r0 / std::sqrt(3.0);
  Sites s;
  s.cell =
      sheared ? torch::tensor({1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0}, f64()).view({3, 3}) * a
              : torch::eye(3, f64()) * a;
  s.positions = torch::tensor({0.0, 0.0, 0.0, 0.5, 0.5, 0.5}, f64()).view({2, 3}) * a;
  s.charges = torch::tensor({1.0, -1.0}, f64());
  return s;
}

// `s` under the symmetric strain with components (a, b) and (b, a) of h/2 each, applied to
// positions and cell (the strain whose derivative the virial is).
inline Sites strained(const Sites& s, int a, int b, double h) {
  torch::Tensor e = torch::zeros({3, 3}, f64());
  e[a][b] += 0.5 * h;
  e[b][a] += 0.5 * h;
  Sites t = s;
  t.positions = s.positions + s.positions.matmul(e);
  t.cell = s.cell + s.cell.matmul(e);
  return t;
}

// A random, neutral, triclinic box of n sites with minimum separation ~1 Å (seeded).
inline Sites random_box(int n, uint64_t seed, bool dipoles, bool sigma) {
  torch::manual_seed(seed);
  Sites s;
  s.cell = torch::tensor({7.0, 0.0, 0.0, 1.2, 6.5, 0.0, -0.8, 0.9, 7.5}, f64()).view({3, 3});
  // Jittered grid keeps sites apart so no pair is pathologically close.
  std::vector<double> frac;
  int side = 1;
  while (side * side * side < n) ++side;
  for (int k = 0; k < n; ++k)
    frac.insert(frac.end(), {(k % side + 0.5) / side, (k / side % side + 0.5) / side,
                             (k / side / side + 0.5) / side});
  torch::Tensor f =
      torch::tensor(frac, f64()).view({n, 3}) + 0.15 / side * (torch::rand({n, 3}, f64()) - 0.5);
  s.positions = f.matmul(s.cell);
  torch::Tensor q = torch::rand({n}, f64()) - 0.5;
  s.charges = q - q.mean();
  if (dipoles) s.dipoles = 0.3 * (torch::rand({n, 3}, f64()) - 0.5);
  if (sigma) {
    s.sigma = 0.3 + 0.4 * torch::rand({n}, f64());
    s.sigma.index_put_({0}, 0.0);  // sigma = 0 (point site) must work mixed with Gaussians
  }
  return s;
}

}  // namespace lnet::es::test
