// Analytic force fields for the MD tests: exact energies, forces, virials and Born dipoles, so
// that every MD observable has a known answer.
#pragma once
#include <cmath>
#include <vector>

#include "lnet/core/force_field.hpp"

namespace lnet::testing {

// Point charges on springs to lattice sites (an Einstein crystal), optionally anharmonic
// (quartic) and with harmonic bonds between atom pairs, in a uniform field:
//   E = Σ_i [k/2 |d_i|² + k4/4 |d_i|⁴] + Σ_bonds kb/2 (|r_ij| − r0)² − E·M,   M = Σ q_i r_i
// d_i = r_i − s_i by minimum image (bond vectors are not), sites s_i = f_iᵀ·cell move with the
// cell. M uses the positions exactly as given (as the ForceField contract says), so an MD that
// wrapped positions would see M, and the energy, jump. Z*_i = q_i I.
class ChargedCrystal : public ForceField {
 public:
  struct Bond {
    int i, j;
    double k, r0;
  };
  std::vector<Vec3> site_fractions;
  std::vector<double> charges;
  double k = 1.0, k4 = 0.0;
  std::vector<Bond> bonds;
  mutable long evaluations = 0;

  bool has_dipole() const override { return true; }

  Evaluation evaluate(const Structure& s, const Vec3& field, const EvalRequest& request) override {
    ++evaluations;
    const std::size_t n = s.size();
    const Mat3 inverse = s.periodic() ? Mat3(s.cell.inverse()) : Mat3::Zero();
    auto minimum_image = [&](Vec3 d) {
      if (!s.periodic()) return d;
      Vec3 f = inverse.transpose() * d;
      for (int a = 0; a < 3; ++a)
        if (s.pbc[a]) f[a] -= std::round(f[a]);
      return Vec3(s.cell.transpose() * f);
    };
    Evaluation out;
    out.forces.assign(n, Vec3::Zero());
    Mat3 w = Mat3::Zero();
    Vec3 m = Vec3::Zero();
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 site = s.cell.transpose() * site_fractions[i];
      const Vec3 d = minimum_image(s.positions[i] - site);
      const double d2 = d.squaredNorm();
      out.energy += 0.5 * k * d2 + 0.25 * k4 * d2 * d2;
      const Vec3 f = -(k + k4 * d2) * d;
      out.forces[i] += f + charges[i] * field;
      w += f * d.transpose();
      m += charges[i] * s.positions[i];
    }
    for (const Bond& b : bonds) {
      // Not by minimum image: bonded atoms may be half a small cell apart, where the minimum
      // image flips and the force would have a kink. Positions are unwrapped anyway.
      const Vec3 r = s.positions[b.j] - s.positions[b.i];
      const double len = r.norm();
      out.energy += 0.5 * b.k * (len - b.r0) * (len - b.r0);
      const Vec3 fj = -b.k * (len - b.r0) * r / len;  // on j; −fj on i
      out.forces[b.j] += fj;
      out.forces[b.i] -= fj;
      w += fj * r.transpose();
    }
    out.energy -= field.dot(m);
    const Mat3 wf = field * m.transpose();
    if (request.virial) out.virial = w + 0.5 * (wf + wf.transpose());
    out.dipole = m;
    out.charges = charges;
    if (request.bec) out.bec.assign(n, Mat3::Identity());
    for (std::size_t i = 0; request.bec && i < n; ++i) out.bec[i] *= charges[i];
    return out;
  }
};

// No interactions at all: the ideal gas of the NPT tests.
class IdealGas : public ForceField {
 public:
  Evaluation evaluate(const Structure& s, const Vec3&, const EvalRequest& request) override {
    Evaluation out;
    out.forces.assign(s.size(), Vec3::Zero());
    if (request.virial) out.virial = Mat3::Zero();
    return out;
  }
};

// Fails (non-finite energy) from its `nan_after`-th evaluation on.
class FailingForceField : public ForceField {
 public:
  long nan_after = 3;
  long calls = 0;
  Evaluation evaluate(const Structure& s, const Vec3&, const EvalRequest&) override {
    Evaluation out;
    out.forces.assign(s.size(), Vec3::Zero());
    out.energy = ++calls > nan_after ? std::nan("") : 0.0;
    return out;
  }
};

}  // namespace lnet::testing
