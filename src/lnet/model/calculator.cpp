#include "lnet/model/calculator.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/infer/decomposition.hpp"
#include "lnet/model/fast_electrostatics.hpp"
#include "lnet/model/infer_weights.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/model/prediction.hpp"

namespace lnet {

namespace {

// The closest pair filter() has seen (index into the list; npos: none).
struct Closest {
  double r2 = std::numeric_limits<double>::infinity();
  std::size_t k = std::string::npos;
};

// The pairs of `verlet` closer than `cutoff` at `positions`: the same pairs, in the same
// order, as build_neighbor_list(positions, cell, pbc, cutoff) while no atom has moved more
// than half the skin since `verlet` was built (both are sorted by (i, j, shift)).
// With `receivers`, only the pairs of those atoms (as the first). With `closest`, the closest
// pair of the whole list (for the min_distance check, at the cost of one comparison a pair).
NeighborList filter(const NeighborList& verlet, const std::vector<Vec3>& positions,
                    const Mat3& cell, double cutoff, const std::vector<bool>* receivers = nullptr,
                    Closest* closest = nullptr) {
  NeighborList out;
  const double c2 = cutoff * cutoff;
  for (std::size_t k = 0; k < verlet.size(); ++k) {
    if (receivers && !(*receivers)[verlet.first[k]]) continue;
    const auto& n = verlet.shifts[k];
    const Vec3 r = positions[verlet.second[k]] - positions[verlet.first[k]] +
                   (n[0] * cell.row(0) + n[1] * cell.row(1) + n[2] * cell.row(2)).transpose();
    const double r2 = r.squaredNorm();
    if (closest && r2 < closest->r2) *closest = {r2, k};
    if (r2 < c2) {
      out.first.push_back(verlet.first[k]);
      out.second.push_back(verlet.second[k]);
      out.shifts.push_back(n);
    }
  }
  return out;
}

nlohmann::json to_json(const es::Parameters& p, const Mat3& cell) {
  std::vector<double> c(cell.data(), cell.data() + 9);
  return {{"method", es::method_name(p.method)},
          {"alpha", p.alpha},
          {"real_cutoff", p.real_cutoff},
          {"kmax", p.kmax},
          {"mesh", p.mesh},
          {"order", p.order},
          {"cell", c}};
}

std::string close_atoms_message(std::size_t first, std::size_t second, double distance,
                                double min_distance) {
  if (first == std::string::npos)
    return fmt::format("another process found atoms closer than min_distance {:g} Å", min_distance);
  const std::string who =
      first == second
          ? "atom " + std::to_string(first + 1) + " and its own periodic image are"
          : "atoms " + std::to_string(first + 1) + " and " + std::to_string(second + 1) + " are";
  return fmt::format(
      "{} {:.3g} Å apart, closer than min_distance {:g} Å (overlapping atoms: no model "
      "was trained there; set min_distance to 0 to switch the check off)",
      who, distance, min_distance);
}

}  // namespace

CloseAtomsError::CloseAtomsError(std::size_t first, std::size_t second, double distance,
                                 double min_distance)
    : InputError("", close_atoms_message(first, second, distance, min_distance)),
      first(first),
      second(second),
      distance(distance),
      min_distance(min_distance) {}

void check_cell_finite(const Mat3& cell, const std::array<bool, 3>& pbc) {
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 3; ++c)
      if (pbc[k] && !std::isfinite(cell(k, c)))
        throw InputError("cell", fmt::format("vector {} (row {}) component {} is not finite ({})",
                                             "abc"[k], k + 1, "xyz"[c], cell(k, c)));
}

struct Calculator::Impl {
  Potential model{nullptr};
  ModelInfo info;
  CalculatorOptions options;

  // Verlet list at max cutoff + skin and what it was built for.
  std::optional<NeighborList> verlet;
  std::vector<Vec3> verlet_positions;
  Mat3 verlet_cell = Mat3::Zero();
  std::array<bool, 3> verlet_pbc{};
  long builds = 0;

  // Electrostatics parameters and the cell they were resolved for.
  std::optional<es::Parameters> es;
  Mat3 es_cell = Mat3::Zero();

  // The inference engine in the model's dtype (none: the reference evaluates everything).
  std::unique_ptr<infer::Potential<double>> fast64;
  std::unique_ptr<infer::Potential<float>> fast32;
  std::unique_ptr<es::Electrostatics> fast_es;
  // The engine's torch-free electrostatics (k-space tables kept while the cell is the same),
  // and the real-space cutoff the Verlet list must also cover (0: none resolved yet).
  std::unique_ptr<infer::Coulomb> coulomb;
  double es_list_cutoff = 0;
  double verlet_cutoff = 0;  // what `verlet` was built for, skin included

  // Polarizable models: the induced dipoles of the last call, the next call's CG start.
  torch::Tensor induced_guess;

  // Domain decomposition: the k-space tables of the last evaluate_local() and their cell.
  std::unique_ptr<infer::KSpace> local_kspace;
  Mat3 local_kspace_cell = Mat3::Zero();

  void check(const Structure& s) const;
  void update_verlet(const Structure& s);
  // The min_distance check on the closest pair of the Verlet list (filter()'s `closest`).
  void check_distance(const Closest& closest) const;
  // Network A's pairs, with the min_distance check on the way.
  NeighborList pairs_a(const Structure& s) const;
  // The one-structure batch of `s` in `efield`, with the neighbour lists from the Verlet list.
  Batch batch_for(const Structure& s, const Vec3& efield);
  bool es_valid(const Structure& s) const;
  void use_engine(const ModelConfig& c);
  Evaluation evaluate_fast(const Structure& s, const Vec3& efield, const EvalRequest& request);
};

void Calculator::Impl::check(const Structure& s) const {
  if (s.positions.size() != s.numbers.size())
    throw Error("calculator: " + std::to_string(s.numbers.size()) + " atomic numbers but " +
                std::to_string(s.positions.size()) + " positions");
  const ModelConfig& c = model->config();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::find(c.species.begin(), c.species.end(), s.numbers[i]) == c.species.end()) {
      std::string known;
      for (int z : c.species) known += (known.empty() ? "" : ", ") + element_symbol(z);
      throw InputError("atom " + std::to_string(i + 1), "element " + element_symbol(s.numbers[i]) +
                                                            " is not among the model's species (" +
                                                            known + ")");
    }
    if (!s.positions[i].allFinite())
      throw InputError("atom " + std::to_string(i + 1), "position is not finite");
  }
  check_cell_finite(s.cell, s.pbc);
  const bool mixed = s.pbc[0] != s.pbc[1] || s.pbc[1] != s.pbc[2];
  if (c.long_range && mixed)
    throw InputError("structure",
                     "a long-range model needs pbc all true (periodic) or all false "
                     "(open); mixed boundaries are not supported");
}

void Calculator::Impl::check_distance(const Closest& closest) const {
  if (closest.k == std::string::npos || !(closest.r2 < options.min_distance * options.min_distance))
    return;
  throw CloseAtomsError(verlet->first[closest.k], verlet->second[closest.k], std::sqrt(closest.r2),
                        options.min_distance);
}

NeighborList Calculator::Impl::pairs_a(const Structure& s) const {
  Closest closest;
  NeighborList a = filter(*verlet, s.positions, s.cell, model->config().network_a.cutoff, nullptr,
                          options.min_distance > 0 ? &closest : nullptr);
  check_distance(closest);
  return a;
}

void Calculator::Impl::update_verlet(const Structure& s) {
  // The list reaches min_distance too (the check scans its pairs), whatever the cutoffs.
  const double cutoff =
      std::max({model->config().max_cutoff(), es_list_cutoff, options.min_distance}) + options.skin;
  bool rebuild = !verlet || verlet_cutoff < cutoff || verlet_positions.size() != s.size() ||
                 verlet_pbc != s.pbc || verlet_cell != s.cell;
  const double half_skin2 = 0.25 * options.skin * options.skin;
  for (std::size_t i = 0; !rebuild && i < s.size(); ++i)
    rebuild = (s.positions[i] - verlet_positions[i]).squaredNorm() > half_skin2;
  if (!rebuild) return;
  verlet = build_neighbor_list(s.positions, s.cell, s.pbc, cutoff);
  verlet_cutoff = cutoff;
  verlet_positions = s.positions;
  verlet_cell = s.cell;
  verlet_pbc = s.pbc;
  ++builds;
}

Batch Calculator::Impl::batch_for(const Structure& s, const Vec3& efield) {
  const ModelConfig& c = model->config();
  update_verlet(s);
  Structure geometry;  // labels never enter inference
  geometry.numbers = s.numbers;
  geometry.positions = s.positions;
  geometry.cell = s.cell;
  geometry.pbc = s.pbc;
  geometry.efield = efield;
  std::vector<NeighborList> a{pairs_a(s)}, b;
  if (c.long_range) b.push_back(filter(*verlet, s.positions, s.cell, c.network_b.cutoff));
  return make_batch({&geometry}, c, a, b);
}

bool Calculator::Impl::es_valid(const Structure& s) const {
  if (!es) return false;
  const bool periodic = s.periodic();
  if ((es->method == es::Method::Direct) == periodic) return false;
  if (!periodic) return true;
  return (s.cell - es_cell).norm() <= options.cell_tolerance * es_cell.norm();
}

void Calculator::Impl::use_engine(const ModelConfig& c) {
  info.engine = "reference";
  if (options.engine == "reference") return;
  try {
    const infer::ModelWeights w = infer_weights(model);
    infer::NetworkOptions o;
    o.radial_table = options.radial_table;
    if (c.dtype == "float32")
      fast32 = std::make_unique<infer::Potential<float>>(w, o);
    else
      fast64 = std::make_unique<infer::Potential<double>>(w, o);
    es::Settings settings;
    settings.accuracy = c.es_accuracy;
    settings.method = es::parse_method(c.es_method);
    fast_es = std::make_unique<es::Electrostatics>(settings);
    info.engine = "fast";
  } catch (const Error& e) {
    spdlog::info("calculator: {}; using the reference engine", e.what());
  }
}

Evaluation Calculator::Impl::evaluate_fast(const Structure& s, const Vec3& efield,
                                           const EvalRequest& request) {
  const ModelConfig& c = model->config();
  // Kept (or restored) electrostatics: one list for the networks and the real space from the
  // start; else the first call extends it once the cutoff is resolved (`pairs` below).
  if (c.long_range && s.periodic() && es_valid(s))
    es_list_cutoff = std::max(es_list_cutoff, es->real_cutoff);
  update_verlet(s);
  const NeighborList a = pairs_a(s);
  NeighborList b;
  if (c.long_range) b = filter(*verlet, s.positions, s.cell, c.network_b.cutoff);
  infer::Input in;
  in.species.reserve(s.size());
  for (int z : s.numbers) in.species.push_back(c.species_index(z));
  in.positions = s.positions;
  in.cell = s.cell;
  in.edges_a = &a;
  in.edges_b = c.long_range ? &b : nullptr;
  in.efield = efield;
  in.forces = request.forces;
  in.virial = request.virial;
  const infer::ModelWeights& w = fast32 ? fast32->weights() : fast64->weights();
  std::vector<double> sigma;
  for (int sp : in.species) sigma.push_back(w.sigma.at(sp));
  const bool reuse = c.long_range && es_valid(s);
  std::optional<es::Parameters> params;
  if (reuse) params = es;
  // Real-space pairs: the Verlet list, extended once to the resolved real-space cutoff.
  const PairSource pairs = [this, &s](double real_cutoff) {
    es_list_cutoff = std::max(es_list_cutoff, real_cutoff);
    update_verlet(s);
    return &*verlet;
  };
  const auto es_fn = fast_electrostatics(*fast_es, params, coulomb, in.positions, s.cell,
                                         s.periodic(), sigma, pairs);
  const infer::Output o = fast32 ? fast32->evaluate(in, es_fn) : fast64->evaluate(in, es_fn);
  if (c.long_range && !reuse) {
    es = params;
    es_cell = s.cell;
  }
  Evaluation e;
  e.energy = o.energy;
  e.forces = o.forces;
  e.virial = o.virial;
  if (c.long_range) {
    e.dipole = o.dipole;
    e.charges = o.charges;
    e.atomic_dipoles = o.dipoles;
  }
  return e;
}

Calculator::Calculator(const std::string& model_path, const CalculatorOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (!(options.skin >= 0)) throw InputError("calculator", "skin must be >= 0");
  if (!(options.min_distance >= 0) || !std::isfinite(options.min_distance))
    throw InputError("min_distance", fmt::format("expected a distance >= 0 Å (0: no check), got {}",
                                                 options.min_distance));
  if (options.radial_table < 0) throw InputError("radial_table", "must be >= 0");
  if (options.engine != "fast" && options.engine != "reference")
    throw InputError("engine", "expected fast or reference, got '" + options.engine + "'");
  impl_->options = options;
  Potential model = load_model(model_path);
  ModelConfig c = model->config();
  if (options.dtype) {
    if (*options.dtype != "float64" && *options.dtype != "float32")
      throw InputError("dtype", "expected float64 or float32, got '" + *options.dtype + "'");
    c.dtype = *options.dtype;
  }
  if (options.es_method) {
    try {
      c.es_method = es::method_name(es::parse_method(*options.es_method));
    } catch (const Error&) {
      throw InputError("es_method",
                       "expected auto, ewald, pme or direct, got '" + *options.es_method + "'");
    }
  }
  if (options.es_accuracy) {
    if (!(*options.es_accuracy > 0 && *options.es_accuracy < 1))
      throw InputError("es_accuracy", fmt::format("expected a relative accuracy in (0, 1), got {}",
                                                  *options.es_accuracy));
    c.es_accuracy = *options.es_accuracy;
  }
  if (c.dtype != model->config().dtype || c.es_method != model->config().es_method ||
      c.es_accuracy != model->config().es_accuracy) {
    Potential converted(c);  // same weights, other dtype or electrostatics settings
    copy_weights(*converted, *model);
    model = converted;
  }
  model->eval();
  impl_->model = model;
  ModelInfo& info = impl_->info;
  info.species = c.species;
  info.dtype = c.dtype;
  info.long_range = c.long_range;
  info.polarizable = c.polarizable;
  info.cutoff_a = c.network_a.cutoff;
  info.cutoff_b = c.long_range ? c.network_b.cutoff : 0.0;
  info.epsilon_s = c.epsilon_s;
  info.config_json = nlohmann::json(c).dump();
  impl_->use_engine(c);
}

Calculator::~Calculator() = default;
Calculator::Calculator(Calculator&&) noexcept = default;
Calculator& Calculator::operator=(Calculator&&) noexcept = default;

const ModelInfo& Calculator::info() const { return impl_->info; }
bool Calculator::has_dipole() const { return impl_->info.long_range; }
bool Calculator::has_polarizability() const { return impl_->info.polarizable; }
long Calculator::neighbor_list_builds() const { return impl_->builds; }

void Calculator::reset() {
  impl_->verlet.reset();
  impl_->es_list_cutoff = 0;
  impl_->es.reset();
  impl_->induced_guess = torch::Tensor();
}

Evaluation Calculator::evaluate(const Structure& s, const Vec3& efield,
                                const EvalRequest& request) {
  Impl& m = *impl_;
  m.check(s);
  const ModelConfig& c = m.model->config();
  if (request.bec && !c.long_range)
    throw InputError("calculator", "Born effective charges need a long-range model");
  if ((request.polarizability || request.raman) && !c.polarizable)
    throw InputError(
        "calculator",
        "the polarizability (alpha_cell, epsilon_inf, Raman tensors) needs a polarizable "
        "model (model.polarizable: true); this model has no induced dipoles");
  if ((m.fast32 || m.fast64) && !request.bec && !request.polarizability && !request.raman)
    return m.evaluate_fast(s, efield, request);
  const Batch batch = m.batch_for(s, efield);

  Request r;
  r.forces = request.forces;
  r.stress = request.virial;
  r.bec = request.bec;
  r.polarizability = request.polarizability || request.raman;
  r.raman = request.raman;
  const bool reuse = c.long_range && m.es_valid(s);
  if (reuse) r.es_parameters = {*m.es};
  // Warm start (DESIGN.md §1.7): the previous call's induced dipoles, when the atom count is
  // the same; the result moves only within the solver tolerance.
  if (c.polarizable && m.options.warm_start && m.induced_guess.defined() &&
      m.induced_guess.size(0) == static_cast<int64_t>(s.size()))
    r.induced_guess = m.induced_guess;
  Prediction p = m.model->forward(batch, r);
  if (c.long_range && !reuse) {
    m.es = p.es_parameters.at(0);
    m.es_cell = s.cell;
  }
  if (c.polarizable) m.induced_guess = p.induced_dipoles;

  return split_prediction(batch, p).at(0);
}

std::optional<Eigen::MatrixXd> Calculator::hessian(const Structure& s) {
  Impl& m = *impl_;
  m.check(s);
  const ModelConfig& c = m.model->config();
  const Batch batch = m.batch_for(s, Vec3::Zero());
  Request r;
  r.create_graph = true;
  if (c.long_range && m.es_valid(s)) r.es_parameters = {*m.es};
  Prediction p = m.model->forward(batch, r);
  const auto n = static_cast<int64_t>(s.size());
  auto minus_forces = (-p.forces).reshape({-1});
  Eigen::MatrixXd h(3 * n, 3 * n);
  for (int64_t k = 0; k < 3 * n; ++k) {
    auto g = torch::autograd::grad({minus_forces[k]}, {p.positions}, {}, /*retain_graph=*/true,
                                   false, /*allow_unused=*/true)[0];
    if (!g.defined()) g = torch::zeros_like(p.positions);
    g = g.detach().to(torch::kFloat64).contiguous().reshape({-1});
    for (int64_t l = 0; l < 3 * n; ++l) h(k, l) = g.data_ptr<double>()[l];
  }
  return h;
}

std::string Calculator::state() const {
  if (!impl_->es) return {};
  nlohmann::json j = to_json(*impl_->es, impl_->es_cell);
  if (impl_->induced_guess.defined()) {  // so that a restart continues bit for bit
    const torch::Tensor t = impl_->induced_guess.to(torch::kFloat64).contiguous();
    j["induced_dipoles"] =
        std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  }
  return j.dump();
}

void Calculator::restore_state(const std::string& state) {
  impl_->induced_guess = torch::Tensor();
  if (state.empty()) {
    impl_->es.reset();
    return;
  }
  try {
    const auto j = nlohmann::json::parse(state);
    es::Parameters p;
    p.method = es::parse_method(j.at("method").get<std::string>());
    p.alpha = j.at("alpha").get<double>();
    p.real_cutoff = j.at("real_cutoff").get<double>();
    p.kmax = j.at("kmax").get<std::array<int, 3>>();
    p.mesh = j.at("mesh").get<std::array<int, 3>>();
    p.order = j.at("order").get<int>();
    const auto cell = j.at("cell").get<std::vector<double>>();
    if (cell.size() != 9) throw Error("cell must have 9 numbers");
    std::vector<double> induced;
    if (j.contains("induced_dipoles")) {
      induced = j.at("induced_dipoles").get<std::vector<double>>();
      if (induced.size() % 3 != 0) throw Error("induced_dipoles must have 3 numbers per atom");
    }
    impl_->es = p;
    impl_->es_cell = Eigen::Map<const Mat3>(cell.data());
    if (!induced.empty())
      impl_->induced_guess =
          torch::tensor(induced, torch::kFloat64).view({-1, 3}).to(impl_->model->dtype());
  } catch (const std::exception& e) {
    throw InputError("calculator state", std::string("cannot restore: ") + e.what());
  }
}

std::optional<std::string> Calculator::local_unsupported() const {
  const Impl& m = *impl_;
  if (!m.fast32 && !m.fast64)
    return "the model runs on the reference engine (" + m.options.engine +
           " requested, or a config the fast engine does not support)";
  if (!m.model->config().long_range) return std::nullopt;
  if (!m.es) return std::string("the electrostatics parameters are not resolved yet");
  if (m.es->method == es::Method::Direct)
    return std::string("open boundaries (the direct sum is not decomposed)");
  return std::nullopt;
}

double Calculator::ghost_cutoff() const {
  const Impl& m = *impl_;
  double r = m.fast32 ? m.fast32->ghost_cutoff() : m.fast64 ? m.fast64->ghost_cutoff() : 0.0;
  if (m.es) r = std::max(r, m.es->real_cutoff);
  return r;
}

LocalEvaluation Calculator::evaluate_local(const LocalStructure& s, const Vec3& efield, bool virial,
                                           infer::Exchange& exchange) {
  if (const auto why = local_unsupported()) throw Error("domain decomposition: " + *why);
  Impl& m = *impl_;
  const ModelConfig& c = m.model->config();
  const auto n = s.positions.size();
  if (s.numbers.size() != n || s.num_local < 0 || static_cast<std::size_t>(s.num_local) > n ||
      s.unwrapped.size() != static_cast<std::size_t>(s.num_local))
    throw Error("evaluate_local: inconsistent numbers of atoms");
  infer::Input in;
  in.species.reserve(n);
  for (int z : s.numbers) in.species.push_back(c.species_index(z));
  in.positions = s.positions;
  in.num_local = s.num_local;
  in.dipole_positions = &s.unwrapped;
  in.efield = efield;
  in.virial = virial;
  // Ghosts are at explicit positions: open lists. The local atoms' pairs within the largest
  // distance that matters give the real-space pairs and the receivers each network needs
  // (Potential::receiver_reach: atoms whose features reach the local atoms); then one list of
  // those receivers' pairs is filtered to each network.
  const std::array<bool, 3> open{false, false, false};
  const std::array<double, 2> reach =
      m.fast32 ? m.fast32->receiver_reach() : m.fast64->receiver_reach();
  const double real_cutoff = c.long_range ? m.es->real_cutoff : 0.0;
  std::vector<bool> local(n, false), need_a(n, false), need_b(n, false);
  std::fill_n(local.begin(), s.num_local, true);
  const NeighborList near = build_neighbor_list(
      s.positions, Mat3::Zero(), open,
      std::max({reach[0], reach[1], real_cutoff, c.network_a.cutoff, m.options.min_distance}),
      &local);
  need_a = local;
  need_b = local;
  std::size_t close = std::string::npos;  // the first pair closer than min_distance
  for (std::size_t k = 0; k < near.size(); ++k) {
    const double r = (s.positions[near.second[k]] - s.positions[near.first[k]]).norm();
    if (r < m.options.min_distance && close == std::string::npos) close = k;
    if (r < reach[0]) need_a[near.second[k]] = true;
    if (r < reach[1]) need_b[near.second[k]] = true;
  }
  if (m.options.min_distance > 0) {
    // Every process checks the pairs of its own atoms, and all stop together: one process
    // stopping alone would leave the others waiting in the next exchange.
    std::vector<double> found{close == std::string::npos ? 0.0 : 1.0};
    exchange.sum(found);
    if (found[0] > 0 && close != std::string::npos) {
      const std::size_t i = near.first[close], j = near.second[close];
      throw CloseAtomsError(i, j, (s.positions[j] - s.positions[i]).norm(), m.options.min_distance);
    }
    if (found[0] > 0)
      throw CloseAtomsError(std::string::npos, std::string::npos,
                            std::numeric_limits<double>::quiet_NaN(), m.options.min_distance);
  }
  std::vector<bool> receivers(n);
  for (std::size_t i = 0; i < n; ++i) receivers[i] = need_a[i] || (c.long_range && need_b[i]);
  const NeighborList edges =
      build_neighbor_list(s.positions, Mat3::Zero(), open, c.max_cutoff(), &receivers);
  const NeighborList a = filter(edges, s.positions, Mat3::Zero(), c.network_a.cutoff, &need_a);
  NeighborList b;
  in.edges_a = &a;
  if (c.long_range) {
    b = filter(edges, s.positions, Mat3::Zero(), c.network_b.cutoff, &need_b);
    in.edges_b = &b;
  }
  infer::ElectrostaticsFn es_fn;
  std::vector<double> sigma;
  infer::CoulombParameters cp;
  if (c.long_range) {
    const infer::ModelWeights& w = m.fast32 ? m.fast32->weights() : m.fast64->weights();
    for (int sp : in.species) sigma.push_back(w.sigma.at(sp));
    cp = coulomb_parameters(*m.es);
    if (!m.local_kspace || m.local_kspace_cell != s.cell) {
      m.local_kspace = infer::make_kspace(cp, s.cell);
      m.local_kspace_cell = s.cell;
    }
    es_fn = infer::decomposed_electrostatics(cp, *m.local_kspace, in.positions, sigma, s.num_local,
                                             near, exchange);
  }
  const infer::Output o = m.fast32 ? m.fast32->evaluate(in, es_fn) : m.fast64->evaluate(in, es_fn);
  LocalEvaluation e;
  e.energy = o.energy;
  e.forces = o.forces;
  if (o.virial) e.virial = *o.virial;
  if (c.long_range) {
    e.dipole = *o.dipole;
    e.charges.assign(o.charges.begin(), o.charges.begin() + s.num_local);
    e.atomic_dipoles.assign(o.dipoles.begin(), o.dipoles.begin() + s.num_local);
  }
  return e;
}

}  // namespace lnet
