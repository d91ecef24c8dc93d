// Quantum ESPRESSO pw.x / ph.x readers against tests/io/data (QE 6.7 runs of 2-atom NaCl; inputs
// alongside, see nacl_*.in). Expected numbers are either read by hand from the outputs (in Ry,
// bohr, converted here) or ASE 3.22.1's reader, pasted as literals: obtained once with
//   /usr/bin/python3 -c "from ase.io import read; a = read('nacl_scf.out', ':',
//                        format='espresso-out'); print(a[0].positions,
//                        a[0].get_stress(voigt=False))"
// (likewise forces, cell, energy, for every frame).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/error_of.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/qe_ph.hpp"
#include "lnet/io/qe_pw.hpp"

namespace lnet {
namespace {

const std::string kData = std::string(LNET_SOURCE_DIR) + "/tests/io/data/";
constexpr double kRy = qe_units::rydberg_ev;
constexpr double kBohr = qe_units::bohr_angstrom;
// ASE 3.22's espresso reader converts with CODATA 2006 (units = create_units('2006'):
// Ry = 13.6056919328 eV, bohr = 0.52917720835 Å); ours (CODATA 2018) are larger by 8.7e-8
// (energy), 8.3e-8 (forces), 7.3e-8 (stress), 4.8e-9 (lengths) relative: tolerance 2e-7, which
// still catches any wrong unit or sign.
constexpr double kAseRel = 2e-7;

std::vector<std::string> file_lines(const std::string& name) {
  std::ifstream in(kData + name);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  EXPECT_FALSE(lines.empty()) << name;
  return lines;
}

// 0-based index of the first line containing `text` at or after `from`.
std::size_t line_of(const std::vector<std::string>& lines, const std::string& text,
                    std::size_t from = 0) {
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i].find(text) != std::string::npos) return i;
  ADD_FAILURE() << "no line with " << text;
  return lines.size();
}

std::string join(const std::vector<std::string>& lines, std::size_t begin, std::size_t end) {
  std::string s;
  for (std::size_t i = begin; i < end && i < lines.size(); ++i) s += lines[i] + "\n";
  return s;
}

std::vector<Structure> parse_pw_text(const std::string& text, const PwReadOptions& o = {}) {
  std::istringstream in(text);
  return parse_qe_pw(in, "cut.out", o);
}

using testing::error_of;

void expect_near_rel(const Vec3& got, const Vec3& want, double rel, double abs = 1e-12) {
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(got[k], want[k], rel * std::abs(want[k]) + abs) << "component " << k;
}

TEST(QePw, ScfHandValues) {
  auto frames = read_qe_pw(kData + "nacl_scf.out");
  ASSERT_EQ(frames.size(), 1u);
  const Structure& s = frames[0];
  EXPECT_EQ(s.numbers, (std::vector<int>{11, 17}));
  EXPECT_TRUE(s.pbc[0] && s.pbc[1] && s.pbc[2]);
  const double alat = 7.683788 * kBohr;  // "celldm(1)=   7.683788"
  // "a(2) = (   0.699690   0.007378   0.699690 )": rows of the cell are lattice vectors.
  expect_near_rel(s.cell.row(1).transpose(), alat * Vec3(0.699690, 0.007378, 0.699690), 1e-14);
  // "2  Cl  tau(   2) = (   0.7132167   0.6861637   0.7058386  )"
  expect_near_rel(s.positions[1], alat * Vec3(0.7132167, 0.6861637, 0.7058386), 1e-14);
  // "!    total energy              =     -34.77644046 Ry"
  EXPECT_NEAR(*s.energy, -34.77644046 * kRy, 1e-10);
  // "atom    1 type  1   force =     0.00603086   -0.00489632   -0.00042632" (Ry/bohr)
  ASSERT_TRUE(s.forces);
  expect_near_rel((*s.forces)[0], Vec3(0.00603086, -0.00489632, -0.00042632) * kRy / kBohr, 1e-14);
  // Stress row 2 "0.00000822   0.00002527  -0.00001201" Ry/bohr^3, pressure-positive: negated.
  ASSERT_TRUE(s.stress);
  expect_near_rel(s.stress->row(1).transpose(),
                  -Vec3(0.00000822, 0.00002527, -0.00001201) * kRy / std::pow(kBohr, 3), 1e-14);
  EXPECT_FALSE(s.bec);
}

TEST(QePw, ScfStressUnitsMatchKbarColumn) {
  // Independent unit check: QE prints the same stress in kbar ("5.98 1.21 0.11 / 1.21 3.72 -1.77
  // / 0.11 -1.77 -5.94"). 1 eV/Å^3 = 1602.1766208 kbar; kbar printed with 2 decimals, and the Ry
  // column has 8 decimals (±5e-9 Ry/bohr^3 = ±7e-4 kbar): tolerance 0.006 kbar.
  const Mat3 kbar = (Mat3() << 5.98, 1.21, 0.11, 1.21, 3.72, -1.77, 0.11, -1.77, -5.94).finished();
  Mat3 s = *read_qe_pw(kData + "nacl_scf.out")[0].stress;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(-s(a, b) * 1602.1766208, kbar(a, b), 0.006);
}

TEST(QePw, ScfMatchesAse) {
  Structure s = read_qe_pw(kData + "nacl_scf.out")[0];
  expect_near_rel(s.cell.row(0).transpose(), Vec3(0.0, 2.844999351894, 2.904998509288), kAseRel);
  expect_near_rel(s.cell.row(1).transpose(), Vec3(2.844999351894, 0.029999578697, 2.844999351894),
                  kAseRel);
  expect_near_rel(s.cell.row(2).transpose(), Vec3(2.799999983849, 2.844999351894, 0.0), kAseRel);
  expect_near_rel(s.positions[1], Vec3(2.900000070403, 2.79000025982, 2.870000085098), kAseRel);
  EXPECT_NEAR(*s.energy, -473.1575354175, kAseRel * 473.16);
  expect_near_rel((*s.forces)[0], Vec3(0.155059632113, -0.125889438307, -0.010961126997), kAseRel);
  expect_near_rel((*s.forces)[1], -Vec3(0.155059632113, -0.125889438307, -0.010961126997), kAseRel);
  Mat3 ase;
  ase << -3.731392548171e-03, -7.547255596939e-04, -6.977997875516e-05,  //
      -7.547255596939e-04, -2.320184293609e-03, 1.102707295855e-03,      //
      -6.977997875516e-05, 1.102707295855e-03, 3.706602292560e-03;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      EXPECT_NEAR((*s.stress)(a, b), ase(a, b), kAseRel * std::abs(ase(a, b)) + 1e-15);
}

TEST(QePw, RelaxCrystalPositionsGiveOneFramePerStep) {
  // Three SCF steps; the "Begin final coordinates" reprint has no energy of its own.
  auto frames = read_qe_pw(kData + "nacl_relax.out");
  ASSERT_EQ(frames.size(), 3u);
  const double alat =
      10.752 * kBohr;  // celldm(1); CELL_PARAMETERS alat (0 .5 .51)(.5 0 .5)(.5 .5 0)
  Mat3 cell;
  cell << 0, 0.5, 0.51, 0.5, 0, 0.5, 0.5, 0.5, 0;
  cell *= alat;
  for (const Structure& s : frames) {
    EXPECT_LT((s.cell - cell).cwiseAbs().maxCoeff(), 1e-6 * alat);  // printed with 6 decimals
    EXPECT_TRUE(s.forces);
    EXPECT_FALSE(s.stress);  // no tstress in this run
  }
  // Step 2: "ATOMIC_POSITIONS (crystal)" / "Cl  0.5290212153  0.4904745809  0.4998883344".
  Vec3 frac(0.5290212153, 0.4904745809, 0.4998883344);
  expect_near_rel(frames[1].positions[1], frames[1].cell.transpose() * frac, 1e-14);
  EXPECT_NEAR(*frames[1].energy, -34.75889898 * kRy, 1e-10);
  EXPECT_NEAR(*frames[2].energy, -34.75898903 * kRy, 1e-10);
  expect_near_rel((*frames[2].forces)[0], Vec3(-0.00162112, 0.00492875, 0.00251970) * kRy / kBohr,
                  1e-14);
  // ASE, frames 0..2.
  const double ase_e[] = {-472.9176631231, -472.9188714446, -472.9200966371};
  const Vec3 ase_na[] = {Vec3(0, 0, 0),
                         Vec3(-1.032442012615e-03, 3.102174811558e-03, 1.490077588220e-03),
                         Vec3(-2.160490554439e-03, 6.503912461717e-03, 3.156359220541e-03)};
  const Vec3 ase_cl[] = {Vec3(2.816408105388, 2.930202372272, 2.931909286275),
                         Vec3(2.817440547400, 2.927100197460, 2.930419208687),
                         Vec3(2.818568595942, 2.923698459810, 2.928752927055)};
  const Vec3 ase_f[] = {Vec3(-0.050162994008, 0.150724752183, 0.072398151257),
                        Vec3(-0.046036887654, 0.139028289681, 0.068623771816),
                        Vec3(-0.041680667568, 0.126723247062, 0.064784086355)};
  for (int f = 0; f < 3; ++f) {
    EXPECT_NEAR(*frames[f].energy, ase_e[f], kAseRel * 473);
    expect_near_rel(frames[f].positions[0], ase_na[f], kAseRel, 1e-12);
    expect_near_rel(frames[f].positions[1], ase_cl[f], kAseRel);
    expect_near_rel((*frames[f].forces)[0], ase_f[f], kAseRel);
  }
  expect_near_rel(frames[0].cell.row(0).transpose(), Vec3(0, 2.844856672109, 2.901753805551),
                  kAseRel);
}

TEST(QePw, VcRelaxCellParametersAlatAndAngstromPositions) {
  // nstep = 2: two SCF steps, then the next geometry without energy (dropped: the run finished).
  auto frames = read_qe_pw(kData + "nacl_vcrelax.out");
  ASSERT_EQ(frames.size(), 2u);
  const Structure& s = frames[1];
  // "CELL_PARAMETERS (alat= 10.70000000)" / "0.502467022   0.000011136   0.501893287"
  expect_near_rel(s.cell.row(1).transpose(),
                  10.7 * kBohr * Vec3(0.502467022, 0.000011136, 0.501893287), 1e-14);
  // "ATOMIC_POSITIONS (angstrom)" / "Cl  2.8817302449  2.8139869034  2.8412132095"
  expect_near_rel(s.positions[1], Vec3(2.8817302449, 2.8139869034, 2.8412132095), 1e-15);
  ASSERT_TRUE(s.stress);
  // ASE, frame 1.
  expect_near_rel(s.cell.row(0).transpose(),
                  Vec3(1.702848863951e-04, 2.815963246588, 2.870128550847), kAseRel);
  expect_near_rel(s.cell.row(2).transpose(),
                  Vec3(2.816641622982, 2.844539251987, 3.759132010297e-05), kAseRel);
  EXPECT_NEAR(*s.energy, -472.8979053454, kAseRel * 473);
  expect_near_rel((*s.forces)[1], -Vec3(0.106304831307, -0.031020359641, -0.023471600759), kAseRel);
  Vec3 diag(-1.528640613546e-02, -1.483283627355e-02, -1.181760666523e-02);
  expect_near_rel(s.stress->diagonal(), diag, kAseRel);
  expect_near_rel(Vec3((*s.stress)(0, 1), (*s.stress)(0, 2), (*s.stress)(1, 2)),
                  Vec3(-9.732470721114e-05, -7.620708206155e-05, 3.397183176238e-05), kAseRel);
  // Frame 0 (header, alat units): ASE's stress (0,0).
  EXPECT_NEAR((*frames[0].stress)(0, 0), -1.802618845921e-02, kAseRel * 1.8e-2);
}

// The same vc-relax text with its cards rewritten in the other units pw.x may print
// (bohr / angstrom cell, bohr / alat / crystal positions) must give the same frames.
std::string rewrite_cards(const std::vector<std::string>& lines, const std::string& cell_unit,
                          const std::string& pos_unit, const Mat3& cell_angstrom_of_card) {
  const double alat = 10.7 * kBohr;
  std::ostringstream out;
  out.precision(17);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("CELL_PARAMETERS", 0) == 0) {
      double scale = cell_unit == "bohr" ? 1 / kBohr : 1.0;
      out << "CELL_PARAMETERS (" << cell_unit << ")\n";
      for (int k = 1; k <= 3; ++k) {
        std::istringstream ss(lines[i + k]);
        double x, y, z;
        ss >> x >> y >> z;
        out << x * alat * scale << " " << y * alat * scale << " " << z * alat * scale << "\n";
      }
      i += 3;
    } else if (lines[i].rfind("ATOMIC_POSITIONS", 0) == 0) {
      out << "ATOMIC_POSITIONS (" << pos_unit << ")\n";
      for (int k = 1; k <= 2; ++k) {
        std::istringstream ss(lines[i + k]);
        std::string sym;
        Vec3 r;
        ss >> sym >> r[0] >> r[1] >> r[2];
        if (pos_unit == "bohr") r /= kBohr;
        if (pos_unit == "alat") r /= alat;
        if (pos_unit == "crystal") r = cell_angstrom_of_card.transpose().inverse() * r;
        out << sym << " " << r[0] << " " << r[1] << " " << r[2] << "\n";
      }
      i += 2;
    } else {
      out << lines[i] << "\n";
    }
  }
  return out.str();
}

TEST(QePw, AllCardUnitsAgree) {
  auto lines = file_lines("nacl_vcrelax.out");
  auto reference = read_qe_pw(kData + "nacl_vcrelax.out");
  // Crystal coordinates need the cell of the card they follow; the test file's step-1 cell.
  Mat3 cell1 = reference[1].cell;
  for (auto [cu, pu] : {std::pair<std::string, std::string>{"bohr", "bohr"},
                        {"angstrom", "alat"},
                        {"bohr", "angstrom"}}) {
    auto frames = parse_pw_text(rewrite_cards(lines, cu, pu, cell1));
    ASSERT_EQ(frames.size(), 2u) << cu << " " << pu;
    EXPECT_LT((frames[1].cell - cell1).cwiseAbs().maxCoeff(), 1e-12) << cu;
    for (int i = 0; i < 2; ++i)
      EXPECT_LT((frames[1].positions[i] - reference[1].positions[i]).norm(), 1e-12) << pu;
  }
  // Crystal positions are only exact for the frame whose card cell we used: frame 1.
  auto crystal = parse_pw_text(rewrite_cards(lines, "bohr", "crystal", cell1));
  EXPECT_LT((crystal[1].positions[1] - reference[1].positions[1]).norm(), 1e-12);
}

TEST(QePw, SpeciesLabels) {
  EXPECT_EQ(qe_atomic_number("Na", "x"), 11);
  EXPECT_EQ(qe_atomic_number("Na1", "x"), 11);
  EXPECT_EQ(qe_atomic_number("CL", "x"), 17);
  EXPECT_EQ(qe_atomic_number("Fe_up", "x"), 26);
  EXPECT_EQ(qe_atomic_number("C2", "x"), 6);
  EXPECT_EQ(qe_atomic_number("Oa", "x"), 8);  // "Oa" is no element: one letter
  EXPECT_NE(error_of([] { qe_atomic_number("Xq", "f:3"); }).find("f:3: species label 'Xq'"),
            std::string::npos);
}

TEST(QePw, ErrorsNameFileAndLine) {
  auto lines = file_lines("nacl_scf.out");
  std::size_t energy = line_of(lines, "!    total energy");
  std::size_t forces = line_of(lines, "Forces acting on atoms");
  std::size_t stress = line_of(lines, "total   stress");

  // Not a pw.x output.
  std::string msg = error_of([] { read_qe_pw(kData + "nacl_ph.out"); });
  EXPECT_NE(msg.find("nacl_ph.out"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a pw.x output"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Program PHONON"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { read_qe_pw(kData + "missing.out"); }).find("cannot open"),
            std::string::npos);

  // Truncated before the final energy: the error points at the structure without one.
  std::size_t site = line_of(lines, "site n.");
  msg = error_of([&] { parse_pw_text(join(lines, 0, energy)); });
  EXPECT_NE(msg.find("cut.out:" + std::to_string(site + 1) + ": no '!    total energy'"),
            std::string::npos)
      << msg;

  // Truncated forces block: one of two atom lines.
  msg = error_of([&] { parse_pw_text(join(lines, 0, forces + 3)); });
  EXPECT_NE(msg.find("cut.out:" + std::to_string(forces + 3)), std::string::npos) << msg;
  EXPECT_NE(msg.find("forces block started at line " + std::to_string(forces + 1) +
                     " is truncated: 1 of 2"),
            std::string::npos)
      << msg;

  // Truncated stress block.
  msg = error_of([&] { parse_pw_text(join(lines, 0, stress + 2)); });
  EXPECT_NE(
      msg.find("file ends inside the stress block started at line " + std::to_string(stress + 1)),
      std::string::npos)
      << msg;

  // Complete blocks but no "JOB DONE.": an error unless allow_incomplete.
  std::string cut = join(lines, 0, stress + 5);
  msg = error_of([&] { parse_pw_text(cut); });
  EXPECT_NE(msg.find("without 'JOB DONE.'"), std::string::npos) << msg;
  PwReadOptions lenient;
  lenient.allow_incomplete = true;
  auto frames = parse_pw_text(cut, lenient);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].stress);

  // Missing structure block: the energy comes before any structure.
  std::vector<std::string> no_site = lines;
  no_site.erase(no_site.begin() + site, no_site.begin() + site + 3);
  msg = error_of([&] { parse_pw_text(join(no_site, 0, no_site.size())); });
  EXPECT_NE(msg.find("cut.out:" + std::to_string(energy + 1 - 3) +
                     ": total energy before any "
                     "structure"),
            std::string::npos)
      << msg;
}

TEST(QePw, ConcatenatedRuns) {
  // A restart appended to a vc-relax that hit nstep: the first run's trailing geometry (no
  // energy, run finished) is dropped, not taken for a truncation.
  auto vc = file_lines("nacl_vcrelax.out"), scf = file_lines("nacl_scf.out");
  auto frames = parse_pw_text(join(vc, 0, vc.size()) + join(scf, 0, scf.size()));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_NEAR(*frames[2].energy, -34.77644046 * kRy, 1e-10);
  EXPECT_NEAR(frames[2].cell(1, 1), 7.683788 * kBohr * 0.007378, 1e-12);  // second run's header
}

TEST(QePw, UnconvergedScfIsNamed) {
  auto lines = file_lines("nacl_scf.out");
  std::size_t energy = line_of(lines, "!    total energy");
  lines[energy] = "     convergence NOT achieved after 100 iterations: stopping";
  std::string msg = error_of([&] { parse_pw_text(join(lines, 0, lines.size())); });
  EXPECT_NE(msg.find("no '!    total energy' line (SCF not converged, line " +
                     std::to_string(energy + 1) + ")"),
            std::string::npos)
      << msg;
}

TEST(QePw, TruncatedRelaxKeepsCompleteStepsOnlyWhenAsked) {
  auto lines = file_lines("nacl_relax.out");
  // Cut after the 2nd ATOMIC_POSITIONS card, before that step's energy.
  std::size_t second = line_of(lines, "ATOMIC_POSITIONS", line_of(lines, "ATOMIC_POSITIONS") + 1);
  std::string cut = join(lines, 0, second + 10);
  std::string msg = error_of([&] { parse_pw_text(cut); });
  EXPECT_NE(msg.find("cut.out:" + std::to_string(second + 1) + ": no '!    total energy'"),
            std::string::npos)
      << msg;
  PwReadOptions lenient;
  lenient.allow_incomplete = true;
  EXPECT_EQ(parse_pw_text(cut, lenient).size(), 2u);
}

// ---- ph.x ------------------------------------------------------------------------------------

TEST(QePh, EpsilonAndBornChargesHandValues) {
  QePhResult ph = read_qe_ph(kData + "nacl_ph.out");
  EXPECT_EQ(ph.numbers, (std::vector<int>{11, 17}));
  EXPECT_NEAR(ph.alat, 7.68379 * kBohr, 1e-12);  // ph.x prints celldm(1) with 5 decimals
  expect_near_rel(ph.positions[1], 7.68379 * kBohr * Vec3(0.71322, 0.68616, 0.70584), 1e-14);
  // Printed line j is epsilon(:, j) (summarize_epsilon): line 1 "( 2.463075278 -0.000894663
  // 0.000287709 )", line 2 "( -0.000894664 2.464838634 -0.000870199 )".
  EXPECT_DOUBLE_EQ(ph.epsilon_inf(0, 0), 2.463075278);
  EXPECT_DOUBLE_EQ(ph.epsilon_inf(1, 0), -0.000894663);
  EXPECT_DOUBLE_EQ(ph.epsilon_inf(0, 1), -0.000894664);
  EXPECT_DOUBLE_EQ(ph.epsilon_inf(2, 1), -0.000870199);
  EXPECT_DOUBLE_EQ(ph.epsilon_inf(2, 2), 2.472941063);
  // Z*(alpha = field, beta = displacement) = printed row "E<alpha>", column beta:
  // Na "Ey  ( -0.00084  1.07728  0.00439 )", Cl "Ey ( 0.00347 -1.11689 -0.00265 )",
  // Cl "Ez  ( -0.00102  -0.00177  -1.12429 )".
  ASSERT_EQ(ph.bec.size(), 2u);
  EXPECT_DOUBLE_EQ(ph.bec[0](1, 0), -0.00084);
  EXPECT_DOUBLE_EQ(ph.bec[0](1, 2), 0.00439);
  EXPECT_DOUBLE_EQ(ph.bec[0](0, 0), 1.07664);
  EXPECT_DOUBLE_EQ(ph.bec[1](1, 2), -0.00265);
  EXPECT_DOUBLE_EQ(ph.bec[1](2, 1), -0.00177);
  EXPECT_DOUBLE_EQ(ph.bec[1](2, 2), -1.12429);
}

TEST(QePh, ForceAndPolarizationRoutesAgreeOnlyUntransposed) {
  // zeu = dF_beta/dE_alpha and zue = dP_alpha/du_beta are the same tensor computed by two DFPT
  // routes; they agree to ~2e-5 here (5 printed decimals plus convergence). The sheared cell makes
  // Z* asymmetric by up to 9e-4 (Cl yz vs zy), so reading either block transposed would break it.
  QePhResult ph = read_qe_ph(kData + "nacl_ph.out");
  ASSERT_TRUE(ph.bec_dp_du);
  double same = 0, transposed = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    same = std::max(same, (ph.bec[i] - (*ph.bec_dp_du)[i]).cwiseAbs().maxCoeff());
    transposed =
        std::max(transposed, (ph.bec[i] - (*ph.bec_dp_du)[i].transpose()).cwiseAbs().maxCoeff());
  }
  EXPECT_LT(same, 5e-5);
  EXPECT_GT(transposed, 5e-4);
  EXPECT_DOUBLE_EQ((*ph.bec_dp_du)[1](1, 2), -0.00265);  // Cl "Py ( 0.00347 -1.11691 -0.00265 )"
}

TEST(QePh, AcousticSumRule) {
  // Sum of Z* (zz): 1.07954 - 1.12429 = -0.04475 e, the largest element; the violation is a
  // k-point convergence error (4x4x4, 30 Ry): it was 0.91 e with 2x2x2 and 0.026 e with 60 Ry.
  QePhResult ph = read_qe_ph(kData + "nacl_ph.out");
  EXPECT_NEAR(acoustic_sum_rule_violation(ph.bec), 0.04475, 1e-9);
  EXPECT_NEAR(acoustic_sum_rule_violation(*ph.bec_dp_du), 0.04474, 1e-9);
  EXPECT_DOUBLE_EQ(acoustic_sum_rule_violation({Mat3::Identity(), -Mat3::Identity()}), 0.0);
}

TEST(QePh, MergesIntoTheFrameOfTheSameStructure) {
  QePhResult ph = read_qe_ph(kData + "nacl_ph.out");
  auto frames = read_qe_pw(kData + "nacl_scf.out");
  EXPECT_EQ(merge_qe_ph(frames, ph, "ph.out"), 1u);
  ASSERT_TRUE(frames[0].bec && frames[0].epsilon_inf);
  EXPECT_EQ((*frames[0].bec)[1], ph.bec[1]);
  EXPECT_EQ(*frames[0].epsilon_inf, ph.epsilon_inf);

  // Same species, another geometry: refused.
  auto relax = read_qe_pw(kData + "nacl_relax.out");
  std::string msg = error_of([&] { merge_qe_ph(relax, ph, "ph.out"); });
  EXPECT_NE(msg.find("ph.out: no pw.x frame has the geometry"), std::string::npos) << msg;
  EXPECT_FALSE(relax[0].bec);
  // A displacement just above the printed precision (1e-5 alat = 4e-5 Å) is another structure.
  auto moved = read_qe_pw(kData + "nacl_scf.out");
  moved[0].positions[1].x() += 1e-4;
  EXPECT_THROW(merge_qe_ph(moved, ph, "ph.out"), InputError);
  // Other species: refused.
  auto swapped = read_qe_pw(kData + "nacl_scf.out");
  std::swap(swapped[0].numbers[0], swapped[0].numbers[1]);
  msg = error_of([&] { merge_qe_ph(swapped, ph, "ph.out"); });
  EXPECT_NE(msg.find("atom count or species"), std::string::npos) << msg;
}

TEST(QePh, ErrorsNameFileAndLine) {
  auto parse = [](const std::string& text) {
    std::istringstream in(text);
    return parse_qe_ph(in, "cut.out");
  };
  std::string msg = error_of([] { read_qe_ph(kData + "nacl_scf.out"); });
  EXPECT_NE(msg.find("nacl_scf.out: not a ph.x output"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Program PWSCF"), std::string::npos) << msg;

  auto lines = file_lines("nacl_ph.out");
  std::size_t zeu = line_of(lines, "Effective charges (d Force / dE)");
  // Truncated inside the Cl block of zeu (header + Na (4 lines) + Cl atom line + Ex).
  std::size_t cut = zeu + 2 + 4 + 2;
  msg = error_of([&] { parse(join(lines, 0, cut)); });
  EXPECT_NE(msg.find("cut.out:" + std::to_string(cut) +
                     ": file ends inside the effective "
                     "charges block started at line " +
                     std::to_string(zeu + 1)),
            std::string::npos)
      << msg;
  // Truncated after the dielectric tensor: no zeu block.
  msg = error_of([&] { parse(join(lines, 0, zeu)); });
  EXPECT_NE(msg.find("no 'Effective charges (d Force / dE)' block"), std::string::npos) << msg;
  // No epsil (dielectric blocks removed).
  std::vector<std::string> no_eps;
  for (const std::string& l : lines)
    if (l.find("Dielectric constant in cartesian axis") == std::string::npos) no_eps.push_back(l);
  msg = error_of([&] { parse(join(no_eps, 0, no_eps.size())); });
  EXPECT_NE(msg.find("cut.out: no 'Dielectric constant in cartesian axis' block"),
            std::string::npos)
      << msg;
  // A damaged row: "Ey" replaced by "Ez".
  std::vector<std::string> bad = lines;
  bad[zeu + 4].replace(bad[zeu + 4].find("Ey"), 2, "Ez");
  msg = error_of([&] { parse(join(bad, 0, bad.size())); });
  EXPECT_NE(msg.find("cut.out:" + std::to_string(zeu + 5) + ": expected row 'Ey"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace lnet
