// Checks of command-line options shared by several subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "lnet/model/calculator.hpp"
#include "lnet/util/electrostatics_settings.hpp"

namespace lnet::cli {

// CLI11 check of a number option that also refuses nan and inf (CLI::NonNegativeNumber lets
// "nan" through, and a NaN --skip or --epsilon-inf makes every result NaN): a finite number
// >= `min` (> `min` when not `inclusive`), with `what` in the message (e.g. "fs of
// equilibration").
CLI::Validator finite_at_least(double min, const std::string& what, bool inclusive = true);

// The calculator of a run config (md, relax, phonon): `--dtype` (empty: the model's), the
// config's `electrostatics` section and its `min_distance`, so that a run's own check, not the
// calculator's default, decides how close atoms may come.
CalculatorOptions run_calculator_options(const std::string& dtype,
                                         const ElectrostaticsSettings& electrostatics,
                                         double min_distance);

}  // namespace lnet::cli
