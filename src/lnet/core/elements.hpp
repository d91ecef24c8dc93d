// Chemical elements: symbol <-> atomic number.
#pragma once
#include <string>

namespace lnet {

// Atomic number of an element symbol ("Na" -> 11); throws InputError for unknown symbols.
int atomic_number(const std::string& symbol);
// Symbol of an atomic number (11 -> "Na"); throws Error outside 1..118.
const std::string& element_symbol(int z);

}  // namespace lnet
