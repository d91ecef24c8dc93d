#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <random>

#include "lnet/analysis/ir_spectrum.hpp"
#include "lnet/analysis/peaks.hpp"
#include "lnet/analysis/smoothing.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

struct Line {
  double wavenumber;  // cm^-1
  double amplitude;   // of dM/dt, e·Å/fs
  int axis;
  double phase;
};

// dM/dt = sum_k A_k cos(w_k t + phi_k) e_axis: C(t) -> sum_k A_k²/2 cos(w_k t).
std::vector<Vec3> undamped_rates(const std::vector<Line>& lines, double dt, std::size_t n) {
  std::vector<Vec3> rate(n, Vec3::Zero());
  for (std::size_t i = 0; i < n; ++i)
    for (const Line& l : lines)
      rate[i](l.axis) += l.amplitude * std::cos(omega_per_fs(l.wavenumber) * i * dt + l.phase);
  return rate;
}

IrOptions options(double dt) {
  IrOptions o;
  o.timestep_fs = dt;
  o.temperature_K = 300.0;
  o.volume_A3 = 1000.0;
  o.max_correlation_fs = 2000.0;
  return o;
}

// beta / (6 c V eps0) in cm^-1 per (e·Å/fs)²·fs: equation (1) of ir_spectrum.hpp.
double prefactor(const IrOptions& o) {
  return 1e8 / (6.0 * units::kb * o.temperature_K * units::c_a_per_fs * o.volume_A3 * units::eps0);
}

TEST(IrSpectrum, UndampedLinesGivePeaksAtTheirFrequenciesAndIntensitiesInRatio) {
  // 20 ps at 0.5 fs, t_max = 2 ps: resolution 1/(2 c t_max) = 8.3 cm^-1, lines >= 500 cm^-1
  // apart. Two lines share the x axis, so cross terms must average out.
  const std::vector<Line> lines{
      {500.0, 1.0, 0, 0.3}, {1100.0, 0.7, 0, 1.9}, {1600.0, 0.5, 1, 4.0}, {3400.0, 2.0, 2, 2.2}};
  const double dt = 0.5;
  const IrOptions o = options(dt);
  const IrSpectrum s = ir_spectrum({undamped_rates(lines, dt, 40000)}, o);
  EXPECT_NEAR(s.resolution_cm, 8.34, 0.01);
  // Hann sidelobes are < 3 % of their line; the weakest line is 6 % of the strongest.
  const auto peaks = find_peaks(s.wavenumber_cm, s.intensity, 0.04);
  ASSERT_EQ(peaks.size(), lines.size());
  for (std::size_t k = 0; k < lines.size(); ++k) {
    // Grid 2.1 cm^-1 (zero padding 4); a parabola through the top of the Hann main lobe
    // (FWHM 16.7 cm^-1) is good to ~0.05 cm^-1; leakage from lines >= 500 cm^-1 away and the
    // finite-run cross terms (~1/(N w dt)) shift it by far less.
    EXPECT_NEAR(peaks[k].position, lines[k].wavenumber, 0.2) << k;
    // The spectrum is the window's transform (an amplitude, not a power): its FWHM is the
    // Hann 6-dB bandwidth, 2.00 bins of 1/(2 t_max) (Harris 1978, table 1) = 16.7 cm^-1.
    EXPECT_NEAR(peaks[k].fwhm, 2.0 * s.resolution_cm, 0.02 * s.resolution_cm) << k;
    // Each line integrates to beta/(6cV eps0) · pi A²/2 over w, i.e. prefactor · A²/(4c)
    // over the wavenumber. The window keeps C(0); +-150 cm^-1 holds the main lobe and all
    // but ~1e-4 of the sidelobes; cross terms are O(1e-3). So 0.5 %.
    const double expected =
        prefactor(o) * lines[k].amplitude * lines[k].amplitude / (4.0 * units::c_cm_per_fs);
    const double area = integrate(s.wavenumber_cm, s.intensity, lines[k].wavenumber - 150.0,
                                  lines[k].wavenumber + 150.0);
    EXPECT_NEAR(area / expected, 1.0, 5e-3) << k;
  }
}

// A 1D Langevin oscillator (mass m, charge Z, w0, friction gamma) sampled exactly: the
// linear SDE for (q, v) has the transition x' = F x + L xi with F = exp(A dt),
// L L^T = S - F S F^T and S = diag(kT/(m w0²), kT/m) its stationary covariance.
std::vector<double> langevin_velocities(double w0, double gamma, double kt_over_m, double dt,
                                        std::size_t n, std::mt19937_64& rng) {
  const double w1 = std::sqrt(w0 * w0 - 0.25 * gamma * gamma);
  Eigen::Matrix2d a, f, s, q;
  a << 0.0, 1.0, -w0 * w0, -gamma;
  f = std::exp(-0.5 * gamma * dt) *
      (std::cos(w1 * dt) * Eigen::Matrix2d::Identity() +
       std::sin(w1 * dt) / w1 * (a + 0.5 * gamma * Eigen::Matrix2d::Identity()));
  s << kt_over_m / (w0 * w0), 0.0, 0.0, kt_over_m;
  q = s - f * s * f.transpose();
  const Eigen::Matrix2d l = q.llt().matrixL();
  std::normal_distribution<double> g;
  Eigen::Vector2d x(std::sqrt(s(0, 0)) * g(rng), std::sqrt(s(1, 1)) * g(rng));
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = x(1);
    x = f * x + l * Eigen::Vector2d(g(rng), g(rng));
  }
  return v;
}

// Fraction of the velocity spectrum w² gamma / ((w0² - w²)² + gamma² w²) of a damped
// oscillator between a and b (its integral over 0..inf is pi/2), by the midpoint rule on a
// grid 100x finer than the line width.
double lorentz_fraction(double w0, double gamma, double a, double b) {
  const int n = static_cast<int>(std::ceil(100.0 * (b - a) / gamma));
  const double h = (b - a) / n;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double w = a + (i + 0.5) * h;
    sum += w * w * gamma / ((w0 * w0 - w * w) * (w0 * w0 - w * w) + gamma * gamma * w * w);
  }
  return sum * h / (0.5 * units::pi);
}

TEST(IrSpectrum, LangevinOscillatorsObeyTheClassicalOscillatorSumRule) {
  // Three damped oscillators (x, y, z), 4 runs of 1 ns at dt = 1 fs, T = 300 K.
  struct Osc {
    double wavenumber, mass_amu, charge;
  };
  const std::vector<Osc> osc{{400.0, 20.0, 1.0}, {1200.0, 5.0, 0.6}, {2500.0, 1.0, 0.4}};
  const double gamma = 5e-3;  // 1/fs: Lorentzian FWHM gamma/(2 pi c) = 26.5 cm^-1
  const double dt = 1.0;
  const std::size_t n = 1000000;
  IrOptions o = options(dt);
  std::mt19937_64 rng(2024);
  std::vector<std::vector<Vec3>> runs(4, std::vector<Vec3>(n, Vec3::Zero()));
  for (auto& run : runs)
    for (int k = 0; k < 3; ++k) {
      const double kt_over_m =
          units::kb * o.temperature_K / (osc[k].mass_amu * units::amu_a2_per_fs2_to_ev);
      const auto v =
          langevin_velocities(omega_per_fs(osc[k].wavenumber), gamma, kt_over_m, dt, n, rng);
      for (std::size_t i = 0; i < n; ++i) run[i](k) = osc[k].charge * v[i];
    }
  const IrSpectrum s = ir_spectrum(runs, o);
  const auto peaks = find_peaks(s.wavenumber_cm, s.intensity, 0.1);
  ASSERT_EQ(peaks.size(), 3u);
  // Independent check in SI units: Int n a dnu = Z² e² / (12 eps0 V c² m) per 1D
  // oscillator, independent of T (the classical oscillator strength; ir_spectrum.hpp).
  const double e = 1.602176634e-19, eps0 = 8.8541878128e-12, c = 299792458.0,
               amu = 1.66053906660e-27, volume = o.volume_A3 * 1e-30;
  // Integrated over +-infinity each oscillator gives its sum rule; over the windows between
  // the peaks it gives that times the fraction of its line shape inside the window, the
  // tails of the other lines (~1 % each, far from negligible) included.
  const std::vector<double> bounds{0.0, 800.0, 1850.0, 5000.0};
  std::vector<double> sum_rule(3);
  for (int k = 0; k < 3; ++k) {
    const double z = osc[k].charge * e, m = osc[k].mass_amu * amu;
    sum_rule[k] = z * z / (12.0 * eps0 * volume * c * c * m) * 1e-4;  // cm^-2
  }
  for (int k = 0; k < 3; ++k) {
    // The spectrum of dq/dt, w² gamma / ((w0² - w²)² + gamma² w²), peaks exactly at w0.
    // Noise of a 2 ps window on 4 ns: ~2 % per point, ~0.5 cm^-1 on a 26 cm^-1 line.
    EXPECT_NEAR(peaks[k].position, osc[k].wavenumber, 2.0) << k;
    double expected = 0.0;
    for (int j = 0; j < 3; ++j)
      expected +=
          sum_rule[j] * lorentz_fraction(omega_per_fs(osc[j].wavenumber), gamma,
                                         omega_per_fs(bounds[k]), omega_per_fs(bounds[k + 1]));
    const double area = integrate(s.wavenumber_cm, s.intensity, bounds[k], bounds[k + 1]);
    // Statistical error of <v²> over 4 ns: sqrt(2 / (gamma T)) = 1 %, so 4 %; the Hann
    // window (17 cm^-1) moves a negligible part of a line across a bound.
    EXPECT_NEAR(area / expected, 1.0, 0.04) << k;
  }
}

TEST(IrSpectrum, DipoleSourceWithCentredDifferencesMatchesTheRates) {
  // dt = 2 fs and 2000 cm^-1: w dt = 0.75, where centred differences damp the spectrum by
  // (sin(w dt) / (w dt))² = 0.83; the correction must undo that.
  const double dt = 2.0, nu = 2000.0, w = omega_per_fs(nu);
  const std::size_t n = 20000;
  std::vector<Vec3> m(n), rate(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = i * dt;
    m[i] = Vec3(std::sin(w * t) / w, 0.5 * std::cos(w * t + 1.0) / w, 0.0);
    rate[i] = Vec3(std::cos(w * t), -0.5 * std::sin(w * t + 1.0), 0.0);
  }
  const IrOptions o = options(dt);
  const auto exact =
      find_peaks(ir_spectrum({rate}, o).wavenumber_cm, ir_spectrum({rate}, o).intensity, 0.5);
  const IrSpectrum from_m = ir_spectrum_from_dipoles({m}, o);
  const auto corrected = find_peaks(from_m.wavenumber_cm, from_m.intensity, 0.5);
  const IrSpectrum raw = ir_spectrum({centred_difference(m, dt)}, o);
  const auto uncorrected = find_peaks(raw.wavenumber_cm, raw.intensity, 0.5);
  ASSERT_EQ(exact.size(), 1u);
  ASSERT_EQ(corrected.size(), 1u);
  ASSERT_EQ(uncorrected.size(), 1u);
  // The correction is exact at each frequency; what remains is the variation of the
  // factor across the 17 cm^-1 main lobe (< 0.1 %) and two samples fewer.
  EXPECT_NEAR(corrected[0].height / exact[0].height, 1.0, 3e-3);
  EXPECT_NEAR(uncorrected[0].height / exact[0].height, std::pow(std::sin(w * dt) / (w * dt), 2),
              3e-3);
  // Only w dt <= pi/2 is kept from dipoles.
  EXPECT_LE(omega_per_fs(from_m.wavenumber_cm.back()) * dt, 0.5 * units::pi + 1e-12);
}

TEST(IrSpectrum, QuantumCorrectionsAndNormalisation) {
  const double x = 2.0;
  EXPECT_DOUBLE_EQ(quantum_correction_ratio(QuantumCorrection::harmonic, x), 1.0);
  EXPECT_NEAR(quantum_correction_ratio(QuantumCorrection::none, x), (1 - std::exp(-x)) / x, 1e-15);
  EXPECT_NEAR(quantum_correction_ratio(QuantumCorrection::schofield, x), 2.0 * std::sinh(x / 2) / x,
              1e-15);
  EXPECT_NEAR(quantum_correction_ratio(QuantumCorrection::none, 1e-9), 1.0, 1e-9);

  const double dt = 0.5;
  const auto rates = undamped_rates({{3000.0, 1.0, 0, 0.0}}, dt, 20000);
  IrOptions o = options(dt);
  const IrSpectrum harmonic = ir_spectrum({rates}, o);
  o.quantum_correction = QuantumCorrection::none;
  const IrSpectrum none = ir_spectrum({rates}, o);
  const auto ph = find_peaks(harmonic.wavenumber_cm, harmonic.intensity, 0.5);
  const auto pn = find_peaks(none.wavenumber_cm, none.intensity, 0.5);
  ASSERT_EQ(ph.size(), 1u);
  ASSERT_EQ(pn.size(), 1u);
  // At 3000 cm^-1 and 300 K, x = hbar w / kT = 14.4: relative to harmonic (= classical),
  // `none` is (1 - e^-x)/x = 0.069. The factor varies by 1 % across the main lobe.
  const double xp = units::hbar_ev_fs * omega_per_fs(3000.0) / (units::kb * 300.0);
  EXPECT_NEAR(xp, 14.39, 0.01);
  EXPECT_NEAR(pn[0].height / ph[0].height, (1 - std::exp(-xp)) / xp, 0.01 / xp);

  o.quantum_correction = QuantumCorrection::harmonic;
  o.normalise = true;
  o.smoothing_cm = 20.0;
  const IrSpectrum normalised = ir_spectrum({rates}, o);
  EXPECT_TRUE(normalised.normalised);
  EXPECT_DOUBLE_EQ(*std::max_element(normalised.intensity.begin(), normalised.intensity.end()),
                   1.0);
  // Smoothing the 16.7 cm^-1 Hann line with a 20 cm^-1 Gaussian: the widths add about in
  // quadrature (both shapes are near Gaussian at the top), 26 cm^-1; unsmoothed 16.7.
  const auto pw = find_peaks(normalised.wavenumber_cm, normalised.intensity, 0.5);
  ASSERT_EQ(pw.size(), 1u);
  EXPECT_NEAR(pw[0].fwhm, std::hypot(20.0, 2.0 * normalised.resolution_cm), 1.5);
}

}  // namespace
}  // namespace lnet::analysis

namespace lnet::analysis {
namespace {

TEST(IrSpectrum, RejectsBadOptions) {
  const auto rates = undamped_rates({{1000.0, 1.0, 0, 0.0}}, 1.0, 100);
  IrOptions o = options(1.0);
  o.max_correlation_fs = 100.0;  // 100 lags of a 100-sample run: longest lag is 99
  EXPECT_THROW(ir_spectrum({rates}, o), Error);
  o.max_correlation_fs = 50.0;
  EXPECT_NO_THROW(ir_spectrum({rates}, o));
  o.temperature_K = 0.0;
  EXPECT_THROW(ir_spectrum({rates}, o), Error);
  EXPECT_THROW(parse_quantum_correction("kubo"), InputError);
  EXPECT_THROW(parse_window("hamming"), InputError);
}

// A spectrum is never returned with NaN in it: non-finite samples and overflowing rates are
// errors saying why.
TEST(IrSpectrum, NonFiniteInputsOrResultsAreErrors) {
  IrOptions o;
  o.timestep_fs = 1.0;
  o.temperature_K = 300.0;
  o.volume_A3 = 1000.0;
  std::vector<Vec3> rates;
  for (int k = 0; k < 64; ++k) rates.emplace_back(std::sin(0.3 * k), std::cos(0.2 * k), 0.0);
  EXPECT_NO_THROW(ir_spectrum({rates}, o));
  std::vector<Vec3> bad = rates;
  bad[10][0] = std::nan("");
  try {
    ir_spectrum({bad}, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample 11 of run 1 is not finite"), std::string::npos)
        << e.what();
  }
  for (std::size_t k = 0; k < bad.size(); ++k)
    bad[k] = rates[k] * 1e200;  // finite, but C(t) overflows
  try {
    ir_spectrum({bad}, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
  }
  o.temperature_K = std::nan("");
  EXPECT_THROW(ir_spectrum({rates}, o), Error);
}

}  // namespace
}  // namespace lnet::analysis
