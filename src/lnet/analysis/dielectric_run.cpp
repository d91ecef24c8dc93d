#include "lnet/analysis/dielectric_run.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "lnet/analysis/dielectric.hpp"
#include "lnet/analysis/dipole_runs.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/output_guard.hpp"
#include "lnet/util/table.hpp"

namespace lnet::analysis {
namespace {

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
                            const DielectricRunConfig& c, const DipoleRuns& runs, double volume,
                            std::ostream& report) {
  double temperature = c.temperature_K;
  if (temperature <= 0.0) temperature = runs.target_temperature();
  if (temperature <= 0.0) temperature = runs.mean_temperature();
  if (!(temperature > 0.0))
    throw InputError("lnet dielectric", "no temperature in the files; give --temperature");
  const auto d = dielectric_from_fluctuations(zero_field, c.epsilon_inf, volume, temperature);
  report << "zero-field fluctuations (" << zero_field.size() << " run(s), " << d.samples
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

nlohmann::json field_fits(const std::vector<FieldRun>& field_runs, const DielectricRunConfig& c,
                          double volume, std::ostream& report) {
  const auto d = dielectric_from_fields(field_runs, c.epsilon_inf, volume);
  if (d.unused_runs)
    spdlog::warn("{} run(s) with a field along no Cartesian axis left out", d.unused_runs);
  nlohmann::json out = nlohmann::json::array();
  const char* axes = "xyz";
  for (const auto& r : d.axes) {
    report << "field along " << axes[r.axis] << " (" << r.fields.size() << " runs): eps_a"
           << axes[r.axis] << " = eps_inf d + d<M_a>/dE / (eps_vac V)\n";
    Table t({"a", "d<M_a>/dE (e A^2/V)", "eps", "error", "chi2/dof"});
    for (int k = 0; k < 3; ++k)
      t.add_row({std::string(1, axes[k]), fmt(r.slope(k), 4), fmt(r.epsilon(k), 4),
                 fmt(r.epsilon_error(k), 2), fmt(r.chi2_per_dof(k), 2)});
    report << t.str();
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

}  // namespace

nlohmann::json run_dielectric(const DielectricRunConfig& c, std::ostream& report) {
  if (!c.output.empty()) OutputGuard{c.files, "-o/--output", "--force", c.force}.check(c.output);
  const DipoleRuns runs = load_dipole_runs(c.files, c.skip_fs);
  const double volume = c.volume_A3 > 0.0 ? c.volume_A3 : runs.mean_volume();
  if (!(volume > 0.0))
    throw InputError(runs.paths.front(), "volume is 0 (open boundaries?); give --volume");
  std::vector<std::vector<Vec3>> zero_field;
  std::vector<FieldRun> field_runs;
  for (std::size_t r = 0; r < runs.series.size(); ++r) {
    const Vec3 e = static_field(runs.series[r], runs.paths[r]);
    if (e.squaredNorm() == 0.0) zero_field.push_back(runs.series[r].dipole);
    field_runs.push_back({e, runs.series[r].dipole});
  }
  nlohmann::json out = {{"format", 1},
                        {"files", c.files},
                        {"volume_A3", volume},
                        {"epsilon_inf", c.epsilon_inf},
                        {"skip_fs", c.skip_fs}};
  report << "V = " << short_number(volume) << " A^3, eps_inf = " << short_number(c.epsilon_inf)
         << "\n";
  if (!zero_field.empty()) out["fluctuations"] = fluctuations(zero_field, c, runs, volume, report);
  const nlohmann::json fits = field_fits(field_runs, c, volume, report);
  if (!fits.empty()) out["field_response"] = fits;
  if (zero_field.empty() && fits.empty())
    throw InputError("lnet dielectric",
                     "no zero-field run and no axis with runs at two or more "
                     "field values: nothing to compute");
  if (!c.output.empty()) {
    ensure_directory(std::filesystem::path(c.output).parent_path().string());
    write_file_atomic(c.output, out.dump(2) + "\n");
  }
  return out;
}

}  // namespace lnet::analysis
