// Files phonopy reads, so that `phonopy` reproduces lnet's phonons. Checked against
// Debian's python3-phonopy 2.17 (tests/phonon/test_phonopy_roundtrip.cpp):
//
//  - POSCAR-unitcell: VASP 5 POSCAR of the primitive cell (species line, direct coordinates),
//    phonopy's default unit-cell format; lnet's primitive cell is phonopy's unit cell with
//    PRIMITIVE_AXES = identity.
//  - FORCE_CONSTANTS: full format, "N N" then for each pair "i j" (1-based) and the 3×3 block
//    Φ(iα, jβ) row α (eV/Å²), atoms in phonopy's supercell order (see supercell.hpp) for
//    DIM = Pᵀ (phonopy's supercell matrix is the transpose of lnet's).
//  - BORN: line 1 the unit factor e²/(4πε0) = 14.3996… eV·Å (phonopy's "factor"; with it the
//    file does not depend on phonopy's default for the interface); line 2 ε∞ row-major; then
//    Z* row-major, Z*(α, β) = ∂M_α/∂r_β (phonopy contracts q with the first index:
//    np.dot(q, born), the same as lnet), one line per SYMMETRY-INDEPENDENT atom in ascending
//    order (phonopy expands the others with its space group; lnet symmetrises Z* first so the
//    expansion gives back lnet's values).
//  - phonopy.conf: DIM, PRIMITIVE_AXES, FORCE_CONSTANTS = READ, MASS, NAC, and the band path.
#pragma once
#include <string>
#include <vector>

#include "lnet/phonon/force_constants.hpp"
#include "lnet/phonon/nac.hpp"

namespace lnet {

std::string poscar_text(const Structure& s, const std::string& comment);
std::string force_constants_text(const std::vector<Mat3>& full, int n_super);
std::string born_text(const NacParameters& nac, const std::vector<int>& independent_atoms);

struct PhonopyConf {
  Mat3i supercell_matrix;  // lnet's P (DIM is written as Pᵀ)
  std::vector<double> masses;
  NacMethod nac = NacMethod::none;
  std::vector<std::vector<Vec3>> band;           // segments of fractional q-points
  std::vector<std::vector<std::string>> labels;  // per segment, one per point ("" allowed)
  int band_points = 51;
  Vec3 q_direction = Vec3::Zero();  // Q_DIRECTION when non-zero
};
std::string phonopy_conf_text(const PhonopyConf& conf);

}  // namespace lnet
