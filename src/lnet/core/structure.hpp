// One atomic configuration with its optional DFT labels (DESIGN.md §3).
#pragma once
#include <Eigen/Dense>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lnet {

using Vec3 = Eigen::Vector3d;
// Row-major semantics where it matters: cell rows are the lattice vectors (as ASE),
// BEC Z*(alpha, beta) = dM_alpha / dr_beta.
using Mat3 = Eigen::Matrix3d;

struct Structure {
  std::vector<int> numbers;     // atomic numbers
  std::vector<Vec3> positions;  // Å, Cartesian
  Mat3 cell = Mat3::Zero();     // rows a, b, c in Å
  std::array<bool, 3> pbc = {false, false, false};

  // Labels; any may be missing (DESIGN.md §2).
  std::optional<double> energy;             // eV
  std::optional<std::vector<Vec3>> forces;  // eV/Å
  std::optional<Mat3> stress;               // eV/Å^3, ASE sign: (1/V) dE/d(strain)
  std::optional<Mat3> virial;               // eV, = -V * stress
  std::optional<std::vector<Mat3>> bec;     // e, per atom, Z*(alpha, beta)
  std::optional<Vec3> dipole;               // e·Å (Born dipole M)
  std::optional<Vec3> polarization;         // e/Å^2 (M / volume)
  std::optional<Mat3> polarizability;       // e·Å²/V, cell tensor dM_α/dE_β at fixed nuclei
  std::optional<Vec3> efield;               // V/Å, uniform external field
  std::optional<Mat3> epsilon_inf;          // high-frequency dielectric tensor
  double weight = 1.0;                      // per-structure loss weight

  // Anything else from the file, kept verbatim for a lossless round trip:
  // per-frame key -> raw value text, and per-atom columns -> (type, ncols, raw tokens per atom).
  std::map<std::string, std::string> info;
  struct Column {
    char type = 'S';
    int ncols = 1;
    std::vector<std::string> values;  // natoms * ncols tokens, atom-major
  };
  std::vector<std::pair<std::string, Column>> extra_arrays;

  std::size_t size() const { return numbers.size(); }
  bool periodic() const { return pbc[0] || pbc[1] || pbc[2]; }
  double volume() const { return std::abs(cell.determinant()); }
  // Stress label, from `stress` or else from `virial` (-virial / V), if either is present.
  std::optional<Mat3> stress_label() const;
  // Born-dipole label M (e·Å), from `dipole` or else from `polarization` × V.
  std::optional<Vec3> dipole_label() const;
  // Cell-polarizability label (e·Å²/V), from `polarizability` or else, for a periodic
  // structure, from `epsilon_inf`: alpha = (eps_inf - 1) eps0 V (DESIGN.md §1.7).
  std::optional<Mat3> polarizability_label() const;
};

}  // namespace lnet
