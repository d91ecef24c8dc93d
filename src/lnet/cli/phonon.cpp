// `lnet phonon config.yaml [--force]`: force constants by finite displacements with the
// inference calculator, dispersion and DOS with the non-analytic correction, Γ LO/TO table and
// phonopy files (src/lnet/phonon/phonon_config.hpp lists the config keys).
#include <iostream>
#include <memory>

#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"
#include "lnet/core/error.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/phonon/run_phonon.hpp"

namespace lnet::cli {

Action add_phonon(CLI::App& app) {
  auto* cmd = app.add_subcommand("phonon",
                                 "Phonons: force constants, LO-TO splitting (NAC), "
                                 "dispersion, DOS, phonopy files");
  auto config = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto progress = std::make_shared<bool>(true);
  auto dtype = std::make_shared<std::string>();
  cmd->add_option("config", *config, "phonon config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--force", *force, "replace the outputs of an earlier run");
  cmd->add_flag("!--no-progress", *progress, "no progress bar");
  cmd->add_option("--dtype", *dtype, "run the model in float64 or float32 (default: the model's)");
  return [=] {
    const PhononConfig c = load_phonon_config(*config);
    if (c.model.empty()) throw InputError(c.source, "model: required (the model file to use)");
    const Structure primitive = load_phonon_structure(c);
    Calculator calc(c.model, run_calculator_options(*dtype, c.electrostatics, c.min_distance));
    PhononRunOptions o;
    o.force = *force;
    o.progress = *progress;
    o.report = &std::cout;
    const PhononResult r = run_phonon(c, calc, primitive, o);
    std::cout << "phonon: supercell of " << r.supercell.size() << " atoms, max residual force "
              << r.max_residual_force << " eV/Å, acoustic-sum-rule correction "
              << r.sum_rule.max_change << " eV/Å²";
    if (r.hessian_deviation) std::cout << ", FD vs exact Hessian " << *r.hessian_deviation;
    std::cout << "; outputs in " << c.output_dir << "\n";
  };
}

}  // namespace lnet::cli
