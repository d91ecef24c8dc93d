// ph.x output reader (QE 6.x, checked against 6.7).
//
// Index conventions, from the QE 6.7 sources (PHonon/PH/zstar_eu.f90, summarize.f90):
// * zstar_eu accumulates zstareu(jpol, icart, na) = -2 sum <dpsi/dE_jpol| dV/du_(na,icart) |psi>
//   (+ Z_ion on the diagonal) = dF_(na,icart)/dE_jpol, and summarize_zeu prints line "Ex" as
//   zstareu(1, 1:3, na): the printed ROW is the field direction alpha, the COLUMN the
//   displacement beta. That is DESIGN.md's Z*(alpha, beta) = dM_alpha/dr_beta = dF_beta/dE_alpha
//   as it stands, no transpose. The "d P / du" block (zue) prints line "Px" as
//   zstarue(1:3 displacement, na, x): row = polarization, column = displacement, the same.
//   phonopy agrees: its BORN rows are read the same way (its QE helper copies the "Ex" lines) and
//   its non-analytic term contracts q with the first index (np.dot(q, born)).
//   Our sheared test cell has Z*(y,z) != Z*(z,y) by ~1e-3 in both blocks, so a transpose shows.
// * summarize_epsilon prints ((epsilon(ipol, jpol), ipol = 1, 3), jpol = 1, 3): printed line j
//   holds column j. epsilon is symmetric up to convergence noise (~3e-9 in our test data), but we
//   transpose back so that epsilon_inf(i, j) is QE's epsilon(i, j).
#include "lnet/io/qe_ph.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/qe_pw.hpp"

namespace lnet {
namespace {

using qe_detail::LineReader;
using qe_detail::parse_numbers;
using qe_detail::trimmed;
using qe_detail::vector_in_parens;
using qe_units::bohr_angstrom;

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

class PhParser : public LineReader {
 public:
  PhParser(std::istream& in, std::string source) : LineReader(in, std::move(source)) {}

  QePhResult run() {
    std::size_t i = find("Program PHONON", 0);
    if (i == npos) {
      std::size_t p = find("Program ", 0);
      throw InputError(source_,
                       "not a ph.x output: no 'Program PHONON' line" +
                           (p == npos ? std::string() : " (found '" + trimmed(lines_[p]) + "')"));
    }
    read_header(i);
    // lnoloc / lrpa runs print "Dielectric constant in cartesian axis (DV_Hxc=0)" etc.: not the
    // full response, so only the plain title is accepted.
    std::size_t e = npos;
    for (std::size_t j = i; j < lines_.size() && e == npos; ++j)
      if (trimmed(lines_[j]) == "Dielectric constant in cartesian axis") e = j;
    if (e == npos)
      throw InputError(source_,
                       "no 'Dielectric constant in cartesian axis' block: run ph.x with "
                       "epsil=.true. on an insulator");
    read_epsilon(e);
    // Newer QE prints the zeu block twice, "without acoustic sum rule applied (asr)" and "with
    // asr applied": take the raw one. QE 6.7 prints it once, without the suffix.
    std::size_t z = npos;
    for (std::size_t j = e; j < lines_.size() && z == npos; ++j)
      if (contains(lines_[j], "Effective charges (d Force / dE) in cartesian axis") &&
          !contains(lines_[j], "with asr applied"))
        z = j;
    if (z == npos)
      throw InputError(source_,
                       "no 'Effective charges (d Force / dE)' block after the dielectric "
                       "constant at line " +
                           std::to_string(e + 1) +
                           " (ph.x run with epsil=.true. but the run is cut short?)");
    result_.bec = read_charges(z, 'E');
    if (std::size_t u = find("Effective charges (d P / du) in cartesian axis", z); u != npos)
      result_.bec_dp_du = read_charges(u, 'P');
    return std::move(result_);
  }

 private:
  // celldm(1), number of atoms, crystal axes and "site n. atom mass positions (alat units)".
  void read_header(std::size_t from) {
    std::size_t c = find("celldm(1)=", from), n = find("number of atoms/cell", from);
    std::size_t a = find("crystal axes: (cart. coord. in units of alat)", from);
    std::size_t s = find("positions (alat units)", from);
    if (c == npos || n == npos || a == npos || s == npos)
      throw InputError(source_,
                       "ph.x structure header (celldm(1), number of atoms/cell, crystal "
                       "axes, positions) is missing");
    std::vector<double> v;
    std::istringstream cs(lines_[c].substr(lines_[c].find("celldm(1)=") + 10));
    std::string tok;
    if (!(cs >> tok) || !parse_numbers(tok, v) || v.size() != 1 || v[0] <= 0)
      throw InputError(where(c), "cannot read celldm(1)");
    result_.alat = v[0] * bohr_angstrom;
    if (!parse_numbers(lines_[n].substr(lines_[n].find('=') + 1), v) || v.size() != 1 || v[0] < 1)
      throw InputError(where(n), "cannot read the number of atoms");
    nat_ = static_cast<int>(v[0]);
    for (int k = 0; k < 3; ++k)
      result_.cell.row(k) =
          result_.alat *
          vector_in_parens(line(a + 1 + k, a, "crystal axes"), where(a + 1 + k)).transpose();
    for (int k = 0; k < nat_; ++k) {
      std::size_t j = s + 1 + k;
      std::istringstream ss(line(j, s, "positions"));
      std::string index, label;
      if (!(ss >> index >> label) || !contains(lines_[j], "tau("))
        throw InputError(where(j), "expected atom " + std::to_string(k + 1) + " of " +
                                       std::to_string(nat_) +
                                       " ('N  Sym  mass  tau(N) = ( x y z )')");
      result_.numbers.push_back(qe_atomic_number(label, where(j)));
      result_.positions.push_back(result_.alat * vector_in_parens(lines_[j], where(j)));
    }
  }

  void read_epsilon(std::size_t e) {
    std::size_t j = skip_blank(e + 1);
    Mat3 printed;
    for (int k = 0; k < 3; ++k)
      printed.row(k) =
          vector_in_parens(line(j + k, e, "dielectric constant"), where(j + k)).transpose();
    result_.epsilon_inf = printed.transpose();  // printed line j is column j (see top)
  }

  // nat_ blocks "atom N Sym" + 3 lines "<prefix>x ( a b c )"; row = field/polarization.
  std::vector<Mat3> read_charges(std::size_t h, char prefix) {
    std::vector<Mat3> z;
    std::size_t j = h + 1;
    for (int k = 0; k < nat_; ++k) {
      j = skip_blank(j);
      std::istringstream ss(line(j, h, "effective charges"));
      std::string word, index, label;
      if (!(ss >> word >> index >> label) || word != "atom" || index != std::to_string(k + 1))
        throw InputError(where(j), "expected 'atom " + std::to_string(k + 1) + "' of " +
                                       std::to_string(nat_) +
                                       " in the effective charges block "
                                       "started at line " +
                                       std::to_string(h + 1));
      if (qe_atomic_number(label, where(j)) != result_.numbers[k])
        throw InputError(where(j), "species '" + label + "' differs from the header's atom " +
                                       std::to_string(k + 1));
      Mat3 m;
      for (int r = 0; r < 3; ++r) {
        const std::string& l = line(j + 1 + r, h, "effective charges");
        std::string expect = std::string(1, prefix) + "xyz"[r];
        if (trimmed(l).rfind(expect, 0) != 0)
          throw InputError(where(j + 1 + r), "expected row '" + expect + " ( a b c )', found '" +
                                                 trimmed(l) + "' (truncated output?)");
        m.row(r) = vector_in_parens(l, where(j + 1 + r)).transpose();
      }
      z.push_back(m);
      j += 4;
    }
    return z;
  }

  int nat_ = 0;
  QePhResult result_;
};

}  // namespace

QePhResult parse_qe_ph(std::istream& in, const std::string& source) {
  QePhResult r = PhParser(in, source).run();
  spdlog::debug("{}: {} Born charges, acoustic sum rule violation {:.2e} e", source, r.bec.size(),
                acoustic_sum_rule_violation(r.bec));
  return r;
}

QePhResult read_qe_ph(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open ph.x output");
  return parse_qe_ph(in, path);
}

double acoustic_sum_rule_violation(const std::vector<Mat3>& bec) {
  Mat3 sum = Mat3::Zero();
  for (const Mat3& z : bec) sum += z;
  return sum.cwiseAbs().maxCoeff();
}

std::size_t merge_qe_ph(std::vector<Structure>& frames, const QePhResult& ph,
                        const std::string& where) {
  // Printed precision: positions 5 decimals and cell 4 decimals of alat units; twice the
  // rounding error as tolerance, so relax steps a few 1e-4 Å apart stay distinct.
  const double pos_tol = 1e-5 * ph.alat + 1e-8, cell_tol = 1e-4 * ph.alat + 1e-8;
  if (frames.empty()) throw InputError(where, "no pw.x frames to attach the ph.x results to");
  std::size_t merged = 0;
  double closest = std::numeric_limits<double>::infinity();
  for (Structure& s : frames) {
    if (s.numbers != ph.numbers)
      throw InputError(where, "ph.x structure (" + std::to_string(ph.numbers.size()) +
                                  " atoms) differs in atom count or species from the pw.x frame (" +
                                  std::to_string(s.size()) + " atoms)");
    double dpos = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      dpos = std::max(dpos, (s.positions[i] - ph.positions[i]).cwiseAbs().maxCoeff());
    double dcell = (s.cell - ph.cell).cwiseAbs().maxCoeff();
    closest = std::min(closest, std::max(dpos, dcell));
    if (dpos > pos_tol || dcell > cell_tol) continue;
    s.bec = ph.bec;
    s.epsilon_inf = ph.epsilon_inf;
    ++merged;
  }
  if (merged == 0)
    throw InputError(where, "no pw.x frame has the geometry of the ph.x run (closest differs by " +
                                std::to_string(closest) + " Å in positions or cell)");
  return merged;
}

}  // namespace lnet
