// `lnet relax config.yaml [--force]`: positions and optionally the cell with FIRE or L-BFGS
// through the inference calculator (src/lnet/relax/relax.hpp lists the config keys).
#include "lnet/relax/relax.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"
#include "lnet/core/error.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_domain.hpp"

namespace lnet::cli {

Action add_relax(CLI::App& app) {
  auto* cmd = app.add_subcommand("relax", "Relax positions (and the cell) with FIRE or L-BFGS");
  auto config = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto dtype = std::make_shared<std::string>();
  cmd->add_option("config", *config, "relax config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--force", *force, "replace the outputs of an earlier run");
  cmd->add_option("--dtype", *dtype, "run the model in float64 or float32 (default: the model's)");
  return [=] {
    const RelaxConfig c = load_relax_config(*config);
    if (c.model.empty())
      throw InputError(c.source, "model: required (the model file to relax with)");
    const Structure start = load_relax_structure(c);
    Calculator calc(c.model, run_calculator_options(*dtype, {}, c.min_distance));
    const ApplicabilityDomain domain = model_domain(calc.info(), c.model);
    RelaxRunOptions o;
    o.force = *force;
    o.report = &std::cout;
    // A minimum reached through contacts shorter than any the model was trained on is an
    // artefact of the model's missing repulsion there (e.g. atoms pulled 0.7 Å apart), not a
    // relaxed structure; novel environments alone are extrapolation and only warned about.
    o.final_check = [&domain](const Structure& s) -> std::string {
      if (domain.empty()) return "";
      const ApplicabilityReport d = domain.assess(s);
      const ApplicabilityLimits limits;
      if (d.distance_ratio < limits.distance_ratio)
        return "it has a contact shorter than any in the model's training set (" + d.describe(s) +
               ")";
      if (d.outside(limits))
        spdlog::warn(
            "relax: the final structure lies outside the model's training domain: {} (its "
            "energy and forces are extrapolated)",
            d.describe(s));
      return "";
    };
    const RelaxResult r = run_relax(c, calc, start, o);
    const Measures& m = r.history.back().measures;
    std::cout << "relax: converged in " << r.steps << " steps (" << r.evaluations
              << " evaluations): energy " << m.energy << " eV, fmax " << m.fmax << " eV/Å";
    if (c.relax_cell)
      std::cout << ", pressure " << m.pressure << " GPa, volume " << m.volume << " Å³";
    std::cout << "; written " << c.output_dir << "/relaxed.xyz\n";
  };
}

}  // namespace lnet::cli
