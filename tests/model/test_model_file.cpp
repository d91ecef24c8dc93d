// Model files: lossless round trip, and clear errors for corrupt, truncated or foreign files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lnet/core/error.hpp"
#include "lnet/model/model_file.hpp"
#include "model_fixtures.hpp"

namespace lnet {
namespace {

std::string error_of(const std::string& bytes) {
  try {
    model_from_bytes(bytes, "m.lnet");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelFile, RoundTripReproducesPredictions) {
  torch::manual_seed(1);
  Potential model(testing::small_config(true));
  auto path = (std::filesystem::temp_directory_path() / "lnet_test_model.lnet").string();
  save_model(model, path);
  Potential loaded = load_model(path);
  std::filesystem::remove(path);
  Structure s = testing::distorted_nacl(4);
  Batch b = make_batch({&s}, model->config());
  auto e1 = model->forward(b, {}).energy.item<double>();
  auto e2 = loaded->forward(b, {}).energy.item<double>();
  EXPECT_EQ(e1, e2);  // float64 weights stored exactly
  EXPECT_EQ(loaded->config().charges, model->config().charges);
}

TEST(ModelFile, RejectsBadFilesWithClearMessages) {
  torch::manual_seed(1);
  Potential model(testing::small_config(false));
  std::string good = model_to_bytes(model);
  EXPECT_NE(error_of("hello\nworld").find("not an lnet model file"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.size() - 10)).find("truncated"), std::string::npos);
  std::string corrupt = good;
  corrupt[corrupt.size() - 3] ^= 0x55;
  EXPECT_NE(error_of(corrupt).find("checksum"), std::string::npos);
  std::string wrong_version = good;
  auto pos = wrong_version.find("\"format_version\":1");
  ASSERT_NE(pos, std::string::npos);
  wrong_version.replace(pos, 18, "\"format_version\":9");
  EXPECT_NE(error_of(wrong_version).find("version 9"), std::string::npos);
  EXPECT_NE(error_of(wrong_version).find("m.lnet"), std::string::npos);
}

}  // namespace
}  // namespace lnet
