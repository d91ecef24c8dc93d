// Gaussian smoothing and integration of spectra sampled on a uniform grid.
#pragma once

#include <vector>

namespace lnet::analysis {

// y convolved with a normalised Gaussian of full width at half maximum `fwhm` (in the units
// of the uniform grid spacing `dx`; sigma = fwhm / (2 sqrt(2 ln 2))). The kernel reaches
// 5 sigma; beyond the ends the spectrum is continued as an even function about the first and
// last points (a sampled spectrum is even about 0 and about the Nyquist frequency), so the
// integral is kept. fwhm <= 0 returns y unchanged.
std::vector<double> gaussian_smooth(const std::vector<double>& y, double dx, double fwhm);

// Trapezoidal integral of y(x) over the points with lo <= x <= hi (x ascending).
double integrate(const std::vector<double>& x, const std::vector<double>& y, double lo, double hi);

}  // namespace lnet::analysis
