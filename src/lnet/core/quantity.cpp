#include "lnet/core/quantity.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <mutex>

#include "lnet/core/error.hpp"

namespace lnet {

namespace {

using Values = std::vector<double>;
using RowMajor = Eigen::Matrix<double, 3, 3, Eigen::RowMajor>;

void append(Values& out, const Vec3& v) { out.insert(out.end(), v.data(), v.data() + 3); }
void append(Values& out, const Mat3& m) {
  const RowMajor r = m;
  out.insert(out.end(), r.data(), r.data() + 9);
}
template <class T>
std::optional<Values> flat(const std::vector<T>& items) {
  if (items.empty()) return std::nullopt;
  Values out;
  out.reserve(items.size() * sizeof(T) / sizeof(double));
  for (const T& x : items) append(out, x);
  return out;
}
std::optional<Values> flat(const std::vector<double>& items) {
  if (items.empty()) return std::nullopt;
  return items;
}
template <class T>
std::optional<Values> flat(const std::optional<T>& x) {
  if (!x) return std::nullopt;
  Values out;
  append(out, *x);
  return out;
}

Vec3 vec3(const double* v) { return Vec3(v[0], v[1], v[2]); }
Mat3 mat3(const double* v) { return Eigen::Map<const RowMajor>(v); }
std::vector<Vec3> vec3s(const Values& v) {
  std::vector<Vec3> out;
  for (std::size_t k = 0; k + 3 <= v.size(); k += 3) out.push_back(vec3(v.data() + k));
  return out;
}
std::vector<Mat3> mat3s(const Values& v) {
  std::vector<Mat3> out;
  for (std::size_t k = 0; k + 9 <= v.size(); k += 9) out.push_back(mat3(v.data() + k));
  return out;
}

// A built-in quantity: name, unit, per atom, shape, description, capability and what it is.
Quantity make(std::string name, std::string unit, bool per_atom, std::vector<int> shape,
              std::string description, std::string capability = {}, std::string what = {}) {
  Quantity q;
  q.name = std::move(name);
  q.unit = std::move(unit);
  q.per_atom = per_atom;
  q.shape = std::move(shape);
  q.description = std::move(description);
  q.capability = std::move(capability);
  q.what = std::move(what);
  // Given whenever the model has it: a request cannot switch it on or off.
  q.request = [](EvalRequest&) {};
  q.requested = [](const EvalRequest&) { return false; };
  return q;
}

// The built-ins, in the order writers put them out (the columns of `lnet eval`'s extended XYZ).
std::vector<Quantity> builtins() {
  std::vector<Quantity> all;
  Quantity q = make("energy", "eV", false, {}, "total energy, including the field term -E·M");
  q.read = [](const Evaluation& e, const Structure&) {
    return std::optional<Values>(Values{e.energy});
  };
  q.label = [](Structure& s, const Values& v) { s.energy = v.at(0); };
  all.push_back(q);

  q = make("forces", "eV/Å", true, {3}, "forces -dE/dr_i", "forces", "forces");
  q.request = [](EvalRequest& r) { r.forces = true; };
  q.requested = [](const EvalRequest& r) { return r.forces; };
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.forces); };
  q.label = [](Structure& s, const Values& v) { s.forces = vec3s(v); };
  all.push_back(q);

  q = make("virial", "eV", false, {3, 3}, "virial W = -dE/d(strain), symmetric strain", "virial",
           "the virial");
  q.request = [](EvalRequest& r) { r.virial = true; };
  q.requested = [](const EvalRequest& r) { return r.virial; };
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.virial); };
  q.frames = false;  // frames hold the stress
  all.push_back(q);

  q = make("stress", "eV/Å³", false, {3, 3}, "stress -W/V (periodic structures)", "virial",
           "the virial");
  q.request = [](EvalRequest& r) { r.virial = true; };
  q.requested = [](const EvalRequest& r) { return r.virial; };
  q.read = [](const Evaluation& e, const Structure& s) -> std::optional<Values> {
    if (!e.virial || !s.periodic()) return std::nullopt;
    const Mat3 stress = -*e.virial / s.volume();
    return flat(std::optional<Mat3>(stress));
  };
  q.label = [](Structure& s, const Values& v) { s.stress = mat3(v.data()); };
  q.python = false;  // ASE computes it from the virial
  all.push_back(q);

  q = make("dipole", "e·Å", false, {3},
           "Born dipole M = Σ q_i r_i + Σ μ_i from the positions as given (long-range models)");
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.dipole); };
  q.label = [](Structure& s, const Values& v) { s.dipole = vec3(v.data()); };
  all.push_back(q);

  q = make("charges", "e", true, {}, "charges q_i (long-range models)");
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.charges); };
  all.push_back(q);

  q = make("atomic_dipoles", "e·Å", true, {3},
           "atomic dipoles μ_i (long-range models; polarizable ones: permanent + induced)");
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.atomic_dipoles); };
  all.push_back(q);

  q = make("bec", "e", true, {3, 3}, "Born effective charges Z*_i(α, β) = ∂M_α/∂r_iβ", "bec",
           "Born charges");
  q.request = [](EvalRequest& r) { r.bec = true; };
  q.requested = [](const EvalRequest& r) { return r.bec; };
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.bec); };
  q.label = [](Structure& s, const Values& v) { s.bec = mat3s(v); };
  all.push_back(q);

  q = make("induced_dipoles", "e·Å", true, {3}, "induced dipoles μ_ind,i (polarizable models)");
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.induced_dipoles); };
  all.push_back(q);

  const auto polarizability_requested = [](const EvalRequest& r) {
    return r.polarizability || r.raman;
  };
  q = make("polarizability", "e·Å²/V", false, {3, 3},
           "alpha_cell = ∂M/∂E at fixed nuclei (polarizable models)", "polarizability",
           "the polarizability");
  q.request = [](EvalRequest& r) { r.polarizability = true; };
  q.requested = polarizability_requested;
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.polarizability); };
  q.label = [](Structure& s, const Values& v) { s.polarizability = mat3(v.data()); };
  all.push_back(q);

  q = make("epsilon_inf", "1", false, {3, 3},
           "ε∞ = 1 + alpha_cell / (ε_vac V) (polarizable models, periodic structures)",
           "polarizability", "the polarizability");
  q.request = [](EvalRequest& r) { r.polarizability = true; };
  q.requested = polarizability_requested;
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.epsilon_inf); };
  q.label = [](Structure& s, const Values& v) { s.epsilon_inf = mat3(v.data()); };
  all.push_back(q);

  q = make("raman_tensors", "e·Å/V", true, {3, 3, 3},
           "Raman tensors [i, β, α, γ] = ∂alpha_cell(α, γ)/∂r_iβ (polarizable models)", "raman",
           "Raman tensors");
  q.request = [](EvalRequest& r) { r.raman = true; };
  q.requested = [](const EvalRequest& r) { return r.raman; };
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.raman); };
  all.push_back(q);

  q = make("atom_energies", "eV", true, {}, "per-atom energies, summing to the energy",
           "atom_energies", "per-atom energies");
  q.request = [](EvalRequest& r) { r.atom_energies = true; };
  q.requested = [](const EvalRequest& r) { return r.atom_energies; };
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.atom_energies); };
  // 17 significant digits, as lnet eval has always written this column (the others: the
  // shortest text that reads back the same double).
  q.label = [](Structure& s, const Values& v) {
    Structure::Column c{'R', 1, {}};
    for (double x : v) c.values.push_back(fmt::format("{:.17g}", x));
    s.extra_arrays.emplace_back("atom_energies", std::move(c));
  };
  all.push_back(q);

  q = make("atom_virials", "eV", true, {3, 3}, "per-atom virials, summing to the virial",
           "atom_virials", "per-atom virials");
  q.request = [](EvalRequest& r) { r.atom_virials = true; };
  q.requested = [](const EvalRequest& r) { return r.atom_virials; };
  q.read = [](const Evaluation& e, const Structure&) { return flat(e.atom_virials); };
  all.push_back(q);
  return all;
}

// Copy on write: a registration replaces the list, readers keep the one they took.
struct Registry {
  std::mutex mutex;
  std::shared_ptr<const std::vector<Quantity>> all =
      std::make_shared<const std::vector<Quantity>>(builtins());
  const std::size_t num_builtin = all->size();
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::size_t Quantity::item_size() const {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::size_t Quantity::size(std::size_t natoms) const {
  return per_atom ? natoms * item_size() : item_size();
}

QuantityList quantities() {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  return QuantityList(r.all);
}

std::optional<Quantity> find_quantity(const std::string& name) {
  for (const Quantity& q : quantities())
    if (q.name == name) return q;
  return std::nullopt;
}

Quantity quantity(const std::string& name) {
  if (auto q = find_quantity(name)) return *q;
  std::string known;
  for (const Quantity& q : quantities()) known += (known.empty() ? "" : ", ") + q.name;
  throw InputError("quantity", "unknown quantity '" + name + "' (known: " + known + ")");
}

void register_quantity(Quantity q) {
  const std::string where = "quantity " + q.name;
  if (q.name.empty()) throw InputError("quantity", "a quantity needs a name");
  if (q.request || q.requested || q.read)
    throw InputError(where,
                     "a quantity registered at run time is requested by name and read "
                     "from Evaluation::extra: leave request, requested and read empty");
  for (const std::string& input : q.inputs)
    if (!find_quantity(input))
      throw InputError(where, "input '" + input + "' is not a registered quantity");
  if (q.capability.empty() && !q.derive) q.capability = q.name;
  if (q.what.empty()) q.what = q.name;
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  for (const Quantity& other : *r.all)
    if (other.name == q.name) throw InputError(where, "a quantity of this name exists already");
  auto all = std::make_shared<std::vector<Quantity>>(*r.all);
  all->push_back(std::move(q));
  r.all = std::move(all);
}

bool unregister_quantity(const std::string& name) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  for (std::size_t k = r.num_builtin; k < r.all->size(); ++k)
    if ((*r.all)[k].name == name) {
      auto all = std::make_shared<std::vector<Quantity>>(*r.all);
      all->erase(all->begin() + static_cast<std::ptrdiff_t>(k));
      r.all = std::move(all);
      return true;
    }
  return false;
}

EvalRequest& EvalRequest::add(const std::string& name) {
  const Quantity q = quantity(name);
  if (q.request) {
    q.request(*this);
    return *this;
  }
  extra.insert(q.name);
  for (const std::string& input : q.inputs) add(input);
  return *this;
}

bool requested(const Quantity& q, const EvalRequest& request) {
  return q.requested ? q.requested(request) : request.extra.count(q.name) > 0;
}

std::optional<std::vector<double>> values(const Quantity& q, const Evaluation& e,
                                          const Structure& s) {
  if (q.read) return q.read(e, s);
  const auto it = e.extra.find(q.name);
  if (it == e.extra.end()) return std::nullopt;
  return it->second;
}

void derive_quantities(const EvalRequest& request, const Structure& s, Evaluation& e) {
  for (const std::string& name : request.extra) {
    if (e.extra.count(name)) continue;
    const auto q = find_quantity(name);
    if (!q || !q->derive)
      throw Error("quantity " + name + ": no engine gave it and it has no derive function");
    std::vector<double> v = q->derive(e, s);
    if (v.size() != q->size(s.size()))
      throw Error(fmt::format("quantity {}: derive gave {} numbers, expected {}", name, v.size(),
                              q->size(s.size())));
    e.extra[name] = std::move(v);
  }
}

std::string quantity_table() {
  std::size_t width = 0;
  for (const Quantity& q : quantities()) width = std::max(width, q.name.size());
  std::string out;
  for (const Quantity& q : quantities()) {
    std::string shape;
    for (int d : q.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    out += fmt::format("  {:<{}} {:<9} {:<6} {:<7} {}\n", q.name, width,
                       q.per_atom ? "per atom" : "per frame", shape.empty() ? "scalar" : shape,
                       q.unit, q.description);
  }
  return out;
}

}  // namespace lnet
