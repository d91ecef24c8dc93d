#include "lnet/phonon/gamma_modes.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "lnet/core/constants.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"

namespace lnet {
namespace {

Vec3 polarity(const DynamicalMatrix& dm, const Eigen::VectorXd& e) {
  const auto& nac = dm.nac();
  Vec3 p = Vec3::Zero();
  if (nac.born.size() != dm.n_atoms()) return p;
  for (std::size_t i = 0; i < dm.n_atoms(); ++i)
    p += nac.born[i] * e.segment<3>(3 * i) / std::sqrt(dm.masses()[i]);
  return p;
}

// D(Γ) is real (all phases are 1; the NAC term is even in G), so its modes are real: diagonalise
// the real part, which also makes degenerate subspaces real.
Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> gamma_modes(const DynamicalMatrix& dm,
                                                           const std::optional<Vec3>& direction) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(dm.at(Vec3::Zero(), direction).real());
  if (eig.info() != Eigen::Success) throw Error("Γ modes: diagonalisation failed");
  return eig;
}

std::string character(const DynamicalMatrix& dm, const Eigen::VectorXd& e) {
  std::map<int, double> weight;
  for (std::size_t i = 0; i < dm.n_atoms(); ++i)
    weight[dm.primitive().numbers[i]] += e.segment<3>(3 * i).squaredNorm();
  std::string out;
  char buffer[32];
  for (const auto& [z, w] : weight) {
    std::snprintf(buffer, sizeof buffer, "%s %.2f", element_symbol(z).c_str(), w);
    out += (out.empty() ? "" : " ") + std::string(buffer);
  }
  return out;
}

}  // namespace

double raman_activity(const Mat3& r) {
  const Mat3 s = 0.5 * (r + r.transpose());
  const double a = s.trace() / 3;
  const double gamma2 = 0.5 * (std::pow(s(0, 0) - s(1, 1), 2) + std::pow(s(1, 1) - s(2, 2), 2) +
                               std::pow(s(2, 2) - s(0, 0), 2) +
                               6 * (s(0, 1) * s(0, 1) + s(1, 2) * s(1, 2) + s(0, 2) * s(0, 2)));
  return 45 * a * a + 7 * gamma2;
}

GammaAnalysis analyse_gamma(const DynamicalMatrix& dm, const std::optional<Vec3>& q_direction,
                            const std::vector<Mat3>& raman) {
  if (!raman.empty() && raman.size() != 3 * dm.n_atoms())
    throw Error("Γ modes: " + std::to_string(raman.size()) + " Raman tensors for " +
                std::to_string(dm.n_atoms()) + " atoms (need 3 per atom)");
  GammaAnalysis g;
  const bool nac = dm.nac().method != NacMethod::none;
  if (q_direction && q_direction->norm() > 0 && nac) {
    g.direction = *q_direction;
    g.direction_cart = dm.cartesian(*q_direction).normalized();
  }
  const auto eig = gamma_modes(dm, g.direction);
  const Eigen::VectorXd& l = eig.eigenvalues();
  const int n = int(l.size());
  Eigen::VectorXd thz(n);
  for (int i = 0; i < n; ++i)
    thz[i] = (l[i] < 0 ? -1 : 1) * std::sqrt(std::abs(l[i])) * units::ev_a2_amu_to_thz;
  std::vector<int> by_abs(n);
  for (int i = 0; i < n; ++i) by_abs[i] = i;
  std::sort(by_abs.begin(), by_abs.end(),
            [&](int a, int b) { return std::abs(thz[a]) < std::abs(thz[b]); });
  std::vector<bool> acoustic(n, false);
  for (int i = 0; i < std::min(3, n); ++i) acoustic[by_abs[i]] = true;
  double max_ir = 0;
  for (int i = 0; i < n; ++i) {
    GammaMode mode;
    mode.thz = thz[i];
    mode.per_cm = mode.thz * units::thz_to_per_cm;
    const Eigen::VectorXd e = eig.eigenvectors().col(i);
    mode.polarity = polarity(dm, e);
    mode.ir_activity = acoustic[i] ? 0.0 : mode.polarity.squaredNorm();
    mode.character = character(dm, e);
    if (!raman.empty()) {
      Mat3 r = Mat3::Zero();
      for (std::size_t k = 0; k < 3 * dm.n_atoms(); ++k)
        r += raman[k] * e[k] / std::sqrt(dm.masses()[k / 3]);
      r *= units::coulomb;  // e·Å²/V -> Å³ per Å
      mode.raman_tensor = r;
      mode.raman_activity = acoustic[i] ? 0.0 : raman_activity(r);
    }
    max_ir = std::max(max_ir, mode.ir_activity);
    g.modes.push_back(mode);
  }
  for (int i = 0; i < n; ++i) {
    GammaMode& mode = g.modes[i];
    if (acoustic[i]) {
      mode.label = "acoustic";
    } else if (!(mode.ir_activity > 1e-6 * max_ir) || max_ir == 0) {
      mode.label = "-";
    } else if (g.direction_cart) {
      mode.longitudinal = std::pow(mode.polarity.dot(*g.direction_cart), 2) / mode.ir_activity;
      mode.label = mode.longitudinal > 0.5 ? "LO" : "TO";
    } else {
      mode.label = "IR";
    }
  }
  return g;
}

Mat3 static_dielectric(const DynamicalMatrix& dm) {
  const auto& nac = dm.nac();
  if (nac.born.size() != dm.n_atoms())
    throw Error("static_dielectric: the dynamical matrix has no Born effective charges");
  const auto eig = gamma_modes(dm, std::nullopt);
  const Eigen::VectorXd& l = eig.eigenvalues();
  const int n = int(l.size());
  std::vector<int> by_abs(n);
  for (int i = 0; i < n; ++i) by_abs[i] = i;
  std::sort(by_abs.begin(), by_abs.end(),
            [&](int a, int b) { return std::abs(l[a]) < std::abs(l[b]); });
  const double volume = std::abs(dm.primitive().cell.determinant());
  Mat3 eps = nac.epsilon;
  for (int r = 3; r < n; ++r) {
    const int i = by_abs[r];
    const Vec3 p = polarity(dm, eig.eigenvectors().col(i));
    eps += 4 * units::pi * nac.factor / volume * p * p.transpose() / l[i];
  }
  return eps;
}

}  // namespace lnet
