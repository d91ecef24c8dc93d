#include "lnet_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "lnet/core/elements.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/infer/decomposition.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/threads.hpp"

namespace lnet::lammps {

struct Engine::Impl {
  Calculator calculator;  // the model itself, or a committee's first member (its species, cutoffs)
  std::unique_ptr<Committee> committee;
  std::unique_ptr<CommitteeForceField> mean;  // of `committee`
  int threads = 1;
  Impl(const std::string& path, const CalculatorOptions& o, const std::vector<std::string>& more)
      : calculator(path, o) {
    if (more.empty()) return;
    std::vector<std::string> paths{path};
    paths.insert(paths.end(), more.begin(), more.end());
    committee = std::make_unique<Committee>(Committee::load(paths, o));
    mean = std::make_unique<CommitteeForceField>(*committee);
  }
};

namespace {

// The per-atom quantity `name`; std::runtime_error listing the per-atom quantities otherwise.
Quantity per_atom_quantity(const std::string& name) {
  const auto q = find_quantity(name);
  if (q && q->per_atom) return *q;
  std::string known;
  for (const Quantity& k : quantities())
    if (k.per_atom) known += (known.empty() ? "" : ", ") + k.name;
  throw std::runtime_error("compute lnet/atom: no per-atom quantity '" + name + "' (one of " +
                           known + ")");
}

CalculatorOptions calculator_options(const EngineOptions& o) {
  CalculatorOptions c;
  if (!o.dtype.empty()) c.dtype = o.dtype;
  if (!o.es_method.empty()) c.es_method = o.es_method;
  if (o.es_accuracy > 0) c.es_accuracy = o.es_accuracy;
  if (o.min_distance >= 0) c.min_distance = o.min_distance;
  return c;
}

CloseAtoms close_atoms(const CloseAtomsError& e) {
  auto index = [](std::size_t i) { return i == std::string::npos ? -1 : static_cast<int>(i); };
  return CloseAtoms(index(e.first), index(e.second), e.distance, e.min_distance);
}

// W in LAMMPS's order xx yy zz xy xz yz.
std::array<double, 6> voigt(const Mat3& w) {
  return {w(0, 0), w(1, 1), w(2, 2), w(0, 1), w(0, 2), w(1, 2)};
}

// Per-atom energies as given, per-atom virials in LAMMPS's order (6 per atom).
void per_atom(const std::vector<double>& energies, const std::vector<Mat3>& virials,
              EngineResult& out) {
  out.atom_energies = energies;
  out.atom_virials.clear();
  out.atom_virials.reserve(6 * virials.size());
  for (const Mat3& w : virials) {
    const std::array<double, 6> v = voigt(w);
    out.atom_virials.insert(out.atom_virials.end(), v.begin(), v.end());
  }
}

}  // namespace

CloseAtoms::CloseAtoms(int first, int second, double distance, double min_distance)
    : std::runtime_error(first < 0
                             ? "another process found atoms closer than min_distance"
                             : "atoms " + std::to_string(first + 1) + " and " +
                                   std::to_string(second + 1) + " are closer than min_distance"),
      first(first),
      second(second),
      distance(distance),
      min_distance(min_distance) {}

Engine::Engine(const std::string& model_path, const EngineOptions& options) {
  // One rank reports what the calculator resolves (electrostatics tuning, ...), not every rank.
  if (!options.log) spdlog::set_level(spdlog::level::warn);
  const int threads = set_torch_threads(options.threads, "pair_style lnet threads");
  impl_ = std::make_unique<Impl>(model_path, calculator_options(options), options.committee);
  impl_->threads = threads;
}

Engine::~Engine() = default;

int Engine::species_number(const std::string& symbol) const {
  const auto& species = impl_->calculator.info().species;
  std::string known;
  for (int z : species) known += (known.empty() ? "" : " ") + element_symbol(z);
  int z = 0;
  try {
    z = atomic_number(symbol);
  } catch (const std::exception&) {
    throw std::runtime_error("'" + symbol + "' is not an element symbol (the model knows " + known +
                             ")");
  }
  for (int s : species)
    if (s == z) return z;
  throw std::runtime_error("element " + symbol + " is not among the model's species (" + known +
                           ")");
}

double Engine::cutoff() const {
  const ModelInfo& i = impl_->calculator.info();
  return std::max(i.cutoff_a, i.cutoff_b);
}

int Engine::threads() const { return impl_->threads; }

bool Engine::long_range() const { return impl_->calculator.info().long_range; }

std::string Engine::summary() const {
  const ModelInfo& i = impl_->calculator.info();
  std::string s = impl_->committee
                      ? "committee of " + std::to_string(impl_->committee->size()) + ", species"
                      : "species";
  for (int z : i.species) s += " " + element_symbol(z);
  s += ", " + i.dtype + ", cutoff A " + std::to_string(i.cutoff_a) + " A";
  if (i.long_range) s += ", long range (cutoff B " + std::to_string(i.cutoff_b) + " A)";
  return s;
}

void Engine::compute(int n, const int* numbers, const double* x, const double* cell,
                     const std::array<bool, 3>& pbc, const std::array<double, 3>& efield,
                     const Want& want, EngineResult& out) {
  Structure s;
  s.numbers.assign(numbers, numbers + n);
  s.positions.resize(n);
  for (int i = 0; i < n; ++i) s.positions[i] = Vec3(x[3 * i], x[3 * i + 1], x[3 * i + 2]);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) s.cell(r, c) = cell[3 * r + c];
  s.pbc = pbc;
  const Vec3 field(efield[0], efield[1], efield[2]);
  EvalRequest request;
  request.virial = want.virial;
  request.atom_energies = want.atom_energies;
  request.atom_virials = want.atom_virials;
  for (const std::string& name : want.quantities) request.add(name);
  Evaluation e;
  try {
    e = impl_->mean ? impl_->mean->evaluate(s, field, request)
                    : impl_->calculator.evaluate(s, field, request);
  } catch (const CloseAtomsError& close) {
    throw close_atoms(close);
  }
  out.quantities.clear();
  for (const std::string& name : want.quantities) {
    auto v = values(per_atom_quantity(name), e, s);
    if (!v) throw std::runtime_error("the model gives no " + name);
    out.quantities[name] = std::move(*v);
  }

  out.energy = e.energy;
  out.forces.resize(3 * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 3; ++k) out.forces[3 * i + k] = e.forces[i][k];
  out.virial = e.virial ? voigt(*e.virial) : std::array<double, 6>{};
  out.dipole = {};
  out.field_energy = 0;
  if (e.dipole) {
    out.dipole = {(*e.dipole)[0], (*e.dipole)[1], (*e.dipole)[2]};
    out.field_energy = -field.dot(*e.dipole);
  }
  out.charges = e.charges;
  out.atomic_dipoles.clear();
  for (const Vec3& mu : e.atomic_dipoles)
    out.atomic_dipoles.insert(out.atomic_dipoles.end(), {mu[0], mu[1], mu[2]});
  per_atom(e.atom_energies, e.atom_virials, out);
}

namespace {

// The pair style's Comm as the engine's Exchange.
class CommExchange : public infer::Exchange {
 public:
  explicit CommExchange(Comm& comm) : comm_(comm) {}
  void forward(std::vector<double>& values, int width) override {
    comm_.forward(values.data(), width);
  }
  void sum(std::vector<double>& values) override { comm_.sum(values.data(), values.size()); }
  bool root() const override { return comm_.root(); }

 private:
  Comm& comm_;
};

}  // namespace

void Engine::compute_local(int nlocal, int nall, const int* numbers, const double* x,
                           const double* x_unwrapped, const double* cell,
                           const std::array<double, 3>& efield, const Want& want, Comm& comm,
                           EngineResult& out) {
  LocalStructure s;
  s.num_local = nlocal;
  s.numbers.assign(numbers, numbers + nall);
  s.positions.resize(nall);
  for (int i = 0; i < nall; ++i) s.positions[i] = Vec3(x[3 * i], x[3 * i + 1], x[3 * i + 2]);
  s.unwrapped.resize(nlocal);
  for (int i = 0; i < nlocal; ++i)
    s.unwrapped[i] = Vec3(x_unwrapped[3 * i], x_unwrapped[3 * i + 1], x_unwrapped[3 * i + 2]);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) s.cell(r, c) = cell[3 * r + c];
  const Vec3 field(efield[0], efield[1], efield[2]);
  CommExchange exchange(comm);
  LocalEvaluation e;
  try {
    EvalRequest request;
    request.virial = want.virial;
    request.atom_energies = want.atom_energies;
    request.atom_virials = want.atom_virials;
    for (const std::string& name : want.quantities) {
      per_atom_quantity(name);
      if (name == "atom_energies")
        request.atom_energies = true;
      else if (name != "charges" && name != "atomic_dipoles")
        throw std::runtime_error("compute lnet/atom: " + name +
                                 " is not available with parallel domain (charges, "
                                 "atomic_dipoles and atom_energies are); use parallel "
                                 "replicated");
    }
    e = impl_->calculator.evaluate_local(s, field, request, exchange);
  } catch (const CloseAtomsError& close) {
    throw close_atoms(close);
  }
  out.energy = e.energy;
  out.forces.resize(3 * static_cast<std::size_t>(nall));
  for (int i = 0; i < nall; ++i)
    for (int k = 0; k < 3; ++k) out.forces[3 * i + k] = e.forces[i][k];
  out.virial = want.virial ? voigt(e.virial) : std::array<double, 6>{};
  out.dipole = {e.dipole[0], e.dipole[1], e.dipole[2]};
  out.field_energy = -field.dot(e.dipole);
  out.charges = e.charges;
  out.atomic_dipoles.clear();
  for (const Vec3& mu : e.atomic_dipoles)
    out.atomic_dipoles.insert(out.atomic_dipoles.end(), {mu[0], mu[1], mu[2]});
  out.quantities.clear();
  for (const std::string& name : want.quantities) {
    const std::vector<double>& v = name == "charges"          ? out.charges
                                   : name == "atomic_dipoles" ? out.atomic_dipoles
                                                              : e.atom_energies;
    if (v.empty()) throw std::runtime_error("the model gives no " + name);
    out.quantities[name] = v;
  }
  per_atom(e.atom_energies, e.atom_virials, out);
}

int quantity_columns(const std::string& name) {
  return static_cast<int>(per_atom_quantity(name).item_size());
}

std::string Engine::local_unsupported() const {
  if (impl_->committee) return "a committee (evaluated replicated, member by member)";
  const auto why = impl_->calculator.local_unsupported();
  return why ? *why : std::string();
}

double Engine::ghost_cutoff() const { return impl_->calculator.ghost_cutoff(); }

std::string Engine::state() const {
  return impl_->committee ? impl_->committee->state() : impl_->calculator.state();
}

void Engine::restore_state(const std::string& state) {
  if (impl_->committee)
    impl_->committee->restore_state(state);
  else
    impl_->calculator.restore_state(state);
}

}  // namespace lnet::lammps
