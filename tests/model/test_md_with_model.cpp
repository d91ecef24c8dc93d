// MD with a real (random-weight) long-range model through the inference calculator: energy
// conservation under a static field on a 64-atom periodic cell, O(dt²) energy error, and a
// restart that continues bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lnet/md/run_md.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/util/atomic_file.hpp"
#include "model/model_fixtures.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;
using namespace lnet::testing;

// 2x2x2 rock-salt supercell (64 atoms, a = 5.64 Å) with small random displacements.
Structure nacl64(int seed) {
  std::srand(seed);
  auto rnd = [] { return 2.0 * std::rand() / RAND_MAX - 1.0; };
  const double a = 5.64;
  Structure s;
  s.cell = Mat3::Identity() * 2 * a;
  s.pbc = {true, true, true};
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 2; ++y)
      for (int z = 0; z < 2; ++z)
        for (int i = 0; i < 8; ++i) {
          s.positions.push_back(a * (rocksalt_fractions()[i] + Vec3(x, y, z)) +
                                0.05 * Vec3(rnd(), rnd(), rnd()));
          s.numbers.push_back(rocksalt_number(i));
        }
  return s;
}

// Conserved energy column of thermo.csv.
std::vector<double> conserved_energy(const std::string& dir) {
  std::ifstream in(dir + "/thermo.csv");
  std::string line;
  std::getline(in, line);  // header: step,time_fs,temperature_K,potential,kinetic,conserved,...
  std::vector<double> out;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string field;
    for (int k = 0; k < 6 && std::getline(ss, field, ','); ++k)
      if (k == 5) out.push_back(std::stod(field));
  }
  return out;
}

class MdWithModel : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(41);
    ModelConfig c = small_config(/*long_range=*/true, /*learn_charges=*/true);
    c.network_a = {3.5, 6, 5, 1, 1, 4, 2, 1, 8};  // small: 2000 steps in seconds
    c.network_b = {3.0, 6, 5, 1, 1, 4, 1, 1, 8};
    c.es_accuracy = 1e-6;
    c.es_method = "ewald";
    Potential model(c);
    dir = fs::temp_directory_path() / ("lnet_md_model_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    model_path = (dir / "model.lnet").string();
    save_model(model, model_path);
  }
  void TearDown() override { fs::remove_all(dir); }

  MdConfig config(const std::string& out, double dt, long steps) const {
    std::ostringstream y;
    y << "model: model.lnet\nstructure: start.xyz\nensemble: nve\ntemperature: 300\n"
      << "timestep: " << dt << "\nsteps: " << steps << "\nseed: 3\n"
      << "field: {type: static, e0: [0.05, -0.02, 0.03]}\n"
      << "output: {dir: " << out << ", thermo_every: " << std::max(1L, long(1 / dt))
      << ", trajectory_every: 100, checkpoint_every: 500}\n";
    return parse_md_config(y.str(), (dir / "md.yaml").string());
  }

  fs::path dir;
  std::string model_path;
};

// Velocity Verlet from 300 K under a static field, 2000 steps of 0.5 fs: the conserved energy
// must not drift (linear trend over the run below 1e-5 eV/atom, the bound). At 0.5 fs
// the integration error of these heavy ions (~1e-7 eV/atom) is below the noise of the Ewald
// truncation (pairs crossing the real-space cutoff, ~5e-7 eV/atom), so the dt² scaling of
// velocity Verlet's energy error is checked at 4 and 2 fs over the same 500 fs, where it is
// 10x above that floor: the fluctuation ratio must be 4 (band 3-5 for the finite sample of
// fluctuations and the floor; a first-order error would give 2).
TEST_F(MdWithModel, NveConservesEnergyUnderFieldAndErrorScalesAsDtSquared) {
  const Structure start = nacl64(1);
  const double natoms = double(start.size());
  auto run = [&](const std::string& out, double dt, long steps) {
    Calculator calc(model_path);
    MdRunOptions o;
    o.progress = false;
    run_md(config(out, dt, steps), calc, start, o);
    return conserved_energy((dir / out).string());
  };
  const auto e = run("dt05", 0.5, 2000);
  ASSERT_GT(e.size(), 100u);
  // Least-squares slope of E(t) per sample, times the number of samples: the drift.
  const double n = double(e.size());
  double st = 0, se = 0, stt = 0, ste = 0;
  for (std::size_t k = 0; k < e.size(); ++k)
    st += k, se += e[k], stt += double(k) * k, ste += k * e[k];
  const double drift = std::abs((n * ste - st * se) / (n * stt - st * st) * n) / natoms;
  auto rms = [](const std::vector<double>& x) {
    double mean = 0, var = 0;
    for (double y : x) mean += y / double(x.size());
    for (double y : x) var += (y - mean) * (y - mean) / double(x.size());
    return std::sqrt(var);
  };
  const double rms2 = rms(run("dt4", 4.0, 125)), rms1 = rms(run("dt2", 2.0, 250));
  std::printf(
      "NVE 64 atoms, field on: drift %.3g eV/atom over 1 ps at 0.5 fs; rms 4 fs %.3g eV, "
      "2 fs %.3g eV, ratio %.2f\n",
      drift, rms2, rms1, rms2 / rms1);
  EXPECT_LT(drift, 1e-5);
  EXPECT_GT(rms2 / rms1, 3.0);
  EXPECT_LT(rms2 / rms1, 5.0);
}

// Stopped after 300 steps and resumed to 600: the same files as one uninterrupted run (the
// calculator's electrostatics parameters travel in the checkpoint).
TEST_F(MdWithModel, ResumedRunIsByteIdentical) {
  const Structure start = nacl64(2);
  auto run = [&](const std::string& out, long stop, bool resume) {
    Calculator calc(model_path);
    MdRunOptions o;
    o.progress = false;
    o.resume = resume;
    o.stop_after_steps = stop;
    run_md(config(out, 0.5, 600), calc, start, o);
  };
  run("whole", -1, false);
  run("split", 300, false);
  run("split", -1, true);
  for (const char* f : {"trajectory.xyz", "thermo.csv", "dipole.dat"})
    EXPECT_EQ(read_file((dir / "whole" / f).string()), read_file((dir / "split" / f).string()))
        << f;
}

}  // namespace
}  // namespace lnet
