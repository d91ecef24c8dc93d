// Configurable label keys: files that name their labels as public data sets do
// (total_energy, REF_forces, born_charge, ...) load, with a mapping, into exactly the data that
// lnet's own names give.
#include <gtest/gtest.h>

#include <sstream>

#include "common/error_of.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {
namespace {

// One 2-atom frame; `names` replaces lnet's default key names.
std::string frame_text(const std::map<std::string, std::string>& names) {
  auto n = [&](const std::string& label) {
    auto it = names.find(label);
    return it == names.end() ? label : it->second;
  };
  return "2\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:" + n("forces") +
         ":R:3:" + n("bec") + ":R:9 " + n("energy") + "=-3.5 " + n("stress") +
         "=\"1 2 3 2 4 5 3 5 6\" " + n("dipole") + "=\"0.1 0.2 0.3\" " + n("polarizability") +
         "=\"7 0.1 0 0.1 7 0 0 0 7.5\" pbc=\"T T T\"\n"
         "Na 0 0 0 0.1 0.2 0.3 1.1 0 0 0 1.1 0 0 0 1.2\n"
         "Cl 2 2 2 -0.1 -0.2 -0.3 -1.1 0 0 0 -1.1 0 0 0 -1.2\n";
}

std::vector<Structure> parse(const std::string& text, const LabelKeys& keys = {}) {
  std::istringstream in(text);
  return parse_extxyz(in, "test.xyz", keys);
}

void expect_same_labels(const Structure& a, const Structure& b) {
  ASSERT_TRUE(a.energy && b.energy && a.forces && b.forces && a.bec && b.bec && a.stress &&
              b.stress && a.dipole && b.dipole && a.polarizability && b.polarizability);
  EXPECT_EQ(*a.energy, *b.energy);
  EXPECT_EQ(*a.stress, *b.stress);
  EXPECT_EQ(*a.dipole, *b.dipole);
  EXPECT_EQ(*a.polarizability, *b.polarizability);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ((*a.forces)[i], (*b.forces)[i]);
    EXPECT_EQ((*a.bec)[i], (*b.bec)[i]);
  }
}

TEST(LabelKeys, MappedNamesGiveTheSameDataAsDefaultNames) {
  const Structure reference = parse(frame_text({})).at(0);
  const std::map<std::string, std::string> public_names = {
      {"energy", "total_energy"}, {"forces", "REF_forces"},   {"bec", "born_charge"},
      {"stress", "REF_stress"},   {"dipole", "polarization"}, {"polarizability", "alpha"}};
  LabelKeys keys;
  for (const auto& [label, key] : public_names) keys.set(label, key, "test");
  const Structure mapped = parse(frame_text(public_names), keys).at(0);
  expect_same_labels(reference, mapped);
  EXPECT_FALSE(mapped.polarization.has_value());  // `polarization` was read as the dipole
  EXPECT_TRUE(mapped.info.empty());
  EXPECT_TRUE(mapped.extra_arrays.empty());
  // Without the mapping the labels are not found, and the keys are kept as they are.
  const Structure unmapped = parse(frame_text(public_names)).at(0);
  EXPECT_FALSE(unmapped.energy.has_value());
  EXPECT_FALSE(unmapped.bec.has_value());
  EXPECT_EQ(unmapped.info.count("total_energy"), 1u);
  EXPECT_EQ(unmapped.extra_arrays.size(), 2u);  // REF_forces, born_charge
}

TEST(LabelKeys, PerFrameBecUnderAnotherName) {
  const std::string text =
      "1\nProperties=species:S:1:pos:R:3 Z=\"_JSON [[[1,0,0],[0,2,0],[0,0,3]]]\" pbc=\"F F F\"\n"
      "Na 0 0 0\n";
  LabelKeys keys;
  keys.set("bec", "Z", "test");
  const Structure s = parse(text, keys).at(0);
  ASSERT_TRUE(s.bec.has_value());
  EXPECT_EQ((*s.bec)[0](1, 1), 2.0);
}

TEST(LabelKeys, UnknownLabelIsAnError) {
  LabelKeys keys;
  const std::string msg = testing::error_of([&] { keys.set("bec_charges", "x", "cfg.yaml"); });
  EXPECT_NE(msg.find("cfg.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown label 'bec_charges'"), std::string::npos) << msg;
  EXPECT_EQ(keys.key_of("forces"), "forces");
  keys.set("forces", "REF_forces", "cfg.yaml");
  EXPECT_EQ(keys.key_of("forces"), "REF_forces");
  EXPECT_EQ(keys.describe(), "forces=REF_forces");
}

TEST(LabelKeys, SummaryCountsLabelsAndNamesTheirKeys) {
  LabelKeys keys;
  keys.set("energy", "total_energy", "test");
  std::vector<Structure> frames = parse(frame_text({{"energy", "total_energy"}}), keys);
  frames.push_back(frames[0]);
  frames.push_back(frames[0]);
  frames[2].energy.reset();
  const std::string line = label_summary("data.xyz", frames, keys);
  EXPECT_NE(line.find("data.xyz: 3 frames"), std::string::npos) << line;
  EXPECT_NE(line.find("energy (from total_energy) 2"), std::string::npos) << line;
  EXPECT_NE(line.find("forces 3"), std::string::npos) << line;
  EXPECT_NE(line.find("bec 3"), std::string::npos) << line;
  EXPECT_NE(line.find("absent: "), std::string::npos) << line;
  EXPECT_NE(line.find("epsilon_inf"), std::string::npos) << line;
}

}  // namespace
}  // namespace lnet
