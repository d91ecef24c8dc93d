// "Did you mean" hints for misspelt keys and names.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lnet {

// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` if its distance is below `max_distance`, else "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates,
                          std::size_t max_distance = 3);

}  // namespace lnet
