#include "lnet/model/calculator.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/infer/decomposition.hpp"
#include "lnet/model/engine.hpp"
#include "lnet/model/model_file.hpp"

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
  // The real-space cutoff the Verlet list must also cover for an engine that takes its
  // real-space pairs from it (0: none resolved yet).
  double es_list_cutoff = 0;
  double verlet_cutoff = 0;  // what `verlet` was built for, skin included

  // Polarizable models: the induced dipoles of the last call, the next call's CG start.
  std::vector<Vec3> induced;

  // The engines: the CPU engine (none where it cannot run the model or "reference" was asked
  // for) and the reference (none with "fast").
  std::unique_ptr<Engine> cpu, reference;
  std::vector<std::string> logged;  // engines the log has named already

  void check(const Structure& s) const;
  void update_verlet(const Structure& s);
  // The min_distance check on the closest pair of the Verlet list (filter()'s `closest`).
  void check_distance(const Closest& closest) const;
  // Network A's pairs, with the min_distance check on the way.
  NeighborList pairs_a(const Structure& s) const;
  bool es_valid(const Structure& s) const;
  void make_engines();
  // The engine for `request` (and `hessian`) by capability and CalculatorOptions::engine.
  Engine& pick(const EvalRequest& request, bool hessian = false);
  // Runs `f(engine, input)` on the engine's input for `s`, keeping the per-structure state.
  template <class F>
  auto run(Engine& engine, const Structure& s, const Vec3& efield, F&& f);
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

bool Calculator::Impl::es_valid(const Structure& s) const {
  if (!es) return false;
  const bool periodic = s.periodic();
  if ((es->method == es::Method::Direct) == periodic) return false;
  if (!periodic) return true;
  return (s.cell - es_cell).norm() <= options.cell_tolerance * es_cell.norm();
}

void Calculator::Impl::make_engines() {
  if (options.engine != "reference") {
    CpuEngineOptions o;
    o.radial_table = options.radial_table;
    o.method_setting = options.es_method_setting;
    o.accuracy_setting = options.es_accuracy_setting;
    try {
      cpu = make_cpu_engine(model, o);
    } catch (const Error& e) {
      if (options.engine == "fast") throw;
      spdlog::info("calculator: {}; using the reference engine", e.what());
    }
  }
  if (options.engine != "fast") reference = make_reference_engine(model);
  info.engine = cpu ? cpu->name() : reference->name();
}

Engine& Calculator::Impl::pick(const EvalRequest& request, bool hessian) {
  const auto miss = [&](const Engine& e) -> std::optional<CapabilityMiss> {
    if (hessian && !e.capabilities().hessian) return CapabilityMiss{"hessian", "the Hessian"};
    return missing_capability(e.capabilities(), request);
  };
  Engine* chosen = nullptr;
  std::optional<CapabilityMiss> cpu_miss;
  if (cpu) {
    cpu_miss = miss(*cpu);
    if (!cpu_miss) chosen = cpu.get();
  }
  if (!chosen && reference) {
    if (const auto m = miss(*reference)) {
      const std::string who = cpu ? "neither engine fast nor engine reference can"
                                  : "engine " + reference->name() + " cannot";
      throw InputError("engine", fmt::format("{} give {} for this model (capability {})", who,
                                             m->what, m->name));
    }
    chosen = reference.get();
  }
  if (!chosen)
    throw InputError("engine", fmt::format("engine {} cannot give {} (capability {})", cpu->name(),
                                           cpu_miss->what, cpu_miss->name));
  info.engine = chosen->name();
  if (std::find(logged.begin(), logged.end(), info.engine) == logged.end()) {
    logged.push_back(info.engine);
    if (chosen == reference.get() && cpu)
      spdlog::info("calculator: engine reference for {} (engine fast lacks capability {})",
                   cpu_miss->what, cpu_miss->name);
    else
      spdlog::info("calculator: engine {}", info.engine);
  }
  return *chosen;
}

template <class F>
auto Calculator::Impl::run(Engine& engine, const Structure& s, const Vec3& efield, F&& f) {
  const ModelConfig& c = model->config();
  // Kept (or restored) electrostatics: one list for the networks and the real space from the
  // start; else the first call extends it once the cutoff is resolved (`real_pairs` below).
  const bool reuse = c.long_range && es_valid(s);
  if (reuse && s.periodic() && engine.uses_real_pairs())
    es_list_cutoff = std::max(es_list_cutoff, es->real_cutoff);
  update_verlet(s);
  const NeighborList a = pairs_a(s);
  NeighborList b;
  if (c.long_range) b = filter(*verlet, s.positions, s.cell, c.network_b.cutoff);
  std::optional<es::Parameters> params;
  if (reuse) params = es;
  // Polarizable warm start (DESIGN.md §1.7): the previous call's induced dipoles, when the atom
  // count is the same; the result moves only within the solver tolerance.
  std::vector<Vec3> induced;
  if (options.warm_start && this->induced.size() == s.size()) induced = this->induced;
  EngineInput in;
  in.structure = &s;
  in.efield = efield;
  in.pairs_a = &a;
  in.pairs_b = c.long_range ? &b : nullptr;
  in.es = &params;
  in.induced = c.polarizable ? &induced : nullptr;
  // Real-space pairs: the Verlet list, extended once to the resolved real-space cutoff.
  in.real_pairs = [this, &s](double real_cutoff) {
    es_list_cutoff = std::max(es_list_cutoff, real_cutoff);
    update_verlet(s);
    return &*verlet;
  };
  auto result = f(engine, in);
  if (c.long_range && !reuse && params) {
    es = params;
    es_cell = s.cell;
  }
  if (c.polarizable) this->induced = std::move(induced);
  return result;
}

Calculator::Calculator(const std::string& model_path, const CalculatorOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (!(options.skin >= 0)) throw InputError("calculator", "skin must be >= 0");
  if (!(options.min_distance >= 0) || !std::isfinite(options.min_distance))
    throw InputError("min_distance", fmt::format("expected a distance >= 0 Å (0: no check), got {}",
                                                 options.min_distance));
  if (options.radial_table < 0) throw InputError("radial_table", "must be >= 0");
  if (options.engine != "auto" && options.engine != "fast" && options.engine != "reference")
    throw InputError("engine", "expected auto, fast or reference, got '" + options.engine + "'");
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
  impl_->make_engines();
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
  impl_->induced.clear();
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
  // auto: per-atom quantities from the CPU engine when the rest of the request needs the
  // reference (e.g. Born charges in lnet eval): two evaluations, the per-atom ones summing to
  // the CPU engine's totals, equal to the reference's to rounding.
  if (m.options.engine == "auto" && m.cpu && (request.atom_energies || request.atom_virials) &&
      missing_capability(m.cpu->capabilities(), request)) {
    EvalRequest rest = request, atoms;
    rest.atom_energies = rest.atom_virials = false;
    atoms.forces = false;
    atoms.atom_energies = request.atom_energies;
    atoms.atom_virials = request.atom_virials;
    Evaluation e = evaluate(s, efield, rest);
    Evaluation a = evaluate(s, efield, atoms);
    e.atom_energies = std::move(a.atom_energies);
    e.atom_virials = std::move(a.atom_virials);
    return e;
  }
  Engine& engine = m.pick(request);
  Evaluation e = m.run(engine, s, efield, [&](Engine& chosen, const EngineInput& in) {
    return chosen.evaluate(in, request);
  });
  // Quantities registered at run time that the engine does not give, from those it gave.
  if (!request.extra.empty()) derive_quantities(request, s, e);
  return e;
}

bool Calculator::supports(const EvalRequest& request) const {
  const Impl& m = *impl_;
  const auto can = [](const std::unique_ptr<Engine>& e, const EvalRequest& r) {
    return e && !missing_capability(e->capabilities(), r);
  };
  if (can(m.cpu, request) || can(m.reference, request)) return true;
  if (m.options.engine != "auto" || !(request.atom_energies || request.atom_virials)) return false;
  EvalRequest rest = request, atoms;  // as evaluate() splits it
  rest.atom_energies = rest.atom_virials = false;
  atoms.forces = false;
  atoms.atom_energies = request.atom_energies;
  atoms.atom_virials = request.atom_virials;
  return can(m.reference, rest) && can(m.cpu, atoms);
}

std::optional<Eigen::MatrixXd> Calculator::hessian(const Structure& s) {
  Impl& m = *impl_;
  m.check(s);
  EvalRequest none;
  none.forces = false;
  Engine& engine = m.pick(none, /*hessian=*/true);
  return m.run(engine, s, Vec3::Zero(),
               [](Engine& e, const EngineInput& in) { return e.hessian(in); });
}

std::string Calculator::state() const {
  if (!impl_->es) return {};
  nlohmann::json j = to_json(*impl_->es, impl_->es_cell);
  if (!impl_->induced.empty()) {  // so that a restart continues bit for bit
    std::vector<double> flat;
    for (const Vec3& v : impl_->induced) flat.insert(flat.end(), v.data(), v.data() + 3);
    j["induced_dipoles"] = flat;
  }
  return j.dump();
}

void Calculator::restore_state(const std::string& state) {
  impl_->induced.clear();
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
    for (std::size_t i = 0; i < induced.size(); i += 3)
      impl_->induced.emplace_back(induced[i], induced[i + 1], induced[i + 2]);
  } catch (const std::exception& e) {
    throw InputError("calculator state", std::string("cannot restore: ") + e.what());
  }
}

std::optional<std::string> Calculator::local_unsupported() const {
  const Impl& m = *impl_;
  if (!m.cpu || !m.cpu->capabilities().local)
    return "the model runs on the reference engine (engine " + m.options.engine +
           "; it lacks capability local), or a config the fast engine does not support";
  if (!m.model->config().long_range) return std::nullopt;
  if (!m.es) return std::string("the electrostatics parameters are not resolved yet");
  if (m.es->method == es::Method::Direct)
    return std::string("open boundaries (the direct sum is not decomposed)");
  return std::nullopt;
}

double Calculator::ghost_cutoff() const {
  const Impl& m = *impl_;
  double r = m.cpu ? m.cpu->ghost_cutoff() : 0.0;
  if (m.es) r = std::max(r, m.es->real_cutoff);
  return r;
}

LocalEvaluation Calculator::evaluate_local(const LocalStructure& s, const Vec3& efield, bool virial,
                                           infer::Exchange& exchange) {
  EvalRequest request;
  request.virial = virial;
  return evaluate_local(s, efield, request, exchange);
}

LocalEvaluation Calculator::evaluate_local(const LocalStructure& s, const Vec3& efield,
                                           const EvalRequest& request, infer::Exchange& exchange) {
  if (const auto why = local_unsupported()) throw Error("domain decomposition: " + *why);
  Impl& m = *impl_;
  if (const auto miss = missing_capability(m.cpu->capabilities(), request))
    throw InputError("engine", fmt::format("engine {} cannot give {} (capability {})",
                                           m.cpu->name(), miss->what, miss->name));
  const ModelConfig& c = m.model->config();
  const auto n = s.positions.size();
  if (s.numbers.size() != n || s.num_local < 0 || static_cast<std::size_t>(s.num_local) > n ||
      s.unwrapped.size() != static_cast<std::size_t>(s.num_local))
    throw Error("evaluate_local: inconsistent numbers of atoms");
  // Ghosts are at explicit positions: open lists. The local atoms' pairs within the largest
  // distance that matters give the real-space pairs and the receivers each network needs
  // (receiver_reach: atoms whose features reach the local atoms); then one list of those
  // receivers' pairs is filtered to each network.
  const std::array<bool, 3> open{false, false, false};
  const std::array<double, 2> reach = m.cpu->receiver_reach();
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
  if (c.long_range) b = filter(edges, s.positions, Mat3::Zero(), c.network_b.cutoff, &need_b);
  LocalInput in;
  in.structure = &s;
  in.efield = efield;
  in.virial = request.virial;
  in.atom_energies = request.atom_energies;
  in.atom_virials = request.atom_virials;
  in.near = &near;
  in.pairs_a = &a;
  in.pairs_b = c.long_range ? &b : nullptr;
  in.es = m.es;
  in.exchange = &exchange;
  return m.cpu->evaluate_local(in);
}

}  // namespace lnet
