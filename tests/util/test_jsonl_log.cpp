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
  JsonlLog log(path);
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

// A resume starts from the checkpoint's rows: a row logged after the checkpoint by the killed
// run (epoch 3 here) is dropped, not duplicated when the epoch runs again.
TEST(JsonlLog, StartsFromTheGivenHistory) {
  testing::TempDir dir;
  const std::string path = dir.file("log.jsonl");
  {
    JsonlLog log(path);
    for (int e : {1, 2, 3}) log.write({{"epoch", e}});
  }
  {
    const std::vector<nlohmann::json> checkpointed{{{"epoch", 1}}, {{"epoch", 2}}};
    JsonlLog(path, checkpointed).write({{"epoch", 3}});
  }
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  for (int e : {1, 2, 3}) EXPECT_EQ(lines[e - 1]["epoch"], e);
  { JsonlLog(path).write({{"epoch", 7}}); }  // a fresh run
  lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["epoch"], 7);
}

TEST(JsonlLog, UnopenablePathNamesIt) {
  testing::TempDir dir;
  const std::string path = dir.file("no/such/dir/log.jsonl");
  try {
    JsonlLog log(path);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(path));
  }
}

}  // namespace
}  // namespace lnet
