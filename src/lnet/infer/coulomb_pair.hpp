// The pair kernel of Gaussian charges and dipoles and its analytic derivatives (DESIGN.md
// §1.5), shared by the real-space and direct sums. Written to follow the reference
// (src/lnet/electrostatics/kernels.cpp) operation by operation, so the two agree to rounding.
#pragma once
#include <cmath>

#include "lnet/core/structure.hpp"

namespace lnet::infer::coulomb_detail {

constexpr double kPi = 3.14159265358979323846;

// B0 = f(r), B_{l+1} = -(1/r) dB_l/dr of a radial kernel f; b2, b3 only with dipoles.
struct Radial {
  double b0 = 0, b1 = 0, b2 = 0, b3 = 0;
};

// erfc(beta r)/r by the recursion of Smith (1998):
// B_l = [(2l-1) B_{l-1} + (2 beta^2)^l / (beta sqrt(pi)) exp(-beta^2 r^2)] / r^2.
inline Radial erfc_radial(double r, double beta, bool dipoles) {
  Radial b;
  const double inv_r2 = 1.0 / (r * r);
  b.b0 = std::erfc(beta * r) / r;
  const double gauss = std::exp(-(beta * beta) * (r * r)) * (2.0 / std::sqrt(kPi));
  b.b1 = (b.b0 + gauss * beta) * inv_r2;
  if (dipoles) {
    const double beta3 = beta * beta * beta;
    b.b2 = (3.0 * b.b1 + gauss * (2.0 * beta3)) * inv_r2;
    b.b3 = (5.0 * b.b2 + gauss * (4.0 * beta3 * beta * beta)) * inv_r2;
  }
  return b;
}

// Subtracts the Gaussian tail erfc(r/(sqrt2 g))/r of a pair with width g^2 = g2 (none for two
// point sites, g2 = 0).
inline void subtract_gaussian_tail(Radial& b, double r, double g2, bool dipoles) {
  if (!(g2 > 0)) return;
  const Radial t = erfc_radial(r, 1.0 / std::sqrt(2.0 * g2), dipoles);
  b.b0 -= t.b0;
  b.b1 -= t.b1;
  b.b2 -= t.b2;
  b.b3 -= t.b3;
}

// Ewald real-space kernel erfc(alpha r)/r - erfc(r/(sqrt2 g))/r.
inline Radial ewald_real_kernel(double r, double alpha, double g2, bool dipoles) {
  Radial b = erfc_radial(r, alpha, dipoles);
  subtract_gaussian_tail(b, r, g2, dipoles);
  return b;
}

// Full Gaussian kernel erf(r/(sqrt2 g))/r = 1/r - erfc(r/(sqrt2 g))/r (open boundaries).
inline Radial gaussian_kernel(double r, double g2, bool dipoles) {
  Radial b;
  const double inv_r2 = 1.0 / (r * r);
  b.b0 = 1.0 / r;
  b.b1 = b.b0 * inv_r2;
  if (dipoles) {
    b.b2 = 3.0 * b.b1 * inv_r2;
    b.b3 = 5.0 * b.b2 * inv_r2;
  }
  subtract_gaussian_tail(b, r, g2, dipoles);
  return b;
}

// u = q_i q_j B0 + B1 (q_j mu_i.r - q_i mu_j.r) + B1 mu_i.mu_j - B2 (mu_i.r)(mu_j.r) with
// r = r_j - r_i (no Coulomb constant) and its partial derivatives; dB_l/dr = -B_{l+1} r.
struct PairTerms {
  double u = 0, dqi = 0, dqj = 0;
  Vec3 dr = Vec3::Zero(), dmui = Vec3::Zero(), dmuj = Vec3::Zero();
};

inline PairTerms charge_pair(const Radial& b, const Vec3& r, double qi, double qj) {
  PairTerms t;
  t.u = qi * qj * b.b0;
  t.dqi = qj * b.b0;
  t.dqj = qi * b.b0;
  t.dr = (-qi * qj * b.b1) * r;
  t.dmui = (qj * b.b1) * r;  // the field of a charge reaches a site without a dipole too
  t.dmuj = (-qi * b.b1) * r;
  return t;
}

inline PairTerms dipole_pair(const Radial& b, const Vec3& r, double qi, double qj, const Vec3& mi,
                             const Vec3& mj) {
  PairTerms t = charge_pair(b, r, qi, qj);
  const double a = mi.dot(r), c = mj.dot(r), mm = mi.dot(mj);
  const double cross = qj * a - qi * c;
  t.u += b.b1 * cross + b.b1 * mm - b.b2 * a * c;
  t.dqi -= b.b1 * c;
  t.dqj += b.b1 * a;
  t.dr += (-b.b2 * cross - b.b2 * mm + b.b3 * a * c) * r + b.b1 * (qj * mi - qi * mj) -
          b.b2 * (c * mi + a * mj);
  t.dmui += -b.b2 * c * r + b.b1 * mj;
  t.dmuj += -b.b2 * a * r + b.b1 * mi;
  return t;
}

}  // namespace lnet::infer::coulomb_detail
