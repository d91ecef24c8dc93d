#include "lnet/learn/committee.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {

namespace fs = std::filesystem;

Committee::Committee(std::vector<std::unique_ptr<ForceField>> members)
    : members_(std::move(members)) {
  if (members_.empty()) throw Error("a committee needs at least one member");
  for (const auto& m : members_)
    if (m->has_dipole() != members_.front()->has_dipole())
      throw Error("committee members disagree on having a Born dipole (long-range model)");
}

Committee Committee::load(const std::vector<std::string>& model_paths,
                          const CalculatorOptions& options) {
  std::vector<std::unique_ptr<ForceField>> members;
  std::vector<Calculator*> calculators;
  for (const std::string& path : model_paths) {
    auto calc = std::make_unique<Calculator>(path, options);
    calculators.push_back(calc.get());
    members.push_back(std::move(calc));
  }
  Committee committee(std::move(members));
  committee.calculators_ = std::move(calculators);
  return committee;
}

void Committee::reset() {
  for (Calculator* c : calculators_) c->reset();
}

bool Committee::has_dipole() const { return members_.front()->has_dipole(); }

std::string Committee::state() const {
  nlohmann::json states = nlohmann::json::array();
  for (const auto& m : members_) states.push_back(m->state());
  return states.dump();
}

void Committee::restore_state(const std::string& state) {
  if (state.empty()) return;
  const nlohmann::json states = nlohmann::json::parse(state, nullptr, false);
  if (!states.is_array() || states.size() != members_.size())
    throw Error("the saved state is not that of a committee of " + std::to_string(members_.size()) +
                " models");
  for (std::size_t k = 0; k < members_.size(); ++k)
    members_[k]->restore_state(states[k].get<std::string>());
}

CommitteeEvaluation Committee::evaluate(const Structure& s, const Vec3& efield, bool bec,
                                        bool virial) {
  EvalRequest request;
  request.forces = true;
  request.virial = virial;
  request.bec = bec && has_dipole();
  std::vector<Evaluation> evals;
  evals.reserve(members_.size());
  for (auto& m : members_) evals.push_back(m->evaluate(s, efield, request));

  const std::size_t n = s.size();
  const double k = double(evals.size());
  CommitteeEvaluation out;
  out.forces.assign(n, Vec3::Zero());
  for (const Evaluation& e : evals) {
    out.energy += e.energy / k;
    for (std::size_t i = 0; i < n; ++i) out.forces[i] += e.forces[i] / k;
  }
  double e_var = 0;
  out.force_std.assign(n, 0.0);
  for (const Evaluation& e : evals) {
    e_var += std::pow(e.energy - out.energy, 2) / k;
    for (std::size_t i = 0; i < n; ++i)
      out.force_std[i] += (e.forces[i] - out.forces[i]).squaredNorm() / k;
  }
  out.energy_std_per_atom = std::sqrt(e_var) / double(std::max<std::size_t>(n, 1));
  for (double& f : out.force_std) {
    f = std::sqrt(f);
    out.force_std_max = std::max(out.force_std_max, f);
  }
  if (virial) {
    out.virial = Mat3::Zero();
    for (const Evaluation& e : evals) *out.virial += *e.virial / k;
  }
  if (has_dipole()) {
    out.dipole = Vec3::Zero();
    for (const Evaluation& e : evals) *out.dipole += *e.dipole / k;
  }
  if (request.bec) {
    out.bec.assign(n, Mat3::Zero());
    for (const Evaluation& e : evals)
      for (std::size_t i = 0; i < n; ++i) out.bec[i] += e.bec[i] / k;
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double var = 0;
      for (const Evaluation& e : evals) var += (e.bec[i] - out.bec[i]).squaredNorm() / k;
      worst = std::max(worst, std::sqrt(var));
    }
    out.bec_std_max = worst;
  }
  return out;
}

void register_committee_quantities() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto add = [](const std::string& name, const std::string& unit, bool per_atom,
                  const std::string& description) {
      Quantity q;
      q.name = name;
      q.unit = unit;
      q.per_atom = per_atom;
      q.description = description;
      q.what = "the spread of a committee of models";
      register_quantity(q);
    };
    add("committee_energy_std", "eV/atom", false,
        "standard deviation of the committee's energies, per atom");
    add("committee_force_std", "eV/Å", true,
        "rms over the committee of |F_k - F_mean| on each atom");
    add("committee_force_std_max", "eV/Å", false, "largest committee_force_std of the structure");
    add("committee_bec_std_max", "e", false,
        "largest rms over the committee of |Z*_k - Z*_mean| (Frobenius), when Z* is requested");
  });
}

Evaluation CommitteeForceField::evaluate(const Structure& s, const Vec3& efield,
                                         const EvalRequest& request) {
  const char* missing = request.polarizability || request.raman ? "polarizabilities"
                        : request.atom_energies || request.atom_virials
                            ? "per-atom energies or virials"
                            : nullptr;
  if (missing)
    throw InputError("committee", std::string("a committee gives the mean energy, forces, virial, "
                                              "dipole and Born charges with their spreads, not ") +
                                      missing);
  last_ = committee_.evaluate(s, efield, request.bec, request.virial);
  Evaluation e;
  e.energy = last_.energy;
  e.forces = last_.forces;
  e.virial = last_.virial;
  e.dipole = last_.dipole;
  e.bec = last_.bec;
  e.extra["committee_energy_std"] = {last_.energy_std_per_atom};
  e.extra["committee_force_std"] = last_.force_std;
  e.extra["committee_force_std_max"] = {last_.force_std_max};
  if (last_.bec_std_max) e.extra["committee_bec_std_max"] = {*last_.bec_std_max};
  return e;
}

TrainConfig committee_member(const TrainConfig& base, int k, const std::string& dir) {
  TrainConfig c = base;
  c.seed = base.seed + k;
  c.committee = 1;
  c.output_dir = (fs::path(dir) / ("member_" + std::to_string(k))).string();
  return c;
}

std::vector<std::string> train_committee_run(const TrainConfig& config,
                                             const TrainOptions& options) {
  std::vector<std::string> models;
  for (int k = 0; k < config.committee; ++k) {
    const TrainConfig c = committee_member(config, k, config.output_dir);
    TrainOptions o = options;
    o.resume = options.resume && fs::exists(fs::path(c.output_dir) / "checkpoint.pt");
    spdlog::info("committee: member {} of {} (seed {}) into {}", k + 1, config.committee, c.seed,
                 c.output_dir);
    models.push_back(train(c, o).model_path);
  }
  return models;
}

std::vector<std::string> train_committee(const TrainConfig& base, int members,
                                         const std::string& dir, const TrainOptions& options) {
  if (members < 1)
    throw InputError(base.source, "committee: must be at least 1, got " + std::to_string(members));
  ensure_directory(dir);
  std::vector<std::string> models;
  for (int k = 0; k < members; ++k) {
    const TrainConfig c = committee_member(base, k, dir);
    const std::string done = c.output_dir + ".done";
    const std::string model = (fs::path(c.output_dir) / c.model_name).string();
    models.push_back(model);
    if (fs::exists(done) && fs::exists(model)) continue;
    TrainOptions o = options;
    // A member killed mid-training continues from its checkpoint; anything else it left
    // (a model written before the kill, logs) is replaced.
    o.resume = fs::exists(fs::path(c.output_dir) / "checkpoint.pt");
    o.force = !o.resume;
    spdlog::info("committee: training member {} of {} (seed {}) into {}", k + 1, members, c.seed,
                 c.output_dir);
    const TrainResult r = train(c, o);
    write_file_atomic(done, r.model_path + "\n");
  }
  return models;
}

}  // namespace lnet
