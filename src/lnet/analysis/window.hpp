// Lag windows for correlation functions before their Fourier transform (Harris, Proc. IEEE
// 66, 51 (1978), written as half windows on 0 <= t <= t_max). A window trades resolution for
// leakage: the spectrum is the true one convolved with the window's transform.
#pragma once

#include <string>

namespace lnet::analysis {

enum class Window {
  none,      // rectangular: finest resolution, sinc ringing (negative lobes) in the spectrum
  hann,      // 0.5 (1 + cos(pi t / t_max)): the default
  blackman,  // 0.42 + 0.5 cos(pi t / t_max) + 0.08 cos(2 pi t / t_max): lower sidelobes
  gaussian,  // exp(-t^2 / (2 s^2)) with s = t_max / 3 (0.011 at t_max)
};

// "none", "hann", "blackman", "gaussian"; lnet::InputError naming the choices otherwise.
Window parse_window(const std::string& name);
std::string to_string(Window window);

// The window at lag fraction u = t / t_max in [0, 1]; every window is 1 at u = 0, so the
// windowed correlation keeps C(0) and with it the frequency integral of the spectrum.
double window_value(Window window, double u);

}  // namespace lnet::analysis
