// The torch reference engine: one-structure batches through Potential::forward, every
// derivative by autograd. It gives every quantity of the model except per-atom energies and
// virials, which autograd has no natural per-atom split for (the CPU engine gives them).
#include "lnet/model/batch.hpp"
#include "lnet/model/engine.hpp"
#include "lnet/model/potential.hpp"
#include "lnet/model/prediction.hpp"

namespace lnet {
namespace {

class ReferenceEngine : public Engine {
 public:
  explicit ReferenceEngine(const Potential& model) : model_(model) {
    caps_.forces = caps_.virial = caps_.bec = caps_.polarizability = caps_.raman = true;
    caps_.hessian = true;
    caps_.dtypes = {"float64", "float32"};
    caps_.long_range = caps_.polarizable = true;
  }
  std::string name() const override { return "reference"; }
  const EngineCapabilities& capabilities() const override { return caps_; }

  Evaluation evaluate(const EngineInput& in, const EvalRequest& request) override {
    const ModelConfig& c = model_->config();
    const Batch batch = batch_for(in);
    Request r;
    r.forces = request.forces;
    r.stress = request.virial;
    r.bec = request.bec;
    r.polarizability = request.polarizability || request.raman;
    r.raman = request.raman;
    if (c.long_range && *in.es) r.es_parameters = {**in.es};
    const auto n = static_cast<int64_t>(in.structure->size());
    if (c.polarizable && in.induced && static_cast<int64_t>(in.induced->size()) == n) {
      std::vector<double> flat;
      for (const Vec3& v : *in.induced) flat.insert(flat.end(), v.data(), v.data() + 3);
      r.induced_guess = torch::tensor(flat, torch::kFloat64).view({n, 3}).to(model_->dtype());
    }
    Prediction p = model_->forward(batch, r);
    if (c.long_range) *in.es = p.es_parameters.at(0);
    if (c.polarizable && in.induced) {
      // float64 holds float32 exactly: a restart from state() continues bit for bit.
      const torch::Tensor t = p.induced_dipoles.to(torch::kFloat64).contiguous();
      const double* d = t.data_ptr<double>();
      in.induced->resize(n);
      for (int64_t i = 0; i < n; ++i) (*in.induced)[i] = Vec3(d[3 * i], d[3 * i + 1], d[3 * i + 2]);
    }
    return split_prediction(batch, p).at(0);
  }

  Eigen::MatrixXd hessian(const EngineInput& in) override {
    const Batch batch = batch_for(in);
    Request r;
    r.create_graph = true;
    if (model_->config().long_range && *in.es) r.es_parameters = {**in.es};
    Prediction p = model_->forward(batch, r);
    if (model_->config().long_range) *in.es = p.es_parameters.at(0);
    const auto n = static_cast<int64_t>(in.structure->size());
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

 private:
  // The one-structure batch of the input, with the calculator's neighbour lists.
  Batch batch_for(const EngineInput& in) const {
    const Structure& s = *in.structure;
    Structure geometry;  // labels never enter inference
    geometry.numbers = s.numbers;
    geometry.positions = s.positions;
    geometry.cell = s.cell;
    geometry.pbc = s.pbc;
    geometry.efield = in.efield;
    std::vector<NeighborList> a{*in.pairs_a}, b;
    if (model_->config().long_range) b.push_back(*in.pairs_b);
    return make_batch({&geometry}, model_->config(), a, b);
  }

  Potential model_;
  EngineCapabilities caps_;
};

}  // namespace

std::unique_ptr<Engine> make_reference_engine(const Potential& model) {
  return std::make_unique<ReferenceEngine>(model);
}

}  // namespace lnet
