#include "lnet/util/plot.hpp"

#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace lnet::plot {
namespace {

// A gnuplot single-quoted string: no backslash escapes, a quote is written twice. Newlines
// would end the command, so they become spaces.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

// A POSIX shell single-quoted word.
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool keep_point(double x, double y, const Figure& fig) {
  if (!std::isfinite(x) || !std::isfinite(y)) return false;
  if (fig.logy && y <= 0) return false;
  if (fig.logy && fig.parity && x <= 0) return false;  // a log parity plot is log on both axes
  return true;
}

// Equal x and y range covering every kept point, padded 5 % so points are not on the frame.
bool parity_range(const Figure& fig, double& lo, double& hi) {
  lo = std::numeric_limits<double>::infinity();
  hi = -lo;
  for (const auto& s : fig.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!keep_point(s.x[i], s.y[i], fig)) continue;
      lo = std::min({lo, s.x[i], s.y[i]});
      hi = std::max({hi, s.x[i], s.y[i]});
    }
  }
  if (!(lo <= hi)) return false;
  if (fig.logy) {
    lo /= 1.5;
    hi *= 1.5;
  } else {
    const double pad = hi > lo ? 0.05 * (hi - lo) : std::max(1e-12, 0.05 * std::fabs(lo)) + 0.5;
    lo -= pad;
    hi += pad;
  }
  return true;
}

std::string temp_base(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

bool has_png_signature(const std::string& path) {
  static const char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
  char head[8] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(head, 8) && std::equal(head, head + 8, kSignature);
}

// Runs gnuplot on a script file; returns its exit status (-1 if it could not start) and its
// output. A script file rather than a pipe to gnuplot's stdin: if gnuplot died mid-script,
// writing the rest of a large data block into the pipe would raise SIGPIPE and kill us.
int run_gnuplot(const std::string& script_path, std::string& output) {
  const std::string command = "gnuplot " + shell_quoted(script_path) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    output.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  return (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
}

std::string trimmed(std::string text) {
  text.erase(text.find_last_not_of(" \n\r\t") + 1);
  constexpr std::size_t kMax = 2000;  // keep the warning readable
  if (text.size() > kMax) text = "..." + text.substr(text.size() - kMax);
  return text;
}

}  // namespace

bool gnuplot_available() {
  const char* path_env = std::getenv("PATH");
  std::istringstream dirs(path_env != nullptr ? path_env : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string gnuplot_script(const Figure& fig, const std::string& output) {
  std::ostringstream script;
  script.precision(17);
  // noenhanced: labels are printed literally (an "_" in "energy_rmse" is not a subscript).
  script << "set terminal pngcairo size 960,720 noenhanced font 'Sans,13' linewidth 1.5\n"
         << "set encoding utf8\n"
         << "set output " << quoted(output) << "\n";
  if (!fig.title.empty()) script << "set title " << quoted(fig.title) << "\n";
  if (!fig.xlabel.empty()) script << "set xlabel " << quoted(fig.xlabel) << "\n";
  if (!fig.ylabel.empty()) script << "set ylabel " << quoted(fig.ylabel) << "\n";
  const bool any_label = std::any_of(fig.series.begin(), fig.series.end(),
                                     [](const Series& s) { return !s.label.empty(); });
  script << "set grid\n";
  if (any_label || fig.parity)
    script << "set key " << (fig.parity ? "top left" : "top right") << " box opaque\n";
  else
    script << "unset key\n";
  if (fig.logy) script << (fig.parity ? "set logscale xy\n" : "set logscale y\n");
  if (!fig.xticks.empty()) {
    // Labels instead of numbers, a vertical line at each tick, the x range ending at the
    // outer ticks (a band path has no data beyond its end points).
    script << "set xtics (";
    for (std::size_t i = 0; i < fig.xticks.size(); ++i)
      script << (i ? ", " : "") << quoted(fig.xticks[i].second) << " " << fig.xticks[i].first;
    script << ")\nunset grid\nset grid ytics\n";
    for (const auto& tick : fig.xticks)
      script << "set arrow from " << tick.first << ", graph 0 to " << tick.first
             << ", graph 1 nohead lw 1 lc rgb 'gray30'\n";
    script << "set xrange [" << fig.xticks.front().first << ":" << fig.xticks.back().first << "]\n";
  }

  std::vector<std::string> plots;
  for (std::size_t k = 0; k < fig.series.size(); ++k) {
    const Series& s = fig.series[k];
    const std::string block = "$d" + std::to_string(k);
    std::size_t kept = 0;
    std::ostringstream data;
    data.precision(17);
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!keep_point(s.x[i], s.y[i], fig)) continue;
      data << s.x[i] << ' ' << s.y[i] << '\n';
      ++kept;
    }
    if (kept == 0) continue;  // gnuplot refuses an empty block; drop the series
    script << block << " << EOD\n" << data.str() << "EOD\n";
    const std::string style =
        s.style == Series::Points ? "with points pt 7 ps 0.7" : "with lines lw 2";
    const std::string color = s.color.empty() ? "" : " lc rgb " + quoted(s.color);
    plots.push_back(block + " using 1:2 " + style + color + " title " + quoted(s.label));
  }
  if (plots.empty()) return "";

  if (fig.parity) {
    double lo = 0, hi = 0;
    parity_range(fig, lo, hi);
    script << "set xrange [" << lo << ":" << hi << "]\nset yrange [" << lo << ":" << hi << "]\n"
           << "set size ratio -1\n";
    plots.insert(plots.begin(), "x with lines dt 2 lw 1.5 lc rgb 'gray40' title 'y = x'");
  }
  script << "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) script << (i ? ", \\\n     " : "") << plots[i];
  script << "\nunset output\n";
  return script.str();
}

bool save_png(const Figure& fig, const std::string& path) {
  for (const auto& s : fig.series) {
    if (s.x.size() != s.y.size()) {
      spdlog::warn("plot '{}' not written: series '{}' has {} x values but {} y values", path,
                   s.label, s.x.size(), s.y.size());
      return false;
    }
  }
  if (!gnuplot_available()) {
    spdlog::warn("plot '{}' not written: gnuplot is not installed (Debian: gnuplot-nox)", path);
    return false;
  }
  const std::string base = temp_base(path);
  const std::string png = base + ".png", gp = base + ".gp";
  const std::string script = gnuplot_script(fig, png);
  if (script.empty()) {
    spdlog::warn("plot '{}' not written: no finite points to plot", path);
    return false;
  }
  std::error_code ec;
  {
    std::ofstream out(gp, std::ios::binary);
    if (!(out << script) || !out.flush()) {
      spdlog::warn("plot '{}' not written: cannot write temporary script '{}'", path, gp);
      std::filesystem::remove(gp, ec);
      return false;
    }
  }
  std::string output;
  const int status = run_gnuplot(gp, output);
  std::filesystem::remove(gp, ec);
  bool ok = status == 0 && has_png_signature(png);
  if (status == 0 && !ok) output += "(no PNG was written)";
  if (ok) {
    std::filesystem::rename(png, path, ec);
    ok = !ec;
    if (ec) output = "rename: " + ec.message();
  }
  if (!ok) {
    std::filesystem::remove(png, ec);
    spdlog::warn("plot '{}' not written: gnuplot exit status {}: {}", path, status,
                 trimmed(output));
    return false;
  }
  if (!output.empty()) spdlog::debug("gnuplot output for '{}': {}", path, trimmed(output));
  return true;
}

}  // namespace lnet::plot
