#include "lnet/electrostatics/electrostatics.hpp"

#include <sstream>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/electrostatics/direct_sum.hpp"
#include "lnet/electrostatics/ewald.hpp"
#include "lnet/electrostatics/kernels.hpp"
#include "lnet/electrostatics/pme.hpp"
#include "lnet/electrostatics/real_space.hpp"
#include "lnet/infer/coulomb_tuning.hpp"

namespace lnet::es {
namespace {

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream os;
  os << t.sizes();
  return os.str();
}

void check_tensor(const torch::Tensor& t, const char* name, std::vector<int64_t> shape,
                  const torch::Tensor& ref) {
  if (!t.defined()) return;
  if (t.sizes() != c10::IntArrayRef(shape))
    throw Error(std::string("electrostatics: ") + name + " has shape " + shape_of(t) +
                ", expected " + shape_of(torch::empty(shape)));
  if (t.scalar_type() != ref.scalar_type() || t.device() != ref.device())
    throw Error(std::string("electrostatics: ") + name +
                " must have the dtype and device of positions");
}

// A detached float64 copy of the sites on the CPU, for the torch-free checks and tuning
// (src/lnet/infer/coulomb_tuning.hpp).
struct HostSites {
  std::vector<Vec3> positions, dipoles;
  std::vector<double> charges, sigma;
  Mat3 cell = Mat3::Zero();
  bool periodic = true;

  explicit HostSites(const Sites& s) : periodic(s.periodic) {
    positions = vectors(s.positions);
    if (s.dipoles.defined()) dipoles = vectors(s.dipoles);
    if (s.charges.defined()) charges = values(s.charges);
    if (s.sigma.defined()) sigma = values(s.sigma);
    if (s.periodic) {
      const std::vector<double> h = values(s.cell);
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) cell(r, k) = h[3 * r + k];
    }
  }
  infer::CoulombSites view() const {
    infer::CoulombSites v;
    v.positions = positions.data();
    v.charges = charges.empty() ? nullptr : charges.data();
    v.dipoles = dipoles.empty() ? nullptr : dipoles.data();
    v.sigma = sigma.empty() ? nullptr : sigma.data();
    v.size = positions.size();
    return v;
  }

 private:
  static std::vector<double> values(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  }
  static std::vector<Vec3> vectors(const torch::Tensor& t) {
    const std::vector<double> v = values(t);
    std::vector<Vec3> out(v.size() / 3);
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = Vec3(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
    return out;
  }
};

// Shapes, dtypes and devices here; the values (singular cell, negative or non-finite entries,
// coincident sites) in the torch-free infer::check_sites, which the CPU engine runs too.
void check_shapes(const Sites& s) {
  if (!s.positions.defined() || s.positions.dim() != 2 || s.positions.size(1) != 3)
    throw Error("electrostatics: positions must be an [N,3] tensor");
  if (!s.positions.is_floating_point())
    throw Error("electrostatics: positions must be floating point");
  const int64_t n = s.positions.size(0);
  check_tensor(s.charges, "charges", {n}, s.positions);
  check_tensor(s.dipoles, "dipoles", {n, 3}, s.positions);
  check_tensor(s.sigma, "sigma", {n}, s.positions);
  if (s.periodic) {
    if (!s.cell.defined()) throw Error("electrostatics: periodic sites need a cell");
    check_tensor(s.cell, "cell", {3, 3}, s.positions);
  }
}

void validate(const Sites& s) {
  check_shapes(s);
  const HostSites host(s);
  infer::check_sites(host.view(), host.cell, s.periodic);
}

// The tuning's summary, summed by torch on the tensors (the reference's own numbers; the
// torch-free infer::summarize sums in site order, equal to rounding).
infer::TuningInput summarize(const Sites& s) {
  infer::TuningInput in;
  in.natoms = s.positions.size(0);
  in.periodic = s.periodic;
  if (s.periodic) {
    torch::Tensor c = s.cell.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) in.cell(r, k) = c[r][k].item<double>();
  }
  if (s.charges.defined())
    in.sum_q2 = s.charges.detach().to(torch::kFloat64).pow(2).sum().item<double>();
  if (s.dipoles.defined())
    in.sum_mu2 = s.dipoles.detach().to(torch::kFloat64).pow(2).sum().item<double>();
  if (s.sigma.defined() && in.natoms > 0) in.max_sigma = s.sigma.detach().max().item<double>();
  return in;
}

// A differentiable handle on an input: gradients w.r.t. it are partial derivatives of the
// electrostatic energy, while an upstream graph (e.g. charges from a network) stays connected.
torch::Tensor handle(const torch::Tensor& t, const torch::Tensor& fallback) {
  if (!t.defined()) return fallback.requires_grad_(true);
  return t.requires_grad() ? t.view_as(t) : t.detach().requires_grad_(true);
}

bool needs_graph(const Sites& s) {
  for (const torch::Tensor* t : {&s.positions, &s.cell, &s.charges, &s.dipoles, &s.sigma})
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

}  // namespace

const std::vector<TrainingSolver>& training_solvers() {
  static const std::vector<TrainingSolver> solvers = {
      {Method::Ewald,
       [](const Sites& s, const Parameters& p) {
         return detail::ewald_reciprocal_energy(s, p.alpha, p.kmax);
       }},
      {Method::PME,
       [](const Sites& s, const Parameters& p) {
         return detail::pme_reciprocal_energy(s, p.alpha, p.mesh, p.order);
       }},
      {Method::Direct, [](const Sites& s, const Parameters&) { return detail::direct_energy(s); }},
  };
  return solvers;
}

const TrainingSolver& training_solver(Method m) {
  for (const TrainingSolver& t : training_solvers())
    if (t.method == m) return t;
  throw Error("electrostatics: no torch energy for method " + method_name(m) +
              (m == Method::Auto ? " (the parameters are not resolved)" : ""));
}

Electrostatics::Electrostatics(Settings settings) : settings_(std::move(settings)) {
  infer::check_settings(settings_);
}

Parameters Electrostatics::resolve(const Sites& sites) const {
  validate(sites);
  return infer::resolve_parameters(settings_, summarize(sites));
}

torch::Tensor Electrostatics::energy(const Sites& sites) const {
  return energy(sites, resolve(sites));
}

torch::Tensor Electrostatics::energy(const Sites& s, const Parameters& p) const {
  validate(s);
  if (!s.charges.defined() && !s.dipoles.defined()) return torch::zeros({}, s.positions.options());
  if (!s.periodic) {  // open boundaries always take the registry's open-boundary solver
    const infer::CoulombSolver& open = infer::open_boundary_solver();
    return units::coulomb * training_solver(open.method).energy(s, p);
  }
  if (p.method == Method::Auto)
    throw Error("electrostatics: energy() needs resolved parameters (method auto given)");
  const infer::CoulombSolver& solver = infer::coulomb_solver(p.method);
  if (!solver.periodic)
    throw InputError("electrostatics",
                     std::string("method ") + solver.name + " needs open boundaries");
  torch::Tensor e = detail::real_space_energy(s, p.alpha, p.real_cutoff);
  e = e + training_solver(p.method).energy(s, p);
  e = e + detail::ewald_self_energy(s, p.alpha) + detail::background_energy(s, p.alpha);
  return units::coulomb * e;
}

SiteResult evaluate(const Electrostatics& es, const Sites& sites) {
  const Parameters p = es.resolve(sites);
  const bool graph = needs_graph(sites);
  const int64_t n = sites.positions.size(0);
  auto opts = sites.positions.options();
  Sites s = sites;
  torch::Tensor pos = handle(sites.positions, {});
  torch::Tensor q = handle(sites.charges, torch::zeros({n}, opts));
  torch::Tensor mu = handle(sites.dipoles, torch::zeros({n, 3}, opts));
  // Symmetric strain applied to positions and cell: W = -dE/d(strain) (DESIGN.md §1).
  torch::Tensor strain = torch::zeros({3, 3}, opts).requires_grad_(true);
  torch::Tensor sym = 0.5 * (strain + strain.t());
  s.positions = pos + pos.matmul(sym);
  if (sites.periodic) s.cell = sites.cell + sites.cell.matmul(sym);
  s.charges = q;
  s.dipoles = mu;
  SiteResult out;
  out.energy = es.energy(s, p);
  // An energy that depends on nothing (one site of an open structure, no site at all) has no
  // graph: every derivative is zero.
  std::vector<torch::Tensor> grads(4);
  if (out.energy.requires_grad())
    grads = torch::autograd::grad({out.energy}, {pos, q, mu, strain}, {}, graph, graph, true);
  auto or_zeros = [](const torch::Tensor& g, const torch::Tensor& like) {
    return g.defined() ? g : torch::zeros_like(like);
  };
  out.forces = -or_zeros(grads[0], pos);
  out.potential = or_zeros(grads[1], q);
  out.field = -or_zeros(grads[2], mu);
  out.virial = -or_zeros(grads[3], strain);
  if (!graph) {
    out.energy = out.energy.detach();
    for (torch::Tensor* t : {&out.forces, &out.potential, &out.field, &out.virial})
      *t = t->detach();
  }
  return out;
}

}  // namespace lnet::es
