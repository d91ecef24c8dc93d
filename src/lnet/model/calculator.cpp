#include "lnet/model/calculator.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/model/infer_weights.hpp"
#include "lnet/model/model_file.hpp"
#include "lnet/model/prediction.hpp"

namespace lnet {

namespace {

// The pairs of `verlet` closer than `cutoff` at `positions`: the same pairs, in the same
// order, as build_neighbor_list(positions, cell, pbc, cutoff) while no atom has moved more
// than half the skin since `verlet` was built (both are sorted by (i, j, shift)).
NeighborList filter(const NeighborList& verlet, const std::vector<Vec3>& positions,
                    const Mat3& cell, double cutoff) {
  NeighborList out;
  const double c2 = cutoff * cutoff;
  for (std::size_t k = 0; k < verlet.size(); ++k) {
    const auto& n = verlet.shifts[k];
    const Vec3 r = positions[verlet.second[k]] - positions[verlet.first[k]] +
                   (n[0] * cell.row(0) + n[1] * cell.row(1) + n[2] * cell.row(2)).transpose();
    if (r.squaredNorm() < c2) {
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

}  // namespace

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

  void check(const Structure& s) const;
  void update_verlet(const Structure& s);
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
  const bool mixed = s.pbc[0] != s.pbc[1] || s.pbc[1] != s.pbc[2];
  if (c.long_range && mixed)
    throw InputError("structure",
                     "a long-range model needs pbc all true (periodic) or all false "
                     "(open); mixed boundaries are not supported");
}

void Calculator::Impl::update_verlet(const Structure& s) {
  bool rebuild = !verlet || verlet_positions.size() != s.size() || verlet_pbc != s.pbc ||
                 verlet_cell != s.cell;
  const double half_skin2 = 0.25 * options.skin * options.skin;
  for (std::size_t i = 0; !rebuild && i < s.size(); ++i)
    rebuild = (s.positions[i] - verlet_positions[i]).squaredNorm() > half_skin2;
  if (!rebuild) return;
  verlet =
      build_neighbor_list(s.positions, s.cell, s.pbc, model->config().max_cutoff() + options.skin);
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
  std::vector<NeighborList> a{filter(*verlet, s.positions, s.cell, c.network_a.cutoff)}, b;
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
  update_verlet(s);
  const NeighborList a = filter(*verlet, s.positions, s.cell, c.network_a.cutoff);
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
  const auto es_fn =
      torch_electrostatics(*fast_es, params, in.positions, s.cell, s.periodic(), sigma);
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
  if (options.es_method) c.es_method = es::method_name(es::parse_method(*options.es_method));
  if (options.es_accuracy) c.es_accuracy = *options.es_accuracy;
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
long Calculator::neighbor_list_builds() const { return impl_->builds; }

void Calculator::reset() {
  impl_->verlet.reset();
  impl_->es.reset();
}

Evaluation Calculator::evaluate(const Structure& s, const Vec3& efield,
                                const EvalRequest& request) {
  Impl& m = *impl_;
  m.check(s);
  const ModelConfig& c = m.model->config();
  if (request.bec && !c.long_range)
    throw InputError("calculator", "Born effective charges need a long-range model");
  if ((m.fast32 || m.fast64) && !request.bec) return m.evaluate_fast(s, efield, request);
  const Batch batch = m.batch_for(s, efield);

  Request r;
  r.forces = request.forces;
  r.stress = request.virial;
  r.bec = request.bec;
  const bool reuse = c.long_range && m.es_valid(s);
  if (reuse) r.es_parameters = {*m.es};
  Prediction p = m.model->forward(batch, r);
  if (c.long_range && !reuse) {
    m.es = p.es_parameters.at(0);
    m.es_cell = s.cell;
  }

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
  return to_json(*impl_->es, impl_->es_cell).dump();
}

void Calculator::restore_state(const std::string& state) {
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
    impl_->es = p;
    impl_->es_cell = Eigen::Map<const Mat3>(cell.data());
  } catch (const std::exception& e) {
    throw InputError("calculator state", std::string("cannot restore: ") + e.what());
  }
}

}  // namespace lnet
