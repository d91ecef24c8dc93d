#include "lnet/model/fast_electrostatics.hpp"

#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_solvers.hpp"
#include "lnet/infer/coulomb_tuning.hpp"

namespace lnet {
namespace {

bool same(const infer::CoulombParameters& a, const infer::CoulombParameters& b) {
  return a.method == b.method && a.alpha == b.alpha && a.real_cutoff == b.real_cutoff &&
         a.kmax == b.kmax && a.mesh == b.mesh && a.order == b.order;
}

}  // namespace

infer::ElectrostaticsFn fast_electrostatics(const es::Electrostatics& es,
                                            std::optional<es::Parameters>& params,
                                            std::unique_ptr<infer::Coulomb>& solver,
                                            const std::vector<Vec3>& positions, const Mat3& cell,
                                            bool periodic, const std::vector<double>& sigma,
                                            PairSource pairs) {
  return [&es, &params, &solver, &positions, cell, periodic, &sigma, pairs](
             const std::vector<double>& q, const std::vector<Vec3>& mu) {
    infer::CoulombSites sites;
    sites.positions = positions.data();
    sites.charges = q.data();
    sites.dipoles = mu.data();
    sites.sigma = sigma.data();
    sites.size = positions.size();
    if (!params) params = infer::resolve_parameters(es.settings(), sites, cell, periodic);
    // As es::Electrostatics::energy: open boundaries always take the open-boundary solver.
    infer::CoulombParameters p = *params;
    if (!periodic) p.method = infer::open_boundary_solver().method;
    const infer::CoulombSolver& kind = infer::coulomb_solver(p.method);
    if (periodic && !kind.periodic)
      throw InputError("electrostatics",
                       std::string("method ") + kind.name + " needs open boundaries");
    if (!solver || !same(solver->parameters(), p)) solver = std::make_unique<infer::Coulomb>(p);
    const NeighborList* list = periodic && pairs ? pairs(p.real_cutoff) : nullptr;
    return solver->evaluate(sites, cell, list);
  };
}

}  // namespace lnet
