// Sanity of atom positions before a structure is handed to a force field: finite positions and
// no two atoms closer than a minimum distance. md, relax and phonon check their start
// structure with it (naming the file and frame), and md every step.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

struct ClosePair {
  int first = 0, second = 0;  // 0-based atoms
  double distance = 0;        // Å, through the nearest periodic image
};

// The closest pair of atoms nearer than `cutoff` (> 0), or nullopt when there is none. Positions
// must be finite (lnet::Error otherwise, from the neighbour list).
std::optional<ClosePair> closest_pair(const std::vector<Vec3>& positions, const Mat3& cell,
                                      const std::array<bool, 3>& pbc, double cutoff);

// "atoms 3 (Na) and 7 (Cl) are 0.41 Å apart, closer than min_distance 0.5 Å" (1-based).
std::string describe_close_pair(const ClosePair& pair, const std::vector<int>& numbers,
                                double min_distance);

// InputError(where, ...) naming the atom (1-based) whose position is not finite, or the closest
// pair of atoms nearer than `min_distance` (0 switches the distance check off).
void check_atoms(const Structure& s, double min_distance, const std::string& where);

}  // namespace lnet
