#include "lnet/core/elements.hpp"

#include <array>
#include <unordered_map>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

const std::array<std::string, 119> kSymbols = {
    "X",  "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
    "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru",
    "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
    "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",
    "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac",
    "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf",
    "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

}  // namespace

int atomic_number(const std::string& symbol) {
  static const std::unordered_map<std::string, int> table = [] {
    std::unordered_map<std::string, int> t;
    for (int z = 1; z < static_cast<int>(kSymbols.size()); ++z) t[kSymbols[z]] = z;
    return t;
  }();
  auto it = table.find(symbol);
  if (it == table.end()) throw InputError("", "unknown element '" + symbol + "'");
  return it->second;
}

const std::string& element_symbol(int z) {
  if (z < 1 || z >= static_cast<int>(kSymbols.size()))
    throw Error("atomic number " + std::to_string(z) + " out of range 1..118");
  return kSymbols[z];
}

}  // namespace lnet
