// The `lnet phonon` driver end to end on the analytic rigid-ion model, supercells, paths and
// config errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lnet/core/constants.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/phonon/run_phonon.hpp"
#include "lnet/phonon/symmetry.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/plot.hpp"
#include "phonon/pair_crystal.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::string& yaml) {
  try {
    parse_phonon_config(yaml, "cfg.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PhononConfig, ErrorsNameTheKey) {
  const std::string base = "structure: s.xyz\n";
  EXPECT_NE(error_of(base).find("supercell"), std::string::npos);
  EXPECT_NE(error_of(base + "supercell: {matrix: [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n").find("singular"),
            std::string::npos);
  EXPECT_NE(error_of(base + "supercell: {matrix: [2, 2.5, 2]}\n").find("not an integer"),
            std::string::npos);
  EXPECT_NE(error_of(base + "supercell: {matrix: [2, 2, 2], min_length: 9}\n").find("exactly one"),
            std::string::npos);
  const std::string sc = base + "supercell: {matrix: [2, 2, 2]}\n";
  // Without ε∞ the config is fine: a polarizable model gives its own (checked at run time).
  EXPECT_EQ(error_of(sc + "nac: {method: gonze}\npath: none\ndos: none\n"), "");
  EXPECT_NE(error_of(sc + "nac: {method: lee, epsilon_inf: 2}\n").find("nac.method"),
            std::string::npos);
  EXPECT_NE(error_of(sc + "nac: {method: wang, epsilon_inf: [1, 2]}\n").find("nac.epsilon_inf"),
            std::string::npos);
  EXPECT_NE(error_of(sc + "displacement: 0.5\n").find("displacement"), std::string::npos);
  EXPECT_NE(error_of(sc + "dos: {mesh: [4, 0, 4]}\n").find("dos.mesh"), std::string::npos);
  EXPECT_NE(error_of(sc + "path: {labels: \"G\"}\n").find("path.labels"), std::string::npos);
  EXPECT_NE(error_of(sc + "supercel: 1\n").find("supercel"), std::string::npos);
  EXPECT_NE(error_of(sc + "gamma_direction: [0, 0, 0]\n").find("gamma_direction"),
            std::string::npos);
  EXPECT_EQ(error_of(sc + "nac: {method: gonze, epsilon_inf: 2.3}\npath: none\ndos: none\n"), "");
  EXPECT_NE(error_of(sc + "min_distance: -1\n").find("min_distance"), std::string::npos);
  EXPECT_NE(error_of(sc + "electrostatics: {method: pmee}\n").find("electrostatics.method"),
            std::string::npos);
  EXPECT_NE(error_of(sc + "electrostatics: {accuracy: 2}\n").find("electrostatics.accuracy"),
            std::string::npos);
  // The same section as md.yaml's, read by the same reader: PME for a large supercell.
  const PhononConfig c =
      parse_phonon_config(sc + "electrostatics: {method: pme, accuracy: 1e-6}\n", "cfg.yaml");
  EXPECT_EQ(c.electrostatics.method, "pme");
  EXPECT_EQ(c.electrostatics.accuracy, 1e-6);
}

TEST(Supercell, MatrixConventionsAndErrors) {
  const Structure prim = testing::rock_salt(5.64);
  Mat3i m;
  m << -1, 1, 1, 1, -1, 1, 1, 1, -1;
  const Supercell sc = make_supercell(prim, m);
  ASSERT_EQ(sc.size(), 8u);
  // Rows of P times the fcc primitive rows give the conventional cube a·I.
  EXPECT_NEAR((sc.structure.cell - 5.64 * Mat3::Identity()).norm(), 0, 1e-12);
  // Atom p·N is primitive atom p; every atom is its primitive atom plus its lattice vector.
  EXPECT_EQ(sc.from_primitive, (std::vector<int>{0, 4}));
  for (std::size_t k = 0; k < sc.size(); ++k) {
    const auto& n = sc.lattice[k];
    const Vec3 r =
        prim.positions[sc.to_primitive[k]] + prim.cell.transpose() * Vec3(n[0], n[1], n[2]);
    EXPECT_NEAR((r - sc.structure.positions[k]).norm(), 0, 1e-12) << k;
  }
  Mat3i singular;
  singular << 1, 0, 0, 0, 1, 0, 1, 1, 0;
  EXPECT_THROW(make_supercell(prim, singular), InputError);
  // Minimum length 10 Å: the conventional 2×2×2 cube (32 cells, widths 11.28 Å) beats the
  // diagonal 4×4×4 of the primitive cell (64 cells).
  const Mat3i best = supercell_matrix_for_min_length(prim, 10.0);
  EXPECT_EQ(best.determinant(), 32);
  EXPECT_GE(perpendicular_widths(best.cast<double>() * prim.cell).minCoeff(), 10.0);
}

TEST(Symmetry, RockSaltAndIndependentAtoms) {
  const CrystalSymmetry s = find_symmetry(testing::rock_salt(5.64));
  EXPECT_EQ(s.operations.size(), 48u);  // Fm-3m, one lattice point per primitive cell
  EXPECT_EQ(s.independent, (std::vector<int>{0, 1}));
}

TEST(PhononRun, RigidIonEndToEnd) {
  const fs::path dir =
      fs::temp_directory_path() / ("lnet_phonon_run_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const double a = 5.64;
  write_extxyz((dir / "nacl.xyz").string(), {testing::rock_salt(a)});
  {
    std::ofstream y(dir / "phonon.yaml");
    y << "structure: nacl.xyz\nsupercell: {matrix: [2, 2, 2]}\ndisplacement: 0.005\n"
         "nac: {method: gonze, epsilon_inf: 2.3, born: model}\n"
         "path: {labels: \"G X W K G L\", npoints: 11}\ndos: {mesh: [6, 6, 6], sigma: 0.2}\n"
         "output: {dir: out, plot: false}\n";
  }
  testing::PairCrystal ff;
  ff.cutoff = 0.6 * a;
  ff.set_spring(11, 17, {1.5, a / 2, 0.0, 0.0});
  ff.charges = {{11, 1.1}, {17, -1.1}};
  const PhononConfig c = load_phonon_config((dir / "phonon.yaml").string());
  const Structure prim = load_phonon_structure(c);
  PhononRunOptions o;
  o.progress = false;
  std::ostringstream report;
  o.report = &report;
  const PhononResult r = run_phonon(c, ff, prim, o);
  EXPECT_LT(r.max_residual_force, 1e-10);
  ASSERT_TRUE(r.hessian_deviation.has_value());
  // Springs harmonic in r are still anharmonic in Cartesian displacements (a transverse u
  // stretches a bond by u²/2r): relative FD error ~ (h/r0)² = (0.005/2.82)² ≈ 3e-6.
  EXPECT_LT(*r.hessian_deviation, 1e-5);
  EXPECT_GT(*r.hessian_deviation, 1e-7);
  EXPECT_NE(report.str().find("LO"), std::string::npos);
  // Γ on the path: arriving from X along [100] the top branch is LO (NAC along the path).
  ASSERT_FALSE(r.band.empty());
  const double lo = r.gamma.modes.back().thz;
  EXPECT_EQ(r.gamma.modes.back().label, "LO");
  EXPECT_NEAR(r.band.front()[5], lo, 1e-9);
  ASSERT_TRUE(r.dos.has_value());
  double integral = 0;
  for (std::size_t i = 1; i < r.dos->states.size(); ++i)
    integral += 0.5 * (r.dos->states[i] + r.dos->states[i - 1]) *
                (r.dos->frequency_thz[i] - r.dos->frequency_thz[i - 1]);
  EXPECT_NEAR(integral, 6.0, 1e-3);  // 3N states; the grid covers ±4σ beyond the range
  for (const char* f :
       {"gamma.txt", "gamma.csv", "band.csv", "dos.csv", "phonon.yaml", "phonopy/FORCE_CONSTANTS",
        "phonopy/BORN", "phonopy/POSCAR-unitcell", "phonopy/phonopy.conf"})
    EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
  // A second run refuses to overwrite without force.
  EXPECT_THROW(run_phonon(c, ff, prim, o), InputError);
  o.force = true;
  EXPECT_NO_THROW(run_phonon(c, ff, prim, o));
  fs::remove_all(dir);
}

// --force replaces an earlier run's outputs, never an input: a config called phonon.yaml
// inside output.dir (the summary's name) is refused and left as it was, before any work.
TEST(PhononRun, NeverWritesOverItsConfigEvenWithForce) {
  const fs::path dir =
      fs::temp_directory_path() / ("lnet_phonon_own_config_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const double a = 5.64;
  write_extxyz((dir / "nacl.xyz").string(), {testing::rock_salt(a)});
  const std::string config = (dir / "phonon.yaml").string();
  const std::string text =
      "structure: nacl.xyz\nsupercell: {matrix: [1, 1, 1]}\npath: none\ndos: none\n"
      "output: {dir: ., plot: false, phonopy: false}\n";
  std::ofstream(config) << text;
  testing::PairCrystal ff;
  ff.cutoff = 0.6 * a;
  ff.set_spring(11, 17, {1.5, a / 2, 0.0, 0.0});
  const PhononConfig c = load_phonon_config(config);
  PhononRunOptions o;
  o.progress = false;
  o.force = true;
  try {
    run_phonon(c, ff, load_phonon_structure(c), o);
    ADD_FAILURE() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input file " + config), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(config), text);
  EXPECT_FALSE(fs::exists(dir / "gamma.txt"));
  fs::remove_all(dir);
}

// The band plot has the path's corners as x tick labels (Γ, X, ...) with a vertical line at
// each, and one colour for every branch.
TEST(PhononRun, BandPlotHasCornerTicks) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  const fs::path dir =
      fs::temp_directory_path() / ("lnet_phonon_band_plot_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const double a = 5.64;
  write_extxyz((dir / "nacl.xyz").string(), {testing::rock_salt(a)});
  std::ofstream(dir / "phonon.yaml")
      << "structure: nacl.xyz\nsupercell: {matrix: [2, 2, 2]}\n"
         "nac: {method: gonze, epsilon_inf: 2.3, born: model}\n"
         "path: {labels: \"G X W K G L | U X\", npoints: 21}\ndos: none\n"
         "output: {dir: out, phonopy: false}\n";
  testing::PairCrystal ff;
  ff.cutoff = 0.6 * a;
  ff.set_spring(11, 17, {1.5, a / 2, 0.0, 0.0});
  ff.charges = {{11, 1.1}, {17, -1.1}};
  const PhononConfig c = load_phonon_config((dir / "phonon.yaml").string());
  PhononRunOptions o;
  o.progress = false;
  const PhononResult r = run_phonon(c, ff, load_phonon_structure(c), o);
  ASSERT_TRUE(fs::exists(dir / "out" / "band.png"));
  const auto ticks = band_ticks(r.path);
  ASSERT_EQ(ticks.size(), 7u);  // G X W K G L|U X: the break shares one position
  EXPECT_EQ(ticks.front().second, "Γ");
  EXPECT_EQ(ticks[5].second, "L|U");
  if (const char* keep = std::getenv("LNET_KEEP_PLOT"))
    fs::copy_file(dir / "out" / "band.png", keep, fs::copy_options::overwrite_existing);
  fs::remove_all(dir);
}

// nac.epsilon_inf not given and Z* from the model: a polarizable force field's own ε∞ is used
// (the same LO-TO splitting as a run given that ε∞ explicitly, and recorded as from the model);
// a force field without one is an error naming the key, before any displacement is computed.
TEST(PhononRun, EpsilonInfFromAPolarizableModel) {
  const fs::path dir =
      fs::temp_directory_path() / ("lnet_phonon_eps_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const double a = 5.64;
  const Structure prim = testing::rock_salt(a);
  write_extxyz((dir / "nacl.xyz").string(), {prim});
  auto config = [&](const std::string& out, const std::string& epsilon) {
    std::ofstream((dir / "phonon.yaml").string())
        << "structure: nacl.xyz\nsupercell: {matrix: [2, 2, 2]}\ndisplacement: 0.005\n"
        << "hessian_check: false\nnac: {method: gonze" << epsilon << "}\npath: none\ndos: none\n"
        << "output: {dir: " << out << ", plot: false, phonopy: false}\n";
    return load_phonon_config((dir / "phonon.yaml").string());
  };
  testing::PairCrystal ff;
  ff.cutoff = 0.6 * a;
  ff.set_spring(11, 17, {1.5, a / 2, 0.0, 0.0});
  ff.charges = {{11, 1.1}, {17, -1.1}};
  PhononRunOptions o;
  o.progress = false;
  const PhononConfig from_model = config("model", "");
  EXPECT_THROW(
      {
        try {
          run_phonon(from_model, ff, prim, o);
        } catch (const InputError& e) {
          EXPECT_NE(std::string(e.what()).find("nac.epsilon_inf"), std::string::npos) << e.what();
          throw;
        }
      },
      InputError);
  EXPECT_EQ(ff.evaluations, 0);
  // alpha_cell of the 2-atom cell (V = a³/4 = 44.9 Å³): ε∞ = 1 + 0.3/(ε0 V) ≈ 2.21 on x,
  // anisotropic, so that the crystal's symmetrisation has something to average.
  Mat3 alpha = Mat3::Zero();
  alpha.diagonal() << 0.3, 0.25, 0.35;
  ff.polarizability = alpha;
  // Γ Raman tensors T_β on Na and -T_β on Cl: over the three optical modes the activities sum
  // to k_e² / μ Σ_β activity(T_β) in any mode basis (test_rigid_ion.cpp), LO/TO split or not.
  double raman_expected = 0;
  const double mu = atomic_mass(11) * atomic_mass(17) / (atomic_mass(11) + atomic_mass(17));
  ff.raman.assign(6, Mat3::Zero());
  for (int beta = 0; beta < 3; ++beta) {
    Mat3 t = Mat3::Zero();
    t(beta, beta) = 0.2;
    t(0, 1) = t(1, 0) = 0.05 * (beta + 1);
    ff.raman[beta] = t;
    ff.raman[3 + beta] = -t;
    raman_expected += raman_activity(units::coulomb * t) / mu;
  }
  const PhononResult r = run_phonon(from_model, ff, prim, o);
  double raman_optical = 0;
  for (const GammaMode& m : r.gamma.modes) {
    ASSERT_TRUE(m.raman_activity.has_value());
    if (m.label != "acoustic") raman_optical += *m.raman_activity;
  }
  EXPECT_NEAR(raman_optical / raman_expected, 1.0, 1e-10);
  EXPECT_NE(read_file((dir / "model" / "gamma.csv").string()).find("raman_activity_a4_per_amu"),
            std::string::npos);
  EXPECT_NE(read_file((dir / "model" / "phonon.yaml").string()).find("raman_tensor: "),
            std::string::npos);
  const Mat3 expected = Mat3::Identity() + alpha / (units::eps0 * prim.volume());
  EXPECT_TRUE(r.epsilon_from_model);
  // The cubic crystal's symmetrisation makes ε∞ isotropic: the mean of the model's diagonal.
  EXPECT_LT((r.nac.epsilon - Mat3::Identity() * expected.trace() / 3).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_GT(r.born_symmetry_correction, 0.1);  // the anisotropic model value did arrive
  std::ostringstream eps;
  eps.precision(17);
  eps << ", epsilon_inf: [" << expected(0, 0) << ", " << expected(1, 1) << ", " << expected(2, 2)
      << "]";
  const PhononResult given = run_phonon(config("given", eps.str()), ff, prim, o);
  EXPECT_FALSE(given.epsilon_from_model);
  ASSERT_EQ(r.gamma.modes.size(), given.gamma.modes.size());
  for (std::size_t k = 0; k < r.gamma.modes.size(); ++k)
    EXPECT_NEAR(r.gamma.modes[k].thz, given.gamma.modes[k].thz, 1e-9) << k;
  // LO above TO: the splitting is there, and it depends on ε∞ (a larger ε∞ screens it).
  EXPECT_EQ(r.gamma.modes.back().label, "LO");
  const double split = r.gamma.modes.back().thz - r.gamma.modes[3].thz;
  ff.polarizability = Mat3(4 * alpha);
  const PhononResult screened = run_phonon(config("screened", ""), ff, prim, o);
  EXPECT_LT(screened.gamma.modes.back().thz - screened.gamma.modes[3].thz, 0.9 * split);
  EXPECT_NE(
      read_file((dir / "model" / "phonon.yaml").string()).find("epsilon_inf_source: \"model\""),
      std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lnet

namespace lnet {
namespace {

TEST(BandPath, StandardPointsFromTheActualCell) {
  const Structure fcc = testing::rock_salt(5.64);
  ASSERT_EQ(detect_lattice(fcc.cell), LatticeKind::fcc);
  const auto p = special_points(LatticeKind::fcc, fcc.cell, "path");
  // For primitive rows a/2 (0,1,1), (1,0,1), (1,1,0): X = (½, 0, ½), L = (½, ½, ½), K = (3/8,
  // 3/8, 3/4) as in Setyawan & Curtarolo (2010).
  EXPECT_NEAR((p.at("X") - Vec3(0.5, 0, 0.5)).norm(), 0, 1e-12);
  EXPECT_NEAR((p.at("L") - Vec3(0.5, 0.5, 0.5)).norm(), 0, 1e-12);
  EXPECT_NEAR((p.at("K") - Vec3(0.375, 0.375, 0.75)).norm(), 0, 1e-12);
  // Hexagonal γ = 120°: K at the zone corner, |ΓK| = 2/(3a) (no 2π).
  Mat3 hex;
  hex << 3.0, 0, 0, -1.5, 1.5 * std::sqrt(3.0), 0, 0, 0, 5.0;
  ASSERT_EQ(detect_lattice(hex), LatticeKind::hexagonal);
  const auto h = special_points(LatticeKind::hexagonal, hex, "path");
  EXPECT_NEAR((hex.inverse() * h.at("K")).norm(), 2.0 / (3 * 3.0), 1e-12);
  // A cell of another kind: the error says to give the points.
  Mat3 tri;
  tri << 3, 0, 0, 0.5, 3.2, 0, 0.3, 0.2, 4;
  EXPECT_EQ(detect_lattice(tri), LatticeKind::unknown);
  try {
    special_points(LatticeKind::fcc, tri, "cfg: path");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("path.points"), std::string::npos);
  }
  // Sampling: corners at the tick positions, a break joins labels at one position.
  const BandPath bp = sample_path({{Vec3::Zero(), p.at("X")}, {p.at("K"), Vec3::Zero()}},
                                  {{"G", "X"}, {"K", "G"}}, fcc.cell, 5);
  ASSERT_EQ(bp.qpoints.size(), 10u);
  ASSERT_EQ(bp.ticks.size(), 3u);
  EXPECT_EQ(bp.ticks[1].second, "X|K");
  EXPECT_NEAR(bp.ticks[1].first, 1 / 5.64, 1e-12);  // |ΓX| = 1/a without 2π
}

}  // namespace
}  // namespace lnet
