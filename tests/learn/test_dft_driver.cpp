// DFT drivers: command templates, the command driver on the python teacher, and the Quantum
// ESPRESSO driver's inputs and its parsing of committed pw.x / ph.x outputs (a fake pw.x that
// copies them); a real pw.x + ph.x run only with LNET_QE_TESTS=1 and LNET_PSEUDO_DIR.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "common/error_of.hpp"
#include "learn/learn_fixtures.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/qe_ph.hpp"
#include "lnet/io/qe_pw.hpp"
#include "lnet/learn/qe_driver.hpp"

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

TEST(QeDriver, RealPwAndPhRun) {
  const char* enabled = std::getenv("LNET_QE_TESTS");
  const char* pseudo = std::getenv("LNET_PSEUDO_DIR");
  if (!enabled || std::string(enabled) != "1" || !pseudo)
    GTEST_SKIP() << "set LNET_QE_TESTS=1 and LNET_PSEUDO_DIR (Na/Cl pbe-n-nc UPF) to run pw.x";
  testing::LearnDir dir;
  QeSettings q = nacl_settings(pseudo);
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
