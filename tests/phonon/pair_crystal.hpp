// Analytic test force field for the phonon and relaxation tests: anharmonic central pair
// springs plus fixed point charges that act only as Born charges (Z*_i = q_i·I; no Coulomb
// energy, so the long-range part of a rigid-ion model is exactly the NAC's job):
//
//   E = Σ_pairs φ_ab(r),  φ(r) = k/2 (r − r0)² + k3/6 (r − r0)³ + k4/24 (r − r0)⁴,  r < cutoff
//
// per species pair (a, b). Exact forces, virial and Hessian (ForceField::hessian):
//   ∂²φ/∂r_j∂r_j = φ'' r̂r̂ᵀ + (φ'/r)(1 − r̂r̂ᵀ)  for r = r_j − r_i, and −that for (i, j).
#pragma once
#include <cmath>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/force_field.hpp"
#include "lnet/core/neighbor_list.hpp"

namespace lnet::testing {

struct Spring {
  double k = 0, r0 = 0, k3 = 0, k4 = 0;
  // φ, φ', φ'' at r.
  void eval(double r, double& e, double& d1, double& d2) const {
    const double x = r - r0;
    e = 0.5 * k * x * x + k3 / 6 * x * x * x + k4 / 24 * x * x * x * x;
    d1 = k * x + 0.5 * k3 * x * x + k4 / 6 * x * x * x;
    d2 = k + k3 * x + 0.5 * k4 * x * x;
  }
};

class PairCrystal : public ForceField {
 public:
  double cutoff = 3.5;                            // Å
  std::map<std::pair<int, int>, Spring> springs;  // (Z_a, Z_b) with Z_a <= Z_b; absent: none
  std::map<int, double> charges;                  // Z -> q (Born charge q·I)
  // A polarizable force field's alpha_cell (e·Å²/V), the same for every structure; ε∞ from it.
  std::optional<Mat3> polarizability;
  std::vector<Mat3> raman;  // Γ Raman tensors returned when asked (Evaluation::raman layout)
  long evaluations = 0;

  void set_spring(int za, int zb, Spring s) { springs[std::minmax(za, zb)] = s; }

  bool has_dipole() const override { return !charges.empty(); }
  bool has_polarizability() const override { return polarizability.has_value(); }

  Evaluation evaluate(const Structure& s, const Vec3& field, const EvalRequest& request) override {
    ++evaluations;
    Evaluation out;
    out.forces.assign(s.size(), Vec3::Zero());
    Mat3 w = Mat3::Zero();
    for_pairs(s, [&](int i, int j, const Vec3& r, const Spring& sp) {
      double e, d1, d2;
      const double len = r.norm();
      sp.eval(len, e, d1, d2);
      out.energy += e;
      const Vec3 fj = -d1 * r / len;  // force on j
      out.forces[j] += fj;
      out.forces[i] -= fj;
      w += fj * r.transpose();
    });
    if (!charges.empty()) {
      Vec3 m = Vec3::Zero();
      for (std::size_t i = 0; i < s.size(); ++i) {
        const double q = charges.at(s.numbers[i]);
        m += q * s.positions[i];
        out.forces[i] += q * field;
      }
      out.energy -= field.dot(m);
      out.dipole = m;
      if (request.bec)
        for (std::size_t i = 0; i < s.size(); ++i)
          out.bec.push_back(charges.at(s.numbers[i]) * Mat3::Identity());
    }
    if (request.virial) out.virial = w;
    if (request.polarizability) {
      if (!polarizability) throw Error("PairCrystal: not polarizable");
      out.polarizability = polarizability;
      if (s.periodic())
        out.epsilon_inf = Mat3(Mat3::Identity() + *polarizability / (units::eps0 * s.volume()));
    }
    if (request.raman) out.raman = raman;
    return out;
  }

  std::optional<Eigen::MatrixXd> hessian(const Structure& s) override {
    Eigen::MatrixXd h = Eigen::MatrixXd::Zero(3 * s.size(), 3 * s.size());
    for_pairs(s, [&](int i, int j, const Vec3& r, const Spring& sp) {
      double e, d1, d2;
      const double len = r.norm();
      sp.eval(len, e, d1, d2);
      const Vec3 u = r / len;
      const Mat3 k = d2 * u * u.transpose() + d1 / len * (Mat3::Identity() - u * u.transpose());
      h.block<3, 3>(3 * i, 3 * i) += k;
      h.block<3, 3>(3 * j, 3 * j) += k;
      h.block<3, 3>(3 * i, 3 * j) -= k;
      h.block<3, 3>(3 * j, 3 * i) -= k;
    });
    return h;
  }

 private:
  // Each pair (i < j, any image) once; an atom's own images (i == j) are at fixed distance and
  // only shift the energy, so they are left out.
  template <class F>
  void for_pairs(const Structure& s, F&& f) const {
    const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff);
    for (std::size_t p = 0; p < nl.size(); ++p) {
      const int i = nl.first[p], j = nl.second[p];
      if (i >= j) continue;
      auto it = springs.find(std::minmax(s.numbers[i], s.numbers[j]));
      if (it == springs.end()) continue;
      const auto& sh = nl.shifts[p];
      const Vec3 r =
          s.positions[j] - s.positions[i] + s.cell.transpose() * Vec3(sh[0], sh[1], sh[2]);
      f(i, j, r, it->second);
    }
  }
};

// Rock salt primitive cell (fcc, cubic axes along x, y, z): cation at 0, anion at (a/2, 0, 0).
inline Structure rock_salt(double a, int cation = 11, int anion = 17) {
  Structure s;
  s.cell << 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0;
  s.pbc = {true, true, true};
  s.numbers = {cation, anion};
  s.positions = {Vec3::Zero(), Vec3(a / 2, 0, 0)};
  return s;
}

}  // namespace lnet::testing
