#include "lnet/model/fast_electrostatics.hpp"

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

bool same(const infer::CoulombParameters& a, const infer::CoulombParameters& b) {
  return a.method == b.method && a.alpha == b.alpha && a.real_cutoff == b.real_cutoff &&
         a.kmax == b.kmax && a.mesh == b.mesh && a.order == b.order;
}

// The reference tuning needs the sites as tensors (sum q^2, sum |mu|^2, max sigma, the cell).
es::Parameters resolve(const es::Electrostatics& es, const std::vector<Vec3>& positions,
                       const Mat3& cell, bool periodic, const std::vector<double>& sigma,
                       const std::vector<double>& q, const std::vector<Vec3>& mu) {
  const auto n = static_cast<int64_t>(positions.size());
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto pos = torch::empty({n, 3}, f64), dip = torch::empty({n, 3}, f64);
  auto h = torch::empty({3, 3}, f64);
  for (int64_t i = 0; i < n; ++i)
    for (int a = 0; a < 3; ++a) {
      pos[i][a] = positions[i](a);
      dip[i][a] = mu[i](a);
    }
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) h[a][b] = cell(a, b);
  return es.resolve({pos, h, periodic, torch::tensor(q, f64), dip, torch::tensor(sigma, f64)});
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
    if (!params) params = resolve(es, positions, cell, periodic, sigma, q, mu);
    // As es::Electrostatics::energy: open boundaries always take the direct sum.
    if (periodic && params->method == es::Method::Direct)
      throw InputError("electrostatics", "method direct needs open boundaries");
    infer::CoulombParameters p = es::coulomb_parameters(*params);
    if (!periodic) p.method = infer::CoulombMethod::Direct;
    if (!solver || !same(solver->parameters(), p)) solver = std::make_unique<infer::Coulomb>(p);
    infer::CoulombSites sites;
    sites.positions = positions.data();
    sites.charges = q.data();
    sites.dipoles = mu.data();
    sites.sigma = sigma.data();
    sites.size = positions.size();
    const NeighborList* list = periodic && pairs ? pairs(p.real_cutoff) : nullptr;
    return solver->evaluate(sites, cell, list);
  };
}

}  // namespace lnet
