#include "lnet/io/phonopy_born.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/io/qe_pw.hpp"

namespace lnet {
namespace {

using qe_detail::parse_numbers;
using qe_detail::trimmed;

Mat3 row_major(const std::vector<double>& v) {
  Mat3 m;
  m << v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8];
  return m;
}

// The numbers of a data line, which must be exactly 9.
Mat3 nine_numbers(const std::string& line, const std::string& where, const char* what) {
  std::vector<double> v;
  if (!parse_numbers(line, v) || v.size() != 9)
    throw InputError(where, std::string("expected 9 numbers (") + what + ", row-major), found '" +
                                trimmed(line) + "'");
  return row_major(v);
}

}  // namespace

PhonopyBorn parse_phonopy_born(std::istream& in, const std::string& source) {
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
  }
  // Trailing blank lines are harmless; phonopy stops at the first empty line after the charges.
  while (!lines.empty() && trimmed(lines.back()).empty()) lines.pop_back();
  auto where = [&](std::size_t i) { return source + ":" + std::to_string(i + 1); };
  if (lines.empty() || trimmed(lines[0]).empty())
    throw InputError(where(0),
                     "empty first line: a BORN file starts with a header line "
                     "(unit factor or text) or the 9 numbers of epsilon");

  PhonopyBorn born;
  std::size_t first_data = 1;
  std::vector<double> v;
  bool numeric = parse_numbers(lines[0], v);
  if (numeric && v.size() == 9) {
    spdlog::warn(
        "{}: first line has 9 numbers: read as epsilon without a header line (phonopy "
        "would read it as the header)",
        where(0));
    first_data = 0;
  } else {
    std::istringstream ss(lines[0]);
    std::string tok;
    ss >> tok;
    if (parse_numbers(tok, v) && v.size() == 1) born.factor = v[0];
  }
  if (lines.size() < first_data + 2)
    throw InputError(where(lines.size() - 1),
                     "BORN file needs the 9 numbers of epsilon and at "
                     "least one line of 9 Z* numbers");
  born.epsilon = nine_numbers(lines[first_data], where(first_data), "epsilon_inf");
  for (std::size_t i = first_data + 1; i < lines.size(); ++i)
    born.z.push_back(nine_numbers(lines[i], where(i), "Z* of one atom"));
  return born;
}

PhonopyBorn read_phonopy_born(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open BORN file");
  return parse_phonopy_born(in, path);
}

void apply_phonopy_born(Structure& s, const PhonopyBorn& born, const std::string& where) {
  if (born.z.size() != s.size())
    throw InputError(where, "BORN lists Z* for " + std::to_string(born.z.size()) +
                                " atoms but the structure has " + std::to_string(s.size()) +
                                ": phonopy's BORN holds only symmetry-independent atoms, and "
                                "expanding them needs the crystal's symmetry operations, which "
                                "lnet does not do; give one Z* line per atom, in the "
                                "structure's order");
  s.bec = born.z;
  s.epsilon_inf = born.epsilon;
}

}  // namespace lnet
