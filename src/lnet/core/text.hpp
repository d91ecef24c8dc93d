// Small text helpers for messages.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lnet {

// "a, b, c" ("" for no items).
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

// `text` as it may appear in an error message, in single quotes: at most `max_chars`
// characters (then "..." and the full length in bytes), printable ASCII as it is, and every
// other byte escaped as \xNN, so that a binary file or an invisible byte-order mark shows what
// it is instead of writing raw bytes to the terminal.
std::string quote_excerpt(std::string_view text, std::size_t max_chars = 40);

// A number with at most `digits` significant digits ("%.*g"), for messages and reports.
std::string short_number(double value, int digits = 6);

}  // namespace lnet
