// NetworkSpec: one range check naming the key and value, one JSON form (the model file's keys),
// and the torch network refusing a spec out of range through the same check.
#include <gtest/gtest.h>

#include <set>

#include "lnet/core/error.hpp"
#include "lnet/infer/network_spec.hpp"
#include "lnet/model/model_config.hpp"
#include "lnet/nn/network.hpp"

namespace lnet::infer {
namespace {

// The message of validate(ModelConfig) for `config`, or "" when it passes.
std::string problem_of(const ModelConfig& config) {
  try {
    validate(config, "model.yaml", "model.");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(NetworkSpec, RangeCheckNamesTheKeyAndTheValue) {
  EXPECT_FALSE(find_problem(NetworkSpec{}, "network_a"));
  struct Case {
    void (*edit)(NetworkSpec&);
    std::string field, value;
  };
  const std::vector<Case> cases = {
      {[](NetworkSpec& s) { s.l_max = 4; }, "network_a.l_max", "got 4"},
      {[](NetworkSpec& s) { s.l_hidden = 3; }, "network_a.l_hidden", "got 3"},
      {[](NetworkSpec& s) { s.cutoff = -1.5; }, "network_a.cutoff", "got -1.5"},
      {[](NetworkSpec& s) { s.layers = 0; }, "network_a.layers", "got 0"},
      {[](NetworkSpec& s) { s.correlation = 4; }, "network_a.correlation", "got 4"},
      {[](NetworkSpec& s) { s.channels = 1 << 20; }, "network_a.channels", "got 1048576"},
      {[](NetworkSpec& s) { s.radial_hidden = 0; }, "network_a.radial_hidden", "got 0"},
      {[](NetworkSpec& s) { s.num_basis = 65; }, "network_a.num_basis", "got 65"},
      {[](NetworkSpec& s) { s.envelope_p = 0; }, "network_a.envelope_p", "got 0"}};
  for (const Case& c : cases) {
    NetworkSpec s;
    c.edit(s);
    const auto q = find_problem(s, "network_a");
    ASSERT_TRUE(q) << c.field;
    EXPECT_EQ(q->field, c.field);
    EXPECT_NE(q->what.find(c.value), std::string::npos) << q->what;
  }
}

// The model config reports the spec's problem under the network's key, with the caller's
// prefix and file.
TEST(NetworkSpec, ModelConfigReportsTheSpecProblemByKey) {
  ModelConfig c;
  c.network_b.layers = 5;
  const std::string msg = problem_of(c);
  EXPECT_NE(msg.find("model.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.network_b.layers: must be in 1..3, got 5"), std::string::npos) << msg;
}

// Network B's dipoles are its l = 1 features: a long-range model with l_max 0 is a config
// error naming the key, not an exception from deep inside the torch module.
TEST(NetworkSpec, LongRangeNeedsNetworkBDegreeOne) {
  ModelConfig c;
  c.network_b.l_max = 0;
  c.network_b.l_hidden = 0;
  EXPECT_EQ(problem_of(c), "");  // short range: network B is not built
  c.long_range = true;
  EXPECT_NE(problem_of(c).find("model.network_b.l_max: must be >= 1"), std::string::npos)
      << problem_of(c);
}

TEST(NetworkSpec, JsonHasTheModelFileKeys) {
  const NetworkSpec s{3.5, 6, 4, 3, 2, 12, 1, 3, 20};
  const nlohmann::json j = s;
  // As model files have stored them since format version 1.
  const nlohmann::json old = {{"cutoff", 3.5},    {"num_basis", 6}, {"envelope_p", 4},
                              {"l_max", 3},       {"l_hidden", 2},  {"channels", 12},
                              {"correlation", 1}, {"layers", 3},    {"radial_hidden", 20}};
  EXPECT_EQ(j, old);
  const NetworkSpec r = old.get<NetworkSpec>();
  EXPECT_EQ(nlohmann::json(r), old);
  nlohmann::json missing = old;
  missing.erase("radial_hidden");
  EXPECT_THROW(missing.get<NetworkSpec>(), nlohmann::json::exception);
}

TEST(NetworkSpec, ForEachFieldVisitsEveryKeyOnce) {
  NetworkSpec s;
  std::set<std::string> keys;
  int n = 0;
  for_each_field(s, [&](const char* key, const auto&) {
    keys.insert(key);
    ++n;
  });
  EXPECT_EQ(n, 9);
  EXPECT_EQ(keys.size(), 9u);
  EXPECT_EQ(keys.size(), nlohmann::json(s).size());
}

TEST(NetworkSpec, LayerDegreesFollowTheSpec) {
  NetworkSpec s;
  s.l_max = 3;
  s.l_hidden = 2;
  s.layers = 3;
  const LayerDegrees first = layer_degrees(s, 0, 1), mid = layer_degrees(s, 1, 1),
                     last = layer_degrees(s, 2, 1);
  EXPECT_EQ(first.l_in, 0);  // the embedding is a scalar
  EXPECT_EQ(first.l_out, 2);
  EXPECT_EQ(mid.l_in, 2);
  EXPECT_EQ(mid.l_sh, 3);
  EXPECT_EQ(last.l_out, 1);
}

TEST(NetworkSpec, TorchNetworkRefusesASpecOutOfRange) {
  NetworkSpec s;
  s.correlation = 0;
  try {
    nn::EquivariantNetwork net(s, 2, 5.0, 0);
    FAIL() << "no error for correlation 0";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("network.correlation: must be in 1..3, got 0"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lnet::infer
