// `lnet ir`: infrared absorption spectrum from one or more dipole series written by `lnet md`
// (DESIGN.md §4), by the dipole-derivative autocorrelation (analysis/ir_spectrum.hpp).
//   lnet ir run1.dat run2.dat -o ir --smoothing 10
// writes ir.csv (spectrum), ir.png (plot), ir.json (settings, peaks, optional eps_0).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lnet/analysis/dielectric.hpp"
#include "lnet/analysis/dipole_runs.hpp"
#include "lnet/analysis/ir_spectrum.hpp"
#include "lnet/analysis/peaks.hpp"
#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/plot.hpp"
#include "lnet/util/table.hpp"

namespace lnet::cli {
namespace {

struct IrArgs {
  std::vector<std::string> files;
  std::string output = "ir";
  std::string window = "hann", quantum = "harmonic", source = "rate";
  double max_correlation_fs = 0.0, smoothing_cm = 0.0, skip_fs = 0.0;
  double temperature_K = 0.0, volume_A3 = 0.0, epsilon_inf = 1.0;
  double peak_threshold = 0.05, plot_max_cm = 0.0;
  int zero_pad = 4;
  bool normalise = false, force = false;
  CLI::Option* epsilon_option = nullptr;
};

// dM/dt columns without the first and last rows, which `lnet md` fills with one-sided
// differences (error O(dt) instead of O(dt²)).
std::vector<std::vector<Vec3>> interior_rates(const analysis::DipoleRuns& runs) {
  std::vector<std::vector<Vec3>> out = runs.rates();
  for (std::size_t r = 0; r < out.size(); ++r) {
    for (std::size_t i = 0; i < out[r].size(); ++i)
      if (!out[r][i].allFinite())
        throw InputError(runs.paths[r], "the dMdt columns hold non-finite values (first at step " +
                                            std::to_string(runs.series[r].step[i]) +
                                            "); use --source dipole to differentiate M instead");
    out[r] = std::vector<Vec3>(out[r].begin() + 1, out[r].end() - 1);
  }
  return out;
}

std::string spectrum_csv(const analysis::IrSpectrum& s, const IrArgs& a, double t, double v) {
  std::ostringstream out;
  out << "# lnet ir: infrared absorption n(w)*alpha(w) = beta/(6 c V eps0) * Int dt e^{-iwt} "
         "<dM/dt(0).dM/dt(t)> (classical linear response, tin-foil boundaries)\n";
  out << "# files:";
  for (const auto& f : a.files) out << ' ' << f;
  out << "\n# temperature_K=" << short_number(t) << " volume_A3=" << short_number(v)
      << " window=" << a.window << " max_correlation_fs=" << short_number(s.max_correlation_fs)
      << " zero_pad=" << a.zero_pad << " smoothing_cm-1=" << short_number(a.smoothing_cm)
      << " quantum_correction=" << a.quantum << " source=" << a.source
      << " skip_fs=" << short_number(a.skip_fs) << "\n";
  out << "wavenumber_cm-1,frequency_THz,"
      << (s.normalised ? "intensity_normalised" : "n_alpha_cm-1") << "\n";
  for (std::size_t j = 0; j < s.intensity.size(); ++j)
    out << short_number(s.wavenumber_cm[j], 9) << ',' << short_number(s.frequency_thz[j], 9) << ','
        << short_number(s.intensity[j], 9) << '\n';
  return out.str();
}

// Up to where the spectrum is worth drawing: 1.15 times the highest wavenumber at which it
// still reaches 1 % of its maximum, unless --plot-max says otherwise.
void plot_spectrum(const analysis::IrSpectrum& s, double plot_max, const std::string& path) {
  const double top = *std::max_element(s.intensity.begin(), s.intensity.end());
  if (plot_max <= 0.0) {
    for (std::size_t j = 0; j < s.intensity.size(); ++j)
      if (s.intensity[j] >= 0.01 * top) plot_max = 1.15 * s.wavenumber_cm[j];
  }
  plot::Series line{"lnet ir", {}, {}, plot::Series::Lines};
  for (std::size_t j = 0; j < s.intensity.size() && s.wavenumber_cm[j] <= plot_max; ++j) {
    line.x.push_back(s.wavenumber_cm[j]);
    line.y.push_back(s.intensity[j]);
  }
  plot::Figure fig{"IR spectrum",
                   "wavenumber (cm^-1)",
                   s.normalised ? "intensity (normalised)" : "n alpha (cm^-1)",
                   false,
                   false,
                   {line}};
  plot::save_png(fig, path);
}

nlohmann::json fluctuation_report(const analysis::DipoleRuns& runs, double eps_inf, double volume,
                                  double temperature) {
  std::vector<std::vector<Vec3>> zero_field;
  for (std::size_t r = 0; r < runs.series.size(); ++r) {
    bool field = false;
    for (const Vec3& e : runs.series[r].efield) field = field || e.squaredNorm() > 0.0;
    if (field)
      spdlog::warn(
          "{}: run under a field, left out of the fluctuation formula (use `lnet "
          "dielectric` for field runs)",
          runs.paths[r]);
    else
      zero_field.push_back(runs.series[r].dipole);
  }
  if (zero_field.empty()) {
    spdlog::warn("no zero-field run: no static dielectric constant from fluctuations");
    return nullptr;
  }
  const auto d = analysis::dielectric_from_fluctuations(zero_field, eps_inf, volume, temperature);
  std::cout << "static dielectric constant from dipole fluctuations (tin foil): eps_0 = "
            << short_number(d.epsilon) << " +- " << short_number(d.error, 2)
            << "  (eps_inf = " << short_number(eps_inf) << ", " << d.samples
            << " samples, blocks of " << d.block_size << ")\n";
  if (!d.converged)
    spdlog::warn(
        "the blocking analysis found no plateau: the error bar of eps_0 is likely too "
        "small (runs short compared to the dipole correlation time)");
  return {{"epsilon_0", d.epsilon},     {"error", d.error},
          {"epsilon_inf", eps_inf},     {"samples", d.samples},
          {"block_size", d.block_size}, {"blocking_converged", d.converged},
          {"variance_eA2", d.variance}};
}

// Prints the peaks above `threshold` times the highest as a table; returns them as JSON.
nlohmann::json peak_report(const analysis::IrSpectrum& s, double threshold) {
  const auto peaks = analysis::find_peaks(s.wavenumber_cm, s.intensity, threshold);
  Table table({"peak", "position (cm^-1)", "THz", s.normalised ? "height" : "height (cm^-1)",
               "FWHM (cm^-1)"});
  nlohmann::json jpeaks = nlohmann::json::array();
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    const analysis::Peak& p = peaks[k];
    const double thz = p.position * units::c_cm_per_fs * 1000.0;  // nu c in 1/fs; 1/fs = 1000 THz
    table.add_row(
        {std::to_string(k + 1), fmt(p.position, 1), fmt(thz, 3), fmt(p.height, 4), fmt(p.fwhm, 1)});
    jpeaks.push_back({{"wavenumber_cm-1", p.position},
                      {"frequency_THz", thz},
                      {"height", p.height},
                      {"fwhm_cm-1", std::isfinite(p.fwhm) ? nlohmann::json(p.fwhm) : nullptr}});
  }
  std::cout << "peaks above " << short_number(100 * threshold) << " % of the highest:\n"
            << table.str();

  return jpeaks;
}

void run_ir(const IrArgs& a) {
  const std::vector<std::string> outputs{a.output + ".csv", a.output + ".png", a.output + ".json"};
  OutputGuard{a.files, "-o/--output", "--force", a.force}.check(outputs);
  const analysis::DipoleRuns runs = analysis::load_dipole_runs(a.files, a.skip_fs);
  ensure_directory(std::filesystem::path(outputs[0]).parent_path().string());

  double temperature = a.temperature_K;
  if (temperature <= 0.0) temperature = runs.target_temperature();
  if (temperature <= 0.0) temperature = runs.mean_temperature();
  if (!(temperature > 0.0))
    throw InputError("lnet ir",
                     "no temperature in the files (no thermostat target and a zero "
                     "temperature column); give --temperature");
  double volume = a.volume_A3 > 0.0 ? a.volume_A3 : runs.mean_volume();
  if (!(volume > 0.0)) {
    if (!a.normalise)
      throw InputError(runs.paths.front(),
                       "volume is 0 (open boundaries?): absolute absorption "
                       "needs a volume; give --volume or --normalise");
    volume = 1.0;  // drops out of a normalised spectrum
  }

  analysis::IrOptions o;
  o.timestep_fs = runs.interval_fs;
  o.temperature_K = temperature;
  o.volume_A3 = volume;
  o.max_correlation_fs = a.max_correlation_fs;
  o.window = analysis::parse_window(a.window);
  o.zero_pad = a.zero_pad;
  o.smoothing_cm = a.smoothing_cm;
  o.quantum_correction = analysis::parse_quantum_correction(a.quantum);
  o.normalise = a.normalise;
  analysis::IrSpectrum s;
  if (a.source == "rate") {
    o.centred_difference_step_fs = runs.md_timestep_fs;  // `lnet md` writes centred differences
    s = analysis::ir_spectrum(interior_rates(runs), o);
  } else {
    s = analysis::ir_spectrum_from_dipoles(runs.dipoles(), o);
  }
  spdlog::info("T = {} K, V = {} A^3, t_max = {} fs, resolution 1/(2 c t_max) = {} cm^-1",
               short_number(temperature), short_number(volume), short_number(s.max_correlation_fs),
               short_number(s.resolution_cm, 3));
  write_file_atomic(outputs[0], spectrum_csv(s, a, temperature, volume));

  const nlohmann::json peaks = peak_report(s, a.peak_threshold);

  nlohmann::json report = {
      {"format", 1},
      {"files", a.files},
      {"temperature_K", temperature},
      {"volume_A3", volume},
      {"source", a.source},
      {"skip_fs", a.skip_fs},
      {"window", a.window},
      {"max_correlation_fs", s.max_correlation_fs},
      {"resolution_cm-1", s.resolution_cm},
      {"zero_pad", a.zero_pad},
      {"smoothing_cm-1", a.smoothing_cm},
      {"quantum_correction", a.quantum},
      {"intensity", s.normalised ? "normalised (max = 1)" : "n*alpha in cm^-1"},
      {"peaks", peaks}};
  if (a.epsilon_option->count() > 0)
    report["static_dielectric"] = fluctuation_report(runs, a.epsilon_inf, volume, temperature);
  write_file_atomic(outputs[2], report.dump(2) + "\n");
  plot_spectrum(s, a.plot_max_cm, outputs[1]);
  std::cout << "spectrum in " << outputs[0] << ", plot in " << outputs[1] << ", peaks in "
            << outputs[2] << "\n";
}

}  // namespace

Action add_ir(CLI::App& app) {
  auto a = std::make_shared<IrArgs>();
  CLI::App* sub = app.add_subcommand(
      "ir",
      "Infrared absorption spectrum n(w)alpha(w) (cm^-1) from dipole series of `lnet md`: the "
      "Fourier transform of <dM/dt(0).dM/dt(t)>, averaged over the runs given (classical "
      "linear response in tin-foil boundaries; see src/lnet/analysis/ir_spectrum.hpp)");
  sub->add_option("files", a->files, "dipole series files (runs averaged together)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", a->output,
                  "output prefix: PREFIX.csv (spectrum), PREFIX.png (plot), PREFIX.json (peaks)")
      ->capture_default_str();
  sub->add_option("--source", a->source,
                  "rate: the dM/dt columns; dipole: differentiate the M columns")
      ->check(CLI::IsMember({"rate", "dipole"}))
      ->capture_default_str();
  sub->add_option("--skip", a->skip_fs, "fs of equilibration dropped from the start of each run")
      ->check(finite_at_least(0.0, "fs of equilibration"))
      ->capture_default_str();
  sub->add_option("--max-correlation", a->max_correlation_fs,
                  "longest correlation time t_max (fs); resolution 1/(2 c t_max). Default: a "
                  "quarter of the longest run, at most 2000 fs")
      ->check(finite_at_least(0.0, "fs"));
  sub->add_option("--window", a->window, "lag window on C(t): hann, blackman, gaussian, none")
      ->check(CLI::IsMember({"hann", "blackman", "gaussian", "none"}))
      ->capture_default_str();
  sub->add_option("--zero-pad", a->zero_pad,
                  "zero padding factor of the windowed C(t): a finer frequency grid")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--smoothing", a->smoothing_cm, "FWHM (cm^-1) of a Gaussian smoothing, 0: none")
      ->check(finite_at_least(0.0, "cm^-1"))
      ->capture_default_str();
  sub->add_option("--quantum-correction", a->quantum,
                  "harmonic: the classical expression, which the harmonic quantum correction "
                  "x/(1-e^-x), x = hbar w/kT, of the line shape reproduces exactly; none: Q = 1, "
                  "i.e. the harmonic result times (1-e^-x)/x; schofield: Q = e^(x/2)")
      ->check(CLI::IsMember({"none", "harmonic", "schofield"}))
      ->capture_default_str();
  sub->add_flag("--normalise", a->normalise, "scale the spectrum to max = 1 instead of cm^-1");
  sub->add_option("--temperature", a->temperature_K,
                  "K (default: the thermostat target in the files, else their mean temperature)")
      ->check(finite_at_least(0.0, "K", false));
  sub->add_option("--volume", a->volume_A3, "A^3 (default: the mean volume in the files)")
      ->check(finite_at_least(0.0, "A^3", false));
  a->epsilon_option =
      sub->add_option(
             "--epsilon-inf", a->epsilon_inf,
             "also print the static eps_0 = eps_inf + (<M^2>-<M>^2)/(3 eps_vac V kT) from the "
             "zero-field runs, with a blocking error bar (1 when M includes induced electronic "
             "dipoles)")
          ->check(finite_at_least(1.0, "eps_inf of a dielectric is at least 1"));
  sub->add_option("--peak-threshold", a->peak_threshold,
                  "report local maxima above this fraction of the highest")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--plot-max", a->plot_max_cm, "upper end of the plot (cm^-1); default: automatic")
      ->check(finite_at_least(0.0, "cm^-1"));
  sub->add_flag("--force", a->force, "replace existing output files (never an input file)");
  return [a] { run_ir(*a); };
}

}  // namespace lnet::cli
