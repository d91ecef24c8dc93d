// Short-range parts of the Coulomb energy of Gaussian charges and dipoles (DESIGN.md §1.5),
// torch-free with analytic derivatives: the Ewald real-space pair sum, the open-boundary direct
// sum and the Ewald self term. All ADD into an ElectrostaticsResult sized by the caller
// (ElectrostaticsResult::reset) and include the Coulomb constant.
#pragma once
#include <cstddef>

#include "lnet/core/neighbor_list.hpp"
#include "lnet/infer/coulomb_sites.hpp"
#include "lnet/infer/electrostatics_result.hpp"

namespace lnet::infer {

// Sites closer than this (Å) are one site given twice: every pair kernel is infinite or NaN at
// r = 0. The pair sums below throw an InputError naming the two sites (1-based) and their
// distance instead of returning NaN; es::Electrostatics checks the same before tuning.
inline constexpr double kCoincidentSites = 1e-3;

// Ewald real space, kernel erfc(alpha r)/r - erfc(r/(sqrt2 g))/r with g^2 = s_i^2 + s_j^2, the
// charge-charge part shifted by its value at `cutoff` (es::detail::sum_pairs explains why).
// `pairs`: a full neighbour list of the sites (both directions of every pair, sorted by
// receiver, image shifts times the rows of `cell`) of any cutoff >= `cutoff`; pairs with
// r >= cutoff are skipped, so a Verlet list with a skin can be passed as is. Only directed pairs
// whose receiver i < num_local count, each with weight 1/2 for the energy, the virial and the
// forces (applied to both i and j, j possibly a ghost >= num_local); potential_i and field_i
// get the whole pair term (i < num_local; ghosts get none). With num_local = sites.size this is
// the total; on MPI ranks with ghost atoms (explicit positions, zero shifts) the sum over ranks
// of energy and virial, and of forces after adding ghost forces to their owners, is the total.
// A pair of two local atoms is evaluated once (both directions are in the list). OpenMP over
// receivers, per-thread buffers summed in thread order (deterministic for a thread count).
// The kernel comes from tables (coulomb_table.hpp: error <= 1e-12 of the bare Coulomb term at
// each distance) for sites with at most 8 distinct widths, else and with `exact` from erfc and
// exp per pair (equal to the reference es::Electrostatics to rounding).
void real_space_sum(const NeighborList& pairs, const Mat3& cell, const CoulombSites& sites,
                    std::size_t num_local, double alpha, double cutoff, ElectrostaticsResult& out,
                    bool exact = false);

// Open boundaries: (1/2) sum_{i != j} of the full Gaussian kernel erf(r/(sqrt2 g))/r, O(N^2).
void direct_sum(const CoulombSites& sites, ElectrostaticsResult& out);

// Ewald self term -alpha/sqrt(pi) sum q^2 - 2 alpha^3/(3 sqrt(pi)) sum |mu|^2 of `sites`,
// written to entries offset .. offset + sites.size of `out` (a subset: sum over ranks).
void self_energy(const CoulombSites& sites, double alpha, ElectrostaticsResult& out,
                 std::size_t offset = 0);

}  // namespace lnet::infer
