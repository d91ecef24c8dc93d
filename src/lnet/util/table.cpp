#include "lnet/util/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

// Characters, not bytes: continuation bytes of UTF-8 are 10xxxxxx.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string pad(const std::string& text, std::size_t width, bool left) {
  const std::string fill(width - std::min(width, display_width(text)), ' ');
  return left ? text + fill : fill + text;
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() != headers_.size()) {
    throw Error("Table::add_row: " + std::to_string(cells.size()) + " cells for " +
                std::to_string(headers_.size()) + " columns");
  }
  rows_.push_back(std::move(cells));
}

std::string Table::str() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = display_width(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out += "  ";
      out += pad(cells[c], widths[c], c == 0);
    }
    out.erase(out.find_last_not_of(' ') + 1);  // a left-aligned last column leaves no tail
    return out + "\n";
  };
  std::size_t total = 0;
  for (std::size_t c = 0; c < widths.size(); ++c) total += widths[c] + (c > 0 ? 2 : 0);
  std::string out = line(headers_) + std::string(total, '-') + "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string fmt(double value, int precision) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  precision = std::max(0, precision);
  const double magnitude = std::fabs(value);
  const bool scientific =
      magnitude >= 1e9 || (magnitude > 0 && magnitude < 0.5 * std::pow(10.0, -precision));
  if (magnitude == 0) value = 0.0;  // drop the sign of -0.0
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, scientific ? "%.*e" : "%.*f", precision, value);
  return buffer;
}

}  // namespace lnet
