// pw.x output reader. Layout of the output followed here (QE 6.x, checked against 6.7 and ASE's
// ase/io/espresso.py): a header per run ("Program PWSCF", celldm(1), "crystal axes" in alat
// units, "site n. ... positions (alat units)"), then per ionic step "!    total energy",
// "Forces acting on atoms", "total   stress" and, for the next step, optional
// "CELL_PARAMETERS (unit)" and "ATOMIC_POSITIONS (unit)" cards in the units of the input.
#include "lnet/io/qe_pw.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"

namespace lnet {
namespace qe_detail {

std::string trimmed(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool starts_with(const std::string& s, const char* prefix) {
  return trimmed(s).rfind(prefix, 0) == 0;
}

// Whitespace-separated numbers of `text`; Fortran 'D' exponents accepted. False if a token is not
// a number.
bool parse_numbers(const std::string& text, std::vector<double>& out) {
  out.clear();
  std::istringstream ss(text);
  std::string tok;
  while (ss >> tok) {
    for (char& c : tok)
      if (c == 'D' || c == 'd') c = 'e';
    std::size_t used = 0;
    try {
      out.push_back(std::stod(tok, &used));
    } catch (const std::exception&) {
      return false;
    }
    if (used != tok.size()) return false;
  }
  return true;
}

// The vector "( x y z )" at the end of lines such as "a(1) = ( 0.1 0.2 0.3 )" and
// "1  Na  tau(   1) = (   0.0   0.0   0.0  )": the text between the last '(' and the ')' after it.
Vec3 vector_in_parens(const std::string& line, const std::string& where) {
  std::size_t open = line.rfind('(');
  std::size_t close = open == std::string::npos ? open : line.find(')', open);
  std::vector<double> v;
  if (close == std::string::npos || !parse_numbers(line.substr(open + 1, close - open - 1), v) ||
      v.size() != 3)
    throw InputError(where, "expected a vector '( x y z )', found '" + trimmed(line) + "'");
  return {v[0], v[1], v[2]};
}

LineReader::LineReader(std::istream& in, std::string source) : source_(std::move(source)) {
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines_.push_back(std::move(l));
  }
}

const std::string& LineReader::line(std::size_t i, std::size_t start, const char* block) const {
  if (i >= lines_.size())
    throw InputError(where(lines_.size() - 1),
                     std::string("file ends inside the ") + block + " block started at line " +
                         std::to_string(start + 1) + " (truncated output)");
  return lines_[i];
}

std::size_t LineReader::find(const char* text, std::size_t from) const {
  for (std::size_t j = from; j < lines_.size(); ++j)
    if (lines_[j].find(text) != std::string::npos) return j;
  return npos;
}

std::size_t LineReader::skip_blank(std::size_t j) const {
  while (j < lines_.size() && trimmed(lines_[j]).empty()) ++j;
  return j;
}

}  // namespace qe_detail

namespace {

using qe_detail::LineReader;
using qe_detail::parse_numbers;
using qe_detail::starts_with;
using qe_detail::trimmed;
using qe_detail::vector_in_parens;

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

using qe_units::bohr_angstrom;
using qe_units::rydberg_ev;
constexpr double kForceUnit = rydberg_ev / bohr_angstrom;
constexpr double kStressUnit = rydberg_ev / (bohr_angstrom * bohr_angstrom * bohr_angstrom);

// The unit word in "CELL_PARAMETERS (bohr)" / "ATOMIC_POSITIONS (crystal)", lower case; "alat"
// also for "(alat= 10.7)", with the value (bohr) in `alat_bohr`.
std::string card_unit(const std::string& line, double& alat_bohr) {
  std::size_t open = line.find('('), close = line.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return "alat";
  std::string inside = line.substr(open + 1, close - open - 1);
  for (char& c : inside) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (std::size_t eq = inside.find('='); eq != std::string::npos) {
    std::vector<double> v;
    if (parse_numbers(inside.substr(eq + 1), v) && v.size() == 1) alat_bohr = v[0];
    return trimmed(inside.substr(0, eq));
  }
  return trimmed(inside);
}

class PwParser : public LineReader {
 public:
  PwParser(std::istream& in, std::string source, PwReadOptions options)
      : LineReader(in, std::move(source)), options_(options) {}

  std::vector<Structure> run() {
    for (std::size_t i = 0; i < lines_.size(); ++i) dispatch(i);
    return finish();
  }

 private:
  struct Pending {
    Structure s;
    std::size_t line;
    bool final_reprint;  // inside "Begin/End final coordinates": a relax's last geometry again
    std::size_t run;     // index of the "Program PWSCF" run (outputs may be concatenated)
  };

  void dispatch(std::size_t i) {
    const std::string& l = lines_[i];
    if (contains(l, "Program PWSCF")) {
      saw_program_ = true;
      run_done_.push_back(false);
      nat_ = 0;
      alat_ = 0;
      have_cell_ = false;
    } else if (contains(l, "Program ") && !saw_program_ && program_.empty()) {
      program_ = trimmed(l);
    } else if (contains(l, "number of atoms/cell")) {
      std::vector<double> v;
      if (!parse_numbers(l.substr(l.find('=') + 1), v) || v.size() != 1 || v[0] < 1)
        throw InputError(where(i), "cannot read the number of atoms from '" + trimmed(l) + "'");
      nat_ = static_cast<int>(v[0]);
    } else if (contains(l, "celldm(1)=")) {
      read_alat(i);
    } else if (contains(l, "crystal axes: (cart. coord. in units of alat)")) {
      read_header_cell(i);
    } else if (contains(l, "site n.") && contains(l, "positions (alat units)")) {
      read_header_positions(i);
    } else if (starts_with(l, "CELL_PARAMETERS")) {
      read_cell_parameters(i);
    } else if (starts_with(l, "ATOMIC_POSITIONS")) {
      read_atomic_positions(i);
    } else if (contains(l, "Begin final coordinates")) {
      in_final_ = true;
    } else if (contains(l, "End final coordinates")) {
      in_final_ = false;
    } else if (starts_with(l, "!") && contains(l, "total energy")) {
      read_energy(i);
    } else if (contains(l, "Forces acting on atoms")) {
      read_forces(i);
    } else if (contains(l, "total   stress")) {
      read_stress(i);
    } else if (contains(l, "JOB DONE.")) {
      if (!run_done_.empty()) run_done_.back() = true;
    } else if (contains(l, "convergence NOT achieved")) {
      not_converged_ = i;
    }
  }

  void require_pw(std::size_t i) const {
    if (!saw_program_)
      throw InputError(where(i),
                       "structure data before any 'Program PWSCF' line: not a pw.x output" +
                           (program_.empty() ? std::string() : " ('" + program_ + "')"));
  }

  void read_alat(std::size_t i) {
    // "celldm(1)=   7.683788  celldm(2)= ..." has more digits than "lattice parameter (alat)".
    const std::string& l = lines_[i];
    std::istringstream ss(l.substr(l.find("celldm(1)=") + 10));
    std::string tok;
    std::vector<double> v;
    if (!(ss >> tok) || !parse_numbers(tok, v) || v.size() != 1 || v[0] <= 0)
      throw InputError(where(i), "cannot read celldm(1) from '" + trimmed(l) + "'");
    alat_ = v[0] * bohr_angstrom;
  }

  void read_header_cell(std::size_t i) {
    require_pw(i);
    if (alat_ <= 0) throw InputError(where(i), "crystal axes before celldm(1): cannot scale them");
    for (int k = 0; k < 3; ++k) {
      const std::string& l = line(i + 1 + k, i, "crystal axes");
      cell_.row(k) = alat_ * vector_in_parens(l, where(i + 1 + k)).transpose();
    }
    have_cell_ = true;
  }

  Pending& start_config(std::size_t i) {
    require_pw(i);
    if (nat_ <= 0) throw InputError(where(i), "positions before 'number of atoms/cell'");
    if (!have_cell_) throw InputError(where(i), "positions before the cell ('crystal axes' block)");
    Pending p{Structure{}, i, in_final_, run_done_.size() - 1};
    p.s.cell = cell_;
    p.s.pbc = {true, true, true};
    configs_.push_back(std::move(p));
    return configs_.back();
  }

  void read_header_positions(std::size_t i) {
    Pending& p = start_config(i);
    for (int k = 0; k < nat_; ++k) {
      std::size_t j = i + 1 + k;
      std::istringstream ss(line(j, i, "atomic positions"));
      std::string index, label;
      if (!(ss >> index >> label) || !contains(lines_[j], "tau("))
        throw InputError(where(j), "expected atom " + std::to_string(k + 1) + " of " +
                                       std::to_string(nat_) + " ('N  Sym  tau(N) = ( x y z )')");
      p.s.numbers.push_back(qe_atomic_number(label, where(j)));
      p.s.positions.push_back(alat_ * vector_in_parens(lines_[j], where(j)));
    }
  }

  void read_cell_parameters(std::size_t i) {
    require_pw(i);
    double card_alat = alat_ / bohr_angstrom;
    std::string unit = card_unit(lines_[i], card_alat);
    double scale = unit == "bohr"       ? bohr_angstrom
                   : unit == "angstrom" ? 1.0
                   : unit == "alat"     ? card_alat * bohr_angstrom
                                        : 0.0;
    if (scale <= 0) throw InputError(where(i), "unknown CELL_PARAMETERS unit '" + unit + "'");
    for (int k = 0; k < 3; ++k) {
      std::vector<double> v;
      if (!parse_numbers(line(i + 1 + k, i, "CELL_PARAMETERS"), v) || v.size() != 3)
        throw InputError(where(i + 1 + k),
                         "expected 3 numbers of lattice vector " + std::to_string(k + 1));
      cell_.row(k) = scale * Vec3(v[0], v[1], v[2]).transpose();
    }
    have_cell_ = true;
  }

  void read_atomic_positions(std::size_t i) {
    double unused = 0;
    std::string unit = card_unit(lines_[i], unused);
    if (unit != "alat" && unit != "bohr" && unit != "angstrom" && unit != "crystal")
      throw InputError(where(i), "unsupported ATOMIC_POSITIONS unit '" + unit + "'");
    Pending& p = start_config(i);
    for (int k = 0; k < nat_; ++k) {
      std::size_t j = i + 1 + k;
      std::istringstream ss(line(j, i, "ATOMIC_POSITIONS"));
      std::string label, rest;
      std::vector<double> v;
      ss >> label;
      std::getline(ss, rest);
      // 3 coordinates, optionally followed by the 3 if_pos flags of fixed atoms.
      if (label.empty() || !parse_numbers(rest, v) || (v.size() != 3 && v.size() != 6))
        throw InputError(where(j), "expected atom " + std::to_string(k + 1) + " of " +
                                       std::to_string(nat_) + " ('Sym  x y z')");
      Vec3 x(v[0], v[1], v[2]);
      if (unit == "crystal")
        x = p.s.cell.transpose() * x;  // rows of cell are a, b, c
      else
        x *= unit == "bohr" ? bohr_angstrom : unit == "alat" ? alat_ : 1.0;
      p.s.numbers.push_back(qe_atomic_number(label, where(j)));
      p.s.positions.push_back(x);
    }
  }

  Pending& current(std::size_t i, const char* what) {
    if (configs_.empty())
      throw InputError(where(i), std::string(what) +
                                     " before any structure: not a pw.x output "
                                     "or its header is missing");
    return configs_.back();
  }

  void read_energy(std::size_t i) {
    Pending& p = current(i, "total energy");
    const std::string& l = lines_[i];
    std::istringstream ss(l.substr(l.find('=') == std::string::npos ? l.size() : l.find('=') + 1));
    std::string value, unit;
    std::vector<double> v;
    if (!(ss >> value >> unit) || unit != "Ry" || !parse_numbers(value, v) || v.size() != 1)
      throw InputError(where(i), "cannot read the total energy in Ry from '" + trimmed(l) + "'");
    if (p.s.energy)
      throw InputError(where(i), "second total energy for the structure read at line " +
                                     std::to_string(p.line + 1));
    p.s.energy = v[0] * rydberg_ev;
  }

  void read_forces(std::size_t i) {
    Pending& p = current(i, "forces");
    std::size_t j = i + 1;
    while (j < lines_.size() && trimmed(lines_[j]).empty()) ++j;
    std::vector<Vec3> forces;
    for (int k = 0; k < nat_; ++k, ++j) {
      // "atom    1 type  1   force =     0.00589299   -0.00478779   -0.00037490"
      const std::string& l = j < lines_.size() ? lines_[j] : std::string();
      std::vector<double> v;
      std::size_t eq = l.find("force =");
      if (!starts_with(l, "atom") || eq == std::string::npos ||
          !parse_numbers(l.substr(eq + 7), v) || v.size() != 3)
        throw InputError(where(std::min(j, lines_.size() - 1)),
                         "forces block started at line " + std::to_string(i + 1) +
                             " is truncated: " + std::to_string(k) + " of " + std::to_string(nat_) +
                             " atom lines");
      forces.emplace_back(kForceUnit * Vec3(v[0], v[1], v[2]));
    }
    p.s.forces = std::move(forces);
  }

  void read_stress(std::size_t i) {
    Pending& p = current(i, "stress");
    if (!contains(lines_[i], "(Ry/bohr**3)"))
      throw InputError(where(i), "stress not in Ry/bohr**3: '" + trimmed(lines_[i]) + "'");
    Mat3 s;
    for (int k = 0; k < 3; ++k) {
      std::vector<double> v;
      if (!parse_numbers(line(i + 1 + k, i, "stress"), v) || v.size() != 6)
        throw InputError(
            where(i + 1 + k),
            "expected 6 numbers (Ry/bohr^3 and kbar) of stress row " + std::to_string(k + 1));
      s.row(k) << v[0], v[1], v[2];
    }
    // QE prints sigma = -(1/V) dE/d(strain) (positive under compression); ASE's is the negative.
    p.s.stress = Mat3(-kStressUnit * s);
  }

  std::vector<Structure> finish() {
    if (!saw_program_)
      throw InputError(source_,
                       "not a pw.x output: no 'Program PWSCF' line" +
                           (program_.empty() ? std::string() : " (found '" + program_ + "')"));
    if (configs_.empty())
      throw InputError(source_, "no structure found (missing 'positions (alat units)' block)");
    std::vector<Structure> frames;
    for (std::size_t c = 0; c < configs_.size(); ++c) {
      Pending& p = configs_[c];
      if (p.s.energy) {
        frames.push_back(std::move(p.s));
        continue;
      }
      bool last = c + 1 == configs_.size();
      bool last_of_run = last || configs_[c + 1].run != p.run;
      if (p.final_reprint || (last_of_run && run_done_[p.run]) ||
          (last && options_.allow_incomplete)) {
        // A relax's reprinted final geometry, or the next geometry of a run that hit nstep (or
        // whose SCF did not converge).
        if (not_converged_ > p.line)
          spdlog::warn("{}: SCF not converged for the structure read at line {}: skipped",
                       where(not_converged_), p.line + 1);
        continue;
      }
      throw InputError(where(p.line),
                       last ? "no '!    total energy' for the structure read here and no "
                              "'JOB DONE.': the output is truncated"
                            : "no '!    total energy' for the structure read here before the next "
                              "one at line " +
                                  std::to_string(configs_[c + 1].line + 1));
    }
    if (!run_done_.back() && !options_.allow_incomplete)
      throw InputError(where(lines_.size() - 1),
                       "output ends without 'JOB DONE.': truncated or unfinished run (the last "
                       "frame may lack forces or stress)");
    if (frames.empty())
      throw InputError(source_, "no '!    total energy' line" +
                                    (not_converged_ ? " (SCF not converged, line " +
                                                          std::to_string(not_converged_ + 1) + ")"
                                                    : std::string()));
    return frames;
  }

  PwReadOptions options_;
  std::string program_;  // the first "Program X" line of a non-pw.x output, for the error
  bool saw_program_ = false, in_final_ = false;
  std::vector<bool> run_done_;     // per "Program PWSCF" run: "JOB DONE." seen
  std::size_t not_converged_ = 0;  // line of the last "convergence NOT achieved", 0 if none
  int nat_ = 0;
  double alat_ = 0;  // Å
  Mat3 cell_ = Mat3::Zero();
  bool have_cell_ = false;
  std::vector<Pending> configs_;
};

}  // namespace

int qe_atomic_number(const std::string& label, const std::string& where) {
  std::string letters;
  for (char c : label) {
    if (!std::isalpha(static_cast<unsigned char>(c))) break;
    letters += letters.empty() ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                               : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (std::size_t n : {std::size_t(2), std::size_t(1)}) {
    if (letters.size() < n) continue;
    try {
      return atomic_number(letters.substr(0, n));
    } catch (const InputError&) {
    }
  }
  throw InputError(where, "species label '" + label + "' does not start with an element symbol");
}

std::vector<Structure> parse_qe_pw(std::istream& in, const std::string& source,
                                   const PwReadOptions& options) {
  return PwParser(in, source, options).run();
}

std::vector<Structure> read_qe_pw(const std::string& path, const PwReadOptions& options) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open pw.x output");
  return parse_qe_pw(in, path, options);
}

}  // namespace lnet
