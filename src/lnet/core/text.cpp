#include "lnet/core/text.hpp"

#include <cstdio>

namespace lnet {

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string quote_excerpt(std::string_view text, std::size_t max_chars) {
  static const char* const hex = "0123456789ABCDEF";
  std::string out = "'";
  std::size_t shown = 0, k = 0;
  for (; k < text.size() && shown < max_chars; ++k, ++shown) {
    const auto c = static_cast<unsigned char>(text[k]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += "'";
  if (k < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string short_number(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

}  // namespace lnet
