// phonopy round trip: lnet's POSCAR-unitcell + FORCE_CONSTANTS + BORN, read by
// Debian's phonopy (python3-phonopy, /usr/bin/python3) through its Python API, give lnet's
// frequencies at >= 10 q-points with NAC (Gonze–Lee and Wang) within 1e-4 THz. Skipped when
// phonopy cannot be imported.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/phonon/dynamical_matrix.hpp"
#include "lnet/phonon/phonopy_files.hpp"
#include "lnet/phonon/symmetry.hpp"
#include "phonon/pair_crystal.hpp"

namespace lnet {
namespace {

namespace fs = std::filesystem;

bool phonopy_available() {
  static const bool ok =
      std::system("timeout 60 /usr/bin/python3 -c 'import phonopy' > /dev/null 2>&1") == 0;
  return ok;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

// Reads phonopy's frequencies for `qs` (and `dirs`: q_direction at Γ, or none) from the files
// in `dir`. One line of frequencies per q-point.
std::vector<std::vector<double>> phonopy_frequencies(const fs::path& dir, const Mat3i& p,
                                                     const std::vector<double>& masses,
                                                     const std::string& method,
                                                     const std::vector<Vec3>& qs,
                                                     const std::vector<Vec3>& dirs) {
  std::ostringstream py;
  py.precision(17);
  py << "import numpy as np\n"
        "from phonopy import Phonopy\n"
        "from phonopy.interface.calculator import read_crystal_structure\n"
        "from phonopy.file_IO import parse_FORCE_CONSTANTS, parse_BORN\n"
        "from phonopy.units import VaspToTHz\n"
        "d = '"
     << dir.string() << "'\n";
  py << "S = np.array([";
  for (int i = 0; i < 3; ++i)
    py << "[" << p(0, i) << "," << p(1, i) << "," << p(2, i) << "],";  // phonopy's S = Pᵀ
  py << "])\n";
  py << "unitcell, _ = read_crystal_structure(d + '/POSCAR-unitcell', interface_mode='vasp')\n"
        "ph = Phonopy(unitcell, supercell_matrix=S, primitive_matrix=None)\n"
        "ph.masses = [";
  for (double m : masses) py << m << ",";
  py << "]\n"
        "ph.force_constants = parse_FORCE_CONSTANTS(d + '/FORCE_CONSTANTS')\n"
        "nac = parse_BORN(ph.primitive, filename=d + '/BORN')\n"
        "nac['method'] = '"
     << method << "'\n"
     << "ph.nac_params = nac\n"
        "dm = ph.dynamical_matrix\n"
        "qs = [";
  for (const Vec3& q : qs) py << "[" << q[0] << "," << q[1] << "," << q[2] << "],";
  py << "]\ndirs = [";
  for (const Vec3& q : dirs)
    if (q.norm() > 0)
      py << "[" << q[0] << "," << q[1] << "," << q[2] << "],";
    else
      py << "None,";
  py << "]\n"
        "with open(d + '/phonopy_out.txt', 'w') as out:\n"
        "    for q, qd in zip(qs, dirs):\n"
        "        dm.run(q, q_direction=qd) if qd is not None else dm.run(q)\n"
        "        e = np.linalg.eigvalsh(dm.dynamical_matrix)\n"
        "        f = np.sign(e) * np.sqrt(np.abs(e)) * VaspToTHz\n"
        "        out.write(' '.join('%.12f' % x for x in f) + '\\n')\n";
  write(dir / "check.py", py.str());
  const std::string cmd = "timeout 120 /usr/bin/python3 " + (dir / "check.py").string() + " > " +
                          (dir / "python.log").string() + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream log(dir / "python.log");
    std::stringstream s;
    s << log.rdbuf();
    ADD_FAILURE() << "phonopy script failed:\n" << s.str();
    return {};
  }
  std::ifstream in(dir / "phonopy_out.txt");
  std::vector<std::vector<double>> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<double> f;
    double v;
    while (ls >> v) f.push_back(v);
    out.push_back(f);
  }
  return out;
}

struct Case {
  std::string name;
  Structure prim;
  testing::PairCrystal ff;
  Mat3i matrix;
  std::vector<Mat3> born;
  Mat3 epsilon;
};

Case rock_salt_case(const Mat3i& matrix, const std::string& name) {
  Case c;
  c.name = name;
  c.prim = testing::rock_salt(5.64);
  c.ff.cutoff = 4.2;
  c.ff.set_spring(11, 17, {1.5, 2.82, 0.5, 2.0});
  c.ff.set_spring(11, 11, {0.2, 3.99, 0.0, 0.0});
  c.ff.set_spring(17, 17, {0.1, 3.99, 0.0, 0.0});
  c.matrix = matrix;
  c.born = {1.1 * Mat3::Identity(), -1.1 * Mat3::Identity()};
  c.epsilon = 2.3 * Mat3::Identity();
  return c;
}

// Wurtzite (4 atoms: two symmetry-equivalent cations, two anions) with anisotropic Z* and ε∞:
// exercises BORN's independent atoms, hexagonal minimum images and a non-cubic supercell.
Case wurtzite_case() {
  Case c;
  c.name = "wurtzite";
  const double a = 3.25, cc = 5.2, u = 0.382;
  c.prim.cell << a, 0, 0, -a / 2, a * std::sqrt(3.0) / 2, 0, 0, 0, cc;
  c.prim.pbc = {true, true, true};
  c.prim.numbers = {30, 30, 8, 8};
  const std::vector<Vec3> frac = {
      {1. / 3, 2. / 3, 0}, {2. / 3, 1. / 3, 0.5}, {1. / 3, 2. / 3, u}, {2. / 3, 1. / 3, 0.5 + u}};
  for (const Vec3& f : frac) c.prim.positions.push_back(c.prim.cell.transpose() * f);
  c.ff.cutoff = 3.4;
  c.ff.set_spring(8, 30, {4.0, 1.98, 1.0, 0.0});
  c.ff.set_spring(30, 30, {0.5, 3.2, 0.0, 0.0});
  c.ff.set_spring(8, 8, {0.4, 3.2, 0.0, 0.0});
  c.matrix << 2, 0, 0, 0, 2, 0, 0, 0, 1;
  const Mat3 zc = Eigen::Vector3d(2.1, 2.1, 2.3).asDiagonal();
  c.born = {zc, zc, -zc, -zc};
  c.epsilon = Eigen::Vector3d(3.5, 3.5, 3.7).asDiagonal();
  return c;
}

// No symmetry (P1) and non-symmetric Z* (Z ≠ Zᵀ): checks that phonopy reads BORN rows as lnet's
// Z*(α, β) = ∂M_α/∂r_β rows (a transposed reading changes the LO frequencies).
Case triclinic_case() {
  Case c;
  c.name = "triclinic";
  c.prim.cell << 4.1, 0, 0, 0.6, 4.3, 0, 0.4, 0.7, 4.6;
  c.prim.pbc = {true, true, true};
  c.prim.numbers = {11, 17, 8};
  for (const Vec3& f : {Vec3(0, 0, 0), Vec3(0.45, 0.52, 0.48), Vec3(0.21, 0.68, 0.27)})
    c.prim.positions.push_back(c.prim.cell.transpose() * f);
  c.ff.cutoff = 3.6;
  c.ff.set_spring(11, 17, {1.2, 2.9, 0.3, 0.0});
  c.ff.set_spring(11, 8, {1.6, 2.4, 0.0, 0.0});
  c.ff.set_spring(8, 17, {1.0, 2.8, 0.0, 0.0});
  c.ff.set_spring(11, 11, {0.3, 4.1, 0.0, 0.0});
  c.ff.set_spring(17, 17, {0.2, 4.1, 0.0, 0.0});
  c.ff.set_spring(8, 8, {0.2, 4.1, 0.0, 0.0});
  c.matrix = Mat3i::Identity() * 2;
  Mat3 z1, z2;
  z1 << 1.3, 0.4, -0.1, -0.2, 1.1, 0.3, 0.25, -0.15, 1.2;
  z2 << -0.9, 0.2, 0.1, -0.35, -1.0, 0.05, 0.1, 0.3, -0.8;
  c.born = {z1, z2, -(z1 + z2)};
  c.epsilon << 2.5, 0.1, 0.05, 0.1, 2.7, -0.08, 0.05, -0.08, 2.4;
  return c;
}

void round_trip(Case c, NacMethod method) {
  if (!phonopy_available()) GTEST_SKIP() << "/usr/bin/python3 cannot import phonopy";
  const Supercell sc = make_supercell(c.prim, c.matrix);
  DisplacementOptions o;
  o.progress = false;
  ForceConstants fc = finite_displacement_force_constants(c.ff, sc, o).fc;
  impose_acoustic_sum_rule(fc, sc);
  NacParameters nac;
  nac.method = method;
  nac.born = c.born;
  nac.epsilon = c.epsilon;
  const CrystalSymmetry sym = find_symmetry(c.prim);
  symmetrize_born(sym, nac.born, nac.epsilon);
  std::vector<double> masses;
  for (int z : c.prim.numbers) masses.push_back(atomic_mass(z));
  const DynamicalMatrix dm(c.prim, masses, sc, fc, nac);

  const fs::path dir =
      fs::temp_directory_path() /
      ("lnet_phonopy_" + c.name + "_" + to_string(method) + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write(dir / "POSCAR-unitcell", poscar_text(c.prim, "lnet test"));
  write(dir / "FORCE_CONSTANTS", force_constants_text(expand_to_full(fc, sc), int(sc.size())));
  write(dir / "BORN", born_text(nac, sym.independent));

  // 12 q-points: Γ along three directions, commensurate and generic off-grid points, and the
  // zone boundary; fractional reciprocal coordinates.
  std::vector<Vec3> qs = {Vec3::Zero(),      Vec3::Zero(),           Vec3::Zero(),
                          {0.5, 0, 0},       {0.5, 0.5, 0},          {0.5, 0.5, 0.5},
                          {0.1, 0.2, 0.3},   {0.013, -0.021, 0.007}, {0.37, 0.11, -0.23},
                          {0.25, 0.75, 0.5}, {0.001, 0.001, 0.002},  {-0.41, 0.29, 0.16}};
  std::vector<Vec3> dirs(qs.size(), Vec3::Zero());
  dirs[0] = {1, 0, 0};
  dirs[1] = {1, 1, 1};
  dirs[2] = {0, 0, 1};
  const auto reference = phonopy_frequencies(dir, c.matrix, masses, to_string(method), qs, dirs);
  ASSERT_EQ(reference.size(), qs.size());
  double worst = 0;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const Eigen::VectorXd f =
        dirs[i].norm() > 0 ? dm.frequencies(qs[i], dirs[i]) : dm.frequencies(qs[i]);
    ASSERT_EQ(reference[i].size(), std::size_t(f.size()));
    for (int m = 0; m < f.size(); ++m) {
      // Both diagonalise the same matrix up to summation order: ~1e-10 THz; phonopy's older
      // eV/amu constants shift frequencies by 1.2e-7 relative (~1e-6 THz at 10 THz).
      EXPECT_NEAR(f[m], reference[i][m], 1e-4) << c.name << " q #" << i << " mode " << m;
      worst = std::max(worst, std::abs(f[m] - reference[i][m]));
    }
  }
  // LO–TO splitting is present (the NAC was read, not ignored): Γ along x vs Γ without NAC.
  const Eigen::VectorXd plain = dm.frequencies(Vec3::Zero());
  double split = 0;
  for (int m = 0; m < plain.size(); ++m)
    split = std::max(split, std::abs(reference[0][m] - plain[m]));
  EXPECT_GT(split, 0.1);
  ::testing::Test::RecordProperty("max_abs_difference_thz", std::to_string(worst));
  fs::remove_all(dir);
}

TEST(PhonopyRoundTrip, RockSaltDiagonalGonze) {
  round_trip(rock_salt_case(Mat3i::Identity() * 2, "rocksalt_diag"), NacMethod::gonze);
}
TEST(PhonopyRoundTrip, RockSaltDiagonalWang) {
  round_trip(rock_salt_case(Mat3i::Identity() * 2, "rocksalt_diag"), NacMethod::wang);
}
TEST(PhonopyRoundTrip, RockSaltConventionalSupercellGonze) {
  Mat3i m;
  m << -1, 1, 1, 1, -1, 1, 1, 1, -1;
  round_trip(rock_salt_case(m, "rocksalt_conv"), NacMethod::gonze);
}
TEST(PhonopyRoundTrip, WurtziteGonze) { round_trip(wurtzite_case(), NacMethod::gonze); }

TEST(PhonopyRoundTrip, TriclinicNonSymmetricBornGonze) {
  round_trip(triclinic_case(), NacMethod::gonze);
}
TEST(PhonopyRoundTrip, TriclinicNonSymmetricBornWang) {
  round_trip(triclinic_case(), NacMethod::wang);
}

}  // namespace
}  // namespace lnet
