#include "lnet/phonon/dipole_dipole.hpp"

#include <cmath>
#include <complex>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet {
namespace {
constexpr double zero_tolerance = 1e-5;  // 1/Å, |K| below which K counts as 0 (phonopy's)
}

DipoleDipole::DipoleDipole(const Structure& primitive, const NacParameters& nac)
    : positions_(primitive.positions), born_(nac.born), epsilon_(nac.epsilon) {
  const double volume = std::abs(primitive.cell.determinant());
  factor_ = nac.factor * 4 * units::pi / volume;
  g_cutoff_ =
      nac.g_cutoff ? *nac.g_cutoff : std::cbrt(3.0 * nac.num_g_points / (4 * units::pi) / volume);
  if (nac.lambda) {
    lambda_ = *nac.lambda;
  } else {
    const double geg = g_cutoff_ * g_cutoff_ * epsilon_.trace() / 3;
    lambda_ = std::sqrt(-geg / 4 / std::log(nac.exp_cutoff));
  }
  if (!(g_cutoff_ > 0) || !(lambda_ > 0)) throw Error("Gonze-Lee: non-positive G cutoff or Lambda");
  // G = B n, B = cell⁻¹ (columns: reciprocal vectors without 2π); |n_i| <= |G| |a_i|.
  const Mat3 b = primitive.cell.inverse();
  int range[3];
  for (int i = 0; i < 3; ++i)
    range[i] = int(std::ceil(g_cutoff_ * primitive.cell.row(i).norm())) + 1;
  for (int i = -range[0]; i <= range[0]; ++i)
    for (int j = -range[1]; j <= range[1]; ++j)
      for (int k = -range[2]; k <= range[2]; ++k) {
        const Vec3 g = b * Vec3(i, j, k);
        if (g.norm() < g_cutoff_) g_list_.push_back(g);
      }
  // q = 0 sum (G ≠ 0), summed over the second atom and Hermitised per atom.
  const Eigen::MatrixXcd s0 = sum(Vec3::Zero(), std::nullopt);
  const int n = int(positions_.size());
  dd_q0_.assign(n, Mat3::Zero());
  dd_q0_imag_.assign(n, Mat3::Zero());
  for (int i = 0; i < n; ++i) {
    Eigen::Matrix3cd acc = Eigen::Matrix3cd::Zero();
    for (int j = 0; j < n; ++j) acc += s0.block<3, 3>(3 * i, 3 * j);
    const Mat3 re = acc.real(), im = acc.imag();
    dd_q0_[i] = 0.5 * (re + re.transpose());
    dd_q0_imag_[i] = 0.5 * (im - im.transpose());
  }
}

Eigen::MatrixXcd DipoleDipole::sum(const Vec3& q_cart, const std::optional<Vec3>& q_dir) const {
  const int n = int(positions_.size());
  Eigen::MatrixXcd kk_sum = Eigen::MatrixXcd::Zero(3 * n, 3 * n);  // before the Z* products
  const double l2 = 4 * lambda_ * lambda_;
  for (const Vec3& g : g_list_) {
    const Vec3 k = g + q_cart;
    Mat3 kk;
    if (k.norm() < zero_tolerance) {
      if (!q_dir) continue;
      kk = *q_dir * q_dir->transpose() / q_dir->dot(epsilon_ * *q_dir);
    } else {
      const double kek = k.dot(epsilon_ * k);
      kk = k * k.transpose() / kek * std::exp(-kek / l2);
    }
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const double phase = 2 * units::pi * g.dot(positions_[i] - positions_[j]);
        kk_sum.block<3, 3>(3 * i, 3 * j) += kk.cast<std::complex<double>>() *
                                            std::complex<double>(std::cos(phase), std::sin(phase));
      }
  }
  Eigen::MatrixXcd out(3 * n, 3 * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      out.block<3, 3>(3 * i, 3 * j) = born_[i].transpose().cast<std::complex<double>>() *
                                      kk_sum.block<3, 3>(3 * i, 3 * j) *
                                      born_[j].cast<std::complex<double>>();
  return out;
}

Eigen::MatrixXcd DipoleDipole::operator()(const Vec3& q_cart,
                                          const std::optional<Vec3>& q_direction_cart) const {
  Eigen::MatrixXcd dd = sum(q_cart, q_direction_cart);
  const int n = int(positions_.size());
  for (int i = 0; i < n; ++i) {
    dd.block<3, 3>(3 * i, 3 * i).real() -= dd_q0_[i];
    dd.block<3, 3>(3 * i, 3 * i).imag() -= dd_q0_imag_[i];
  }
  return dd * factor_;
}

}  // namespace lnet
