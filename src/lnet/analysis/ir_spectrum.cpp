#include "lnet/analysis/ir_spectrum.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "lnet/analysis/smoothing.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

void check_options(const std::vector<std::vector<Vec3>>& segments, const IrOptions& o) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("ir_spectrum: " + what);
  };
  require(o.timestep_fs > 0.0, "time step must be positive, got " + std::to_string(o.timestep_fs));
  require(o.temperature_K > 0.0,
          "temperature must be positive, got " + std::to_string(o.temperature_K) + " K");
  require(o.volume_A3 > 0.0, "volume must be positive, got " + std::to_string(o.volume_A3));
  require(o.zero_pad >= 1, "zero padding factor must be >= 1");
  require(o.smoothing_cm >= 0.0, "smoothing FWHM must be >= 0");
  require(o.centred_difference_step_fs >= 0.0, "centred-difference step must be >= 0");
  require(std::isfinite(o.timestep_fs) && std::isfinite(o.temperature_K) &&
              std::isfinite(o.volume_A3) && std::isfinite(o.smoothing_cm) &&
              std::isfinite(o.max_correlation_fs) && std::isfinite(o.centred_difference_step_fs),
          "time step, temperature, volume, smoothing and correlation time must be finite");
  std::size_t longest = 0;
  for (const auto& s : segments) longest = std::max(longest, s.size());
  require(longest >= 2, "need at least one segment of two or more samples");
  for (std::size_t r = 0; r < segments.size(); ++r)
    for (std::size_t i = 0; i < segments[r].size(); ++i)
      require(segments[r][i].allFinite(), "sample " + std::to_string(i + 1) + " of run " +
                                              std::to_string(r + 1) + " is not finite");
}

// Length of the zero-padded even sequence: at least 2K + 2 and zero_pad times 2K.
std::size_t transform_length(std::size_t lags, int zero_pad) {
  return fft_size(std::max(2 * lags + 2, 2 * lags * static_cast<std::size_t>(zero_pad)));
}

// F(w_j) = Int dt e^{-i w_j t} C(t) w(t) over the whole real line, for the even extension of
// the windowed C: dt [C_0 + 2 sum_k C_k w_k cos(w_j t_k)] on w_j = 2 pi j / (L dt), as the
// real part of one length-L FFT of the symmetric sequence (the rectangle rule, whose
// frequency integral is exactly 2 pi C_0).
std::vector<double> cosine_transform(const std::vector<double>& c, Window window, int zero_pad,
                                     double dt) {
  const std::size_t lags = c.size() - 1;  // K
  const std::size_t len = transform_length(lags, zero_pad);
  const std::size_t nc = len / 2 + 1;
  std::unique_ptr<double[], decltype(&fftw_free)> a(
      static_cast<double*>(fftw_malloc(sizeof(double) * len)), &fftw_free);
  std::unique_ptr<fftw_complex[], decltype(&fftw_free)> spec(
      static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * nc)), &fftw_free);
  if (!a || !spec) throw Error("ir_spectrum: out of memory for " + std::to_string(len) + " points");
  std::fill(a.get(), a.get() + len, 0.0);
  a[0] = c[0];
  for (std::size_t k = 1; k <= lags; ++k) {
    const double wk = window_value(window, static_cast<double>(k) / static_cast<double>(lags));
    a[k] = a[len - k] = c[k] * wk;
  }
  fftw_plan plan = fftw_plan_dft_r2c_1d(static_cast<int>(len), a.get(), spec.get(), FFTW_ESTIMATE);
  fftw_execute(plan);
  fftw_destroy_plan(plan);
  std::vector<double> f(nc);
  for (std::size_t j = 0; j < nc; ++j) f[j] = dt * spec[j][0];
  return f;
}

}  // namespace

QuantumCorrection parse_quantum_correction(const std::string& name) {
  if (name == "none") return QuantumCorrection::none;
  if (name == "harmonic") return QuantumCorrection::harmonic;
  if (name == "schofield") return QuantumCorrection::schofield;
  throw InputError("quantum correction", "unknown quantum correction '" + name +
                                             "' (expected none, harmonic, schofield)");
}

std::string to_string(QuantumCorrection correction) {
  switch (correction) {
    case QuantumCorrection::none:
      return "none";
    case QuantumCorrection::harmonic:
      return "harmonic";
    case QuantumCorrection::schofield:
      return "schofield";
  }
  return "?";
}

double quantum_correction_ratio(QuantumCorrection correction, double x) {
  if (correction == QuantumCorrection::harmonic || x <= 0.0) return 1.0;
  // (1 - e^{-x}) / x without cancellation at small x: -expm1(-x) / x.
  const double detailed_balance = -std::expm1(-x) / x;
  if (correction == QuantumCorrection::none) return detailed_balance;
  return std::exp(0.5 * x) * detailed_balance;  // schofield: 2 sinh(x/2) / x
}

double wavenumber_cm(double omega_per_fs) {
  return omega_per_fs / (2.0 * units::pi * units::c_cm_per_fs);
}

double omega_per_fs(double wavenumber) { return wavenumber * 2.0 * units::pi * units::c_cm_per_fs; }

double default_max_correlation_fs(const std::vector<std::vector<Vec3>>& segments,
                                  double timestep_fs) {
  std::size_t longest = 0;
  for (const auto& s : segments) longest = std::max(longest, s.size());
  return std::min(2000.0, 0.25 * static_cast<double>(longest) * timestep_fs);
}

IrSpectrum ir_spectrum(const std::vector<std::vector<Vec3>>& rate_segments, const IrOptions& o) {
  check_options(rate_segments, o);
  const double dt = o.timestep_fs;
  const double t_max = o.max_correlation_fs > 0.0 ? o.max_correlation_fs
                                                  : default_max_correlation_fs(rate_segments, dt);
  const auto lags = static_cast<std::size_t>(std::max(1.0, std::round(t_max / dt)));
  std::size_t longest = 0;
  for (const auto& s : rate_segments) longest = std::max(longest, s.size());
  if (lags >= longest)
    throw Error("ir_spectrum: maximum correlation time " + std::to_string(t_max) +
                " fs is not shorter than the longest run (" +
                std::to_string(static_cast<double>(longest - 1) * dt) + " fs)");

  std::vector<std::vector<Vec3>> centred;
  const auto* segments = &rate_segments;
  if (o.subtract_mean) {
    Vec3 sum = Vec3::Zero();
    double count = 0.0;
    for (const auto& s : rate_segments)
      for (const Vec3& v : s) sum += v, count += 1.0;
    centred = rate_segments;
    for (auto& s : centred)
      for (Vec3& v : s) v -= sum / count;
    segments = &centred;
  }

  IrSpectrum out;
  out.correlation = autocorrelation(*segments, lags, o.normalisation);
  out.max_correlation_fs = static_cast<double>(lags) * dt;
  out.resolution_cm = 1.0 / (2.0 * units::c_cm_per_fs * out.max_correlation_fs);
  for (std::size_t k = 0; k <= lags; ++k) out.lag_fs.push_back(static_cast<double>(k) * dt);

  const std::vector<double> f = cosine_transform(out.correlation, o.window, o.zero_pad, dt);
  const double kt = units::kb * o.temperature_K;
  // Equation (1): beta / (6 c V eps0) in 1/Å for F in (e·Å/fs)^2·fs, then cm^-1.
  const double prefactor =
      units::per_a_to_per_cm / (6.0 * kt * units::c_a_per_fs * o.volume_A3 * units::eps0);
  const double d_omega =
      2.0 * units::pi / (static_cast<double>(transform_length(lags, o.zero_pad)) * dt);
  for (std::size_t j = 0; j < f.size(); ++j) {
    const double omega = static_cast<double>(j) * d_omega;
    double value = prefactor * f[j] *
                   quantum_correction_ratio(o.quantum_correction, units::hbar_ev_fs * omega / kt);
    if (o.centred_difference_step_fs > 0.0 && j > 0) {
      const double u = omega * o.centred_difference_step_fs;
      if (u > 0.5 * units::pi) break;
      value *= (u / std::sin(u)) * (u / std::sin(u));
    }
    out.wavenumber_cm.push_back(wavenumber_cm(omega));
    out.frequency_thz.push_back(1000.0 * omega / (2.0 * units::pi));  // 1/fs = 1000 THz
    out.intensity.push_back(value);
  }
  if (o.smoothing_cm > 0.0 && out.wavenumber_cm.size() > 1)
    out.intensity =
        gaussian_smooth(out.intensity, out.wavenumber_cm[1] - out.wavenumber_cm[0], o.smoothing_cm);
  // Finite samples can still overflow (|dM/dt| ~ 1e154): a spectrum is never returned with a
  // NaN or an infinity in it.
  for (std::size_t j = 0; j < out.intensity.size(); ++j)
    if (!std::isfinite(out.intensity[j]))
      throw Error("ir_spectrum: the spectrum is not finite at " +
                  std::to_string(out.wavenumber_cm[j]) +
                  " cm^-1: the dipole rates are too large for a correlation in double "
                  "precision (wrong units?)");
  if (o.normalise) {
    const double peak = *std::max_element(out.intensity.begin(), out.intensity.end());
    if (peak > 0.0)
      for (double& v : out.intensity) v /= peak;
    out.normalised = true;
  }
  return out;
}

IrSpectrum ir_spectrum_from_dipoles(const std::vector<std::vector<Vec3>>& dipole_segments,
                                    IrOptions options) {
  std::vector<std::vector<Vec3>> rates;
  rates.reserve(dipole_segments.size());
  for (const auto& s : dipole_segments) rates.push_back(centred_difference(s, options.timestep_fs));
  options.centred_difference_step_fs = options.timestep_fs;
  return ir_spectrum(rates, options);
}

}  // namespace lnet::analysis
