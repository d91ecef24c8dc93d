#include "lnet/md/random.hpp"

#include <cmath>
#include <sstream>

#include "lnet/core/error.hpp"

namespace lnet::md {

double Rng::uniform() {
  for (;;) {
    const double u = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    if (u > 0) return u;
  }
}

double Rng::normal() {
  for (;;) {
    const double x = 2 * uniform() - 1, y = 2 * uniform() - 1;
    const double r2 = x * x + y * y;
    if (r2 > 0 && r2 < 1) return x * std::sqrt(-2 * std::log(r2) / r2);
  }
}

double Rng::gamma(double shape) {
  if (!(shape > 0)) throw Error("Rng::gamma: shape must be positive");
  if (shape < 1) return gamma(shape + 1) * std::pow(uniform(), 1 / shape);
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

double Rng::chi_square(long n) {
  if (n <= 0) return 0;
  return 2 * gamma(0.5 * static_cast<double>(n));
}

std::string Rng::state() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

void Rng::restore(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) throw Error("cannot restore the random number generator from its saved state");
  engine_ = engine;
}

}  // namespace lnet::md
