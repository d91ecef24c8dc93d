#include "lnet/phonon/nac.hpp"

#include <Eigen/Eigenvalues>

#include "lnet/core/error.hpp"

namespace lnet {

std::string to_string(NacMethod m) {
  switch (m) {
    case NacMethod::gonze:
      return "gonze";
    case NacMethod::wang:
      return "wang";
    default:
      return "none";
  }
}

double impose_charge_neutrality(std::vector<Mat3>& born) {
  if (born.empty()) return 0;
  Mat3 mean = Mat3::Zero();
  for (const Mat3& z : born) mean += z;
  mean /= double(born.size());
  for (Mat3& z : born) z -= mean;
  return mean.cwiseAbs().maxCoeff();
}

void validate_nac(const NacParameters& nac, std::size_t n_atoms, const std::string& where) {
  if (nac.method == NacMethod::none) return;
  if (nac.born.size() != n_atoms)
    throw InputError(where, "Born charges for " + std::to_string(nac.born.size()) +
                                " atoms, the primitive cell has " + std::to_string(n_atoms));
  for (const Mat3& z : nac.born)
    if (!z.allFinite()) throw InputError(where, "non-finite Born effective charge");
  if (!nac.epsilon.allFinite() ||
      (nac.epsilon - nac.epsilon.transpose()).cwiseAbs().maxCoeff() > 1e-6)
    throw InputError(where, "epsilon_inf must be a finite symmetric 3x3 tensor");
  Eigen::SelfAdjointEigenSolver<Mat3> eig(nac.epsilon);
  if (!(eig.eigenvalues().minCoeff() > 0))
    throw InputError(where, "epsilon_inf must be positive definite");
  if (!(nac.factor > 0)) throw InputError(where, "the NAC unit factor must be positive");
}

}  // namespace lnet
