#include "lnet/phonon/dynamical_matrix.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <complex>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet {
namespace {

using cd = std::complex<double>;
constexpr double q_zero_tolerance = 1e-5;  // 1/Å (phonopy's symprec on |q|)

}  // namespace

std::vector<Vec3> commensurate_points(const Mat3i& supercell_matrix) {
  // q commensurate ⇔ P q ∈ Z³ ⇔ q = P⁻¹ k, k a lattice point of Pᵀ (see supercell.hpp).
  const Mat3 p_inverse = supercell_matrix.cast<double>().inverse();
  std::vector<Vec3> points;
  for (const auto& k : lattice_points(supercell_matrix.transpose())) {
    Vec3 q = p_inverse * Vec3(k[0], k[1], k[2]);
    for (int a = 0; a < 3; ++a) {
      q[a] -= std::floor(q[a]);
      if (q[a] > 1 - 1e-12) q[a] = 0;
    }
    points.push_back(q);
  }
  return points;
}

DynamicalMatrix::DynamicalMatrix(const Structure& primitive, std::vector<double> masses,
                                 const Supercell& supercell, ForceConstants fc, NacParameters nac)
    : primitive_(primitive),
      masses_(std::move(masses)),
      fc_(std::move(fc)),
      to_primitive_(supercell.to_primitive),
      multiplicity_(supercell.multiplicity()),
      images_(supercell),
      nac_(std::move(nac)),
      reciprocal_(primitive.cell.inverse()) {
  if (masses_.size() != primitive_.size())
    throw Error("DynamicalMatrix: " + std::to_string(masses_.size()) + " masses for " +
                std::to_string(primitive_.size()) + " atoms");
  for (double m : masses_)
    if (!(m > 0)) throw InputError("masses", "every mass must be positive (amu)");
  if (fc_.n_primitive != int(primitive_.size()) || fc_.n_super != int(supercell.size()))
    throw Error("DynamicalMatrix: force constants do not match the supercell");
  validate_nac(nac_, primitive_.size(), "nac");
  if (nac_.method == NacMethod::gonze) {
    dd_ = std::make_unique<DipoleDipole>(primitive_, nac_);
    subtract_dipole_dipole(supercell);
  }
}

void DynamicalMatrix::subtract_dipole_dipole(const Supercell& supercell) {
  // Commensurate points moved into the first Brillouin zone: the truncated G sum is not
  // exactly periodic in q (phonopy does the same).
  std::vector<Vec3> points = commensurate_points(supercell.matrix);
  for (Vec3& q : points) {
    Vec3 best = q;
    double best_norm = (reciprocal_ * q).norm();
    for (int a = -2; a <= 2; ++a)
      for (int b = -2; b <= 2; ++b)
        for (int c = -2; c <= 2; ++c) {
          const Vec3 candidate = q + Vec3(a, b, c);
          const double norm = (reciprocal_ * candidate).norm();
          if (norm < best_norm - 1e-12) {
            best_norm = norm;
            best = candidate;
          }
        }
    q = best;
  }
  std::vector<Eigen::MatrixXcd> dd;
  for (const Vec3& q : points) dd.push_back((*dd_)(reciprocal_ * q, std::nullopt));
  const int np = fc_.n_primitive, ns = fc_.n_super;
  const double n = double(points.size());
  for (int p = 0; p < np; ++p)
    for (int k = 0; k < ns; ++k) {
      const int j = to_primitive_[k];
      const auto& vs = images_.vectors(p, k);
      Mat3 sum = Mat3::Zero();
      for (std::size_t iq = 0; iq < points.size(); ++iq) {
        cd phase = 0;
        for (const Vec3& v : vs) phase += std::polar(1.0, -2 * units::pi * points[iq].dot(v));
        phase /= double(vs.size());
        sum += (dd[iq].block<3, 3>(3 * p, 3 * j) * phase).real();
      }
      fc_(p, k) -= sum / n;
    }
}

Eigen::MatrixXcd DynamicalMatrix::fourier(const Vec3& q, const std::vector<Mat3>* extra) const {
  const int np = fc_.n_primitive, ns = fc_.n_super;
  Eigen::MatrixXcd c = Eigen::MatrixXcd::Zero(3 * np, 3 * np);
  for (int p = 0; p < np; ++p)
    for (int k = 0; k < ns; ++k) {
      const int j = to_primitive_[k];
      const auto& vs = images_.vectors(p, k);
      cd phase = 0;
      for (const Vec3& v : vs) phase += std::polar(1.0, 2 * units::pi * q.dot(v));
      phase /= double(vs.size());
      Mat3 block = fc_(p, k);
      if (extra) block += (*extra)[std::size_t(p) * np + j];
      c.block<3, 3>(3 * p, 3 * j) += block.cast<cd>() * phase;
    }
  return c;
}

Eigen::MatrixXcd DynamicalMatrix::mass_weight(Eigen::MatrixXcd c) const {
  const int np = int(masses_.size());
  for (int i = 0; i < np; ++i)
    for (int j = 0; j < np; ++j) c.block<3, 3>(3 * i, 3 * j) /= std::sqrt(masses_[i] * masses_[j]);
  return 0.5 * (c + c.adjoint());
}

Eigen::MatrixXcd DynamicalMatrix::at(const Vec3& q, const std::optional<Vec3>& q_direction) const {
  const Vec3 q_cart = reciprocal_ * q;
  const bool at_gamma = q_cart.norm() < q_zero_tolerance;
  std::optional<Vec3> dir_cart;
  if (q_direction && (reciprocal_ * *q_direction).norm() > 0) dir_cart = reciprocal_ * *q_direction;
  switch (nac_.method) {
    case NacMethod::gonze:
      // At Γ without a direction, short-range Φ plus C^dd(0) are the full Φ (Γ is commensurate).
      return mass_weight(fourier(q, nullptr) + (*dd_)(q_cart, at_gamma ? dir_cart : std::nullopt));
    case NacMethod::wang: {
      if (at_gamma && !dir_cart) return mass_weight(fourier(q, nullptr));
      const Vec3 k = at_gamma ? *dir_cart : q_cart;
      const int np = int(masses_.size());
      const double scale = nac_.factor * 4 * units::pi / std::abs(primitive_.cell.determinant()) /
                           k.dot(nac_.epsilon * k) / multiplicity_;
      std::vector<Vec3> qz(np);
      for (int i = 0; i < np; ++i) qz[i] = nac_.born[i].transpose() * k;  // (k·Z*_i)_α
      std::vector<Mat3> extra(std::size_t(np) * np);
      for (int i = 0; i < np; ++i)
        for (int j = 0; j < np; ++j)
          extra[std::size_t(i) * np + j] = scale * qz[i] * qz[j].transpose();
      return mass_weight(fourier(q, &extra));
    }
    default:
      return mass_weight(fourier(q, nullptr));
  }
}

PhononModes DynamicalMatrix::modes(const Vec3& q, const std::optional<Vec3>& q_direction) const {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> eig(at(q, q_direction));
  if (eig.info() != Eigen::Success) throw Error("DynamicalMatrix: diagonalisation failed");
  PhononModes m;
  const Eigen::VectorXd& l = eig.eigenvalues();
  m.frequencies_thz.resize(l.size());
  for (int i = 0; i < l.size(); ++i)
    m.frequencies_thz[i] =
        (l[i] < 0 ? -1 : 1) * std::sqrt(std::abs(l[i])) * units::ev_a2_amu_to_thz;
  m.eigenvectors = eig.eigenvectors();
  return m;
}

Eigen::VectorXd DynamicalMatrix::frequencies(const Vec3& q,
                                             const std::optional<Vec3>& q_direction) const {
  return modes(q, q_direction).frequencies_thz;
}

}  // namespace lnet
