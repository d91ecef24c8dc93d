// `lnet relax config.yaml [--force]`: positions and optionally the cell with FIRE or L-BFGS
// through the inference calculator (src/lnet/relax/relax.hpp lists the config keys).
#include "lnet/relax/relax.hpp"

#include <iostream>
#include <memory>

#include "lnet/cli/commands.hpp"
#include "lnet/core/error.hpp"
#include "lnet/model/calculator.hpp"

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
    CalculatorOptions calc_options;
    if (!dtype->empty()) calc_options.dtype = *dtype;
    Calculator calc(c.model, calc_options);
    RelaxRunOptions o;
    o.force = *force;
    o.report = &std::cout;
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
