// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <iosfwd>

#include "trace_file.hpp"

namespace ply_trace {

/// Writes one self-contained HTML page (no network access) for the messages of `t` handled
/// between `since` and `until` (seconds on the timeline; until < 0: the end), at most `limit` of
/// them: a zoomable timeline per actor, arrows from send to receive, a sequence diagram. The page
/// says how many messages it left out.
void html_page(const trace& t, std::ostream& out, double since, double until, size_t limit);

} // namespace ply_trace
