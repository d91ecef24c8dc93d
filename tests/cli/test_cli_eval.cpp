// `lnet eval` and the global --threads option end to end: a NaN label or an empty frame is an
// error naming the file, frame and key (never a `nan` metric), the electrostatics method can be
// chosen, running out of memory is one line, and --threads follows one rule.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/cli_run.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/model/model_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::run_lnet;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

class CliEval : public testing::CliFolder {
 protected:
  void SetUp() override {
    CliFolder::SetUp();
    torch::manual_seed(3);
    Potential model(testing::small_config(/*long_range=*/true));
    save_model(model, p("model.lnet"));
  }
  // Two labelled frames, the second with `second_comment` as its comment line.
  void write_data(const std::string& name, const std::string& second_comment) const {
    std::ofstream out(p(name));
    for (const std::string& comment : {std::string("energy=-3.5"), second_comment}) {
      Structure s = testing::distorted_nacl(4);
      out << s.size() << "\n"
          << "Lattice=\"5.6 0.1 0 0.2 5.712 0.05 -0.1 0.15 5.488\" pbc=\"T T T\" "
             "Properties=species:S:1:pos:R:3 "
          << comment << "\n";
      for (std::size_t i = 0; i < s.size(); ++i)
        out << (s.numbers[i] == 11 ? "Na" : "Cl") << " " << s.positions[i].transpose() << "\n";
    }
  }
};

TEST_F(CliEval, NonFiniteLabelIsAnErrorNamingFileFrameAndKey) {
  write_data("nan.xyz", "energy=nan");
  const testing::Outcome r =
      run_lnet("--threads 1 eval " + p("model.lnet") + " " + p("nan.xyz") + " -o " + p("out"));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_CONTAINS(r.output, p("nan.xyz") + " frame 2: energy label (key 'energy') is not finite");
  EXPECT_EQ(r.output.find("nan meV"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(p("out.json")));
  // A label read under another key is named by the key the file uses.
  write_data("mapped.xyz", "TotEnergy=-inf");
  const testing::Outcome m = run_lnet("--threads 1 eval " + p("model.lnet") + " " +
                                      p("mapped.xyz") + " --key energy=TotEnergy -o " + p("out"));
  EXPECT_NE(m.status, 0) << m.output;
  EXPECT_CONTAINS(m.output, "frame 2: energy label (key 'TotEnergy') is not finite");
}

TEST_F(CliEval, FrameWithoutAtomsIsAnError) {
  write_data("data.xyz", "energy=-3.5");
  { std::ofstream(p("data.xyz"), std::ios::app) << "0\nenergy=0\n"; }
  const testing::Outcome r =
      run_lnet("--threads 1 eval " + p("model.lnet") + " " + p("data.xyz") + " -o " + p("out"));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_CONTAINS(r.output, p("data.xyz") + " frame 3: the frame has no atoms");
  EXPECT_FALSE(fs::exists(p("out.json")));
}

TEST_F(CliEval, ElectrostaticsMethodAndAccuracyCanBeChosen) {
  write_data("data.xyz", "energy=-3.5");
  const std::string base = "--threads 1 eval " + p("model.lnet") + " " + p("data.xyz");
  const testing::Outcome ewald = run_lnet(base + " -o " + p("ewald") + " --es-method ewald");
  ASSERT_EQ(ewald.status, 0) << ewald.output;
  const testing::Outcome pme =
      run_lnet(base + " -o " + p("pme") + " --es-method pme --es-accuracy 1e-6");
  ASSERT_EQ(pme.status, 0) << pme.output;
  const auto a = read_extxyz(p("ewald.xyz")), b = read_extxyz(p("pme.xyz"));
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  // Both methods at their accuracy give the same energy to well within 1e-3 eV for 8 atoms
  // (the model's charges are below 1 e; relative force accuracy 1e-6), but not bit for bit:
  // PME was used.
  EXPECT_NEAR(*a[0].energy, *b[0].energy, 1e-3);
  EXPECT_NE(*a[0].energy, *b[0].energy);

  const testing::Outcome bad = run_lnet(base + " -o " + p("bad") + " --es-method fast");
  EXPECT_NE(bad.status, 0);
  EXPECT_CONTAINS(bad.output, "--es-method");
  const testing::Outcome zero = run_lnet(base + " -o " + p("bad") + " --es-accuracy 0");
  EXPECT_NE(zero.status, 0);
  EXPECT_CONTAINS(zero.output, "expected a number in (0, 1), got 0");
}

TEST_F(CliEval, ThreadsFollowOneRule) {
  write_data("data.xyz", "energy=-3.5");
  const std::string args =
      " eval " + p("model.lnet") + " " + p("data.xyz") + " -o " + p("out") + " --force";
  for (const char* n : {"0", "-2"}) {
    const testing::Outcome r = run_lnet(std::string("--threads ") + n + args);
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_CONTAINS(r.output,
                    std::string("lnet: error: --threads: expected a positive number, got ") + n);
  }
  const testing::Outcome many = run_lnet("--threads 100000" + args);
  EXPECT_EQ(many.status, 0) << many.output;
  EXPECT_CONTAINS(many.output, "--threads: 100000 requested, using");
}

// A frame too large for the memory at hand: one line naming the frame, file and size, not
// libtorch's message with a backtrace. The address space is limited (ulimit -v) to what the
// small frame needs plus a margin, then a frame thousands of times larger is evaluated.
TEST_F(CliEval, OutOfMemoryIsOneLineNamingTheFrame) {
  write_data("small.xyz", "energy=-3.5");
  // 2 GiB: the small frame needs under 1 GiB of address space (libtorch and its threads
  // included), the large one several.
  const long limit_kib = 2L * 1024 * 1024;
  const testing::Outcome small = run_lnet(
      "--threads 1 eval " + p("model.lnet") + " " + p("small.xyz") + " -o " + p("small_eval"),
      limit_kib);
  if (small.status != 0) GTEST_SKIP() << "lnet does not start under ulimit -v: " << small.output;
  {
    // 24^3 rock-salt cells of 8 atoms (110 592 atoms, 135 Å): the networks' per-pair features
    // alone need several GiB.
    std::ofstream out(p("large.xyz"));
    const int n = 24;
    const double a = 5.64;
    out << 8 * n * n * n << "\nLattice=\"" << n * a << " 0 0 0 " << n * a << " 0 0 0 " << n * a
        << "\" Properties=species:S:1:pos:R:3 energy=0\n";
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        for (int k = 0; k < n; ++k)
          for (int b = 0; b < 8; ++b) {
            const Vec3 r = a * (Vec3(i, j, k) + testing::rocksalt_fractions()[b]);
            out << (testing::rocksalt_number(b) == 11 ? "Na " : "Cl ") << r.transpose() << "\n";
          }
  }
  const testing::Outcome r =
      run_lnet("--threads 1 eval " + p("model.lnet") + " " + p("large.xyz") + " -o " +
                   p("large_eval") + " --es-method pme --es-accuracy 1e-3",
               limit_kib);
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_CONTAINS(r.output, "lnet: error: out of memory evaluating frame 1 of " + p("large.xyz") +
                                " (110592 atoms): ");
  EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("frame #"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lnet
