#include "lnet/analysis/ir_run.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "lnet/analysis/dielectric.hpp"
#include "lnet/analysis/dipole_runs.hpp"
#include "lnet/analysis/window.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/plot.hpp"
#include "lnet/util/table.hpp"

namespace lnet::analysis {
namespace {

// dM/dt columns without the first and last rows, which `lnet md` fills with one-sided
// differences (error O(dt) instead of O(dt²)).
std::vector<std::vector<Vec3>> interior_rates(const DipoleRuns& runs) {
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

std::string spectrum_csv(const IrSpectrum& s, const IrRunConfig& c, double t, double v) {
  std::ostringstream out;
  out << "# lnet ir: infrared absorption n(w)*alpha(w) = beta/(6 c V eps0) * Int dt e^{-iwt} "
         "<dM/dt(0).dM/dt(t)> (classical linear response, tin-foil boundaries)\n";
  out << "# files:";
  for (const auto& f : c.files) out << ' ' << f;
  out << "\n# temperature_K=" << short_number(t) << " volume_A3=" << short_number(v)
      << " window=" << c.window << " max_correlation_fs=" << short_number(s.max_correlation_fs)
      << " zero_pad=" << c.zero_pad << " smoothing_cm-1=" << short_number(c.smoothing_cm)
      << " quantum_correction=" << c.quantum << " source=" << c.source
      << " skip_fs=" << short_number(c.skip_fs) << "\n";
  out << "wavenumber_cm-1,frequency_THz,"
      << (s.normalised ? "intensity_normalised" : "n_alpha_cm-1") << "\n";
  for (std::size_t j = 0; j < s.intensity.size(); ++j)
    out << short_number(s.wavenumber_cm[j], 9) << ',' << short_number(s.frequency_thz[j], 9) << ','
        << short_number(s.intensity[j], 9) << '\n';
  return out.str();
}

// Up to where the spectrum is worth drawing: 1.15 times the highest wavenumber at which it
// still reaches 1 % of its maximum, unless plot_max says otherwise.
void plot_spectrum(const IrSpectrum& s, double plot_max, const std::string& path) {
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

nlohmann::json fluctuation_report(const DipoleRuns& runs, double eps_inf, double volume,
                                  double temperature, std::ostream& report) {
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
  const auto d = dielectric_from_fluctuations(zero_field, eps_inf, volume, temperature);
  report << "static dielectric constant from dipole fluctuations (tin foil): eps_0 = "
         << short_number(d.epsilon) << " +- " << short_number(d.error, 2)
         << "  (eps_inf = " << short_number(eps_inf) << ", " << d.samples << " samples, blocks of "
         << d.block_size << ")\n";
  if (!d.converged)
    spdlog::warn(
        "the blocking analysis found no plateau: the error bar of eps_0 is likely too "
        "small (runs short compared to the dipole correlation time)");
  return {{"epsilon_0", d.epsilon},     {"error", d.error},
          {"epsilon_inf", eps_inf},     {"samples", d.samples},
          {"block_size", d.block_size}, {"blocking_converged", d.converged},
          {"variance_eA2", d.variance}};
}

// Prints the peaks as a table; returns them as JSON.
nlohmann::json peak_report(const IrSpectrum& s, const std::vector<Peak>& peaks, double threshold,
                           std::ostream& report) {
  Table table({"peak", "position (cm^-1)", "THz", s.normalised ? "height" : "height (cm^-1)",
               "FWHM (cm^-1)"});
  nlohmann::json jpeaks = nlohmann::json::array();
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    const Peak& p = peaks[k];
    const double thz = p.position * units::c_cm_per_fs * 1000.0;  // nu c in 1/fs; 1/fs = 1000 THz
    table.add_row(
        {std::to_string(k + 1), fmt(p.position, 1), fmt(thz, 3), fmt(p.height, 4), fmt(p.fwhm, 1)});
    jpeaks.push_back({{"wavenumber_cm-1", p.position},
                      {"frequency_THz", thz},
                      {"height", p.height},
                      {"fwhm_cm-1", std::isfinite(p.fwhm) ? nlohmann::json(p.fwhm) : nullptr}});
  }
  report << "peaks above " << short_number(100 * threshold) << " % of the highest:\n"
         << table.str();
  return jpeaks;
}

}  // namespace

IrRun run_ir(const IrRunConfig& c, std::ostream& report) {
  IrRun run;
  run.outputs = {c.output + ".csv", c.output + ".png", c.output + ".json"};
  OutputGuard{c.files, "-o/--output", "--force", c.force}.check(run.outputs);
  const DipoleRuns runs = load_dipole_runs(c.files, c.skip_fs);
  ensure_directory(std::filesystem::path(run.outputs[0]).parent_path().string());

  double temperature = c.temperature_K;
  if (temperature <= 0.0) temperature = runs.target_temperature();
  if (temperature <= 0.0) temperature = runs.mean_temperature();
  if (!(temperature > 0.0))
    throw InputError("lnet ir",
                     "no temperature in the files (no thermostat target and a zero "
                     "temperature column); give --temperature");
  double volume = c.volume_A3 > 0.0 ? c.volume_A3 : runs.mean_volume();
  if (!(volume > 0.0)) {
    if (!c.normalise)
      throw InputError(runs.paths.front(),
                       "volume is 0 (open boundaries?): absolute absorption "
                       "needs a volume; give --volume or --normalise");
    volume = 1.0;  // drops out of a normalised spectrum
  }
  run.temperature_K = temperature;
  run.volume_A3 = volume;

  IrOptions o;
  o.timestep_fs = runs.interval_fs;
  o.temperature_K = temperature;
  o.volume_A3 = volume;
  o.max_correlation_fs = c.max_correlation_fs;
  o.window = parse_window(c.window);
  o.zero_pad = c.zero_pad;
  o.smoothing_cm = c.smoothing_cm;
  o.quantum_correction = parse_quantum_correction(c.quantum);
  o.normalise = c.normalise;
  if (c.source == "rate") {
    o.centred_difference_step_fs = runs.md_timestep_fs;  // `lnet md` writes centred differences
    run.spectrum = ir_spectrum(interior_rates(runs), o);
  } else if (c.source == "dipole") {
    run.spectrum = ir_spectrum_from_dipoles(runs.dipoles(), o);
  } else {
    throw InputError("lnet ir", "unknown source '" + c.source + "' (rate or dipole)");
  }
  const IrSpectrum& s = run.spectrum;
  spdlog::info("T = {} K, V = {} A^3, t_max = {} fs, resolution 1/(2 c t_max) = {} cm^-1",
               short_number(temperature), short_number(volume), short_number(s.max_correlation_fs),
               short_number(s.resolution_cm, 3));
  write_file_atomic(run.outputs[0], spectrum_csv(s, c, temperature, volume));

  run.peaks = find_peaks(s.wavenumber_cm, s.intensity, c.peak_threshold);
  const nlohmann::json peaks = peak_report(s, run.peaks, c.peak_threshold, report);

  run.report = {{"format", 1},
                {"files", c.files},
                {"temperature_K", temperature},
                {"volume_A3", volume},
                {"source", c.source},
                {"skip_fs", c.skip_fs},
                {"window", c.window},
                {"max_correlation_fs", s.max_correlation_fs},
                {"resolution_cm-1", s.resolution_cm},
                {"zero_pad", c.zero_pad},
                {"smoothing_cm-1", c.smoothing_cm},
                {"quantum_correction", c.quantum},
                {"intensity", s.normalised ? "normalised (max = 1)" : "n*alpha in cm^-1"},
                {"peaks", peaks}};
  if (c.epsilon_inf)
    run.report["static_dielectric"] =
        fluctuation_report(runs, *c.epsilon_inf, volume, temperature, report);
  write_file_atomic(run.outputs[2], run.report.dump(2) + "\n");
  plot_spectrum(s, c.plot_max_cm, run.outputs[1]);
  return run;
}

}  // namespace lnet::analysis
