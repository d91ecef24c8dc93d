// Fuzz target: the YAML MD config reader on arbitrary text must return a config or throw
// lnet::InputError naming the file, never crash or throw anything else (yaml-cpp exceptions
// included).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lnet/core/error.hpp"
#include "lnet/md/md_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    lnet::parse_md_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const lnet::InputError&) {
  }
  return 0;
}
