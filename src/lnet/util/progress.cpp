#include "lnet/util/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace lnet {
namespace {

constexpr double kTerminalInterval = 0.2;  // s: ~5 redraws per second
constexpr double kPlainInterval = 30.0;    // s: a sign of life in logs between deciles
constexpr int kBarWidth = 20;

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long total = std::lround(seconds);
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buffer[32];
  if (h > 0) {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", h, m, s);
  } else {
    std::snprintf(buffer, sizeof buffer, "%02ld:%02ld", m, s);
  }
  return buffer;
}

std::string progress_line(const std::string& label, std::size_t done, std::size_t total,
                          double elapsed, const std::string& suffix, bool bar, bool final_line) {
  std::string line = label;
  if (total > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    if (bar) {
      const int filled = static_cast<int>(fraction * kBarWidth);
      line += " [" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]";
    }
    line += " " + std::to_string(static_cast<int>(fraction * 100)) + "%";
    line += " " + std::to_string(done) + "/" + std::to_string(total);
    line += " " + format_duration(elapsed);
    if (done < total && !final_line) {
      // Constant-rate estimate: crude, but the usual loops (epochs, MD steps) are uniform.
      const double eta =
          done > 0 ? elapsed * static_cast<double>(total - done) / static_cast<double>(done) : -1.0;
      line += "<" + format_duration(eta);
    }
  } else {
    line += " " + std::to_string(done) + " " + format_duration(elapsed);
  }
  if (!suffix.empty()) line += " " + suffix;
  return line;
}

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, std::size_t total, std::ostream& out)
    : Progress(std::move(label), total, out, &out == &std::cerr && stderr_is_terminal(),
               steady_seconds) {}

Progress::Progress(std::string label, std::size_t total, std::ostream& out, bool terminal,
                   Clock clock)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      terminal_(terminal),
      clock_(std::move(clock)),
      start_(clock_()) {}

Progress::~Progress() {
  if (terminal_ && drawn_ && !finished_) out_ << '\n' << std::flush;
}

void Progress::update(std::size_t done, const std::string& suffix) {
  if (finished_) return;
  done_ = done;
  const double now = clock_();
  if (terminal_) {
    if (now - last_draw_ >= kTerminalInterval || (total_ > 0 && done >= total_)) {
      last_draw_ = now;
      draw(suffix, false);
    }
    return;
  }
  const std::size_t decile = total_ > 0 ? std::min<std::size_t>(10, done * 10 / total_) : 0;
  if (decile > last_decile_ || (drawn_ ? now - last_draw_ : now - start_) >= kPlainInterval) {
    last_decile_ = std::max(last_decile_, decile);
    last_draw_ = now;
    draw(suffix, false);
  }
}

void Progress::finish(const std::string& suffix) {
  if (finished_) return;
  finished_ = true;
  const bool repeat = !terminal_ && drawn_ && total_ > 0 && last_drawn_done_ >= total_;
  if (repeat && suffix.empty()) return;
  draw(suffix, true);
}

void Progress::draw(const std::string& suffix, bool final_line) {
  const std::string line =
      progress_line(label_, done_, total_, clock_() - start_, suffix, terminal_, final_line);
  if (terminal_) {
    // \r returns to the line start, ESC[K clears what a longer previous line left behind.
    out_ << '\r' << line << "\033[K";
    if (final_line) out_ << '\n';
  } else {
    out_ << line << '\n';
  }
  out_ << std::flush;
  drawn_ = true;
  last_drawn_done_ = done_;
}

}  // namespace lnet
