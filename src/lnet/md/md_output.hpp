// What an MD run writes as it goes: the thermo log (a table on the report stream, thermo.csv,
// thermo.jsonl) and the trajectory (extended XYZ frames, wrapped positions plus image counts).
#pragma once
#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lnet/io/append_file.hpp"
#include "lnet/md/md_state.hpp"

namespace lnet::md {

// The spread of a committee of models at one step, under the registry's names
// (learn/committee.hpp): committee_energy_std (eV/atom) and committee_force_std_max (eV/Å).
struct CommitteeSpread {
  double energy_std = 0;
  double force_std_max = 0;
};

struct ThermoRecord {
  long step = 0;
  double time_fs = 0;
  double temperature_K = 0;
  double potential_energy = 0;            // eV
  double kinetic_energy = 0;              // eV
  double conserved_energy = 0;            // eV
  double pressure_gpa = 0;                // NaN for open systems
  double volume = 0;                      // Å³, 0 for open systems
  std::optional<Vec3> dipole;             // e·Å
  Vec3 efield = Vec3::Zero();             // V/Å
  std::optional<CommitteeSpread> spread;  // runs with a committee only (NaN if not given)
};

// thermo.csv columns (NaN written as "nan"; thermo.jsonl has the same keys, NaN as null):
// step, time_fs, temperature_K, potential_energy_eV, kinetic_energy_eV, conserved_energy_eV,
// pressure_GPa, volume_A3, the dipole M (e·Å), the field E (V/Å), and with `committee` (the
// records then carry a spread) committee_energy_std and committee_force_std_max.
std::string thermo_csv_header(bool committee);
std::string thermo_csv_line(const ThermoRecord& r);
std::string thermo_json_line(const ThermoRecord& r);

class ThermoOutput {
 public:
  // `report` (may be null) gets a fixed-width table; the header is printed here. `show_spread`
  // adds the committee's force spread to the table.
  ThermoOutput(AppendFile csv, AppendFile jsonl, std::ostream* report, bool show_dipole,
               bool show_field, bool show_spread);
  void write(const ThermoRecord& r);
  void flush();
  AppendFile& csv() { return csv_; }
  AppendFile& jsonl() { return jsonl_; }

 private:
  AppendFile csv_, jsonl_;
  std::ostream* report_;
  bool show_dipole_, show_field_, show_spread_;
};

// Positions wrapped into the cell along periodic axes, and the integer image counts n such that
// unwrapped = wrapped + nᵀ·cell.
void wrap_positions(const std::vector<Vec3>& unwrapped, const Mat3& cell,
                    const std::array<bool, 3>& pbc, std::vector<Vec3>& wrapped,
                    std::vector<std::array<long, 3>>& images);

// Quantities of the registry (core/quantity.hpp) a trajectory carries besides the usual ones
// (output.trajectory_extra), by name; "dipoles" is the column of atomic_dipoles.
struct FrameExtras {
  std::vector<std::string> names;
  // Adds the quantities of `names` to a request (for the steps written).
  void request(EvalRequest& r) const;
};

// The registry's name of a trajectory_extra entry ("dipoles": atomic_dipoles); InputError naming
// the known quantities for an unknown one.
std::string extra_quantity(const std::string& entry);

// One trajectory frame: wrapped positions, `image:I:3`, `velocities:R:3` (Å/fs; the frame says
// velocities_unit=A/fs), forces, energy, dipole, efield, step and time_fs; the extras when
// present, in registry order: per-atom ones as columns (`charges:R:1`, `dipoles:R:3`), per-frame
// ones as keys, bec as `bec:R:9`.
Structure trajectory_frame(const MdState& s, const std::vector<int>& numbers,
                           const std::array<bool, 3>& pbc, double timestep_fs,
                           const FrameExtras& extras);
// The same frame with positions unwrapped and no image column (last_good.xyz, final.xyz).
Structure restart_frame(const MdState& s, const std::vector<int>& numbers,
                        const std::array<bool, 3>& pbc, double timestep_fs);

std::string extxyz_text(const Structure& frame);

}  // namespace lnet::md
