// PNG plots (parity plots, learning curves, spectra) drawn by gnuplot in a subprocess:
// Debian's gnuplot-nox has the pngcairo terminal and costs us no plotting library. A plot is
// a convenience, never a reason to stop a run: failures log a warning and return false.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lnet::plot {

struct Series {
  enum Style { Lines, Points };
  std::string label;
  std::vector<double> x, y;
  Style style = Lines;
  std::string color = {};  // gnuplot colour, e.g. "#1f5fa8"; empty: the next default colour
};

struct Figure {
  std::string title, xlabel, ylabel;
  bool logy = false;
  // Parity plot (prediction vs reference): a dashed y = x line and equal x and y ranges on a
  // square plot, so deviations from the diagonal read directly.
  bool parity = false;
  std::vector<Series> series;
  // Labelled x ticks (e.g. the corners Γ, X, W of a phonon band path), each with a vertical line
  // across the plot; empty: gnuplot's numeric ticks.
  std::vector<std::pair<double, std::string>> xticks = {};
};

// Writes `fig` as a PNG to `path` (through a temporary name and a rename, so a reader never
// sees half a file). Non-finite points, and y <= 0 on a log axis, are left out. Returns false
// and logs a spdlog warning, never throws, when gnuplot is missing or fails, the figure has
// no points, or a series has x and y of different lengths.
bool save_png(const Figure& fig, const std::string& path);

// Whether an executable `gnuplot` is on PATH.
bool gnuplot_available();

// The gnuplot script save_png runs (data inline as `$dN << EOD` blocks), writing to
// `output`; empty when there is nothing to plot. Exposed for tests and for debugging a plot.
std::string gnuplot_script(const Figure& fig, const std::string& output);

}  // namespace lnet::plot
