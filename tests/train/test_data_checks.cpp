// Training data is checked at load: non-finite positions or labels and atoms on top
// of each other are InputErrors naming the file, the frame and what is wrong.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error_of.hpp"
#include "lnet/train/dataset.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

const char* kGoodFrame =
    "2\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.0 "
    "pbc=\"T T T\"\nNa 0 0 0 0.1 0 0\nCl 2 2 2 -0.1 0 0\n";

std::string load_error(const std::string& bad_frame, bool long_range = false) {
  const fs::path path =
      fs::temp_directory_path() / ("lnet_data_checks_" + std::to_string(::getpid()) + ".xyz");
  std::ofstream(path) << kGoodFrame << kGoodFrame << bad_frame;
  TrainConfig c;
  c.train_file = path.string();
  c.model.long_range = long_range;
  std::string msg = testing::error_of([&] { load_split(c); });
  fs::remove(path);
  EXPECT_NE(msg.find(path.string() + " (frame 3)"), std::string::npos) << msg;
  return msg;
}

std::string frame(const std::string& energy, const std::string& cl_line) {
  return "2\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=" +
         energy + " pbc=\"T T T\"\nNa 0 0 0 0.1 0 0\n" + cl_line + "\n";
}

TEST(DataChecks, NonFiniteLabelsAndPositionsNameFileAndFrame) {
  EXPECT_NE(load_error(frame("nan", "Cl 2 2 2 -0.1 0 0")).find("energy"), std::string::npos);
  EXPECT_NE(load_error(frame("-1", "Cl 2 2 2 inf 0 0")).find("forces"), std::string::npos);
  EXPECT_NE(load_error(frame("-1", "Cl 2 nan 2 -0.1 0 0")).find("position of atom 2"),
            std::string::npos);
}

TEST(DataChecks, AtomsOnTopOfEachOtherAreNamed) {
  const std::string msg = load_error(frame("-1", "Cl 0 0 1e-7 -0.1 0 0"));
  EXPECT_NE(msg.find("atoms 1 and 2"), std::string::npos) << msg;
  // Periodic images count: 4 Å - 1e-3 Å is 1e-3 Å from atom 1's image.
  EXPECT_NE(load_error(frame("-1", "Cl 3.999 0 0 -0.1 0 0")).find("atoms "), std::string::npos);
}

// Mixed boundaries cannot be summed by Ewald/PME: named at load, not reported mid-epoch as a
// diverged run. A short-range model takes them.
TEST(DataChecks, MixedBoundariesAreNamedForLongRangeModels) {
  std::string slab = frame("-1", "Cl 2 2 2 -0.1 0 0");
  slab.replace(slab.find("pbc=\"T T T\""), 11, "pbc=\"T T F\"");
  const std::string msg = load_error(slab, true);
  EXPECT_NE(msg.find("mixed periodic boundaries"), std::string::npos) << msg;
  EXPECT_NE(msg.find("T T F"), std::string::npos) << msg;
}

TEST(DataChecks, CleanDataLoads) {
  const fs::path path =
      fs::temp_directory_path() / ("lnet_data_clean_" + std::to_string(::getpid()) + ".xyz");
  std::ofstream(path) << kGoodFrame << kGoodFrame << frame("-1.5", "Cl 2 2 1.5 -0.1 0 0");
  TrainConfig c;
  c.train_file = path.string();
  c.valid_fraction = c.test_fraction = 0;
  DataSplit split = load_split(c);
  fs::remove(path);
  EXPECT_EQ(split.train.size(), 3u);
}

}  // namespace
}  // namespace lnet
