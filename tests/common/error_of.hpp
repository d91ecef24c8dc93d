// The message of the exception of type E (by default lnet::InputError; error_of<Error> for
// run-time failures) that `f` throws; empty, and a test failure, if none.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <typeinfo>

#include "lnet/core/error.hpp"

namespace lnet::testing {

template <class E = InputError, class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type (" << typeid(E).name() << ") thrown";
  return {};
}

}  // namespace lnet::testing
