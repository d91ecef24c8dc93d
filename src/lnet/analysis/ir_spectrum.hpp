// Infrared absorption from the time series of the cell's Born dipole M (e·Å) in molecular
// dynamics (DESIGN.md §1, §4: `lnet ir`).
//
// Classical linear response in tin-foil (conducting) boundary conditions, where the applied
// field is the macroscopic field, gives, in SI units,
//
//     n(w) a(w) = beta / (6 c V eps0) · Int_{-inf}^{inf} dt e^{-iwt} <dM/dt(0) · dM/dt(t)>   (1)
//
// (a: Beer–Lambert absorption coefficient, n: refractive index, beta = 1/kT, V the volume).
// Derivation: n a = w eps''(w) / c; the classical fluctuation–dissipation theorem gives
// eps''(w) = beta w / (2 eps0 V) Int dt e^{-iwt} <M_x(0) M_x(t)>, and for an isotropic sample
// <M_x M_x> = <M·M>/3; finally w^2 Int e^{-iwt}<M·M> = Int e^{-iwt}<dM/dt·dM/dt>. So the 1/3
// of the isotropic average is inside the 1/6, with the full dot product M·M (three
// components) in the correlation. In Gaussian units (eps0 -> 1/(4 pi)) this reads
// n a = 2 pi beta w^2 / (3 c V) Int dt e^{-iwt} <M(0)·M(t)>, the form of McQuarrie,
// Statistical Mechanics (2000), ch. 21, of Gaigeot & Sprik, J. Phys. Chem. B 107, 10344
// (2003), and of Ramírez et al., J. Chem. Phys. 121, 3973 (2004); the time integral runs over
// the whole real line (twice the one-sided cosine transform). Check: a 1D harmonic oscillator
// of mass m and charge Z
// integrates to Int n a dw = pi Z^2 / (6 eps0 V c m), the classical oscillator strength
// (three such per isotropic oscillator: pi N Z^2 / (2 eps0 m c), the Lorentz sum rule).
//
// Quantum corrections (Ramírez et al. 2004; Tuckerman, Statistical Mechanics (2010) §14.4): the
// exact quantum expression is
//     n a = w (1 - e^{-beta hbar w}) / (6 c V eps0 hbar) · I_qm(w),
//     I_qm(w) = Int dt e^{-iwt} <M(0)·M(t)>_qm,
// and a quantum correction factor Q(w) approximates I_qm = Q(w) · I_classical. With
// x = beta hbar w the absorption is then (1) times  Q(w) (1 - e^{-x}) / x:
//   harmonic  Q = x / (1 - e^{-x}):   exactly (1), the classical expression (exact for a
//             harmonic crystal with a linear dipole; the choice Ramírez et al. recommend).
//   none      Q = 1 ("standard"):     (1) times (1 - e^{-x}) / x, weaker at high w.
//   schofield Q = e^{x/2}:            (1) times 2 sinh(x/2) / x, stronger at high w.
// So `harmonic` is the default and reproduces (1) unchanged; relative to `none` it multiplies
// the spectrum by x / (1 - e^{-x}).
//
// Units: dM/dt in e·Å/fs, t in fs, T in K, V in Å^3; the result n a in cm^-1.
// Frequencies: wavenumber nu = w / (2 pi c) in cm^-1 and w / (2 pi) in THz.
#pragma once

#include <string>
#include <vector>

#include "lnet/analysis/autocorrelation.hpp"
#include "lnet/analysis/window.hpp"
#include "lnet/core/structure.hpp"

namespace lnet::analysis {

enum class QuantumCorrection { none, harmonic, schofield };

// "none", "harmonic", "schofield"; lnet::InputError naming the choices otherwise.
QuantumCorrection parse_quantum_correction(const std::string& name);
std::string to_string(QuantumCorrection correction);

// The factor multiplying the classical expression (1) at x = beta hbar w >= 0 (see above);
// 1 at x = 0 for every correction.
double quantum_correction_ratio(QuantumCorrection correction, double x);

struct IrOptions {
  double timestep_fs = 0.0;    // spacing of the samples (fs)
  double temperature_K = 0.0;  // T in beta = 1 / (k_B T)
  double volume_A3 = 0.0;      // V
  // Longest lag t_max kept in C(t); <= 0 picks default_max_correlation_fs. The spectral
  // resolution is 1 / (2 c t_max) (IrSpectrum::resolution_cm); a line's FWHM is 2.0 times
  // that with the Hann window (1.2 rectangular, 2.3 Blackman).
  double max_correlation_fs = 0.0;
  Window window = Window::hann;
  // The windowed C(t) is zero padded to zero_pad times its even length 2 t_max before the
  // cosine transform: a finer frequency grid (interpolation), not a finer resolution.
  int zero_pad = 4;
  double smoothing_cm = 0.0;  // FWHM of a Gaussian smoothing of the spectrum (cm^-1), 0: none
  QuantumCorrection quantum_correction = QuantumCorrection::harmonic;
  AcfNormalisation normalisation = AcfNormalisation::unbiased;
  bool normalise = false;  // scale to max = 1 (arbitrary units) instead of n a in cm^-1
  // > 0 when the rates are centred differences (M(t+h) - M(t-h)) / 2h with this h (fs), as
  // from centred_difference or in the dM/dt column `lnet md` writes: the spectrum is divided
  // by their damping (sin(w h) / (w h))^2 and kept for w h <= pi/2 only (where the damping
  // is >= 0.41). 0: the rates are exact (no correction, all frequencies to Nyquist).
  double centred_difference_step_fs = 0.0;
  // Subtract the mean rate (over all samples) first; a net drift of M (ionic conduction)
  // otherwise shows up as a peak at w = 0.
  bool subtract_mean = false;
};

struct IrSpectrum {
  std::vector<double> wavenumber_cm;  // nu (cm^-1), uniform from 0
  std::vector<double> frequency_thz;  // the same grid in THz
  std::vector<double> intensity;      // n(w) a(w) in cm^-1; max = 1 if `normalised`
  bool normalised = false;
  std::vector<double> lag_fs;       // t_k = k dt, k = 0..K
  std::vector<double> correlation;  // C(t_k) = <dM/dt(0)·dM/dt(t_k)> in (e·Å/fs)^2, unwindowed
  double max_correlation_fs = 0.0;  // t_max actually used (K dt)
  double resolution_cm = 0.0;       // 1 / (2 c t_max)
};

// A quarter of the longest segment, at most 2000 fs (resolution 8.3 cm^-1, Hann lines 17
// cm^-1 wide): enough lags for
// a quiet C(t) in the usual 10–100 ps runs.
double default_max_correlation_fs(const std::vector<std::vector<Vec3>>& segments,
                                  double timestep_fs);

// The spectrum (1) from dM/dt sampled every options.timestep_fs, averaging the correlation
// over `rate_segments` (independent runs). lnet::Error on non-positive or non-finite T, V or
// time step, a non-finite sample, a t_max longer than the longest segment, or a spectrum that
// is not finite (overflow): a returned spectrum is finite everywhere.
IrSpectrum ir_spectrum(const std::vector<std::vector<Vec3>>& rate_segments,
                       const IrOptions& options);

// The same from M(t): dM/dt by centred differences over neighbouring samples, with the
// correction of their damping (centred_difference_step_fs = timestep_fs).
IrSpectrum ir_spectrum_from_dipoles(const std::vector<std::vector<Vec3>>& dipole_segments,
                                    IrOptions options);

// Wavenumber (cm^-1) of an angular frequency w (rad/fs): w / (2 pi c).
double wavenumber_cm(double omega_per_fs);
// Angular frequency (rad/fs) of a wavenumber (cm^-1).
double omega_per_fs(double wavenumber_cm);

}  // namespace lnet::analysis
