// Loading the dipole series that `lnet ir` and `lnet dielectric` average: equilibration dropped,
// a common even spacing checked, with the file named in every refusal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "lnet/analysis/dipole_runs.hpp"
#include "lnet/core/error.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// A series of `rows` rows every `dt` fs (a break in the spacing after row `break_at`, if any).
std::string write_series(const std::string& name, int rows, double dt, int break_at = -1) {
  const fs::path path =
      fs::temp_directory_path() / ("lnet_dipole_runs_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream out(path);
  out << dipole_series_header_text({dt, 8, "nvt", 300});
  double t = 0;
  for (int k = 0; k < rows; ++k) {
    DipoleRow row;
    row.step = k;
    row.time_fs = t;
    row.dipole = Vec3(0.1 * k, 0, 0);
    row.volume = 100;
    row.temperature = 290 + k % 3;
    out << dipole_series_row_text(row);
    t += (k == break_at) ? 2 * dt : dt;
  }
  return path.string();
}

std::string error_of(const std::vector<std::string>& paths, double skip) {
  try {
    analysis::load_dipole_runs(paths, skip);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return {};
}

TEST(DipoleRuns, SkipDropsEquilibrationAndMeansUseTheRest) {
  const std::string a = write_series("a", 20, 0.5), b = write_series("b", 12, 0.5);
  const analysis::DipoleRuns runs = analysis::load_dipole_runs({a, b}, 2.0);
  ASSERT_EQ(runs.series.size(), 2u);
  EXPECT_EQ(runs.series[0].size(), 16u);  // t = 0, 0.5, 1, 1.5 dropped
  EXPECT_EQ(runs.series[1].size(), 8u);
  EXPECT_DOUBLE_EQ(runs.interval_fs, 0.5);
  EXPECT_DOUBLE_EQ(runs.mean_volume(), 100.0);
  EXPECT_DOUBLE_EQ(runs.target_temperature(), 300.0);
  EXPECT_DOUBLE_EQ(runs.dipoles()[0].front().x(), 0.4);
}

TEST(DipoleRuns, RefusalsNameTheFile) {
  const std::string even = write_series("even", 20, 0.5);
  const std::string uneven = write_series("uneven", 20, 0.5, 10);
  const std::string coarse = write_series("coarse", 20, 1.0);
  EXPECT_NE(error_of({uneven}, 0).find(uneven + ": rows are not evenly spaced"), std::string::npos);
  EXPECT_NE(error_of({even, coarse}, 0).find(coarse + ": rows every 1 fs"), std::string::npos);
  EXPECT_NE(error_of({even}, 9.0).find(even + ": 2 rows left of 20"), std::string::npos);
}

}  // namespace
}  // namespace lnet
