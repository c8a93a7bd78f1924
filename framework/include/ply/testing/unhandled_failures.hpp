// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ply::testing {

/// The tracebacks of failures that reached the end of a deferred's chain unhandled since the last
/// call (they are also logged at error level). Lets tests assert that a failure was reported.
std::vector<std::string> take_unhandled_failures();

/// How many unhandled failures this process reported in total.
size_t unhandled_failure_count();

} // namespace ply::testing
