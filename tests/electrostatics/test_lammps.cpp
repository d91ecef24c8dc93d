// Against LAMMPS (`lmp` on PATH, else skipped): point charges plus point dipoles in an
// orthorhombic box, units metal, atom_style hybrid sphere dipole, pair lj/long/dipole/long with
// zero LJ, kspace ewald/disp. Energy and forces must agree to 1e-5 relative (sigma = 0).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "es_test_util.hpp"

namespace lnet::es {
namespace {

namespace fs = std::filesystem;
using test::f64;

bool have_lmp() { return std::system("command -v lmp > /dev/null 2>&1") == 0; }

struct LammpsResult {
  double energy = 0;
  std::vector<std::array<double, 3>> forces;
};

void write_inputs(const fs::path& dir, const Sites& s, const std::array<double, 3>& box) {
  std::ofstream data(dir / "data.lmp");
  data.precision(17);
  const int64_t n = s.positions.size(0);
  data << "lnet electrostatics test\n\n" << n << " atoms\n1 atom types\n\n";
  data << "0 " << box[0] << " xlo xhi\n0 " << box[1] << " ylo yhi\n0 " << box[2] << " zlo zhi\n\n";
  data << "Atoms # hybrid\n\n";
  for (int64_t i = 0; i < n; ++i) {
    // id type x y z diameter density (sphere) q mux muy muz (dipole)
    data << i + 1 << " 1";
    for (int d = 0; d < 3; ++d) data << " " << s.positions[i][d].item<double>();
    data << " 1.0 1.0 " << s.charges[i].item<double>();
    for (int d = 0; d < 3; ++d) data << " " << s.dipoles[i][d].item<double>();
    data << "\n";
  }
  std::ofstream in(dir / "in.lmp");
  in << "units metal\natom_style hybrid sphere dipole\nboundary p p p\nread_data data.lmp\n"
        "pair_style lj/long/dipole/long long long 6.0\npair_coeff * * 0.0 1.0\n"
        "kspace_style ewald/disp 1e-9\nthermo_style custom step pe\nthermo_modify format float "
        "%.15g\n"
        "dump d all custom 1 forces.dump id fx fy fz\ndump_modify d format float %.15g sort "
        "id\nrun 0\n";
}

LammpsResult run_lammps(const Sites& s, const std::array<double, 3>& box) {
  std::string tmpl = (fs::temp_directory_path() / "lnet_lmp_XXXXXX").string();
  const fs::path dir = mkdtemp(tmpl.data());
  write_inputs(dir, s, box);
  const std::string cmd =
      "cd '" + dir.string() + "' && lmp -in in.lmp -log log.lammps -screen none > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("lmp failed in " + dir.string());
  LammpsResult r;
  std::ifstream log(dir / "log.lammps");
  std::string line;
  while (std::getline(log, line))
    if (line.find("Step") != std::string::npos && line.find("PotEng") != std::string::npos) {
      std::getline(log, line);
      std::istringstream(line) >> r.energy >> r.energy;  // step, then pe
    }
  std::ifstream dump(dir / "forces.dump");
  for (int k = 0; k < 9 && std::getline(dump, line);) ++k;
  int id;
  std::array<double, 3> f;
  while (dump >> id >> f[0] >> f[1] >> f[2]) r.forces.push_back(f);
  fs::remove_all(dir);
  return r;
}

TEST(Lammps, EwaldDispChargesAndPointDipoles) {
  if (!have_lmp()) GTEST_SKIP() << "lmp not on PATH";
  torch::manual_seed(61);
  const std::array<double, 3> box = {9.0, 10.0, 11.0};
  const int n = 20;
  Sites s;
  s.cell = torch::diag(torch::tensor({box[0], box[1], box[2]}, f64()));
  // Jittered lattice: distinct sites at least ~1.5 Å apart.
  std::vector<double> pos;
  for (int k = 0; k < n; ++k)
    pos.insert(pos.end(), {(k % 3 + 0.5) / 3 * box[0], (k / 3 % 3 + 0.5) / 3 * box[1],
                           (k / 9 + 0.5) / 3 * box[2]});
  s.positions = torch::tensor(pos, f64()).view({n, 3}) + 0.6 * (torch::rand({n, 3}, f64()) - 0.5);
  torch::Tensor q = torch::rand({n}, f64()) - 0.5;
  s.charges = q - q.mean();
  s.dipoles = 0.4 * (torch::rand({n, 3}, f64()) - 0.5);

  LammpsResult ref = run_lammps(s, box);
  ASSERT_EQ(ref.forces.size(), std::size_t(n));
  Settings st;
  st.method = Method::Ewald;
  st.accuracy = 1e-10;
  SiteResult ours = evaluate(Electrostatics(st), s);
  // LAMMPS metal qqr2e = 14.399645 vs CODATA 14.3996454784 (3e-8 relative): far below 1e-5.
  EXPECT_NEAR(ours.energy.item<double>(), ref.energy, 1e-5 * std::abs(ref.energy));
  const double fmax = ours.forces.abs().max().item<double>();
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d)
      EXPECT_NEAR(ours.forces[i][d].item<double>(), ref.forces[i][d], 1e-5 * fmax) << i << " " << d;
  std::printf("lnet E = %.10f eV, LAMMPS E = %.10f eV\n", ours.energy.item<double>(), ref.energy);
}

}  // namespace
}  // namespace lnet::es
