#include "lnet/analysis/window.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::analysis {

Window parse_window(const std::string& name) {
  if (name == "none") return Window::none;
  if (name == "hann") return Window::hann;
  if (name == "blackman") return Window::blackman;
  if (name == "gaussian") return Window::gaussian;
  throw InputError("window",
                   "unknown window '" + name + "' (expected none, hann, blackman or gaussian)");
}

std::string to_string(Window window) {
  switch (window) {
    case Window::none:
      return "none";
    case Window::hann:
      return "hann";
    case Window::blackman:
      return "blackman";
    case Window::gaussian:
      return "gaussian";
  }
  return "?";
}

double window_value(Window window, double u) {
  const double pi = units::pi;
  switch (window) {
    case Window::none:
      return 1.0;
    case Window::hann:
      return 0.5 * (1.0 + std::cos(pi * u));
    case Window::blackman:
      return 0.42 + 0.5 * std::cos(pi * u) + 0.08 * std::cos(2.0 * pi * u);
    case Window::gaussian:
      return std::exp(-0.5 * (3.0 * u) * (3.0 * u));
  }
  return 1.0;
}

}  // namespace lnet::analysis
