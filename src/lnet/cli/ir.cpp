// `lnet ir`: infrared absorption spectrum from one or more dipole series written by `lnet md`
// (DESIGN.md §4); the work is analysis::run_ir (analysis/ir_run.hpp).
//   lnet ir run1.dat run2.dat -o ir --smoothing 10
// writes ir.csv (spectrum), ir.png (plot), ir.json (settings, peaks, optional eps_0).
#include <iostream>
#include <memory>

#include "lnet/analysis/ir_run.hpp"
#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"

namespace lnet::cli {
namespace {

struct IrArgs {
  analysis::IrRunConfig config;
  double epsilon_inf = 1.0;
  CLI::Option* epsilon_option = nullptr;
};

void run_ir(IrArgs& a) {
  if (a.epsilon_option->count() > 0) a.config.epsilon_inf = a.epsilon_inf;
  const analysis::IrRun run = analysis::run_ir(a.config, std::cout);
  std::cout << "spectrum in " << run.outputs[0] << ", plot in " << run.outputs[1] << ", peaks in "
            << run.outputs[2] << "\n";
}

}  // namespace

Action add_ir(CLI::App& app) {
  auto a = std::make_shared<IrArgs>();
  CLI::App* sub = app.add_subcommand(
      "ir",
      "Infrared absorption spectrum n(w)alpha(w) (cm^-1) from dipole series of `lnet md`: the "
      "Fourier transform of <dM/dt(0).dM/dt(t)>, averaged over the runs given (classical "
      "linear response in tin-foil boundaries; see src/lnet/analysis/ir_spectrum.hpp)");
  sub->add_option("files", a->config.files, "dipole series files (runs averaged together)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", a->config.output,
                  "output prefix: PREFIX.csv (spectrum), PREFIX.png (plot), PREFIX.json (peaks)")
      ->capture_default_str();
  sub->add_option("--source", a->config.source,
                  "rate: the dM/dt columns; dipole: differentiate the M columns")
      ->check(CLI::IsMember({"rate", "dipole"}))
      ->capture_default_str();
  sub->add_option("--skip", a->config.skip_fs,
                  "fs of equilibration dropped from the start of each run")
      ->check(finite_at_least(0.0, "fs of equilibration"))
      ->capture_default_str();
  sub->add_option("--max-correlation", a->config.max_correlation_fs,
                  "longest correlation time t_max (fs); resolution 1/(2 c t_max). Default: a "
                  "quarter of the longest run, at most 2000 fs")
      ->check(finite_at_least(0.0, "fs"));
  sub->add_option("--window", a->config.window,
                  "lag window on C(t): hann, blackman, gaussian, none")
      ->check(CLI::IsMember({"hann", "blackman", "gaussian", "none"}))
      ->capture_default_str();
  sub->add_option("--zero-pad", a->config.zero_pad,
                  "zero padding factor of the windowed C(t): a finer frequency grid")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--smoothing", a->config.smoothing_cm,
                  "FWHM (cm^-1) of a Gaussian smoothing, 0: none")
      ->check(finite_at_least(0.0, "cm^-1"))
      ->capture_default_str();
  sub->add_option("--quantum-correction", a->config.quantum,
                  "harmonic: the classical expression, which the harmonic quantum correction "
                  "x/(1-e^-x), x = hbar w/kT, of the line shape reproduces exactly; none: Q = 1, "
                  "i.e. the harmonic result times (1-e^-x)/x; schofield: Q = e^(x/2)")
      ->check(CLI::IsMember({"none", "harmonic", "schofield"}))
      ->capture_default_str();
  sub->add_flag("--normalise", a->config.normalise,
                "scale the spectrum to max = 1 instead of cm^-1");
  sub->add_option("--temperature", a->config.temperature_K,
                  "K (default: the thermostat target in the files, else their mean temperature)")
      ->check(finite_at_least(0.0, "K", false));
  sub->add_option("--volume", a->config.volume_A3, "A^3 (default: the mean volume in the files)")
      ->check(finite_at_least(0.0, "A^3", false));
  a->epsilon_option =
      sub->add_option(
             "--epsilon-inf", a->epsilon_inf,
             "also print the static eps_0 = eps_inf + (<M^2>-<M>^2)/(3 eps_vac V kT) from the "
             "zero-field runs, with a blocking error bar (1 when M includes induced electronic "
             "dipoles)")
          ->check(finite_at_least(1.0, "eps_inf of a dielectric is at least 1"));
  sub->add_option("--peak-threshold", a->config.peak_threshold,
                  "report local maxima above this fraction of the highest")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--plot-max", a->config.plot_max_cm,
                  "upper end of the plot (cm^-1); default: automatic")
      ->check(finite_at_least(0.0, "cm^-1"));
  sub->add_flag("--force", a->config.force, "replace existing output files (never an input file)");
  return [a] { run_ir(*a); };
}

}  // namespace lnet::cli
