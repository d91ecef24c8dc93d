// The message of the lnet::InputError that `f` throws; empty, and a test failure, if none.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "lnet/core/error.hpp"

namespace lnet::testing {

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError thrown";
  return {};
}

}  // namespace lnet::testing
