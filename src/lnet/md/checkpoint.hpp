// checkpoint.json of an MD run: the exact state (doubles round-trip exactly through JSON's
// shortest decimal form), the random number generator, the force field's own state, and the
// sizes the output files had when it was taken, so that a resumed run cuts them back and
// continues byte-identically. Written atomically (write_file_atomic) with a format version.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "lnet/md/md_state.hpp"

namespace lnet::md {

inline constexpr int kCheckpointFormat = 1;

struct Checkpoint {
  MdState state;
  std::string rng_state;
  std::string force_field_state;
  std::map<std::string, std::uint64_t> file_bytes;  // file name in the output dir -> size
  // Checked on resume: a checkpoint is only valid for the run that wrote it.
  double timestep_fs = 0;
  std::string ensemble;
  std::size_t natoms = 0;
};

std::string checkpoint_text(const Checkpoint& c);
// InputError naming `path` and the entry for a malformed or newer-format checkpoint: every
// field is validated here (a negative or fractional step or atom count, a non-finite number, a
// list with the wrong number of atoms, an unknown ensemble, a random-generator state that does
// not restore), so that a corrupted file fails on load rather than at the next MD step.
Checkpoint parse_checkpoint(const std::string& text, const std::string& path);

void write_checkpoint(const std::string& path, const Checkpoint& c);
Checkpoint read_checkpoint(const std::string& path);

}  // namespace lnet::md
