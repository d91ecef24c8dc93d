// Selection of explored frames for labelling: a force spread inside [lower, upper) (below:
// the committee agrees, the frame teaches nothing; above: usually an unphysical frame from a
// run that went astray), then the most uncertain first, skipping frames structurally close to
// one already chosen (or to one given as already known), at most max_frames.
#pragma once
#include <vector>

#include "lnet/core/structure.hpp"

namespace lnet {

struct SelectConfig {
  double lower = 0.05;  // eV/Å, force spread (max over atoms) at or above which a frame counts
  double upper = 0.5;   // eV/Å, spread at or above which it is left out
  int max_frames = 10;  // per iteration
  double min_distance = 0.02;  // Å, fingerprint distance below which two frames are duplicates
  double fingerprint_cutoff = 5.0;  // Å
};

// Permutation- and translation-invariant description of a structure: for every (species,
// species) pair, the sorted distances of all pairs of those species within `cutoff`.
struct Fingerprint {
  std::vector<std::pair<std::pair<int, int>, std::vector<double>>> distances;
};
Fingerprint fingerprint(const Structure& s, double cutoff);

// Root mean square difference of the sorted distance lists (Å); infinite when the two have
// different composition or pair counts (they cannot be the same frame).
double fingerprint_distance(const Fingerprint& a, const Fingerprint& b);

// Indices into `frames` (whose force spreads are `force_std`) of the frames to label, most
// uncertain first. `known` are frames already labelled or chosen (their duplicates are skipped).
std::vector<std::size_t> select_frames(const std::vector<Structure>& frames,
                                       const std::vector<double>& force_std,
                                       const SelectConfig& config,
                                       const std::vector<Structure>& known = {});

}  // namespace lnet
