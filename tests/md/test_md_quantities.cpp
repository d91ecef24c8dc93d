// The trajectory's extra quantities come from the registry (core/quantity.hpp): a quantity
// registered at run time (here only, with a derive function) reaches the trajectory with no
// change to md, in registry order; unknown entries are refused naming the known ones.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/force_norms_quantity.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/md/md_config.hpp"
#include "lnet/md/run_md.hpp"
#include "md/md_test_util.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

const Structure::Column* column(const Structure& s, const std::string& name) {
  for (const auto& [key, c] : s.extra_arrays)
    if (key == name) return &c;
  return nullptr;
}

TEST(MdQuantities, RegisteredQuantityReachesTheTrajectory) {
  Quantity q = testing::force_norms_quantity();
  register_quantity(q);
  testing::ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  MdConfig c;
  c.timestep_fs = 2.0;
  c.steps = 4;
  c.temperature_K = 300;
  c.ensemble = Ensemble::nve;
  c.masses = {{"Na", 20.0}, {"Cl", 20.0}};
  c.output.dir = (fs::temp_directory_path() / "lnet_md_test_quantities").string();
  fs::remove_all(c.output.dir);
  c.output.trajectory_every = 2;
  c.output.trajectory_extra = {"test_force_norms", "charges"};
  MdRunOptions o;
  o.progress = false;
  run_md(c, ff, start, o);
  unregister_quantity("test_force_norms");
  const std::vector<Structure> frames = read_extxyz(c.output.dir + "/trajectory.xyz");
  ASSERT_EQ(frames.size(), 3U);  // steps 0, 2, 4
  for (const Structure& f : frames) {
    const Structure::Column* norms = column(f, "test_force_norms");
    ASSERT_NE(norms, nullptr);
    ASSERT_TRUE(f.forces);
    for (std::size_t i = 0; i < f.size(); ++i)  // round-trip text of the same forces
      EXPECT_NEAR(std::stod(norms->values.at(i)), (*f.forces)[i].norm(), 1e-14);
    // Registry order, whatever the order of the config: the built-in, then the new one.
    ASSERT_GE(f.extra_arrays.size(), 2U);
    const auto n = f.extra_arrays.size();
    EXPECT_EQ(f.extra_arrays[n - 2].first, "charges");
    EXPECT_EQ(f.extra_arrays[n - 1].first, "test_force_norms");
  }
  fs::remove_all(c.output.dir);
}

TEST(MdQuantities, UnknownEntryNamesTheKnownOnes) {
  try {
    parse_md_config("output: {trajectory_extra: [charges, magnetisation]}\n", "a.yaml");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("unknown entry 'magnetisation'"), std::string::npos) << m;
    EXPECT_NE(m.find("atom_energies"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace lnet
