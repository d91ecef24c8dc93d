#include <gtest/gtest.h>

#include "common/error_of.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/md/md_config.hpp"

namespace lnet {
namespace {

using testing::error_of;

const char* kGood = R"(model: model.lnet
structure: start.xyz
timestep: 0.5
steps: 100
ensemble: npt
temperature: 300
thermostat: {type: bussi, tau: 100}
barostat: {pressure: 1.5, tau: 1000, compressibility: 0.05, coupling: anisotropic}
field: {type: ac, e0: [0, 0, 0.01], frequency: 100, unit: cm-1, phase: 0.5}
masses: {H: 2.014}
output: {dir: out, thermo_every: 5}
)";

TEST(MdConfig, ReadsEveryKeyWithUnits) {
  const MdConfig c = parse_md_config(kGood, "runs/md.yaml");
  EXPECT_EQ(c.model, "runs/model.lnet");
  EXPECT_EQ(c.structure, "runs/start.xyz");
  EXPECT_EQ(c.output.dir, "runs/out");
  EXPECT_EQ(c.ensemble, Ensemble::npt);
  EXPECT_EQ(c.barostat.coupling, Coupling::anisotropic);
  EXPECT_DOUBLE_EQ(c.barostat.pressure_gpa, 1.5);
  EXPECT_EQ(c.field.type, FieldProtocol::ac);
  // 100 cm⁻¹ = 2.99792458 THz: ω = 2π · 2.99792458e-3 rad/fs.
  EXPECT_NEAR(c.field.omega_per_fs, 2 * 3.14159265358979 * 2.99792458e-3, 1e-12);
  EXPECT_EQ(c.masses.at("H"), 2.014);
  EXPECT_EQ(c.output.thermo_every, 5);
  EXPECT_EQ(c.velocities, VelocitySource::maxwell_boltzmann);
}

TEST(MdConfig, UnknownKeyIsAnError) {
  const std::string top =
      error_of([] { parse_md_config("timestep: 1\ntemprature: 300\n", "a.yaml"); });
  EXPECT_NE(top.find("temprature"), std::string::npos) << top;
  EXPECT_NE(top.find("did you mean 'temperature'"), std::string::npos) << top;
  const std::string nested =
      error_of([] { parse_md_config("thermostat: {type: bussi, taux: 10}\n", "a.yaml"); });
  EXPECT_NE(nested.find("thermostat.taux"), std::string::npos) << nested;
}

TEST(MdConfig, RangesNameTheKey) {
  auto message = [](const std::string& yaml) {
    return error_of([&] { parse_md_config(yaml, "a.yaml"); });
  };
  EXPECT_NE(message("timestep: -1\n").find("timestep"), std::string::npos);
  EXPECT_NE(message("steps: -5\n").find("steps"), std::string::npos);
  EXPECT_NE(message("ensemble: nvt\ntemperature: 0\n").find("temperature"), std::string::npos);
  EXPECT_NE(message("thermostat: {tau: -3}\n").find("thermostat.tau"), std::string::npos);
  EXPECT_NE(
      message("ensemble: npt\nbarostat: {compressibility: 0}\n").find("barostat.compressibility"),
      std::string::npos);
  EXPECT_NE(message("ensemble: nvx\n").find("ensemble"), std::string::npos);
  EXPECT_NE(message("fixed: [0]\n").find("fixed"), std::string::npos);
  EXPECT_NE(message("output: {thermo_every: 0}\n").find("output.thermo_every"), std::string::npos);
  EXPECT_NE(message("field: {type: ac, e0: [0, 0, 1], frequency: 5, unit: Hz}\n").find("unit"),
            std::string::npos);
  EXPECT_NE(message("field: {type: static, e0: [0, 1]}\n").find("field.e0"), std::string::npos);
  EXPECT_NE(message("ensemble: nve\nthermostat: {tau: 10}\n").find("thermostat"),
            std::string::npos);
  EXPECT_NE(message("masses: {Xx: 1}\n").find("masses"), std::string::npos);
  EXPECT_NE(message("electrostatics: {method: fmm}\n").find("electrostatics.method"),
            std::string::npos);
  EXPECT_NE(message("electrostatics: {accuracy: 2}\n").find("electrostatics.accuracy"),
            std::string::npos);
  const MdConfig c = parse_md_config("electrostatics: {method: pme, accuracy: 1.0e-6}\n", "a.yaml");
  EXPECT_EQ(c.electrostatics.method, "pme");
  EXPECT_EQ(c.electrostatics.accuracy, 1e-6);
  EXPECT_NE(message("extrapolation: {every: -2}\n").find("extrapolation.every"), std::string::npos);
  EXPECT_NE(message("extrapolation: {distance_ratio: 1.5}\n").find("extrapolation.distance_ratio"),
            std::string::npos);
  EXPECT_NE(message("extrapolation: {novely: 1}\n").find("did you mean 'novelty'"),
            std::string::npos);
  const MdConfig x = parse_md_config(
      "extrapolation: {every: 20, novelty: 0.3, distance_ratio: 0.9, stop: true}\n", "a.yaml");
  EXPECT_EQ(x.extrapolation.every, 20);
  EXPECT_EQ(x.extrapolation.limits.novelty, 0.3);
  EXPECT_EQ(x.extrapolation.limits.distance_ratio, 0.9);
  EXPECT_TRUE(x.extrapolation.stop);
}

TEST(MdConfig, NptNeedsAPeriodicStructure) {
  const MdConfig c = parse_md_config(kGood, "md.yaml");
  Structure open;
  open.numbers = {1, 1};
  open.positions = {Vec3::Zero(), Vec3(0.74, 0, 0)};
  const std::string m = error_of([&] { validate_md_setup(c, open); });
  EXPECT_NE(m.find("ensemble"), std::string::npos) << m;
  EXPECT_NE(m.find("open"), std::string::npos) << m;
  Structure periodic = open;
  periodic.pbc = {true, true, true};
  periodic.cell = Mat3::Identity() * 5;
  EXPECT_NO_THROW(validate_md_setup(c, periodic));
  MdConfig fixed = c;
  fixed.ensemble = Ensemble::nvt;
  fixed.fixed = {5};
  EXPECT_NE(error_of([&] { validate_md_setup(fixed, periodic); }).find("fixed"), std::string::npos);
}

TEST(AtomicMass, StandardWeights) {
  EXPECT_DOUBLE_EQ(atomic_mass(1), 1.008);
  EXPECT_DOUBLE_EQ(atomic_mass(11), 22.98976928);
  EXPECT_DOUBLE_EQ(atomic_mass(17), 35.45);
  EXPECT_DOUBLE_EQ(atomic_mass(82), 207.2);
  EXPECT_DOUBLE_EQ(atomic_mass(118), 294.214);
  for (int z = 2; z <= 118; ++z) EXPECT_GT(atomic_mass(z), 1.008) << z;
  EXPECT_THROW(atomic_mass(0), Error);
  EXPECT_THROW(atomic_mass(119), Error);
}

}  // namespace
}  // namespace lnet
