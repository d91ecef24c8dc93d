// Standard error of the mean of a correlated series by blocking: Flyvbjerg & Petersen,
// J. Chem. Phys. 91, 461 (1989). Neighbouring samples are averaged pairwise level after level;
// once blocks are longer than the correlation time the naive error of the block means stops
// growing (a plateau), and that value is the error of the mean.
#pragma once

#include <cstddef>
#include <vector>

namespace lnet::analysis {

struct BlockingLevel {
  std::size_t block_size = 1;  // 2^level original samples per block
  std::size_t blocks = 0;
  double error = 0.0;           // sqrt(c0 / (n - 1)), c0 the biased variance of the n blocks
  double error_of_error = 0.0;  // error / sqrt(2 (n - 1)) (F&P eq. 28)
};

struct BlockingResult {
  double mean = 0.0;
  double error = 0.0;          // the error at the chosen level
  std::size_t block_size = 1;  // of the chosen level
  // False when no level met the criterion below: `error` is then from the deepest level with
  // at least 16 blocks and is likely an underestimate (the series is too short for its
  // correlation time).
  bool converged = false;
  std::vector<BlockingLevel> levels;
};

// The chosen level is the first whose block size B satisfies B^3 > 2 N (e_B / e_1)^4, e_B the
// error at that level and e_1 the naive one (Lee et al., Phys. Rev. E 83, 066706 (2011); the
// rule of pyblock), among levels with at least 4 blocks. lnet::Error for fewer than 2 samples.
BlockingResult blocking_error(const std::vector<double>& series);

}  // namespace lnet::analysis
