// DFT drivers: command templates, the command driver on the python teacher, and the Quantum
// ESPRESSO driver's inputs and its parsing of committed pw.x / ph.x outputs (a fake pw.x that
// copies them); and a real pw.x + ph.x run wherever Quantum ESPRESSO is installed (scripts/setup.sh
// installs it), with pseudopotentials the test generates with its ld1.x.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "common/error_of.hpp"
#include "learn/learn_fixtures.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/qe_ph.hpp"
#include "lnet/io/qe_pw.hpp"
#include "lnet/learn/qe_driver.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {
namespace {

using testing::error_of;

TEST(DftDriver, TemplateRefusesUnknownPlaceholders) {
  EXPECT_EQ(fill_template("pw.x -in {input} > {output}", {{"input", "a"}, {"output", "b"}}, "x"),
            "pw.x -in a > b");
  const std::string e = error_of([] {
    fill_template("pw.x -in {inptu}", {{"input", "a"}}, "learn.yaml");
  });
  EXPECT_NE(e.find("{inptu}"), std::string::npos) << e;
  EXPECT_NE(e.find("learn.yaml"), std::string::npos) << e;
}

TEST(DftDriver, CommandDriverLabelsWithTheTeacher) {
  if (!testing::python3_available()) GTEST_SKIP() << "no python3";
  testing::LearnDir dir;
  const std::string script = dir.write("teacher.py", testing::teacher_script());
  std::mt19937_64 rng(3);
  const Structure frame = testing::rocksalt_frame(5.2, 0.1, rng);
  CommandDriver driver("python3 " + script + " {input} {output}", "learn.yaml");
  std::filesystem::create_directories(dir.file("f0"));
  // A folder relative to the working directory (a relative output.dir): the command, which runs
  // inside it, still gets paths that resolve.
  const std::string relative =
      std::filesystem::relative(dir.file("f0"), std::filesystem::current_path()).string();
  ASSERT_FALSE(std::filesystem::path(relative).is_absolute());
  const Structure s = driver.label(frame, relative, false);
  ASSERT_TRUE(s.energy && s.forces);
  Vec3 total = Vec3::Zero();
  for (const Vec3& f : *s.forces) total += f;
  // Pair forces cancel in the sum: only rounding of 12-decimal output (1e-12 per entry) remains.
  EXPECT_LT(total.norm(), 1e-9);
  EXPECT_GT((*s.forces)[0].norm(), 1e-3);  // displaced atoms feel forces
  // Born charges asked of a teacher that has none: an error, not a frame without them.
  std::filesystem::create_directories(dir.file("f1"));
  EXPECT_THROW(driver.label(frame, dir.file("f1"), true), Error);
  // A failing program names its folder.
  CommandDriver failing("false", "learn.yaml");
  try {
    failing.label(frame, dir.file("f1"), false);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("f1")), std::string::npos) << e.what();
  }
}

// The sheared 2-atom NaCl cell of tests/io/data/nacl_scf.in.
Structure nacl_scf_cell() {
  Structure s;
  s.cell << 0.00, 2.845, 2.905, 2.845, 0.03, 2.845, 2.80, 2.845, 0.00;
  s.pbc = {true, true, true};
  s.numbers = {11, 17};
  s.positions = {Vec3(0, 0, 0), Vec3(2.90, 2.79, 2.87)};
  return s;
}

QeSettings nacl_settings(const std::string& pseudo_dir) {
  QeSettings q;
  q.pseudo_dir = pseudo_dir;
  q.pseudopotentials = {{"Na", "Na.pbe-n-nc.UPF"}, {"Cl", "Cl.pbe-n-nc.UPF"}};
  q.ecutwfc = 30;
  q.kpoints = {4, 4, 4};
  q.kpoint_shift = {0, 0, 0};
  return q;
}

TEST(QeDriver, PwInputHasTheStructureAndSettings) {
  QeSettings q = nacl_settings("/pseudo");
  q.smearing = "gaussian";
  const std::string t = qe_pw_input(nacl_scf_cell(), q, "learn.yaml");
  for (const char* want :
       {"calculation = 'scf'", "tprnfor = .true.", "tstress = .true.", "pseudo_dir = '/pseudo'",
        "nat = 2", "ntyp = 2", "ecutwfc = 30.0000", "occupations = 'smearing'",
        "smearing = 'gaussian'", "Na 22.98977 Na.pbe-n-nc.UPF", "Cl 35.45000 Cl.pbe-n-nc.UPF",
        "CELL_PARAMETERS angstrom\n  0.0000000000 2.8450000000 2.9050000000\n",
        "Cl 2.9000000000 2.7900000000 2.8700000000\n", "K_POINTS automatic\n4 4 4 0 0 0\n"})
    EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
  EXPECT_NE(qe_ph_input(q).find("epsil = .true."), std::string::npos);
  q.pseudopotentials.erase("Cl");
  const std::string e = error_of([&] { qe_pw_input(nacl_scf_cell(), q, "learn.yaml"); });
  EXPECT_NE(e.find("no pseudopotential for Cl"), std::string::npos) << e;
}

TEST(QeDriver, ReadsPwAndPhOutputsWithLnetsConverters) {
  testing::LearnDir dir;
  const std::string data = std::string(LNET_SOURCE_DIR) + "/tests/io/data/";
  QeSettings q = nacl_settings("/pseudo");
  // A fake pw.x / ph.x: the committed outputs of this very cell.
  q.pw_command = "cp " + data + "nacl_scf.out {output}";
  q.ph_command = "cp " + data + "nacl_ph.out {output}";
  QeDriver driver(q, "learn.yaml");
  const Structure s = driver.label(nacl_scf_cell(), dir.path().string(), true);
  const Structure ref = read_qe_pw(data + "nacl_scf.out").back();
  const QePhResult ph = read_qe_ph(data + "nacl_ph.out");
  ASSERT_TRUE(s.energy && s.forces && s.stress && s.bec && s.epsilon_inf);
  EXPECT_EQ(*s.energy, *ref.energy);
  EXPECT_EQ((*s.forces)[1], (*ref.forces)[1]);
  EXPECT_EQ((*s.bec)[0], ph.bec[0]);
  EXPECT_EQ(*s.epsilon_inf, ph.epsilon_inf);
  EXPECT_TRUE(std::filesystem::exists(dir.file("pw.in")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("ph.in")));
}

bool on_path(const std::string& program) {
  return std::system(("command -v " + program + " > /dev/null 2>&1").c_str()) == 0;
}

// Norm-conserving PBE pseudopotentials of Na (3s1) and Cl (3s2 3p5) generated by ld1.x in `dir`:
// those of ../shared/data/pseudo (Troullier-Martins, nonlinear core correction), which ld1.x
// reproduces number for number in under a second, so that the test needs no data files.
void generate_pseudopotentials(const std::filesystem::path& dir) {
  const std::string na =
      "&input\ntitle='Na', zed=11.0, rel=1, config='[Ne] 3s1.0 3p0 3d-2', iswitch=3, "
      "dft='PBE'\n/\n&inputp\npseudotype=2, file_pseudopw='Na.pbe-n-nc.UPF', author='TM', "
      "lloc=1, nlcc=.true., tm=.true.\n/\n2\n3S  1  0  1.00  0.00  2.30  2.30  0.0\n"
      "3P  2  1  0.00  0.00  2.50  2.50  0.0\n";
  const std::string cl =
      "&input\ntitle='Cl', zed=17, rel=1, config='[Ne] 3s2 3p5 3d-2', iswitch=3, "
      "dft='PBE'\n/\n&inputp\npseudotype=2, file_pseudopw='Cl.pbe-n-nc.UPF', author='TM', "
      "lloc=2, nlcc=.true., tm=.true.\n/\n3\n3S  1  0  2.00  0.00  1.75  1.75  0.0\n"
      "3P  2  1  5.00  0.00  1.75  1.75  0.0\n3D  3  2  0.00  0.10  1.75  1.75  0.0\n";
  for (const auto& [element, input] : {std::pair{"Na", na}, std::pair{"Cl", cl}}) {
    write_file_atomic((dir / (std::string(element) + ".ld1.in")).string(), input);
    const std::string command = "cd '" + dir.string() + "' && ld1.x < " + element + ".ld1.in > " +
                                element + ".ld1.out 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    ASSERT_TRUE(std::filesystem::exists(dir / (std::string(element) + ".pbe-n-nc.UPF")));
  }
}

TEST(QeDriver, RealPwAndPhRun) {
  for (const char* program : {"pw.x", "ph.x", "ld1.x"})
    if (!on_path(program)) GTEST_SKIP() << program << " not found (Quantum ESPRESSO)";
  testing::LearnDir dir;
  const std::filesystem::path pseudo = dir.path() / "pseudo";
  std::filesystem::create_directories(pseudo);
  generate_pseudopotentials(pseudo);
  if (::testing::Test::HasFatalFailure()) return;
  QeSettings q = nacl_settings(pseudo.string());
  q.ecutwfc = 25;
  q.kpoints = {2, 2, 2};
  q.conv_thr = 1e-9;
  const Structure s = QeDriver(q, "test").label(nacl_scf_cell(), dir.path().string(), true);
  ASSERT_TRUE(s.energy && s.forces && s.bec && s.epsilon_inf);
  // Two atoms: the forces cancel up to the SCF convergence (conv_thr 1e-9 Ry: ~1e-4 eV/Å).
  EXPECT_LT(((*s.forces)[0] + (*s.forces)[1]).norm(), 1e-2);
  EXPECT_GT((*s.bec)[0].trace() / 3, 0.8);  // Na is a cation (Z* ≈ +1.1)
  EXPECT_GT(s.epsilon_inf->trace() / 3, 1.5);
}

}  // namespace
}  // namespace lnet
