// Phonon density of states on a Γ-centred Monkhorst–Pack mesh with Gaussian smearing.
#pragma once
#include <array>
#include <vector>

#include "lnet/phonon/dynamical_matrix.hpp"

namespace lnet {

struct PhononDos {
  std::vector<double> frequency_thz;     // grid
  std::vector<double> states;            // states/THz per primitive cell, integrates to 3N
  std::vector<double> mesh_frequencies;  // all mesh frequencies (THz), q-major
  int n_qpoints = 0;
};

// Mesh q = (i + shift_i) / n_i, i = 0 … n_i − 1 (shift 0: Γ-centred), `sigma_thz` Gaussian
// width, `n_grid` grid points from min − 4σ to max + 4σ. Mesh points at Γ use no NAC direction
// (one point of many: the LO–TO ambiguity is of measure zero).
PhononDos phonon_dos(const DynamicalMatrix& dm, const std::array<int, 3>& mesh, double sigma_thz,
                     int n_grid = 400, const Vec3& shift = Vec3::Zero());

}  // namespace lnet
