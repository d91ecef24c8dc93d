#include "lnet/analysis/dipole_runs.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "lnet/core/error.hpp"
#include "lnet/core/text.hpp"

namespace lnet::analysis {
namespace {

template <typename T>
std::vector<T> drop_front(const std::vector<T>& v, std::size_t n) {
  return n >= v.size() ? std::vector<T>{} : std::vector<T>(v.begin() + n, v.end());
}

void drop_rows(DipoleSeries& s, std::size_t n) {
  s.step = drop_front(s.step, n);
  s.time_fs = drop_front(s.time_fs, n);
  s.dipole = drop_front(s.dipole, n);
  s.dipole_rate = drop_front(s.dipole_rate, n);
  s.efield = drop_front(s.efield, n);
  s.volume = drop_front(s.volume, n);
  s.temperature = drop_front(s.temperature, n);
}

// The common spacing of the rows; InputError naming the first uneven row.
double row_interval(const DipoleSeries& s, const std::string& path) {
  const double dt = s.time_fs[1] - s.time_fs[0];
  if (!(dt > 0.0))
    throw InputError(path, "time_fs does not increase between steps " + std::to_string(s.step[0]) +
                               " and " + std::to_string(s.step[1]));
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const double d = s.time_fs[i + 1] - s.time_fs[i];
    if (std::abs(d - dt) > 1e-6 * dt)
      throw InputError(path, "rows are not evenly spaced in time: " + short_number(d) +
                                 " fs after step " + std::to_string(s.step[i]) + " instead of " +
                                 short_number(dt) +
                                 " fs (a restarted run written twice? give its parts as "
                                 "separate files)");
  }
  return dt;
}

}  // namespace

DipoleRuns load_dipole_runs(const std::vector<std::string>& paths, double skip_fs,
                            std::size_t min_rows) {
  DipoleRuns runs;
  for (const std::string& path : paths) {
    DipoleSeries s = read_dipole_series(path);
    const std::size_t total = s.size();
    std::size_t first = 0;
    while (first < total && s.time_fs[first] < s.time_fs[0] + skip_fs - 1e-9) ++first;
    drop_rows(s, first);
    if (s.size() < std::max<std::size_t>(min_rows, 2))
      throw InputError(path, std::to_string(s.size()) + " rows left of " + std::to_string(total) +
                                 " after skipping " + short_number(skip_fs) +
                                 " fs; need at least " +
                                 std::to_string(std::max<std::size_t>(min_rows, 2)));
    const double dt = row_interval(s, path);
    if (runs.series.empty()) {
      runs.interval_fs = dt;
      runs.md_timestep_fs = s.timestep_fs > 0.0 ? s.timestep_fs : dt;
    } else if (std::abs(dt - runs.interval_fs) > 1e-6 * dt) {
      throw InputError(path, "rows every " + short_number(dt) + " fs, but " + runs.paths.front() +
                                 " has them every " + short_number(runs.interval_fs) +
                                 " fs; runs averaged together need the same spacing");
    }
    spdlog::info("{}: {} rows from t = {} fs, every {} fs, ensemble {}", path, s.size(),
                 short_number(s.time_fs.front()), short_number(dt),
                 s.ensemble.empty() ? "?" : s.ensemble);
    runs.paths.push_back(path);
    runs.series.push_back(std::move(s));
  }
  return runs;
}

double DipoleRuns::mean_volume() const {
  double sum = 0.0, n = 0.0;
  for (const auto& s : series)
    for (double v : s.volume) sum += v, n += 1.0;
  return n > 0 ? sum / n : 0.0;
}

double DipoleRuns::mean_temperature() const {
  double sum = 0.0, n = 0.0;
  for (const auto& s : series)
    for (double t : s.temperature) sum += t, n += 1.0;
  return n > 0 ? sum / n : 0.0;
}

double DipoleRuns::target_temperature() const {
  if (series.empty()) return 0.0;
  const double t = series.front().target_temperature_K;
  for (std::size_t r = 1; r < series.size(); ++r)
    if (std::abs(series[r].target_temperature_K - t) > 1e-9 * std::max(1.0, t)) {
      spdlog::warn("{} has target temperature {} K but {} has {} K", paths[r],
                   short_number(series[r].target_temperature_K), paths.front(), short_number(t));
      return 0.0;
    }
  return t;
}

std::vector<std::vector<Vec3>> DipoleRuns::dipoles() const {
  std::vector<std::vector<Vec3>> out;
  for (const auto& s : series) out.push_back(s.dipole);
  return out;
}

std::vector<std::vector<Vec3>> DipoleRuns::rates() const {
  std::vector<std::vector<Vec3>> out;
  for (const auto& s : series) out.push_back(s.dipole_rate);
  return out;
}

}  // namespace lnet::analysis
