// Progress bar with ETA for long loops (training epochs, MD steps, phonon displacements).
// On a terminal it redraws one line in place; elsewhere (CI logs, files, string streams) it
// prints a plain line every 10 % or 30 s, so logs stay short but still show the run is alive.
#pragma once

#include <cstddef>
#include <functional>
#include <iostream>
#include <string>

namespace lnet {

class Progress {
 public:
  // Seconds since an arbitrary origin; injectable so tests need not sleep.
  using Clock = std::function<double()>;

  // Redraws in place when `out` is std::cerr and stderr is a terminal; plain lines otherwise.
  // `total` == 0 means unknown: no bar, percentage or ETA.
  Progress(std::string label, std::size_t total, std::ostream& out = std::cerr);
  // Chooses the mode and clock explicitly (tests; a CLI flag forcing plain output).
  Progress(std::string label, std::size_t total, std::ostream& out, bool terminal, Clock clock);
  // Whether stderr is a terminal: callers that print nothing per item outside one ask this.
  static bool stderr_is_terminal();
  // Ends a terminal line left open by a loop that never reached finish().
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` items of `total` are complete. Terminal: redraws at most ~5 times/s (and always on
  // the last item). Plain: prints when a new multiple of 10 % is reached or 30 s have
  // passed since the last line.
  void update(std::size_t done, const std::string& suffix = "");
  // Prints the final line (the last `done` given to update, so a loop stopped early shows
  // where it stopped) with the elapsed time; once. Plain mode skips it when the 100 % line
  // was just printed and there is no new suffix.
  void finish(const std::string& suffix = "");

 private:
  void draw(const std::string& suffix, bool final_line);

  std::string label_;
  std::size_t total_;
  std::ostream& out_;
  bool terminal_;
  Clock clock_;
  double start_;
  double last_draw_ = -1e300;
  std::size_t done_ = 0;
  std::size_t last_decile_ = 0;
  std::size_t last_drawn_done_ = 0;
  bool drawn_ = false;
  bool finished_ = false;
};

// "mm:ss", or "h:mm:ss" from one hour on; "--:--" for a negative or non-finite time.
std::string format_duration(double seconds);

// One progress line: `label [#####.....] 45% 123/270 00:12<00:15 suffix`: the bar only when
// `bar`, the ETA ("<mm:ss", "<--:--" before the first item) only while done < total and not
// `final_line` (a loop stopped early has no remaining time).
std::string progress_line(const std::string& label, std::size_t done, std::size_t total,
                          double elapsed, const std::string& suffix, bool bar,
                          bool final_line = false);

}  // namespace lnet
