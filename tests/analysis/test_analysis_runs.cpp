// `lnet ir` and `lnet dielectric` as library functions (analysis/ir_run.hpp,
// analysis/dielectric_run.hpp) on dipole series with a known answer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lnet/analysis/dielectric_run.hpp"
#include "lnet/analysis/ir_run.hpp"
#include "lnet/analysis/ir_spectrum.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/dipole_series.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

class AnalysisRuns : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lnet_analysis_runs_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // M(t) = m(E) + a cos(w t) x, with dM/dt written exactly; `rows` rows every `dt` fs.
  std::string write_series(const std::string& name, double wavenumber_cm, const Vec3& m,
                           const Vec3& efield, int rows = 4000, double dt = 1.0) {
    const double w = analysis::omega_per_fs(wavenumber_cm);
    std::ofstream out(path(name));
    out << dipole_series_header_text({dt, 8, "nvt", 300});
    for (int k = 0; k < rows; ++k) {
      const double t = k * dt;
      DipoleRow row;
      row.step = k;
      row.time_fs = t;
      row.dipole = m + Vec3(0.3 * std::cos(w * t), 0, 0);
      row.dipole_rate = Vec3(-0.3 * w * std::sin(w * t), 0, 0);
      row.efield = efield;
      row.volume = 500;
      row.temperature = 300;
      out << dipole_series_row_text(row);
    }
    return path(name);
  }

  fs::path dir_;
};

// A single cosine in M gives one line at its frequency, through both sources; the three outputs
// are written and the report names the settings used.
TEST_F(AnalysisRuns, IrOfOneOscillationPeaksAtItsFrequency) {
  const std::string file = write_series("run.dat", 400.0, Vec3::Zero(), Vec3::Zero());
  for (const std::string source : {"rate", "dipole"}) {
    analysis::IrRunConfig c;
    c.files = {file};
    c.output = path("ir_" + source);
    c.source = source;
    c.max_correlation_fs = 1000;
    std::ostringstream report;
    const analysis::IrRun run = analysis::run_ir(c, report);
    ASSERT_FALSE(run.peaks.empty()) << source;
    // Resolution 1/(2 c t_max) = 16.7 cm^-1; the vertex of one Hann-windowed cosine is good to
    // a small fraction of it (a wrong time unit moves it by orders of magnitude).
    const auto top = std::max_element(run.peaks.begin(), run.peaks.end(),
                                      [](auto& a, auto& b) { return a.height < b.height; });
    EXPECT_NEAR(top->position, 400.0, 2.0) << source;
    EXPECT_DOUBLE_EQ(run.temperature_K, 300.0);  // the thermostat target in the header
    EXPECT_DOUBLE_EQ(run.volume_A3, 500.0);
    for (const auto& o : run.outputs) EXPECT_TRUE(fs::exists(o)) << o;
    EXPECT_EQ(run.report.at("source"), source);
    EXPECT_NE(report.str().find("peaks above"), std::string::npos);
  }
}

TEST_F(AnalysisRuns, IrNeverWritesOverItsInputAndNamesTheSource) {
  const std::string file = write_series("run.dat", 400.0, Vec3::Zero(), Vec3::Zero(), 200);
  // An input named like one of the outputs (ir.json) is refused before anything is read.
  fs::copy_file(file, path("ir.json"));
  analysis::IrRunConfig c;
  c.files = {path("ir.json")};
  c.output = path("ir");
  std::ostringstream report;
  EXPECT_THROW(analysis::run_ir(c, report), InputError);
  EXPECT_FALSE(fs::exists(path("ir.csv")));
  c.files = {file};
  c.output = path("ok");
  c.source = "velocity";
  try {
    analysis::run_ir(c, report);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("velocity"), std::string::npos) << e.what();
  }
}

// Runs at fields ±E along z with <M> = chi E: the field fit gives eps_zz = eps_inf +
// chi / (eps_vac V) exactly (the oscillation averages out over whole periods only roughly, so
// it is along x, which the z column does not see).
TEST_F(AnalysisRuns, DielectricFromStaticFieldRuns) {
  const double chi = 2.0, e = 0.01;  // e Å^2 / V, V/Å
  const std::string plus = write_series("p.dat", 400.0, Vec3(0, 0, chi * e), Vec3(0, 0, e));
  const std::string minus = write_series("m.dat", 400.0, Vec3(0, 0, -chi * e), Vec3(0, 0, -e));
  analysis::DielectricRunConfig c;
  c.files = {plus, minus};
  c.epsilon_inf = 2.5;
  c.output = path("eps.json");
  std::ostringstream report;
  const nlohmann::json out = analysis::run_dielectric(c, report);
  ASSERT_TRUE(out.contains("field_response"));
  const auto& z = out["field_response"][0];
  EXPECT_EQ(z["field_axis"], "z");
  const double expected = 2.5 + chi / (units::eps0 * 500.0);
  EXPECT_NEAR(z["epsilon_column"][2].get<double>(), expected, 1e-9 * expected);
  EXPECT_TRUE(fs::exists(c.output));
  // A field that changes during a run is refused, naming the file.
  std::ofstream(path("ramp.dat")) << dipole_series_header_text({1.0, 8, "nvt", 300});
  for (int k = 0; k < 20; ++k) {
    DipoleRow row;
    row.step = k;
    row.time_fs = k;
    row.efield = Vec3(0, 0, 1e-3 * k);
    row.volume = 500;
    row.temperature = 300;
    std::ofstream(path("ramp.dat"), std::ios::app) << dipole_series_row_text(row);
  }
  c.files = {path("ramp.dat")};
  c.output.clear();
  try {
    analysis::run_dielectric(c, report);
    ADD_FAILURE() << "no error";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("ramp.dat"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace lnet
