#include "lnet/electrostatics/induction.hpp"

#include <cmath>
#include <cstring>
#include <sstream>

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::es {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sum_product(const torch::Tensor& a, const torch::Tensor& b) {
  return (a * b).sum().item<double>();
}

Sites detached(const Sites& s, torch::Dtype dtype) {
  Sites d;
  d.positions = s.positions.detach().to(dtype);
  d.periodic = s.periodic;
  if (s.periodic) d.cell = s.cell.detach().to(dtype);
  if (s.sigma.defined()) d.sigma = s.sigma.detach().to(dtype);
  return d;
}

// [N,3] float64 CPU contiguous -> N vectors.
std::vector<Vec3> vectors(const torch::Tensor& t) {
  const double* p = t.data_ptr<double>();
  std::vector<Vec3> v(t.size(0));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = Vec3(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
  return v;
}

void check_alpha(const torch::Tensor& alpha, int64_t n) {
  const bool iso = alpha.dim() == 1 && alpha.size(0) == n;
  const bool full =
      alpha.dim() == 3 && alpha.size(0) == n && alpha.size(1) == 3 && alpha.size(2) == 3;
  if (!iso && !full)
    throw Error("induction: polarizabilities must be [N] or [N,3,3] for N = " + std::to_string(n));
  torch::Tensor a = alpha.detach();
  torch::Tensor smallest = iso ? a : torch::linalg_eigvalsh(0.5 * (a + a.transpose(1, 2)));
  if (!(smallest > 0).all().item<bool>())
    throw Error("induction: polarizabilities must be positive (definite)");
}

}  // namespace

double max_stable_polarizability(double sigma) {
  return 6.0 * std::sqrt(kPi) * sigma * sigma * sigma / units::coulomb;
}

torch::Tensor apply_polarizability(const torch::Tensor& alpha, const torch::Tensor& v) {
  if (alpha.dim() == 1) return alpha.unsqueeze(1) * v;
  return torch::bmm(alpha, v.unsqueeze(2)).squeeze(2);
}

torch::Tensor polarization_self_energy(const torch::Tensor& alpha, const torch::Tensor& mu) {
  if (alpha.dim() == 1) return 0.5 * ((mu * mu).sum(1) / alpha).sum();
  torch::Tensor x = torch::linalg_solve(alpha, mu.unsqueeze(2)).squeeze(2);  // alpha^-1 mu
  return 0.5 * (mu * x).sum();
}

InductionOperator::InductionOperator(const Parameters& p, const Sites& sites,
                                     const torch::Tensor& alpha, InductionSettings settings)
    // The solver works in float64 whatever the model's dtype: a float32 CG stalls near 1e-7.
    : alpha_(alpha.detach().to(torch::kCPU, torch::kFloat64).contiguous()), settings_(settings) {
  const torch::Tensor pos = sites.positions.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t n = pos.size(0);
  check_alpha(alpha_, n);
  if (!(settings_.tolerance > 0) || settings_.max_iterations < 1)
    throw Error("induction: tolerance must be > 0 and max_iterations >= 1");
  positions_ = vectors(pos);
  if (sites.sigma.defined()) {
    const torch::Tensor sig = sites.sigma.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    sigma_.assign(sig.data_ptr<double>(), sig.data_ptr<double>() + n);
  }
  infer::CoulombParameters cp = p;
  if (sites.periodic) {
    const torch::Tensor h = sites.cell.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) cell_(a, b) = h.data_ptr<double>()[3 * a + b];
    pairs_ = build_neighbor_list(positions_, cell_, {true, true, true}, cp.real_cutoff);
  } else {  // as Electrostatics::energy: open boundaries take the direct sum
    cp.method = infer::open_boundary_solver().method;
  }
  coulomb_ = std::make_unique<infer::Coulomb>(cp);
}

InductionOperator::~InductionOperator() = default;

torch::Tensor InductionOperator::dipole_field(const torch::Tensor& x_in) const {
  const int64_t n = size();
  const torch::Tensor x = x_in.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const std::vector<Vec3> mu = vectors(x);
  infer::CoulombSites s;
  s.positions = positions_.data();
  s.dipoles = mu.data();
  s.sigma = sigma_.empty() ? nullptr : sigma_.data();
  s.size = positions_.size();
  const infer::ElectrostaticsResult r = coulomb_->evaluate(s, cell_, &pairs_);
  torch::Tensor out = torch::empty({n, 3}, torch::kFloat64);
  std::memcpy(out.data_ptr<double>(), r.field.data(), sizeof(double) * 3 * n);
  return out.to(x_in.device());
}

torch::Tensor InductionOperator::apply(const torch::Tensor& x_in) const {
  const torch::Tensor x = x_in.to(torch::kFloat64);
  torch::Tensor inv;
  if (alpha_.dim() == 1)
    inv = x / alpha_.unsqueeze(1);
  else
    inv = torch::linalg_solve(alpha_, x.unsqueeze(2)).squeeze(2);
  return inv - dipole_field(x);
}

torch::Tensor InductionOperator::solve(const torch::Tensor& b_in, const torch::Tensor& guess,
                                       InductionStats* stats) const {
  const torch::Tensor b = b_in.detach().to(torch::kFloat64);
  // Preconditioned conjugate gradients (Jacobi: the 3×3 diagonal blocks alpha^-1 of A, whose
  // inverse alpha is exact and cheap). Convergence in the alpha-norm of the residual.
  torch::Tensor x =
      guess.defined() ? guess.detach().to(torch::kFloat64).clone() : torch::zeros_like(b);
  const double norm_b = std::sqrt(std::max(sum_product(b, precondition(b)), 0.0));
  InductionStats st;
  if (norm_b == 0) {
    if (stats) *stats = st;
    return torch::zeros_like(b_in);
  }
  torch::Tensor r = guess.defined() ? b - apply(x) : b.clone();
  torch::Tensor z = precondition(r);
  torch::Tensor d = z.clone();
  double rz = sum_product(r, z);
  st.residual = std::sqrt(std::max(rz, 0.0)) / norm_b;
  while (st.residual > settings_.tolerance && st.iterations < settings_.max_iterations) {
    torch::Tensor ad = apply(d);
    const double curvature = sum_product(d, ad);
    if (!(curvature > 0)) {
      std::ostringstream os;
      os << "induction: polarization catastrophe, the matrix alpha^-1 + T is not positive "
            "definite (curvature "
         << curvature
         << "); keep alpha_i below 6 sqrt(pi) sigma_i^3 / k_e and use Gaussian widths sigma > 0";
      throw Error(os.str());
    }
    const double step = rz / curvature;
    x = x + step * d;
    ++st.iterations;
    // The recursive residual drifts from b - A x in long runs; refresh it now and then.
    r = st.iterations % 50 == 0 ? b - apply(x) : r - step * ad;
    z = precondition(r);
    const double rz_new = sum_product(r, z);
    d = z + (rz_new / rz) * d;
    rz = rz_new;
    st.residual = std::sqrt(std::max(rz, 0.0)) / norm_b;
  }
  if (st.residual > 10 * settings_.tolerance) {
    std::ostringstream os;
    os << "induction: conjugate gradients stopped after " << st.iterations
       << " iterations at relative residual " << st.residual << " (tolerance "
       << settings_.tolerance << ")";
    throw Error(os.str());
  }
  if (stats) *stats = st;
  return x.to(b_in.scalar_type());
}

torch::Tensor permanent_field(const Electrostatics& es, const Parameters& p, const Sites& sites) {
  const int64_t n = sites.positions.size(0);
  torch::AutoGradMode grad_mode(true);
  Sites s = detached(sites, sites.positions.scalar_type());
  if (sites.charges.defined()) s.charges = sites.charges.detach();
  s.dipoles = sites.dipoles.defined() ? sites.dipoles.detach().clone()
                                      : torch::zeros({n, 3}, sites.positions.options());
  s.dipoles.requires_grad_(true);
  torch::Tensor e = es.energy(s, p);
  if (!e.requires_grad()) return torch::zeros({n, 3}, sites.positions.options());
  return -torch::autograd::grad({e}, {s.dipoles})[0];
}

torch::Tensor solve_induced_dipoles(const InductionOperator& op, const Electrostatics& es,
                                    const Parameters& p, const Sites& sites,
                                    const torch::Tensor& field, const torch::Tensor& guess,
                                    InductionStats* stats) {
  torch::Tensor b = permanent_field(es, p, sites);
  if (field.defined()) b = b + field.detach().view({1, 3});
  return op.solve(b, guess, stats);
}

torch::Tensor induction_energy(const Electrostatics& es, const Parameters& p, const Sites& sites,
                               const torch::Tensor& alpha, const torch::Tensor& field,
                               const torch::Tensor& mu_ind) {
  Sites s = sites;
  s.dipoles = sites.dipoles.defined() ? sites.dipoles + mu_ind : mu_ind;
  torch::Tensor u = es.energy(s, p) + polarization_self_energy(alpha, mu_ind);
  if (field.defined()) u = u - (field.view({1, 3}) * mu_ind).sum();
  return u;
}

torch::Tensor field_response(const InductionOperator& op, InductionStats* stats) {
  std::vector<torch::Tensor> out;
  InductionStats total;
  for (int b = 0; b < 3; ++b) {
    torch::Tensor unit = torch::zeros({op.size(), 3}, torch::kFloat64);
    unit.select(1, b).fill_(1.0);
    InductionStats st;
    out.push_back(op.solve(unit, {}, &st));
    total.iterations += st.iterations;
    total.residual = std::max(total.residual, st.residual);
  }
  if (stats) *stats = total;
  return torch::stack(out);
}

torch::Tensor cell_polarizability(const Electrostatics& es, const Parameters& p, const Sites& sites,
                                  const torch::Tensor& alpha, const torch::Tensor& response) {
  // x·A(theta)·x = 2 E_es[0, x] + x·alpha^-1·x (E_es without charges is quadratic in the
  // dipoles); off-diagonal forms by polarization: a·A·b = (f(a+b) - f(a) - f(b)) / 2.
  Sites s = sites;
  s.charges = torch::Tensor();
  auto form = [&](const torch::Tensor& x) {
    s.dipoles = x;
    return 2.0 * (es.energy(s, p) + polarization_self_energy(alpha, x));
  };
  const torch::Tensor lam = response.detach().to(sites.positions.scalar_type());
  torch::Tensor diag[3];
  for (int a = 0; a < 3; ++a) diag[a] = form(lam[a]);
  std::vector<torch::Tensor> rows;
  for (int a = 0; a < 3; ++a) {
    std::vector<torch::Tensor> row;
    for (int b = 0; b < 3; ++b) {
      torch::Tensor quad = a == b ? diag[a] : 0.5 * (form(lam[a] + lam[b]) - diag[a] - diag[b]);
      row.push_back(lam[a].select(1, b).sum() + lam[b].select(1, a).sum() - quad);
    }
    rows.push_back(torch::stack(row));
  }
  return torch::stack(rows);
}

torch::Tensor attach_solution(const torch::Tensor& mu_star, const torch::Tensor& gradient,
                              std::shared_ptr<const InductionOperator> op) {
  if (!gradient.defined() || !gradient.requires_grad()) return mu_star.detach();
  // mu~ = mu* - (y - y.detach()) with y = g: the value is mu*, the gradient reaching y is
  // -dL/dmu~, and the hook turns it into -A^-1 dL/dmu~ before it flows on into g's graph,
  // so that dL/dtheta = -(A^-1 dL/dmu~)·dg/dtheta = dL/dmu~ · dmu*/dtheta.
  torch::Tensor y = gradient * 1.0;
  y.register_hook([op](torch::Tensor grad) { return op->solve(grad.detach()); });
  return mu_star.detach() - (y - y.detach());
}

torch::Tensor attach_response(const Electrostatics& es, const Parameters& p, const Sites& sites,
                              const torch::Tensor& alpha, const torch::Tensor& response,
                              std::shared_ptr<const InductionOperator> op) {
  Sites s = sites;
  s.charges = torch::Tensor();
  std::vector<torch::Tensor> out;
  for (int b = 0; b < 3; ++b) {
    torch::Tensor x = response[b].detach().to(sites.positions.scalar_type()).requires_grad_(true);
    s.dipoles = x;
    torch::Tensor f = es.energy(s, p) + polarization_self_energy(alpha, x) - x.select(1, b).sum();
    torch::Tensor g = torch::autograd::grad({f}, {x}, {}, true, true)[0];
    out.push_back(attach_solution(x.detach(), g, op));
  }
  return torch::stack(out);
}

}  // namespace lnet::es
