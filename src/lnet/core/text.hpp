// Small text helpers for messages.
#pragma once
#include <string>
#include <vector>

namespace lnet {

// "a, b, c" ("" for no items).
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace lnet
