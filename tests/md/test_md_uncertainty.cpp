// Committee runs: `model` as a list makes a committee, and the uncertainty check reads the
// force spread the committee's force field gives (committee_force_std_max), warning or
// stopping like the training-domain check.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error_of.hpp"
#include "lnet/core/error.hpp"
#include "lnet/md/md_config.hpp"
#include "lnet/md/run_md.hpp"
#include "md/md_test_util.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// The charged crystal with a force spread that grows by `rate` eV/Å per evaluation.
class SpreadingCommittee : public testing::ChargedCrystal {
 public:
  explicit SpreadingCommittee(double rate) : rate_(rate) {}
  Evaluation evaluate(const Structure& s, const Vec3& efield, const EvalRequest& r) override {
    Evaluation e = ChargedCrystal::evaluate(s, efield, r);
    e.extra["committee_force_std_max"] = {rate_ * double(++calls_)};
    return e;
  }

 private:
  double rate_;
  long calls_ = 0;
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

// The message of the lnet::Error `f` throws (run_md's failures are not input errors).
template <class F>
std::string failure_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no lnet::Error thrown";
  return {};
}

MdRunOptions quiet() {
  MdRunOptions o;
  o.progress = false;
  return o;
}

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
  const std::string m = failure_of([&] { run_md(c, ff, start, quiet()); });
  EXPECT_NE(m.find("step 5"), std::string::npos) << m;
  EXPECT_NE(m.find("uncertainty.stop"), std::string::npos) << m;
  EXPECT_TRUE(fs::exists(c.output.dir + "/last_good.xyz"));
  fs::remove_all(c.output.dir);
}

TEST(MdUncertainty, AForceFieldWithoutASpreadIsAnError) {
  MdConfig c = committee_run("none");
  testing::ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  const std::string m = failure_of([&] { run_md(c, ff, start, quiet()); });
  EXPECT_NE(m.find("committee_force_std_max"), std::string::npos) << m;
  fs::remove_all(c.output.dir);
}

}  // namespace
}  // namespace lnet
