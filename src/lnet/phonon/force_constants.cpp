#include "lnet/phonon/force_constants.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/util/progress.hpp"

namespace lnet {

double ForceConstants::max_abs() const {
  double m = 0;
  for (const Mat3& b : blocks) m = std::max(m, b.cwiseAbs().maxCoeff());
  return m;
}

namespace {

double max_force(const std::vector<Vec3>& forces) {
  double m = 0;
  for (const Vec3& f : forces) m = std::max(m, f.norm());
  return m;
}

std::vector<Vec3> forces_of(ForceField& ff, const Structure& s) {
  Evaluation e = ff.evaluate(s, Vec3::Zero(), EvalRequest());
  if (e.forces.size() != s.size())
    throw Error("force constants: the force field returned " + std::to_string(e.forces.size()) +
                " forces for " + std::to_string(s.size()) + " atoms");
  return std::move(e.forces);
}

}  // namespace

FiniteDisplacementResult finite_displacement_force_constants(ForceField& ff, const Supercell& sc,
                                                             const DisplacementOptions& options) {
  const double h = options.amplitude;
  if (!(h > 0) || !std::isfinite(h))
    throw InputError("displacement", "must be a positive amplitude in Å");
  const int np = int(sc.from_primitive.size());
  const int ns = int(sc.size());
  FiniteDisplacementResult r;
  r.fc = ForceConstants(np, ns);
  r.max_residual_force = max_force(forces_of(ff, sc.structure));
  r.evaluations = 1;
  std::ostringstream sink;
  Progress progress("displacements", std::size_t(6 * np), options.progress ? std::cerr : sink);
  Structure displaced = sc.structure;
  for (int p = 0; p < np; ++p) {
    const int s = sc.from_primitive[p];
    for (int a = 0; a < 3; ++a) {
      displaced.positions[s][a] = sc.structure.positions[s][a] + h;
      const auto plus = forces_of(ff, displaced);
      progress.update(std::size_t(6 * p + 2 * a + 1));
      displaced.positions[s][a] = sc.structure.positions[s][a] - h;
      const auto minus = forces_of(ff, displaced);
      displaced.positions[s][a] = sc.structure.positions[s][a];
      r.evaluations += 2;
      progress.update(std::size_t(6 * p + 2 * a + 2));
      for (int k = 0; k < ns; ++k) r.fc(p, k).row(a) = -(plus[k] - minus[k]).transpose() / (2 * h);
    }
  }
  progress.finish();
  return r;
}

ForceConstants force_constants_from_hessian(const Eigen::MatrixXd& hessian, const Supercell& sc) {
  const int np = int(sc.from_primitive.size());
  const int ns = int(sc.size());
  if (hessian.rows() != 3 * ns || hessian.cols() != 3 * ns)
    throw Error("force constants: Hessian of size " + std::to_string(hessian.rows()) + "x" +
                std::to_string(hessian.cols()) + " for a supercell of " + std::to_string(ns) +
                " atoms (expected " + std::to_string(3 * ns) + ")");
  ForceConstants fc(np, ns);
  for (int p = 0; p < np; ++p)
    for (int k = 0; k < ns; ++k) fc(p, k) = hessian.block<3, 3>(3 * sc.from_primitive[p], 3 * k);
  return fc;
}

std::vector<Mat3> expand_to_full(const ForceConstants& fc, const Supercell& sc) {
  const int ns = int(sc.size());
  const auto map = sc.translation_map();
  std::vector<Mat3> full(std::size_t(ns) * ns);
  for (int s = 0; s < ns; ++s)
    for (int k = 0; k < ns; ++k) full[std::size_t(s) * ns + k] = fc(sc.to_primitive[s], map[s][k]);
  return full;
}

SumRuleReport impose_acoustic_sum_rule(ForceConstants& fc, const Supercell& sc) {
  const int np = fc.n_primitive, ns = fc.n_super;
  const auto map = sc.translation_map();
  const double scale = std::max(fc.max_abs(), 1e-300);
  const ForceConstants original = fc;
  SumRuleReport report;
  for (int iteration = 0; iteration < 50; ++iteration) {
    double violation = 0;
    for (int p = 0; p < np; ++p) {
      Mat3 sum = Mat3::Zero();
      for (int k = 0; k < ns; ++k) sum += fc(p, k);
      violation = std::max(violation, sum.cwiseAbs().maxCoeff());
      fc(p, sc.from_primitive[p]) -= sum;
    }
    if (iteration == 0) report.max_violation_before = violation;
    // Pair symmetry: Φ(p, k) and Φ(k, p)ᵀ, the latter by translation Φ(p(k), T_k⁻¹ p2s[p]).
    ForceConstants sym(np, ns);
    double asymmetry = 0;
    for (int p = 0; p < np; ++p)
      for (int k = 0; k < ns; ++k) {
        const Mat3& other = fc(sc.to_primitive[k], map[k][sc.from_primitive[p]]);
        sym(p, k) = 0.5 * (fc(p, k) + other.transpose());
        asymmetry = std::max(asymmetry, (fc(p, k) - other.transpose()).cwiseAbs().maxCoeff());
      }
    fc = std::move(sym);
    report.iterations = iteration + 1;
    if (violation < 1e-12 * scale && asymmetry < 1e-12 * scale) break;
  }
  for (std::size_t i = 0; i < fc.blocks.size(); ++i)
    report.max_change =
        std::max(report.max_change, (fc.blocks[i] - original.blocks[i]).cwiseAbs().maxCoeff());
  return report;
}

}  // namespace lnet
