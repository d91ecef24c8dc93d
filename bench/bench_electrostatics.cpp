// End-to-end timing of energy + forces (autograd) vs N for Ewald and smooth PME at the same
// requested accuracy, and of the torch-free engine (infer::Coulomb: real space + PME with
// analytic derivatives, the PME parameters of the reference), with LAMMPS pppm (charges only, same
// system, same thread count) measured in the same run as the external baseline (CONVENTIONS.md,
// Benchmarks). "fast s" is per MD step, its neighbour list and k-space tables reused ("list s":
// building that list), where the autograd columns rebuild everything each call.
//   bench_electrostatics [threads] [max_atoms] [max_ewald_atoms] [max_error_atoms]
// For N <= max_error_atoms (default 2000) a second table sets the torch-free PME's and LAMMPS
// pppm's alpha and mesh side by side with their measured RMS force errors against a converged
// Ewald sum (the torch-free Ewald at 1e-9 with the exact kernel), relative to the force between
// two unit charges 1 Å apart (LAMMPS's definition of its accuracy).
// System: random positions at 0.1 atoms/Å^3 (water-like), random charges summing to zero.
// Times are process CPU seconds (all threads), for lnet from clock() and for LAMMPS its loop
// time times its reported %CPU and rank count: the build machine is shared, and wall time
// under load measures the neighbours' compilers rather than this code.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lnet/core/constants.hpp"
#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/infer/coulomb.hpp"

namespace {

using lnet::es::Electrostatics;
using lnet::es::Method;
using lnet::es::Settings;
using lnet::es::Sites;
namespace fs = std::filesystem;

Sites water_like(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  const double box = std::cbrt(n / 0.1);
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  Sites s;
  s.cell = torch::eye(3, f64) * box;
  s.positions = torch::rand({n, 3}, f64) * box;
  torch::Tensor q = torch::rand({n}, f64) - 0.5;
  s.charges = q - q.mean();
  return s;
}

double cpu_seconds() { return double(std::clock()) / CLOCKS_PER_SEC; }

// Energy + forces, tuning included; best of `reps`.
double time_lnet(const Sites& sites, Method m, int reps, std::string* params) {
  Settings st;
  st.method = m;
  st.accuracy = 1e-5;
  Electrostatics es(st);
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const double t0 = cpu_seconds();
    Sites s = sites;
    s.positions = sites.positions.detach().requires_grad_(true);
    auto p = es.resolve(s);
    torch::Tensor e = es.energy(s, p);
    torch::Tensor f = -torch::autograd::grad({e}, {s.positions})[0];
    best = std::min(best, cpu_seconds() - t0);
    *params = p.describe();
  }
  return best;
}

// What LAMMPS pppm chose and reported: its log's G vector, grid and estimated accuracy.
struct LammpsRun {
  double seconds = NAN, g_ewald = NAN, estimated = NAN;
  std::string grid;
  std::vector<lnet::Vec3> forces;  // eV/Å by atom id, when asked
};

// LAMMPS pppm at 1e-5 with coul/long at the cutoff our PME uses; time per force evaluation
// from the loop time of 5 steps without neighbour rebuilds (atoms do not move).
LammpsRun run_lammps(const Sites& s, double cutoff, int threads, bool forces) {
  std::string tmpl = (fs::temp_directory_path() / "lnet_bench_XXXXXX").string();
  const fs::path dir = mkdtemp(tmpl.data());
  const int64_t n = s.positions.size(0);
  const double box = s.cell[0][0].item<double>();
  {
    std::ofstream d(dir / "data.lmp");
    d.precision(17);
    d << "bench\n\n" << n << " atoms\n1 atom types\n\n";
    for (const char* ax : {"x", "y", "z"}) d << "0 " << box << " " << ax << "lo " << ax << "hi\n";
    d << "\nMasses\n\n1 1.0\n\nAtoms # charge\n\n";
    auto pos = s.positions.accessor<double, 2>();
    auto q = s.charges.accessor<double, 1>();
    for (int64_t i = 0; i < n; ++i)
      d << i + 1 << " 1 " << q[i] << " " << pos[i][0] << " " << pos[i][1] << " " << pos[i][2]
        << "\n";
    std::ofstream in(dir / "in.lmp");
    in << "units metal\natom_style charge\nboundary p p p\nread_data data.lmp\n"
          "pair_style coul/long "
       << cutoff
       << "\npair_coeff * *\nkspace_style pppm 1e-5\n"
          "neighbor 0.5 bin\nneigh_modify every 1000 delay 0 check no\nthermo_style custom step "
          "pe\n";
    if (forces)
      in << "dump f all custom 1000 forces.dump id fx fy fz\n"
            "dump_modify f sort id format float %.17g\n";
    in << "run 5\n";
  }
  std::string cmd = "cd '" + dir.string() + "' && ";
  if (threads > 1)
    cmd += "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np " +
           std::to_string(threads) + " ";
  cmd += "lmp -in in.lmp -log log.lammps -screen none > /dev/null 2>&1";
  LammpsRun out;
  double loop = NAN, cpu_percent = 100;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream log(dir / "log.lammps");
    std::string line;
    auto after = [&](const std::string& key) {
      return std::stod(line.substr(line.find(key) + key.size()));
    };
    while (std::getline(log, line)) {
      if (line.rfind("Loop time of", 0) == 0) loop = std::stod(line.substr(13)) / 5;
      if (line.find("% CPU use") != std::string::npos) cpu_percent = std::stod(line);
      if (line.find("grid =") != std::string::npos) out.grid = line.substr(line.find('=') + 2);
      if (line.find("G vector (1/distance) =") != std::string::npos) out.g_ewald = after("= ");
      if (line.find("estimated relative force accuracy =") != std::string::npos)
        out.estimated = after("= ");
    }
    std::ifstream dump(dir / "forces.dump");
    while (forces && std::getline(dump, line) && out.forces.size() < std::size_t(n)) {
      if (line.rfind("ITEM: ATOMS", 0) != 0) continue;
      for (int64_t i = 0; i < n && std::getline(dump, line); ++i) {
        std::istringstream row(line);
        long id = 0;
        lnet::Vec3 f;
        row >> id >> f[0] >> f[1] >> f[2];
        out.forces.push_back(f);
      }
    }
  }
  fs::remove_all(dir);
  out.seconds = loop * cpu_percent / 100 * threads;
  return out;
}

// The sites as the torch-free solvers take them.
struct Plain {
  std::vector<lnet::Vec3> positions;
  std::vector<double> charges;
  lnet::Mat3 cell;
  lnet::infer::CoulombSites view() const {
    lnet::infer::CoulombSites v;
    v.positions = positions.data();
    v.charges = charges.data();
    v.size = positions.size();
    return v;
  }
};

Plain plain(const Sites& sites) {
  const int64_t n = sites.positions.size(0);
  torch::Tensor pos = sites.positions.contiguous(), q = sites.charges.contiguous();
  Plain p;
  p.positions.resize(n);
  for (int64_t i = 0; i < n; ++i)
    for (int a = 0; a < 3; ++a) p.positions[i](a) = pos.data_ptr<double>()[3 * i + a];
  p.charges.assign(q.data_ptr<double>(), q.data_ptr<double>() + n);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) p.cell(a, b) = sites.cell[a][b].item<double>();
  return p;
}

std::vector<lnet::Vec3> forces_of(const Plain& s, const lnet::infer::CoulombParameters& p) {
  lnet::infer::Coulomb solver(p);
  return solver.evaluate(s.view(), s.cell).forces;
}

// RMS force error per atom relative to the force of two unit charges 1 Å apart.
double relative_rms(const std::vector<lnet::Vec3>& f, const std::vector<lnet::Vec3>& ref) {
  if (f.size() != ref.size() || f.empty()) return NAN;
  double sum = 0;
  for (std::size_t i = 0; i < f.size(); ++i) sum += (f[i] - ref[i]).squaredNorm();
  return std::sqrt(sum / double(f.size())) / lnet::units::coulomb;
}

// The torch-free engine with the resolved PME parameters `p`: energy, forces, virial, site
// potentials and fields per MD step, i.e. with the neighbour list and the k-space tables (FFTW
// plans, influence function) of a warm-up call reused, as the calculator reuses its Verlet list
// and LAMMPS's loop time its own; best of `reps`. `*list_seconds`: building that list.
double time_fast(const Plain& s, const lnet::es::Parameters& p, int reps, double* list_seconds) {
  const double t0 = cpu_seconds();
  const lnet::NeighborList list =
      lnet::build_neighbor_list(s.positions, s.cell, {true, true, true}, p.real_cutoff);
  *list_seconds = cpu_seconds() - t0;
  lnet::infer::Coulomb solver(p);
  solver.evaluate(s.view(), s.cell, &list);  // warm-up: k-space tables
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const double t1 = cpu_seconds();
    const auto out = solver.evaluate(s.view(), s.cell, &list);
    best = std::min(best, cpu_seconds() - t1);
    if (!std::isfinite(out.energy)) std::abort();
  }
  return best;
}

double slope(const std::vector<double>& n, const std::vector<double>& t) {
  double mx = 0, my = 0, sxx = 0, sxy = 0;
  const double k = n.size();
  for (std::size_t i = 0; i < n.size(); ++i) mx += std::log(n[i]) / k, my += std::log(t[i]) / k;
  for (std::size_t i = 0; i < n.size(); ++i) {
    sxx += std::pow(std::log(n[i]) - mx, 2);
    sxy += (std::log(n[i]) - mx) * (std::log(t[i]) - my);
  }
  return sxy / sxx;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int64_t max_atoms = argc > 2 ? std::atoll(argv[2]) : 100000;
  const int64_t max_ewald = argc > 3 ? std::atoll(argv[3]) : 16000;
  const int64_t max_error = argc > 4 ? std::atoll(argv[4]) : 2000;
  torch::set_num_threads(threads);
  const bool have_lmp = std::system("command -v lmp > /dev/null 2>&1") == 0;
  std::printf(
      "machine: %s, %u hardware threads; threads used: %d (torch intra-op and OpenMP; LAMMPS MPI "
      "ranks)\n",
      cpu_model().c_str(), std::thread::hardware_concurrency(), threads);
  std::printf(
      "dtype: float64; accuracy 1e-5 relative; energy + forces by autograd, tuning and neighbour "
      "list "
      "included; CPU seconds per evaluation\n");
  std::printf("%8s %10s %10s %9s %10s %10s %9s %9s %9s %8s  %s\n", "N", "PME s", "Ewald s",
              "PME/Ew", "fast s", "LAMMPS s", "PME/LMP", "Ew/LMP", "fast/LMP", "list s",
              "parameters (PME | Ewald | LAMMPS grid)");
  std::vector<double> ns_p, tp, ns_e, te;
  std::vector<std::string> accuracy_rows;
  // 250 and 500 locate the PME/Ewald crossover (Method::Auto); slopes use N >= 1000.
  for (int64_t n : {250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 100000}) {
    if (n > max_atoms) break;
    Sites s = water_like(n, 1234 + n);
    const Plain flat = plain(s);
    const int reps = n <= 4000 ? 5 : 1;
    std::string pp, pe;
    const double t_pme = time_lnet(s, Method::PME, reps, &pp);
    Settings pme;
    pme.method = Method::PME;
    const lnet::es::Parameters pme_params = Electrostatics(pme).resolve(s);
    const double cutoff = pme_params.real_cutoff;
    double t_list = 0;
    const double t_fast = time_fast(flat, pme_params, reps, &t_list);
    if (n >= 1000) ns_p.push_back(n), tp.push_back(t_pme);
    double t_ew = NAN;
    if (n <= max_ewald) {
      t_ew = time_lnet(s, Method::Ewald, reps, &pe);
      if (n >= 1000) ns_e.push_back(n), te.push_back(t_ew);
    }
    const bool errors = n >= 1000 && n <= max_error;
    const LammpsRun lmp = have_lmp ? run_lammps(s, cutoff, threads, errors) : LammpsRun{};
    const double t_lmp = lmp.seconds;
    std::printf("%8lld %10.4f %10.4f %9.3f %10.4f %10.4f %9.2f %9.2f %9.2f %8.4f  %s | %s | %s\n",
                (long long)n, t_pme, t_ew, t_pme / t_ew, t_fast, t_lmp, t_pme / t_lmp, t_ew / t_lmp,
                t_fast / t_lmp, t_list, pp.c_str(), pe.c_str(), lmp.grid.c_str());
    std::fflush(stdout);
    if (!errors) continue;
    Settings tight;
    tight.method = Method::Ewald;
    tight.accuracy = 1e-9;
    lnet::infer::CoulombParameters ref_params = Electrostatics(tight).resolve(s);
    ref_params.exact_real_space = true;
    const std::vector<lnet::Vec3> ref = forces_of(flat, ref_params);
    const double ours = relative_rms(forces_of(flat, pme_params), ref);
    char row[512];
    std::snprintf(row, sizeof row, "%8lld %8.4f %12s %10.2e | %8.4f %12s %10.2e %10.2e",
                  (long long)n, pme_params.alpha,
                  (std::to_string(pme_params.mesh[0]) + "x" + std::to_string(pme_params.mesh[1]) +
                   "x" + std::to_string(pme_params.mesh[2]))
                      .c_str(),
                  ours, lmp.g_ewald, lmp.grid.c_str(), lmp.estimated,
                  relative_rms(lmp.forces, ref));
    accuracy_rows.push_back(row);
  }
  if (ns_p.size() > 1) std::printf("log-log slope PME: %.3f (goal <= 1.15)\n", slope(ns_p, tp));
  if (ns_e.size() > 1) std::printf("log-log slope Ewald: %.3f (expected ~1.5)\n", slope(ns_e, te));
  if (!accuracy_rows.empty()) {
    std::printf(
        "\nRMS force error against Ewald at 1e-9, relative to two unit charges 1 A apart "
        "(requested 1e-5):\n%8s %8s %12s %10s | %8s %12s %10s %10s\n",
        "N", "alpha", "PME mesh", "PME error", "pppm g", "pppm grid", "pppm est.", "pppm error");
    for (const std::string& r : accuracy_rows) std::printf("%s\n", r.c_str());
  }
  return 0;
}
