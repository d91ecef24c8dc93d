// Registration of the subcommands; each lives in its own file in this folder.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace lnet::cli {

// Adds every subcommand to `app`.
void register_commands(CLI::App& app);
// Runs the callback of the subcommand the user chose (exceptions propagate to main).
void run_selected(CLI::App& app);

// Each subcommand file defines one of these; it adds its options and returns the action.
using Action = std::function<void()>;
Action add_version(CLI::App& app);
Action add_electrostatics(CLI::App& app);
Action add_convert(CLI::App& app);
Action add_train(CLI::App& app);
Action add_eval(CLI::App& app);
Action add_md(CLI::App& app);
Action add_ir(CLI::App& app);
Action add_dielectric(CLI::App& app);
Action add_relax(CLI::App& app);
Action add_phonon(CLI::App& app);
Action add_learn(CLI::App& app);

}  // namespace lnet::cli
