// `lnet md`, `lnet ir` and `lnet dielectric` refusing bad input with one clear line naming the
// file, key or option, instead of running on and printing NaN. Runs the built binary.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cli/cli_run.hpp"
#include "lnet/io/dipole_series.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::run_lnet;

class CliRuns : public testing::CliFolder {
 protected:
  // A zero-field NVT series of 64 rows with a fluctuating M (a valid input for both commands).
  std::string dipole_file(const std::string& name) const {
    std::ofstream out(p(name));
    out << dipole_series_header_text({1.0, 8, "nvt", 300});
    for (int k = 0; k < 64; ++k) {
      DipoleRow r;
      r.step = k;
      r.time_fs = k;
      r.dipole = Vec3(std::sin(0.7 * k), std::cos(1.3 * k), std::sin(2.1 * k));
      r.dipole_rate = Vec3(0.7 * std::cos(0.7 * k), 0, 0);
      r.volume = 1000;
      r.temperature = 300;
      out << dipole_series_row_text(r);
    }
    return p(name);
  }
};

TEST_F(CliRuns, MdWithoutModelKeyNamesTheConfigAndKey) {
  std::ofstream(p("md.yaml")) << "structure: start.xyz\nsteps: 1\n";
  const testing::Outcome r = run_lnet("md " + p("md.yaml"));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(p("md.yaml") + ": model: required"), std::string::npos) << r.output;
}

// NaN, infinite or negative numbers of ir/dielectric options are refused with the option named
// (CLI11's NonNegativeNumber let "nan" through, and --epsilon-inf had no check).
TEST_F(CliRuns, IrAndDielectricRefuseNonFiniteOrNegativeOptions) {
  const std::string file = dipole_file("dipole.dat");
  const std::string out = " -o " + p("ir");
  ASSERT_EQ(run_lnet("ir " + file + out + " --epsilon-inf 1.5").status, 0);
  for (const std::string bad :
       {"--skip nan", "--skip=-5", "--skip inf", "--epsilon-inf 0", "--epsilon-inf=-2",
        "--epsilon-inf nan", "--temperature nan", "--smoothing nan"}) {
    const testing::Outcome r = run_lnet("ir " + file + out + " --force " + bad);
    EXPECT_NE(r.status, 0) << bad << ": " << r.output;
    EXPECT_NE(r.output.find(bad.substr(0, bad.find_first_of(" ="))), std::string::npos)
        << bad << ": " << r.output;
    EXPECT_EQ(r.output.find("nan\n"), std::string::npos) << bad << ": " << r.output;
  }
  for (const std::string bad : {"--epsilon-inf nan", "--epsilon-inf 0", "--skip nan"}) {
    const testing::Outcome r =
        run_lnet("dielectric " + file + (bad.rfind("--eps", 0) ? " --epsilon-inf 2 " : " ") + bad);
    EXPECT_NE(r.status, 0) << bad << ": " << r.output;
    EXPECT_EQ(r.output.find("eps_0 = nan"), std::string::npos) << r.output;
  }
}

// A NaN dipole or time in the file: an error naming the file and line, never a NaN spectrum or
// eps_0 = nan with exit 0.
TEST_F(CliRuns, NonFiniteDipolesNameTheFileAndLine) {
  const std::string file = dipole_file("dipole.dat");
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Row of step 10 is line 14 (3 header lines): its Mx becomes nan.
  const std::string row = "\n10,10,";
  const std::size_t at = text.find(row) + row.size();
  text.replace(at, text.find(',', at) - at, "nan");
  std::ofstream(p("bad.dat")) << text;
  for (const std::string& cmd : {"ir " + p("bad.dat") + " -o " + p("ir") + " --source dipole",
                                 "dielectric " + p("bad.dat") + " --epsilon-inf 2"}) {
    const testing::Outcome r = run_lnet(cmd);
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(p("bad.dat") + ":14: Mx: expected a finite number"), std::string::npos)
        << r.output;
  }
}

}  // namespace
}  // namespace lnet
