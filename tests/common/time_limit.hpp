// Wall-time guards of the tests that check an algorithm is not quadratic (a neighbour list of
// 2e5 atoms, a 5 MB extxyz file): generous limits, scaled up under the sanitizers of
// scripts/check.sh, which slow code down several times.
#pragma once

namespace lnet::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr double kSanitizerSlowdown = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr double kSanitizerSlowdown = 10;
#else
inline constexpr double kSanitizerSlowdown = 1;
#endif
#else
inline constexpr double kSanitizerSlowdown = 1;
#endif

inline double time_limit(double seconds) { return seconds * kSanitizerSlowdown; }

}  // namespace lnet::testing
