#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lnet/core/error.hpp"
#include "lnet/util/yaml_section.hpp"
#include "util/temp_dir.hpp"

namespace lnet {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Returns the message of the InputError `f` throws, or fails the test.
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

const char* const kConfig =
    "# line 1\n"
    "seed: 42\n"
    "steps: 10000000000\n"
    "lr: 1.0e-3\n"
    "float64: yes\n"
    "name: nacl run\n"
    "model:\n"
    "  cutoff: 5.5\n"
    "  widths: [32, 64]\n"
    "  species: [Na, Cl]\n"
    "  charges: {Na: 1, Cl: -1}\n"
    "  weights:\n"
    "    - 1.0\n"
    "    - 0.5\n"
    "empty:\n";

TEST(YamlSection, ReadsAllSupportedTypes) {
  const YamlSection root = YamlSection::load_string(kConfig, "train.yaml");
  EXPECT_EQ(root.required<int>("seed"), 42);
  EXPECT_EQ(root.required<long>("steps"), 10000000000L);
  EXPECT_DOUBLE_EQ(root.required<double>("lr"), 1e-3);
  EXPECT_TRUE(root.required<bool>("float64"));
  EXPECT_EQ(root.required<std::string>("name"), "nacl run");
  const YamlSection model = root.section("model");
  EXPECT_EQ(model.where(), "train.yaml: model");
  EXPECT_DOUBLE_EQ(model.required<double>("cutoff"), 5.5);
  EXPECT_THAT(model.required<std::vector<int>>("widths"), ElementsAre(32, 64));
  EXPECT_THAT(model.required<std::vector<std::string>>("species"), ElementsAre("Na", "Cl"));
  EXPECT_THAT(model.required<std::vector<double>>("weights"), ElementsAre(1.0, 0.5));
  const auto charges = model.required<std::map<std::string, double>>("charges");
  EXPECT_EQ(charges.size(), 2u);
  EXPECT_DOUBLE_EQ(charges.at("Na"), 1.0);
  EXPECT_DOUBLE_EQ(charges.at("Cl"), -1.0);
}

TEST(YamlSection, OptionalKeysFallBackAndSectionsMayBeEmpty) {
  const YamlSection root = YamlSection::load_string(kConfig, "train.yaml");
  EXPECT_EQ(root.get<int>("epochs", 7), 7);
  EXPECT_EQ(root.get<int>("seed", 7), 42);
  EXPECT_FALSE(root.has("epochs"));
  EXPECT_TRUE(root.has("model"));
  EXPECT_FALSE(root.has("epochs"));  // looking a key up must not insert it
  EXPECT_TRUE(root.section("missing").keys().empty());
  EXPECT_TRUE(root.section("empty").keys().empty());
  EXPECT_EQ(root.section("missing").where(), "train.yaml: missing");
  EXPECT_THAT(root.keys(), ElementsAre("seed", "steps", "lr", "float64", "name", "model", "empty"));
}

TEST(YamlSection, TypeErrorNamesFileLineKeyValueAndType) {
  const YamlSection root =
      YamlSection::load_string("model:\n  cutoff: 5\n  lr: abc\n", "train.yaml");
  const std::string message = input_error_of([&] { root.section("model").required<double>("lr"); });
  EXPECT_THAT(message, AllOf(HasSubstr("train.yaml:3"), HasSubstr("model.lr"), HasSubstr("'abc'"),
                             HasSubstr("a number")));
}

TEST(YamlSection, IntegerRejectsFractionAndListElementErrorsNameTheElement) {
  const YamlSection root =
      YamlSection::load_string("seed: 1.5\nwidths:\n  - 8\n  - eight\n", "cfg.yaml");
  EXPECT_THAT(input_error_of([&] { root.required<int>("seed"); }),
              AllOf(HasSubstr("cfg.yaml:1"), HasSubstr("seed"), HasSubstr("an integer")));
  EXPECT_THAT(input_error_of([&] { root.get<std::vector<int>>("widths", {}); }),
              AllOf(HasSubstr("cfg.yaml:4"), HasSubstr("widths[1]"), HasSubstr("'eight'")));
  EXPECT_THAT(input_error_of([&] { root.required<std::vector<double>>("seed"); }),
              HasSubstr("expected a list of numbers, got '1.5'"));
}

TEST(YamlSection, IntegerOverflowAndNonBooleanAreErrors) {
  const YamlSection root =
      YamlSection::load_string("seed: 10000000000\nfloat64: maybe\n", "cfg.yaml");
  EXPECT_EQ(root.required<long>("seed"), 10000000000L);
  EXPECT_THAT(input_error_of([&] { root.required<int>("seed"); }),
              AllOf(HasSubstr("cfg.yaml:1"), HasSubstr("an integer")));
  EXPECT_THAT(input_error_of([&] { root.required<bool>("float64"); }),
              AllOf(HasSubstr("cfg.yaml:2"), HasSubstr("float64: expected true or false"),
                    HasSubstr("'maybe'")));
}

TEST(YamlSection, MapValueErrorNamesTheEntry) {
  const YamlSection root =
      YamlSection::load_string("charges: {Na: 1, Cl: minus}\nbad: [1]\n", "c.yaml");
  EXPECT_THAT(input_error_of([&] { root.required<std::map<std::string, double>>("charges"); }),
              AllOf(HasSubstr("c.yaml:1"), HasSubstr("charges.Cl"), HasSubstr("'minus'")));
  EXPECT_THAT(input_error_of([&] { root.required<std::map<std::string, double>>("bad"); }),
              AllOf(HasSubstr("c.yaml:2"), HasSubstr("bad"), HasSubstr("mapping")));
}

TEST(YamlSection, KeyWithoutValueIsAnError) {
  const YamlSection root = YamlSection::load_string("a: 1\nlr:\n", "t.yaml");
  EXPECT_THAT(input_error_of([&] { root.get<double>("lr", 0.1); }),
              AllOf(HasSubstr("t.yaml:2"), HasSubstr("lr"), HasSubstr("no value")));
}

TEST(YamlSection, MissingRequiredKeyNamesSectionAndKey) {
  const YamlSection root = YamlSection::load_string("x: 1\nmodel:\n  cutoff: 5\n", "t.yaml");
  EXPECT_THAT(input_error_of([&] { root.section("model").required<int>("layers"); }),
              AllOf(HasSubstr("t.yaml:2"), HasSubstr("missing required key 'model.layers'")));
  EXPECT_THAT(input_error_of([&] { root.required<int>("epochs"); }),
              HasSubstr("t.yaml: missing required key 'epochs'"));
}

TEST(YamlSection, UnknownKeyNamesFileLineKeyAndAllowedKeys) {
  const YamlSection root =
      YamlSection::load_string("model:\n  cutoff: 5\n  lrr: 0.1\n", "train.yaml");
  root.check_keys({"model"});
  const std::string message = input_error_of([&] {
    root.section("model").check_keys({"cutoff", "lr", "width"});
  });
  EXPECT_THAT(message, AllOf(HasSubstr("train.yaml:3"), HasSubstr("unknown key 'model.lrr'"),
                             HasSubstr("did you mean 'lr'"), HasSubstr("cutoff, lr, width")));
  EXPECT_THAT(input_error_of([&] { root.check_keys({"data"}); }),
              AllOf(HasSubstr("train.yaml:1"), HasSubstr("unknown key 'model'"),
                    HasSubstr("allowed keys at the top level: data")));
}

TEST(YamlSection, DuplicateKeyIsAnError) {
  const YamlSection root = YamlSection::load_string("lr: 1\nlr: 2\n", "d.yaml");
  EXPECT_THAT(input_error_of([&] { root.check_keys({"lr"}); }),
              AllOf(HasSubstr("d.yaml:2"), HasSubstr("'lr' is given twice")));
}

TEST(YamlSection, NonMappingSectionIsAnError) {
  const YamlSection root = YamlSection::load_string("a: 1\nmodel: [1, 2]\n", "t.yaml");
  EXPECT_THAT(input_error_of([&] { root.section("model"); }),
              AllOf(HasSubstr("t.yaml:2"), HasSubstr("model"), HasSubstr("mapping")));
}

TEST(YamlSection, LoadFileReportsSyntaxErrorsWithLine) {
  testing::TempDir dir;
  const std::string path = dir.write("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n");
  EXPECT_THAT(input_error_of([&] { YamlSection::load_file(path); }),
              AllOf(HasSubstr(path + ":"), HasSubstr("YAML syntax error")));
}

TEST(YamlSection, LoadFileRejectsMissingFileAndNonMapping) {
  testing::TempDir dir;
  EXPECT_THAT(input_error_of([&] { YamlSection::load_file(dir.file("none.yaml")); }),
              HasSubstr("none.yaml: cannot open"));
  const std::string list = dir.write("list.yaml", "- 1\n- 2\n");
  EXPECT_THAT(input_error_of([&] { YamlSection::load_file(list); }),
              AllOf(HasSubstr(list + ":1"), HasSubstr("must be a mapping")));
  const std::string ok = dir.write("ok.yaml", "epochs: 3\n");
  EXPECT_EQ(YamlSection::load_file(ok).required<int>("epochs"), 3);
  EXPECT_TRUE(YamlSection::load_file(dir.write("empty.yaml", "")).keys().empty());
}

TEST(YamlSection, PublicConstructorUsesWhereAsFileName) {
  const YamlSection section(YAML::Load("n: x"), "inline");
  EXPECT_EQ(section.where(), "inline");
  EXPECT_THAT(input_error_of([&] { section.required<int>("n"); }),
              AllOf(HasSubstr("inline:1"), HasSubstr("n: expected an integer, got 'x'")));
  EXPECT_THROW(YamlSection(YAML::Load("[1]"), "inline"), InputError);
}

}  // namespace
}  // namespace lnet
