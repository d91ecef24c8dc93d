// Relaxation: FIRE and L-BFGS reach the same minimum; the cell reaches a target
// pressure / stress; non-convergence is an error with the last state written; config errors
// name the key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/relax/relax.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

// Morse pairs, energy shifted to zero at the cutoff: V = D[(1 − e^{−a(r−r0)})² − 1] − V(rc).
class Morse : public ForceField {
 public:
  double d = 0.5, a = 1.6, r0 = 2.6, cutoff = 6.0;
  Evaluation evaluate(const Structure& s, const Vec3&, const EvalRequest& request) override {
    Evaluation out;
    out.forces.assign(s.size(), Vec3::Zero());
    Mat3 w = Mat3::Zero();
    const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff);
    auto v = [&](double r) {
      const double e = std::exp(-a * (r - r0));
      return d * ((1 - e) * (1 - e) - 1);
    };
    for (std::size_t p = 0; p < nl.size(); ++p) {
      const int i = nl.first[p], j = nl.second[p];
      const auto& sh = nl.shifts[p];
      const Vec3 r =
          s.positions[j] - s.positions[i] + s.cell.transpose() * Vec3(sh[0], sh[1], sh[2]);
      const double len = r.norm(), e = std::exp(-a * (len - r0));
      out.energy += 0.5 * (v(len) - v(cutoff));
      const double dv = 2 * d * a * (1 - e) * e;
      const Vec3 fj = -0.5 * dv * r / len;  // half: each pair is listed twice
      out.forces[j] += fj;
      out.forces[i] -= fj;
      w += fj * r.transpose();
    }
    if (request.virial) out.virial = w;
    return out;
  }
};

Structure cluster() {
  // A distorted octahedron of 6 atoms (open boundaries).
  Structure s;
  const double h = 1.9;
  s.positions = {{h, 0.1, 0},   {-h, 0, 0.2}, {0.1, h + 0.3, 0},
                 {0, -h, -0.1}, {0.2, 0, h},  {0, 0.15, -h - 0.2}};
  s.numbers.assign(6, 18);
  return s;
}

Structure fcc(double a) {
  Structure s;
  s.cell << 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0;
  s.pbc = {true, true, true};
  s.numbers = {29};
  s.positions = {Vec3::Zero()};
  return s;
}

std::vector<double> sorted_distances(const Structure& s) {
  std::vector<double> d;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = i + 1; j < s.size(); ++j)
      d.push_back((s.positions[i] - s.positions[j]).norm());
  std::sort(d.begin(), d.end());
  return d;
}

RelaxConfig settings(OptimizerKind kind) {
  RelaxConfig c;
  c.optimizer.kind = kind;
  c.optimizer.fmax = 1e-5;
  c.optimizer.smax = 1e-4;
  c.optimizer.max_steps = 2000;
  return c;
}

TEST(Relax, FireAndLbfgsReachTheSameMinimum) {
  Morse ff;
  const RelaxResult fire = relax(ff, cluster(), settings(OptimizerKind::fire));
  const RelaxResult lbfgs = relax(ff, cluster(), settings(OptimizerKind::lbfgs));
  ASSERT_TRUE(fire.converged);
  ASSERT_TRUE(lbfgs.converged);
  // fmax 1e-5 eV/Å with curvatures ~1 eV/Å²: positions within ~1e-5 Å, energies within ~1e-10.
  EXPECT_NEAR(*fire.structure.energy, *lbfgs.structure.energy, 1e-8);
  EXPECT_LT(*fire.structure.energy, fire.history.front().measures.energy - 0.01);  // it moved
  const auto df = sorted_distances(fire.structure), dl = sorted_distances(lbfgs.structure);
  for (std::size_t i = 0; i < df.size(); ++i) EXPECT_NEAR(df[i], dl[i], 1e-4) << i;
  // The octahedron's edges become equal (the symmetric minimum).
  EXPECT_NEAR(df.front(), df[11], 1e-4);
  EXPECT_LT(lbfgs.evaluations, fire.evaluations);  // L-BFGS is the faster of the two here
}

class CellRelax : public ::testing::TestWithParam<OptimizerKind> {};

TEST_P(CellRelax, ReachesTargetPressure) {
  Morse ff;
  RelaxConfig c = settings(GetParam());
  c.relax_cell = true;
  c.cell_mode = CellMode::full;
  c.target_stress_gpa = -1.0 * Mat3::Identity();  // 1 GPa
  const RelaxResult r = relax(ff, fcc(3.8), c);
  ASSERT_TRUE(r.converged) << r.history.back().measures.smax;
  const Mat3 stress = *r.structure.stress * units::ev_per_a3_to_gpa;
  EXPECT_NEAR((stress + Mat3::Identity()).cwiseAbs().maxCoeff(), 0.0, 1e-4);  // = smax target
  // The same at 0 GPa has a larger volume (the crystal is compressed by the pressure).
  c.target_stress_gpa.setZero();
  const RelaxResult r0 = relax(ff, fcc(3.8), c);
  ASSERT_TRUE(r0.converged);
  EXPECT_GT(r0.structure.volume(), r.structure.volume() * 1.001);
  // Isotropic mode keeps the shape (fcc stays fcc: the cell is a multiple of the start).
  c.cell_mode = CellMode::isotropic;
  c.target_stress_gpa = -1.0 * Mat3::Identity();
  const RelaxResult ri = relax(ff, fcc(3.8), c);
  ASSERT_TRUE(ri.converged);
  const double s = ri.structure.cell(0, 1) / 1.9;
  EXPECT_NEAR((ri.structure.cell - s * fcc(3.8).cell).norm(), 0, 1e-10);
  EXPECT_NEAR(ri.structure.volume(), r.structure.volume(), 1e-3);
}

TEST_P(CellRelax, AnisotropicStressAndFixedVolume) {
  Morse ff;
  RelaxConfig c = settings(GetParam());
  c.relax_cell = true;
  c.cell_mode = CellMode::full;
  c.target_stress_gpa = Vec3(-1.0, -0.5, -0.5).asDiagonal();
  Structure start = fcc(3.7);
  const RelaxResult r = relax(ff, start, c);
  ASSERT_TRUE(r.converged);
  const Mat3 stress = *r.structure.stress * units::ev_per_a3_to_gpa;
  EXPECT_LT((stress - c.target_stress_gpa).cwiseAbs().maxCoeff(), 1e-4);
  // Fixed volume: the volume stays, the deviatoric stress goes.
  c.cell_mode = CellMode::fixed_volume;
  c.target_stress_gpa.setZero();
  start.cell.row(0) *= 1.05;
  const RelaxResult rv = relax(ff, start, c);
  ASSERT_TRUE(rv.converged);
  EXPECT_NEAR(rv.structure.volume(), start.volume(), 1e-9 * start.volume());
  const Mat3 sv = *rv.structure.stress * units::ev_per_a3_to_gpa;
  EXPECT_LT((sv - sv.trace() / 3 * Mat3::Identity()).cwiseAbs().maxCoeff(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, CellRelax,
                         ::testing::Values(OptimizerKind::fire, OptimizerKind::lbfgs),
                         [](const auto& info) { return to_string(info.param); });

TEST(Relax, NotConvergedIsAnErrorWithTheLastStateWritten) {
  const fs::path dir = fs::temp_directory_path() / ("lnet_relax_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_extxyz((dir / "start.xyz").string(), {cluster()});
  {
    std::ofstream y(dir / "relax.yaml");
    y << "structure: start.xyz\noptimizer: lbfgs\nfmax: 1e-4\nmax_steps: 3\noutput: {dir: out}\n";
  }
  const RelaxConfig c = load_relax_config((dir / "relax.yaml").string());
  Morse ff;
  try {
    run_relax(c, ff, load_relax_structure(c));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("max_steps = 3"), std::string::npos) << what;
    EXPECT_NE(what.find("last fmax"), std::string::npos) << what;
    EXPECT_NE(what.find("last.xyz"), std::string::npos) << what;
  }
  EXPECT_TRUE(fs::exists(dir / "out" / "last.xyz"));
  EXPECT_TRUE(fs::exists(dir / "out" / "relax.log"));
  // Converging run (FIRE) writes relaxed.xyz; existing outputs need force.
  std::ofstream(dir / "relax.yaml") << "structure: start.xyz\nfmax: 1e-3\noutput: {dir: out}\n";
  const RelaxConfig c2 = load_relax_config((dir / "relax.yaml").string());
  EXPECT_THROW(run_relax(c2, ff, load_relax_structure(c2)), InputError);
  RelaxRunOptions o;
  o.force = true;
  const RelaxResult r = run_relax(c2, ff, load_relax_structure(c2), o);
  EXPECT_TRUE(r.converged);
  const auto back = read_extxyz((dir / "out" / "relaxed.xyz").string());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_NEAR(*back[0].energy, *r.structure.energy, 1e-8);
  fs::remove_all(dir);
}

std::string error_of(const std::string& yaml) {
  try {
    parse_relax_config(yaml, "r.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(RelaxConfig, ErrorsNameTheKey) {
  const std::string s = "structure: x.xyz\n";
  EXPECT_NE(error_of("fmax: 0.1\n").find("structure"), std::string::npos);
  EXPECT_NE(error_of(s + "optimizer: bfgs\n").find("optimizer"), std::string::npos);
  EXPECT_NE(error_of(s + "fmax: -1\n").find("fmax"), std::string::npos);
  EXPECT_NE(error_of(s + "max_steps: -2\n").find("max_steps"), std::string::npos);
  EXPECT_NE(error_of(s + "cell: {relax: true, mode: shape}\n").find("cell.mode"),
            std::string::npos);
  EXPECT_NE(error_of(s + "cell: {relax: true, stress: [1, 2]}\n").find("cell.stress"),
            std::string::npos);
  EXPECT_NE(error_of(s + "cell: {pressure: 1}\n").find("cell.pressure"), std::string::npos);
  EXPECT_NE(error_of(s + "cell: {relax: true, pressure: 1, stress: 1}\n").find("not both"),
            std::string::npos);
  EXPECT_NE(error_of(s + "fire2: true\noptimizer: lbfgs\n").find("fire2"), std::string::npos);
  EXPECT_NE(error_of(s + "fmaxx: 1\n").find("fmaxx"), std::string::npos);
  EXPECT_EQ(error_of(s + "cell: {relax: true, pressure: 1, mode: isotropic}\n"), "");
  EXPECT_NE(error_of(s + "min_distance: -1\n").find("min_distance"), std::string::npos);
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("lnet_relax_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Structure dimer(double distance) {
  Structure s;
  s.numbers = {18, 18};
  s.positions = {Vec3::Zero(), Vec3(distance, 0, 0)};
  return s;
}

// A model whose minimum sits at 0.3 Å (no repulsion where it was never trained) pulls a dimer
// together; fmax is reached there, so without the distance check the collapsed pair would be
// reported as converged.
TEST(Relax, ACollapsedStructureIsAnErrorNotConverged) {
  Morse ff;
  ff.r0 = 0.3;
  RelaxConfig c = settings(OptimizerKind::fire);
  c.optimizer.fmax = 1e-3;
  try {
    relax(ff, dimer(2.0), c);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("atoms 1 (Ar) and 2 (Ar) are"), std::string::npos) << what;
    EXPECT_NE(what.find("closer than min_distance 0.5"), std::string::npos) << what;
    EXPECT_NE(what.find("collapsed"), std::string::npos) << what;
  }
  c.min_distance = 0;  // switched off: the artefact is reached (the old behaviour)
  const RelaxResult r = relax(ff, dimer(2.0), c);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR((r.structure.positions[1] - r.structure.positions[0]).norm(), 0.3, 0.01);
}

// Atoms too close in the start structure: the error names the config, the file and the frame.
TEST(Relax, StartStructureTooCloseNamesTheFileAndFrame) {
  const fs::path dir = fresh_dir("close");
  write_extxyz((dir / "start.xyz").string(), {dimer(0.2)});
  std::ofstream(dir / "relax.yaml") << "structure: start.xyz\nframe: 0\n";
  const RelaxConfig c = load_relax_config((dir / "relax.yaml").string());
  try {
    load_relax_structure(c);
    ADD_FAILURE() << "expected an error";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("relax.yaml: structure '" + (dir / "start.xyz").string() + "' (frame 0)"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("atoms 1 (Ar) and 2 (Ar) are 0.2 Å apart"), std::string::npos) << what;
  }
  fs::remove_all(dir);
}

// The config is an input: a config that carries an output's name inside output.dir is never
// replaced, even with force.
TEST(Relax, NeverWritesOverItsConfigEvenWithForce) {
  const fs::path dir = fresh_dir("own_config");
  write_extxyz((dir / "start.xyz").string(), {cluster()});
  const std::string config = (dir / "relax.log").string();
  const std::string text = "structure: start.xyz\nfmax: 1e-3\noutput: {dir: .}\n";
  std::ofstream(config) << text;
  const RelaxConfig c = load_relax_config(config);
  Morse ff;
  RelaxRunOptions o;
  o.force = true;
  try {
    run_relax(c, ff, load_relax_structure(c), o);
    ADD_FAILURE() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input file " + config), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(config), text);
  fs::remove_all(dir);
}

// A caller's check of the final structure (the CLI: the model's training domain) turns a
// converged run into an error with last.xyz and no relaxed.xyz.
TEST(Relax, FinalCheckRefusesTheResult) {
  const fs::path dir = fresh_dir("final_check");
  RelaxConfig c = settings(OptimizerKind::lbfgs);
  c.output_dir = (dir / "out").string();
  Morse ff;
  RelaxRunOptions o;
  o.final_check = [](const Structure& s) {
    return s.size() == 6 ? std::string("outside the training domain") : std::string();
  };
  try {
    run_relax(c, ff, cluster(), o);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a result: outside the training domain"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::exists(dir / "out" / "last.xyz"));
  EXPECT_FALSE(fs::exists(dir / "out" / "relaxed.xyz"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lnet
