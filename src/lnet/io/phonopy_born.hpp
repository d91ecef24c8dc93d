// phonopy's BORN file: epsilon_inf and Born effective charges (DESIGN.md §1, §3).
#pragma once
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

// Layout as phonopy.file_IO.get_born_parameters reads it:
//   line 1: header; its first token, if a number, is the NAC unit-conversion factor (further
//           tokens G_cutoff, Lambda are phonopy's own settings and are ignored here);
//   line 2: 9 numbers, epsilon_inf row-major (xx xy xz yx ... zz);
//   then 9 numbers per symmetry-independent atom: Z* row-major.
// Z* rows are the field/polarization direction and columns the displacement: phonopy's
// non-analytic term contracts q with the first index (np.dot(q, born) in
// DynamicalMatrixNAC._get_charge_sum), which is DESIGN.md's Z*(alpha, beta) = dM_alpha/dr_beta,
// so the numbers are taken as they stand.
struct PhonopyBorn {
  Mat3 epsilon = Mat3::Zero();
  std::vector<Mat3> z;
  std::optional<double> factor;
};

// Throws InputError naming the file and line for a line without 9 numbers or no Z* line. A file
// whose first line already holds 9 numbers is read as having no header (phonopy would take that
// line for the header and misread the rest), with a warning.
PhonopyBorn read_phonopy_born(const std::string& path);
PhonopyBorn parse_phonopy_born(std::istream& in, const std::string& source);

// Sets s.bec and s.epsilon_inf from `born`. phonopy writes Z* only for symmetry-independent atoms
// and expands them with the crystal's symmetry operations, which lnet does not compute: the BORN
// file must list one Z* per atom of `s`, in order, or this throws InputError (prefixed `where`).
void apply_phonopy_born(Structure& s, const PhonopyBorn& born, const std::string& where);

}  // namespace lnet
