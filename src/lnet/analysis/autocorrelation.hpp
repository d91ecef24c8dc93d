// Time autocorrelation of vector series by FFT (Wiener–Khinchin), averaged over independent
// segments (runs), and the centred difference that turns a dipole series into its rate.
#pragma once

#include <cstddef>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet::analysis {

enum class AcfNormalisation {
  // C_k = sum_s sum_i x_i·x_{i+k} / sum_s (N_s - k): unbiased at every lag (the estimate
  // at lag k averages N - k pairs), noisier at long lags.
  unbiased,
  // C_k = sum_s sum_i x_i·x_{i+k} / sum_s N_s: biased by (1 - k/N), a triangular window,
  // but a positive semi-definite sequence.
  biased,
};

// C_k = <x(0)·x(k dt)> (dot product: the sum of the three Cartesian autocorrelations) for
// k = 0..max_lag, pooled over `segments` (pairs are never formed across segments). Each
// component is zero padded to at least 2N before its FFT so that the circular correlation
// equals the linear one (no wrap-around). lnet::Error if max_lag >= the longest segment or no
// segment has a pair at some lag <= max_lag.
std::vector<double> autocorrelation(const std::vector<std::vector<Vec3>>& segments,
                                    std::size_t max_lag,
                                    AcfNormalisation normalisation = AcfNormalisation::unbiased);

// dM/dt at the interior samples by centred differences, (M_{i+1} - M_{i-1}) / (2 dt), i =
// 1..N-2 (N-2 values). In frequency this is i sin(w dt)/dt instead of i w: the power spectrum
// is damped by (sin(w dt) / (w dt))^2, which IrOptions::centred_difference_step_fs undoes.
std::vector<Vec3> centred_difference(const std::vector<Vec3>& series, double dt);

// The smallest n >= minimum of the form 2^a 3^b 5^c 7^d (fast FFTW sizes).
std::size_t fft_size(std::size_t minimum);

}  // namespace lnet::analysis
