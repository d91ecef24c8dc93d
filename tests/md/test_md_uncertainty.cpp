// Committee runs: `model` as a list makes a committee, and the uncertainty check reads the
// force spread the committee's force field gives (committee_force_std_max), warning or
// stopping like the training-domain check; the thermo log carries the spreads of its steps.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error_of.hpp"
#include "lnet/core/error.hpp"
#include "lnet/md/md_config.hpp"
#include "lnet/md/run_md.hpp"
#include "md/md_test_util.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// The charged crystal as a committee whose spreads grow with every evaluation: the force spread
// by `rate` eV/Å, the energy spread by rate/10 eV/atom. It gives them only when asked (as any
// force field may) and records, per evaluation, what it gave (NaN when not asked).
class SpreadingCommittee : public testing::ChargedCrystal {
 public:
  explicit SpreadingCommittee(double rate) : rate_(rate) {}
  Evaluation evaluate(const Structure& s, const Vec3& efield, const EvalRequest& r) override {
    Evaluation e = ChargedCrystal::evaluate(s, efield, r);
    const double calls = double(force_spread.size() + 1);
    const bool asked =
        r.extra.count("committee_force_std_max") > 0 && r.extra.count("committee_energy_std") > 0;
    force_spread.push_back(asked ? rate_ * calls : std::nan(""));
    energy_spread.push_back(asked ? 0.1 * rate_ * calls : std::nan(""));
    if (asked) {
      e.extra["committee_force_std_max"] = {force_spread.back()};
      e.extra["committee_energy_std"] = {energy_spread.back()};
    }
    return e;
  }
  // Per evaluation; with velocity Verlet, evaluation k is that of step k.
  std::vector<double> force_spread, energy_spread;

 private:
  double rate_;
};

MdConfig committee_run(const std::string& name) {
  MdConfig c;
  c.committee = {"a.lnet", "b.lnet"};  // run_md takes the force field given; names only
  c.timestep_fs = 2.0;
  c.steps = 10;
  c.temperature_K = 300;
  c.ensemble = Ensemble::nve;
  c.masses = {{"Na", 20.0}, {"Cl", 20.0}};
  c.output.dir = (fs::temp_directory_path() / ("lnet_md_uncertainty_" + name)).string();
  c.output.thermo_every = 5;
  fs::remove_all(c.output.dir);
  return c;
}

MdRunOptions quiet() {
  MdRunOptions o;
  o.progress = false;
  return o;
}

// The lines of a text file.
std::vector<std::string> lines_of(const std::string& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> csv_cells(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> cells;
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

// The header of every run without a committee, as before committee columns existed.
const char* kPlainHeader =
    "step,time_fs,temperature_K,potential_energy_eV,kinetic_energy_eV,conserved_energy_eV,"
    "pressure_GPa,volume_A3,Mx_eA,My_eA,Mz_eA,Ex_V_per_A,Ey_V_per_A,Ez_V_per_A";

TEST(MdUncertainty, ModelListIsACommitteeAndTheChecksNameTheirKeys) {
  const MdConfig c = parse_md_config("model: [a.lnet, b.lnet, c.lnet]\n", "runs/md.yaml");
  ASSERT_EQ(c.committee.size(), 3U);
  EXPECT_EQ(c.committee[1], "runs/b.lnet");
  EXPECT_EQ(c.model, "runs/a.lnet");
  EXPECT_TRUE(parse_md_config("model: a.lnet\n", "md.yaml").committee.empty());
  const std::string one =
      testing::error_of([] { parse_md_config("model: [a.lnet]\n", "md.yaml"); });
  EXPECT_NE(one.find("model"), std::string::npos) << one;
  const std::string alone = testing::error_of(
      [] { parse_md_config("model: a.lnet\nuncertainty: {force_std: 0.2}\n", "md.yaml"); });
  EXPECT_NE(alone.find("needs a committee"), std::string::npos) << alone;
  const std::string negative = testing::error_of([] {
    parse_md_config("model: [a.lnet, b.lnet]\nuncertainty: {force_std: -1}\n", "md.yaml");
  });
  EXPECT_NE(negative.find("force_std"), std::string::npos) << negative;
}

TEST(MdUncertainty, SpreadOverTheLimitWarnsAndIsCounted) {
  MdConfig c = committee_run("warn");
  c.uncertainty.every = 1;
  c.uncertainty.force_std = 0.045;
  SpreadingCommittee ff(0.01);
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  const MdRunSummary s = run_md(c, ff, start, quiet());
  // Velocity Verlet: one evaluation at the start, then one per step; steps 1..10 are checked
  // with spreads 0.02 .. 0.11, of which 0.05 .. 0.11 exceed 0.045.
  EXPECT_EQ(s.uncertainty_checks, 10);
  EXPECT_EQ(s.uncertainty_over, 7);
  EXPECT_NEAR(s.max_force_spread, 0.11, 1e-12);
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, StopEndsTheRunWithTheLastGoodState) {
  MdConfig c = committee_run("stop");
  c.uncertainty.force_std = 0.045;
  c.uncertainty.stop = true;  // checked every thermo_every = 5 steps: first at step 5 (0.06)
  SpreadingCommittee ff(0.01);
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  const std::string m = testing::error_of<Error>([&] { run_md(c, ff, start, quiet()); });
  EXPECT_NE(m.find("step 5"), std::string::npos) << m;
  EXPECT_NE(m.find("uncertainty.stop"), std::string::npos) << m;
  EXPECT_TRUE(fs::exists(c.output.dir + "/last_good.xyz"));
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, AForceFieldWithoutASpreadIsAnError) {
  MdConfig c = committee_run("none");
  testing::ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  const std::string m = testing::error_of<Error>([&] { run_md(c, ff, start, quiet()); });
  EXPECT_NE(m.find("committee_force_std_max"), std::string::npos) << m;
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, ThermoLogCarriesTheSpreadsOfItsSteps) {
  MdConfig c = committee_run("thermo");
  c.uncertainty.every = 0;  // the thermo log alone asks for the spreads
  SpreadingCommittee ff(0.01);
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  std::ostringstream report;
  MdRunOptions o = quiet();
  o.report = &report;
  run_md(c, ff, start, o);
  // One evaluation per step (none added), the spreads asked for at the thermo steps 0, 5, 10 only.
  ASSERT_EQ(ff.force_spread.size(), 11U);
  for (std::size_t k = 0; k < ff.force_spread.size(); ++k)
    EXPECT_EQ(std::isnan(ff.force_spread[k]), k % 5 != 0) << "step " << k;

  const std::vector<std::string> csv = lines_of(c.output.dir + "/thermo.csv");
  ASSERT_EQ(csv.size(), 4U);
  EXPECT_EQ(csv[0], std::string(kPlainHeader) + ",committee_energy_std,committee_force_std_max");
  for (std::size_t row = 1; row < csv.size(); ++row) {
    const std::vector<std::string> cells = csv_cells(csv[row]);
    ASSERT_EQ(cells.size(), 16U) << csv[row];
    const std::size_t step = std::stoul(cells[0]);
    EXPECT_EQ(step, 5 * (row - 1));
    // Shortest round-trip formatting: the values read back are the doubles given.
    EXPECT_EQ(std::stod(cells[14]), ff.energy_spread[step]) << csv[row];
    EXPECT_EQ(std::stod(cells[15]), ff.force_spread[step]) << csv[row];
  }
  const std::vector<std::string> jsonl = lines_of(c.output.dir + "/thermo.jsonl");
  ASSERT_EQ(jsonl.size(), 3U);
  for (const std::string& line : jsonl) {
    const nlohmann::json j = nlohmann::json::parse(line);
    const std::size_t step = j.at("step").get<std::size_t>();
    EXPECT_EQ(j.at("committee_energy_std").get<double>(), ff.energy_spread[step]) << line;
    EXPECT_EQ(j.at("committee_force_std_max").get<double>(), ff.force_spread[step]) << line;
  }
  // The table shows the force spread: 0.11 eV/Å at step 10 (the 11th evaluation).
  EXPECT_NE(report.str().find("Fstd_eV/A"), std::string::npos) << report.str();
  EXPECT_NE(report.str().find(" 0.1100\n"), std::string::npos) << report.str();
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, CheckAndThermoLogShareTheEvaluationsOfTheirSteps) {
  MdConfig c = committee_run("shared");
  c.uncertainty.every = 2;  // thermo every 5: steps 0, 5, 10; checks at 2, 4, 6, 8, 10
  SpreadingCommittee ff(0.01);
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  const MdRunSummary s = run_md(c, ff, start, quiet());
  ASSERT_EQ(ff.force_spread.size(), 11U);
  for (std::size_t k = 0; k < ff.force_spread.size(); ++k)
    EXPECT_EQ(std::isnan(ff.force_spread[k]), k % 5 != 0 && k % 2 != 0) << "step " << k;
  EXPECT_EQ(s.uncertainty_checks, 5);
  // Step 10 is both checked and logged: the same evaluation's value in both.
  EXPECT_EQ(s.max_force_spread, ff.force_spread[10]);
  const std::vector<std::string> csv = lines_of(c.output.dir + "/thermo.csv");
  ASSERT_EQ(csv.size(), 4U);
  EXPECT_EQ(std::stod(csv_cells(csv[3]).at(15)), ff.force_spread[10]) << csv[3];
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, WithoutACommitteeTheThermoLogIsUnchanged) {
  MdConfig c = committee_run("plain");
  c.committee.clear();
  SpreadingCommittee ff(0.01);
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  std::ostringstream report;
  MdRunOptions o = quiet();
  o.report = &report;
  run_md(c, ff, start, o);
  for (double spread : ff.force_spread) EXPECT_TRUE(std::isnan(spread)) << "spreads asked for";
  const std::vector<std::string> csv = lines_of(c.output.dir + "/thermo.csv");
  ASSERT_EQ(csv.size(), 4U);
  EXPECT_EQ(csv[0], kPlainHeader);
  EXPECT_EQ(csv_cells(csv[1]).size(), 14U) << csv[1];
  const nlohmann::json j = nlohmann::json::parse(lines_of(c.output.dir + "/thermo.jsonl").at(0));
  EXPECT_FALSE(j.contains("committee_force_std_max")) << j.dump();
  EXPECT_FALSE(j.contains("committee_energy_std")) << j.dump();
  EXPECT_EQ(report.str().find("Fstd"), std::string::npos) << report.str();
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, SpreadsAForceFieldDoesNotGiveAreNanInTheThermoLog) {
  MdConfig c = committee_run("nan");
  c.uncertainty.every = 0;
  c.steps = 5;
  testing::ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  run_md(c, ff, start, quiet());
  const std::vector<std::string> csv = lines_of(c.output.dir + "/thermo.csv");
  ASSERT_EQ(csv.size(), 3U);
  const std::vector<std::string> cells = csv_cells(csv[2]);
  ASSERT_EQ(cells.size(), 16U) << csv[2];
  EXPECT_EQ(cells[14], "nan");
  EXPECT_EQ(cells[15], "nan");
  const nlohmann::json j = nlohmann::json::parse(lines_of(c.output.dir + "/thermo.jsonl").at(1));
  EXPECT_TRUE(j.at("committee_energy_std").is_null()) << j.dump();
  EXPECT_TRUE(j.at("committee_force_std_max").is_null()) << j.dump();
  fs::remove_all(c.output.dir);
}

// thermo.csv's columns come and go with the committee: resuming with the other kind of model
// list is an error naming the file, before anything is written; the same list resumes.
TEST(MdUncertainty, ResumingWithOrWithoutACommitteeIsAnErrorNamingThermoCsv) {
  const MdConfig c = committee_run("resume_layout");
  SpreadingCommittee ff(0.01);
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  MdRunOptions first = quiet();
  first.stop_after_steps = 5;
  run_md(c, ff, start, first);
  const std::string csv = c.output.dir + "/thermo.csv";
  const std::vector<std::string> before = lines_of(csv);
  MdConfig plain = c;
  plain.committee.clear();
  MdRunOptions again = quiet();
  again.resume = true;
  const std::string m = testing::error_of([&] { run_md(plain, ff, start, again); });
  EXPECT_NE(m.find("thermo.csv"), std::string::npos) << m;
  EXPECT_NE(m.find("with a committee"), std::string::npos) << m;
  EXPECT_EQ(lines_of(csv), before);
  run_md(c, ff, start, again);
  EXPECT_EQ(lines_of(csv).size(), 4U);  // the header and steps 0, 5 and 10
  fs::remove_all(c.output.dir);
}

}  // namespace
}  // namespace lnet
