// Neighbour lists with periodic images: an O(N) cell (bin) list for triclinic, small, open and
// mixed-boundary cells. Used by the networks (short cutoffs) and Ewald real space (~10 Å).
#pragma once
#include <array>
#include <cstddef>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

struct NeighborList {
  // Full list (both i->j and j->i). Pair k: r_ij = positions[j] - positions[i] + shift[k]^T * cell
  // i.e. shift is an integer image vector (n_a, n_b, n_c) times the cell ROWS. Excludes i==j with
  // zero shift; includes an atom's own periodic images (i==j, shift!=0) when the cell is small.
  std::vector<int> first, second;          // i, j
  std::vector<std::array<int, 3>> shifts;  // image counts along a, b, c (0 on open axes)
  std::size_t size() const { return first.size(); }
};

// All pairs with |r_ij| < cutoff (strictly). O(N) cell (bin) list. Works for triclinic cells,
// cells smaller than the cutoff (many images), and open or mixed boundaries (pbc per axis; cell
// rows of open axes may be zero or anything). Positions need not be wrapped into the cell. Pairs
// are sorted by (first, second, shift) so the result is deterministic. Throws lnet::Error for
// cutoff <= 0, non-finite positions or a singular periodic cell. With `receivers`, only atoms i
// with (*receivers)[i] get pairs (i, j) (every atom is a candidate j), e.g. the atoms of one
// process among its ghosts.
NeighborList build_neighbor_list(const std::vector<Vec3>& positions, const Mat3& cell,
                                 const std::array<bool, 3>& pbc, double cutoff,
                                 const std::vector<bool>* receivers = nullptr);

}  // namespace lnet
