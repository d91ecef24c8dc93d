#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/jsonl_log.hpp"
#include "util/temp_dir.hpp"

namespace lnet {
namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(JsonlLog, OneFlushedObjectPerLine) {
  testing::TempDir dir;
  const std::string path = dir.file("train.jsonl");
  JsonlLog log(path, false);
  log.write({{"epoch", 1}, {"loss", 0.5}});
  // Flushed: readable while the log is still open.
  ASSERT_EQ(read_lines(path).size(), 1u);
  log.write({{"epoch", 2}, {"loss", NAN}, {"note", "a\nb"}});
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["epoch"], 1);
  EXPECT_DOUBLE_EQ(lines[0]["loss"].get<double>(), 0.5);
  EXPECT_TRUE(lines[1]["loss"].is_null());
  EXPECT_EQ(lines[1]["note"], "a\nb");
}

TEST(JsonlLog, AppendKeepsAndTruncateDiscards) {
  testing::TempDir dir;
  const std::string path = dir.file("log.jsonl");
  { JsonlLog(path, false).write({{"epoch", 1}}); }
  { JsonlLog(path, true).write({{"epoch", 2}}); }
  EXPECT_EQ(read_lines(path).size(), 2u);
  { JsonlLog(path, false).write({{"epoch", 3}}); }
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["epoch"], 3);
}

TEST(JsonlLog, UnopenablePathNamesIt) {
  testing::TempDir dir;
  const std::string path = dir.file("no/such/dir/log.jsonl");
  try {
    JsonlLog log(path, false);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(path));
  }
}

}  // namespace
}  // namespace lnet
