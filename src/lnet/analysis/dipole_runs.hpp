// The dipole series files (`lnet md` output, io/dipole_series.hpp) that `lnet ir` and
// `lnet dielectric` read: loaded, equilibration dropped, checked for a common, even spacing.
#pragma once

#include <string>
#include <vector>

#include "lnet/io/dipole_series.hpp"

namespace lnet::analysis {

struct DipoleRuns {
  std::vector<std::string> paths;
  std::vector<DipoleSeries> series;  // rows with time >= first time + skip only
  double interval_fs = 0.0;          // spacing of the rows (common to all runs)
  double md_timestep_fs = 0.0;       // the MD step of the first run (header)

  // Sample-weighted means over all runs of the volume and temperature columns.
  double mean_volume() const;
  double mean_temperature() const;
  // The thermostat target of the runs (0 if any run has none, or if they differ: a warning).
  double target_temperature() const;
  // Each run's M (or dM/dt) column.
  std::vector<std::vector<Vec3>> dipoles() const;
  std::vector<std::vector<Vec3>> rates() const;
};

// lnet::InputError naming the file for a run with fewer than `min_rows` rows after `skip_fs`,
// uneven row spacing, or a spacing different from the other runs'.
DipoleRuns load_dipole_runs(const std::vector<std::string>& paths, double skip_fs,
                            std::size_t min_rows = 8);

}  // namespace lnet::analysis
