// The registry of named output quantities: every built-in with its shape and unit, requests by
// name, values read from an Evaluation (row-major), and a quantity registered at run time with
// a derive function.
#include <gtest/gtest.h>

#include <map>

#include "common/error_of.hpp"
#include "common/force_norms_quantity.hpp"
#include "lnet/core/quantity.hpp"

namespace lnet {
namespace {

using testing::error_of;

struct Expected {
  std::string unit;
  bool per_atom;
  std::vector<int> shape;
  std::string capability;
};

TEST(Quantity, ListsEveryBuiltinWithShapeAndUnit) {
  // The names are the keys of the Python dict and the extended XYZ columns: changing one breaks
  // users' scripts.
  const std::map<std::string, Expected> expected = {
      {"energy", {"eV", false, {}, ""}},
      {"forces", {"eV/Å", true, {3}, "forces"}},
      {"virial", {"eV", false, {3, 3}, "virial"}},
      {"stress", {"eV/Å³", false, {3, 3}, "virial"}},
      {"dipole", {"e·Å", false, {3}, ""}},
      {"charges", {"e", true, {}, ""}},
      {"atomic_dipoles", {"e·Å", true, {3}, ""}},
      {"bec", {"e", true, {3, 3}, "bec"}},
      {"induced_dipoles", {"e·Å", true, {3}, ""}},
      {"polarizability", {"e·Å²/V", false, {3, 3}, "polarizability"}},
      {"epsilon_inf", {"1", false, {3, 3}, "polarizability"}},
      {"raman_tensors", {"e·Å/V", true, {3, 3, 3}, "raman"}},
      {"atom_energies", {"eV", true, {}, "atom_energies"}},
      {"atom_virials", {"eV", true, {3, 3}, "atom_virials"}},
  };
  std::size_t seen = 0;
  for (const Quantity& q : quantities()) {
    const auto it = expected.find(q.name);
    if (it == expected.end()) continue;  // registered by another test of this process
    ++seen;
    EXPECT_EQ(q.unit, it->second.unit) << q.name;
    EXPECT_EQ(q.per_atom, it->second.per_atom) << q.name;
    EXPECT_EQ(q.shape, it->second.shape) << q.name;
    EXPECT_EQ(q.capability, it->second.capability) << q.name;
    EXPECT_FALSE(q.description.empty()) << q.name;
    EXPECT_TRUE(q.read) << q.name;
  }
  EXPECT_EQ(seen, expected.size());
  EXPECT_EQ(quantity("raman_tensors").size(2), 54U);
}

TEST(Quantity, RequestsByName) {
  EvalRequest r;
  r.forces = false;
  r.add("bec").add("stress").add("atom_virials").add("raman_tensors").add("forces");
  EXPECT_TRUE(r.bec && r.virial && r.atom_virials && r.raman && r.forces);
  EXPECT_FALSE(r.atom_energies);
  EXPECT_TRUE(r.extra.empty());
  EXPECT_TRUE(requested(quantity("epsilon_inf"), r));  // Raman tensors need alpha_cell
  const std::string message = error_of([] { EvalRequest().add("magnetisation"); });
  EXPECT_NE(message.find("unknown quantity 'magnetisation'"), std::string::npos) << message;
  EXPECT_NE(message.find("atom_energies"), std::string::npos) << message;  // the known ones
}

TEST(Quantity, ValuesAreRowMajor) {
  Structure s;
  s.numbers = {1, 1};
  s.positions = {Vec3::Zero(), Vec3(1, 0, 0)};
  s.cell = 2 * Mat3::Identity();
  s.pbc = {true, true, true};
  Evaluation e;
  e.energy = -3;
  Mat3 w;
  w << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  e.virial = w;
  e.bec = {w, 2 * w};
  EXPECT_EQ(*values(quantity("virial"), e, s), (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(values(quantity("bec"), e, s)->at(10), 4.0);  // atom 2, row 0, column 1: 2 * 2
  EXPECT_DOUBLE_EQ(values(quantity("stress"), e, s)->at(1), -2.0 / 8);  // -W/V
  EXPECT_EQ(*values(quantity("energy"), e, s), std::vector<double>{-3});
  EXPECT_FALSE(values(quantity("forces"), e, s));  // not evaluated
  s.pbc = {false, false, false};
  EXPECT_FALSE(values(quantity("stress"), e, s));  // no volume
}

TEST(Quantity, RegisteredAtRunTimeIsDerived) {
  Quantity q = testing::force_norms_quantity();
  register_quantity(q);
  EXPECT_NE(error_of([&] { register_quantity(q); }).find("exists already"), std::string::npos);
  EvalRequest r;
  r.forces = false;
  r.add("test_force_norms");
  EXPECT_TRUE(r.forces);  // its input
  EXPECT_EQ(r.extra, std::set<std::string>{"test_force_norms"});
  Structure s;
  s.numbers = {1, 1};
  s.positions = {Vec3::Zero(), Vec3(1, 0, 0)};
  Evaluation e;
  e.forces = {Vec3(3, 4, 0), Vec3(0, 0, -2)};
  derive_quantities(r, s, e);
  const Quantity registered = quantity("test_force_norms");
  EXPECT_TRUE(registered.capability.empty());  // the calculator derives it
  EXPECT_TRUE(requested(registered, r));
  EXPECT_EQ(*values(registered, e, s), (std::vector<double>{5, 2}));
  EXPECT_TRUE(unregister_quantity("test_force_norms"));
  EXPECT_FALSE(find_quantity("test_force_norms"));
  EXPECT_FALSE(unregister_quantity("forces"));  // built-ins stay
}

TEST(Quantity, RegistrationErrors) {
  Quantity q;
  q.name = "test_bad";
  q.inputs = {"no_such_input"};
  EXPECT_NE(error_of([&] { register_quantity(q); }).find("'no_such_input' is not a registered"),
            std::string::npos);
  q.inputs.clear();
  q.read = [](const Evaluation&, const Structure&) { return std::optional<std::vector<double>>(); };
  EXPECT_NE(error_of([&] { register_quantity(q); }).find("leave request"), std::string::npos);
  // Without derive an engine must give it: its capability is its name.
  q.read = nullptr;
  register_quantity(q);
  EXPECT_EQ(quantity("test_bad").capability, "test_bad");
  EvalRequest r;
  r.add("test_bad");
  Evaluation e;
  EXPECT_THROW(derive_quantities(r, Structure(), e), Error);  // no engine gave it
  unregister_quantity("test_bad");
}

}  // namespace
}  // namespace lnet
