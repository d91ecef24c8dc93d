#include "lnet/electrostatics/electrostatics.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/electrostatics/direct_sum.hpp"
#include "lnet/electrostatics/ewald.hpp"
#include "lnet/electrostatics/kernels.hpp"
#include "lnet/electrostatics/pme.hpp"
#include "lnet/electrostatics/real_space.hpp"
#include "lnet/electrostatics/tuning.hpp"
#include "lnet/infer/coulomb_real.hpp"

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

// Sites closer than this are one site given twice: every pair kernel (1/r, erfc(alpha r)/r and
// the Gaussian erf(r/(sqrt2 g))/r written as a difference of two) is infinite or NaN at r = 0,
// and so are the energy, forces and the dipoles a model computes for such a pair. Far below
// any physical separation (nuclei stay > 0.1 Å apart), far above the round-off of positions;
// the torch-free solver checks the same value.
constexpr double kCoincident = infer::kCoincidentSites;  // Å

// The closest pair within kCoincident (periodic images included), as an InputError naming both
// sites (1-based) and their distance. O(N) with the cell list, like the real-space pair list.
void check_separation(const Sites& s) {
  const int64_t n = s.positions.size(0);
  if (n < 2) return;
  torch::Tensor pos = s.positions.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<Vec3> positions(n);
  const double* p = pos.data_ptr<double>();
  for (int64_t a = 0; a < n; ++a) positions[a] = Vec3(p[3 * a], p[3 * a + 1], p[3 * a + 2]);
  Mat3 h = Mat3::Zero();
  if (s.periodic) {
    torch::Tensor cell = s.cell.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    const double* c = cell.data_ptr<double>();
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) h(r, k) = c[3 * r + k];
  }
  const bool pbc = s.periodic;
  const NeighborList close = build_neighbor_list(positions, h, {pbc, pbc, pbc}, kCoincident);
  if (close.size() == 0) return;
  std::size_t worst = 0;
  double closest = INFINITY;
  for (std::size_t k = 0; k < close.size(); ++k) {
    const auto& m = close.shifts[k];
    const Vec3 r = positions[close.second[k]] - positions[close.first[k]] +
                   (m[0] * h.row(0) + m[1] * h.row(1) + m[2] * h.row(2)).transpose();
    if (r.norm() < closest) {
      closest = r.norm();
      worst = k;
    }
  }
  const int a = std::min(close.first[worst], close.second[worst]) + 1;
  const int b = std::max(close.first[worst], close.second[worst]) + 1;
  std::ostringstream os;
  os << "atoms " << a << " and " << b << " coincide (" << closest << " A apart";
  if (a == b) os << ", with a periodic image";
  os << "; sites closer than " << kCoincident << " A are the same site given twice)";
  throw InputError("electrostatics", os.str());
}

void validate(const Sites& s) {
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
    if (std::abs(torch::det(s.cell.detach().to(torch::kFloat64)).item<double>()) < 1e-10)
      throw Error("electrostatics: the periodic cell is singular (zero volume)");
  }
  if (s.sigma.defined() && (s.sigma.detach() < 0).any().item<bool>())
    throw Error("electrostatics: Gaussian widths sigma must be >= 0");
  // Checked before tuning and neighbour lists, which NaN or inf would send to their limits.
  // Positions and cell first: coincident sites are reported as such (check_separation), not as
  // the non-finite dipoles a model computes for them.
  auto check_finite = [&](const torch::Tensor& t, const char* name) {
    if (!t.defined() || (&t == &s.cell && !s.periodic)) return;
    const torch::Tensor bad = torch::isfinite(t.detach()).logical_not();
    if (bad.any().item<bool>()) {
      const int64_t first = bad.reshape({bad.size(0), -1}).any(1).nonzero()[0][0].item<int64_t>();
      const char* part = &t == &s.cell ? " row " : " of site ";
      throw InputError("electrostatics", std::string(name) + part + std::to_string(first + 1) +
                                             " (1-based) is not finite");
    }
  };
  check_finite(s.positions, "positions");
  check_finite(s.cell, "cell");
  check_separation(s);
  check_finite(s.charges, "charges");
  check_finite(s.dipoles, "dipoles");
  check_finite(s.sigma, "sigma");
}

TuningInput summarize(const Sites& s) {
  TuningInput in;
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

std::string method_name(Method m) {
  switch (m) {
    case Method::Auto:
      return "auto";
    case Method::Ewald:
      return "ewald";
    case Method::PME:
      return "pme";
    case Method::Direct:
      return "direct";
  }
  return "?";
}

Method parse_method(const std::string& text) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  for (Method m : {Method::Auto, Method::Ewald, Method::PME, Method::Direct})
    if (t == method_name(m)) return m;
  throw InputError("--method",
                   "unknown electrostatics method '" + text + "' (auto, ewald, pme, direct)");
}

std::string Parameters::describe() const {
  std::ostringstream os;
  os << "method=" << method_name(method);
  if (method == Method::Ewald || method == Method::PME)
    os << " alpha=" << alpha << " 1/A real_cutoff=" << real_cutoff << " A";
  if (method == Method::Ewald) os << " kmax=" << kmax[0] << "x" << kmax[1] << "x" << kmax[2];
  if (method == Method::PME)
    os << " mesh=" << mesh[0] << "x" << mesh[1] << "x" << mesh[2] << " order=" << order;
  return os.str();
}

infer::CoulombParameters coulomb_parameters(const Parameters& p) {
  infer::CoulombParameters c;
  switch (p.method) {
    case Method::Ewald:
      c.method = infer::CoulombMethod::Ewald;
      break;
    case Method::PME:
      c.method = infer::CoulombMethod::PME;
      break;
    case Method::Direct:
      c.method = infer::CoulombMethod::Direct;
      break;
    case Method::Auto:
      throw Error("coulomb_parameters: the parameters are not resolved (method auto)");
  }
  c.alpha = p.alpha;
  c.real_cutoff = p.real_cutoff;
  c.kmax = p.kmax;
  c.mesh = p.mesh;
  c.order = p.order;
  return c;
}

Electrostatics::Electrostatics(Settings settings) : settings_(std::move(settings)) {
  if (!(settings_.accuracy > 0 && settings_.accuracy < 1))
    throw InputError(settings_.accuracy_setting,
                     "must be in (0, 1), got " + std::to_string(settings_.accuracy));
  if (settings_.pme_order < 4 || settings_.pme_order > 6)
    throw InputError("electrostatics.pme_order",
                     "must be 4, 5 or 6, got " + std::to_string(settings_.pme_order));
  if (settings_.alpha && *settings_.alpha <= 0)
    throw InputError("electrostatics.alpha", "must be > 0");
  if (settings_.real_cutoff && *settings_.real_cutoff <= 0)
    throw InputError("electrostatics.real_cutoff", "must be > 0");
  for (const auto* grid : {&settings_.kmax, &settings_.mesh})
    if (*grid && std::any_of((*grid)->begin(), (*grid)->end(), [](int k) { return k < 1; }))
      throw InputError("electrostatics", "kmax and mesh entries must be >= 1");
}

Parameters Electrostatics::resolve(const Sites& sites) const {
  validate(sites);
  Parameters p = tune_parameters(settings_, summarize(sites));
  // Logged at info level when the discrete choice (method, k-vectors, mesh) changes, so that
  // learned charges nudging alpha or the cutoff every MD step do not flood the log.
  thread_local std::array<int, 7> last{-1};
  const std::array<int, 7> key = {int(p.method), p.kmax[0], p.kmax[1], p.kmax[2],
                                  p.mesh[0],     p.mesh[1], p.mesh[2]};
  if (key != last)
    spdlog::info("electrostatics: {} (accuracy {:g})", p.describe(), settings_.accuracy);
  else
    spdlog::debug("electrostatics: {}", p.describe());
  last = key;
  return p;
}

torch::Tensor Electrostatics::energy(const Sites& sites) const {
  return energy(sites, resolve(sites));
}

torch::Tensor Electrostatics::energy(const Sites& s, const Parameters& p) const {
  validate(s);
  if (!s.charges.defined() && !s.dipoles.defined()) return torch::zeros({}, s.positions.options());
  if (!s.periodic || p.method == Method::Direct) {
    if (s.periodic) throw InputError("electrostatics", "method direct needs open boundaries");
    return units::coulomb * detail::direct_energy(s);
  }
  torch::Tensor e = detail::real_space_energy(s, p.alpha, p.real_cutoff);
  if (p.method == Method::PME)
    e = e + detail::pme_reciprocal_energy(s, p.alpha, p.mesh, p.order);
  else if (p.method == Method::Ewald)
    e = e + detail::ewald_reciprocal_energy(s, p.alpha, p.kmax);
  else
    throw Error("electrostatics: energy() needs resolved parameters (method auto given)");
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
