// Outputs never destroy inputs: same-file detection through symlinks, hard links
// and other spellings; existing outputs only replaced with the force flag.
#include <gtest/gtest.h>

#include <filesystem>

#include "lnet/core/error.hpp"
#include "lnet/util/output_guard.hpp"
#include "util/temp_dir.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

std::string message_of(const OutputGuard& g, const std::string& out) {
  try {
    g.check(out);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(OutputGuard, RefusesAnInputEvenWithForce) {
  testing::TempDir dir;
  const std::string in = dir.write("data.xyz", "x");
  OutputGuard g{{in}, "-o", "--force", true};
  const std::string msg = message_of(g, in);
  EXPECT_NE(msg.find("input file " + in), std::string::npos) << msg;
  EXPECT_NE(msg.find("-o"), std::string::npos) << msg;
  // Another spelling of the same path.
  EXPECT_NE(message_of(g, dir.file("sub/../data.xyz")), "");
}

TEST(OutputGuard, SeesThroughSymlinksAndHardLinks) {
  testing::TempDir dir;
  const std::string in = dir.write("data.xyz", "x");
  fs::create_symlink(in, dir.file("link.xyz"));
  fs::create_hard_link(in, dir.file("hard.xyz"));
  OutputGuard g{{in}, "-o", "--force", true};
  EXPECT_NE(message_of(g, dir.file("link.xyz")).find("input file"), std::string::npos);
  EXPECT_NE(message_of(g, dir.file("hard.xyz")).find("input file"), std::string::npos);
  // The input given through a link is still recognised as the output's file.
  OutputGuard via_link{{dir.file("link.xyz")}, "-o", "--force", true};
  EXPECT_NE(message_of(via_link, in).find("input file"), std::string::npos);
}

TEST(OutputGuard, ExistingOutputNeedsForce) {
  testing::TempDir dir;
  const std::string in = dir.write("data.xyz", "x"), old = dir.write("old.xyz", "y");
  OutputGuard g{{in}, "-o/--output", "--force", false};
  const std::string msg = message_of(g, old);
  EXPECT_NE(msg.find("exists"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--force"), std::string::npos) << msg;
  g.force = true;
  EXPECT_EQ(message_of(g, old), "");
  EXPECT_EQ(message_of(g, dir.file("new.xyz")), "");
}

}  // namespace
}  // namespace lnet
