// The `lnet._lnet` extension: lnet::Calculator (DESIGN.md §4) for Python, with numpy
// arrays in and out. Inputs are read where they are (c_style | forcecast converts only arrays of
// another layout or dtype); outputs are the quantities of the registry (core/quantity.hpp), their
// flat values handed to numpy without a further copy.
// lnet::InputError becomes lnet.InputError (a ValueError), any other lnet::Error lnet.Error (a
// RuntimeError), with the CLI's message. Torch stays out of this file (lnet/model/threads.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/learn/committee.hpp"
#include "lnet/model/calculator.hpp"
#include "lnet/model/model_domain.hpp"
#include "lnet/model/threads.hpp"

namespace py = pybind11;

namespace lnet {
namespace {

template <class T>
using In = py::array_t<T, py::array::c_style | py::array::forcecast>;

// A numpy array over the storage of `values` (moved to the heap, freed with the array).
// `strides` in bytes; Mat3 is column-major, so (N, 3, 3) row-major views use (72, 8, 24).
template <class T>
py::array adopt(std::vector<T>&& values, std::vector<py::ssize_t> shape,
                std::vector<py::ssize_t> strides) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule free(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<double>(std::move(shape), std::move(strides),
                             reinterpret_cast<const double*>(owner->data()), free);
}

constexpr py::ssize_t kD = sizeof(double);
static_assert(sizeof(Vec3) == 3 * kD && sizeof(Mat3) == 9 * kD, "Eigen types must be unpadded");

// Atomic numbers from any numeric array: integers as they are, floats only when they hold
// whole numbers (numpy's forcecast would truncate 11.5 to sodium without a word).
std::vector<int> atomic_numbers(const py::object& object) {
  const py::array numbers = py::array::ensure(object);
  if (!numbers) throw InputError("numbers", "expected an array of atomic numbers");
  if (numbers.ndim() != 1) throw InputError("numbers", "expected a 1-d array");
  const char kind = numbers.dtype().kind();
  if (kind != 'i' && kind != 'u' && kind != 'f')
    throw InputError("numbers", std::string("expected integer atomic numbers, got an array of "
                                            "dtype ") +
                                    py::str(numbers.dtype()).cast<std::string>());
  const auto values = In<double>::ensure(numbers);
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(values.size()));
  for (py::ssize_t i = 0; i < values.size(); ++i) {
    const double z = values.data()[i];
    if (!(z >= 1 && z <= 118) || z != std::floor(z))
      throw InputError("numbers", "atom " + std::to_string(i + 1) + ": " +
                                      py::repr(py::float_(z)).cast<std::string>() +
                                      " is not an atomic number (an integer from 1 to 118)");
    out.push_back(static_cast<int>(z));
  }
  return out;
}

Structure structure(const py::object& numbers, const In<double>& positions,
                    const std::optional<In<double>>& cell, const std::optional<In<bool>>& pbc) {
  Structure s;
  s.numbers = atomic_numbers(numbers);
  const auto n = static_cast<py::ssize_t>(s.numbers.size());
  if (positions.ndim() != 2 || positions.shape(0) != n || positions.shape(1) != 3)
    throw InputError("positions", "expected shape (" + std::to_string(n) + ", 3) for " +
                                      std::to_string(n) + " atomic numbers");
  s.positions.resize(static_cast<std::size_t>(n));
  for (py::ssize_t i = 0; i < n; ++i) s.positions[i] = Eigen::Map<const Vec3>(positions.data(i, 0));
  if (cell) {
    if (cell->size() != 9) throw InputError("cell", "expected a 3x3 array (rows a, b, c)");
    s.cell = Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(cell->data());
  }
  if (pbc) {
    if (pbc->size() == 1)
      s.pbc.fill(*pbc->data());
    else if (pbc->size() == 3)
      std::copy(pbc->data(), pbc->data() + 3, s.pbc.begin());
    else
      throw InputError("pbc", "expected one or three booleans");
  }
  check_cell_finite(s.cell, s.pbc);
  if (s.periodic() && !(std::abs(s.cell.determinant()) > 0))
    throw InputError("cell", "periodic boundaries need a cell of nonzero volume");
  return s;
}

Vec3 field_of(const std::optional<In<double>>& efield) {
  if (!efield) return Vec3::Zero();
  if (efield->size() != 3) throw InputError("efield", "expected three numbers (V/Å)");
  return Eigen::Map<const Vec3>(efield->data());
}

// The result of an evaluation as Python sees it: every quantity of the registry
// (core/quantity.hpp) that `e` has, under its name; a per-structure scalar as a float, the
// others as arrays of the quantity's shape (per-atom ones with the atom index first).
py::dict result_dict(const Evaluation& e, const Structure& s) {
  py::dict out;
  for (const Quantity& q : quantities()) {
    if (!q.python) continue;
    std::optional<std::vector<double>> v = values(q, e, s);
    if (!v) continue;
    if (!q.per_atom && q.shape.empty()) {
      out[q.name.c_str()] = v->at(0);
      continue;
    }
    std::vector<py::ssize_t> shape, strides;
    if (q.per_atom) shape.push_back(static_cast<py::ssize_t>(s.size()));
    for (int d : q.shape) shape.push_back(d);
    strides.resize(shape.size());
    py::ssize_t stride = kD;  // row-major
    for (std::size_t k = shape.size(); k-- > 0;) {
      strides[k] = stride;
      stride *= shape[k];
    }
    out[q.name.c_str()] = adopt(std::move(*v), std::move(shape), std::move(strides));
  }
  return out;
}

// A quantity computed in Python from the other results (`derive(result_dict) -> array`), for
// Model.evaluate(..., quantities=[name]). The function is released with the GIL held, or
// leaked at interpreter exit (the registry outlives the interpreter).
void register_python_quantity(const std::string& name, const std::string& unit, bool per_atom,
                              const std::vector<int>& shape, const std::string& description,
                              const std::vector<std::string>& inputs, const py::function& derive) {
  std::shared_ptr<py::function> fn(new py::function(derive), [](py::function* f) {
    if (Py_IsInitialized()) {
      const py::gil_scoped_acquire gil;
      delete f;
    } else {
      f->release();
      delete f;
    }
  });
  Quantity q;
  q.name = name;
  q.unit = unit;
  q.per_atom = per_atom;
  q.shape = shape;
  q.description = description;
  q.inputs = inputs;
  q.derive = [fn, name](const Evaluation& e, const Structure& s) {
    const py::gil_scoped_acquire gil;
    const auto values = In<double>::ensure((*fn)(result_dict(e, s)));
    if (!values) throw InputError("quantity " + name, "derive must return an array of numbers");
    return std::vector<double>(values.data(), values.data() + values.size());
  };
  register_quantity(std::move(q));
}

py::list quantity_list() {
  py::list out;
  for (const Quantity& q : quantities()) {
    py::dict d;
    d["name"] = q.name;
    d["unit"] = q.unit;
    d["per_atom"] = q.per_atom;
    d["shape"] = py::tuple(py::cast(q.shape));
    d["description"] = q.description;
    out.append(d);
  }
  return out;
}

// One model and its calculator state (neighbour list, electrostatics parameters). The GIL is
// released while torch runs; a mutex keeps two Python threads out of the same calculator.
class Model {
 public:
  // `committee`: the other members of a committee with `path` (learn/committee.hpp): evaluate
  // then gives the committee mean and its spreads.
  Model(const std::string& path, std::optional<std::string> dtype, std::optional<int> threads,
        std::optional<double> min_distance, const std::vector<std::string>& committee) {
    if (threads) set_torch_threads(*threads);
    CalculatorOptions options;
    options.dtype = std::move(dtype);
    if (min_distance) options.min_distance = *min_distance;
    calc_ = std::make_unique<Calculator>(path, options);
    domain_ = model_domain(calc_->info(), path);
    path_ = path;
    if (!committee.empty()) {
      std::vector<std::string> paths{path};
      paths.insert(paths.end(), committee.begin(), committee.end());
      committee_ = std::make_unique<Committee>(Committee::load(paths, options));
      mean_ = std::make_unique<CommitteeForceField>(*committee_);
    }
  }

  py::dict evaluate(const py::object& numbers, const In<double>& positions,
                    const std::optional<In<double>>& cell, const std::optional<In<bool>>& pbc,
                    const std::optional<In<double>>& efield, bool forces, bool virial, bool bec,
                    bool polarizability, bool raman, bool atom_energies, bool atom_virials,
                    const std::vector<std::string>& quantities) {
    const Structure s = structure(numbers, positions, cell, pbc);
    const Vec3 field = field_of(efield);
    EvalRequest request;
    request.forces = forces;
    request.virial = virial;
    request.bec = bec;
    request.polarizability = polarizability;
    request.raman = raman;
    request.atom_energies = atom_energies;
    request.atom_virials = atom_virials;
    for (const std::string& name : quantities) request.add(name);
    Evaluation e;
    {
      py::gil_scoped_release unlocked;
      const std::lock_guard<std::mutex> lock(mutex_);
      e = mean_ ? mean_->evaluate(s, field, request) : calc_->evaluate(s, field, request);
    }
    return result_dict(e, s);
  }

  py::array hessian(const py::object& numbers, const In<double>& positions,
                    const std::optional<In<double>>& cell, const std::optional<In<bool>>& pbc) {
    const Structure s = structure(numbers, positions, cell, pbc);
    std::optional<Eigen::MatrixXd> h;
    {
      py::gil_scoped_release unlocked;
      const std::lock_guard<std::mutex> lock(mutex_);
      h = calc_->hessian(s);
    }
    if (!h || mean_) throw Error("hessian: not available for this model");
    const auto n = static_cast<py::ssize_t>(h->rows());
    py::array_t<double> out({n, n});  // symmetric: the column-major data is its transpose
    std::copy(h->data(), h->data() + h->size(), out.mutable_data());
    return out;
  }

  // How far the structure lies outside the training set's domain (src/lnet/applicability).
  py::dict domain(const py::object& numbers, const In<double>& positions,
                  const std::optional<In<double>>& cell, const std::optional<In<bool>>& pbc) const {
    if (domain_.empty()) throw Error("this model was trained before lnet recorded its domain");
    const Structure s = structure(numbers, positions, cell, pbc);
    ApplicabilityReport r = domain_.assess(s);
    py::dict out;
    out["novelty"] = r.novelty;
    out["distance_ratio"] = r.distance_ratio;
    out["close_pair"] = r.close_pair;
    out["description"] = r.describe(s);
    const auto n = static_cast<py::ssize_t>(r.atom_novelty.size());
    out["atom_novelty"] = adopt(std::move(r.atom_novelty), {n}, {kD});
    return out;
  }

  py::dict info() const {
    const ModelInfo& i = calc_->info();
    py::list symbols;
    for (int z : i.species) symbols.append(element_symbol(z));
    py::dict out;
    out["path"] = path_;
    out["species"] = i.species;
    out["symbols"] = symbols;
    out["dtype"] = i.dtype;
    out["long_range"] = i.long_range;
    out["cutoff_a"] = i.cutoff_a;
    out["cutoff_b"] = i.cutoff_b;
    out["cutoff"] = std::max(i.cutoff_a, i.cutoff_b);
    out["epsilon_s"] = i.epsilon_s;
    out["config"] = py::module_::import("json").attr("loads")(i.config_json);
    out["committee"] = committee_ ? committee_->size() : 1;
    return out;
  }

  bool long_range() const { return calc_->info().long_range; }
  void reset() {
    const std::lock_guard<std::mutex> lock(mutex_);
    calc_->reset();
    if (committee_) committee_->reset();
  }
  long neighbor_list_builds() const { return calc_->neighbor_list_builds(); }

 private:
  std::unique_ptr<Calculator> calc_;
  std::unique_ptr<Committee> committee_;  // with calc_'s model as its first member
  std::unique_ptr<CommitteeForceField> mean_;
  ApplicabilityDomain domain_;
  std::string path_;
  std::mutex mutex_;
};

// spdlog's level by name; lnet logs e.g. the resolved electrostatics parameters at "info".
void set_log_level(const std::string& name) {
  const auto level = spdlog::level::from_str(name);
  const std::string names = "trace, debug, info, warning, error, critical or off";
  if (level == spdlog::level::off && name != "off")
    throw InputError("log level", "expected " + names + ", got '" + name + "'");
  spdlog::set_level(level);
}

}  // namespace
}  // namespace lnet

PYBIND11_MODULE(_lnet, m) {
  using lnet::Model;
  m.doc() = "lnet inference: a trained model evaluated on one structure at a time";
  // lnet.InputError derives from lnet.Error (as in C++) and from ValueError. Registered last, so
  // its translator is tried first.
  auto error = py::register_exception<lnet::Error>(m, "Error", PyExc_RuntimeError);
  const py::tuple input_bases = py::make_tuple(error, py::handle(PyExc_ValueError));
  py::register_exception<lnet::InputError>(m, "InputError", input_bases);
  lnet::register_committee_quantities();  // listed by quantities() before any committee loads

  py::class_<Model>(m, "Model", "A model file loaded for inference (lnet::Calculator).")
      .def(py::init<const std::string&, std::optional<std::string>, std::optional<int>,
                    std::optional<double>, const std::vector<std::string>&>(),
           py::arg("path"), py::arg("dtype") = py::none(), py::arg("threads") = py::none(),
           py::arg("min_distance") = py::none(), py::arg("committee") = std::vector<std::string>{},
           "Loads `path`; dtype 'float64' or 'float32' (default: the model's); threads sets "
           "libtorch's thread count (process-wide; at least 1, capped with a warning far above "
           "the cores); atoms closer than min_distance (Å; default 0.5, 0: no check) are an "
           "InputError; committee: the other members' model files of a committee with `path`, "
           "whose mean evaluate() gives, with the spreads committee_energy_std, "
           "committee_force_std and committee_force_std_max.")
      .def("evaluate", &Model::evaluate, py::arg("numbers"), py::arg("positions"),
           py::arg("cell") = py::none(), py::arg("pbc") = py::none(),
           py::arg("efield") = py::none(), py::arg("forces") = true, py::arg("virial") = false,
           py::arg("bec") = false, py::arg("polarizability") = false, py::arg("raman") = false,
           py::arg("atom_energies") = false, py::arg("atom_virials") = false,
           py::arg("quantities") = std::vector<std::string>{},
           "Energy (eV) and, as asked, forces (eV/Å), virial W = -dE/dstrain (eV), "
           "atom_energies (N, eV, summing to energy) and atom_virials (N×3×3, eV, summing to "
           "virial); for "
           "long-range models dipole (Born M, e·Å), charges, atomic_dipoles and bec "
           "(N×3×3, Z*[i, a, b] = dM_a/dr_ib); for polarizable models induced_dipoles (e·Å, "
           "part of atomic_dipoles) and, when asked, polarizability (alpha_cell = dM/dE at fixed "
           "nuclei, e·Å²/V), epsilon_inf (3×3, periodic cells) and raman_tensors (N×3×3×3, "
           "[i, b, :, :] = d alpha_cell/d r_ib, e·Å/V; all images of atom i move); quantities: "
           "more quantities by name (lnet._lnet.quantities()). Positions in Å (may be "
           "unwrapped), cell rows in Å, efield in V/Å.")
      .def("domain", &Model::domain, py::arg("numbers"), py::arg("positions"),
           py::arg("cell") = py::none(), py::arg("pbc") = py::none(),
           "How far a structure lies outside the training domain: novelty (0 inside), "
           "distance_ratio (shortest contact / shortest trained, < 1 outside), atom_novelty, "
           "close_pair, description.")
      .def("hessian", &Model::hessian, py::arg("numbers"), py::arg("positions"),
           py::arg("cell") = py::none(), py::arg("pbc") = py::none(),
           "Exact d²E/dr_i dr_j (3N×3N, eV/Å², atom-major) at zero field.")
      .def("reset", &Model::reset,
           "Forgets the neighbour list and electrostatics parameters (an unrelated structure).")
      .def_property_readonly("info", &Model::info)
      .def_property_readonly("long_range", &Model::long_range)
      .def_property_readonly("neighbor_list_builds", &Model::neighbor_list_builds);
  m.def(
      "set_threads", [](int threads) { return lnet::set_torch_threads(threads); },
      py::arg("threads"),
      "libtorch's thread count (process-wide; at least 1, capped with a warning far above the "
      "cores); returns the count set.");
  m.def("get_threads", &lnet::torch_threads);
  m.def("quantities", &lnet::quantity_list,
        "The output quantities: name (the key in evaluate's result), unit, per_atom, shape, "
        "description.");
  m.def("register_quantity", &lnet::register_python_quantity, py::arg("name"), py::arg("unit"),
        py::arg("per_atom"), py::arg("shape"), py::arg("description"), py::arg("inputs"),
        py::arg("derive"),
        "Adds a quantity computed by derive(result) -> array from the quantities named in "
        "inputs; Model.evaluate(..., quantities=[name]) gives it under its name.");
  m.def("unregister_quantity", &lnet::unregister_quantity, py::arg("name"),
        "Removes a quantity added with register_quantity; False when there is none.");
  // Log lines go to stderr (a script's stdout is its own), and only warnings and errors by
  // default, as ASE calculators are quiet: the CLI's info messages (the electrostatics
  // parameters resolved for every new structure) would otherwise fill a script's output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("lnet"));
  spdlog::set_level(spdlog::level::warn);
  m.def("set_log_level", &lnet::set_log_level, py::arg("level"),
        "Level of lnet's log messages (stderr): trace, debug, info, warning (default), error, "
        "critical, off.");
}
