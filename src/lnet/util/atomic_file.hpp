// File helpers for outputs users keep (models, checkpoints, reports): CONVENTIONS.md asks
// for atomic writes, so that a crash or a full disk never leaves a half-written model where
// a good one was.
#pragma once

#include <string>

namespace lnet {

// Writes `bytes` to `path` atomically: a temporary file in the same directory (rename is
// atomic only within one file system), write, fsync, rename over `path`. On failure the
// temporary file is removed, `path` is left as it was, and lnet::Error names the path and
// the system's reason.
void write_file_atomic(const std::string& path, const std::string& bytes);

// The whole file as bytes. InputError naming the path and the reason if it is missing,
// unreadable or a directory.
std::string read_file(const std::string& path);

// mkdir -p. No-op for "" and for an existing directory; lnet::Error if `dir` exists and is
// not a directory or cannot be created.
void ensure_directory(const std::string& dir);

}  // namespace lnet
