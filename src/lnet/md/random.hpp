// Random numbers for the stochastic thermostats and barostat. Every draw is a pure function of
// the std::mt19937_64 engine state (no cached second Gaussian, unlike std::normal_distribution),
// so that the engine's text state in a checkpoint is all a resumed run needs to continue
// bit-identically, and results do not depend on the standard library's distributions.
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace lnet::md {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : engine_(seed) {}

  // Uniform in (0, 1): 53 random bits, never 0 (so log() is safe).
  double uniform();
  // Standard normal, Marsaglia polar method (one value per call; the partner is discarded).
  double normal();
  // Gamma(shape, 1), Marsaglia & Tsang, ACM TOMS 26, 363 (2000); shape < 1 via
  // Gamma(shape + 1) · U^(1/shape).
  double gamma(double shape);
  // Sum of n squared standard normals (chi-square with n degrees of freedom) as 2·Gamma(n/2):
  // O(1) instead of n draws, as Bussi et al. (2007), Appendix, recommend. 0 for n <= 0.
  double chi_square(long n);

  std::string state() const;              // the engine in std::mt19937_64's text format
  void restore(const std::string& text);  // lnet::Error for malformed text

 private:
  std::mt19937_64 engine_;
};

}  // namespace lnet::md
