#include "lnet/relax/relax_problem.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet {

RelaxProblem::RelaxProblem(ForceField& ff, Structure start, CellMode mode,
                           const Mat3& target_stress)
    : ff_(ff), start_(std::move(start)), mode_(mode), target_(target_stress) {
  if (mode_ != CellMode::fixed && !(start_.pbc[0] && start_.pbc[1] && start_.pbc[2]))
    throw InputError("cell.relax", "cell relaxation needs a structure periodic in 3D");
  const int n = int(start_.size());
  if (n == 0) throw InputError("structure", "no atoms to relax");
  cell_factor_ = double(n);
  x_.resize(3 * n + (mode_ == CellMode::fixed ? 0 : 9));
  for (int i = 0; i < n; ++i) x_.segment<3>(3 * i) = start_.positions[i];
  if (mode_ != CellMode::fixed) {
    const Mat3 f = Mat3::Identity() * cell_factor_;
    for (int k = 0; k < 9; ++k) x_[3 * n + k] = f(k / 3, k % 3);
  }
  current_ = start_;
  evaluate();
}

void RelaxProblem::set(const Eigen::VectorXd& x) {
  x_ = x;
  evaluate();
}

void RelaxProblem::evaluate() {
  const int n = int(start_.size());
  Mat3 f = Mat3::Identity();
  if (mode_ != CellMode::fixed) {
    for (int k = 0; k < 9; ++k) f(k / 3, k % 3) = x_[3 * n + k] / cell_factor_;
    const double det = f.determinant();
    if (!(det > 0.05) || !std::isfinite(det))
      throw Error("relax: the cell collapsed or inverted (det F = " + std::to_string(det) +
                  "); the target stress may be unreachable or the steps too large");
    if (mode_ == CellMode::fixed_volume) {
      f /= std::cbrt(det);
      for (int k = 0; k < 9; ++k) x_[3 * n + k] = f(k / 3, k % 3) * cell_factor_;
    }
    current_.cell = start_.cell * f.transpose();
  }
  for (int i = 0; i < n; ++i) current_.positions[i] = f * Vec3(x_.segment<3>(3 * i));
  const bool cell = mode_ != CellMode::fixed;
  EvalRequest request;
  request.virial = cell;
  const Evaluation e = ff_.evaluate(current_, Vec3::Zero(), request);
  ++evaluations_;
  if (e.forces.size() != std::size_t(n) || !std::isfinite(e.energy))
    throw Error(
        "relax: the force field returned a non-finite energy or the wrong number of forces");
  if (cell && !e.virial)
    throw Error("relax: cell relaxation needs the virial, which the force field did not return");
  g_.resize(x_.size());
  m_ = Measures{};
  m_.energy = e.energy;
  for (int i = 0; i < n; ++i) {
    if (!e.forces[i].allFinite())
      throw Error("relax: non-finite force on atom " + std::to_string(i + 1));
    m_.fmax = std::max(m_.fmax, e.forces[i].norm());
    g_.segment<3>(3 * i) = f.transpose() * e.forces[i];
  }
  m_.volume = current_.periodic() ? current_.volume() : 0.0;
  m_.enthalpy = m_.energy;
  if (!cell) return;
  const double v = m_.volume, v0 = start_.volume();
  const Mat3 w = *e.virial;
  const Mat3 stress = -w / v;
  const double p_target = -target_.trace() / 3;
  const Mat3 dev_target = target_ + p_target * Mat3::Identity();
  m_.enthalpy += p_target * v - v0 * (dev_target * (f - Mat3::Identity())).trace();
  m_.pressure = -stress.trace() / 3 * units::ev_per_a3_to_gpa;
  const Mat3 delta = (stress - target_) * units::ev_per_a3_to_gpa;
  const Mat3 a = w + v * target_;  // −∂H/∂F · Fᵀ
  Mat3 g;
  switch (mode_) {
    case CellMode::isotropic:
      g = a.trace() / 3 * f.inverse().transpose();
      m_.smax = std::abs(delta.trace()) / 3;
      break;
    case CellMode::fixed_volume: {
      const Mat3 dev = a - a.trace() / 3 * Mat3::Identity();
      g = dev * f.inverse().transpose();
      m_.smax = (delta - delta.trace() / 3 * Mat3::Identity()).cwiseAbs().maxCoeff();
      break;
    }
    default:
      g = a * f.inverse().transpose();
      m_.smax = delta.cwiseAbs().maxCoeff();
  }
  for (int k = 0; k < 9; ++k) g_[3 * n + k] = g(k / 3, k % 3) / cell_factor_;
}

}  // namespace lnet
