// Dynamical matrices D(q) from supercell force constants, with the non-analytic correction
//. Conventions as phonopy (phonopy/harmonic/dynamical_matrix.py):
//
//   D_{iα,jβ}(q) = Σ_{k ∈ sublattice j} Φ(iα, kβ) / sqrt(m_i m_j)
//                  · (1/n_ik) Σ_{v ∈ shortest(i, k)} exp(2πi q·v),
//
// q in fractional coordinates of the primitive reciprocal lattice (no 2π), v the minimum-image
// vectors (ImageTable) in fractional primitive coordinates, Hermitised: (D + D†)/2. Units
// eV/(Å² amu); frequencies ν = sign(λ) sqrt(|λ|) · units::ev_a2_amu_to_thz (imaginary as negative).
//
// NAC:
//  - gonze: the Gonze–Lee dipole–dipole sum C^dd(q) (DipoleDipole) is Fourier-transformed over
//    the supercell's commensurate q-points (each moved into the first Brillouin zone) and
//    subtracted from Φ once; at each q, D = D_short(q) + C^dd(q)/sqrt(m_i m_j). Exact at the
//    commensurate points, smooth in between: the long-range tail is no longer folded into
//    the supercell.
//  - wang: Wang et al., J. Phys.: Condens. Matter 22, 202201 (2010): the NAC term C^NA(q̂)/N is
//    added to every Φ(i, k) before the Fourier sum, so it acts fully at Γ and fades away from it
//    through the phase sums.
//  At q = 0 the non-analytic term needs a direction q̂ (`q_direction`); without one D(Γ) is the
//  analytic one (TO modes only, LO degenerate with TO), as phonopy does.
#pragma once
#include <Eigen/Dense>
#include <memory>
#include <optional>
#include <vector>

#include "lnet/phonon/dipole_dipole.hpp"
#include "lnet/phonon/force_constants.hpp"
#include "lnet/phonon/image_table.hpp"
#include "lnet/phonon/nac.hpp"

namespace lnet {

struct PhononModes {
  Eigen::VectorXd frequencies_thz;  // ascending by eigenvalue, imaginary as negative
  Eigen::MatrixXcd eigenvectors;    // columns, unit norm, of the mass-weighted D(q)
};

class DynamicalMatrix {
 public:
  // `masses` in amu, one per primitive atom. `fc` compact (primitive × supercell) force
  // constants of `supercell` (whose primitive cell is `primitive`), the full ones: for
  // NacMethod::gonze the dipole–dipole part is subtracted here.
  DynamicalMatrix(const Structure& primitive, std::vector<double> masses,
                  const Supercell& supercell, ForceConstants fc, NacParameters nac = {});

  // D(q), 3N × 3N, eV/(Å² amu). `q` and `q_direction` in fractional reciprocal coordinates
  // (q_direction only matters at |q| < 1e-5 1/Å, phonopy's tolerance).
  Eigen::MatrixXcd at(const Vec3& q, const std::optional<Vec3>& q_direction = std::nullopt) const;
  PhononModes modes(const Vec3& q, const std::optional<Vec3>& q_direction = std::nullopt) const;
  Eigen::VectorXd frequencies(const Vec3& q,
                              const std::optional<Vec3>& q_direction = std::nullopt) const;

  // Cartesian q (1/Å, no 2π) of a fractional q.
  Vec3 cartesian(const Vec3& q) const { return reciprocal_ * q; }
  const std::vector<double>& masses() const { return masses_; }
  const NacParameters& nac() const { return nac_; }
  const Structure& primitive() const { return primitive_; }
  // The force constants D(q) is built from (for gonze: the short-range ones).
  const ForceConstants& force_constants() const { return fc_; }
  const DipoleDipole* dipole_dipole() const { return dd_.get(); }
  std::size_t n_atoms() const { return masses_.size(); }

 private:
  // Σ_k (Φ(i,k) + extra(i, j)) · phases / sqrt(m m), Hermitised.
  Eigen::MatrixXcd fourier(const Vec3& q, const std::vector<Mat3>* extra) const;
  Eigen::MatrixXcd mass_weight(Eigen::MatrixXcd c) const;
  void subtract_dipole_dipole(const Supercell& supercell);

  Structure primitive_;
  std::vector<double> masses_;
  ForceConstants fc_;
  std::vector<int> to_primitive_;
  int multiplicity_ = 1;
  ImageTable images_;
  NacParameters nac_;
  Mat3 reciprocal_;  // columns: reciprocal vectors without 2π (cell⁻¹)
  std::unique_ptr<DipoleDipole> dd_;
};

// Commensurate q-points of a supercell (fractional, in [0, 1)), one per lattice point.
std::vector<Vec3> commensurate_points(const Mat3i& supercell_matrix);

}  // namespace lnet
