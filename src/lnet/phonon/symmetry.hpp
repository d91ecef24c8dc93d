// Space-group operations of a periodic structure, by brute force: enough to find the
// symmetry-independent atoms phonopy's BORN file lists and to symmetrise Z* and ε∞ the way
// phonopy expands them. Not a replacement for spglib (no standardisation, no settings).
#pragma once
#include <vector>

#include "lnet/core/structure.hpp"
#include "lnet/phonon/supercell.hpp"

namespace lnet {

struct SymmetryOperation {
  Mat3i rotation;                // W acting on fractional column vectors: x' = W x + t
  Vec3 translation;              // t (fractional)
  Mat3 cartesian;                // R = Lᵀ W L⁻ᵀ (orthogonal), L the cell rows
  std::vector<int> permutation;  // atom i goes to atom permutation[i]
};

struct CrystalSymmetry {
  std::vector<SymmetryOperation> operations;  // identity first
  std::vector<int> representative;            // per atom: the smallest atom index of its orbit
  std::vector<int> independent;  // the distinct representatives, ascending (phonopy's order)
};

// All operations W (integer entries in [-1, 1], metric preserving) with a translation mapping
// every atom onto an atom of the same species within `tolerance` Å (phonopy's symprec 1e-5).
CrystalSymmetry find_symmetry(const Structure& s, double tolerance = 1e-5);

// Z*_k ← (1/|G|) Σ_g R_g Z*_{g⁻¹(k)} R_gᵀ and ε ← (1/|G|) Σ_g R_g ε R_gᵀ; returns the largest
// change of any element.
double symmetrize_born(const CrystalSymmetry& symmetry, std::vector<Mat3>& born, Mat3& epsilon);

}  // namespace lnet
