// `lnet md config.yaml [--resume]`: molecular dynamics with a trained model (in and out of
// electric fields) through the inference calculator; the integrators and outputs are those of
// src/lnet/md (see md_config.hpp for the keys).
#include <cstdio>
#include <iostream>
#include <optional>

#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"
#include "lnet/core/error.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/md/run_md.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_domain.hpp"

namespace lnet::cli {

Action add_md(CLI::App& app) {
  auto* cmd = app.add_subcommand("md", "Molecular dynamics (NVE, NVT, NPT; static or AC field)");
  auto config = std::make_shared<std::string>();
  auto options = std::make_shared<MdRunOptions>();
  auto dtype = std::make_shared<std::string>();
  cmd->add_option("config", *config, "MD config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--resume", options->resume, "continue from the checkpoint in output.dir");
  cmd->add_flag("!--no-progress", options->progress, "no progress bar");
  cmd->add_option("--dtype", *dtype, "run the model in float64 or float32 (default: the model's)");
  return [=] {
    const MdConfig c = load_md_config(*config);
    if (c.model.empty())
      throw InputError(c.source, "model: required (the model file to run the dynamics with)");
    const Structure start = load_md_structure(c);
    const CalculatorOptions calc_options =
        run_calculator_options(*dtype, c.electrostatics, c.min_distance);
    Calculator calc(c.model, calc_options);
    const ApplicabilityDomain domain = model_domain(calc.info(), c.model);
    MdRunOptions o = *options;
    o.report = &std::cout;
    o.domain = &domain;
    // A committee: the members' mean force field, with their spread as quantities.
    std::optional<Committee> committee;
    std::optional<CommitteeForceField> mean;
    if (!c.committee.empty()) {
      committee.emplace(Committee::load(c.committee, calc_options));
      mean.emplace(*committee);
    }
    ForceField& ff = mean ? static_cast<ForceField&>(*mean) : calc;
    const MdRunSummary s = run_md(c, ff, start, o);
    const double steps = std::max(1L, s.last_step - s.first_step);
    std::printf(
        "md: steps %ld -> %ld in %.1f s (%.0f atom-steps/s; %.1f %% of the time outside the "
        "force field: integrator, thermostat, output); mean T %.1f K; conserved-energy change "
        "%.3g eV; outputs in %s\n",
        s.first_step, s.last_step, s.wall_seconds, steps * double(start.size()) / s.wall_seconds,
        100 * (1 - s.force_field_seconds / std::max(1e-9, s.wall_seconds)), s.mean_temperature_K,
        s.conserved_drift, s.output_dir.c_str());
  };
}

}  // namespace lnet::cli
