// `lnet electrostatics` on unusual inputs: a number is printed only when it is finite and right,
// otherwise one error line that names the file and the frame, with exit status non-zero.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/cli_run.hpp"
#include "lnet/core/constants.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::run_lnet;

class CliElectrostatics : public testing::CliFolder {
 protected:
  // Writes `text` to a file in the test folder and runs the command on it.
  testing::Outcome run(const std::string& text,
                       const std::string& options = "--charge Na=1 --charge Cl=-1") {
    const std::string file = (dir_ / "in.xyz").string();
    std::ofstream(file) << text;
    return run_lnet("electrostatics " + file + " " + options);
  }
};

// A frame of extended XYZ with the given header keys and atom lines.
std::string frame(int natoms, const std::string& header, const std::string& atoms) {
  return std::to_string(natoms) + "\n" + header + " Properties=species:S:1:pos:R:3\n" + atoms;
}

const std::string kCube = "Lattice=\"1000 0 0 0 1000 0 0 0 1000\" pbc=\"T T T\"";

void expect_error(const testing::Outcome& r, const std::string& what) {
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("in.xyz frame 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(what), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("nan"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("frame 1: energy"), std::string::npos) << r.output;
}

TEST_F(CliElectrostatics, CoincidentAtomsAreNamedWithTheirDistance) {
  const std::string atoms = "Na 1.0 2.0 3.0\nCl 1.0 2.0 3.0\n";
  expect_error(run(frame(2, kCube, atoms)), "atoms 1 and 2 coincide (0 A apart");
  expect_error(run(frame(2, "pbc=\"F F F\"", atoms)), "atoms 1 and 2 coincide (0 A apart");
}

TEST_F(CliElectrostatics, EmptyFileNamesTheFile) {
  const testing::Outcome r = run("");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("in.xyz: no frames"), std::string::npos) << r.output;
}

TEST_F(CliElectrostatics, OneOrZeroAtomsInOpenBoundaries) {
  // One atom alone has no partner: energy 0 and zero force, printed as such.
  const testing::Outcome one = run(frame(1, "pbc=\"F F F\"", "Na 0 0 0\n"));
  EXPECT_EQ(one.status, 0) << one.output;
  EXPECT_NE(one.output.find("frame 1: energy 0.0000000000 eV"), std::string::npos) << one.output;
  expect_error(run(frame(0, "pbc=\"F F F\"", "")), "no atoms");
}

TEST_F(CliElectrostatics, MixedBoundariesAndNonFiniteCellsSayWhatIsWrong) {
  const std::string atoms = "Na 0 0 0\nCl 2.8 0 0\n";
  expect_error(run(frame(2, "Lattice=\"10 0 0 0 10 0 0 0 10\" pbc=\"T T F\"", atoms)),
               "mixed periodic boundaries (pbc=\"T T F\")");
  const testing::Outcome inf =
      run(frame(2, "Lattice=\"inf 0 0 0 10 0 0 0 10\" pbc=\"T T T\"", atoms));
  EXPECT_NE(inf.status, 0) << inf.output;
  EXPECT_NE(inf.output.find("in.xyz"), std::string::npos) << inf.output;
  EXPECT_NE(inf.output.find("not finite"), std::string::npos) << inf.output;
  EXPECT_EQ(inf.output.find("is zero"), std::string::npos) << inf.output;
}

// +1/-1 at 2.8 Å in a 1000 Å cell: the isolated pair's -k_e/d, up to the tin-foil dipole term
// 2 pi p^2 / (3 V) (2e-7 eV here). The tuning bounds the energy error of the pair by k_e times the
// accuracy (1.4e-4 eV at 1e-5); the printed value has 10 decimals. It printed -5.0716 before.
TEST_F(CliElectrostatics, SparseCellPairEnergy) {
  const testing::Outcome r = run(frame(2, kCube, "Na 1.0 2.0 3.0\nCl 3.8 2.0 3.0\n"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto at = r.output.find("energy ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const double energy = std::stod(r.output.substr(at + 7));
  EXPECT_NEAR(energy, -units::coulomb / 2.8, units::coulomb * 1e-5) << r.output;
}

TEST_F(CliElectrostatics, UnreachableAccuracyNamesTheOption) {
  const testing::Outcome r = run(frame(2, kCube, "Na 1.0 2.0 3.0\nCl 3.8 2.0 3.0\n"),
                                 "--charge Na=1 --charge Cl=-1 --method pme");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("set --method to auto or ewald"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("raise --accuracy"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lnet
