#include "lnet/cli/options.hpp"

#include <cmath>

#include "lnet/core/text.hpp"

namespace lnet::cli {

CLI::Validator finite_at_least(double min, const std::string& what, bool inclusive) {
  const std::string bound = (inclusive ? ">= " : "> ") + short_number(min);
  return CLI::Validator(
      [min, what, inclusive, bound](std::string& text) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(text, x) || !std::isfinite(x) || x < min ||
            (!inclusive && x == min))
          return "expected a finite number " + bound + " (" + what + "), got '" + text + "'";
        return {};
      },
      "FINITE " + bound);
}

CalculatorOptions run_calculator_options(const std::string& dtype,
                                         const ElectrostaticsSettings& electrostatics,
                                         double min_distance) {
  CalculatorOptions o;
  if (!dtype.empty()) o.dtype = dtype;
  if (!electrostatics.method.empty()) o.es_method = electrostatics.method;
  if (electrostatics.accuracy > 0) o.es_accuracy = electrostatics.accuracy;
  o.min_distance = min_distance;
  return o;
}

}  // namespace lnet::cli
