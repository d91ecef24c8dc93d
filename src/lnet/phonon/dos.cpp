#include "lnet/phonon/dos.hpp"

#include <algorithm>
#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet {

PhononDos phonon_dos(const DynamicalMatrix& dm, const std::array<int, 3>& mesh, double sigma_thz,
                     int n_grid, const Vec3& shift) {
  for (int n : mesh)
    if (n < 1) throw InputError("dos.mesh", "every mesh number must be >= 1");
  if (!(sigma_thz > 0)) throw InputError("dos.sigma", "must be a positive width in THz");
  PhononDos dos;
  for (int i = 0; i < mesh[0]; ++i)
    for (int j = 0; j < mesh[1]; ++j)
      for (int k = 0; k < mesh[2]; ++k) {
        const Vec3 q((i + shift[0]) / mesh[0], (j + shift[1]) / mesh[1], (k + shift[2]) / mesh[2]);
        const Eigen::VectorXd f = dm.frequencies(q);
        dos.mesh_frequencies.insert(dos.mesh_frequencies.end(), f.data(), f.data() + f.size());
        ++dos.n_qpoints;
      }
  const auto [lo, hi] =
      std::minmax_element(dos.mesh_frequencies.begin(), dos.mesh_frequencies.end());
  const double f0 = *lo - 4 * sigma_thz, f1 = *hi + 4 * sigma_thz;
  const double norm = 1.0 / (dos.n_qpoints * sigma_thz * std::sqrt(2 * units::pi));
  dos.frequency_thz.resize(n_grid);
  dos.states.assign(n_grid, 0.0);
  for (int g = 0; g < n_grid; ++g) {
    const double f = f0 + (f1 - f0) * g / std::max(1, n_grid - 1);
    dos.frequency_thz[g] = f;
    double sum = 0;
    for (double v : dos.mesh_frequencies) {
      const double x = (f - v) / sigma_thz;
      if (std::abs(x) < 8) sum += std::exp(-0.5 * x * x);
    }
    dos.states[g] = sum * norm;
  }
  return dos;
}

}  // namespace lnet
