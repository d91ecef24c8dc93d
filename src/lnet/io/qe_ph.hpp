// Quantum ESPRESSO ph.x text output -> Born effective charges and epsilon_inf (DESIGN.md §1, §3).
#pragma once
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

// What a ph.x run with epsil=.true. prints at q = Gamma, in lnet's conventions.
struct QePhResult {
  // The structure as ph.x echoes it (to match it with pw.x frames): positions in Å from alat
  // units printed with 5 decimals, cell in Å from alat units printed with 4 decimals.
  std::vector<int> numbers;
  std::vector<Vec3> positions;
  Mat3 cell = Mat3::Zero();
  double alat = 0;  // Å
  Mat3 epsilon_inf = Mat3::Zero();
  // Z*(alpha, beta) = dF_beta/dE_alpha = dM_alpha/dr_beta in e, per atom: the "d Force / dE"
  // block (zeu) without the acoustic sum rule imposed (the DFT numbers as computed).
  std::vector<Mat3> bec;
  // The "d P / du" block (zue), same convention, when ph.x computed it (zue=.true.).
  std::optional<std::vector<Mat3>> bec_dp_du;
};

// Reads the first q = Gamma dielectric tensor and zeu block of a ph.x output. Throws InputError
// naming the file and line for a file that is not a ph.x output, a missing block (no epsil) or a
// truncated one.
QePhResult read_qe_ph(const std::string& path);
QePhResult parse_qe_ph(std::istream& in, const std::string& source);

// max over (alpha, beta) of |sum_i Z*_i(alpha, beta)|: zero when the acoustic sum rule holds
// (DESIGN.md §1); in DFPT its size measures k-point / cutoff convergence.
double acoustic_sum_rule_violation(const std::vector<Mat3>& bec);

// Sets bec and epsilon_inf on every frame of `frames` that is the structure of `ph` (same atom
// count and species; positions and cell equal within the precision ph.x prints them). Returns the
// number of frames set. Throws InputError (prefixed by `where`) when the atom count or species
// differ or no frame has the ph.x geometry.
std::size_t merge_qe_ph(std::vector<Structure>& frames, const QePhResult& ph,
                        const std::string& where);

}  // namespace lnet
