// Quantum ESPRESSO pw.x text output -> Structures with energy, forces, stress (DESIGN.md §3).
#pragma once
#include <istream>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

namespace qe_units {
// CODATA 2018: 1 Ry = 13.605693122994 eV, 1 bohr = 0.529177210903 Å. (ASE 3.22 uses CODATA 2014,
// whose values differ by ~1e-8 relative: compare with ASE at that tolerance.)
// They live here, not in core/constants.hpp, because only the QE converters use them so far.
inline constexpr double rydberg_ev = 13.605693122994;
inline constexpr double bohr_angstrom = 0.529177210903;
}  // namespace qe_units

struct PwReadOptions {
  // A run that stops before "JOB DONE." (killed, still running) is an error by default, since its
  // last frame may lack forces or stress silently. With this set, the frames that have a total
  // energy are kept and a trailing structure without one is dropped.
  bool allow_incomplete = false;
};

// Every structure of a pw.x output that has a total energy: one for scf, one per ionic step for
// relax/vc-relax/md (the reprinted "final coordinates" of a relax, which has no new energy, is
// not repeated; the final scf of a vc-relax is). Positions and cell in Å in whatever units the
// output prints them (alat, bohr, angstrom, crystal); energy eV; forces eV/Å; stress eV/Å^3 with
// ASE's sign (QE prints the pressure-positive stress, so it is negated); pbc T T T.
// Throws InputError naming the file and line for a file that is not a pw.x output, a truncated
// block or run, or a missing structure block.
std::vector<Structure> read_qe_pw(const std::string& path, const PwReadOptions& options = {});
// Same, from a stream; `source` names it in error messages.
std::vector<Structure> parse_qe_pw(std::istream& in, const std::string& source,
                                   const PwReadOptions& options = {});

// Atomic number of a QE species label: "Na", "Na1", "Fe_up", "CL" -> the element it starts with
// (two letters if they form a symbol, else one), as ASE's label_to_symbol. Throws InputError.
int qe_atomic_number(const std::string& label, const std::string& where);

// Text helpers shared by the QE readers (qe_pw.cpp, qe_ph.cpp).
namespace qe_detail {
std::string trimmed(const std::string& s);
// Whether `s` starts with `prefix` after leading blanks.
bool starts_with(const std::string& s, const char* prefix);
// Whitespace-separated numbers of `text` ('D' exponents accepted); false if a token is not one.
bool parse_numbers(const std::string& text, std::vector<double>& out);
// The vector "( x y z )" ending lines like "a(1) = ( 0.1 0.2 0.3 )"; InputError(where) otherwise.
Vec3 vector_in_parens(const std::string& line, const std::string& where);

// The lines of a QE output (CR stripped) with error locations "file:line", shared by the
// pw.x and ph.x parsers.
class LineReader {
 public:
  LineReader(std::istream& in, std::string source);

 protected:
  static constexpr std::size_t npos = std::string::npos;
  std::string where(std::size_t i) const { return source_ + ":" + std::to_string(i + 1); }
  // Line i of a block that started at line `start`; a file ending inside it is truncated.
  const std::string& line(std::size_t i, std::size_t start, const char* block) const;
  // First line at or after `from` containing `text`, or npos.
  std::size_t find(const char* text, std::size_t from) const;
  // First non-blank line at or after j (lines_.size() if none).
  std::size_t skip_blank(std::size_t j) const;

  std::vector<std::string> lines_;
  std::string source_;
};
}  // namespace qe_detail

}  // namespace lnet
