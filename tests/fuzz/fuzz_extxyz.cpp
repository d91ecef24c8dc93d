// Fuzz target: the extended XYZ reader on arbitrary bytes must return frames or throw
// lnet::Error (InputError), never crash, leak, read out of bounds or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    lnet::LabelKeys keys;
    if (size > 0 && data[0] == 'K') keys.set("bec", "born_charge", "fuzz");  // mapped keys too
    const auto frames = lnet::parse_extxyz(in, "fuzz.xyz", keys);
    std::ostringstream out;
    lnet::write_extxyz(out, frames);  // what was read can be written
  } catch (const lnet::Error&) {
  }
  return 0;
}
