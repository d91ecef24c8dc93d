// `lnet dielectric`: static dielectric constant from dipole series of `lnet md`, from the
// fluctuations of zero-field runs and from runs under static fields; the work is
// analysis::run_dielectric (analysis/dielectric_run.hpp).
//   lnet dielectric e0.dat ez+.dat ez-.dat --epsilon-inf 2.3 -o eps.json
#include <iostream>
#include <memory>

#include "lnet/analysis/dielectric_run.hpp"
#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"

namespace lnet::cli {

Action add_dielectric(CLI::App& app) {
  auto a = std::make_shared<analysis::DielectricRunConfig>();
  CLI::App* sub = app.add_subcommand(
      "dielectric",
      "Static dielectric constant from dipole series of `lnet md` (tin-foil boundaries): from "
      "the dipole fluctuations of zero-field runs, eps_0 = eps_inf + (<M^2>-<M>^2)/(3 eps_vac "
      "V kT), and from runs under static fields along x, y or z, eps_ab = eps_inf d_ab + "
      "d<M_a>/dE_b / (eps_vac V) by a weighted line fit; error bars by blocking");
  sub->add_option("files", a->files, "dipole series files, one static field per run")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--epsilon-inf", a->epsilon_inf,
                  "electronic eps_inf added to the nuclear response (1 when M already includes "
                  "induced electronic dipoles: polarizable model)")
      ->required()
      ->check(finite_at_least(1.0, "eps_inf of a dielectric is at least 1"));
  sub->add_option("-o,--output", a->output, "JSON report to write (optional)");
  sub->add_option("--skip", a->skip_fs, "fs of equilibration dropped from the start of each run")
      ->check(finite_at_least(0.0, "fs of equilibration"))
      ->capture_default_str();
  sub->add_option("--temperature", a->temperature_K,
                  "K for the fluctuation formula (default: thermostat target, else mean T)")
      ->check(finite_at_least(0.0, "K", false));
  sub->add_option("--volume", a->volume_A3, "A^3 (default: the mean volume in the files)")
      ->check(finite_at_least(0.0, "A^3", false));
  sub->add_flag("--force", a->force, "replace an existing output file (never an input file)");
  return [a] {
    analysis::run_dielectric(*a, std::cout);
    if (!a->output.empty()) std::cout << "report in " << a->output << "\n";
  };
}

}  // namespace lnet::cli
