// SPDX-License-Identifier: MIT
#include "reactor/signals.hpp"

#include <csignal>

namespace ply::detail {

signal_watch::signal_watch(asio::io_context& ioc) : ioc_(ioc) {
  // nop
}

void signal_watch::catch_stop(std::function<void(int)> on_stop) {
  if (stop_signals_)
    return;
  stop_signals_.emplace(ioc_, SIGINT, SIGTERM);
  stop_signals_->async_wait([on_stop](const boost::system::error_code& ec, int sig) {
    if (!ec)
      on_stop(sig);
  });
}

void signal_watch::on_signal(int signo, std::function<void()> fn) {
  auto h = std::unique_ptr<handler>(new handler{asio::signal_set{ioc_, signo}, std::move(fn)});
  arm(h.get());
  handlers_.push_back(std::move(h));
}

void signal_watch::arm(handler* h) {
  h->set.async_wait([this, h](const boost::system::error_code& ec, int) {
    if (ec)
      return;
    h->fn();
    arm(h);
  });
}

void signal_watch::cancel() {
  boost::system::error_code ignored;
  if (stop_signals_)
    stop_signals_->cancel(ignored);
  for (auto& h : handlers_)
    h->set.cancel(ignored);
}

void signal_watch::reset() {
  stop_signals_.reset();
  handlers_.clear();
}

} // namespace ply::detail
