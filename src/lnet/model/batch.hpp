// Several structures packed into one graph of tensors, with their neighbour edges and labels.
#pragma once
#include <vector>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/core/structure.hpp"
#include "lnet/model/model_config.hpp"
#include "lnet/pch/torch_pch.hpp"

namespace lnet {

// Directed edges within one cutoff. Edge k: receiver i, sender j, r_ij = r_j - r_i + shift_k·cell.
struct EdgeSet {
  torch::Tensor receiver, sender;  // [E] int64
  torch::Tensor shift;             // [E, 3] integer image counts (as floating point)
  torch::Tensor structure;         // [E] int64, structure of the edge
};

struct Batch {
  int64_t num_structures = 0;
  std::vector<int64_t> natoms, offsets;  // atoms and first atom index per structure
  std::vector<std::array<bool, 3>> pbc;
  torch::Tensor positions;   // [N, 3] as given (unwrapped positions are kept)
  torch::Tensor species;     // [N] species index
  torch::Tensor numbers;     // [N] atomic numbers
  torch::Tensor structure;   // [N] structure index of each atom
  torch::Tensor cell;        // [B, 3, 3], rows are lattice vectors
  EdgeSet edges_a, edges_b;  // network A / network B cutoffs (edges_b empty without long range)

  // Labels; *_mask are 1 where the label exists (DESIGN.md §2: any label may be missing).
  torch::Tensor energy, energy_mask;  // [B]
  torch::Tensor forces, forces_mask;  // [N, 3], [N]
  torch::Tensor stress, stress_mask;  // [B, 3, 3], [B]
  torch::Tensor bec, bec_mask;        // [N, 3, 3], [N]
  torch::Tensor dipole, dipole_mask;  // [B, 3] Born dipole M (e·Å; from polarization × V), [B]
  // Cell polarizability alpha_cell = dM/dE (e·Å²/V), from a polarizability label or, for
  // periodic frames, from epsilon_inf as (eps - 1) eps0 V (tin-foil: applied = macroscopic field).
  torch::Tensor polarizability, polarizability_mask;  // [B, 3, 3], [B]
  torch::Tensor efield;                               // [B, 3] (zero where absent)
  torch::Tensor weight;                               // [B]

  torch::Tensor volume() const;  // [B]
};

// Builds the batch (neighbour lists included) in the model's dtype.
Batch make_batch(const std::vector<const Structure*>& structures, const ModelConfig& config);
// Same with the neighbour lists given, one per structure within network A's and (long range)
// network B's cutoff, e.g. filtered from a Verlet list by the calculator.
Batch make_batch(const std::vector<const Structure*>& structures, const ModelConfig& config,
                 const std::vector<NeighborList>& edges_a,
                 const std::vector<NeighborList>& edges_b);

}  // namespace lnet
