#include "lnet/analysis/dielectric.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "lnet/analysis/blocking.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The axis a field lies along, -1 for zero field, -2 for none (off-axis).
int field_axis(const Vec3& e) {
  const double size = e.cwiseAbs().maxCoeff();
  if (size <= 1e-14) return -1;
  for (int a = 0; a < 3; ++a)
    if (std::abs(e(a)) == size && (e.cwiseAbs().sum() - size) <= 1e-9 * size) return a;
  return -2;
}

struct LineFit {
  double slope = nan, slope_error = nan, chi2_per_dof = nan;
};

// Least-squares line through (x, y) with errors `err` (see dielectric_from_fields).
LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y,
                 const std::vector<double>& err) {
  const std::size_t n = x.size();
  bool weighted = true;
  for (double e : err) weighted = weighted && e > 0.0 && std::isfinite(e);
  std::vector<double> w(n, 1.0);
  if (weighted)
    for (std::size_t i = 0; i < n; ++i) w[i] = 1.0 / (err[i] * err[i]);
  double sw = 0.0, sx = 0.0, sy = 0.0;
  for (std::size_t i = 0; i < n; ++i) sw += w[i], sx += w[i] * x[i], sy += w[i] * y[i];
  const double xm = sx / sw, ym = sy / sw;
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += w[i] * (x[i] - xm) * (x[i] - xm);
    sxy += w[i] * (x[i] - xm) * (y[i] - ym);
  }
  LineFit f;
  f.slope = sxy / sxx;
  double chi2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - ym - f.slope * (x[i] - xm);
    chi2 += w[i] * r * r;
  }
  const double dof = static_cast<double>(n) - 2.0;
  if (dof > 0) f.chi2_per_dof = chi2 / dof;
  if (weighted)
    f.slope_error = std::sqrt(1.0 / sxx);
  else
    f.slope_error = dof > 0 ? std::sqrt(chi2 / dof / sxx) : nan;
  return f;
}

void require_positive(double value, const std::string& what) {
  if (!(value > 0.0) || !std::isfinite(value))
    throw Error("dielectric: " + what + " must be positive and finite, got " +
                std::to_string(value));
}

// eps_inf of a dielectric is >= 1 (1: vacuum, or M already holds the electronic response).
void require_epsilon_inf(double epsilon_inf) {
  if (!(epsilon_inf >= 1.0) || !std::isfinite(epsilon_inf))
    throw Error("dielectric: eps_inf must be a finite number >= 1, got " +
                std::to_string(epsilon_inf));
}

void require_finite_dipoles(const std::vector<Vec3>& run, std::size_t r) {
  for (std::size_t i = 0; i < run.size(); ++i)
    if (!run[i].allFinite())
      throw Error("dielectric: dipole sample " + std::to_string(i + 1) + " of run " +
                  std::to_string(r + 1) + " is not finite");
}

// A result that overflowed (finite but huge dipoles) is an error, never a printed "nan".
void require_finite_result(double value, const std::string& what) {
  if (!std::isfinite(value))
    throw Error("dielectric: " + what +
                " is not finite: the dipoles are too large for double precision (wrong units?)");
}

}  // namespace

FluctuationDielectric dielectric_from_fluctuations(const std::vector<std::vector<Vec3>>& runs,
                                                   double epsilon_inf, double volume_A3,
                                                   double temperature_K) {
  require_positive(volume_A3, "volume (Å^3)");
  require_positive(temperature_K, "temperature (K)");
  require_epsilon_inf(epsilon_inf);
  for (std::size_t r = 0; r < runs.size(); ++r) require_finite_dipoles(runs[r], r);
  FluctuationDielectric out;
  Vec3 sum = Vec3::Zero();
  for (const auto& run : runs)
    for (const Vec3& m : run) sum += m, ++out.samples;
  if (out.samples < 2) throw Error("dielectric: need at least 2 dipole samples for fluctuations");
  const double n = static_cast<double>(out.samples);
  out.mean_dipole = sum / n;
  std::vector<double> squares;
  squares.reserve(out.samples);
  Mat3 covariance = Mat3::Zero();
  for (const auto& run : runs)
    for (const Vec3& m : run) {
      const Vec3 d = m - out.mean_dipole;
      squares.push_back(d.squaredNorm());
      covariance += d * d.transpose();
    }
  covariance /= n;
  const BlockingResult b = blocking_error(squares);
  out.variance = b.mean;
  // (1): 1 / (eps_vac V k_B T) in 1/(e·Å)^2 for M in e·Å.
  const double scale = 1.0 / (units::eps0 * volume_A3 * units::kb * temperature_K);
  out.epsilon = epsilon_inf + out.variance * scale / 3.0;
  out.error = b.error * scale / 3.0;
  out.converged = b.converged;
  out.block_size = b.block_size;
  out.tensor = epsilon_inf * Mat3::Identity() + covariance * scale;
  require_finite_result(out.epsilon, "eps_0");
  require_finite_result(out.error, "the error of eps_0");
  require_finite_result(out.tensor.sum(), "the eps_0 tensor");
  return out;
}

FieldDielectric dielectric_from_fields(const std::vector<FieldRun>& runs, double epsilon_inf,
                                       double volume_A3) {
  require_positive(volume_A3, "volume (Å^3)");
  require_epsilon_inf(epsilon_inf);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    require_finite_dipoles(runs[r].dipole, r);
    if (!runs[r].efield.allFinite())
      throw Error("dielectric: the field of run " + std::to_string(r + 1) + " is not finite");
  }
  std::vector<Vec3> means(runs.size()), errors(runs.size());
  std::vector<int> axis_of(runs.size());
  FieldDielectric out;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    axis_of[r] = field_axis(runs[r].efield);
    if (axis_of[r] == -2) {
      ++out.unused_runs;
      continue;
    }
    if (runs[r].dipole.size() < 2)
      throw Error("dielectric: run " + std::to_string(r + 1) + " has fewer than 2 samples");
    for (int a = 0; a < 3; ++a) {
      std::vector<double> component;
      component.reserve(runs[r].dipole.size());
      for (const Vec3& m : runs[r].dipole) component.push_back(m(a));
      const BlockingResult b = blocking_error(component);
      means[r](a) = b.mean;
      errors[r](a) = b.error;
    }
  }
  for (int axis = 0; axis < 3; ++axis) {
    FieldResponse resp;
    resp.axis = axis;
    for (std::size_t r = 0; r < runs.size(); ++r)
      if (axis_of[r] == axis || axis_of[r] == -1) {
        resp.fields.push_back(runs[r].efield(axis));
        resp.mean_dipole.push_back(means[r]);
        resp.mean_dipole_error.push_back(errors[r]);
      }
    bool distinct = false;
    for (double e : resp.fields) distinct = distinct || e != resp.fields.front();
    if (!distinct) continue;
    for (int a = 0; a < 3; ++a) {
      std::vector<double> y, err;
      for (std::size_t i = 0; i < resp.fields.size(); ++i) {
        y.push_back(resp.mean_dipole[i](a));
        err.push_back(resp.mean_dipole_error[i](a));
      }
      const LineFit f = fit_line(resp.fields, y, err);
      resp.slope(a) = f.slope;
      resp.slope_error(a) = f.slope_error;
      resp.chi2_per_dof(a) = f.chi2_per_dof;
      // (2): d<M>/dE in e·Å²/V over eps_vac V in e·Å²/V.
      resp.epsilon(a) = (a == axis ? epsilon_inf : 0.0) + f.slope / (units::eps0 * volume_A3);
      resp.epsilon_error(a) = f.slope_error / (units::eps0 * volume_A3);
    }
    require_finite_result(resp.epsilon.sum(), "the field response eps");
    out.axes.push_back(resp);
  }
  return out;
}

}  // namespace lnet::analysis
