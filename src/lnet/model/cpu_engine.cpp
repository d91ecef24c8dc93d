// The CPU inference engine (src/lnet/infer: hand-written forward and reverse passes, equal to
// the reference to rounding) in float or double, with the torch-free electrostatics
// (fast_electrostatics.hpp) and the domain-decomposed evaluation of one MPI rank.
#include <algorithm>

#include "lnet/core/error.hpp"
#include "lnet/infer/decomposition.hpp"
#include "lnet/infer/long_range_gradient.hpp"
#include "lnet/model/engine.hpp"
#include "lnet/model/infer_weights.hpp"

namespace lnet {
namespace {

template <class T>
class CpuEngine : public Engine {
 public:
  CpuEngine(const infer::ModelWeights& w, const ModelConfig& c, const CpuEngineOptions& options)
      : config_(c) {
    infer::NetworkOptions o;
    o.radial_table = options.radial_table;
    potential_ = std::make_unique<infer::EngineModel<T>>(w, o);
    es::Settings settings;
    settings.accuracy = c.es_accuracy;
    settings.method = es::parse_method(c.es_method);
    settings.method_setting = options.method_setting;
    settings.accuracy_setting = options.accuracy_setting;
    es_ = std::make_unique<es::Electrostatics>(settings);
    caps_ = cpu_capabilities();
    // Born charges dM/dr by network B's reverse passes (long_range_gradient.hpp, the training
    // engine's own), for the models that have them.
    caps_.bec = c.long_range;
    if (c.long_range) born_ = std::make_unique<infer::LongRangeGradient<T>>(w);
  }

  static EngineCapabilities cpu_capabilities() {
    EngineCapabilities caps;
    caps.forces = caps.virial = caps.atom_energies = caps.atom_virials = caps.local = true;
    caps.dtypes = {"float64", "float32"};
    caps.long_range = true;
    return caps;
  }

  std::string name() const override { return "fast"; }
  const EngineCapabilities& capabilities() const override { return caps_; }
  bool uses_real_pairs() const override { return true; }
  std::array<double, 2> receiver_reach() const override { return potential_->receiver_reach(); }
  double ghost_cutoff() const override { return potential_->ghost_cutoff(); }

  Evaluation evaluate(const EngineInput& in, const EvalRequest& request) override {
    const Structure& s = *in.structure;
    infer::Input input;
    input.species.reserve(s.size());
    for (int z : s.numbers) input.species.push_back(config_.species_index(z));
    input.positions = s.positions;
    input.cell = s.cell;
    input.edges_a = in.pairs_a;
    input.edges_b = config_.long_range ? in.pairs_b : nullptr;
    input.efield = in.efield;
    input.forces = request.forces;
    input.virial = request.virial;
    input.atom_virials = request.atom_virials;
    const std::vector<double> sigma = sigmas(input.species);
    const auto es_fn = fast_electrostatics(*es_, *in.es, coulomb_, input.positions, s.cell,
                                           s.periodic(), sigma, in.real_pairs);
    infer::Output o = potential_->evaluate(input, es_fn);
    Evaluation e;
    e.energy = o.energy;
    e.forces = std::move(o.forces);
    e.virial = o.virial;
    if (config_.long_range) {
      e.dipole = o.dipole;
      e.charges = std::move(o.charges);
      e.atomic_dipoles = std::move(o.dipoles);
      if (request.bec) e.bec = born_->born_charges(input);
    }
    if (request.atom_energies) e.atom_energies = std::move(o.atom_energies);
    if (request.atom_virials) e.atom_virials = std::move(o.atom_virials);
    return e;
  }

  LocalEvaluation evaluate_local(const LocalInput& in) override {
    const LocalStructure& s = *in.structure;
    infer::Input input;
    input.species.reserve(s.numbers.size());
    for (int z : s.numbers) input.species.push_back(config_.species_index(z));
    input.positions = s.positions;
    input.num_local = s.num_local;
    input.dipole_positions = &s.unwrapped;
    input.efield = in.efield;
    input.virial = in.virial;
    input.atom_virials = in.atom_virials;
    input.edges_a = in.pairs_a;
    input.edges_b = config_.long_range ? in.pairs_b : nullptr;
    infer::ElectrostaticsFn es_fn;
    std::vector<double> sigma;
    infer::CoulombParameters cp;
    if (config_.long_range) {
      sigma = sigmas(input.species);
      cp = *in.es;
      if (!local_kspace_ || local_kspace_cell_ != s.cell) {
        local_kspace_ = infer::make_kspace(cp, s.cell);
        local_kspace_cell_ = s.cell;
      }
      es_fn = infer::decomposed_electrostatics(cp, *local_kspace_, input.positions, sigma,
                                               s.num_local, *in.near, *in.exchange);
    }
    infer::Output o = potential_->evaluate(input, es_fn);
    LocalEvaluation e;
    e.energy = o.energy;
    e.forces = std::move(o.forces);
    if (o.virial) e.virial = *o.virial;
    if (config_.long_range) {
      e.dipole = *o.dipole;
      e.charges.assign(o.charges.begin(), o.charges.begin() + s.num_local);
      e.atomic_dipoles.assign(o.dipoles.begin(), o.dipoles.begin() + s.num_local);
    }
    if (in.atom_energies)
      e.atom_energies.assign(o.atom_energies.begin(), o.atom_energies.begin() + s.num_local);
    if (in.atom_virials) e.atom_virials = std::move(o.atom_virials);
    return e;
  }

 private:
  std::vector<double> sigmas(const std::vector<int>& species) const {
    std::vector<double> sigma;
    sigma.reserve(species.size());
    for (int sp : species) sigma.push_back(potential_->weights().sigma.at(sp));
    return sigma;
  }

  ModelConfig config_;
  EngineCapabilities caps_;
  std::unique_ptr<infer::EngineModel<T>> potential_;
  std::unique_ptr<infer::LongRangeGradient<T>> born_;  // long range: Born charges
  std::unique_ptr<es::Electrostatics> es_;
  // k-space tables kept while the cell is the same: of evaluate() and of evaluate_local().
  std::unique_ptr<infer::Coulomb> coulomb_;
  std::unique_ptr<infer::KSpace> local_kspace_;
  Mat3 local_kspace_cell_ = Mat3::Zero();
};

}  // namespace

std::unique_ptr<Engine> make_cpu_engine(const Potential& model, const CpuEngineOptions& options) {
  const ModelConfig& c = model->config();
  const EngineCapabilities caps = CpuEngine<double>::cpu_capabilities();
  if (c.polarizable && !caps.polarizable)
    throw InputError("engine",
                     "engine fast cannot run polarizable models (capability polarizable)");
  if (std::find(caps.dtypes.begin(), caps.dtypes.end(), c.dtype) == caps.dtypes.end())
    throw InputError("engine", "engine fast cannot run dtype " + c.dtype + " (capability dtype)");
  // What the engine's network does not reproduce: an error rather than another function.
  if (const auto why = infer_unsupported(c))
    throw InputError("engine", "engine fast cannot run this model: " + *why);
  const infer::ModelWeights w = infer_weights(model);
  if (c.dtype == "float32") return std::make_unique<CpuEngine<float>>(w, c, options);
  return std::make_unique<CpuEngine<double>>(w, c, options);
}

}  // namespace lnet
