// `lnet dielectric`: static dielectric constant from dipole series of `lnet md`
// (analysis/dielectric.hpp), in tin-foil boundary conditions:
//  - runs at zero field: eps_0 = eps_inf + (<M²> - <M>²) / (3 eps_vac V kT) (fluctuations);
//  - runs under static fields along x, y or z (with or without a zero-field run): the line
//    <M_a>(E_b), eps_ab = eps_inf d_ab + (d<M_a>/dE_b) / (eps_vac V).
//   lnet dielectric e0.dat ez+.dat ez-.dat --epsilon-inf 2.3 -o eps.json
#include "lnet/analysis/dielectric.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "lnet/analysis/dipole_runs.hpp"
#include "lnet/cli/commands.hpp"
#include "lnet/cli/options.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/table.hpp"

namespace lnet::cli {
namespace {

struct DielectricArgs {
  std::vector<std::string> files;
  std::string output;
  double epsilon_inf = 1.0, skip_fs = 0.0, temperature_K = 0.0, volume_A3 = 0.0;
  bool force = false;
};

// The run's static field; InputError if it changes during the run (ramps, pulses).
Vec3 static_field(const DipoleSeries& s, const std::string& path) {
  const Vec3 e = s.efield.front();
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((s.efield[i] - e).cwiseAbs().maxCoeff() > 1e-12 + 1e-9 * e.cwiseAbs().maxCoeff())
      throw InputError(path, "the field changes at step " + std::to_string(s.step[i]) +
                                 " (a ramp or pulse?): `lnet dielectric` needs a static field "
                                 "per run (after --skip)");
  return e;
}

nlohmann::json fluctuations(const std::vector<std::vector<Vec3>>& zero_field,
                            const DielectricArgs& a, const analysis::DipoleRuns& runs,
                            double volume) {
  double temperature = a.temperature_K;
  if (temperature <= 0.0) temperature = runs.target_temperature();
  if (temperature <= 0.0) temperature = runs.mean_temperature();
  if (!(temperature > 0.0))
    throw InputError("lnet dielectric", "no temperature in the files; give --temperature");
  const auto d =
      analysis::dielectric_from_fluctuations(zero_field, a.epsilon_inf, volume, temperature);
  std::cout << "zero-field fluctuations (" << zero_field.size() << " run(s), " << d.samples
            << " samples, T = " << short_number(temperature)
            << " K): eps_0 = " << short_number(d.epsilon) << " +- " << short_number(d.error, 2)
            << "\n";
  if (!d.converged)
    spdlog::warn("the blocking analysis found no plateau: the error bar is likely too small");
  nlohmann::json tensor = nlohmann::json::array();
  for (int r = 0; r < 3; ++r) tensor.push_back({d.tensor(r, 0), d.tensor(r, 1), d.tensor(r, 2)});
  return {
      {"epsilon_0", d.epsilon}, {"error", d.error},           {"temperature_K", temperature},
      {"samples", d.samples},   {"block_size", d.block_size}, {"blocking_converged", d.converged},
      {"tensor", tensor}};
}

nlohmann::json field_fits(const std::vector<analysis::FieldRun>& field_runs,
                          const DielectricArgs& a, double volume) {
  const auto d = analysis::dielectric_from_fields(field_runs, a.epsilon_inf, volume);
  if (d.unused_runs)
    spdlog::warn("{} run(s) with a field along no Cartesian axis left out", d.unused_runs);
  nlohmann::json out = nlohmann::json::array();
  const char* axes = "xyz";
  for (const auto& r : d.axes) {
    std::cout << "field along " << axes[r.axis] << " (" << r.fields.size() << " runs): eps_a"
              << axes[r.axis] << " = eps_inf d + d<M_a>/dE / (eps_vac V)\n";
    Table t({"a", "d<M_a>/dE (e A^2/V)", "eps", "error", "chi2/dof"});
    for (int c = 0; c < 3; ++c)
      t.add_row({std::string(1, axes[c]), fmt(r.slope(c), 4), fmt(r.epsilon(c), 4),
                 fmt(r.epsilon_error(c), 2), fmt(r.chi2_per_dof(c), 2)});
    std::cout << t.str();
    if (r.chi2_per_dof.maxCoeff() > 4.0)
      spdlog::warn(
          "chi2/dof > 4 along {}: the runs scatter about the line more than their "
          "error bars allow (nonlinear response, or runs too short)",
          axes[r.axis]);
    nlohmann::json runs = nlohmann::json::array();
    for (std::size_t i = 0; i < r.fields.size(); ++i)
      runs.push_back(
          {{"field_V_per_A", r.fields[i]},
           {"mean_dipole_eA", {r.mean_dipole[i](0), r.mean_dipole[i](1), r.mean_dipole[i](2)}},
           {"error_eA",
            {r.mean_dipole_error[i](0), r.mean_dipole_error[i](1), r.mean_dipole_error[i](2)}}});
    out.push_back({{"field_axis", std::string(1, axes[r.axis])},
                   {"slope_eA2_per_V", {r.slope(0), r.slope(1), r.slope(2)}},
                   {"slope_error", {r.slope_error(0), r.slope_error(1), r.slope_error(2)}},
                   {"epsilon_column", {r.epsilon(0), r.epsilon(1), r.epsilon(2)}},
                   {"epsilon_error", {r.epsilon_error(0), r.epsilon_error(1), r.epsilon_error(2)}},
                   {"runs", runs}});
  }
  return out;
}

void run_dielectric(const DielectricArgs& a) {
  if (!a.output.empty()) OutputGuard{a.files, "-o/--output", "--force", a.force}.check(a.output);
  const analysis::DipoleRuns runs = analysis::load_dipole_runs(a.files, a.skip_fs);
  const double volume = a.volume_A3 > 0.0 ? a.volume_A3 : runs.mean_volume();
  if (!(volume > 0.0))
    throw InputError(runs.paths.front(), "volume is 0 (open boundaries?); give --volume");
  std::vector<std::vector<Vec3>> zero_field;
  std::vector<analysis::FieldRun> field_runs;
  for (std::size_t r = 0; r < runs.series.size(); ++r) {
    const Vec3 e = static_field(runs.series[r], runs.paths[r]);
    if (e.squaredNorm() == 0.0) zero_field.push_back(runs.series[r].dipole);
    field_runs.push_back({e, runs.series[r].dipole});
  }
  nlohmann::json report = {{"format", 1},
                           {"files", a.files},
                           {"volume_A3", volume},
                           {"epsilon_inf", a.epsilon_inf},
                           {"skip_fs", a.skip_fs}};
  std::cout << "V = " << short_number(volume) << " A^3, eps_inf = " << short_number(a.epsilon_inf)
            << "\n";
  if (!zero_field.empty()) report["fluctuations"] = fluctuations(zero_field, a, runs, volume);
  const nlohmann::json fits = field_fits(field_runs, a, volume);
  if (!fits.empty()) report["field_response"] = fits;
  if (zero_field.empty() && fits.empty())
    throw InputError("lnet dielectric",
                     "no zero-field run and no axis with runs at two or more "
                     "field values: nothing to compute");
  if (!a.output.empty()) {
    ensure_directory(std::filesystem::path(a.output).parent_path().string());
    write_file_atomic(a.output, report.dump(2) + "\n");
    std::cout << "report in " << a.output << "\n";
  }
}

}  // namespace

Action add_dielectric(CLI::App& app) {
  auto a = std::make_shared<DielectricArgs>();
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
  return [a] { run_dielectric(*a); };
}

}  // namespace lnet::cli
