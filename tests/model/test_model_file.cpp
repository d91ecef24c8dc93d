// Model files: lossless round trip, and clear errors for corrupt, truncated or foreign files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

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

// A model file split into its header (parsed) and weights, to edit fields and put it back
// together, with or without a matching header checksum.
struct Parts {
  explicit Parts(const std::string& bytes) {
    const auto l1 = bytes.find('\n'), l2 = bytes.find('\n', l1 + 1);
    header = nlohmann::json::parse(bytes.substr(l1 + 1, l2 - l1 - 1));
    blob = bytes.substr(l2 + 1);
  }
  // `rehash`: recompute header_checksum as a deliberate edit would; otherwise drop it, as in
  // files written before it existed, so that the field checks themselves are tested.
  std::string join(bool rehash) const {
    nlohmann::json h = header;
    h.erase("header_checksum");
    if (rehash) {
      const std::string text = h.dump();
      uint64_t x = 1469598103934665603ull;
      for (unsigned char c : text) x = (x ^ c) * 1099511628211ull;
      h["header_checksum"] = x;
    }
    return "LNET-MODEL\n" + h.dump() + "\n" + blob;
  }
  nlohmann::json header;
  std::string blob;
};

std::string good_model() {
  torch::manual_seed(1);
  Potential model(testing::small_config(true));
  return model_to_bytes(model);
}

// Every message names the file; `field` must appear in it too.
void expect_error(const std::string& bytes, const std::string& field) {
  const std::string msg = error_of(bytes);
  EXPECT_NE(msg.find("m.lnet"), std::string::npos) << msg;
  EXPECT_NE(msg.find(field), std::string::npos) << "expected '" << field << "' in: " << msg;
}

TEST(ModelFile, FilesWithoutHeaderChecksumStillLoad) {
  Parts p(good_model());
  ASSERT_TRUE(p.header.contains("header_checksum"));
  EXPECT_EQ(error_of(p.join(false)), "");  // as written by earlier version-1 builds
}

// The config as builds before NetworkSpec wrote it, key by key: such files load, read the same
// hyperparameters and give the same predictions (same float64 weights: exactly).
TEST(ModelFile, ConfigWrittenTheOldWayLoadsAndEvaluatesIdentically) {
  torch::manual_seed(1);
  Potential model(testing::small_config(true));
  Parts p(model_to_bytes(model));
  auto network = [](double cutoff, int nb, int p_env, int l_max, int l_hidden, int channels,
                    int correlation, int layers, int radial_hidden) {
    nlohmann::json j;
    j["cutoff"] = cutoff;
    j["num_basis"] = nb;
    j["envelope_p"] = p_env;
    j["l_max"] = l_max;
    j["l_hidden"] = l_hidden;
    j["channels"] = channels;
    j["correlation"] = correlation;
    j["layers"] = layers;
    j["radial_hidden"] = radial_hidden;
    return j;
  };
  nlohmann::json old;  // small_config(true), as the old to_json(ModelConfig) wrote it
  old["species"] = {11, 17};
  old["dtype"] = "float64";
  old["network_a"] = network(3.5, 6, 5, 2, 1, 8, 3, 2, 16);
  old["long_range"] = true;
  old["network_b"] = network(3.0, 6, 5, 2, 1, 8, 2, 2, 16);
  old["learn_charges"] = false;
  old["charges"] = {{"Na", 0.8}, {"Cl", -0.8}};
  old["sigma"] = {{"Na", 0.7}, {"Cl", 0.9}};
  old["epsilon_s"] = 1.0;
  old["es_accuracy"] = 1e-8;
  old["es_method"] = "auto";
  old["e0"] = {-1.0, -2.0};
  old["energy_scale"] = 0.5;
  old["avg_neighbors_a"] = 8.0;
  old["avg_neighbors_b"] = 6.0;
  EXPECT_EQ(p.header["config"], old);  // the file's config keys are unchanged
  p.header["config"] = old;
  Potential loaded = model_from_bytes(p.join(false), "old.lnet");
  const ModelConfig& c = loaded->config();
  EXPECT_EQ(nlohmann::json(c.network_a), old["network_a"]);
  EXPECT_EQ(c.network_b.cutoff, 3.0);
  EXPECT_EQ(c.network_b.correlation, 2);
  Structure s = testing::distorted_nacl(4);
  Request r;
  r.forces = true;
  const Prediction a = testing::predict(model, s, r), b = testing::predict(loaded, s, r);
  EXPECT_EQ(a.energy.item<double>(), b.energy.item<double>());
  EXPECT_EQ((a.forces - b.forces).abs().max().item<double>(), 0.0);
}

TEST(ModelFile, FlippedBitInTheHeaderIsCaughtByTheHeaderChecksum) {
  std::string bytes = good_model();
  auto pos = bytes.find("\"offset\":0");     // the first tensor's
  pos = bytes.find("\"offset\":", pos + 1);  // the second's, non-zero
  ASSERT_NE(pos, std::string::npos);
  ASSERT_NE(bytes[pos + 9], '0');
  char& digit = bytes[pos + 9];
  digit = digit == '1' ? '3' : digit ^ 0x01;  // one flipped bit in the leading digit, no '0'

  expect_error(bytes, "header checksum");
}

TEST(ModelFile, OffsetsOutsideTheFileAreRejected) {
  Parts p(good_model());
  p.header["tensors"][3]["offset"] = uint64_t(1) << 60;
  expect_error(p.join(true), "tensors[3].offset");
  expect_error(p.join(false), "tensors[3].offset");
  p.header["tensors"][3]["offset"] = p.blob.size();  // just past the end
  expect_error(p.join(false), "tensors[3].offset");
}

TEST(ModelFile, MisalignedOrOverlappingTensorsAreRejected) {
  Parts p(good_model());
  auto& t = p.header["tensors"];
  p.header["tensors"][2]["offset"] = t[2]["offset"].get<std::size_t>() + 1;  // a flipped low bit
  expect_error(p.join(false), "tensors[2].offset");
  Parts q(good_model());
  q.header["tensors"][2]["offset"] = q.header["tensors"][1]["offset"];
  expect_error(q.join(false), "overlaps");
}

TEST(ModelFile, ShapesMustBeNonNegativeAndFitTheBlob) {
  Parts p(good_model());
  p.header["tensors"][0]["shape"] = {-1, 4};
  expect_error(p.join(false), "tensors[0].shape");
  p.header["tensors"][0]["shape"] = {int64_t(1) << 40, int64_t(1) << 40};  // overflows
  expect_error(p.join(false), "tensors[0].shape");
  p.header["tensors"][0]["shape"] = {1};  // fits, but the shapes no longer cover the blob
  expect_error(p.join(false), "tensors");
  Parts q(good_model());
  q.header["tensors"][0]["shape"] = "3x4";
  expect_error(q.join(false), "tensors[0].shape: wrong type");
}

TEST(ModelFile, PhysicalFieldsOutOfRangeAreRejected) {
  const std::vector<std::pair<std::string, nlohmann::json>> edits = {
      {"epsilon_s", 1e-12}, {"epsilon_s", -2.0},  {"es_accuracy", 2.0},
      {"dtype", "float16"}, {"es_method", "fmm"}, {"energy_scale", 0.0}};
  for (const auto& [field, value] : edits) {
    Parts p(good_model());
    p.header["config"][field] = value;
    expect_error(p.join(true), "config." + field);
  }
  Parts cut(good_model());
  cut.header["config"]["network_a"]["cutoff"] = -3.5;
  expect_error(cut.join(true), "config.network_a.cutoff");
  Parts wide(good_model());
  wide.header["config"]["network_b"]["channels"] = 1 << 30;  // would allocate before the check
  expect_error(wide.join(true), "config.network_b.channels");
  Parts sigma(good_model());
  sigma.header["config"]["sigma"]["Na"] = 0.0;
  expect_error(sigma.join(true), "config.sigma.Na");
  Parts species(good_model());
  species.header["config"]["species"] = {11, 200};
  expect_error(species.join(true), "config.species");
  Parts missing(good_model());
  missing.header["config"].erase("epsilon_s");
  expect_error(missing.join(true), "config");
}

TEST(ModelFile, TruncatedFilesAndBadBlobSizesAreRejected) {
  const std::string good = good_model();
  for (std::size_t keep : {std::size_t(5), good.find('\n') + 20, good.size() / 2, good.size() - 1})
    EXPECT_NE(error_of(good.substr(0, keep)), "") << "kept " << keep << " bytes";
  Parts p(good);
  p.header["blob_bytes"] = "many";
  expect_error(p.join(true), "blob_bytes: wrong type");
  Parts q(good);
  q.header.erase("tensors");
  expect_error(q.join(true), "tensors: missing");
}

TEST(ModelFile, NonFiniteWeightsAreRejected) {
  // A NaN written with a matching checksum (e.g. a model saved from a diverged run).
  Parts p(good_model());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::memcpy(p.blob.data(), &nan, sizeof nan);
  uint64_t x = 1469598103934665603ull;
  for (unsigned char c : p.blob) x = (x ^ c) * 1099511628211ull;
  p.header["checksum"] = x;
  expect_error(p.join(true), "non-finite");
}

}  // namespace
}  // namespace lnet

namespace lnet {
namespace {

// Every leaf of `j` as a JSON pointer.
void leaves(const nlohmann::json& j, const nlohmann::json::json_pointer& at,
            std::vector<nlohmann::json::json_pointer>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) leaves(*it, at / it.key(), out);
  } else if (j.is_array()) {
    for (std::size_t k = 0; k < j.size(); ++k) leaves(j[k], at / k, out);
  } else {
    out.push_back(at);
  }
}

// The fuzz target of the model-file reader, as a seeded random-mutation driver: it
// runs in the normal Release test build, which links libtorch (a clang/libFuzzer build of the
// torch libraries would double CI's compile time). Structure-aware mutations replace header
// leaves by hostile values and re-checksum the header, so that the field checks themselves are
// exercised; raw mutations flip, drop, duplicate or truncate bytes anywhere. The reader must
// either load the model or throw lnet::InputError; anything else (a crash, a libtorch or JSON
// exception, a hang) fails the test.
TEST(ModelFile, SurvivesRandomMutations) {
  const std::string good = good_model();
  const Parts parts(good);
  std::vector<nlohmann::json::json_pointer> paths;
  leaves(parts.header, nlohmann::json::json_pointer(), paths);
  const std::vector<nlohmann::json> hostile = {-1,
                                               0,
                                               1,
                                               3,
                                               7,
                                               -2147483648LL,
                                               4294967296ULL,
                                               1ULL << 62,
                                               18446744073709551615ULL,
                                               1e308,
                                               -1e308,
                                               1e-320,
                                               0.5,
                                               "",
                                               "float16",
                                               "NaN",
                                               nullptr,
                                               true,
                                               nlohmann::json::array(),
                                               nlohmann::json::object(),
                                               nlohmann::json::array({-1, 3}),
                                               nlohmann::json::array({1ULL << 40, 1ULL << 40})};
  std::mt19937_64 rng(2026);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  int loaded = 0, refused = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    std::string bytes;
    if (trial % 2 == 0) {
      Parts p = parts;
      for (int m = 0, n = 1 + int(pick(3)); m < n; ++m)
        p.header[paths[pick(paths.size())]] = hostile[pick(hostile.size())];
      bytes = p.join(trial % 4 == 0);
    } else {
      bytes = good;
      for (int m = 0, n = 1 + int(pick(4)); m < n; ++m) {
        const std::size_t at = pick(bytes.size());
        switch (pick(4)) {
          case 0:
            bytes[at] = static_cast<char>(bytes[at] ^ (1 << pick(8)));
            break;
          case 1:
            bytes.erase(at, 1 + pick(16));
            break;
          case 2:
            bytes.insert(at, bytes.substr(pick(bytes.size()), 1 + pick(16)));
            break;
          default:
            bytes.resize(at);
            break;
        }
        if (bytes.empty()) bytes = "L";
      }
    }
    try {
      model_from_bytes(bytes, "m.lnet");
      ++loaded;
    } catch (const InputError& e) {
      ++refused;
      ASSERT_EQ(std::string(e.what()).rfind("m.lnet", 0), 0u)
          << "trial " << trial << ": " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "trial " << trial << ": not an InputError: " << e.what();
    }
  }
  EXPECT_GT(refused, 1000);  // the mutations do reach the checks
  RecordProperty("loaded", loaded);
}

}  // namespace
}  // namespace lnet
