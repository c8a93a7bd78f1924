// SPDX-License-Identifier: MIT
#include "reactor/name_lookup.hpp"

#include "reactor/io_thread.hpp"

namespace ply::detail {

name_lookup::~name_lookup() {
  ioc_.stop();
  if (thread_.joinable())
    thread_.join();
}

void name_lookup::resolve(std::string host, std::string port, std::weak_ptr<io_thread> home,
                          callback done) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!thread_.joinable()) {
      guard_.emplace(asio::make_work_guard(ioc_));
      thread_ = std::thread{[this] { ioc_.run(); }};
    }
  }
  asio::post(ioc_, [this, host = std::move(host), port = std::move(port), home = std::move(home),
                    done = std::move(done)]() mutable {
    asio::ip::tcp::resolver resolver{ioc_};
    boost::system::error_code ec;
    auto results = resolver.resolve(host, port, ec);
    endpoints found;
    for (const auto& entry : results)
      found.push_back(entry.endpoint());
    io_thread::post(home, [done = std::move(done), ec, found = std::move(found)]() mutable {
      done(ec, std::move(found));
    });
  });
}

} // namespace ply::detail
