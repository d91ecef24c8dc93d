// Peaks of a sampled spectrum: position, height and full width at half maximum.
#pragma once

#include <cstddef>
#include <vector>

namespace lnet::analysis {

struct Peak {
  double position = 0.0;  // x of the vertex of the parabola through the three top samples
  double height = 0.0;    // y at that vertex
  // Distance between the half-height crossings on either side, each located by linear
  // interpolation between the samples that straddle it; NaN if the spectrum does not fall
  // below half the height before an end. Two peaks whose valley stays above half height
  // share their crossings (as in scipy.signal.peak_widths).
  double fwhm = 0.0;
  std::size_t index = 0;  // sample of the local maximum
};

// Local maxima (y[i] > y[i-1] and y[i] >= y[i+1], interior points) higher than
// min_relative_height times the highest sample, sorted by position. x must be uniform and
// ascending, of the length of y.
std::vector<Peak> find_peaks(const std::vector<double>& x, const std::vector<double>& y,
                             double min_relative_height = 0.05);

}  // namespace lnet::analysis
