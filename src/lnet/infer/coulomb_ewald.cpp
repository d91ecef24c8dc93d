// Ewald reciprocal sum of point charges and dipoles (DESIGN.md §1.5), the three phases of
// coulomb_kspace.hpp. Follows es::detail::ewald_reciprocal_energy: the half space of k-vectors
// (one of each pair k, -k, hence the factor 2), E = (4 pi / V) sum_k exp(-k^2/4a^2)/k^2 |S(k)|^2,
// S(k) = sum_j (q_j + i mu_j·k) exp(i k·r_j). The phases come from per-axis tables:
// exp(i k·r) = prod_a exp(i m_a theta_a), theta_a = 2 pi (h^-T r)_a, so a site costs 3 (2 kmax + 1)
// sincos instead of one per k-vector.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>

#include "lnet/core/constants.hpp"
#include "lnet/infer/coulomb_kspace.hpp"

namespace lnet::infer::coulomb_detail {
namespace {

constexpr double kPi = 3.14159265358979323846;
using Complex = std::complex<double>;

class EwaldKSpace final : public KSpace {
 public:
  EwaldKSpace(const CoulombParameters& p, const Mat3& cell)
      : alpha_(p.alpha),
        volume_(std::abs(cell.determinant())),
        inv_(cell.inverse()),
        kmax_(p.kmax) {
    const Mat3& inv = inv_;  // k = 2 pi m h^-T: k_d = 2 pi sum_a m_a inv(d, a)
    double k_cut = INFINITY;
    for (int a = 0; a < 3; ++a) k_cut = std::min(k_cut, 2 * kPi * p.kmax[a] / cell.row(a).norm());
    const auto& km = p.kmax;
    for (int m0 = 0; m0 <= km[0]; ++m0)
      for (int m1 = (m0 == 0 ? 0 : -km[1]); m1 <= km[1]; ++m1)
        for (int m2 = (m0 == 0 && m1 == 0 ? 1 : -km[2]); m2 <= km[2]; ++m2) {
          const Vec3 k = 2 * kPi * (m0 * inv.col(0) + m1 * inv.col(1) + m2 * inv.col(2));
          if (k.squaredNorm() > k_cut * k_cut * (1 + 1e-12)) continue;
          k_.push_back(k);
          m_.push_back({m0, m1, m2});
        }
  }

  // [Re S(k) for all k, Im S(k) for all k, Q].
  std::vector<double> make_buffer() const override {
    return std::vector<double>(2 * k_.size() + 1, 0.0);
  }

  void spread(const CoulombSites& s, std::vector<double>& buffer) const override {
    const std::size_t nk = k_.size();
    const Phases ph = phases(s);
#pragma omp parallel for schedule(static)
    for (std::size_t k = 0; k < nk; ++k) {
      double re = 0, im = 0;
      for (std::size_t j = 0; j < s.size; ++j) {
        const Complex e = ph.of(j, m_[k]);
        const double q = s.q(j), muk = s.dipoles ? s.dipoles[j].dot(k_[k]) : 0.0;
        // (q + i mu·k)(cos + i sin)
        re += q * e.real() - muk * e.imag();
        im += q * e.imag() + muk * e.real();
      }
      buffer[k] += re;
      buffer[nk + k] += im;
    }
    for (std::size_t j = 0; j < s.size; ++j) buffer[2 * nk] += s.q(j);
  }

  KSpaceSolution solve(std::vector<double>& buffer) override {
    const std::size_t nk = k_.size();
    const double ke = units::coulomb, pre = ke * 4 * kPi / volume_;
    const double inv4a2 = 1.0 / (4 * alpha_ * alpha_);
    KSpaceSolution out;
    for (std::size_t k = 0; k < nk; ++k) {
      const double k2 = k_[k].squaredNorm();
      const double w = std::exp(-k2 * inv4a2) / k2;
      const double e = pre * w * (buffer[k] * buffer[k] + buffer[nk + k] * buffer[nk + k]);
      out.energy += e;
      // d/d(strain) of k (k -> (1 - strain) k) and of 1/V.
      out.virial += e * (Mat3::Identity() - 2 * (inv4a2 + 1 / k2) * k_[k] * k_[k].transpose());
      buffer[k] *= 2 * pre * w;  // now dE/dS: what the interpolation needs
      buffer[nk + k] *= 2 * pre * w;
    }
    out.total_charge = buffer[2 * nk];
    const double bg = ke * background_energy(out.total_charge, volume_, alpha_);
    out.energy += bg;
    out.virial += bg * Mat3::Identity();
    return out;
  }

  void interpolate(const CoulombSites& s, const std::vector<double>& buffer,
                   ElectrostaticsResult& out, std::size_t offset) const override {
    const std::size_t nk = k_.size();
    const double bg = units::coulomb * background_potential(buffer[2 * nk], volume_, alpha_);
    std::vector<Vec3> field_k(s.size);
    const Phases ph = phases(s);
#pragma omp parallel for schedule(static)
    for (std::size_t j = 0; j < s.size; ++j) {
      const double q = s.q(j);
      const Vec3 mu = s.mu(j);
      double potential = 0;
      Vec3 field = Vec3::Zero(), force = Vec3::Zero();
      for (std::size_t k = 0; k < nk; ++k) {
        const Complex e = ph.of(j, m_[k]);
        const double c = e.real(), sn = e.imag();
        // conj(dE/dS) exp(i k·r_j) = A + i B
        const double a = buffer[k] * c + buffer[nk + k] * sn;
        const double b = buffer[k] * sn - buffer[nk + k] * c;
        potential += a;
        field += b * k_[k];
        force += (q * b + mu.dot(k_[k]) * a) * k_[k];
      }
      field_k[j] = field;
      out.potential[offset + j] += potential + bg;
      out.field[offset + j] += field;
      out.forces[offset + j] += force;
    }
    add_dipole_virial(s, field_k, out.virial);
  }

 private:
  // exp(i m theta_a(r_j)) for |m| <= kmax_a, per site and axis.
  struct Phases {
    std::array<int, 3> kmax;
    std::array<std::vector<Complex>, 3> table;  // [j (2 kmax_a + 1) + m + kmax_a]
    Complex of(std::size_t j, const std::array<int, 3>& m) const {
      Complex e = 1;
      for (int a = 0; a < 3; ++a) e *= table[a][j * (2 * kmax[a] + 1) + m[a] + kmax[a]];
      return e;
    }
  };

  Phases phases(const CoulombSites& s) const {
    Phases ph{kmax_, {}};
    for (int a = 0; a < 3; ++a) ph.table[a].resize(s.size * (2 * kmax_[a] + 1));
#pragma omp parallel for schedule(static)
    for (std::size_t j = 0; j < s.size; ++j)
      for (int a = 0; a < 3; ++a) {
        const double theta = 2 * kPi * s.positions[j].dot(inv_.col(a));
        Complex* row = &ph.table[a][j * (2 * kmax_[a] + 1) + kmax_[a]];
        for (int m = 0; m <= kmax_[a]; ++m) {
          row[m] = std::polar(1.0, m * theta);
          row[-m] = std::conj(row[m]);
        }
      }
    return ph;
  }

  double alpha_, volume_;
  Mat3 inv_;
  std::array<int, 3> kmax_;
  std::vector<Vec3> k_;
  std::vector<std::array<int, 3>> m_;
};

}  // namespace

std::unique_ptr<KSpace> make_ewald(const CoulombParameters& p, const Mat3& cell) {
  return std::make_unique<EwaldKSpace>(p, cell);
}

}  // namespace lnet::infer::coulomb_detail
