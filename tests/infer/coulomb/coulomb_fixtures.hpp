// Small random systems of Gaussian (or point) charges and dipoles for the torch-free Coulomb
// tests (float64), and central differences of the engine's own energy.
#pragma once
#include <random>
#include <vector>

#include "lnet/infer/coulomb.hpp"

namespace lnet::infer::test {

struct System {
  std::vector<Vec3> positions;
  std::vector<double> charges, sigma;
  std::vector<Vec3> dipoles;
  Mat3 cell = Mat3::Identity();
  bool use_charges = true, use_dipoles = true, gaussian = true;

  CoulombSites sites() const {
    CoulombSites s;
    s.positions = positions.data();
    s.charges = use_charges ? charges.data() : nullptr;
    s.dipoles = use_dipoles ? dipoles.data() : nullptr;
    s.sigma = gaussian ? sigma.data() : nullptr;
    s.size = positions.size();
    return s;
  }
};

// n sites in `cell` (fractional coordinates uniform; some outside [0,1) to test wrapping),
// charges summing to `net`, dipoles ~0.3 e·Å, widths 0.5..1 Å. Sites closer than 0.7 Å are
// redrawn so the point kernel stays well conditioned.
inline System random_system(int n, const Mat3& cell, unsigned seed, double net = 0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-0.1, 1.1), c(-1, 1), w(0.5, 1.0);
  System s;
  s.cell = cell;
  while (static_cast<int>(s.positions.size()) < n) {
    const Vec3 f(u(rng), u(rng), u(rng));
    const Vec3 r = (f.transpose() * cell).transpose();
    bool close = false;
    for (const Vec3& p : s.positions) close = close || (p - r).norm() < 0.7;
    if (close) continue;
    s.positions.push_back(r);
    s.charges.push_back(c(rng));
    s.dipoles.push_back(0.3 * Vec3(c(rng), c(rng), c(rng)));
    s.sigma.push_back(w(rng));
  }
  double q = 0;
  for (double x : s.charges) q += x;
  for (double& x : s.charges) x += (net - q) / n;
  return s;
}

inline Mat3 triclinic(double a) {
  Mat3 h;
  h << a, 0, 0, 0.3 * a, 0.9 * a, 0, -0.2 * a, 0.25 * a, 1.1 * a;
  return h;
}

inline double energy(Coulomb& c, const System& s) { return c.evaluate(s.sites(), s.cell).energy; }

}  // namespace lnet::infer::test
