// Checks of command-line options shared by several subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace lnet::cli {

// CLI11 check of a number option that also refuses nan and inf (CLI::NonNegativeNumber lets
// "nan" through, and a NaN --skip or --epsilon-inf makes every result NaN): a finite number
// >= `min` (> `min` when not `inclusive`), with `what` in the message (e.g. "fs of
// equilibration").
CLI::Validator finite_at_least(double min, const std::string& what, bool inclusive = true);

}  // namespace lnet::cli
