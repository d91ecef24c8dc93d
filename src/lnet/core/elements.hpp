// Chemical elements: symbol <-> atomic number, standard atomic weights.
#pragma once
#include <string>

namespace lnet {

// Atomic number of an element symbol ("Na" -> 11); throws InputError for unknown symbols.
int atomic_number(const std::string& symbol);
// Symbol of an atomic number (11 -> "Na"); throws Error outside 1..118.
const std::string& element_symbol(int z);
// Standard atomic weight in amu (IUPAC 2013 conventional values, as ASE's default masses; see
// elements.cpp); throws Error outside 1..118.
double atomic_mass(int z);

}  // namespace lnet
