#include "lnet/analysis/blocking.hpp"

#include <cmath>
#include <numeric>

#include "lnet/core/error.hpp"

namespace lnet::analysis {

BlockingResult blocking_error(const std::vector<double>& series) {
  if (series.size() < 2) throw Error("blocking_error: need at least 2 samples");
  BlockingResult r;
  const double n0 = static_cast<double>(series.size());
  r.mean = std::accumulate(series.begin(), series.end(), 0.0) / n0;
  std::vector<double> x = series;
  for (std::size_t size = 1; x.size() >= 2; size *= 2) {
    const double n = static_cast<double>(x.size());
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
    double c0 = 0.0;
    for (double v : x) c0 += (v - mean) * (v - mean);
    c0 /= n;
    BlockingLevel level;
    level.block_size = size;
    level.blocks = x.size();
    level.error = std::sqrt(c0 / (n - 1.0));
    level.error_of_error = level.error / std::sqrt(2.0 * (n - 1.0));
    r.levels.push_back(level);
    std::vector<double> next(x.size() / 2);
    for (std::size_t i = 0; i < next.size(); ++i) next[i] = 0.5 * (x[2 * i] + x[2 * i + 1]);
    x.swap(next);
  }
  const double e1 = r.levels.front().error;
  const BlockingLevel* chosen = nullptr;
  for (const BlockingLevel& level : r.levels) {
    if (level.blocks < 4) break;
    const double b = static_cast<double>(level.block_size);
    const double ratio = e1 > 0.0 ? level.error / e1 : 1.0;
    if (b * b * b > 2.0 * n0 * std::pow(ratio, 4)) {
      chosen = &level;
      r.converged = true;
      break;
    }
  }
  if (!chosen) {
    chosen = &r.levels.front();
    for (const BlockingLevel& level : r.levels)
      if (level.blocks >= 16) chosen = &level;
  }
  r.error = chosen->error;
  r.block_size = chosen->block_size;
  return r;
}

}  // namespace lnet::analysis
