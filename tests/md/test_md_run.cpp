// The driver: field response through the files it writes, byte-identical restarts, refusal to
// overwrite, and failure handling.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/io/dipole_series.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/md/checkpoint.hpp"
#include "lnet/md/md_setup.hpp"
#include "lnet/md/run_md.hpp"
#include "lnet/util/atomic_file.hpp"
#include "md/md_test_util.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using testing::ChargedCrystal;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("lnet_md_test_" + name);
  fs::remove_all(dir);
  return dir.string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

MdConfig base_config(const std::string& dir) {
  MdConfig c;
  c.timestep_fs = 4.0;
  c.steps = 60;
  c.seed = 42;
  c.ensemble = Ensemble::nvt;
  c.temperature_K = 300;
  c.thermostat.tau_fs = 50;
  c.masses = {{"Na", 20.0}, {"Cl", 20.0}};
  c.output.dir = dir;
  c.output.thermo_every = 5;
  c.output.trajectory_every = 7;
  c.output.checkpoint_every = 10;
  c.output.trajectory_extra = {"charges", "bec"};
  c.field.type = FieldProtocol::static_field;
  c.field.e0 = Vec3(0, 0.02, 0.05);
  return c;
}

MdRunOptions quiet() {
  MdRunOptions o;
  o.progress = false;
  return o;
}

TEST(MdRun, StaticFieldLinearResponseOfChargedEinsteinCrystal) {
  // Charges ±1 e on springs k = 1 eV/Å² to their sites: in a field E each atom shifts by
  // q E / k, so ⟨M⟩ − M_sites = Σ q² E / k = 8 · 0.1 e·Å along z, independent of temperature.
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 1.0);
  MdConfig c = base_config(fresh_dir("response"));
  c.steps = 25000;
  c.temperature_K = 100;
  c.thermostat.type = ThermostatType::langevin;
  c.thermostat.tau_fs = 50;
  c.field.e0 = Vec3(0, 0, 0.1);
  c.output.trajectory_every = 0;
  c.output.thermo_every = 1000;
  c.output.checkpoint_every = 0;
  c.output.trajectory_extra.clear();
  run_md(c, ff, start, quiet());
  const DipoleSeries series = read_dipole_series(c.output.dir + "/dipole.dat");
  ASSERT_EQ(series.size(), 25001u);
  Vec3 m_sites = Vec3::Zero();
  for (std::size_t i = 0; i < start.size(); ++i) m_sites += ff.charges[i] * start.positions[i];
  Vec3 mean = Vec3::Zero();
  for (std::size_t n = 1000; n < series.size(); ++n) mean += series.dipole[n];
  mean /= static_cast<double>(series.size() - 1000);
  const Vec3 response = mean - m_sites;
  // σ(M_z) = √(Σ q² k_B T / k) ≈ 0.26 e·Å per sample at 100 K; ~24000 samples with a correlation
  // time of ~100 fs (25 steps) leave ≈ 0.01 e·Å, a quarter of the 5 % (0.04 e·Å) tolerance.
  EXPECT_NEAR(response[2], 0.8, 0.04) << response.transpose();
  EXPECT_NEAR(response[0], 0.0, 0.04);
  EXPECT_NEAR(response[1], 0.0, 0.04);
  EXPECT_EQ(series.efield[10], Vec3(0, 0, 0.1));
  EXPECT_EQ(series.ensemble, "nvt");
  EXPECT_EQ(series.target_temperature_K, 100);
}

TEST(MdRun, FieldForceIsBornChargeTransposeTimesField) {
  ChargedCrystal ff;
  Structure s = testing::cubic_crystal(2, 3.0, ff, 0.7);
  s.positions[3] += Vec3(0.1, -0.05, 0.02);
  const Vec3 e(0.03, -0.02, 0.05);
  EvalRequest r;
  r.bec = true;
  const Evaluation with = ff.evaluate(s, e, r);
  const Evaluation without = ff.evaluate(s, Vec3::Zero(), r);
  Vec3 total = Vec3::Zero();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const Vec3 expected = with.bec[i].transpose() * e;  // F_i = Z*_iᵀ E
    EXPECT_LT((with.forces[i] - without.forces[i] - expected).norm(), 1e-14);
    total += with.forces[i] - without.forces[i];
  }
  EXPECT_LT(total.norm(), 1e-14);  // Σ Z* = 0 for a neutral crystal
}

void expect_same_file(const std::string& a, const std::string& b) {
  const std::string x = slurp(a), y = slurp(b);
  EXPECT_FALSE(x.empty()) << a;
  EXPECT_TRUE(x == y) << a << " and " << b << " differ (" << x.size() << " vs " << y.size()
                      << " bytes)";
}

void expect_restart_is_byte_identical(MdConfig c, ForceField& ff, const Structure& start,
                                      const std::string& name) {
  c.output.dir = fresh_dir(name + "_whole");
  run_md(c, ff, start, quiet());
  const std::string whole = c.output.dir;
  c.output.dir = fresh_dir(name + "_split");
  MdRunOptions first = quiet();
  first.stop_after_steps = 25;  // not a multiple of any output interval
  run_md(c, ff, start, first);
  MdRunOptions second = quiet();
  second.resume = true;
  run_md(c, ff, start, second);
  for (const char* file : {"trajectory.xyz", "thermo.csv", "thermo.jsonl", "dipole.dat"})
    expect_same_file(whole + "/" + file, c.output.dir + "/" + file);
}

TEST(MdRun, RestartIsByteIdenticalBussi) {
  ChargedCrystal ff;
  Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  ff.k4 = 0.3;
  expect_restart_is_byte_identical(base_config(""), ff, start, "bussi");
}

TEST(MdRun, RestartIsByteIdenticalLangevin) {
  ChargedCrystal ff;
  Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  MdConfig c = base_config("");
  c.thermostat.type = ThermostatType::langevin;
  expect_restart_is_byte_identical(c, ff, start, "langevin");
}

TEST(MdRun, RestartIsByteIdenticalNpt) {
  ChargedCrystal ff;
  Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  ff.bonds.push_back({0, 1, 0.5, 2.8});
  MdConfig c = base_config("");
  c.ensemble = Ensemble::npt;
  c.barostat.tau_fs = 200;
  c.barostat.pressure_gpa = 1.0;
  c.barostat.coupling = Coupling::anisotropic;
  expect_restart_is_byte_identical(c, ff, start, "npt");
}

TEST(MdRun, TrajectoryHasWrappedPositionsAndImages) {
  ChargedCrystal ff;
  Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  // Atom 0's site is 0.012 Å inside the x = 0 face and it starts 0.1 Å outside: it oscillates
  // across the face (amplitude ≈ 0.1 Å, period ≈ 285 fs, 800 fs run).
  ff.site_fractions[0][0] = 0.002;
  start.positions[0] = start.cell.transpose() * ff.site_fractions[0] - Vec3(0.1, 0, 0);
  MdConfig c = base_config(fresh_dir("wrap"));
  c.steps = 200;
  c.output.trajectory_every = 1;
  run_md(c, ff, start, quiet());
  const auto frames = read_extxyz(c.output.dir + "/trajectory.xyz");
  const DipoleSeries series = read_dipole_series(c.output.dir + "/dipole.dat");
  ASSERT_EQ(frames.size(), 201u);
  int crossed = 0;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const Structure& s = frames[f];
    const Structure::Column* image = nullptr;
    for (const auto& [name, column] : s.extra_arrays)
      if (name == "image") image = &column;
    ASSERT_NE(image, nullptr);
    Vec3 m = Vec3::Zero();
    for (std::size_t i = 0; i < s.size(); ++i) {
      const Vec3 frac = s.cell.inverse().transpose() * s.positions[i];
      EXPECT_GE(frac.minCoeff(), 0.0);
      EXPECT_LT(frac.maxCoeff(), 1.0);
      const Vec3 n(std::stod(image->values[3 * i]), std::stod(image->values[3 * i + 1]),
                   std::stod(image->values[3 * i + 2]));
      if (i == 0) crossed |= (n[0] == -1 ? 1 : 0) | (n[0] == 0 ? 2 : 0);
      m += ff.charges[i] * (s.positions[i] + s.cell.transpose() * n);  // unwrapped again
    }
    // The Born dipole from wrapped positions + image counts is the unwrapped one MD used.
    EXPECT_LT((m - series.dipole[f]).norm(), 1e-12);
    EXPECT_LT((m - *s.dipole).norm(), 1e-12);
  }
  EXPECT_EQ(crossed, 3);  // atom 0 was seen in image −1 and in image 0
}

TEST(MdRun, RefusesToOverwriteAnExistingRun) {
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  MdConfig c = base_config(fresh_dir("overwrite"));
  c.steps = 3;
  run_md(c, ff, start, quiet());
  EXPECT_THROW(run_md(c, ff, start, quiet()), InputError);
  c.output.overwrite = true;
  EXPECT_NO_THROW(run_md(c, ff, start, quiet()));
}

// A start structure read from the final.xyz of an earlier run in the same folder is never
// written over, even with output.overwrite; the message names the input.
TEST(MdRun, NeverWritesOverItsStartStructure) {
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  MdConfig c = base_config(fresh_dir("own_input"));
  c.steps = 3;
  run_md(c, ff, start, quiet());
  const std::string final_xyz = c.output.dir + "/final.xyz";
  const std::string before = read_file(final_xyz);
  c.structure = final_xyz;
  c.output.overwrite = true;
  try {
    run_md(c, ff, start, quiet());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input file " + final_xyz), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(final_xyz), before);
}

// output.overwrite replaces an earlier run's outputs, never an input: a config that carries an
// output's name inside output.dir (thermo.csv with dir: .) is refused and left as it was.
TEST(MdRun, NeverWritesOverItsConfigEvenWithOverwrite) {
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  const std::string dir = fresh_dir("own_config");
  fs::create_directories(dir);
  const std::string config = dir + "/thermo.csv";
  const std::string text =
      "structure: start.xyz\ntimestep: 4\nsteps: 3\n"
      "output: {dir: ., overwrite: true, checkpoint_every: 0}\n";
  std::ofstream(config) << text;
  const MdConfig c = load_md_config(config);
  try {
    run_md(c, ff, start, quiet());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input file " + config), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(config), text);
}

// Every field of checkpoint.json is checked on load, naming the file and the entry.
TEST(MdCheckpoint, CorruptedFieldsFailOnLoadNamingTheEntry) {
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  MdConfig c = base_config(fresh_dir("checkpoint_fields"));
  c.steps = 3;
  run_md(c, ff, start, quiet());
  const std::string path = c.output.dir + "/checkpoint.json";
  const nlohmann::json good = nlohmann::json::parse(read_file(path));
  EXPECT_NO_THROW(md::parse_checkpoint(good.dump(), path));
  auto error_with = [&](const std::function<void(nlohmann::json&)>& corrupt) {
    nlohmann::json j = good;
    corrupt(j);
    try {
      md::parse_checkpoint(j.dump(), path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> cases = {
      {"'step'", [](nlohmann::json& j) { j["step"] = -5; }},
      {"'step'", [](nlohmann::json& j) { j["step"] = 2.5; }},
      {"'natoms'", [](nlohmann::json& j) { j["natoms"] = 0; }},
      {"'positions'", [](nlohmann::json& j) { j["positions"].erase(0); }},
      {"'positions, atom 2'", [](nlohmann::json& j) { j["positions"][1][0] = nullptr; }},
      {"'velocities, atom 1'", [](nlohmann::json& j) { j["velocities"][0][2] = "fast"; }},
      {"'cell'",  // an infinity is dumped as null
       [](nlohmann::json& j) { j["cell"][0][0] = std::numeric_limits<double>::infinity(); }},
      {"'energy'", [](nlohmann::json& j) { j["energy"] = "nan"; }},
      {"'timestep_fs'", [](nlohmann::json& j) { j["timestep_fs"] = -1; }},
      {"'ensemble'", [](nlohmann::json& j) { j["ensemble"] = "nvx"; }},
      {"'thermostat_heat'", [](nlohmann::json& j) { j["thermostat_heat"] = nullptr; }},
      {"'rng'", [](nlohmann::json& j) { j["rng"] = "not a state"; }},
  };
  for (const auto& [entry, corrupt] : cases) {
    const std::string what = error_with(corrupt);
    EXPECT_NE(what.find(path + ": checkpoint entry " + entry), std::string::npos) << what;
  }
}

// A checkpoint with a negative step resumed today writes a dipole.dat that runs backwards; it
// must fail at load, naming checkpoint.json, before any output is touched.
TEST(MdCheckpoint, NegativeStepIsRefusedOnResume) {
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  MdConfig c = base_config(fresh_dir("checkpoint_negative"));
  MdRunOptions first = quiet();
  first.stop_after_steps = 20;
  run_md(c, ff, start, first);
  const std::string path = c.output.dir + "/checkpoint.json";
  nlohmann::json j = nlohmann::json::parse(read_file(path));
  j["step"] = -20;
  write_file_atomic(path, j.dump(1));
  const std::string dipoles = read_file(c.output.dir + "/dipole.dat");
  MdRunOptions second = quiet();
  second.resume = true;
  try {
    run_md(c, ff, start, second);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": checkpoint entry 'step'"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(read_file(c.output.dir + "/dipole.dat"), dipoles);
}

// Atoms too close in the start structure: the error names the config, the structure file and
// the frame, not only the atoms.
TEST(MdSetup, StartStructureTooCloseNamesTheFileAndFrame) {
  ChargedCrystal ff;
  Structure s = testing::cubic_crystal(2, 3.0, ff, 0.5);
  s.positions[1] = s.positions[0] + Vec3(0.3, 0, 0);
  const std::string dir = fresh_dir("start_close");
  fs::create_directories(dir);
  write_extxyz(dir + "/start.xyz", {s});
  MdConfig c;
  c.source = dir + "/md.yaml";
  c.structure = dir + "/start.xyz";
  try {
    load_md_structure(c);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(c.source + ": structure '" + c.structure +
                        "' (frame -1): atoms 1 (Na) "
                        "and 2 (Cl) are 0.3 Å apart"),
              std::string::npos)
        << what;
  }
  s.positions[1][0] = std::nan("");
  try {
    validate_md_setup(c, s);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(c.structure + "' (frame -1): the position of atom 2 (Cl) is not finite"),
              std::string::npos)
        << what;
  }
}

TEST(MdRun, NonFiniteEnergyStopsWithTheStepAndLastGoodFrame) {
  testing::FailingForceField ff;
  ff.nan_after = 4;  // evaluations 1..4 (steps 0..3) are fine, step 4 is not
  ChargedCrystal layout;
  const Structure start = testing::cubic_crystal(2, 3.0, layout, 0.5);
  MdConfig c = base_config(fresh_dir("fail"));
  c.field.type = FieldProtocol::none;
  try {
    run_md(c, ff, start, quiet());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("step 4"), std::string::npos) << e.what();
  }
  const auto last = read_extxyz(c.output.dir + "/last_good.xyz");
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].info.at("step"), "3");
}

TEST(MdRun, AtomsTooCloseStopTheRun) {
  ChargedCrystal ff;
  Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  ff.site_fractions[1] = ff.site_fractions[0] + Vec3(0.02, 0, 0);  // sites 0.12 Å apart
  MdConfig c = base_config(fresh_dir("close"));
  c.field.type = FieldProtocol::none;
  c.steps = 400;
  try {
    run_md(c, ff, start, quiet());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("min_distance"), std::string::npos) << e.what();
  }
}

// Extrapolation: a domain fitted to the crystal at rest; a hot run leaves it. With
// stop: false the run finishes and counts the states outside; with stop: true it ends with the
// step, the novelty and last_good.xyz.
TEST(MdRun, LeavingTheTrainingDomainWarnsOrStops) {
  ChargedCrystal ff;
  const Structure start = testing::cubic_crystal(2, 3.0, ff, 0.5);
  const ApplicabilityDomain domain = ApplicabilityDomain::fit({&start}, {11, 17}, 4.0);
  MdConfig c = base_config(fresh_dir("domain"));
  c.field.type = FieldProtocol::none;
  c.temperature_K = 3000;
  c.extrapolation.every = 5;
  MdRunOptions o = quiet();
  o.domain = &domain;
  const MdRunSummary s = run_md(c, ff, start, o);
  EXPECT_EQ(s.domain_checks, 12);  // steps 5, 10, ..., 60
  EXPECT_GT(s.domain_outside, 0);
  c.output.dir = fresh_dir("domain_stop");
  c.extrapolation.stop = true;
  try {
    run_md(c, ff, start, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("left the model's training domain: novelty"), std::string::npos) << msg;
    EXPECT_NE(msg.find("extrapolation.stop"), std::string::npos) << msg;
  }
  EXPECT_TRUE(fs::exists(c.output.dir + "/last_good.xyz"));
  // The same hot run with wide limits stays inside.
  c.output.dir = fresh_dir("domain_wide");
  c.extrapolation.limits = {1e9, 0.0};
  EXPECT_EQ(run_md(c, ff, start, o).domain_outside, 0);
}

}  // namespace
}  // namespace lnet

namespace lnet {
namespace {

TEST(MdSetup, VelocitiesFromFileConvertAseUnits) {
  // ASE: momenta in amu·Å/t_ASE, velocities in Å/t_ASE with t_ASE = Å·√(amu/eV) ≈ 10.1805 fs.
  Structure s;
  s.numbers = {1, 8};
  s.positions = {Vec3::Zero(), Vec3(1, 0, 0)};
  Structure::Column p;
  p.type = 'R';
  p.ncols = 3;
  p.values = {"1.008", "0", "0", "-1.008", "0", "0"};  // v_H = 1 Å/t_ASE
  s.extra_arrays.emplace_back("momenta", p);
  MdConfig c;
  c.velocities = VelocitySource::file;
  c.ensemble = Ensemble::nve;
  c.remove_com = false;
  md::IntegratorSettings settings;
  settings.remove_com = false;
  md::Integrator integrator(settings, md::atom_masses(s, {}), {});
  md::Rng rng(1);
  const auto v = md::initial_velocities(c, s, integrator, rng);
  EXPECT_NEAR(v[0][0], 1 / 10.180505710759165, 1e-12);
  EXPECT_NEAR(v[1][0], -1.008 / 15.999 / 10.180505710759165, 1e-12);
  // lnet's own trajectories say velocities_unit=A/fs and are taken as they are.
  s.extra_arrays[0].first = "velocities";
  s.info["velocities_unit"] = "A/fs";
  EXPECT_DOUBLE_EQ(md::initial_velocities(c, s, integrator, rng)[0][0], 1.008);
}

}  // namespace
}  // namespace lnet
