#include "lnet/infer/decomposition.hpp"

#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_real.hpp"
#include "lnet/infer/coulomb_solvers.hpp"

namespace lnet::infer {

ElectrostaticsFn decomposed_electrostatics(const CoulombParameters& p, KSpace& kspace,
                                           const std::vector<Vec3>& positions,
                                           const std::vector<double>& sigma, int num_local,
                                           const NeighborList& pairs, Exchange& exchange) {
  if (!coulomb_solver(p.method).periodic)
    throw Error("domain decomposition: the open-boundary direct sum is not decomposed");
  return [&p, &kspace, &positions, &sigma, num_local, &pairs, &exchange](
             const std::vector<double>& q_in, const std::vector<Vec3>& mu_in) {
    const std::size_t n = positions.size();
    std::vector<double> values(4 * n);
    for (std::size_t i = 0; i < n; ++i) {
      values[4 * i] = q_in[i];
      for (int a = 0; a < 3; ++a) values[4 * i + 1 + a] = mu_in[i](a);
    }
    exchange.forward(values, 4);
    std::vector<double> q(n);
    std::vector<Vec3> mu(n);
    for (std::size_t i = 0; i < n; ++i) {
      q[i] = values[4 * i];
      mu[i] = Vec3(values[4 * i + 1], values[4 * i + 2], values[4 * i + 3]);
    }
    CoulombSites sites;
    sites.positions = positions.data();
    sites.charges = q.data();
    sites.dipoles = mu.data();
    sites.sigma = sigma.data();
    sites.size = n;
    const CoulombSites local = sites.slice(0, static_cast<std::size_t>(num_local));

    ElectrostaticsResult out;
    out.reset(n);
    real_space_sum(pairs, Mat3::Zero(), sites, static_cast<std::size_t>(num_local), p.alpha,
                   p.real_cutoff, out);
    self_energy(local, p.alpha, out);
    std::vector<double> buffer = kspace.make_buffer();
    kspace.spread(local, buffer);
    exchange.sum(buffer);
    const KSpaceSolution k = kspace.solve(buffer);
    kspace.interpolate(local, buffer, out);
    if (exchange.root()) {
      out.energy += k.energy;
      out.virial += k.virial;
    }
    return out;
  };
}

}  // namespace lnet::infer
