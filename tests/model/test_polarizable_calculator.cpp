// The polarizable model through the inference calculator (DESIGN.md §1.7, §4.3):
// alpha_cell, epsilon_inf, induced dipoles and Z* equal to the reference batch path; the warm
// start of the induced-dipole solver (fewer iterations, same result within the solver
// tolerance, carried by state(), forgotten by reset()); a clear error for a model without
// induced dipoles; NVE MD with induced dipoles through run_md, and a restart that continues bit
// for bit. float64 throughout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error_of.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/md/run_md.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/util/atomic_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using namespace lnet::testing;

ModelConfig polarizable_config() {
  ModelConfig c = small_config(/*long_range=*/true, /*learn_charges=*/true);
  c.network_a = {3.5, 6, 5, 1, 1, 4, 2, 1, 8};  // small: MD runs of a few hundred steps
  c.network_b = {3.0, 6, 5, 1, 1, 4, 1, 1, 8};
  c.polarizable = true;
  c.es_method = "ewald";
  return c;  // induction_tolerance: the default 1e-8, what MD runs with
}

class PolarizableCalculator : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(43);
    model = Potential(polarizable_config());
    dir = fs::temp_directory_path() /
          ("lnet_pol_calc_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = (dir / "model.lnet").string();
    save_model(model, path);
  }
  void TearDown() override { fs::remove_all(dir); }
  Potential model{nullptr};
  fs::path dir;
  std::string path;
};

EvalRequest everything() {
  EvalRequest r;
  r.virial = true;
  r.bec = true;
  r.polarizability = true;
  return r;
}

double max_diff(const std::vector<Vec3>& a, const std::vector<Vec3>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, (a[i] - b[i]).cwiseAbs().maxCoeff());
  return d;
}

TEST_F(PolarizableCalculator, EqualsTheReferencePath) {
  Calculator calc(path);
  EXPECT_TRUE(calc.has_polarizability());
  EXPECT_TRUE(calc.info().polarizable);
  EXPECT_EQ(calc.info().engine, "reference");  // the fast engine refuses polarizable models
  Structure s = distorted_nacl(3);
  const Vec3 field(0.05, -0.02, 0.1);
  const Evaluation e = calc.evaluate(s, field, everything());
  s.efield = field;
  Request r;
  r.stress = true;
  r.bec = true;
  r.polarizability = true;
  const Prediction p = predict(model, s, r);
  // Same graph, same neighbour lists, cold solver start in both: equal to rounding.
  ASSERT_TRUE(e.polarizability && e.epsilon_inf && e.dipole);
  ASSERT_EQ(e.induced_dipoles.size(), s.size());
  ASSERT_EQ(e.bec.size(), s.size());
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR((*e.dipole)(a), p.polarization[0][a].item<double>(), 1e-12);
    for (int b = 0; b < 3; ++b) {
      EXPECT_NEAR((*e.polarizability)(a, b), p.polarizability[0][a][b].item<double>(), 1e-12);
      EXPECT_NEAR((*e.epsilon_inf)(a, b), p.epsilon_inf[0][a][b].item<double>(), 1e-12);
    }
  }
  double mu_ind = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      EXPECT_NEAR(e.induced_dipoles[i](a), p.induced_dipoles[i][a].item<double>(), 1e-12);
      // atomic_dipoles are permanent + induced
      EXPECT_NEAR(e.atomic_dipoles[i](a), p.dipoles[i][a].item<double>(), 1e-12);
      for (int b = 0; b < 3; ++b) EXPECT_NEAR(e.bec[i](a, b), p.bec[i][a][b].item<double>(), 1e-12);
      mu_ind = std::max(mu_ind, std::abs(e.induced_dipoles[i](a)));
    }
  ASSERT_GT(mu_ind, 1e-3);  // the induced dipoles are there to be compared
  // epsilon_inf = 1 + alpha_cell / (eps0 V), tin foil; and alpha_cell is positive definite.
  const Mat3 eps = Mat3::Identity() + *e.polarizability / (units::eps0 * s.volume());
  EXPECT_LT((eps - *e.epsilon_inf).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_GT(Eigen::SelfAdjointEigenSolver<Mat3>(*e.polarizability).eigenvalues().minCoeff(), 0);
  std::printf("epsilon_inf diagonal %.4f %.4f %.4f, %d CG iterations\n", eps(0, 0), eps(1, 1),
              eps(2, 2), e.induction_iterations);

  // Open boundaries: alpha_cell but no epsilon_inf (no volume); not asked: neither.
  CalculatorOptions direct;
  direct.es_method = "auto";  // the model's Ewald needs a cell
  Calculator open_calc(path, direct);
  const Evaluation o = open_calc.evaluate(distorted_nacl(3, false), field, everything());
  EXPECT_TRUE(o.polarizability.has_value());
  EXPECT_FALSE(o.epsilon_inf.has_value());
  const Evaluation plain = open_calc.evaluate(distorted_nacl(3, false), field, {});
  EXPECT_FALSE(plain.polarizability.has_value());
  EXPECT_EQ(plain.induced_dipoles.size(), 8u);
}

// A run of small MD-like moves: the warm-started calculator needs fewer CG iterations, and its
// results differ from cold solves only at the solver tolerance (1e-8 relative residual: dipoles
// and forces O(tol), energies O(tol²)), while the moves change the induced dipoles by far more.
TEST_F(PolarizableCalculator, WarmStartSavesIterationsNotAccuracy) {
  CalculatorOptions cold_options;
  cold_options.warm_start = false;
  Calculator warm(path), cold(path, cold_options);
  Structure s = distorted_nacl(5);
  const Vec3 field(0.02, 0.0, -0.04);
  int warm_iterations = 0, cold_iterations = 0;
  double max_energy = 0, max_force = 0, max_mu = 0, min_mu_change = 1e300;
  std::vector<Vec3> previous;
  for (int step = 0; step < 6; ++step) {
    for (std::size_t i = 0; i < s.size(); ++i)  // ~0.01 Å per step, as MD at a few fs
      s.positions[i] += 0.01 * Vec3(std::sin(3.0 * i + step), std::cos(2.0 * i), 0.5);
    const Evaluation w = warm.evaluate(s, field, {});
    const Evaluation c = cold.evaluate(s, field, {});
    if (step > 0) {  // the first call is cold in both
      warm_iterations += w.induction_iterations;
      cold_iterations += c.induction_iterations;
      min_mu_change = std::min(min_mu_change, max_diff(c.induced_dipoles, previous));
    }
    previous = c.induced_dipoles;
    max_energy = std::max(max_energy, std::abs(w.energy - c.energy));
    max_force = std::max(max_force, max_diff(w.forces, c.forces));
    max_mu = std::max(max_mu, max_diff(w.induced_dipoles, c.induced_dipoles));
  }
  std::printf(
      "warm start: %d vs %d CG iterations over 5 steps; |dE| %.2g eV, |dF| %.2g eV/Å, "
      "|d mu_ind| %.2g e·Å (step-to-step change of mu_ind >= %.2g)\n",
      warm_iterations, cold_iterations, max_energy, max_force, max_mu, min_mu_change);
  EXPECT_LT(warm_iterations, cold_iterations);
  EXPECT_GT(min_mu_change, 1e-4);  // a warm start that skipped the solve would show
  EXPECT_LT(max_mu, 1e-6);
  EXPECT_LT(max_force, 1e-6);
  EXPECT_LT(max_energy, 1e-9);

  // reset() forgets the guess: the next solve is a cold one, iteration for iteration.
  warm.reset();
  cold.reset();
  EXPECT_EQ(warm.evaluate(s, field, {}).induction_iterations,
            cold.evaluate(s, field, {}).induction_iterations);
}

// state() carries the induced dipoles: a calculator restored from it continues bit for bit.
TEST_F(PolarizableCalculator, StateCarriesTheWarmStart) {
  Calculator a(path);
  Structure s = distorted_nacl(7);
  a.evaluate(s, Vec3::Zero(), {});
  s.positions[1] += Vec3(0.01, -0.02, 0.01);
  const std::string state = a.state();
  EXPECT_NE(state.find("induced_dipoles"), std::string::npos);
  Calculator b(path), fresh(path);
  b.restore_state(state);
  const Evaluation ea = a.evaluate(s, Vec3::Zero(), {});
  const Evaluation eb = b.evaluate(s, Vec3::Zero(), {});
  const Evaluation ef = fresh.evaluate(s, Vec3::Zero(), {});
  EXPECT_EQ(ea.energy, eb.energy);
  EXPECT_EQ(max_diff(ea.forces, eb.forces), 0.0);
  EXPECT_EQ(ea.induction_iterations, eb.induction_iterations);
  EXPECT_LT(ea.induction_iterations, ef.induction_iterations);
  EXPECT_THROW(b.restore_state(R"({"method": "ewald", "alpha": 0.3, "real_cutoff": 9,
      "kmax": [5,5,5], "mesh": [0,0,0], "order": 0, "cell": [1,0,0,0,1,0,0,0,1],
      "induced_dipoles": [1, 2]})"),
               InputError);
}

// Evaluation::raman[3 i + β](α, γ) = ∂alpha_cell(α, γ)/∂r_iβ: against central differences of
// the calculator's alpha_cell (variational, so its solver error is O(tol²)).
TEST_F(PolarizableCalculator, RamanTensorsAreDerivativesOfAlphaCell) {
  Calculator calc(path);
  const Structure s = distorted_nacl(7);
  EvalRequest r;
  r.forces = false;
  r.raman = true;
  const Evaluation e = calc.evaluate(s, Vec3::Zero(), r);
  ASSERT_EQ(e.raman.size(), 3 * s.size());
  ASSERT_TRUE(e.polarizability.has_value());  // raman implies it
  EvalRequest ra;
  ra.forces = false;
  ra.polarizability = true;
  const double h = 1e-4;
  double max_err = 0, max_raman = 0;
  for (std::size_t i : {1, 6})
    for (int beta = 0; beta < 3; ++beta) {
      Structure sp = s, sm = s;
      sp.positions[i](beta) += h;
      sm.positions[i](beta) -= h;
      const Mat3 fd = (*calc.evaluate(sp, Vec3::Zero(), ra).polarizability -
                       *calc.evaluate(sm, Vec3::Zero(), ra).polarizability) /
                      (2 * h);
      max_err = std::max(max_err, (fd - e.raman[3 * i + beta]).cwiseAbs().maxCoeff());
      max_raman = std::max(max_raman, fd.cwiseAbs().maxCoeff());
    }
  ASSERT_GT(max_raman, 1e-3);
  EXPECT_LT(max_err, 1e-6 * std::max(1.0, max_raman));
}

TEST(PolarizableCalculatorErrors, ModelWithoutInducedDipoles) {
  torch::manual_seed(5);
  const std::string path =
      (fs::temp_directory_path() / ("lnet_nonpol_" + std::to_string(::getpid()) + ".lnet"))
          .string();
  Potential plain(small_config(/*long_range=*/true));
  save_model(plain, path);
  Calculator calc(path);
  fs::remove(path);
  EXPECT_FALSE(calc.has_polarizability());
  EvalRequest r;
  r.polarizability = true;
  const std::string msg = error_of([&] { calc.evaluate(distorted_nacl(1), Vec3::Zero(), r); });
  EXPECT_NE(msg.find("needs a polarizable model"), std::string::npos) << msg;
  EXPECT_FALSE(calc.evaluate(distorted_nacl(1), Vec3::Zero(), {}).polarizability.has_value());
  EvalRequest raman;
  raman.raman = true;
  const std::string msg2 = error_of([&] { calc.evaluate(distorted_nacl(1), Vec3::Zero(), raman); });
  EXPECT_NE(msg2.find("needs a polarizable"), std::string::npos) << msg2;
}

// Conserved-energy column of thermo.csv.
std::vector<double> conserved_energy(const fs::path& dir) {
  std::ifstream in(dir / "thermo.csv");
  std::string line;
  std::getline(in, line);  // step,time_fs,temperature_K,potential,kinetic,conserved,...
  std::vector<double> out;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string field;
    for (int k = 0; k < 6 && std::getline(ss, field, ','); ++k)
      if (k == 5) out.push_back(std::stod(field));
  }
  return out;
}

double rms_fluctuation(const std::vector<double>& x) {
  double mean = 0, var = 0;
  for (double y : x) mean += y / double(x.size());
  for (double y : x) var += (y - mean) * (y - mean) / double(x.size());
  return std::sqrt(var);
}

class PolarizableMdRun : public PolarizableCalculator {
 protected:
  MdConfig config(const std::string& out, double dt, long steps) const {
    std::ostringstream y;
    y << "model: model.lnet\nstructure: start.xyz\nensemble: nve\ntemperature: 600\n"
      << "timestep: " << dt << "\nsteps: " << steps << "\nseed: 3\n"
      << "field: {type: static, e0: [0.05, -0.02, 0.03]}\n"
      << "output: {dir: " << (dir / out).string() << ", thermo_every: 1, trajectory_every: 20, "
      << "checkpoint_every: 20}\n";
    return parse_md_config(y.str(), (dir / "md.yaml").string());
  }
  MdRunSummary run(const std::string& out, double dt, long steps, long stop = -1,
                   bool resume = false) {
    Calculator calc(path);
    MdRunOptions o;
    o.progress = false;
    o.resume = resume;
    o.stop_after_steps = stop;
    return run_md(config(out, dt, steps), calc, distorted_nacl(11), o);
  }
};

// Velocity Verlet with induced dipoles in a static field, warm-started at the default solver
// tolerance: the conserved energy fluctuates with velocity Verlet's O(dt²) error (ratio 4 when
// dt halves; band 3-5.5 for a finite sample; an error of the solver or a force that is not
// -dE/dr would not scale so) and does not drift.
TEST_F(PolarizableMdRun, NveConservesEnergyWithInducedDipoles) {
  run("dt4", 4.0, 40);
  run("dt2", 2.0, 80);
  const auto e4 = conserved_energy(dir / "dt4"), e2 = conserved_energy(dir / "dt2");
  ASSERT_GE(e2.size(), 80u);
  const double r4 = rms_fluctuation(e4), r2 = rms_fluctuation(e2);
  const double drift = std::abs(e2.back() - e2.front());
  std::printf(
      "NVE 8 atoms with induced dipoles: rms 4 fs %.3g eV, 2 fs %.3g eV, ratio %.2f; "
      "|E(160 fs) - E(0)| %.3g eV at 2 fs\n",
      r4, r2, r4 / r2, drift);
  EXPECT_GT(r4 / r2, 3.0);
  EXPECT_LT(r4 / r2, 5.5);
  EXPECT_LT(drift, 5 * r2);
}

// Stopped at step 30 and resumed to 60: the same files as one uninterrupted run, because the
// checkpoint carries the induced dipoles of the warm start (calculator state).
TEST_F(PolarizableMdRun, ResumedRunIsByteIdentical) {
  run("whole", 2.0, 60);
  run("split", 2.0, 60, 30);
  run("split", 2.0, 60, -1, true);
  for (const char* f : {"trajectory.xyz", "thermo.csv", "dipole.dat"})
    EXPECT_EQ(read_file((dir / "whole" / f).string()), read_file((dir / "split" / f).string()))
        << f;
}

}  // namespace
}  // namespace lnet
