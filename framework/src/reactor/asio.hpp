// SPDX-License-Identifier: MIT
#pragma once

// Boost 1.74's asio/awaitable.hpp misses `#include <utility>` under C++20: include it first.
#include <utility>

#include <boost/asio.hpp>

namespace ply::detail {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
} // namespace ply::detail
