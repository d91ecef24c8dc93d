#include "lnet/infer/coulomb_tuning.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/infer/coulomb_real.hpp"
#include "lnet/infer/coulomb_solvers.hpp"

namespace lnet::infer {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Effective sum of squared charges seen by each error estimate. A dipole adds one spatial
// derivative per site to the interaction: in real space each derivative of exp(-alpha^2 r^2)
// brings 2 alpha^2 r, so dipole-dipole forces carry (2 alpha^2 r_c)^2 relative to charge-charge
// ones; in k-space each dipole brings a factor k (up to k_cut).
double real_q2(const TuningInput& in, double alpha, double cutoff) {
  const double f = 2 * alpha * alpha * cutoff;
  return in.sum_q2 + in.sum_mu2 * f * f;
}
double kspace_q2(const TuningInput& in, double k_cut) {
  return in.sum_q2 + in.sum_mu2 * k_cut * k_cut;
}

// Distance between lattice planes (a_b x a_c) for axis a: the period seen along the normal.
double plane_spacing(const Mat3& h, int a) {
  const Vec3 cross = h.row((a + 1) % 3).cross(h.row((a + 2) % 3)).transpose();
  return std::abs(h.determinant()) / cross.norm();
}

// Smallest x in [lo, hi] with f(x) <= target for a decreasing f (bisection).
template <class F>
double solve_decreasing(F f, double target, double lo, double hi) {
  if (f(hi) > target) return hi;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) > target ? lo : hi) = mid;
  }
  return hi;
}

// The real-space error of a cutoff: the force estimate, and the energy shift each pair within
// the cutoff carries (charges only: the dipole terms are not shifted).
double real_space_worst(const TuningInput& in, double rc, double volume, double alpha) {
  const double force = real_space_error(real_q2(in, alpha, rc), in.natoms, rc, volume, alpha);
  return std::max(force, real_space_shift_error(in.sum_q2 / double(in.natoms), rc, alpha));
}

// LAMMPS' g_ewald for a given cutoff (ewald.cpp / pppm.cpp), iterated because the dipole part of
// the effective q2 depends on alpha; then raised where the cutoff shift would exceed `acc` (a
// dilute cell, whose averaged force estimate allows a soft split).
double alpha_for_cutoff(const TuningInput& in, double acc, double cutoff, double volume) {
  double alpha = (1.35 - 0.15 * std::log(acc)) / cutoff;
  for (int it = 0; it < 20; ++it) {
    const double q2 = real_q2(in, alpha, cutoff);
    if (q2 <= 0) break;
    const double g = acc * std::sqrt(in.natoms * cutoff * volume) / (2.0 * q2);
    alpha = g >= 1.0 ? (1.35 - 0.15 * std::log(acc)) / cutoff : std::sqrt(-std::log(g)) / cutoff;
  }
  const double q2_site = in.sum_q2 / double(in.natoms);
  if (real_space_shift_error(q2_site, cutoff, alpha) > acc)
    alpha = solve_decreasing([&](double a) { return real_space_shift_error(q2_site, cutoff, a); },
                             acc, alpha, 30.0 / cutoff);
  return alpha;
}

bool fft_friendly(int n) {
  for (int f : {2, 3, 5})
    while (n % f == 0) n /= f;
  return n == 1;
}

// Dipoles are interpolated through the spline derivative, whose aliasing error grows with the
// wave number up to the mesh Nyquist limit pi / spacing: their weight in q2 is (pi / spacing)^2.
std::optional<std::array<int, 3>> choose_mesh(const TuningInput& in, const Mat3& h, double acc,
                                              double alpha, int order) {
  std::array<int, 3> mesh{};
  std::array<double, 3> len{};
  for (int a = 0; a < 3; ++a) {
    len[a] = plane_spacing(h, a);
    mesh[a] = std::max(order, 4);
    while (!fft_friendly(mesh[a])) ++mesh[a];
  }
  // Deserno & Holm average the interpolation error of N randomly placed charges: per charge it
  // falls as sqrt(density). A dilute gas or a molecule in a huge box does not average it away,
  // since a close pair still carries its smooth force through the mesh (forces off by 20 % for
  // a dimer in a 1000 Å cell). So the density is floored at one neighbour within
  // max(0.75 / alpha, 1.5 Å): the screening length was set on a dimer and a sparse gas
  // (tests/electrostatics, Pme.MeetsTheAccuracyInDiluteCells; 2 / alpha still missed the
  // accuracy 2-3 times); 1.5 Å keeps the floor below condensed-matter densities (water: 0.1
  // atoms/Å³, one atom per sphere of 1.34 Å) for sharp splittings.
  const double volume = std::abs(h.determinant());
  const double radius = std::max(0.75 / alpha, 1.5);
  const double density_floor = 1.0 / (4.0 / 3.0 * kPi * radius * radius * radius);
  const double dilution = std::sqrt(std::max(1.0, density_floor * volume / double(in.natoms)));
  auto error = [&](int a) {
    const double spacing = len[a] / mesh[a];
    const double q2 = in.sum_q2 + in.sum_mu2 * (kPi / spacing) * (kPi / spacing);
    return dilution * pme_mesh_error(q2, in.natoms, spacing, len[a], alpha, order);
  };
  // Each pass grows one axis, so the loop ends once the mesh reaches kMaxMeshPoints.
  while (double(mesh[0]) * mesh[1] * mesh[2] <= kMaxMeshPoints) {
    double total = 0;
    int worst = 0;
    for (int a = 0; a < 3; ++a) {
      total += error(a) * error(a);
      if (error(a) > error(worst)) worst = a;
    }
    if (std::sqrt(total / 3) <= acc) return mesh;
    do ++mesh[worst];
    while (!fft_friendly(mesh[worst]));
  }
  return std::nullopt;
}

}  // namespace

double real_space_error(double q2, int64_t n, double cutoff, double volume, double alpha) {
  return 2.0 * q2 * std::exp(-alpha * alpha * cutoff * cutoff) /
         std::sqrt(double(n) * cutoff * volume);
}

double real_space_shift_error(double q2_per_site, double cutoff, double alpha) {
  return q2_per_site * std::erfc(alpha * cutoff) / cutoff;
}

double ewald_kspace_error(double q2, int64_t n, double volume, double alpha, double k_cut) {
  // LAMMPS ewald rms() written without the box edge: 2 q2 alpha / prd / sqrt(pi km N) with
  // km = k_cut prd / 2 pi and prd^3 = V.
  return 2.0 * q2 * alpha / std::sqrt(double(n) * k_cut * volume / 2.0) *
         std::exp(-k_cut * k_cut / (4 * alpha * alpha));
}

double pme_mesh_error(double q2, int64_t n, double spacing, double length, double alpha,
                      int order) {
  // Deserno & Holm (1998) eq. 38 coefficients, as tabulated in LAMMPS pppm.cpp (acons).
  static const double acons[8][7] = {
      {0},
      {2.0 / 3.0},
      {1.0 / 50.0, 5.0 / 294.0},
      {1.0 / 588.0, 7.0 / 1440.0, 21.0 / 3872.0},
      {1.0 / 4320.0, 3.0 / 1936.0, 7601.0 / 2271360.0, 143.0 / 28800.0},
      {1.0 / 23232.0, 7601.0 / 13628160.0, 143.0 / 69120.0, 517231.0 / 106536960.0,
       106640677.0 / 11737571328.0},
      {691.0 / 68140800.0, 13.0 / 57600.0, 47021.0 / 35512320.0, 9694607.0 / 2095994880.0,
       733191589.0 / 59609088000.0, 326190917.0 / 11700633600.0},
      {1.0 / 345600.0, 3617.0 / 35512320.0, 745739.0 / 838397952.0, 56399353.0 / 12773376000.0,
       25091609.0 / 1560084480.0, 1755948832039.0 / 36229939200000.0,
       4887769399.0 / 37838389248.0}};
  if (order < 1 || order > 7) throw Error("pme_mesh_error: order must be 1..7");
  double sum = 0;
  for (int m = 0; m < order; ++m) sum += acons[order][m] * std::pow(spacing * alpha, 2.0 * m);
  return q2 * std::pow(spacing * alpha, order) *
         std::sqrt(alpha * length * std::sqrt(2 * kPi) * sum / double(n)) / (length * length);
}

namespace {

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Tuning must be total: non-finite summaries would make every error estimate NaN and
// the searches below run to their limits.
void check_finite(const TuningInput& in) {
  auto bad = [](const std::string& what, double v) {
    return InputError("electrostatics", what + " is not finite (" + num(v) +
                                            "): a charge, dipole, width or cell entry is NaN or "
                                            "inf, or too large to square");
  };
  if (!std::isfinite(in.sum_q2)) throw bad("the sum of squared charges", in.sum_q2);
  if (!std::isfinite(in.sum_mu2)) throw bad("the sum of squared dipoles", in.sum_mu2);
  if (!std::isfinite(in.max_sigma)) throw bad("the largest Gaussian width sigma", in.max_sigma);
  if (in.periodic) {
    if (!in.cell.allFinite()) throw bad("the cell", in.cell.sum());
    if (!(std::abs(in.cell.determinant()) > 0))
      throw InputError("electrostatics", "the periodic cell is singular (zero volume)");
  }
}

// Largest real-space cutoff whose half pair list stays within kMaxPairsPerAtom per atom on
// average: (4 pi / 3) rc^3 (N / V) / 2 pairs per atom.
double cutoff_cap(int64_t n, double volume) {
  return std::cbrt(2.0 * kMaxPairsPerAtom * volume / (4.0 / 3.0 * kPi * double(n)));
}

std::string accuracy_hint(const CoulombSettings& s) {
  return " (accuracy " + num(s.accuracy) + "; raise " + s.accuracy_setting +
         ", or check the charges and dipoles for runaway values)";
}

// Real-space cutoff and alpha within the pair budget. When the accuracy needs more, a tuned
// alpha is raised to fit the capped cutoff (the k-space or mesh absorbs the rest); a fixed
// alpha, a fixed cutoff or wide Gaussians cannot be compensated and are errors.
void choose_real_space(const CoulombSettings& s, const TuningInput& in, double acc, double volume,
                       CoulombParameters& p) {
  const int64_t n = in.natoms;
  const double cap = cutoff_cap(n, volume);
  auto too_far = [&](const std::string& what, const std::string& change) {
    return InputError("electrostatics", what + " needs a real-space cutoff beyond " + num(cap) +
                                            " A, the most that keeps the pair list within " +
                                            num(kMaxPairsPerAtom) + " pairs per atom; " + change);
  };
  if (s.real_cutoff && *s.real_cutoff > cap)
    throw too_far("electrostatics.real_cutoff = " + num(*s.real_cutoff) + " A", "lower it");
  auto cutoff_for = [&](double alpha) {
    auto err = [&](double rc) { return real_space_worst(in, rc, volume, alpha); };
    return err(cap) > acc ? std::numeric_limits<double>::infinity()
                          : solve_decreasing(err, acc, 1e-3, cap);
  };
  if (p.alpha == 0) p.alpha = alpha_for_cutoff(in, acc, p.real_cutoff, volume);
  if (p.real_cutoff == 0) {
    p.real_cutoff = cutoff_for(p.alpha);
    if (!std::isfinite(p.real_cutoff)) {
      if (s.alpha)
        throw too_far("electrostatics.alpha = " + num(p.alpha),
                      "raise it or leave it to the tuning" + accuracy_hint(s));
      p.real_cutoff = cap;
      p.alpha = alpha_for_cutoff(in, acc, cap, volume);
    }
  }
  // Gaussian tails erfc(r / (2 s_max)) / r must also have decayed at the cutoff; this tail
  // belongs to the pair kernel and cannot move to k-space.
  if (in.max_sigma > 0) {
    const double beta = 1.0 / (2.0 * in.max_sigma);
    if (beta < p.alpha) {
      const double rc = cutoff_for(beta);
      if (!std::isfinite(rc))
        throw too_far("the Gaussian width sigma = " + num(in.max_sigma) + " A",
                      "use narrower widths (model.sigma)" + accuracy_hint(s));
      p.real_cutoff = std::max(p.real_cutoff, rc);
    }
  }
}

// Ewald k-vectors per axis within the structure-factor budget, or nothing when the accuracy
// needs more.
std::optional<std::array<int, 3>> ewald_kmax(const TuningInput& in, double acc, double volume,
                                             double alpha) {
  auto kerr = [&](double kc) {
    return ewald_kspace_error(kspace_q2(in, kc), in.natoms, volume, alpha, kc);
  };
  // (2 k0 + 1)(2 k1 + 1)(2 k2 + 1) / 2 vectors inside the box around the k-sphere.
  auto count = [&](double kc) {
    double c = 0.5;
    for (int a = 0; a < 3; ++a) c *= 2 * std::ceil(kc * in.cell.row(a).norm() / (2 * kPi)) + 1;
    return c;
  };
  double kc_cap = 1e3;  // 1/Å: far beyond any useful k-space cutoff
  for (int it = 0; it < 300 && count(kc_cap) * double(in.natoms) > kMaxStructureFactorTerms; ++it)
    kc_cap *= 0.9;
  if (count(kc_cap) * double(in.natoms) > kMaxStructureFactorTerms || kerr(kc_cap) > acc)
    return std::nullopt;
  const double k_cut = solve_decreasing(kerr, acc, 1e-6, kc_cap);
  std::array<int, 3> kmax{};
  for (int a = 0; a < 3; ++a)
    kmax[a] = std::max(1, int(std::ceil(k_cut * in.cell.row(a).norm() / (2 * kPi))));
  return kmax;
}

// Why a method cannot meet the accuracy within the work limits (not an input error by itself:
// under CoulombMethod::Auto another method may).
struct Unreachable {
  std::string what;
};

// Parameters of the periodic `solver` (the caller has checked the inputs and the boundaries).
// Real-space problems (cutoff beyond the pair limit, too wide Gaussians, a bad override) are
// InputErrors, the same for every solver; a k-space grid beyond its limit is Unreachable.
std::variant<CoulombParameters, Unreachable> tune_method(const CoulombSettings& s,
                                                         const CoulombSolver& solver,
                                                         const TuningInput& in) {
  CoulombParameters p;
  p.order = s.pme_order;
  p.method = solver.method;
  // Real space and k-space each get acc / sqrt(2), so that their independent errors add up to
  // the requested total (LAMMPS reports the same quadrature sum).
  const double acc = s.accuracy / std::sqrt(2.0);
  const double volume = std::abs(in.cell.determinant());
  TuningInput tin = in;
  tin.natoms = std::max<int64_t>(in.natoms, 1);
  // Cutoff and alpha: overrides first; otherwise the solver's starting split.
  if (s.real_cutoff) p.real_cutoff = *s.real_cutoff;
  if (s.alpha) p.alpha = *s.alpha;
  if (!s.alpha && !s.real_cutoff)
    solver.initial_split(tin, volume, cutoff_cap(tin.natoms, volume), p);
  choose_real_space(s, tin, acc, volume, p);
  if (auto why = solver.tune_grid(s, tin, acc, p)) return Unreachable{*why};
  return p;
}

std::string sites_number(std::size_t i) { return std::to_string(i + 1); }

}  // namespace

namespace coulomb_detail {

bool ewald_fixes_grid(const CoulombSettings& s) { return s.kmax.has_value(); }
bool pme_fixes_grid(const CoulombSettings& s) { return s.mesh.has_value(); }

// Ewald balances real and k-space work, alpha = sqrt(pi) (N / V^2)^(1/6) (Perram et al.).
void ewald_initial_split(const TuningInput& in, double volume, double, CoulombParameters& p) {
  p.alpha = 1.5 * std::sqrt(kPi) * std::pow(double(in.natoms) / (volume * volume), 1.0 / 6.0);
}
// PME uses a fixed cutoff: the mesh absorbs the rest.
void pme_initial_split(const TuningInput&, double, double cap, CoulombParameters& p) {
  p.real_cutoff = std::min(5.0, cap);
}

std::optional<std::string> ewald_tune_grid(const CoulombSettings& s, const TuningInput& in,
                                           double acc, CoulombParameters& p) {
  if (s.kmax) {
    p.kmax = *s.kmax;
  } else if (auto kmax = ewald_kmax(in, acc, std::abs(in.cell.determinant()), p.alpha)) {
    p.kmax = *kmax;
  } else {
    return "Ewald would need more than " + num(kMaxStructureFactorTerms) + " atom x k-vector terms";
  }
  return std::nullopt;
}

std::optional<std::string> pme_tune_grid(const CoulombSettings& s, const TuningInput& in,
                                         double acc, CoulombParameters& p) {
  // The mesh estimate is for P3M with the optimal influence function; smooth PME's |b(m)|^2
  // kernel is measurably less accurate: ~4x at water-density charges (bench_electrostatics
  // against a converged Ewald sum: with a factor 1/2 the forces missed a 1e-5 target by 1.5x at
  // 1000-2000 atoms), hence the factor 1/4 on the mesh target (about 15 % more mesh points per
  // axis).
  const double mesh_acc = 0.25 * acc;
  if (s.mesh) {
    p.mesh = *s.mesh;
  } else if (auto mesh = choose_mesh(in, in.cell, mesh_acc, p.alpha, p.order)) {
    p.mesh = *mesh;
  } else {
    return "the PME mesh would need more than " + num(kMaxMeshPoints) + " points";
  }
  return std::nullopt;
}

// Costs relative to one real-space pair term (erfc, exp, autograd, ~0.3 us), fitted to
// `lnet electrostatics` (1 thread, 1e-5) on random +-1 charges: 16 to 8000 atoms at water
// density and sparse gases of 100 to 3000 atoms in 60 to 400 A cells. Per atom x k-vector
// term ~0.2 us; per spline-stencil point ~0.3 us; per mesh point and log2 of the mesh size
// ~0.01 us (a 360^3 mesh: 11 s, 3.5 GB); a PME call has a fixed overhead of ~10 ms of mesh
// set-up. Memory scales with the same dominant terms: ~100 B per atom x k-vector term, ~80 B
// per mesh point.
double ewald_grid_cost(const CoulombParameters& p, const TuningInput& in) {
  constexpr double kKVectorTerm = 0.7;
  const double n = double(std::max<int64_t>(in.natoms, 1));
  const double volume = std::abs(in.cell.determinant());
  // Half-space k-vectors inside the sphere |k| <= k_cut (ewald.cpp), at most the box's.
  double k_cut = std::numeric_limits<double>::infinity(), box = 0.5;
  for (int a = 0; a < 3; ++a) {
    k_cut = std::min(k_cut, 2 * kPi * p.kmax[a] / in.cell.row(a).norm());
    box *= 2.0 * p.kmax[a] + 1;
  }
  const double sphere =
      0.5 * 4.0 / 3.0 * kPi * k_cut * k_cut * k_cut * volume / (8.0 * kPi * kPi * kPi);
  return kKVectorTerm * n * std::max(1.0, std::min(box, sphere));
}

double pme_grid_cost(const CoulombParameters& p, const TuningInput& in) {
  constexpr double kStencilPoint = 1.0;
  constexpr double kMeshPointLog = 0.033;
  constexpr double kPmeCall = 3e4;
  const double n = double(std::max<int64_t>(in.natoms, 1));
  const double points = double(p.mesh[0]) * p.mesh[1] * p.mesh[2];
  return kPmeCall + kStencilPoint * n * std::pow(double(p.order), 3) +
         kMeshPointLog * points * std::log2(std::max(points, 2.0));
}

}  // namespace coulomb_detail

double estimated_cost(const CoulombParameters& p, const TuningInput& in) {
  // In units of one real-space pair term; the k-space part is the solver's (grid_cost).
  const double n = double(std::max<int64_t>(in.natoms, 1));
  const double volume = std::abs(in.cell.determinant());
  const double rc = p.real_cutoff;
  double cost = n * std::max(1.0, 2.0 * kPi / 3.0 * rc * rc * rc * n / volume);
  const CoulombSolver& solver = coulomb_solver(p.method);
  if (solver.grid_cost) cost += solver.grid_cost(p, in);
  return cost;
}

CoulombParameters tune_parameters(const CoulombSettings& s, const TuningInput& in) {
  const CoulombSolver& open = open_boundary_solver();
  const CoulombSolver* asked =
      s.method == CoulombMethod::Auto ? nullptr : &coulomb_solver(s.method);
  if (!in.periodic) {
    if (asked && asked->periodic)
      throw InputError("electrostatics", std::string("open boundaries need method ") + open.name +
                                             " (or auto), got " + asked->name + "; set " +
                                             s.method_setting + " to " + open.name + " or auto");
    CoulombParameters p;
    p.order = s.pme_order;
    p.method = open.method;
    return p;
  }
  if (asked && !asked->periodic) {
    std::vector<std::string> names = {"auto"};
    for (const CoulombSolver& c : coulomb_solvers())
      if (c.periodic) names.push_back(c.name);
    std::string choices = names[0];
    for (std::size_t k = 1; k < names.size(); ++k)
      choices += (k + 1 == names.size() ? " or " : ", ") + names[k];
    throw InputError("electrostatics", std::string("method ") + asked->name +
                                           " is for open boundaries; this structure is "
                                           "periodic (set " +
                                           s.method_setting + " to " + choices + ")");
  }
  check_finite(in);
  if (asked) {
    auto p = tune_method(s, *asked, in);
    if (auto* no = std::get_if<Unreachable>(&p)) {
      std::string others;
      for (const CoulombSolver& c : coulomb_solvers())
        if (c.periodic && &c != asked) others += std::string(" or ") + c.name;
      throw InputError("electrostatics", no->what + "; set " + s.method_setting + " to auto" +
                                             others + accuracy_hint(s));
    }
    return std::get<CoulombParameters>(p);
  }
  // Auto: a fixed grid (k-vector count, mesh) names its method; otherwise every periodic solver
  // is tuned for the accuracy and the cheapest is used. A sparse gas in a big cell needs a mesh
  // whose per-charge error is not averaged away (choose_mesh), where Ewald with a soft split
  // needs a few k-vectors; a dense cell of more than ~100 atoms is cheaper on a mesh.
  bool any_fixed = false;
  for (const CoulombSolver& c : coulomb_solvers())
    any_fixed = any_fixed || (c.periodic && c.fixes_grid(s));
  std::optional<CoulombParameters> best;
  double best_cost = 0;
  std::string why;
  for (const CoulombSolver& c : coulomb_solvers()) {
    if (!c.periodic || (any_fixed && !c.fixes_grid(s))) continue;
    auto p = tune_method(s, c, in);
    if (auto* no = std::get_if<Unreachable>(&p)) {
      why += (why.empty() ? "" : "; ") + no->what;
      continue;
    }
    const CoulombParameters& cand = std::get<CoulombParameters>(p);
    const double cost = estimated_cost(cand, in);
    spdlog::debug("electrostatics: auto candidate {} (estimated cost {:.3g})", cand.describe(),
                  cost);
    if (!best || cost < best_cost) {
      best = cand;
      best_cost = cost;
    }
  }
  if (!best) throw InputError("electrostatics", why + accuracy_hint(s));
  return *best;
}

TuningInput summarize(const CoulombSites& sites, const Mat3& cell, bool periodic) {
  TuningInput in;
  in.natoms = static_cast<int64_t>(sites.size);
  in.periodic = periodic;
  if (periodic) in.cell = cell;
  for (std::size_t i = 0; i < sites.size; ++i) {
    if (sites.charges) in.sum_q2 += sites.charges[i] * sites.charges[i];
    if (sites.dipoles) in.sum_mu2 += sites.dipoles[i].squaredNorm();
    if (sites.sigma)
      in.max_sigma = i == 0 ? sites.sigma[0] : std::max(in.max_sigma, sites.sigma[i]);
  }
  return in;
}

void check_sites(const CoulombSites& s, const Mat3& cell, bool periodic) {
  if (periodic && std::abs(cell.determinant()) < 1e-10)
    throw Error("electrostatics: the periodic cell is singular (zero volume)");
  if (s.sigma)
    for (std::size_t i = 0; i < s.size; ++i)
      if (s.sigma[i] < 0) throw Error("electrostatics: Gaussian widths sigma must be >= 0");
  // Checked before tuning and neighbour lists, which NaN or inf would send to their limits.
  // Positions and cell first: coincident sites are reported as such, not as the non-finite
  // dipoles a model computes for them.
  auto not_finite = [](const std::string& what) {
    return InputError("electrostatics", what + " (1-based) is not finite");
  };
  for (std::size_t i = 0; i < s.size; ++i)
    if (!s.positions[i].allFinite()) throw not_finite("positions of site " + sites_number(i));
  if (periodic)
    for (int r = 0; r < 3; ++r)
      if (!cell.row(r).allFinite()) throw not_finite("cell row " + sites_number(r));
  // The closest pair within kCoincidentSites (periodic images included), naming both sites.
  // O(N) with the cell list, like the real-space pair list.
  if (s.size >= 2) {
    const std::vector<Vec3> positions(s.positions, s.positions + s.size);
    const Mat3 h = periodic ? cell : Mat3::Zero();
    const NeighborList close =
        build_neighbor_list(positions, h, {periodic, periodic, periodic}, kCoincidentSites);
    if (close.size() > 0) {
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
      os << "; sites closer than " << kCoincidentSites << " A are the same site given twice)";
      throw InputError("electrostatics", os.str());
    }
  }
  for (std::size_t i = 0; i < s.size; ++i) {
    if (s.charges && !std::isfinite(s.charges[i]))
      throw not_finite("charges of site " + sites_number(i));
  }
  for (std::size_t i = 0; i < s.size; ++i)
    if (s.dipoles && !s.dipoles[i].allFinite())
      throw not_finite("dipoles of site " + sites_number(i));
  for (std::size_t i = 0; i < s.size; ++i)
    if (s.sigma && !std::isfinite(s.sigma[i])) throw not_finite("sigma of site " + sites_number(i));
}

CoulombParameters resolve_parameters(const CoulombSettings& settings, const CoulombSites& sites,
                                     const Mat3& cell, bool periodic) {
  check_sites(sites, cell, periodic);
  return resolve_parameters(settings, summarize(sites, cell, periodic));
}

CoulombParameters resolve_parameters(const CoulombSettings& settings, const TuningInput& input) {
  CoulombParameters p = tune_parameters(settings, input);
  thread_local std::array<int, 7> last{-1};
  const std::array<int, 7> key = {int(p.method), p.kmax[0], p.kmax[1], p.kmax[2],
                                  p.mesh[0],     p.mesh[1], p.mesh[2]};
  if (key != last)
    spdlog::info("electrostatics: {} (accuracy {:g})", p.describe(), settings.accuracy);
  else
    spdlog::debug("electrostatics: {}", p.describe());
  last = key;
  return p;
}

}  // namespace lnet::infer
