// The LAMMPS-free side of `pair_style lnet` (n2p2's split between its pair style and its
// interface class): plain arrays in and out over lnet::Calculator. It exists so that the files
// that include LAMMPS headers (which bring LAMMPS's bundled fmt) never see spdlog or the system
// fmt, and the files that include lnet never see LAMMPS.
#pragma once
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace lnet::lammps {

struct EngineOptions {
  std::string dtype;         // "" keeps the model's; float64 | float32
  std::string es_method;     // "" keeps the model's; auto | ewald | pme | direct
  double es_accuracy = 0;    // 0 keeps the model's
  int threads = 1;           // libtorch intra-op threads of this process
  double min_distance = -1;  // Å, atoms closer are an error; < 0 keeps the calculator's, 0: none
  bool log = true;           // lnet's info messages (false on all MPI ranks but one)
  // Further members of a committee with the model (learn/committee.hpp): the pair style then
  // integrates the committee's mean energy, forces and virial, and compute lnet/atom gives its
  // spreads (committee_force_std, ...). Replicated evaluation only.
  std::vector<std::string> committee;
};

// What a compute asks for besides energy and forces.
struct Want {
  bool virial = false;
  bool atom_energies = false;  // EngineResult::atom_energies
  bool atom_virials = false;   // EngineResult::atom_virials
  // Per-atom quantities of lnet's registry by name (core/quantity.hpp), for compute lnet/atom:
  // EngineResult::quantities.
  std::vector<std::string> quantities;
};

struct EngineResult {
  double energy = 0;                   // eV, including the field term -E·M
  std::vector<double> forces;          // eV/Å, 3n, atom-major
  std::array<double, 6> virial{};      // eV, W = -dE/d(strain) in LAMMPS order xx yy zz xy xz yz
  std::array<double, 3> dipole{};      // Born dipole M (e·Å), long-range models
  double field_energy = 0;             // -E·M (eV)
  std::vector<double> charges;         // q_i (e), n, long-range models
  std::vector<double> atomic_dipoles;  // μ_i (e·Å), 3n, long-range models
  // When wanted: per-atom energies (eV; compute_local: local atoms) summing to `energy`, and
  // per-atom virials (eV, 6 per atom in LAMMPS order; compute_local: local then ghost atoms, a
  // ghost's for its owner) summing to `virial` (over ranks for compute_local).
  std::vector<double> atom_energies;
  std::vector<double> atom_virials;
  // Want::quantities: per name, quantity_columns(name) numbers per atom (compute: every atom;
  // compute_local: the local atoms).
  std::map<std::string, std::vector<double>> quantities;
};

// Numbers per atom of the per-atom quantity `name` of lnet's registry (1 for charges, 3 for
// atomic_dipoles, 9 for bec, ...); std::runtime_error listing the per-atom quantities when
// there is none of that name.
int quantity_columns(const std::string& name);

// Two atoms closer than min_distance: `first` and `second` index the arrays given to compute()
// or compute_local(), so that the pair style can name them by their LAMMPS atom IDs.
// compute_local() throws it on every rank together; -1 on the ranks that did not find the pair.
class CloseAtoms : public std::runtime_error {
 public:
  CloseAtoms(int first, int second, double distance, double min_distance);
  int first, second;
  double distance, min_distance;
};

// What the pair style does across MPI ranks for a domain-decomposed evaluation.
class Comm {
 public:
  virtual ~Comm() = default;
  // `values` holds `width` numbers per atom (local then ghost atoms): sets every ghost's to
  // those of the atom it is a copy of (LAMMPS forward communication).
  virtual void forward(double* values, int width) = 0;
  // Element-wise sum over all ranks, in place (MPI_Allreduce).
  virtual void sum(double* values, std::size_t n) = 0;
  // True on one rank only (it counts the global terms).
  virtual bool root() const = 0;
};

class Engine {
 public:
  Engine(const std::string& model_path, const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Atomic number of `symbol`; std::runtime_error naming the model's species when the symbol is
  // not an element or not one the model was trained on.
  int species_number(const std::string& symbol) const;
  double cutoff() const;  // max of the cutoffs of networks A and B (Å)
  bool long_range() const;
  std::string summary() const;  // one line for the LAMMPS log
  // libtorch threads in use: options.threads, capped far above the cores with a warning (the
  // rule of the lnet CLI and the Python module, core/thread_environment.hpp).
  int threads() const;

  // Evaluates the whole structure: `n` atoms with atomic numbers `numbers` at Cartesian
  // positions `x` (3n, may be unwrapped), cell rows `cell` (a, b, c: 9 numbers), periodicity
  // `pbc`, in the uniform field `efield` (V/Å). Throws CloseAtoms for atoms closer than
  // min_distance, std::exception with the calculator's message on any other failure.
  void compute(int n, const int* numbers, const double* x, const double* cell,
               const std::array<bool, 3>& pbc, const std::array<double, 3>& efield,
               const Want& want, EngineResult& out);

  // Domain decomposition: each rank evaluates its `nlocal` atoms with the ghost
  // atoms LAMMPS keeps around them (`nall` - `nlocal`, within ghost_cutoff()); `x` holds all
  // nall positions, `x_unwrapped` the local atoms' unwrapped ones (Born dipole, -E·M), `cell`
  // the periodic cell rows. `out` is this rank's share: energy, virial (W), dipole and field
  // energy sum over ranks; forces are given for all nall atoms (ghost forces go to their owners
  // by LAMMPS's reverse communication); charges and dipoles for the local atoms. Every rank
  // must call it (it communicates through `comm`).
  void compute_local(int nlocal, int nall, const int* numbers, const double* x,
                     const double* x_unwrapped, const double* cell,
                     const std::array<double, 3>& efield, const Want& want, Comm& comm,
                     EngineResult& out);
  // Of the registry's quantities, compute_local gives charges, atomic_dipoles and atom_energies
  // (it throws std::runtime_error for others: parallel replicated gives every one).
  // Why compute_local cannot be used with this model (empty when it can): the fast engine is
  // needed and, for long-range models, Ewald/PME parameters resolved by a compute() first.
  std::string local_unsupported() const;
  double ghost_cutoff() const;  // Å, the ghost shell compute_local needs

  // Resolved electrostatics parameters (opaque text) for bit-identical restarts.
  std::string state() const;
  void restore_state(const std::string& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lnet::lammps
