// Named output quantities (as metatomic's model outputs): one registry says, for every quantity a
// force field can give, its name (the key in every output: the Python dict, the extended XYZ of
// `lnet eval`, the MD trajectory), unit, whether it is per atom or per structure, item shape,
// the engine capability it needs, how it is requested (EvalRequest) and how its values are read
// from an Evaluation. Writers iterate over the registry, so a new quantity is added where it is
// computed and here, and nowhere else.
//
// Built-in quantities read Evaluation's typed fields (fast, and what most code uses). Quantities
// registered at run time (a test, a plug-in) are requested by name (EvalRequest::add, kept in
// EvalRequest::extra) and carried in Evaluation::extra; one with a `derive` function is computed
// by the calculator from what the engine gave when no engine gives it itself.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lnet/core/force_field.hpp"
#include "lnet/core/structure.hpp"

namespace lnet {

struct Quantity {
  std::string name;         // key in every output, e.g. "forces", "atom_energies"
  std::string unit;         // e.g. "eV/Å"; "1" for pure numbers
  bool per_atom = false;    // one item per atom, else one per structure
  std::vector<int> shape;   // item shape: {} scalar, {3} vector, {3, 3} tensor, ...
  std::string description;  // one line
  // The engine capability needed to give it (EngineCapabilities, model/engine.hpp), e.g. "bec";
  // empty: no capability of its own (given with the energy whenever the model has it, or
  // derived by the calculator). `what` names it in capability messages ("Born charges").
  std::string capability, what;
  // Where it is written: the Python result dict, prediction frames (extended XYZ). The virial
  // stays out of frames (they carry the stress, as ASE does), the stress out of Python (ASE
  // computes it from the virial).
  bool python = true, frames = true;

  // Built-ins: how a request asks for it, whether a request asks for it, and its values in an
  // Evaluation (flat, row-major items, atom-major; nullopt when absent). Null for quantities
  // registered at run time: they are requested through EvalRequest::extra and read from
  // Evaluation::extra.
  std::function<void(EvalRequest&)> request;
  std::function<bool(const EvalRequest&)> requested;
  std::function<std::optional<std::vector<double>>(const Evaluation&, const Structure&)> read;
  // How a prediction frame holds it as a typed label of Structure (energy, forces, stress, ...);
  // null: under its name, a per-frame key or a per-atom column.
  std::function<void(Structure&, const std::vector<double>&)> label;

  // Run-time quantities: the quantities it is computed from (requested with it), and how, when
  // no engine gives it itself (Calculator::evaluate applies it).
  std::vector<std::string> inputs;
  std::function<std::vector<double>(const Evaluation&, const Structure&)> derive;

  // Numbers per item (product of the shape) and per structure of `natoms` atoms.
  std::size_t item_size() const;
  std::size_t size(std::size_t natoms) const;
};

// The registry as it was when taken (a registration later makes a new list): iterating costs no
// copy, so writers and capability checks can ask for it on every evaluation.
class QuantityList {
 public:
  explicit QuantityList(std::shared_ptr<const std::vector<Quantity>> all) : all_(std::move(all)) {}
  std::vector<Quantity>::const_iterator begin() const { return all_->begin(); }
  std::vector<Quantity>::const_iterator end() const { return all_->end(); }
  std::size_t size() const { return all_->size(); }

 private:
  std::shared_ptr<const std::vector<Quantity>> all_;
};

// Every quantity in registry order (built-ins first, in the order writers put them out).
QuantityList quantities();
std::optional<Quantity> find_quantity(const std::string& name);
// InputError naming the known quantities when there is none called `name`.
Quantity quantity(const std::string& name);
// Adds a quantity at run time. InputError for an empty or taken name, a request/read of its own
// (those are for built-ins), or inputs that are not registered. Its capability is its own name
// unless it has `derive` (then the calculator gives it from its inputs).
void register_quantity(Quantity q);
// Removes a quantity registered at run time (tests); false when there is none of that name;
// built-ins cannot be removed.
bool unregister_quantity(const std::string& name);

bool requested(const Quantity& q, const EvalRequest& request);
// Values of `q` in `e` for structure `s` (flat, row-major items, atom-major), nullopt when absent.
std::optional<std::vector<double>> values(const Quantity& q, const Evaluation& e,
                                          const Structure& s);
// The quantities of `request` registered at run time that `e` lacks, computed by their `derive`
// (Error when one has none: an engine should have given it).
void derive_quantities(const EvalRequest& request, const Structure& s, Evaluation& e);

// One line per quantity: name, per atom or structure, shape, unit, description (help texts).
std::string quantity_table();

}  // namespace lnet
