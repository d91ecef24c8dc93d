// Extended XYZ as ASE reads and writes it (DESIGN.md §3).
//
// Per-frame keys mapped onto Structure: Lattice (rows a, b, c), pbc, energy, stress (9 numbers
// in ASE's Fortran order, or Voigt xx yy zz yz xz xy), virial (9 or 6), dipole, polarization,
// efield (3 each), epsilon_inf (9 row-major, 3 diagonal or 1 isotropic), polarizability (9
// row-major), weight (or
// config_weight when weight is absent), and a per-frame BEC/bec given as `_JSON [[[..]]]` (N x 3
// x 3, [atom][alpha][beta]) or 9N numbers. Per-atom columns: species (or Z:I:1), pos, forces (or
// force), bec/BEC:R:9 (row-major Z*(alpha, beta) = dM_alpha/dr_beta). Everything else is kept
// verbatim in Structure::info / extra_arrays and written back unchanged.
#pragma once
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

// Where each label lives in a file: public data sets name them differently
// (total_energy, REF_forces, born_charge, ...). Empty means lnet's own name, which also accepts
// the aliases `force` (forces) and `BEC` (bec). A label read from another key leaves the key of
// the default name, if the file has one too, as an ordinary info entry or column.
struct LabelKeys {
  std::string energy, forces, stress, virial, bec, dipole, polarization, polarizability, efield,
      epsilon_inf;

  // The label names, in the order above, and the member of each.
  static const std::vector<std::pair<std::string, std::string LabelKeys::*>>& labels();
  // The key `label` is read from ("forces" for an empty forces entry).
  std::string key_of(const std::string& label) const;
  // Sets the key of `label`; InputError naming `where` for an unknown label name.
  void set(const std::string& label, const std::string& key, const std::string& where);
  // "energy=total_energy, bec=born_charge" (only the non-default entries; "" when none).
  std::string describe() const;
};

// Frames carrying each label of LabelKeys::labels() (stress counts `stress` only; the stress
// loss term also learns from `virial`).
std::map<std::string, std::size_t> count_labels(const std::vector<Structure>& frames);

// "file: N frames; labels: energy (from total_energy) N, forces N, ...; absent: ..." — one
// line per file, for the log.
std::string label_summary(const std::string& file, const std::vector<Structure>& frames,
                          const LabelKeys& keys);

// All frames of a file. Errors are lnet::InputError naming the file, the 1-based frame index and
// the line number, and what was expected.
std::vector<Structure> read_extxyz(const std::string& path, const LabelKeys& keys = {});
// Same, from a stream; `name` stands for the file in error messages.
std::vector<Structure> parse_extxyz(std::istream& in, const std::string& name,
                                    const LabelKeys& keys = {});

// Frame `frame` of `path` (negative counts from the end: -1 is the last); InputError naming
// `where` (e.g. the config file) when it is out of range.
Structure read_extxyz_frame(const std::string& path, long frame, const std::string& where);

// Writes atomically (temporary file in the same folder, then rename).
void write_extxyz(const std::string& path, const std::vector<Structure>& frames);
void write_extxyz(std::ostream& out, const std::vector<Structure>& frames);

}  // namespace lnet
