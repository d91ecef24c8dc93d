#include "lnet/infer/coulomb.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>

#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_solvers.hpp"

namespace lnet::infer {

Coulomb::Coulomb(const CoulombParameters& p) : p_(p), solver_(&coulomb_solver(p.method)) {
  if (solver_->periodic && !(p_.alpha > 0 && p_.real_cutoff > 0))
    throw Error(std::string("coulomb: method ") + solver_->name +
                " needs alpha > 0 and real_cutoff > 0");
}

Coulomb::~Coulomb() = default;

ElectrostaticsResult Coulomb::evaluate(const CoulombSites& sites, const Mat3& cell,
                                       const NeighborList* pairs) {
  ElectrostaticsResult out;
  out.reset(sites.size);
  if (!sites.charges && !sites.dipoles) return out;
  if (!solver_->periodic) {
    direct_sum(sites, out);
    return out;
  }
  NeighborList own;
  if (!pairs) {
    own = build_neighbor_list({sites.positions, sites.positions + sites.size}, cell,
                              {true, true, true}, p_.real_cutoff);
    pairs = &own;
  }
  real_space_sum(*pairs, cell, sites, sites.size, p_.alpha, p_.real_cutoff, out,
                 p_.exact_real_space);
  if (!kspace_ || cell != kspace_cell_) {
    kspace_ = make_kspace(p_, cell);
    kspace_cell_ = cell;
  }
  std::vector<double> buffer = kspace_->make_buffer();
  kspace_->spread(sites, buffer);
  const KSpaceSolution k = kspace_->solve(buffer);
  kspace_->interpolate(sites, buffer, out);
  self_energy(sites, p_.alpha, out);
  out.energy += k.energy;
  out.virial += k.virial;
  // Tolerance as es::detail::background_energy: round-off of O(N) unit charges in float32.
  if (std::abs(k.total_charge) > 1e-4) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      spdlog::warn(
          "electrostatics: net charge {:.6g} e; adding the uniform neutralising background "
          "-pi Q^2/(2 V alpha^2) (reported once)",
          k.total_charge);
  }
  return out;
}

}  // namespace lnet::infer
