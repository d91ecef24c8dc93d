// Fixed-width text tables for metrics printed to a terminal or a report (e.g. per-label
// RMSE of train/validation sets).
#pragma once

#include <string>
#include <vector>

namespace lnet {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // A row must have as many cells as there are headers (lnet::Error otherwise).
  void add_row(std::vector<std::string> cells);

  // Header, a rule of '-' under it, then the rows; the first column left-aligned, the others
  // right-aligned (numbers line up), columns separated by two spaces, each line ending in
  // '\n'. Widths count UTF-8 characters, so "meV/Å" aligns.
  std::string str() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// `value` with `precision` digits after the decimal point; in scientific notation instead
// when fixed notation would show no significant digit (|value| < 0.5e-precision) or be
// unwieldy (|value| >= 1e9). "nan", "inf", "-inf" for non-finite values; never "-0.000".
std::string fmt(double value, int precision);

}  // namespace lnet
